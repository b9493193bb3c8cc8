"""Logs and metrics: what an operator reads when something is wrong.

``logs`` configures structlog (JSON lines, one per event, with the request id, user and
device); ``metrics`` holds the Prometheus metrics and the ``/metrics`` route; ``middleware``
ties a request to both.
"""

from server.observability.context import annotate
from server.observability.metrics import observe_push, observe_push_shed

__all__ = ["annotate", "observe_push", "observe_push_shed"]
