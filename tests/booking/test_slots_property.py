"""The slot search answers exactly as the plain one it replaced (every candidate checked against
every busy interval), on random schedules: random shifts, visit lengths, pauses, busy time,
closures, "now", zones whose offset is not whole hours, and the days the clocks change."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinic_app.booking import slots
from clinic_app.booking.slots import GRID, BookingRules, free_slots


def plain_free_slots(*, day, tz, shifts, length, buffer, busy, closed, now, rules):
    """The earlier search, kept as the reference: each candidate against every busy interval."""
    busy_utc = [(start.astimezone(UTC), end.astimezone(UTC)) for start, end in busy]
    now_utc = now.astimezone(UTC)
    if closed:
        return []
    local_today = now_utc.astimezone(tz).date()
    if day < local_today or day > local_today + timedelta(days=rules.horizon_days):
        return []
    earliest = now_utc + rules.min_notice
    found = set()
    for starts, ends in shifts:
        shift_end = slots._shift_end_utc(day, ends, tz)
        end_wall = datetime.combine(day, ends)
        wall = slots._ceil_to_grid(datetime.combine(day, starts))
        while wall < end_wall:
            start = slots._existing_utc(wall, tz)
            wall += rules.step
            if start is None or (start - slots._EPOCH) % GRID:
                continue
            if start + length > shift_end or start < earliest:
                continue
            held_until = start + length + buffer
            if any(start < busy_end and busy_start < held_until for busy_start, busy_end in busy_utc):
                continue
            found.add(start)
    return sorted(found)


ZONES = [ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles"), ZoneInfo("Asia/Kathmandu")]
# Ordinary days and the days New York's clocks change (spring forward, fall back) in 2026.
DAYS = [date(2026, 12, 7), date(2026, 3, 8), date(2026, 11, 1), date(2026, 6, 15)]


@st.composite
def schedules(draw):
    tz = draw(st.sampled_from(ZONES))
    day = draw(st.sampled_from(DAYS))
    shifts = []
    for _ in range(draw(st.integers(1, 3))):
        first = draw(st.integers(0, 22 * 12))  # five-minute steps from midnight
        last = draw(st.integers(first + 1, 24 * 12 - 1))
        shifts.append((time(first // 12, first % 12 * 5), time(last // 12, last % 12 * 5)))
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    busy = []
    for _ in range(draw(st.integers(0, 25))):
        start = midnight + timedelta(minutes=draw(st.integers(-24 * 60, 48 * 60)))
        busy.append((start, start + timedelta(minutes=draw(st.integers(0, 300)))))
    now = midnight + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 24 * 60)))
    rules = BookingRules(
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 30, 120]))),
        horizon_days=draw(st.sampled_from([0, 1, 60])),
        step=draw(st.sampled_from([GRID, 2 * GRID])),
    )
    return {
        "day": day,
        "tz": tz,
        "shifts": shifts,
        "length": GRID * draw(st.integers(1, 12)),
        "buffer": GRID * draw(st.integers(0, 2)),
        "busy": busy,
        "closed": draw(st.booleans()),
        "now": now,
        "rules": rules,
    }


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules())
def test_the_slot_search_gives_the_same_slots_as_the_plain_one(schedule):
    assert free_slots(**schedule) == plain_free_slots(**schedule)


def test_merged_busy_time_keeps_touching_stretches_apart_and_joins_overlapping_ones():
    at = [datetime(2026, 12, 7, hour, tzinfo=UTC) for hour in range(8)]
    starts, ends = slots.merged([(at[3], at[5]), (at[0], at[1]), (at[1], at[2]), (at[4], at[6])])
    assert list(zip(starts, ends, strict=True)) == [(at[0], at[1]), (at[1], at[2]), (at[3], at[6])]


def test_first_available_shares_a_day_the_same_whether_one_day_or_four_weeks_are_searched(app, clinic):
    """The time picker searches four weeks at once, the desk and the waitlist one day: the
    clinician each time goes to must not depend on that."""
    from sqlalchemy import select

    from clinic_app.booking.availability import slots_by_day
    from clinic_app.extensions import db
    from clinic_app.models import Office, VisitType
    from tests.booking.racing import NOW
    from tests.conftest import add_appointment

    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="follow-up")).one()
        days = [(NOW + timedelta(days=n)).astimezone(office.tz).date() for n in range(1, 29)]
        for hour in range(6):  # one clinician busy on the first Monday, lightly the week after
            add_appointment(db.session, NOW + timedelta(days=7, hours=hour), provider="amira-haddad")
        db.session.commit()
        whole = slots_by_day(
            db.session, office=office, visit_type=visit, provider_id=None, days=days, now=NOW, rules=BookingRules()
        )
        for day in days:
            alone = slots_by_day(
                db.session, office=office, visit_type=visit, provider_id=None, days=[day], now=NOW, rules=BookingRules()
            )[day]
            assert [(s.starts_at, s.provider.id) for s in whole[day]] == [(s.starts_at, s.provider.id) for s in alone]
