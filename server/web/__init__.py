"""The coordinator dashboard: server-rendered pages over the same services as the API."""
