"""feature selection modules."""
