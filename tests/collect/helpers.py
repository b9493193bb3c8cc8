"""An organisation with a contract owning both Đắk Lắk points, through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World, auth


def make_organisation(
    client: TestClient, w: World, *, code: str = "BDDL", remittance_days: int = 10
) -> int:
    admin = auth(client, "admin")
    r = client.post(
        "/api/v1/organisations",
        json={"code": code, "name": "Bưu điện tỉnh Đắk Lắk", "address": "Buôn Ma Thuột"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    org_id: int = r.json()["id"]
    r = client.post(
        f"/api/v1/organisations/{org_id}/contracts",
        json={
            "contract_no": "01/2025/HĐ-BHXH",
            "si_office_code": "BHXH66",
            "si_office_name": "Bảo hiểm xã hội tỉnh Đắk Lắk",
            "starts_on": "2025-01-01",
            "vsi_new_bp": 1500,
            "vsi_renewal_bp": 900,
            "hi_new_bp": 900,
            "hi_renewal_bp": 500,
            "remittance_days": remittance_days,
        },
        headers=admin,
    )
    assert r.status_code == 201, r.text
    for point in ("p1", "p2"):
        r = client.put(f"/api/v1/organisations/{org_id}/points/{w[point]}", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["organisation_id"] == org_id
    return org_id
