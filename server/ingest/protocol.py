"""Push answers as each app release can read them.

Apps validate answers strictly (a ``Flag`` they do not know fails the whole answer, so the
batch would be re-sent forever). An app says which protocol it speaks in a request header;
one that says nothing gets only the flags of the first release. The stored sign-up keeps
every flag either way: coordinators see them, and a later app reads them on a re-push.
"""

from __future__ import annotations

from enroll_common.sync_wire import (
    FIRST_RELEASE_FLAGS,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PushResponse,
)


def spoken(header: str | None) -> int:
    """The protocol version of a request (absent or unreadable: 1)."""
    try:
        return max(1, min(int(header or "1"), PROTOCOL_VERSION))
    except ValueError:
        return 1


def for_protocol(response: PushResponse, version: int) -> PushResponse:
    """``response`` with only the flags an app of ``version`` knows."""
    if version >= 2:
        return response
    results = []
    for result in response.results:
        accepted = result.accepted
        if accepted is not None and not set(accepted.flags) <= FIRST_RELEASE_FLAGS:
            kept = [f for f in accepted.flags if f in FIRST_RELEASE_FLAGS]
            result = result.model_copy(
                update={"accepted": accepted.model_copy(update={"flags": kept})}
            )
        results.append(result)
    return response.model_copy(update={"results": results})


__all__ = ["PROTOCOL_HEADER", "for_protocol", "spoken"]
