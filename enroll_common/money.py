"""Money helpers shared by server and offline client.

Amounts are whole Vietnamese đồng held as ``int``; every intermediate product is a
``Decimal`` and is rounded exactly once per published amount so both sides agree to the
đồng regardless of platform float behaviour or the caller's decimal context.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

# A private context: the caller's (possibly modified) thread-local context must never change
# the result, otherwise server and client could disagree.
_ROUNDING_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)
_ONE = Decimal(1)


def round_half_up(x: Decimal) -> int:
    """Round to the nearest đồng, halves away from zero (the usual rule on receipts)."""
    if not isinstance(x, Decimal):
        raise TypeError(f"round_half_up expects a Decimal, got {type(x).__name__}")
    if not x.is_finite():
        raise ValueError(f"cannot round a non-finite amount: {x}")
    return int(x.quantize(_ONE, context=_ROUNDING_CONTEXT))


def format_vnd(amount: int) -> str:
    """Format as Vietnamese money: dot thousands separator, trailing "₫" ("1.234.567 ₫")."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"format_vnd expects an int number of đồng, got {type(amount).__name__}")
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " ₫"
