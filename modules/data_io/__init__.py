"""data io modules."""
