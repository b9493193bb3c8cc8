"""Operator data duties: backups and restores (personal-data duties live in server/privacy)."""
