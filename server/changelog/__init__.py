"""The change log: what devices pull, in one monotonic sequence, written by every domain.

Below the domains (policy, targets, participants, sign-ups all append to it; ``sync`` reads
it for the pull), so it is a package of its own rather than part of any one of them.
"""

from server.changelog.models import ChangeLog
from server.changelog.writer import (
    append_changes,
    lock_change_log,
    record_change,
    record_changes,
)

__all__ = ["ChangeLog", "append_changes", "lock_change_log", "record_change", "record_changes"]
