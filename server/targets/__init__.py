"""Targets (plans) per period, scheme, kind and metric, for collection points and agents."""
