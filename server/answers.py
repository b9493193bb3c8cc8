"""JSON answers serialised by the thread that did the work, not on the event loop.

FastAPI serialises a route's return value on the event loop, even for a route it ran in
the thread pool. For a pull page of 500 changes that is about a millisecond of the loop's
time per request; a sync wave of 1,000 agents makes 11,000 of them, on the one loop that
must also turn every request past the budget away at once (docs/performance.md §2).
"""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


def json_answer(model: BaseModel) -> Response:
    """``model`` as the body FastAPI would have written for it (by alias), already bytes."""
    return Response(content=model.model_dump_json(by_alias=True), media_type="application/json")
