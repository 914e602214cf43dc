"""/healthz reports the app and its database."""

from clinic_app import create_app


def test_health_is_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_health_is_503_when_the_database_cannot_be_reached(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_health_recovers_when_the_database_comes_back(tmp_path):
    missing_dir = tmp_path / "not-yet"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing_dir / 'db.sqlite3'}")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    missing_dir.mkdir()
    assert client.get("/healthz").get_json() == {"status": "ok", "db": "ok"}
