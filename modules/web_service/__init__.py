"""web service modules."""
