"""Which appointment times a patient may book, and the calendar blocks a booked visit holds.

Providers work in office wall-clock time ("8:00 to 17:00 on Mondays"), but appointments are
stored and compared in UTC, so this module is where the two meet, daylight saving included.
Every slot starts on a 15-minute grid, and a booked visit holds one 15-minute block per step of
its length plus pause: the database's unique (provider, block) key then refuses any second
booking that would overlap it, however the requests race.
Pure data and functions: no request, no database, no clock (the caller passes ``now``).
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

GRID = timedelta(minutes=15)  # every slot starts on this grid; every length/buffer is a multiple of it

# Grid alignment is measured from here; since an hour is a whole number of grid steps this is the
# same as "minute % 15 == 0, no seconds" in UTC.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BookingRules:
    """How close to now and how far ahead patients may book, and how far apart starts are."""

    min_notice: timedelta = timedelta(hours=2)  # the front desk needs time to prepare the visit
    horizon_days: int = 60  # schedules further out are not settled yet
    step: timedelta = GRID  # distance between two offered starts within a shift

    def __post_init__(self):
        if self.min_notice < timedelta(0):
            raise ValueError("min_notice must not be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days must not be negative")
        if self.step <= timedelta(0) or self.step % GRID:
            raise ValueError("step must be a positive multiple of GRID")


def free_slots(
    *,
    day: date,
    tz: ZoneInfo,
    shifts,
    length: timedelta,
    buffer: timedelta,
    busy,
    closed: bool,
    now: datetime,
    rules: BookingRules = BookingRules(),
) -> list[datetime]:
    """Start times (aware, UTC) of the free slots of ONE provider at ONE office on ``day``.

    :param day: the date in the office's time zone ``tz``.
    :param shifts: iterable of ``(starts, ends)`` :class:`~datetime.time` pairs, the provider's
        working intervals at this office on this weekday, in office wall-clock time (the caller
        selects them by weekday). Several per day are allowed, e.g. 8–12 and 13–17; overlapping
        shifts simply yield each start once.
    :param length: the visit's length; a positive multiple of :data:`GRID`.
    :param buffer: the pause the provider needs after the visit; a multiple of :data:`GRID`, may
        be zero.
    :param busy: iterable of ``(busy_start, busy_end)`` aware datetimes in any zone: the
        provider's active appointments at any office, each with its own buffer already added to
        ``busy_end``.
    :param closed: True when an office or provider closure covers ``day``.
    :param now: the current moment, aware.
    :return: sorted, unique start times with ``tzinfo=timezone.utc``.
    :raises ValueError: for a naive ``now`` or busy datetime, a length or buffer off the grid,
        or a shift that does not end after it starts (overnight shifts are not supported).

    Rules:

    - A closed day has no slots.
    - Horizon: no slots before the office's local today (``now`` seen in ``tz``) or after local
      today + ``rules.horizon_days``.
    - Candidates: from each shift's start, every ``rules.step`` of wall-clock time. A shift
      starting off the grid (8:10) offers its first slot at the next grid time (8:15), and a
      start that is off the grid in UTC (possible only in a zone whose offset is not whole
      quarter hours) is skipped, because such a slot could not be booked.
    - Daylight saving: a wall time that does not exist (the spring-forward gap) is skipped; an
      ambiguous one (the repeated fall-back hour) is read with ``fold=0``, its first occurrence,
      so the repeated hour offers each wall time once.
    - End of shift, in absolute time: the visit must be over by the end of the shift,
      ``start_utc + length <= shift end in UTC``; the buffer may run past it. On a DST night this
      counts the hours the provider really works, not what the wall clock says: 01:00–04:00 on
      the spring-forward night is two hours, so a 120-minute visit fits only at 01:00; on the
      fall-back night 00:30–03:00 is three and a half hours, so a 3-hour visit fits at 00:30. A
      shift end read as a wall time follows the same rules as a start (``fold=0`` when
      ambiguous), except that an end in the spring-forward gap is the moment the clocks jump.
    - Notice: a slot starting before ``now + rules.min_notice`` is dropped; one starting exactly
      then is offered.
    - Busy: a candidate holds ``[start, start + length + buffer)`` and is dropped when that
      overlaps a busy interval; intervals are half-open, so touching is fine. The busy intervals
      are merged and sorted once, so each candidate costs one binary search: linear in the
      candidates and the busy intervals of the day, however full the calendar.
    """
    _require_aware(now, "now")
    _require_on_grid(length, buffer, GRID)
    # Compare in UTC: arithmetic on a datetime in a DST zone is wall-clock arithmetic, and two
    # datetimes sharing one zone compare by wall time, ignoring fold.
    busy_utc = []
    for busy_start, busy_end in busy:
        _require_aware(busy_start, "busy start")
        _require_aware(busy_end, "busy end")
        busy_utc.append((busy_start.astimezone(UTC), busy_end.astimezone(UTC)))
    busy_starts, busy_ends = merged(busy_utc)
    now_utc = now.astimezone(UTC)

    if closed:
        return []
    local_today = now_utc.astimezone(tz).date()
    if day < local_today or day > local_today + timedelta(days=rules.horizon_days):
        return []

    earliest = now_utc + rules.min_notice
    slots = set()
    for starts, ends in shifts:
        if not starts < ends:
            raise ValueError(f"shift {starts}-{ends} does not end after it starts")
        shift_end = _shift_end_utc(day, ends, tz)
        end_wall = datetime.combine(day, ends)
        wall = _ceil_to_grid(datetime.combine(day, starts))
        while wall < end_wall:
            start = _existing_utc(wall, tz)
            wall += rules.step
            if start is None or (start - _EPOCH) % GRID:
                continue
            if start + length > shift_end or start < earliest:
                continue
            held_until = occupied_until(start, length, buffer)
            # The first busy stretch still running at ``start``: the slot is free if it begins
            # only once the visit and its pause are over (one binary search, not a scan).
            first = bisect_right(busy_ends, start)
            if first < len(busy_starts) and busy_starts[first] < held_until:
                continue
            slots.add(start)
    return sorted(slots)


def merged(intervals) -> tuple[list[datetime], list[datetime]]:
    """Half-open intervals as the sorted starts and ends of their disjoint union (touching ones
    stay apart: they do not overlap). Both lists are sorted, so a binary search finds the one
    stretch that can overlap a given moment."""
    starts, ends = [], []
    for start, end in sorted(intervals):
        if ends and start < ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends


def occupied_until(start: datetime, length: timedelta, buffer: timedelta) -> datetime:
    """``start + length + buffer``: the moment the provider is free again after this visit."""
    return start + length + buffer


def time_blocks(start: datetime, length: timedelta, buffer: timedelta, step: timedelta = GRID) -> list[datetime]:
    """The grid blocks a visit plus its buffer holds on the provider's calendar.

    The database stores one row per block under a unique (provider, block) key, so two visits
    whose held times overlap always collide on at least one block: both start on the grid and
    hold whole blocks, so any overlap covers a whole block of both.

    :param start: the visit's start, aware; converted to UTC.
    :param step: the block size; a positive multiple of :data:`GRID` (the database uses GRID).
    :return: aware UTC datetimes ``step`` apart from ``start``, one per block of
        ``length + buffer``.
    :raises ValueError: when ``start`` is naive or not on the ``step`` grid in UTC (for GRID:
        minute % 15, second and microsecond must be 0), when ``length`` or ``buffer`` is not a
        multiple of ``step``, when ``length`` is not positive or ``buffer`` is negative.
    """
    _require_aware(start, "start")
    if step <= timedelta(0) or step % GRID:
        raise ValueError("step must be a positive multiple of GRID")
    _require_on_grid(length, buffer, step)
    start = start.astimezone(UTC)
    if (start - _EPOCH) % step:
        raise ValueError(f"start {start.isoformat()} is not on the {step} grid")
    return [start + i * step for i in range((length + buffer) // step)]


def bookable_days(*, today: date, rules: BookingRules = BookingRules()) -> list[date]:
    """The local dates a patient may pick: ``today`` to ``today + rules.horizon_days``, both included."""
    return [today + timedelta(days=i) for i in range(rules.horizon_days + 1)]


def _require_aware(moment: datetime, name: str) -> None:
    """Refuse a naive datetime rather than guess its zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime for {name}: pass an aware datetime")


def _require_on_grid(length: timedelta, buffer: timedelta, step: timedelta) -> None:
    """Refuse a length or buffer that would not fill whole blocks."""
    if length <= timedelta(0) or length % step:
        raise ValueError(f"length {length} must be a positive multiple of {step}")
    if buffer < timedelta(0) or buffer % step:
        raise ValueError(f"buffer {buffer} must be a non-negative multiple of {step}")


def _ceil_to_grid(wall: datetime) -> datetime:
    """The first wall time on the grid at or after ``wall`` (naive, same day or midnight after)."""
    since_midnight = wall - datetime.combine(wall.date(), time())
    return wall + (-since_midnight) % GRID


@lru_cache(maxsize=8192)  # the same wall times come up for every clinician and every request
def _existing_utc(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The UTC moment of a naive wall time in ``tz`` (``fold=0``), or None if it does not exist.

    A time in the spring-forward gap still converts, but back in ``tz`` it reads differently,
    which is how the gap is detected.
    """
    moment = wall.replace(tzinfo=tz).astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != wall:
        return None
    return moment


@lru_cache(maxsize=2048)
def _shift_end_utc(day: date, ends: time, tz: ZoneInfo) -> datetime:
    """The UTC moment a shift ending at wall time ``ends`` on ``day`` is over.

    An end in the spring-forward gap is never shown by the clock: the shift is over when the
    clocks jump past it, found by bisection between the two readings of that wall time.
    """
    wall = datetime.combine(day, ends)
    moment = _existing_utc(wall, tz)
    if moment is not None:
        return moment
    # In the gap, fold=1 reads the wall time with the offset after the jump (an earlier moment,
    # before the jump) and fold=0 with the offset before it (a later moment, after the jump).
    before = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    while after - before > timedelta(microseconds=1):
        middle = before + (after - before) // 2
        if middle.astimezone(tz).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return after
