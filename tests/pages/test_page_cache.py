"""Public pages kept rendered for visitors without a session: served again without work, revalidated
with an ETag, never mixed between visitors who hid the notice and those who did not, never used for
a visitor with a session, and refreshed after PAGE_CACHE_SECONDS."""

import pytest
from sqlalchemy import select

from clinic_app import page_cache
from clinic_app.extensions import db
from clinic_app.models import Office


@pytest.fixture
def cached(app, offices, monkeypatch):
    app.config["PAGE_CACHE_SECONDS"] = 60
    page_cache.clear()
    moment = {"now": 1000.0}
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: moment["now"])
    yield moment
    page_cache.clear()


def change_fairfax_phone(app, phone):
    with app.app_context():
        db.session.scalars(select(Office).filter_by(slug="fairfax")).one().phone = phone
        db.session.commit()


def test_a_public_page_is_served_again_until_its_time_is_up(app, client, cached):
    assert "(703) 555-0142" in client.get("/locations/").get_data(as_text=True)
    change_fairfax_phone(app, "(703) 555-0999")
    assert "(703) 555-0142" in client.get("/locations/").get_data(as_text=True)  # kept
    cached["now"] += 61
    assert "(703) 555-0999" in client.get("/locations/").get_data(as_text=True)


def test_a_repeat_visit_with_the_etag_gets_304(client, cached):
    first = client.get("/articles/")
    again = client.get("/articles/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_visitor_with_a_session_gets_the_page_rendered_for_them(app, client, cached):
    client.get("/locations/")
    change_fairfax_phone(app, "(703) 555-0999")
    client.get("/ask")  # a form: now this browser has a session
    assert "(703) 555-0999" in client.get("/locations/").get_data(as_text=True)


def test_hiding_the_notice_is_never_mixed_between_visitors(app, cached):
    hid, other = app.test_client(), app.test_client()
    assert "Office Update:" in other.get("/").get_data(as_text=True)
    hid.post("/office-update/dismiss", data={"next": "/"})
    assert "Office Update:" not in hid.get("/").get_data(as_text=True)
    assert "Office Update:" in other.get("/").get_data(as_text=True)


def test_the_htmx_fragment_and_the_whole_page_are_kept_apart(client, cached):
    whole = client.get("/articles/").get_data(as_text=True)
    fragment = client.get("/articles/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in whole and "<html" not in fragment
    assert "<html" in client.get("/articles/").get_data(as_text=True)


def test_a_page_rendered_while_the_database_failed_is_not_kept(app, client, cached, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from clinic_app import site_context

    def broken():
        raise OperationalError("SELECT", {}, Exception("database is away"))

    monkeypatch.setattr(site_context, "clinic_offices", broken)
    first = client.get("/articles/")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert "4001 Fair Ridge Dr" not in first.get_data(as_text=True)
    monkeypatch.undo()
    app.config["PAGE_CACHE_SECONDS"] = 60
    assert "4001 Fair Ridge Dr" in client.get("/articles/").get_data(as_text=True)


def test_fragments_and_pages_for_a_session_are_revalidated_each_time(client, cached):
    fragment = client.get("/articles/", headers={"HX-Request": "true"})
    assert fragment.headers["Cache-Control"] == "private, no-cache"
    assert {"HX-Request", "HX-History-Restore-Request", "Cookie"} <= set(fragment.vary)
    client.get("/ask")  # now with a session
    assert client.get("/articles/").headers["Cache-Control"] == "private, no-cache"


def test_another_site_cannot_hide_the_notice(client, cached):
    response = client.post("/office-update/dismiss", data={"next": "/"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 303 and response.headers.getlist("Set-Cookie") == []
    assert "Office Update:" in client.get("/").get_data(as_text=True)


def test_a_repeat_visit_through_a_compressing_proxy_gets_304(client, cached):
    """nginx's gzip weakens the ETag (W/"..."); If-None-Match compares weakly, as HTTP says."""
    etag = client.get("/articles/").headers["ETag"]
    again = client.get("/articles/", headers={"If-None-Match": f"W/{etag}"})
    assert again.status_code == 304
