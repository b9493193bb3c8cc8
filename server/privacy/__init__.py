"""Personal-data duties (Law 91/2025/QH15, Decree 356/2025): views audited, retention and
purge, a person's data exported or corrected, and the public receipt check rate-limited.
See docs/privacy.md."""
