"""Sync ingest: a pushed batch judged in memory and written once per table.

``batch`` is the protocol (parse, retry, fall back, answer); ``reads`` takes the batch's
locks and reads every row the checks need in one query each; ``decide`` judges one record
against the in-memory ``view``, which later records of the batch see updated; ``pricing``
gathers the calculator's inputs from that view; ``writes`` stores the outcome with
multi-row statements. See docs/sync-protocol.md §3 for the answers and docs/architecture.md.
"""

from server.ingest.batch import push_batch, push_body

__all__ = ["push_batch", "push_body"]
