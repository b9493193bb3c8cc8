"""The one list of Vietnamese words for the product's codes, shared by pages, exports and CLI.

Pages, spreadsheets and the agent's terminal must say the same thing for the same code
("gia hạn", never "tái tục" in one place and "gia hạn" in another). Each entry is
(Vietnamese, English); Vietnamese is what users see by default.
"""

from __future__ import annotations

from typing import Final

TERMS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "scheme": {
        "voluntary_si": ("BHXH tự nguyện", "Voluntary social insurance"),
        "household_hi": ("BHYT hộ gia đình", "Household health insurance"),
    },
    "kind": {
        "new": ("tham gia mới", "new"),
        "renewal": ("gia hạn", "renewal"),
        "all": ("tất cả", "all"),
    },
    "status": {
        "pending": ("chờ duyệt", "pending"),
        "approved": ("đã duyệt", "approved"),
        "rejected": ("đã từ chối", "rejected"),
        "returned": ("đã trả lại", "returned"),
    },
    "flag": {
        "amount_adjusted": ("số tiền được điều chỉnh", "amount adjusted"),
        "household_ordinal_changed": ("thứ tự thành viên hộ thay đổi", "household ordinal changed"),
        "possible_duplicate": ("có thể trùng", "possible duplicate"),
        "future_dated": ("ngày ở tương lai", "dated in the future"),
        "late_upload": ("gửi muộn", "late upload"),
        "vsi_lapsed": ("đóng lại sau khi quá hạn", "restarted after a lapse"),
        "back_payment_unverified": ("đóng bù chưa xác minh", "back-payment not verified"),
    },
    "action": {
        "created": ("đã gửi lên", "uploaded"),
        "corrected": ("đã sửa và gửi lại", "corrected and re-uploaded"),
        "review_approve": ("đã duyệt", "approved"),
        "review_reject": ("đã từ chối", "rejected"),
        "review_return": ("đã trả lại để sửa", "returned for correction"),
        "issued": ("đã cấp", "issued"),
        "voided": ("đã hủy", "voided"),
        "revoked": ("đã thu hồi", "revoked"),
    },
    "field": {
        "rev": ("lần sửa", "revision"),
        "amount_vnd": ("số tiền phải thu", "amount due"),
        "adjustment_vnd": ("chênh lệch đã thu", "difference collected"),
        "household_ordinal": ("thứ tự trong hộ", "order in the household"),
        "flags": ("cần xem", "to check"),
        "possible_duplicate_of": ("có thể trùng với đăng ký khác", "may repeat another sign-up"),
        "status": ("trạng thái", "status"),
        "reason": ("lý do", "reason"),
        "first_number": ("từ số", "from number"),
        "last_number": ("đến số", "to number"),
        "by_coordinator": ("do điều phối viên", "by the coordinator"),
    },
    "word": {
        "receipt": ("biên lai", "receipt"),
        "receipt_block": ("quyển biên lai", "receipt block"),
        "verification_code": ("mã xác minh", "verification code"),
        "due_renewal": ("đến hạn gia hạn", "renewals due"),
        "shortfall": ("còn thiếu", "shortfall"),
        "target": ("chỉ tiêu", "target"),
        "achieved": ("đã đạt", "achieved"),
        "collection_point": ("điểm thu", "collection point"),
        "agent": ("nhân viên thu", "agent"),
    },
}


def term(group: str, code: str, lang: str = "vi") -> str:
    """The word for ``code`` in ``group``; the code itself when the glossary lacks it."""
    entry = TERMS.get(group, {}).get(code)
    if entry is None:
        return code
    return entry[1] if lang == "en" else entry[0]


def verification_code(code: str) -> str:
    """A verification code as printed everywhere: two groups of five ('AB12C-D34EF')."""
    bare = code.replace("-", "").replace(" ", "").upper()
    return f"{bare[:5]}-{bare[5:]}" if len(bare) == 10 else bare


__all__ = ["TERMS", "term", "verification_code"]
