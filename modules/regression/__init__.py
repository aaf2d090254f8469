"""regression modules."""
