"""One glossary: the words pages, exports and the CLI share for the product's codes."""

from __future__ import annotations

from enroll_common.glossary import TERMS, term, verification_code
from enroll_common.sync_wire import EnrollmentStatus, Flag


def test_every_status_and_flag_has_a_vietnamese_word() -> None:
    assert {s.value for s in EnrollmentStatus} <= set(TERMS["status"])
    assert {f.value for f in Flag} <= set(TERMS["flag"])


def test_renewal_is_gia_han_everywhere_and_english_on_request() -> None:
    assert term("kind", "renewal") == "gia hạn"
    assert term("kind", "renewal", "en") == "renewal"
    assert term("flag", "no_such_flag") == "no_such_flag"  # unknown codes pass through


def test_verification_code_is_two_groups_of_five() -> None:
    assert verification_code("abcde12345") == "ABCDE-12345"
    assert verification_code("ABCDE-12345") == "ABCDE-12345"
