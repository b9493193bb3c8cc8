"""The single error type raised by the shared calculator and policy code.

Both the server (HTTP 422) and the offline client (form hint next to the input) need to
know *which* field was wrong and what would have been accepted, so the error carries that
structure instead of only a sentence.
"""

from __future__ import annotations

from typing import Any


class PolicyError(ValueError):
    """A request or policy row that the rules in force cannot accept.

    ``field`` names the offending input (a ``QuoteRequest`` attribute or a policy-row key),
    ``message`` says what is wrong, and ``allowed`` lists the acceptable values when they
    are a known, finite set (or a single formatted range).
    """

    field: str
    message: str
    allowed: list[str] | None

    def __init__(self, field: str, message: str, allowed: list[str] | None = None) -> None:
        # Passing everything to ValueError keeps ``args`` complete, so the error survives
        # pickling / copying (e.g. across a process pool) with all its attributes.
        super().__init__(field, message, allowed)
        self.field = field
        self.message = message
        self.allowed = list(allowed) if allowed is not None else None

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}"
        if self.allowed:
            text += f" (allowed: {', '.join(self.allowed)})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for API error bodies."""
        return {"field": self.field, "message": self.message, "allowed": self.allowed}
