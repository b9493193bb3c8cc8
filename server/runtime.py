"""Process-level tuning done once a server process has started.

CPython's cyclic garbage collector walks every tracked object of the oldest generation on
a full collection. After start-up that is about 240,000 objects (the modules, SQLAlchemy's
and pydantic's schemas, the routes), none of which ever becomes garbage. Measured in served
processes during a 200-agent sync wave (gc callbacks, 2026-11-30): a full collection every
5-12 s per process, 143-158 ms of CPU each with the GIL held, so the event loop that
answers 429 stalled behind it (the probe's slowest 429s, 117-239 ms, came at those
moments). Frozen: the same wave's 429s at most 38-61 ms (docs/performance.md §2), and a
pushed record's CPU in-process 0.96-1.16 -> 0.93-0.96 ms on SQLite
(``benchmarks/profile_push.py``, ``--no-freeze`` to compare). ``gc.freeze`` moves what is
alive now into a permanent generation the collector skips; objects are still freed by
reference counting as usual.

The GIL switch interval is shortened too (``set_switch_interval``). The event loop answers
429 to a sync wave without reading the body, in about a millisecond of its own time, but
it must take the GIL from the worker threads judging admitted batches, and CPython lets a
thread keep it for the switch interval (5 ms by default) each time another asks. Over a
1,000-agent wave the probe's 429s took up to 110 ms at the 99th percentile while the app's
own time to them stayed under 10 ms; at 1 ms: 91-92 ms, and the wave was not slower (321
and 339 s against 340 s; docs/performance.md §2). Pushes gained too: a thread coming back
from the database waits less for the GIL (push ÷ raw insert 0.33-0.37 on SQLite and
0.50-0.71 on PostgreSQL, from 0.32-0.35 and 0.40-0.50; §1).

Both run in the app's lifespan, which the launcher must therefore start (uvicorn's
``lifespan="on"``; with "off", as before 2026-11-30, no served process was ever frozen).
"""

from __future__ import annotations

import gc
import logging
import sys

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then freeze what survives; returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen for the garbage collector", extra={"objects": frozen})
    return frozen


def set_switch_interval(milliseconds: float) -> None:
    """How long a thread may keep the GIL while another waits for it, for this process."""
    sys.setswitchinterval(milliseconds / 1000)
    log.info("GIL switch interval set", extra={"ms": milliseconds})
