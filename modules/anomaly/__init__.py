"""anomaly modules."""
