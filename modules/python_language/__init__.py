"""python language modules."""
