"""The SDK's public surface is pinned (issue 12, item 10): the docs' examples keep working,
and every CLI message has its Vietnamese translation (item 4)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import client_sdk
from client_sdk.cli.answers import BadAnswer, parse_citizen_id, parse_date, parse_money
from client_sdk.i18n import CATALOG_DIR

PUBLIC = [
    "AuthError",
    "ConflictError",
    "FieldClient",
    "FieldEnrollError",
    "HouseholdMember",
    "HouseholdView",
    "LocalRecord",
    "LoginRequired",
    "NetworkError",
    "ReceiptBlockExhausted",
    "ReceiptSummary",
    "RetryPolicy",
    "ServerError",
    "SyncProgress",
    "SyncReport",
    "ValidationError",
]
FIELD_CLIENT_METHODS = {
    "login",
    "logout",
    "sync",
    "record",
    "fix",
    "withdraw",
    "take_server_version",
    "get",
    "records",
    "household",
    "household_ordinal",
    "quote_for",
    "price",
    "build_record",
    "next_receipt_number",
    "void_receipt",
    "receipts",
    "targets",
    "renewals",
    "status",
    "policy",
    "participants",
    "previous_coverage_end",
    "close",
}


def test_all_is_pinned():
    assert sorted(client_sdk.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(client_sdk, name) is not None


def test_field_client_keeps_its_methods():
    have = {n for n, _ in inspect.getmembers(client_sdk.FieldClient) if not n.startswith("_")}
    assert FIELD_CLIENT_METHODS <= have


def test_every_sql_statement_lives_in_the_store():
    """store.py (statements) and store_schema.py (its schema scripts), nowhere else."""
    root = Path(client_sdk.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name not in ("store.py", "store_schema.py")
        and any(
            kw in p.read_text(encoding="utf-8")
            for kw in ("SELECT ", "INSERT INTO", "UPDATE record", "DELETE FROM", ".execute(")
        )
    ]
    assert offenders == []


def test_every_message_has_a_vietnamese_translation():
    with (CATALOG_DIR / "vi" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    root = Path(client_sdk.__file__).parent
    missing = sorted(
        {
            msg[0] if isinstance(msg, tuple) else msg
            for _f, _l, msg, _c, _ctx in extract_from_dir(root, method_map=[("**.py", "python")])
        }
        - {m.id for m in catalog if m.string}
    )
    assert missing == []


@pytest.mark.parametrize(
    ("typed", "vnd"),
    [
        ("2.000.000", 2_000_000),
        ("2000000", 2_000_000),
        ("2tr", 2_000_000),
        ("2,5tr", 2_500_000),
        ("1,5 triệu", 1_500_000),
        ("500k", 500_000),
        ("1.500.000 ₫", 1_500_000),
    ],
)
def test_money_as_agents_type_it(typed, vnd):
    assert parse_money(typed) == vnd


@pytest.mark.parametrize("typed", ["2.00.000", "hai triệu", "", "2tr5x", "-5"])
def test_money_refused_with_a_hint(typed):
    with pytest.raises(BadAnswer, match="2.000.000"):
        parse_money(typed)


def test_dates_and_ids():
    assert parse_date("12/04/1985") == parse_date("1985-04-12") == parse_date("12-04-1985")
    with pytest.raises(BadAnswer):
        parse_date("31/02/1985")
    with pytest.raises(BadAnswer, match="11"):
        parse_citizen_id("06619000000")
