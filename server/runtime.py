"""Process-level tuning done once a server process has started.

CPython's cyclic garbage collector walks every tracked object of the oldest generation on
a full collection. After start-up that is several hundred thousand objects (the modules,
SQLAlchemy's and pydantic's schemas, the routes), none of which ever becomes garbage, so a
server paid 130–250 ms per full collection, every few batches of a push or every second
agent-level report, with the GIL held, so the event loop that answers 429 paused behind it
too. Frozen (``benchmarks/profile_push.py``, ``--no-freeze`` to compare): CPU per pushed
record 0.96–1.16 → 0.93–0.96 ms on SQLite and 1.11–1.19 → 0.91–0.97 ms on PostgreSQL, and
a shed push's 429 at most 5 ms at p99 inside the app instead of 25 ms
(docs/performance.md §1–§3). ``gc.freeze`` moves what is alive now into a permanent
generation the collector skips; objects are still freed by reference counting as usual.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then freeze what survives; returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen for the garbage collector", extra={"objects": frozen})
    return frozen
