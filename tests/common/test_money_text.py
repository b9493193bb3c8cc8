from __future__ import annotations

import pickle
import unicodedata
from decimal import ROUND_DOWN, Decimal, localcontext

import pytest

from enroll_common import PolicyError, format_vnd, normalize_name, round_half_up


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", 1),
        ("2.4999", 2),
        ("1.5", 2),
        ("2.5", 3),
        ("0", 0),
        ("105300.0", 105300),
        ("884519.5", 884520),
        ("12345678901234567890.5", 12345678901234567891),
    ],
)
def test_round_half_up(value: str, expected: int) -> None:
    assert round_half_up(Decimal(value)) == expected


def test_round_half_up_ignores_callers_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_DOWN
        assert round_half_up(Decimal("884519.5")) == 884520


def test_round_half_up_rejects_floats_and_non_finite() -> None:
    with pytest.raises(TypeError):
        round_half_up(0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        round_half_up(Decimal("NaN"))
    with pytest.raises(ValueError):
        round_half_up(Decimal("Infinity"))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1234567, "1.234.567 ₫"),
        (0, "0 ₫"),
        (999, "999 ₫"),
        (1000, "1.000 ₫"),
        (105300, "105.300 ₫"),
        (-42120, "-42.120 ₫"),
    ],
)
def test_format_vnd(amount: int, expected: str) -> None:
    assert format_vnd(amount) == expected


def test_format_vnd_rejects_non_int() -> None:
    with pytest.raises(TypeError):
        format_vnd(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_vnd(True)


def test_normalize_name_composes_decomposed_diacritics() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert decomposed != "Nguyễn"
    assert normalize_name(decomposed) == unicodedata.normalize("NFC", "Nguyễn")
    assert normalize_name(decomposed) == "Nguyễn"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Lê   Văn  A ", "Lê Văn A"),
        ("Trần\tThị\nB", "Trần Thị B"),
        ("Phạm\u00a0Minh", "Phạm Minh"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_normalize_name_whitespace(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_policy_error_str_and_structure() -> None:
    err = PolicyError("months", "5 is not an allowed payment period", ["3", "6", "12"])
    assert isinstance(err, ValueError)
    assert str(err) == "months: 5 is not an allowed payment period (allowed: 3, 6, 12)"
    assert err.to_dict() == {
        "field": "months",
        "message": "5 is not an allowed payment period",
        "allowed": ["3", "6", "12"],
    }
    assert str(PolicyError("x", "is required")) == "x: is required"


def test_policy_error_survives_pickling() -> None:
    err = PolicyError("support_groups", "unknown", ["other", "poor"])
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.field, clone.message, clone.allowed) == (
        "support_groups",
        "unknown",
        ["other", "poor"],
    )
    assert str(clone) == str(err)
