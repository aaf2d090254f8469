"""The sandbox for user code: hostile scripts and queries, selection, overhead."""
