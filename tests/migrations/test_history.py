"""The migration history is trustworthy: it matches the models, goes up and down from every
revision, its frozen data is what the live sources gave, and released files never change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import server.models  # noqa: F401  (every table on the metadata)
from server.db import metadata
from server.migrate import MIGRATIONS_DIR, alembic_config, downgrade, upgrade
from server.org.divisions import commune_rows, province_rows
from server.policy.initial import initial_policy_dicts

MANIFEST = MIGRATIONS_DIR / "released.sha256"
DATA_0010 = MIGRATIONS_DIR / "versions" / "data" / "0010_schemes_supported_hi.json"
DATA_0012 = MIGRATIONS_DIR / "versions" / "data" / "0012_payment_cycles_policy.json"


def _revisions() -> list[str]:
    """Revisions from the first to the head, in order."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def _diff(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def _current(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_models_match_migrations_at_head(empty_url):
    upgrade(empty_url)
    assert _diff(empty_url) == []


def test_every_revision_upgrades_and_downgrades(empty_url):
    """Stairway: up one revision, down one, up again, for each revision; then all the way down."""
    revisions = _revisions()
    previous = "base"
    for rev in revisions:
        upgrade(empty_url, rev)
        assert _current(empty_url) == rev
        downgrade(empty_url, previous)
        assert _current(empty_url) == (None if previous == "base" else previous)
        upgrade(empty_url, rev)
        previous = rev
    assert _diff(empty_url) == []
    downgrade(empty_url, "base")
    engine = create_engine(empty_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_frozen_data_builds_the_database_the_live_sources_built(empty_url):
    """0001, 0002 and later policy migrations read frozen files; the rows are exactly what
    the package and the shipped policy file hold (the database is identical, row for row)."""
    upgrade(empty_url, "head")
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            provinces = [
                dict(r._mapping)
                for r in conn.execute(
                    text("SELECT code, name, division_type, codename FROM province ORDER BY code")
                )
            ]
            communes = [
                dict(r._mapping)
                for r in conn.execute(
                    text(
                        "SELECT code, name, division_type, codename, province_code "
                        "FROM commune ORDER BY code"
                    )
                )
            ]
            policy = conn.execute(
                text(
                    "SELECT id, parameter, effective_from, effective_to, source "
                    "FROM policy_version ORDER BY id"
                )
            ).all()
            changes = conn.execute(
                text(
                    "SELECT entity, entity_id, op FROM change_log"
                    " WHERE entity = 'policy_version' ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    assert provinces == sorted(province_rows(), key=lambda r: r["code"])
    assert communes == sorted(commune_rows(), key=lambda r: r["code"])
    assert len(provinces) == 34 and len(communes) > 3000
    shipped = initial_policy_dicts()
    assert [(p[0], p[1], str(p[2]), p[3] and str(p[3]), p[4]) for p in policy] == [
        (r["id"], r["parameter"], r["effective_from"], r["effective_to"], r["source"])
        for r in shipped
    ]
    # Rows of later migrations travel as ``policy_row`` (older apps cannot parse them).
    later = {r["id"] for r in json.loads(DATA_0010.read_text(encoding="utf-8"))["policy"]}
    later |= {r["id"] for r in json.loads(DATA_0012.read_text(encoding="utf-8"))}
    assert changes == [
        ("policy_version", str(r["id"]), "upsert") for r in shipped if r["id"] not in later
    ]


def _manifest() -> dict[str, str]:
    out = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            out[name.strip()] = digest
    return out


def test_released_migrations_are_unchanged():
    """A released migration (or its frozen data) is never edited: write a new revision."""
    manifest = _manifest()
    assert "versions/0001_foundation.py" in manifest
    changed = [
        name
        for name, digest in manifest.items()
        if hashlib.sha256((MIGRATIONS_DIR / name).read_bytes()).hexdigest() != digest
    ]
    assert changed == [], f"released migration files changed: {changed}"


def test_every_released_revision_is_in_the_manifest():
    """Every revision up to the newest released one has its file listed."""
    manifest = _manifest()
    released = {Path(n).name.split("_")[0] for n in manifest if n.endswith(".py")}
    newest = max(released)
    files = {p.name.split("_")[0]: p.name for p in (MIGRATIONS_DIR / "versions").glob("*.py")}
    missing = [f for rev, f in files.items() if rev <= newest and f"versions/{f}" not in manifest]
    assert missing == []


def test_0006_repairs_a_database_migrated_with_the_first_0005(empty_url):
    """A database that ran 0005 before its in-place edit ends identical to a new one."""
    upgrade(empty_url, "0004")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            # 0005 as first written (commit b35d8da): month and first_* columns.
            conn.execute(
                text(
                    "CREATE TABLE progress_refresh (province_code INTEGER NOT NULL, "
                    "year INTEGER NOT NULL, watermark VARCHAR(100) NOT NULL, "
                    "refreshed_at TIMESTAMP WITH TIME ZONE NOT NULL, duration_ms INTEGER NOT NULL,"
                    " rows INTEGER NOT NULL, CONSTRAINT pk_progress_refresh "
                    "PRIMARY KEY (province_code, year))"
                )
            )
            conn.execute(
                text(
                    "CREATE TABLE progress_summary (id INTEGER NOT NULL, "
                    "province_code INTEGER NOT NULL, year INTEGER NOT NULL, "
                    "month INTEGER NOT NULL, commune_code INTEGER NOT NULL, "
                    "point_id INTEGER NOT NULL, agent_id INTEGER NOT NULL, "
                    "scheme VARCHAR(20) NOT NULL, kind VARCHAR(10) NOT NULL, "
                    "status VARCHAR(20) NOT NULL, sign_ups INTEGER NOT NULL, "
                    "amount_vnd BIGINT NOT NULL, first_m_all INTEGER NOT NULL, "
                    "first_q_all INTEGER NOT NULL, first_y_all INTEGER NOT NULL, "
                    "first_m_kind INTEGER NOT NULL, first_q_kind INTEGER NOT NULL, "
                    "first_y_kind INTEGER NOT NULL, due_renewal INTEGER NOT NULL, "
                    "CONSTRAINT pk_progress_summary PRIMARY KEY (id))"
                )
            )
            conn.execute(
                text(
                    "CREATE INDEX ix_progress_summary_province_code_year "
                    "ON progress_summary (province_code, year)"
                )
            )
            conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
        assert _diff(empty_url) != []  # the old shape is what the models no longer match
        upgrade(empty_url)
        assert _diff(empty_url) == []
        columns = {c["name"] for c in inspect(engine).get_columns("progress_summary")}
        assert "period" in columns and "month" not in columns
    finally:
        engine.dispose()


def test_0006_leaves_a_current_summary_alone(empty_url):
    """On a database already in 0005's current shape, 0006 changes nothing of the summary
    (so it is safe after 0007, whose key index it must not drop)."""
    upgrade(empty_url, "0005")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX ix_marker ON progress_summary (agent_id)"))
            conn.execute(
                text(
                    "INSERT INTO progress_refresh VALUES "
                    "(66, 2025, 'w', '2025-09-01 00:00:00+00:00', 5, 0)"
                )
            )
        upgrade(empty_url, "0006")
        indexes = {i["name"] for i in inspect(engine).get_indexes("progress_summary")}
        assert "ix_marker" in indexes
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM progress_refresh")).scalar() == 1
    finally:
        engine.dispose()


def test_0010_ships_the_supported_hi_rows_and_marks_the_special_zones(empty_url):
    """At head the database holds every shipped policy row (0002 and 0010, with the province
    scope) and the 13 special zones of the official division list are marked."""
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            policy = conn.execute(
                text("SELECT id, province_code FROM policy_version ORDER BY id")
            ).all()
            marked = conn.execute(
                text(
                    "SELECT code, support_area FROM commune "
                    "WHERE support_area IS NOT NULL ORDER BY code"
                )
            ).all()
            published = conn.execute(
                text("SELECT entity_id FROM change_log WHERE entity = 'commune_support'")
            ).all()
    finally:
        engine.dispose()
    assert [(p[0], p[1]) for p in policy] == [
        (r["id"], r.get("province_code")) for r in initial_policy_dicts()
    ]
    assert len(marked) == 13 and {m[1] for m in marked} == {"special_zone"}
    assert (26732, "special_zone") in marked  # Đặc khu Côn Đảo
    assert sorted(int(p[0]) for p in published) == [m[0] for m in marked]
