"""Redis down: rate limits go on in each process's memory, patients and staff never see a 500.

That limits are shared across instances while Redis answers is shown with real processes in
tests/production (one Flask-Limiter object per process, so it cannot be shown in one process).
"""

import logging
import re

import pytest

from clinic_app.extensions import db, limiter
from tests.conftest import book_online, build_app, csrf_token_from, free_port, make_staff_user, seed_clinic, sign_in


def clinic_app_on(tmp_path, storage_uri, name="clinic"):
    """An app with seeded offices and clinicians whose rate limits live at ``storage_uri``."""
    app = build_app(f"sqlite:///{tmp_path / (name + '.sqlite3')}", tmp_path, RATELIMIT_STORAGE_URI=storage_uri)
    seed_clinic(app)
    return app


@pytest.fixture
def redis_down(tmp_path):
    """An app whose Redis is unreachable (nothing listens on its port)."""
    app = clinic_app_on(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    yield app
    with app.app_context():
        db.engine.dispose()
    limiter._storage_dead = False  # the extension object outlives this app; the next app starts afresh


def test_with_redis_down_patients_still_book_and_manage_and_ask(redis_down, frozen, caplog):
    client = redis_down.test_client()
    with caplog.at_level(logging.WARNING):
        page = book_online(client)
        assert "You’re booked" in page
        manage = re.search(r'href="http://localhost(/booking/[A-Za-z0-9_-]+)"', page).group(1)
        assert client.get(manage).status_code == 200

        token = csrf_token_from(client.get("/ask").get_data(as_text=True))
        asked = client.post(
            "/ask",
            data={
                "csrf_token": token,
                "name": "Rosa Parkes",
                "email": "rosa@example.org",
                "office": "fairfax",
                "message": "Is there parking?",
            },
        )
        assert asked.status_code == 303
    fallbacks = [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]
    assert len(fallbacks) == 1  # one warning line, not one per request


def test_with_redis_down_staff_sign_in_and_failed_sign_ins_are_still_limited(redis_down):
    make_staff_user(redis_down, "admin@example.org", "admin")
    client = redis_down.test_client()
    assert sign_in(client, "admin@example.org").status_code == 303
    other = redis_down.test_client()
    for _ in range(5):
        assert sign_in(other, "admin@example.org", password="wrong password!").status_code == 422
    assert sign_in(other, "admin@example.org").status_code == 429  # limited in this process's memory
