"""training modules."""
