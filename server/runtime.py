"""Process-level tuning done once a server process has started.

CPython's cyclic garbage collector walks every tracked object of the oldest generation on
a full collection. After start-up that is several hundred thousand objects (the modules,
SQLAlchemy's and pydantic's schemas, the routes), none of which ever becomes garbage, so a
server pushing sign-ups paid about 250 ms per full collection, a few times a minute, with the
GIL held: measured in-process (``benchmarks/profile_push.py``) the CPU per pushed record
fell from 1.2 to 0.72 ms on SQLite once they were frozen, and the event loop that answers
429 stops pausing behind it. ``gc.freeze`` moves what is alive now into a permanent
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
