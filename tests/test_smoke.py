from tests.factories import auth, build_world


def test_health_reports_database_and_revision(client):
    r = client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["database"] == "ok"
    assert body["schema_revision"] == body["expected_revision"]


def test_me_returns_scope(client, engine, settings):
    w = build_world(engine, settings)
    r = client.get("/api/v1/me", headers=auth(client, "coord1"))
    assert r.status_code == 200, r.text
    assert r.json()["commune_codes"] == [24373]
    assert r.json()["id"] == w["coord1"]
