"""Shared, pure code for field-enroll: the contribution calculator and its helpers.

Used unchanged by the server and the offline client so both compute the same amount.
No I/O, no database, no HTTP: standard library and pydantic only.
"""

from .calculator import Quote, QuoteLine, QuoteRequest, Scheme, add_months, quote
from .errors import PolicyError
from .money import format_vnd, round_half_up
from .policy import PARAMETERS, SUPPORT_GROUPS, PolicyRow, PolicySet
from .text import normalize_name

__all__ = [
    "PARAMETERS",
    "SUPPORT_GROUPS",
    "PolicyError",
    "PolicyRow",
    "PolicySet",
    "Quote",
    "QuoteLine",
    "QuoteRequest",
    "Scheme",
    "add_months",
    "format_vnd",
    "normalize_name",
    "quote",
    "round_half_up",
]
