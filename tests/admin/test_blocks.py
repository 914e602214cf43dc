"""Blocked time within a day: a clinician's surgery or lunch, an office closed for some hours, once
or every week; the times disappear online and at the desk at once; a block over booked visits is
refused with the list of them."""

from datetime import date, datetime, time, timedelta
from time import sleep

import pytest
from sqlalchemy import select

from clinic_app import create_app
from clinic_app.admin.schedule.blocks import BlockOverBookings, BlockRequest, add_block
from clinic_app.admin.schedule.service import ScheduleError
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.service import SlotTaken
from clinic_app.booking.slots import BookingRules
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, Office, Provider, StaffUser, TimeBlock, VisitType
from tests.admin.test_desk_booking import DeskBooks
from tests.booking.racing import NOW, all_at_once
from tests.conftest import add_appointment, csrf_token_from, make_staff_user, seed_clinic

MONDAY = date(2026, 12, 7)
WEDNESDAY = date(2026, 12, 9)
RULES = BookingRules(min_notice=timedelta(0))


def office_named(slug):
    return db.session.scalars(select(Office).filter_by(slug=slug)).one()


def clinician(slug):
    return db.session.scalars(select(Provider).filter_by(slug=slug)).one()


def times(office_slug, provider_slug, day, visit="follow-up"):
    """The times offered that day at the office with the clinician, as "9:00"-style office times."""
    office = office_named(office_slug)
    slots = slots_by_day(
        db.session,
        office=office,
        visit_type=db.session.scalars(select(VisitType).filter_by(slug=visit)).one(),
        provider_id=clinician(provider_slug).id,
        days=[day],
        now=NOW,
        rules=RULES,
    )[day]
    return [f"{s.starts_at.astimezone(office.tz):%H:%M}" for s in slots]


@pytest.fixture
def ctx(each_database_app):
    """An app context on SQLite and PostgreSQL with the clinic seeded and an admin; the admin."""
    seed_clinic(each_database_app)
    user_id = make_staff_user(each_database_app, "admin@example.org", "admin")
    with each_database_app.app_context():
        yield db.session.get(StaffUser, user_id)


def block(user, office="fairfax", provider="amira-haddad", starts_on=MONDAY, start=(12, 0), end=(13, 0), **more):
    request = BlockRequest(
        office_id=office_named(office).id,
        provider_id=clinician(provider).id if provider else None,
        kind=more.pop("kind", "lunch"),
        starts_on=starts_on,
        starts_at=time(*start),
        ends_at=time(*end),
        **more,
    )
    return add_block(db.session, user, request, NOW, MONDAY)


def test_a_clinicians_meeting_takes_those_times_away_that_day_only(ctx):
    before = times("fairfax", "amira-haddad", MONDAY)
    block(ctx, start=(10, 0), end=(11, 0), kind="meeting")
    after = times("fairfax", "amira-haddad", MONDAY)
    # A 30-minute follow-up may not run into the meeting either; one ending as it starts may.
    assert set(before) - set(after) == {"09:45", "10:00", "10:15", "10:30", "10:45"}
    assert "11:00" in after and "09:30" in after
    assert times("fairfax", "amira-haddad", WEDNESDAY) == times("fairfax", "amira-haddad", WEDNESDAY + timedelta(7))


def test_a_clinicians_block_holds_their_time_at_every_office(ctx):
    tuesday = MONDAY + timedelta(days=1)  # Dr. Haddad is at Potomac on Tuesdays
    assert "09:00" in times("potomac", "amira-haddad", tuesday)
    block(ctx, office="fairfax", starts_on=tuesday, start=(8, 0), end=(12, 0), kind="surgery")
    assert [t for t in times("potomac", "amira-haddad", tuesday) if t < "12:00"] == []


def test_a_weekly_block_repeats_on_its_weekday_until_its_last_week(ctx):
    block(ctx, starts_on=WEDNESDAY, start=(8, 0), end=(9, 0), kind="meeting", weekly=True, ends_on=date(2026, 12, 23))
    for week in range(3):
        assert "08:00" not in times("fairfax", "amira-haddad", WEDNESDAY + timedelta(weeks=week))
    assert "08:00" in times("fairfax", "amira-haddad", date(2026, 12, 30))
    assert "08:00" in times("fairfax", "amira-haddad", date(2026, 12, 11))  # Friday: another weekday


def test_an_office_closed_for_the_afternoon_takes_everyones_times_there(ctx):
    block(ctx, provider=None, start=(13, 0), end=(17, 0), kind="other")
    for slug in ("amira-haddad", "lauren-whitfield"):
        assert [t for t in times("fairfax", slug, MONDAY) if t >= "13:00"] == []
        assert "10:00" in times("fairfax", slug, MONDAY)
    assert [t for t in times("potomac", "daniel-okafor", MONDAY) if t >= "13:00"]  # the other office


def test_a_block_over_booked_visits_is_refused_with_them_and_stores_nothing(ctx):
    add_appointment(db.session, datetime(2026, 12, 7, 17, 15, tzinfo=NOW.tzinfo), visit="follow-up")  # 12:15
    db.session.commit()
    with pytest.raises(BlockOverBookings) as refused:
        block(ctx)
    assert [a.starts_at.hour for a in refused.value.appointments] == [17]
    assert db.session.scalars(select(TimeBlock)).all() == []
    block(ctx, start=(12, 45), end=(13, 30))  # after that visit (and its pause): fine


@pytest.mark.parametrize(
    "change, field",
    [
        ({"start": (13, 0), "end": (12, 0)}, "ends_at"),
        ({"starts_on": MONDAY - timedelta(days=1)}, "starts_on"),
        ({"office": "potomac", "provider": "lauren-whitfield"}, "provider"),  # she works only at Fairfax
        ({"kind": "golf"}, "kind"),
        ({"weekly": True, "ends_on": MONDAY - timedelta(days=7)}, "ends_on"),
    ],
)
def test_a_wrong_block_is_refused_naming_the_field(ctx, change, field):
    with pytest.raises(ScheduleError) as refused:
        block(ctx, **change)
    assert field in refused.value.problems


# --- the page -------------------------------------------------------------------------------------


def post_block(client, **fields):
    token = csrf_token_from(client.get("/admin/blocks").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "office": "1",
        "provider": "1",
        "kind": "surgery",
        "starts_on": "2026-12-09",
        "starts_at": "08:00",
        "ends_at": "12:00",
        **fields,
    }
    return client.post("/admin/blocks", data=data)


def desk_times(client, day="2026-12-09"):
    page = client.get(f"/admin/bookings/new?office=fairfax&visit_type=follow-up&provider=1&day={day}")
    return page.get_data(as_text=True)


def test_staff_block_a_morning_and_it_is_gone_at_once_then_back_when_removed(app, desk):
    assert 'value="2026-12-09T13:00Z|1"' in desk_times(desk)  # Wednesday 8:00 with Dr. Haddad
    response = post_block(desk)
    assert response.status_code == 303
    page = desk.get("/admin/blocks").get_data(as_text=True)
    assert "Blocked: Dr. Amira Haddad, MD, surgery, Wednesday, December 9, 2026, 8:00 AM–12:00 PM." in page
    assert 'value="2026-12-09T13:00Z|1"' not in desk_times(desk)
    with app.app_context():
        block_id = db.session.scalars(select(TimeBlock.id)).one()
        entry = db.session.scalars(select(AuditEntry).filter_by(action="block_added")).one()
        assert entry.changes["who"] == "Dr. Amira Haddad, MD" and entry.user.email == "fairfax.desk@example.org"
    token = csrf_token_from(page)
    assert desk.post(f"/admin/blocks/{block_id}/remove", data={"csrf_token": token}).status_code == 303
    assert 'value="2026-12-09T13:00Z|1"' in desk_times(desk)


def test_the_refusal_lists_the_booked_visits_with_links(app, desk, make_appointment):
    appointment_id = make_appointment(datetime(2026, 12, 9, 15, 0, tzinfo=NOW.tzinfo), provider="amira-haddad")
    response = post_block(desk)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Visits are booked in that time." in html
    assert f'<a href="/admin/appointments/{appointment_id}">Wed Dec 9, 2026 10:00 AM — Test Patient (' in html
    assert 'value="2026-12-09"' in html  # what was typed stays


def test_staff_cannot_block_or_unblock_at_another_office(app, desk):
    response = post_block(desk, office="2", provider="")
    assert response.status_code == 422 and "Please choose one of your offices." in response.get_data(as_text=True)
    with app.app_context():
        potomac = TimeBlock(
            office_id=2, kind="lunch", starts_on=WEDNESDAY, ends_on=WEDNESDAY, starts_at=time(12), ends_at=time(13)
        )
        db.session.add(potomac)
        db.session.commit()
        block_id = potomac.id
    token = csrf_token_from(desk.get("/admin/blocks").get_data(as_text=True))
    assert desk.post(f"/admin/blocks/{block_id}/remove", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"provider": "abc"}, "Please choose a clinician who works at this office, or the whole office."),
        ({"office": "99999999999999999999"}, "Please choose one of your offices."),
        ({"weekly": "y", "ends_on": "9999-12-31"}, "more than two years ahead"),
        ({"starts_on": "9999-12-31"}, "more than two years ahead"),
    ],
)
def test_odd_values_are_refused_in_place(app, desk, fields, message):
    response = post_block(desk, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(TimeBlock)).all() == []


def test_a_clinicians_block_entered_elsewhere_shows_here_without_remove_and_hides_other_patients(
    app, monday_8am, clinic, make_user, make_appointment
):
    make_appointment(datetime(2026, 12, 8, 15, 0, tzinfo=NOW.tzinfo), provider="amira-haddad", office="potomac")
    make_user("potomac.desk@example.org", "staff", ["potomac"])
    make_user("fairfax.desk2@example.org", "staff", ["fairfax"])
    fairfax, potomac = app.test_client(), app.test_client()
    from tests.conftest import sign_in

    assert sign_in(fairfax, "fairfax.desk2@example.org").status_code == 303
    assert sign_in(potomac, "potomac.desk@example.org").status_code == 303
    refused = post_block(fairfax, starts_on="2026-12-08").get_data(as_text=True)  # Tuesday: she is at Potomac
    assert "And 1 at another office: please ask that office." in refused and "Test Patient" not in refused
    assert post_block(fairfax, starts_on="2026-12-09").status_code == 303
    page = potomac.get("/admin/blocks").get_data(as_text=True)
    assert "Dr. Amira Haddad, MD" in page and "Entered at another office" in page


# --- a block and bookings of that time at the same instant ----------------------------------------


class AddsBlock:
    """A staff member blocking Monday 8:00-12:00 for Dr. Haddad (surgery), ``after`` seconds late."""

    def __init__(self, user_id, after=0.0):
        self.user_id, self.after = user_id, after

    def prepare(self, session):
        return session.get(StaffUser, self.user_id)

    def __call__(self, session, user):
        sleep(self.after)
        request = BlockRequest(
            office_id=1, provider_id=1, kind="surgery", starts_on=MONDAY, starts_at=time(8), ends_at=time(12)
        )
        return add_block(session, user, request, NOW, MONDAY)


class BooksLate(DeskBooks):
    """The desk booking 10:00, ``after`` seconds late."""

    def __init__(self, user_id, slot, after=0.0):
        super().__init__(user_id, slot, 0)
        self.after = after

    def __call__(self, session, ready):
        sleep(self.after)
        return super().__call__(session, ready)


def race_block_and_booking(url, tmp_path, monkeypatch, order):
    """The two interleavings a lock must serialize, forced with pauses: a booking that found the
    time free before the block was saved, and a block checked while a booking is being written."""
    import clinic_app.admin.desk.service as desk
    import clinic_app.admin.schedule.blocks as blocks_module

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, MAIL_SINK_DIR=str(tmp_path))
    seed_clinic(app)
    user = make_staff_user(app, "desk@example.org", "admin")
    with app.app_context():
        office = office_named("fairfax")
        visit = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        ten = datetime(2026, 12, 7, 15, 0, tzinfo=NOW.tzinfo)
        days = slots_by_day(
            db.session, office=office, visit_type=visit, provider_id=1, days=[MONDAY], now=NOW, rules=RULES
        )
        [slot] = [s for s in days[MONDAY] if s.starts_at == ten]
        db.engine.dispose()
    if order == "booking checked, then block saved":
        real_find_slot = desk.find_slot
        monkeypatch.setattr(desk, "find_slot", lambda *a, **k: (real_find_slot(*a, **k), sleep(0.6))[0])
        jobs = [BooksLate(user, slot), AddsBlock(user, after=0.2)]
    elif order == "block checked while a booking is written":
        real_insert = desk.insert_appointment

        def insert_slowly(*args, **kwargs):  # the emails are queued in the booking's transaction
            return real_insert(*args, **{**kwargs, "notify": lambda *_: sleep(0.6)})

        monkeypatch.setattr(desk, "insert_appointment", insert_slowly)
        jobs = [BooksLate(user, slot), AddsBlock(user, after=0.2)]
    else:  # a booking re-checking while the block is written
        real_check = blocks_module.booked_in_block
        monkeypatch.setattr(blocks_module, "booked_in_block", lambda *a, **k: (real_check(*a, **k), sleep(0.6))[0])
        jobs = [BooksLate(user, slot, after=0.2), AddsBlock(user)]
    outcomes = all_at_once(url, jobs, {SlotTaken: "taken", BlockOverBookings: "refused"})
    assert "error" not in [kind for kind, _ in outcomes], outcomes
    with app.app_context():
        blocks = db.session.scalars(select(TimeBlock)).all()
        booked = db.session.scalars(select(Appointment)).all()
        assert (len(blocks), len(booked)) in ((1, 0), (0, 1)), outcomes  # never a visit inside a block
        db.engine.dispose()


ORDERS = [
    "booking checked, then block saved",
    "block checked while a booking is written",
    "booking re-checked while a block is written",
]


@pytest.mark.parametrize("order", ORDERS)
def test_a_block_and_a_booking_of_that_time_at_once_on_sqlite_never_both_land(tmp_path, monkeypatch, order):
    race_block_and_booking(f"sqlite:///{tmp_path / 'race.sqlite3'}", tmp_path, monkeypatch, order)


@pytest.mark.postgres
@pytest.mark.parametrize("order", ORDERS)
def test_a_block_and_a_booking_of_that_time_at_once_on_postgresql_never_both_land(
    postgres_url, tmp_path, monkeypatch, order
):
    race_block_and_booking(postgres_url, tmp_path, monkeypatch, order)
