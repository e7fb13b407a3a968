"""tenders."""
