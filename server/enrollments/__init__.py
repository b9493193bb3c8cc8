"""Sign-ups: push ingestion, review, receipts and the audit log."""
