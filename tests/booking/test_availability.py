"""Free slots from the database: hours, closures, held time, first available, video visits."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking.availability import days_with_slots, find_slot, parse_slot_value, slots_by_day
from clinic_app.booking.slots import BookingRules
from clinic_app.extensions import db
from clinic_app.models import Closure, Office, Provider, VisitType


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 8:00 AM Eastern
MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)
RULES = BookingRules()


@pytest.fixture
def ctx(app, clinic):
    """An app context with handy look-ups of the seeded clinic."""
    with app.app_context():

        def get(model, slug):
            return db.session.scalars(select(model).filter_by(slug=slug)).one()

        yield get


def local_times(slots, office):
    return [slot.starts_at.astimezone(office.tz).strftime("%H:%M") for slot in slots]


def test_a_provider_is_offered_only_in_their_hours_at_that_office(ctx):
    fairfax, visit = ctx(Office, "fairfax"), ctx(VisitType, "follow-up")
    haddad = ctx(Provider, "amira-haddad")  # Fairfax on Monday, Potomac on Tuesday
    slots = slots_by_day(
        db.session,
        office=fairfax,
        visit_type=visit,
        provider_id=haddad.id,
        days=[MONDAY, TUESDAY],
        now=NOW,
        rules=RULES,
    )
    times = local_times(slots[MONDAY], fairfax)
    assert times[0] == "10:00" and times[-1] == "16:30"  # two hours' notice; last 30-min visit
    assert "11:45" not in times and "12:00" not in times and "13:00" in times  # lunch
    assert slots[TUESDAY] == []


def test_first_available_shares_times_between_providers(app, ctx):
    fairfax, visit = ctx(Office, "fairfax"), ctx(VisitType, "follow-up")
    haddad, whitfield = ctx(Provider, "amira-haddad"), ctx(Provider, "lauren-whitfield")
    slots = slots_by_day(
        db.session, office=fairfax, visit_type=visit, provider_id=None, days=[MONDAY], now=NOW, rules=RULES
    )[MONDAY]
    assert {slot.provider for slot in slots} <= {haddad, whitfield}
    assert len({slot.starts_at for slot in slots}) == len(slots)  # one offer per time


def test_held_time_is_not_offered_and_the_other_provider_takes_it(ctx, make_appointment):
    fairfax, visit = ctx(Office, "fairfax"), ctx(VisitType, "follow-up")
    haddad, whitfield = ctx(Provider, "amira-haddad"), ctx(Provider, "lauren-whitfield")
    ten = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    make_appointment(ten, visit="new-patient")  # 45 minutes + 15-minute pause: 10:00-11:00
    own = slots_by_day(
        db.session, office=fairfax, visit_type=visit, provider_id=haddad.id, days=[MONDAY], now=NOW, rules=RULES
    )[MONDAY]
    assert "10:00" not in local_times(own, fairfax) and "10:30" not in local_times(own, fairfax)
    assert "09:30" not in local_times(own, fairfax)  # 9:30 would run into 10:00 (notice aside)
    assert "11:00" in local_times(own, fairfax)
    anyone = slots_by_day(
        db.session, office=fairfax, visit_type=visit, provider_id=None, days=[MONDAY], now=NOW, rules=RULES
    )[MONDAY]
    at_ten = next(slot for slot in anyone if slot.starts_at == ten)
    assert at_ten.provider == whitfield


def test_a_provider_booked_at_one_office_is_busy_at_the_other(ctx, make_appointment):
    potomac, visit = ctx(Office, "potomac"), ctx(VisitType, "follow-up")
    tuesday_ten = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    okafor = ctx(Provider, "daniel-okafor")  # Tuesday at Fairfax; also works at Potomac other days
    okafor_potomac_hours = [h for h in okafor.working_hours if h.office.slug == "potomac"]
    assert okafor_potomac_hours
    make_appointment(tuesday_ten, provider="daniel-okafor", office="fairfax")
    from clinic_app.models import WorkingHours

    db.session.add(WorkingHours(provider_id=okafor.id, office_id=potomac.id, weekday=1, starts=time(14), ends=time(17)))
    db.session.commit()
    slots = slots_by_day(
        db.session, office=potomac, visit_type=visit, provider_id=okafor.id, days=[TUESDAY], now=NOW, rules=RULES
    )[TUESDAY]
    assert local_times(slots, potomac)[0] == "14:00"
    assert tuesday_ten not in [slot.starts_at for slot in slots]


@pytest.mark.parametrize("closed", ["office", "provider"])
def test_a_closure_removes_the_days_it_covers(app, ctx, closed):
    fairfax, visit, haddad = ctx(Office, "fairfax"), ctx(VisitType, "follow-up"), ctx(Provider, "amira-haddad")
    closure = Closure(starts_on=MONDAY, ends_on=MONDAY + timedelta(days=2), reason="Holiday")
    if closed == "office":
        closure.office = fairfax
    else:
        closure.provider = haddad
    db.session.add(closure)
    db.session.commit()
    slots = slots_by_day(
        db.session,
        office=fairfax,
        visit_type=visit,
        provider_id=haddad.id,
        days=[MONDAY, MONDAY + timedelta(days=2), MONDAY + timedelta(days=4)],
        now=NOW,
        rules=RULES,
    )
    assert slots[MONDAY] == [] and slots[MONDAY + timedelta(days=2)] == []
    assert slots[MONDAY + timedelta(days=4)]  # Friday, after the closure


def test_days_with_slots_skip_weekends_and_stop_at_the_horizon(ctx):
    fairfax, visit = ctx(Office, "fairfax"), ctx(VisitType, "follow-up")
    days = days_with_slots(db.session, office=fairfax, visit_type=visit, provider_id=None, now=NOW, limit=100)
    assert days[0] == MONDAY
    assert all(day.weekday() < 5 for day in days)
    assert max(days) <= MONDAY + timedelta(days=60)


def test_video_visits_only_go_to_providers_who_offer_them(app, ctx):
    fairfax, video = ctx(Office, "fairfax"), ctx(VisitType, "video-consultation")
    whitfield = ctx(Provider, "lauren-whitfield")
    whitfield.visit_types = [v for v in whitfield.visit_types if v.id != video.id]
    db.session.commit()
    slots = slots_by_day(
        db.session, office=fairfax, visit_type=video, provider_id=None, days=[MONDAY], now=NOW, rules=RULES
    )[MONDAY]
    assert slots and whitfield not in {slot.provider for slot in slots}


def test_visits_for_new_patients_only_go_to_providers_who_accept_them(app, ctx):
    fairfax, new, follow_up = ctx(Office, "fairfax"), ctx(VisitType, "new-patient"), ctx(VisitType, "follow-up")
    whitfield = ctx(Provider, "lauren-whitfield")
    whitfield.accepts_new_patients = False
    db.session.commit()

    def open_times(visit_type, provider):
        return slots_by_day(
            db.session,
            office=fairfax,
            visit_type=visit_type,
            provider_id=provider.id,
            days=[MONDAY],
            now=NOW,
            rules=RULES,
        )[MONDAY]

    assert open_times(new, whitfield) == [] and open_times(follow_up, whitfield)
    assert open_times(new, ctx(Provider, "amira-haddad"))


def test_find_slot_refuses_times_not_offered(ctx):
    fairfax, visit, haddad = ctx(Office, "fairfax"), ctx(VisitType, "follow-up"), ctx(Provider, "amira-haddad")
    ok = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    args = dict(office=fairfax, visit_type=visit, provider_id=None, now=NOW, rules=RULES)
    assert find_slot(db.session, starts_at=ok, chosen_provider_id=haddad.id, **args) is not None
    for starts_at in [ok - timedelta(days=1), ok.replace(hour=8), ok + timedelta(minutes=5)]:
        assert find_slot(db.session, starts_at=starts_at, chosen_provider_id=haddad.id, **args) is None
    potomac_only = ctx(Provider, "michael-brenner")
    assert find_slot(db.session, starts_at=ok, chosen_provider_id=potomac_only.id, **args) is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "2026-12-07T15:00Z",
        "2026-12-07T15:00Z|x",
        "2026-13-07T15:00Z|1",
        "0001-01-01T00:00Z|1",
        "9999-12-31T23:45Z|1",
        "2026-12-07T15:00Z|99999999999999999999",
        "2026-12-07T15:00Z|0",
    ],
)
def test_a_malformed_slot_value_is_refused(value):
    assert parse_slot_value(value) is None


def test_a_slot_value_round_trips():
    assert parse_slot_value("2026-12-07T15:00Z|3") == (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), 3)
