"""Progress against plan, coverage and commission reports."""
