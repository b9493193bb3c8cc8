"""The one list of Vietnamese words for the product's codes, shared by pages, exports and CLI.

Pages, spreadsheets and the agent's terminal must say the same thing for the same code
("gia hạn", never "tái tục" in one place and "gia hạn" in another). Each entry is
(Vietnamese, English); Vietnamese is what users see by default.
"""

from __future__ import annotations

from typing import Final

from enroll_common.schemes import REGISTRY

TERMS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    # Scheme names come from the registry: each scheme's module names itself once.
    "scheme": {r.scheme.value: (r.label_vi, r.label_en) for r in REGISTRY.values()},
    "support_group": {
        "poor": ("hộ nghèo", "poor household"),
        "near_poor": ("hộ cận nghèo", "near-poor household"),
        "ethnic_minority": ("người dân tộc thiểu số", "ethnic minority"),
        "island_special_zone": (
            "sinh sống tại xã đảo, đặc khu",
            "living in an island commune or special zone",
        ),
        "other": ("đối tượng khác", "other"),
        "farm_household": (
            "hộ nông, lâm, ngư, diêm nghiệp có mức sống trung bình",
            "farm, forestry, fishery or salt household of average living standard",
        ),
        "student": ("học sinh, sinh viên", "pupil or student"),
        "ethnic_minority_transition": (
            "người dân tộc thiểu số ở xã ra khỏi vùng khó khăn",
            "ethnic minority in a commune no longer classed as difficult",
        ),
    },
    "evidence_kind": {
        "near_poor_certificate": (
            "giấy chứng nhận hộ cận nghèo",
            "near-poor household certificate",
        ),
        "commune_list": ("danh sách do UBND xã lập", "list drawn up by the commune"),
        "student_card": ("thẻ học sinh, sinh viên", "student card"),
        "school_confirmation": ("giấy xác nhận của nhà trường", "school's confirmation"),
        "commune_confirmation": (
            "giấy xác nhận của UBND xã về mức sống",
            "commune's confirmation of living standard",
        ),
        "poor_certificate": ("giấy chứng nhận hộ nghèo", "poor household certificate"),
    },
    "residence_area": {
        "special_zone": ("đặc khu", "special zone"),
        "island_commune": ("xã đảo", "island commune"),
    },
    "insurance": {
        "hi": ("BHYT", "health insurance"),
        "vsi": ("BHXH tự nguyện", "voluntary social insurance"),
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
        # server-side only (not in the wire enum): enroll_common.facilities.FACILITY_MISSING
        "facility_missing": ("chưa có nơi KCB ban đầu", "no initial health facility"),
        "continuity_pending": (
            "nối tiếp thẻ chưa được duyệt",
            "continues a card not yet approved",
        ),
        "kind_changed": ("mới/gia hạn khác khai báo", "new/renewal differs from the claim"),
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
        "kind_claimed": ("mới/gia hạn do đại lý khai", "new/renewal as the agent claimed"),
        "national_household_code": ("mã hộ gia đình quốc gia", "national household code"),
        "support_months_used": ("số tháng đã được hỗ trợ", "supported months used"),
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
