"""Pages kept rendered between requests (booking steps 1 and 2, the bookings list) and the free
times behind them: what one process kept is never shown once another process changed what it
shows (on SQLite and PostgreSQL), time moving on shows, every browser gets its own CSRF token,
and a message waiting for the patient is never lost."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app import stamps
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, Provider, StaffUser
from tests.booking.racing import NOW
from tests.conftest import add_appointment, book_online, build_app, csrf_token_from, dispose, set_clock
from tests.test_statement_counts import counted


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    set_clock(monkeypatch, NOW)


@pytest.fixture
def other_process(app, tmp_path):
    """A second app on the same database: another gunicorn worker, perhaps on another host."""
    (tmp_path / "other").mkdir()
    other = build_app(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "other", has_schema=True)
    yield other
    dispose(other)


def start_booking(client, **visit):
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    data = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any", **visit}
    assert client.post("/book/", data={"csrf_token": token, **data}).status_code == 303
    return token


def shown_times(client) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', client.get("/book/time").get_data(as_text=True))


def first_clinician_leaves(process) -> tuple[str, int]:
    """In ``process``, the first clinician by name stops seeing patients; their name and id."""
    with process.app_context():
        provider = db.session.scalars(select(Provider).order_by(Provider.name)).first()
        provider.active = False
        db.session.commit()
        return provider.name, provider.id


def statements(app, client, path) -> int:
    """The SQL statements a GET of ``path`` costs (SQLite's BEGIN not counted)."""
    with counted(app) as seen:
        assert client.get(path).status_code == 200
    return len([statement for statement in seen if not statement.startswith("BEGIN")])


def test_the_time_step_is_kept_until_another_process_books_a_time_it_shows(app, other_process, client, clinic):
    start_booking(client)
    first = shown_times(client)[0]
    assert statements(app, client, "/book/time") == 1  # only the versions (the draft's print is in the session)
    assert shown_times(client)[0] == first

    book_online(other_process.test_client())  # the other worker books the first time shown

    assert first not in shown_times(client)


def test_step_one_follows_a_clinician_leaving_in_another_process(app, other_process, client, clinic):
    page = client.get("/book/").get_data(as_text=True)
    name, provider_id = first_clinician_leaves(other_process)
    assert name in page
    page = client.get("/book/").get_data(as_text=True)
    assert f'value="{provider_id}"' not in page


def test_a_kept_page_carries_each_browsers_own_working_token(app, clinic):
    first, second = app.test_client(), app.test_client()
    one = csrf_token_from(first.get("/book/").get_data(as_text=True))
    assert statements(app, second, "/book/") == 1  # only the versions: the page was kept
    two = csrf_token_from(second.get("/book/").get_data(as_text=True))
    assert one != two and "\x00" not in two
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert second.post("/book/", data={"csrf_token": two, **visit}).status_code == 303
    assert second.post("/book/", data={"csrf_token": "forged", **visit}).status_code == 400
    assert first.post("/book/", data={"csrf_token": one, **visit}).status_code == 303


def test_a_message_for_the_patient_is_shown_even_where_a_page_was_kept(app, client, clinic, monkeypatch):
    client.get("/book/")  # kept for anyone with no draft
    start_booking(client)
    set_clock(monkeypatch, NOW + timedelta(minutes=31))  # the draft is cleared after 30 minutes
    response = client.get("/book/time")
    assert response.status_code == 303
    assert "we cleared the answers you left for 30 minutes" in client.get("/book/").get_data(as_text=True)


def test_a_time_inside_the_booking_notice_leaves_the_kept_list(app, client, clinic, monkeypatch):
    start_booking(client)
    first = shown_times(client)[0]
    set_clock(monkeypatch, NOW + timedelta(minutes=1))  # the first time is now less than 2 hours away
    assert first.split("|")[0] not in " ".join(shown_times(client))


def test_the_kept_bookings_list_follows_new_bookings_and_each_users_offices(
    app, other_process, admin_client, fairfax_staff_client, clinic
):
    with app.app_context():
        add_appointment(db.session, NOW + timedelta(days=1), office="potomac", first_name="Ottilie")
        db.session.commit()
    assert "Ottilie" in admin_client.get("/admin/").get_data(as_text=True)
    assert statements(app, admin_client, "/admin/") <= 3  # the user, the versions: kept
    assert "Ottilie" not in fairfax_staff_client.get("/admin/").get_data(as_text=True)

    with other_process.app_context():
        add_appointment(db.session, NOW + timedelta(days=2), first_name="Bartholomew")
        db.session.commit()
    assert "Bartholomew" in admin_client.get("/admin/").get_data(as_text=True)

    with other_process.app_context():  # an admin gives the Fairfax desk the Potomac office too
        desk = db.session.scalars(select(StaffUser).filter_by(email="fairfax.desk@example.org")).one()
        desk.offices.append(db.session.scalars(select(Office).filter_by(slug="potomac")).one())
        db.session.commit()
    assert "Ottilie" in fairfax_staff_client.get("/admin/").get_data(as_text=True)


def test_versions_rise_with_the_data_they_stand_for_and_only_when_committed(app, clinic):
    with app.app_context():
        before = stamps.versions(db.session)
        add_appointment(db.session, NOW + timedelta(days=1))
        db.session.rollback()
        assert stamps.versions(db.session) == before

        appointment_id = add_appointment(db.session, NOW + timedelta(days=1))
        db.session.commit()
        booked = stamps.versions(db.session)
        assert booked.appointments > before.appointments and booked.calendar > before.calendar
        assert booked.reference == before.reference

        appointment = db.session.get(Appointment, appointment_id)
        appointment.notes = "moved to the afternoon"  # the appointment, not its time
        db.session.commit()
        noted = stamps.versions(db.session)
        assert noted.appointments > booked.appointments and noted.calendar == booked.calendar

        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        office.phone = "703-555-0100"
        db.session.commit()
        assert stamps.versions(db.session).reference > noted.reference


def test_each_showing_of_a_kept_step_one_is_stamped_for_the_bot_check(app, clinic, monkeypatch):
    """The form's "shown at" stamp is made for each browser: a bot fetching a kept page and
    answering at once is still refused, and a person who took their time goes through."""
    from tests.booking.test_anti_automation import SHOWN_AT, TOO_QUICK

    app.config["FORM_MIN_FILL_SECONDS"] = 3
    first, bot = app.test_client(), app.test_client()
    early = SHOWN_AT.search(first.get("/book/").get_data(as_text=True)).group(1)
    set_clock(monkeypatch, NOW + timedelta(minutes=5))
    page = bot.get("/book/").get_data(as_text=True)
    assert SHOWN_AT.search(page).group(1) != early
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    answered_at_once = bot.post(
        "/book/", data={"csrf_token": csrf_token_from(page), "shown_at": SHOWN_AT.search(page).group(1), **visit}
    )
    assert answered_at_once.status_code == 422 and TOO_QUICK in answered_at_once.get_data(as_text=True)
    took_their_time = first.post(
        "/book/",
        data={"csrf_token": csrf_token_from(first.get("/book/").get_data(as_text=True)), "shown_at": early, **visit},
    )
    assert took_their_time.status_code == 303


def test_pages_with_what_the_patient_typed_are_never_kept(app, client, clinic):
    book_online(client.application.test_client())  # fills the kept stores a little
    start_booking(client)
    token = csrf_token_from(client.get("/book/").get_data(as_text=True))
    slot = shown_times(client)[0]
    client.post("/book/time", data={"csrf_token": token, "slot": slot})
    answers = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
    client.post("/book/screening", data={"csrf_token": token, "acknowledged": "y", **answers})
    details = {
        "first_name": "Imelda",
        "last_name": "Quarrington",
        "date_of_birth": "1950-05-06",
        "phone": "703 555 0177",
        "email": "imelda@example.org",
        "patient_status": "new",
        "consent": "y",
    }
    assert client.post("/book/details", data={"csrf_token": token, **details}).status_code == 303
    for path in ("/book/review", "/book/details", "/book/waitlist", "/book/time"):
        client.get(path)
        client.get(path)
    kept = app.extensions["clinic_kept"]["rendered_pages"]
    assert kept and not any("Quarrington" in body or "imelda@" in body for body, _, _ in kept._items.values())


def test_a_new_office_update_shows_its_banner_on_kept_steps_to_those_who_hid_the_old(app, client, clinic):
    from clinic_app.booking.questionnaires import as_rows
    from clinic_app.booking.screening import FIRST
    from clinic_app.models import ScreeningVersion

    client.set_cookie("office_update_dismissed", FIRST.version)
    assert "Office Update:" not in client.get("/book/").get_data(as_text=True)
    with app.app_context():
        db.session.add(
            ScreeningVersion(
                version="2026-12-01",
                questions=as_rows(FIRST),
                acknowledgement=FIRST.acknowledgement,
                policy=FIRST.policy,
                published_at=NOW - timedelta(days=1),
            )
        )
        db.session.commit()
    assert "Office Update:" in client.get("/book/").get_data(as_text=True)


def test_a_change_kept_across_a_failed_savepoint_still_raises_the_versions(app, clinic):
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from clinic_app.models import CacheStamp

    with app.app_context():
        before = stamps.versions(db.session)
        add_appointment(db.session, NOW + timedelta(days=1))
        try:
            with db.session.begin_nested():  # a step that fails and is undone, the rest kept
                db.session.execute(insert(CacheStamp).values(name="calendar", version=1))
        except IntegrityError:
            pass
        db.session.commit()
        assert stamps.versions(db.session).calendar > before.calendar


def test_step_one_shows_another_processs_set_up_change_within_the_recheck_time(app, other_process, clinic):
    """As deployed (``VERSION_RECHECK_SECONDS`` = 1, here 0.3): step 1 reads no database at all
    while it is kept, and shows a clinician leaving in another process within that time."""
    import time

    app.config["VERSION_RECHECK_SECONDS"] = 0.3
    client = app.test_client()
    client.get("/book/")
    assert statements(app, app.test_client(), "/book/") == 0
    _, provider_id = first_clinician_leaves(other_process)
    time.sleep(0.35)
    assert f'value="{provider_id}"' not in client.get("/book/").get_data(as_text=True)


def test_the_time_step_reads_no_database_while_kept_and_shows_another_processs_booking_in_time(
    app, other_process, client, clinic
):
    """As deployed: the time step is served kept without reading the draft (its print in the
    session cookie says what it holds) or the versions (read at most every 0.3 s here)."""
    import time

    app.config["VERSION_RECHECK_SECONDS"] = 0.3
    start_booking(client)
    first = shown_times(client)[0]
    assert statements(app, client, "/book/time") == 0
    book_online(other_process.test_client())
    time.sleep(0.35)
    assert first not in shown_times(client)


def test_a_booking_in_this_process_shows_on_the_kept_time_step_at_once(app, client, clinic):
    app.config["VERSION_RECHECK_SECONDS"] = 60
    start_booking(client)
    first = shown_times(client)[0]
    book_online(app.test_client())
    assert first not in shown_times(client)


def test_a_changed_choice_shows_at_once_although_the_page_for_the_old_one_is_kept(app, client, clinic):
    app.config["VERSION_RECHECK_SECONDS"] = 60
    start_booking(client, office="fairfax")
    fairfax = shown_times(client)
    start_booking(client, office="potomac")
    page = client.get("/book/time").get_data(as_text=True)
    assert "Potomac" in page and shown_times(client) != fairfax
    start_booking(client, office="fairfax")
    assert shown_times(client) == fairfax


def test_once_booked_the_kept_time_step_is_no_longer_shown_to_that_browser(app, client, clinic):
    app.config["VERSION_RECHECK_SECONDS"] = 60
    start_booking(client)
    client.get("/book/time")  # kept for this draft's choices
    book_online(client)
    response = client.get("/book/time")
    assert response.status_code == 303 and response.headers["Location"].endswith("/book/")


def test_a_saved_draft_is_noted_as_saved_without_reading_it_again(app, clinic):
    """A form that saves the draft and answers without reading it again still renews the
    browser's print (else the next kept step would show the old choices)."""
    from clinic_app.booking import service
    from clinic_app.models import VisitType

    with app.app_context():
        draft, _ = service.start_draft(db.session, NOW)
        office = db.session.scalars(select(Office).filter_by(slug="potomac")).one()
        visit_type = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        service.save_visit(
            db.session, draft, office=office, visit_type=visit_type, reason="sciatica", provider=None, now=NOW
        )
        noted = db.session.info["drafts_saved"][draft.token_hash]
        assert noted == service.DraftState.of(db.session.get(type(draft), draft.id))
        assert not noted.booked and noted.expires_at > NOW


def test_a_draft_change_rolled_back_is_not_noted_as_saved(app, clinic):
    """A save whose commit fails (the database went away) leaves the print as it was."""
    from clinic_app.booking import service

    with app.app_context():
        draft, _ = service.start_draft(db.session, NOW)
        saved = db.session.info["drafts_saved"][draft.token_hash]
        draft.data = {"visit": {"office": "potomac"}}
        db.session.flush()
        db.session.rollback()
        assert db.session.info["drafts_saved"][draft.token_hash] == saved


def test_a_draft_print_copied_from_another_browser_is_not_believed(app, clinic):
    """The print names its draft: a session holding another draft's print reads its own draft."""
    app.config["VERSION_RECHECK_SECONDS"] = 60
    potomac, fairfax = app.test_client(), app.test_client()
    start_booking(potomac, office="potomac")
    start_booking(fairfax, office="fairfax")
    potomac_times, fairfax_times = shown_times(potomac), shown_times(fairfax)
    assert potomac_times != fairfax_times
    with potomac.session_transaction() as session:
        printed = session["booking_draft_print"]
    with fairfax.session_transaction() as session:
        session["booking_draft_print"] = printed
    assert shown_times(fairfax) == fairfax_times


def test_this_processs_own_set_up_change_shows_at_once(app, clinic):
    app.config["VERSION_RECHECK_SECONDS"] = 60
    client = app.test_client()
    client.get("/book/")
    _, provider_id = first_clinician_leaves(app)
    assert f'value="{provider_id}"' not in client.get("/book/").get_data(as_text=True)


def set_account(process, email, **changes):
    """In ``process``, change the account ``email`` (``offices`` by slug)."""
    with process.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=email)).one()
        if "offices" in changes:
            slugs = changes.pop("offices")
            user.offices = list(db.session.scalars(select(Office).where(Office.slug.in_(slugs))))
        for name, value in changes.items():
            setattr(user, name, value)
        db.session.commit()


def signed_out(response) -> bool:
    return response.status_code in (302, 303) and "/admin/login" in response.headers["Location"]


def test_the_kept_bookings_list_reads_nothing_while_the_versions_are_fresh(app, admin_client, clinic):
    """As deployed: the signed-in account is kept too (under the accounts' version), so the kept
    list is served without a statement."""
    app.config["VERSION_RECHECK_SECONDS"] = 60
    admin_client.get("/admin/")
    assert statements(app, admin_client, "/admin/") == 0


def test_an_account_deactivated_in_another_process_is_signed_out_within_the_recheck_time(
    app, other_process, admin_client, clinic
):
    import time

    app.config["VERSION_RECHECK_SECONDS"] = 0.3
    assert admin_client.get("/admin/").status_code == 200
    set_account(other_process, "admin@example.org", active=False)
    time.sleep(0.35)
    assert signed_out(admin_client.get("/admin/"))


def test_an_account_deactivated_in_this_process_is_signed_out_at_once(app, admin_client, clinic):
    app.config["VERSION_RECHECK_SECONDS"] = 60
    assert admin_client.get("/admin/").status_code == 200
    set_account(app, "admin@example.org", active=False)
    assert signed_out(admin_client.get("/admin/"))


def test_offices_given_in_another_process_show_in_the_kept_list_within_the_recheck_time(
    app, other_process, fairfax_staff_client, clinic
):
    import time

    app.config["VERSION_RECHECK_SECONDS"] = 0.3
    with app.app_context():
        add_appointment(db.session, NOW + timedelta(days=1), office="potomac", first_name="Ottilie")
        db.session.commit()
    assert "Ottilie" not in fairfax_staff_client.get("/admin/").get_data(as_text=True)
    set_account(other_process, "fairfax.desk@example.org", offices=["fairfax", "potomac"])
    time.sleep(0.35)
    assert "Ottilie" in fairfax_staff_client.get("/admin/").get_data(as_text=True)
