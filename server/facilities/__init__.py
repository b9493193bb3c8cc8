"""Initial registered health facilities: the province's reference list and its import."""
