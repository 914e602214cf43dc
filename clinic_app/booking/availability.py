"""Free slots from the database: gathers hours, closures and held time, then asks ``slots.py``.

Functions take the session, the office and the moment ``now`` explicitly; nothing here reads the
request or the clock.
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import chain, islice

from sqlalchemy import select

from ..clock import EPOCH, quarter_hour
from ..models import Closure, Provider, ProviderTimeBlock, TimeBlock, VisitType, WorkingHours
from ..stamps import kept, versions
from .slots import GRID, BookingRules, bookable_days, free_slots, merged


@dataclass(frozen=True)
class Slot:
    """A bookable start time with the provider who would see the patient."""

    starts_at: datetime  # aware UTC
    provider: Provider

    @property
    def value(self) -> str:
        """How the slot travels in a form: start in UTC and provider id."""
        return slot_value(self.starts_at, self.provider.id)


def slot_value(starts_at: datetime, provider_id: int) -> str:
    """A start time with a provider as forms and links carry it: ``2026-12-07T15:00Z|3`` (UTC)."""
    return f"{starts_at.astimezone(UTC):%Y-%m-%dT%H:%M}Z|{provider_id}"


def parse_slot_value(value: str) -> tuple[datetime, int] | None:
    """The (start, provider id) a form sent, or None when it is malformed."""
    try:
        moment, provider_id = (value or "").split("|")
        starts_at = datetime.strptime(moment, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        provider = int(provider_id)
    except ValueError:
        return None
    # Anything outside these bounds cannot be a slot (and would overflow date arithmetic).
    if not (2000 <= starts_at.year <= 2200 and 0 < provider <= 2**31 - 1):
        return None
    return starts_at, provider


def providers_for(session, office, visit_type, provider_id=None) -> list[Provider]:
    """Active providers who offer this kind of visit at this office (one of them, if chosen); for
    a visit for new patients, only those who accept new patients."""
    query = (
        select(Provider)
        .where(Provider.active, Provider.offices.contains(office), Provider.visit_types.contains(visit_type))
        .order_by(Provider.name)
    )
    if visit_type.patients == VisitType.NEW:
        query = query.where(Provider.accepts_new_patients)
    if provider_id is not None:
        query = query.where(Provider.id == provider_id)
    return list(session.scalars(query))


def _closed_days(session, office, providers, first: date, last: date) -> dict:
    """{provider id: set of closed dates} from office-wide and provider closures."""
    closures = session.scalars(
        select(Closure).where(
            Closure.starts_on <= last,
            Closure.ends_on >= first,
            (Closure.office_id == office.id) | (Closure.provider_id.in_([p.id for p in providers])),
        )
    ).all()
    closed = {provider.id: set() for provider in providers}
    for closure in closures:
        day = max(closure.starts_on, first)
        while day <= min(closure.ends_on, last):
            for provider in providers:
                if closure.provider_id in (None, provider.id) and closure.office_id in (None, office.id):
                    closed[provider.id].add(day)
            day += timedelta(days=1)
    return closed


def _busy(session, providers, first_utc: datetime, last_utc: datetime) -> dict:
    """{provider id: [(start, end)]} of every block already held, at any office."""
    busy = {provider.id: [] for provider in providers}
    rows = session.execute(
        select(ProviderTimeBlock.provider_id, ProviderTimeBlock.starts_at).where(
            ProviderTimeBlock.provider_id.in_(list(busy)),
            ProviderTimeBlock.starts_at >= first_utc,
            ProviderTimeBlock.starts_at < last_utc,
        )
    )
    for provider_id, starts_at in rows:
        busy[provider_id].append((starts_at, starts_at + GRID))
    return busy


def time_blocks_between(session, office, providers, first: date, last: date) -> list[TimeBlock]:
    """Blocked time that may fall between ``first`` and ``last``: the providers' own (at any
    office) and this office's part-day closures."""
    return list(
        session.scalars(
            select(TimeBlock).where(
                TimeBlock.starts_on <= last,
                (TimeBlock.ends_on.is_(None)) | (TimeBlock.ends_on >= first),
                TimeBlock.provider_id.in_([p.id for p in providers])
                | (TimeBlock.provider_id.is_(None) & (TimeBlock.office_id == office.id)),
            )
        )
    )


def blocks_on(blocks, provider_id, day: date) -> list[tuple[datetime, datetime, TimeBlock]]:
    """The blocks holding the provider's time on ``day`` (their own, and their office's part-day
    closures), each with its aware interval in its block's office zone."""
    return [
        (
            datetime.combine(day, block.starts_at, tzinfo=block.office.tz),
            datetime.combine(day, block.ends_at, tzinfo=block.office.tz),
            block,
        )
        for block in blocks
        if block.provider_id in (None, provider_id) and block.covers(day)
    ]


def blocked_intervals(blocks, provider, day: date) -> list[tuple[datetime, datetime]]:
    """The provider's blocked time on ``day`` as aware intervals."""
    return [(start, end) for start, end, _block in blocks_on(blocks, provider.id, day)]


def time_is_blocked(session, *, office, provider, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether blocked time (the clinician's, or the office's part-day closure) overlaps the
    interval: checked again under the clinician's time lock as a booking or a move is written."""
    day = starts_at.astimezone(office.tz).date()
    blocks = time_blocks_between(session, office, [provider], day, day)
    return any(start < ends_at and starts_at < end for start, end in blocked_intervals(blocks, provider, day))


def slots_by_day(session, *, office, visit_type: VisitType, provider_id, days, now, rules) -> dict:
    """{day: [Slot]} for the given office-local days, one slot per start time.

    With "first available" (``provider_id`` None) each time goes to the provider with the fewest
    bookings that day, so work is shared; ties go to the provider listed first by name.
    """
    providers = providers_for(session, office, visit_type, provider_id)
    if not providers or not days:
        return {day: [] for day in days}
    tz = office.tz
    first, last = min(days), max(days)
    closed = _closed_days(session, office, providers, first, last)
    window_start = datetime.combine(first, datetime.min.time(), tzinfo=tz) - timedelta(days=1)
    window_end = datetime.combine(last, datetime.min.time(), tzinfo=tz) + timedelta(days=2)
    busy = _busy(session, providers, window_start.astimezone(UTC), window_end.astimezone(UTC))
    blocks = time_blocks_between(session, office, providers, first, last)
    hours = session.scalars(
        select(WorkingHours).where(
            WorkingHours.office_id == office.id,
            WorkingHours.provider_id.in_([p.id for p in providers]),
        )
    ).all()
    length = timedelta(minutes=visit_type.duration_minutes)
    buffer = timedelta(minutes=visit_type.buffer_minutes)
    # Each clinician's held time, merged and sorted once: a day looks only at its own stretch.
    held = {provider.id: merged(busy[provider.id]) for provider in providers}
    # "First available" shares work by each clinician's held blocks around the day (as when a
    # single day is searched), however many days one search covers.
    block_starts = {provider.id: sorted(start for start, _ in busy[provider.id]) for provider in providers}

    result = {}
    for day in days:
        day_start = datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC) - timedelta(days=1)
        day_end = day_start + timedelta(days=3)
        by_start = {}
        for provider in providers:
            shifts = [(h.starts, h.ends) for h in hours if h.provider_id == provider.id and h.weekday == day.weekday()]
            if not shifts:
                continue
            starts = free_slots(
                day=day,
                tz=tz,
                shifts=shifts,
                length=length,
                buffer=buffer,
                busy=_within(held[provider.id], day_start, day_end) + blocked_intervals(blocks, provider, day),
                closed=day in closed[provider.id],
                now=now,
                rules=rules,
            )
            starts_held = block_starts[provider.id]
            load = bisect_left(starts_held, day_end) - bisect_left(starts_held, day_start)
            for start in starts:
                by_start.setdefault(start, []).append((load, provider))
        result[day] = [
            Slot(start, min(candidates, key=lambda pair: pair[0])[1]) for start, candidates in sorted(by_start.items())
        ]
    return result


def _within(held, start, end) -> list:
    """The stretches of merged, sorted ``held`` time that overlap ``[start, end)``."""
    starts, ends = held
    first, last = bisect_right(ends, start), bisect_left(starts, end)
    return list(zip(starts[first:last], ends[first:last], strict=True))


def days_with_slots(session, *, office, visit_type, provider_id, now, rules=BookingRules(), earliest=None, limit=14):
    """Up to ``limit`` coming office-local days that still have a free slot, from ``earliest`` on."""
    return list(_open_days(session, office, visit_type, provider_id, now, rules, earliest, limit))


def _open_days(session, office, visit_type, provider_id, now, rules, earliest, limit) -> dict:
    """{day: [Slot]} for up to ``limit`` coming days with a free slot, from ``earliest`` on."""
    today = now.astimezone(office.tz).date()
    days = [day for day in bookable_days(today=today, rules=rules) if earliest is None or day >= earliest]
    found = {}
    # Four weeks at a time: one search usually finds a fortnight of open days (weekends are
    # closed), and a busy calendar looks further on.
    for index in range(0, len(days), 28):
        chunk = days[index : index + 28]
        slots = slots_by_day(
            session, office=office, visit_type=visit_type, provider_id=provider_id, days=chunk, now=now, rules=rules
        )
        found.update((day, slots[day]) for day in chunk if slots[day])
        if len(found) >= limit:
            break
    return dict(list(found.items())[:limit])


def find_slot(session, *, office, visit_type, provider_id, starts_at, chosen_provider_id, now, rules=BookingRules()):
    """The free slot starting at ``starts_at`` with that provider, or None when it is not free."""
    day = starts_at.astimezone(office.tz).date()
    if provider_id is not None and chosen_provider_id != provider_id:
        return None
    providers = providers_for(session, office, visit_type, chosen_provider_id)
    if not providers:
        return None
    slots = slots_by_day(
        session, office=office, visit_type=visit_type, provider_id=chosen_provider_id, days=[day], now=now, rules=rules
    )[day]
    return next((slot for slot in slots if slot.starts_at == starts_at), None)


def moment_key(now: datetime, rules: BookingRules) -> tuple[int, int]:
    """Two moments with the same key see the same free times: they fall in the same quarter hour
    (so the same day in every office, whose midnights are on the quarter hour in UTC) and the
    booking notice ends before the same grid time (every start is on the grid)."""
    first_start = now.astimezone(UTC) + rules.min_notice
    return quarter_hour(now), -((EPOCH - first_start) // GRID)  # the grid time at or after it


def time_still_free(session, *, office, visit_type, provider_id, starts_at, chosen_provider_id, now, rules) -> bool:
    """Whether ``find_slot`` would find the time free; answered again only when the calendar or
    the set-up changed, or the time moved on (see ``moment_key``)."""
    key = (
        versions(session).free_times,
        office.id,
        visit_type.id,
        provider_id,
        starts_at,
        chosen_provider_id,
        rules,
        moment_key(now, rules),
    )
    checked = kept("time_still_free", 4096)
    free = checked.get(key)
    if free is None:
        free = (
            find_slot(
                session,
                office=office,
                visit_type=visit_type,
                provider_id=provider_id,
                starts_at=starts_at,
                chosen_provider_id=chosen_provider_id,
                now=now,
                rules=rules,
            )
            is not None
        )
        checked.put(key, free)
    return free


SOONEST = 3  # the soonest times step 2 offers as one-tap choices


def day_with_slots(session, *, office, visit_type, provider_id, now, rules, chosen_day=None, earliest=None):
    """What a time picker shows: the days with free times, the day on screen (the chosen one if
    it has times, else the first), that day's times and the ``SOONEST`` first times of all those
    days; ``(days, None, [], [])`` when nothing is free. Everything comes from the one search
    that found the days (nothing is computed twice)."""
    open_days = _open_days(session, office, visit_type, provider_id, now, rules, earliest, 14)
    days = list(open_days)
    day = chosen_day if chosen_day in open_days else (days[0] if days else None)
    if day is None:
        return days, None, [], []
    return days, day, open_days[day], soonest_slots(open_days)


def soonest_slots(open_days: dict, count: int = SOONEST) -> list[Slot]:
    """The first ``count`` slots of ``{day: [Slot]}`` (days and slots in order), across days."""
    return list(islice(chain.from_iterable(open_days.values()), count))
