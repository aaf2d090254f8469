"""text modules."""
