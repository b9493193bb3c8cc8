"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server.auth.routes import router as auth_router
from server.auth.security import Passwords, Tokens
from server.auth.service import AuthContext
from server.cash.routes import router as cash_router
from server.collectors.routes import router as organisations_router
from server.config import Settings
from server.db import make_engine
from server.enrollments.first_block_routes import router as first_block_router
from server.enrollments.routes import router as enrollments_router
from server.errors import document_validation_errors, install_handlers
from server.facilities.routes import router as facilities_router
from server.filing.routes import router as filing_router
from server.followup.routes import router as followup_router
from server.health import router as health_router
from server.ingest.admission import SyncAdmission
from server.ingest.routes import document_push_body
from server.ingest.routes import router as push_router
from server.middleware import BodyLimitMiddleware, make_request_id, valid_request_id
from server.observability.metrics import router as metrics_router
from server.observability.metrics import track_pool
from server.observability.middleware import RequestContextMiddleware
from server.openapi import install_openapi
from server.org.routes import router as org_router
from server.participants.routes import router as participants_router
from server.policy.routes import router as policy_router
from server.provisioning.routes import router as provisioning_router
from server.replica import install_replica
from server.reports.export_routes import router as report_exports_router
from server.reports.routes import router as reports_router
from server.runtime import freeze_startup_heap, set_switch_interval
from server.sync.routes import router as sync_router
from server.sync.settings import SyncSettings
from server.targets.routes import router as targets_router
from server.web.routes import install_web


def _document_errors(app: FastAPI) -> None:
    """Serve an OpenAPI document whose 422 schema is the body our handler sends."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_push_body(document_validation_errors(generate()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None, sync: SyncSettings | None = None) -> FastAPI:
    """Build the app from validated settings; nothing is read from the environment here.

    The launcher (``server.launcher``) builds ``Settings`` once and passes them; called bare
    (``uvicorn server.main:create_app --factory``) it reads them from the environment.
    ``sync`` replaces ``settings.sync`` (tests).
    """
    settings = settings or Settings()
    sync = sync or settings.sync

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.gc_freeze_at_start:
            freeze_startup_heap()  # the app is built and imported: what lives now stays
        set_switch_interval(settings.gil_switch_interval_ms)
        yield

    app = FastAPI(
        title="field-enroll",
        version="0.1.0",
        summary="Offline-first enrolment for voluntary social and household health insurance.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    install_replica(app, settings)  # reports may read from a streaming replica
    track_pool(app.state.engine)
    # Domain settings, validated with the rest at start-up; tests may replace them here.
    app.state.sync_settings = sync
    app.state.web_settings = settings.web
    app.state.auth = AuthContext(
        settings=settings, passwords=Passwords(settings), tokens=Tokens(settings)
    )
    install_handlers(app)
    app.include_router(policy_router)
    app.include_router(metrics_router)
    for router in (health_router, auth_router, org_router):
        app.include_router(router)
    app.include_router(targets_router)
    app.include_router(reports_router)
    app.include_router(report_exports_router)
    app.include_router(organisations_router)
    app.include_router(filing_router)
    app.include_router(facilities_router)
    app.include_router(cash_router)
    app.include_router(followup_router)
    for router in (push_router, sync_router, enrollments_router, participants_router):
        app.include_router(router)
    app.include_router(first_block_router)

    app.include_router(provisioning_router)
    install_web(app)  # the dashboard; also answers "/"
    _document_errors(app)
    install_openapi(app)  # readable operation ids, every error response, file media types

    # Outermost last: proxy headers -> request id -> logs and metrics -> sync admission ->
    # body limit -> app.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        SyncAdmission,
        limit=sync.in_flight_budget(settings.db_pool_size),
        retry_after_s=sync.push_retry_after_s,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        CorrelationIdMiddleware,
        header_name="X-Request-ID",
        generator=make_request_id,
        validator=valid_request_id,
        update_request_header=True,
    )
    if settings.proxy_list:
        # Believe X-Forwarded-For/-Proto only from the configured proxies' addresses.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_list)
    return app
