"""The device store's schema: one SQL script per version, applied in order on open.

A released script never changes (devices in the field have run it); a change is a new
script at the end, like the server's migrations.
"""

from __future__ import annotations

_MIGRATIONS: list[str] = [
    # 1: first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE pulled (
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        payload TEXT NOT NULL,
        PRIMARY KEY (entity, entity_id)
    );
    CREATE TABLE record (
        id TEXT PRIMARY KEY,
        rev INTEGER NOT NULL,
        body TEXT NOT NULL,
        quote TEXT NOT NULL,
        state TEXT NOT NULL,
        result TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX ix_record_state ON record (state);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        rev INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        UNIQUE (kind, record_id, rev)
    );
    CREATE TABLE receipt_use (
        number INTEGER PRIMARY KEY,
        record_id TEXT,
        void_reason TEXT,
        used_at TEXT NOT NULL
    );
    """,
    # 2: household and person columns for offline pricing without reading every body;
    # roster look-ups by household and citizen; the interactive draft.
    """
    ALTER TABLE record ADD COLUMN household_code TEXT;
    ALTER TABLE record ADD COLUMN citizen_id TEXT;
    ALTER TABLE record ADD COLUMN scheme TEXT;
    ALTER TABLE record ADD COLUMN coverage_start TEXT;
    ALTER TABLE record ADD COLUMN coverage_end TEXT;
    UPDATE record SET
        household_code = json_extract(body, '$.household.code'),
        citizen_id = json_extract(body, '$.person.citizen_id'),
        scheme = json_extract(body, '$.scheme'),
        coverage_start = json_extract(quote, '$.coverage_start'),
        coverage_end = json_extract(quote, '$.coverage_end');
    CREATE INDEX ix_record_household ON record (household_code);
    CREATE INDEX ix_record_citizen ON record (citizen_id, scheme);
    CREATE INDEX ix_pulled_household ON pulled (entity, json_extract(payload, '$.household_code'));
    CREATE INDEX ix_pulled_citizen ON pulled (entity, json_extract(payload, '$.citizen_id'));
    CREATE TABLE draft (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
]
SCHEMA_VERSION = len(_MIGRATIONS)


def statements(version: int) -> list[str]:
    """The statements that bring a store from ``version`` to ``version + 1``."""
    return [s.strip() for s in _MIGRATIONS[version].split(";") if s.strip()]
