"""classification modules."""
