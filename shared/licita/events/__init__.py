"""Domain events and the Lambda event-source helpers (SQS batches)."""
