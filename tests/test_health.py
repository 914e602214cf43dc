"""/healthz names the database, Redis and the outbox; only a dead database makes it 503."""

from datetime import timedelta

from clinic_app import create_app
from clinic_app.clock import system_time
from clinic_app.extensions import db
from clinic_app.models import OutboxMessage
from clinic_app.notify.outbox import Email, enqueue
from tests.conftest import free_port

EMPTY_OUTBOX = {"waiting": 0, "oldest_waiting_seconds": None, "failed": 0, "stuck": False}


def queue_email(app, age=timedelta(0), status="pending"):
    with app.app_context():
        row = enqueue(
            db.session, Email(kind="question.office", recipients=("desk@example.org",), subject="Question", text="Body")
        )
        row.created_at = system_time() - age
        row.status = status
        db.session.commit()


def test_health_is_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "redis": "not used", "outbox": EMPTY_OUTBOX}


def test_health_is_503_when_the_database_cannot_be_reached(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nowhere",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}},
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error", "redis": "not used"}


def test_health_recovers_when_the_database_comes_back(tmp_path):
    missing_dir = tmp_path / "not-yet"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing_dir / 'db.sqlite3'}")
    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    missing_dir.mkdir()
    with app.app_context():
        db.create_all()
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_a_database_without_tables_is_degraded_not_a_500(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded" and response.get_json()["outbox"] == "error"


def test_email_waiting_and_failed_is_counted_and_an_old_one_is_stuck(app, client):
    queue_email(app, age=timedelta(minutes=3))
    queue_email(app, status="failed")
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert body["outbox"]["waiting"] == 1 and body["outbox"]["failed"] == 1
    assert 175 <= body["outbox"]["oldest_waiting_seconds"] <= 200

    queue_email(app, age=timedelta(minutes=20))  # nobody has delivered for 20 minutes
    response = client.get("/healthz")
    assert response.status_code == 200  # the load balancer keeps the instance
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["outbox"]["stuck"] is True
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 3


def test_redis_is_reported_ok_when_it_answers(tmp_path, redis_server):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.sqlite3'}", RATELIMIT_STORAGE_URI=redis_server
    )
    with app.app_context():
        db.create_all()
    assert app.test_client().get("/healthz").get_json()["redis"] == "ok"


def test_redis_down_is_degraded_but_still_200(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'r.sqlite3'}",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",
    )
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded" and response.get_json()["redis"] == "error"
