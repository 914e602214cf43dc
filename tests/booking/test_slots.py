"""Free appointment slots and the calendar blocks a visit holds: pure rules, no app needed."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from clinic_app.booking.slots import GRID, BookingRules, bookable_days, free_slots, occupied_until, time_blocks

NY = ZoneInfo("America/New_York")
UTC = UTC
DAY = date(2026, 6, 15)  # an ordinary Monday, EDT (UTC-4)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # two weeks before: notice and horizon stay out of the way
WORKDAY = [(time(8), time(17))]
MIN = timedelta(minutes=1)


def local(day, hour, minute=0, second=0):
    """An aware New York wall time (fold=0)."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=NY)


def utc(day, hour, minute=0):
    """An aware UTC time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def slots(day=DAY, shifts=WORKDAY, length=30, buffer=0, busy=(), closed=False, now=NOW, rules=BookingRules()):
    """free_slots in New York with lengths in minutes."""
    return free_slots(
        day=day,
        tz=NY,
        shifts=shifts,
        length=timedelta(minutes=length),
        buffer=timedelta(minutes=buffer),
        busy=busy,
        closed=closed,
        now=now,
        rules=rules,
    )


def walls(result):
    """The local wall times of UTC slots, as HH:MM strings."""
    return [s.astimezone(NY).strftime("%H:%M") for s in result]


# Ordinary days


def test_an_ordinary_day_offers_every_quarter_hour_that_ends_by_closing():
    result = slots()
    assert len(result) == 35  # 8:00, 8:15 … 16:30: 34 quarter hours apart
    assert result[0] == local(DAY, 8) == utc(DAY, 12)
    assert result[-1] == local(DAY, 16, 30)
    assert all(b - a == GRID for a, b in zip(result, result[1:], strict=False))


def test_slots_are_sorted_unique_and_aware_utc():
    result = slots(shifts=[(time(10), time(14)), (time(8), time(12))])  # overlapping shifts
    assert result == sorted(set(result))
    assert all(s.tzinfo is UTC for s in result)
    assert walls(result)[0] == "08:00" and walls(result)[-1] == "13:30"


@pytest.mark.parametrize(
    "length,buffer,last", [(30, 0, "16:30"), (30, 15, "16:30"), (45, 15, "16:15"), (45, 0, "16:15")]
)
def test_the_visit_ends_by_closing_but_its_buffer_may_run_past(length, buffer, last):
    assert walls(slots(length=length, buffer=buffer))[-1] == last


def test_a_split_shift_offers_nothing_that_runs_into_the_break():
    result = walls(slots(shifts=[(time(8), time(12)), (time(13), time(17))]))
    assert "11:30" in result and "13:00" in result
    assert not [w for w in result if "11:45" <= w < "13:00"]
    assert len(result) == 2 * 15


def test_a_shift_starting_off_the_grid_starts_offering_at_the_next_grid_time():
    assert walls(slots(shifts=[(time(8, 10), time(9))])) == ["08:15", "08:30"]


# Closures and existing appointments


def test_a_zone_whose_offset_is_off_the_grid_offers_nothing_unbookable():
    monrovia = ZoneInfo("Africa/Monrovia")  # UTC-0:44:30 until 1972: every wall quarter hour is off the UTC grid
    day = date(1970, 6, 1)
    now = datetime(1970, 5, 25, tzinfo=UTC)
    result = free_slots(day=day, tz=monrovia, shifts=WORKDAY, length=GRID, buffer=GRID, busy=(), closed=False, now=now)
    assert result == []


def test_a_closed_day_has_no_slots():
    assert slots(closed=True) == []


def test_a_fully_booked_day_has_no_slots():
    assert slots(busy=[(local(DAY, 8), local(DAY, 17))]) == []


# An existing 9:00–9:45 visit with its 15-minute buffer holds 9:00–10:00.
EXISTING = (local(DAY, 9), local(DAY, 10))


@pytest.mark.parametrize(
    "buffer,wall,free",
    [
        (0, "08:30", True),  # ends 9:00, touching
        (0, "08:45", False),  # runs to 9:15
        (0, "09:45", False),
        (0, "10:00", True),
        (15, "08:15", True),  # held until 9:00, touching
        (15, "08:30", False),  # held until 9:15
        (15, "10:00", True),
    ],
)
def test_a_partly_booked_day_keeps_the_buffers_clear(buffer, wall, free):
    assert (wall in walls(slots(buffer=buffer, busy=[EXISTING]))) is free


def test_busy_times_in_another_zone_count_the_same():
    in_utc = tuple(moment.astimezone(UTC) for moment in EXISTING)
    assert slots(busy=[in_utc]) == slots(busy=[EXISTING])
    assert utc(DAY, 13, 0) not in slots(busy=[in_utc])  # 9:00 EDT


# Notice and horizon


@pytest.mark.parametrize(
    "now,allowed,refused",
    [
        (local(DAY, 7), "09:00", "08:45"),  # exactly now + 2 h is allowed
        (local(DAY, 9, 0, 1), "11:15", "11:00"),
    ],
)
def test_slots_need_the_minimum_notice(now, allowed, refused):
    result = walls(slots(now=now))
    assert result[0] == allowed
    assert refused not in result


def test_the_notice_follows_the_rules():
    assert walls(slots(now=local(DAY, 7), rules=BookingRules(min_notice=timedelta(0))))[0] == "08:00"


@pytest.mark.parametrize("offset,has_slots", [(0, True), (60, True), (61, False), (-1, False)])
def test_slots_are_offered_up_to_the_horizon_and_not_in_the_past(offset, has_slots):
    now = local(DAY, 6)
    assert bool(slots(day=DAY + timedelta(days=offset), now=now)) is has_slots


def test_the_horizon_counts_from_the_offices_local_date():
    now = datetime(2026, 1, 10, 3, 30, tzinfo=UTC)  # still Jan 9, 22:30 in New York
    assert slots(day=date(2026, 3, 10), now=now)  # Jan 9 + 60
    assert slots(day=date(2026, 3, 11), now=now) == []  # Jan 10 + 60 would allow it
    assert slots(day=date(2026, 1, 9), now=now, rules=BookingRules(min_notice=timedelta(0))) == []  # day is over


# Daylight saving time

SPRING = date(2026, 3, 8)  # 02:00 EST jumps to 03:00 EDT
FALL = date(2026, 11, 1)  # 02:00 EDT falls back to 01:00 EST


def week_before(day):
    """A `now` a week before `day`, so notice and horizon stay out of the way."""
    return datetime.combine(day - timedelta(days=7), time(), tzinfo=UTC)


@pytest.mark.parametrize(
    "day,first_utc",
    [(SPRING - timedelta(days=1), 13), (SPRING, 12), (FALL - timedelta(days=1), 12), (FALL, 13)],
)
def test_eight_oclock_local_moves_in_utc_across_dst(day, first_utc):
    assert slots(day=day, now=week_before(day))[0] == utc(day, first_utc)


def test_spring_forward_skips_the_missing_hour():
    result = slots(day=SPRING, shifts=[(time(1), time(4))], length=60, now=week_before(SPRING))
    assert walls(result) == ["01:00", "01:15", "01:30", "01:45", "03:00"]
    # 01:30 EST + 60 min ends at 03:30 EDT, well before the 04:00 EDT end of the shift.
    assert result == [utc(SPRING, 6), utc(SPRING, 6, 15), utc(SPRING, 6, 30), utc(SPRING, 6, 45), utc(SPRING, 7)]


def test_spring_forward_fits_visits_into_the_real_hours_worked():
    # 01:00–04:00 on that night is two real hours: a 2-hour visit fits only at 01:00,
    # although 01:45 + 2 h would read 03:45 on a wall clock that did not jump.
    assert slots(day=SPRING, shifts=[(time(1), time(4))], length=120, now=week_before(SPRING)) == [utc(SPRING, 6)]


def test_a_shift_ending_in_the_missing_hour_ends_when_the_clocks_jump():
    result = slots(day=SPRING, shifts=[(time(1), time(2, 30))], now=week_before(SPRING))
    assert walls(result) == ["01:00", "01:15", "01:30"]  # 01:30 EST + 30 min = 07:00 UTC, the jump


def test_fall_back_offers_each_repeated_wall_time_once():
    result = slots(day=FALL, shifts=[(time(0, 30), time(3))], now=week_before(FALL))
    assert walls(result) == ["00:30", "00:45", "01:00", "01:15", "01:30", "01:45", "02:00", "02:15", "02:30"]
    assert utc(FALL, 5) in result and utc(FALL, 6) not in result  # 01:00 EDT (fold=0), not 01:00 EST
    assert len(result) == len(set(walls(result)))


def test_fall_back_fits_visits_into_the_real_hours_worked():
    # 00:30–03:00 on that night is three and a half real hours: a 3-hour visit fits at 00:30
    # (it ends 02:30 EST), although 00:30 + 3 h would read 03:30 on a wall clock that did not fall back.
    result = slots(day=FALL, shifts=[(time(0, 30), time(3))], length=180, now=week_before(FALL))
    assert result == [utc(FALL, 4, 30), utc(FALL, 4, 45), utc(FALL, 5)]


# Calendar blocks


def test_a_visit_holds_one_block_per_quarter_hour_of_visit_and_buffer():
    start = utc(DAY, 13)
    blocks = time_blocks(start, timedelta(minutes=45), timedelta(minutes=15))
    assert blocks == [start + i * GRID for i in range(4)]
    assert all(b.tzinfo is UTC for b in blocks)
    assert occupied_until(start, timedelta(minutes=45), timedelta(minutes=15)) == blocks[-1] + GRID


def test_blocks_are_in_utc_whatever_the_zone_of_the_start():
    assert time_blocks(local(DAY, 9), timedelta(minutes=30), timedelta(0)) == [utc(DAY, 13), utc(DAY, 13, 15)]


@pytest.mark.parametrize(
    "start,length,buffer",
    [
        (utc(DAY, 13, 10), 30, 0),
        (utc(DAY, 13) + timedelta(seconds=1), 30, 0),
        (utc(DAY, 13) + timedelta(microseconds=1), 30, 0),
        (utc(DAY, 13).replace(tzinfo=None), 30, 0),
        (utc(DAY, 13), 20, 0),
        (utc(DAY, 13), 0, 15),
        (utc(DAY, 13), -15, 15),
        (utc(DAY, 13), 30, 10),
        (utc(DAY, 13), 30, -15),
    ],
)
def test_blocks_refuse_times_off_the_grid(start, length, buffer):
    with pytest.raises(ValueError):
        time_blocks(start, timedelta(minutes=length), timedelta(minutes=buffer))


def test_two_visits_overlap_exactly_when_they_share_a_block():
    base = utc(DAY, 13)
    visits = [
        (base + i * GRID, timedelta(minutes=length), timedelta(minutes=buffer))
        for i, length, buffer in product(range(8), (15, 30, 45, 60), (0, 15))
    ]
    for (a, a_len, a_buf), (b, b_len, b_buf) in product(visits, repeat=2):
        overlap = a < occupied_until(b, b_len, b_buf) and b < occupied_until(a, a_len, a_buf)
        shared = set(time_blocks(a, a_len, a_buf)) & set(time_blocks(b, b_len, b_buf))
        assert overlap == bool(shared), (a, a_len, a_buf, b, b_len, b_buf)


# Refused input and bookable days


@pytest.mark.parametrize(
    "kwargs",
    [
        {"now": NOW.replace(tzinfo=None)},
        {"busy": [(local(DAY, 9).replace(tzinfo=None), local(DAY, 10))]},
        {"busy": [(local(DAY, 9), local(DAY, 10).replace(tzinfo=None))]},
        {"length": 20},
        {"length": 0},
        {"buffer": 10},
        {"shifts": [(time(17), time(8))]},
    ],
)
def test_free_slots_refuses_naive_times_and_bad_lengths(kwargs):
    with pytest.raises(ValueError):
        slots(**kwargs)


@pytest.mark.parametrize(
    "kwargs", [{"step": timedelta(minutes=10)}, {"step": timedelta(0)}, {"min_notice": -MIN}, {"horizon_days": -1}]
)
def test_rules_refuse_nonsense(kwargs):
    with pytest.raises(ValueError):
        BookingRules(**kwargs)


def test_a_longer_step_offers_fewer_starts():
    assert walls(slots(shifts=[(time(8), time(10))], rules=BookingRules(step=timedelta(minutes=30)))) == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
    ]


def test_bookable_days_run_from_today_to_the_horizon():
    days = bookable_days(today=date(2026, 1, 9))
    assert len(days) == 61
    assert days[0] == date(2026, 1, 9) and days[-1] == date(2026, 3, 10)
    assert len(bookable_days(today=date(2026, 1, 9), rules=BookingRules(horizon_days=7))) == 8
