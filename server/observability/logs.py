"""Structured logs: structlog renders every line (ours, uvicorn's, SQLAlchemy's) as JSON.

Replaces ``logging.basicConfig`` and uvicorn's text access log: one JSON object per line on
stderr, with ``timestamp``, ``level``, ``logger``, ``event`` and the request's facts
(``request_id``, ``client``, ``user``, ``device``). Set ``FIELD_ENROLL_LOG_FORMAT=console``
for readable lines while developing.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from server.config import Settings
from server.observability.context import merge_into_event

_SHARED: list[Any] = [
    structlog.stdlib.ExtraAdder(),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    merge_into_event,
]


def configure_logging(settings: Settings) -> None:
    """Route stdlib logging and structlog through one JSON (or console) renderer."""
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware writes the access line (with request id, route, user and timing).
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False


def uvicorn_log_config() -> dict[str, Any]:
    """A log config for uvicorn that leaves the root handler (set above) in charge."""
    return {"version": 1, "disable_existing_loggers": False}


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)
