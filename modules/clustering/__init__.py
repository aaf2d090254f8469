"""clustering modules."""
