"""The filing workbook: D05-TS, D03-TS, the TK1-TS data and the household appendix.

Column order and headers follow the sources in docs/filing.md; columns we cannot fill (the
data is not captured, or the code list is not public) are present and left blank so the
layout stays the agency's. ``FilingLine`` is everything one sign-up contributes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from server.reports.export import Sheet, vn_time, xlsx_bytes

SUPPORT_GROUP_NOTES = {"poor": "Hộ_nghèo", "near_poor": "Hộ_cận_nghèo", "ethnic_minority": "DTTS"}


@dataclass
class FilingLine:
    """One filed sign-up with what the forms print about it."""

    line: int
    form: str
    enrollment_id: str
    full_name: str
    si_code: str | None
    citizen_id: str
    date_of_birth: date
    sex: str
    phone: str | None
    address: str
    commune: str
    province: str
    payment_date: date
    receipt_number: int
    monthly_income_vnd: int | None
    months: int
    coverage_start: date
    gross_vnd: int
    support_vnd: int
    net_vnd: int
    agent_code: str
    renewal: bool
    support_groups: list[str] = field(default_factory=list)
    support_percent: Decimal | None = None
    household_code: str | None = None
    household_ordinal: int | None = None
    members: list[dict[str, Any]] = field(default_factory=list)
    facility_code: str | None = None
    facility_name: str = ""
    local_support_vnd: int = 0
    other_support_vnd: int = 0


@dataclass
class FilingHeader:
    organisation_code: str
    organisation_name: str
    organisation_address: str
    organisation_phone: str
    organisation_email: str
    si_office: str
    batch_number: int
    period: str
    created_at: datetime
    base_salaries_vnd: list[int] = field(default_factory=list)


def _note(line: FilingLine) -> str:
    """Column 17 as vendors write it (U): group, new/continuing, phone, birth date."""
    group = next(
        (SUPPORT_GROUP_NOTES[g] for g in line.support_groups if g in SUPPORT_GROUP_NOTES), "Khác"
    )
    parts = [
        f"Đối tượng {group}",
        f"P.Thức {'Đóng_tiếp' if line.renewal else 'Tăng_mới'}",
    ]
    if line.phone:
        parts.append(f"SĐT {line.phone}")
    parts.append(f"Ngày sinh {line.date_of_birth:%d/%m/%Y}")
    return ", ".join(parts)


def _heading(h: FilingHeader, form_title: str) -> list[str]:
    return [
        f"Tên đơn vị/Điểm thu: {h.organisation_name}",
        f"Mã đơn vị/Điểm thu: {h.organisation_code}",
        f"Địa chỉ: {h.organisation_address}  Điện thoại: {h.organisation_phone}  "
        f"Email: {h.organisation_email}",
        f"Cơ quan BHXH: {h.si_office}",
        f"Đợt nộp số {h.batch_number} — kỳ {h.period} — lập lúc {vn_time(h.created_at)}",
        form_title,
    ]


D05_HEADER = [
    "(A) STT",
    "(B) Họ và tên",
    "(C) Mã số BHXH",
    "(1) Số CCCD/CNTD/ĐDCN/hộ chiếu",
    "(2) Địa chỉ",
    "(3) Ngày biên lai",
    "(4) Số biên lai",
    "(5) Mức thu nhập tháng đóng BHXH",
    "(6) Phương thức đóng: số tháng đóng",
    "(7) Phương thức đóng: từ tháng/năm",
    "(8) Số tiền phải đóng theo quy định",
    "(9) Người tham gia đóng",
    "(10) NSNN hỗ trợ: tỷ lệ %",
    "(11) NSNN hỗ trợ: số tiền",
    "(12) NSĐP hỗ trợ thêm: tỷ lệ %",
    "(13) NSĐP hỗ trợ thêm: số tiền",
    "(14) Hỗ trợ khác: tỷ lệ %",
    "(15) Hỗ trợ khác: số tiền",
    "(16) Mã số nhân viên thu",
    "(17) Ghi chú",
]
D05_KINDS = (
    ["int", "text", "text", "text", "text", "date", "int", "int", "int", "text"]
    + ["int"] * 8
    + ["text", "text"]
)


def _extra_support(amount_vnd: int) -> tuple[float | None, int]:
    """Columns 12–13 (local budget) and 14–15 (other): 0 % and 0 đồng when the price applied
    none, as no local or other support is modelled yet; a rate we cannot derive stays blank."""
    return (0.0 if amount_vnd == 0 else None), amount_vnd


def _d05_row(x: FilingLine) -> list[Any]:
    return [
        x.line,
        x.full_name,
        x.si_code or "",
        x.citizen_id,
        ", ".join(p for p in (x.address, x.commune, x.province) if p),
        x.payment_date,
        x.receipt_number,
        x.monthly_income_vnd,
        x.months,
        f"{x.coverage_start:%m/%Y}",
        x.gross_vnd,
        x.net_vnd,
        None if x.support_percent is None else float(x.support_percent),
        x.support_vnd,
        *_extra_support(x.local_support_vnd),
        *_extra_support(x.other_support_vnd),
        x.agent_code,
        _note(x),
    ]


D03_HEADER = [
    "(A) STT",
    "(B) Họ và tên",
    "(1) Mã số BHXH",
    "(2) Ngày sinh",
    "(3) Giới tính",
    "(4) Số CCCD",
    "(5) Mã hộ gia đình",
    "(6) Thứ tự trong hộ",
    "(7) Mã tỉnh nơi KCB ban đầu",
    "(8) Mã nơi KCB ban đầu",
    "(9) Ngày biên lai",
    "(10) Số biên lai",
    "(11) Số tiền đóng",
    "(12) Số tháng đóng",
    "(13) Từ ngày",
    "(14) Phương án",
    "(15) Mức hưởng",
    "(16) Mã số nhân viên thu",
    "(17) Ghi chú",
]
D03_KINDS = ["int", "text", "text", "date", "text", "text", "text", "int", "text", "text"] + [
    "date",
    "int",
    "int",
    "int",
    "date",
    "text",
    "int",
    "text",
    "text",
]


def _facility_province(code: str | None) -> str:
    """``MaTinhBenhVien``: the code's first two digits (Decision 384/QĐ-BYT, pre-2025
    province codes; 97/98 for defence and public security)."""
    return code[:2] if code else ""


def _d03_row(x: FilingLine) -> list[Any]:
    return [
        x.line,
        x.full_name,
        x.si_code or "",
        x.date_of_birth,
        "Nam" if x.sex == "male" else "Nữ",
        x.citizen_id,
        x.household_code or "",
        x.household_ordinal,
        _facility_province(x.facility_code),
        x.facility_code or "",
        x.payment_date,
        x.receipt_number,
        x.net_vnd,
        x.months,
        x.coverage_start,
        "ON" if x.renewal else "TM",  # PA codes (U): TM new, ON VNPT's default
        4,  # MucHuong 4 for household HI (U)
        x.agent_code,
        _note(x),
    ]


TK1_HEADER = [
    "STT",
    "Biểu",
    "[01] Họ và tên",
    "[02] Giới tính",
    "[03] Ngày sinh",
    "[04] Quốc tịch",
    "[05] Dân tộc",
    "[06] Số CCCD",
    "[07] Điện thoại",
    "[08] Email",
    "[12] Số nhà, đường/phố, thôn/xóm",
    "[13] Xã",
    "[15] Tỉnh",
    "Mã số BHXH",
    "Mã hộ gia đình",
    "Mức tiền đóng",
    "Phương thức đóng (tháng)",
    "Nơi đăng ký KCB ban đầu",
]
TK1_KINDS = ["int", "text", "text", "text", "date"] + ["text"] * 10 + ["int", "int", "text"]


def _tk1_row(x: FilingLine) -> list[Any]:
    return [
        x.line,
        x.form,
        x.full_name.upper(),
        "Nam" if x.sex == "male" else "Nữ",
        x.date_of_birth,
        "VN",  # nationality is not captured; every participant so far is Vietnamese (U)
        None,  # ethnicity: not captured (U)
        x.citizen_id,
        x.phone or "",
        None,
        x.address,
        x.commune,
        x.province,
        x.si_code or "",
        x.household_code or "",
        x.monthly_income_vnd if x.form == "D05-TS" else x.net_vnd,
        x.months,
        " — ".join(p for p in (x.facility_code, x.facility_name) if p),
    ]


APPENDIX_HEADER = [
    "Người tham gia (STT)",
    "Người tham gia",
    "Mã hộ gia đình",
    "STT thành viên",
    "Họ và tên thành viên",
    "Số CCCD",
    "Mối quan hệ với chủ hộ",
]


def workbook(header: FilingHeader, lines: list[FilingLine]) -> bytes:
    """The four sheets of one filing batch."""
    d05 = [x for x in lines if x.form == "D05-TS"]
    d03 = [x for x in lines if x.form == "D03-TS"]
    group = ["I", "Tăng"]
    sheets = [
        Sheet(
            name="D05-TS",
            title="DANH SÁCH NGƯỜI THAM GIA BẢO HIỂM XÃ HỘI TỰ NGUYỆN (Mẫu D05-TS)",
            notes=_heading(header, "I Tăng — I.1 Người tham gia"),
            header=D05_HEADER,
            rows=[_d05_row(x) for x in d05],
            kinds=D05_KINDS,
            totals=[
                ["Cộng", f"{len(d05)} người"]
                + [None] * 8
                + [
                    sum(x.gross_vnd for x in d05),
                    sum(x.net_vnd for x in d05),
                    None,
                    sum(x.support_vnd for x in d05),
                    None,
                    sum(x.local_support_vnd for x in d05),
                    None,
                    sum(x.other_support_vnd for x in d05),
                ]
            ],
        ),
        Sheet(
            name="D03-TS",
            title="DANH SÁCH NGƯỜI CHỈ THAM GIA BẢO HIỂM Y TẾ (Mẫu D03-TS)",
            notes=_heading(
                header,
                "Đối tượng tham gia: hộ gia đình (GD) — Lương cơ sở: "
                + (", ".join(f"{v:,}".replace(",", ".") for v in header.base_salaries_vnd) or "–")
                + f" đồng — {' '.join(group)}",
            ),
            header=D03_HEADER,
            rows=[_d03_row(x) for x in d03],
            kinds=D03_KINDS,
            totals=[["Cộng", f"{len(d03)} người"] + [None] * 10 + [sum(x.net_vnd for x in d03)]],
        ),
        Sheet(
            name="TK1-TS",
            title="Dữ liệu tờ khai tham gia BHXH, BHYT (Mẫu TK1-TS) của từng người",
            notes=_heading(header, "Mỗi dòng là một tờ khai TK1-TS"),
            header=TK1_HEADER,
            rows=[_tk1_row(x) for x in lines],
            kinds=TK1_KINDS,
        ),
        Sheet(
            name="Phụ lục hộ gia đình",
            title="Phụ lục thành viên hộ gia đình (kèm TK1-TS)",
            notes=_heading(header, "Thành viên hộ khai kèm người tham gia BHYT hộ gia đình"),
            header=APPENDIX_HEADER,
            rows=[
                [
                    x.line,
                    x.full_name,
                    x.household_code or "",
                    i,
                    m.get("full_name"),
                    m.get("citizen_id") or "",
                    m.get("relation") or "",
                ]
                for x in d03
                for i, m in enumerate(x.members, start=1)
            ],
            kinds=["int", "text", "text", "int", "text", "text", "text"],
        ),
    ]
    return xlsx_bytes(sheets)
