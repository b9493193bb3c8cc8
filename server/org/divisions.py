"""Official provinces and communes (July 2025 two-tier structure) from `vietnam-provinces`."""

from __future__ import annotations

from typing import Any

from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from enroll_common.text import normalize_name


def province_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": int(p.code),
            "name": normalize_name(p.name),
            "division_type": str(p.division_type.value),
            "codename": p.codename,
        }
        for p in VnProvince.iter_all()
    ]


def commune_rows() -> list[dict[str, Any]]:
    # The package has a few names with doubled spaces ("Phường  Tân An"); normalise them.
    return [
        {
            "code": int(w.code),
            "name": normalize_name(w.name),
            "division_type": str(w.division_type.value),
            "codename": w.codename,
            "province_code": int(w.province_code),
        }
        for w in VnWard.iter_all()
    ]
