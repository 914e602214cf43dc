"""Benchmark data: a database migrated and seeded as `make run` does, filled with appointments
(history in the past, a realistic coming fortnight), and a signed-in staff member's session."""

import itertools
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pyotp
from sqlalchemy import func, insert, select, text

from clinic_app import create_app
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.service import REFERENCE_ALPHABET, token_hash
from clinic_app.booking.slots import BookingRules, time_blocks
from clinic_app.extensions import db
from clinic_app.models import Appointment, Office, Provider, ProviderTimeBlock, StaffUser, VisitType

ADMIN_EMAIL = "bench.admin@example.org"
ADMIN_PASSWORD = "bench correct horse battery staple"
COMING = 300  # visits booked over the coming fortnight, the same at any size of history


def fill(database_url: str, appointments: int, seed: int = 7) -> str:
    """Add ``appointments`` appointments and the benchmark's admin; the admin's TOTP secret."""
    rng = random.Random(seed)
    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        now = datetime.now(UTC)
        offices = db.session.scalars(select(Office)).all()
        providers = db.session.scalars(select(Provider).where(Provider.active)).all()
        visit_types = db.session.scalars(select(VisitType).where(VisitType.active)).all()
        coming = _coming(now, offices, visit_types, min(COMING, appointments), rng)
        past = appointments - len(coming)
        rows = []
        for index in range(past):  # the practice's history: one visit per clinician per half hour, going back
            provider = providers[index % len(providers)]
            office = next(o for o in offices if o in provider.offices)
            starts_at = now.replace(minute=0, second=0, microsecond=0) - timedelta(
                days=1, minutes=30 * (index // len(providers))
            )
            rows.append(_row(office, provider, rng.choice(visit_types), starts_at, "completed", now, rng))
        _insert(rows, [])
        _insert(*coming_rows(coming, now, rng))
        secret = pyotp.random_base32()
        if db.session.scalars(select(StaffUser).filter_by(email=ADMIN_EMAIL)).first() is None:
            user = StaffUser(
                email=ADMIN_EMAIL, name="Bench Admin", role="admin", totp_secret=secret, totp_confirmed_at=now
            )
            user.set_password(ADMIN_PASSWORD)
            db.session.add(user)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # what autovacuum does within a minute of a bulk load
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return secret


def _coming(now, offices, visit_types, count, rng):
    """Free slots over the coming fortnight, taken in random order (without overlaps)."""
    chosen, held = [], set()
    rules = BookingRules()
    days = [(now + timedelta(days=n)).date() for n in range(1, 15)]
    candidates = []
    for office in offices:
        for visit_type in visit_types:
            by_day = slots_by_day(
                db.session, office=office, visit_type=visit_type, provider_id=None, days=days, now=now, rules=rules
            )
            candidates += [(office, visit_type, slot) for day in days for slot in by_day[day]]
    rng.shuffle(candidates)
    for office, visit_type, slot in candidates:
        length = timedelta(minutes=visit_type.duration_minutes)
        needed = {
            (slot.provider.id, b)
            for b in time_blocks(slot.starts_at, length, timedelta(minutes=visit_type.buffer_minutes))
        }
        if needed & held:
            continue
        held |= needed
        chosen.append((office, visit_type, slot))
        if len(chosen) == count:
            break
    return chosen


def coming_rows(coming, now, rng):
    rows, blocks = [], []
    for office, visit_type, slot in coming:
        row = _row(office, slot.provider, visit_type, slot.starts_at, "booked", now, rng)
        rows.append(row)
        length = timedelta(minutes=visit_type.duration_minutes)
        blocks.append(
            [
                (slot.provider.id, b)
                for b in time_blocks(slot.starts_at, length, timedelta(minutes=visit_type.buffer_minutes))
            ]
        )
    return rows, blocks


_SERIAL = itertools.count()


def _reference(number: int) -> str:
    """A booking reference unique to ``number`` (random ones collide now and then at 100,000)."""
    letters = []
    for _ in range(8):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        letters.append(REFERENCE_ALPHABET[digit])
    return "".join(reversed(letters))


def _row(office, provider, visit_type, starts_at, status, now, rng) -> dict:
    return {
        "reference": _reference(next(_SERIAL)),
        "office_id": office.id,
        "provider_id": provider.id,
        "visit_type_id": visit_type.id,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=visit_type.duration_minutes),
        "status": status,
        "first_name": rng.choice(["Ana", "Ben", "Cara", "Dev", "Eli", "Fay"]),
        "last_name": f"Patient{rng.randrange(10**6)}",
        "date_of_birth": date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)),
        "phone": "(703) 555-0100",
        "email": f"p{uuid.uuid4().hex[:10]}@example.org",
        "is_new_patient": False,
        "insurance": "",
        "notes": "",
        "reason": "back-pain",
        "consent_to_contact": True,
        "source": "online",
        "clinician_chosen": False,
        "screening": {},
        "screening_outcome": "clear",
        "manage_token_hash": token_hash(uuid.uuid4().hex),
        "booking_key": uuid.uuid4().hex,
        "sequence": 0,
        "created_at": now - timedelta(days=30),
        "updated_at": now - timedelta(days=30),
    }


def _insert(rows, blocks, chunk=2000):
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        ids = db.session.scalars(
            insert(Appointment).returning(Appointment.id, sort_by_parameter_order=True), part
        ).all()
        held = blocks[start : start + chunk] if blocks else [[] for _ in ids]
        block_rows = [
            {"provider_id": provider_id, "starts_at": moment, "appointment_id": appointment_id}
            for appointment_id, pairs in zip(ids, held, strict=True)
            for provider_id, moment in pairs
        ]
        if block_rows:
            db.session.execute(insert(ProviderTimeBlock), block_rows)
        db.session.commit()


def middle_of_history(database_url: str) -> str:
    """The bookings list's address for the page in the middle of all the appointments ever
    made (the list pages by time: this page costs what the first does, or the issue is back)."""
    from clinic_app.admin.bookings.queries import LIST_ORDER
    from clinic_app.database import cursor

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Appointment))
        middle = db.session.scalars(select(Appointment).order_by(*LIST_ORDER).offset(total // 2).limit(1)).one()
        place = cursor(middle, LIST_ORDER)
        db.session.remove()
        db.engine.dispose()
    return f"/admin/?date_from=2000-01-01&after={place}&page={total // 2 // 25 + 1}"
