"""Booking the same time from many threads at the same instant, each in its own app and connection
pool: the races of tests/booking/test_race.py, test_upcoming_cap_race.py and the desk's
tests/admin/test_desk_booking.py."""

import threading
from datetime import UTC, datetime

from clinic_app import create_app
from clinic_app.booking import service
from clinic_app.extensions import db
from clinic_app.models import BookingDraft

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 8:00 AM in Fairfax


def all_at_once(url, jobs, refusals):
    """Run every ``job(session)`` together, each in its own thread and app, after it has prepared
    (``job.prepare(session)``, if it has one); one outcome each: ``("booked", appointment id)``
    for a booking, ``("done", None)`` for anything else that went through, the name ``refusals``
    gives a refusal's exception class with its message, or ``("error", …)`` for anything else
    (a bug the test must show)."""
    apps = [create_app("testing", SQLALCHEMY_DATABASE_URI=url) for _ in jobs]
    start = threading.Barrier(len(jobs))
    outcomes = []

    def run(app, job):
        with app.app_context():
            prepared = job.prepare(db.session) if hasattr(job, "prepare") else None
            db.session.commit()  # hold no transaction (and no SQLite lock) while waiting
            start.wait()
            try:
                result = job(db.session, prepared)
                outcomes.append(("booked", result.appointment.id) if hasattr(result, "appointment") else ("done", None))
            except tuple(refusals) as refused:
                outcomes.append((refusals[type(refused)], str(refused)))
            except Exception as error:
                outcomes.append(("error", repr(error)))
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=pair) for pair in zip(apps, jobs, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


class Confirm:
    """A patient pressing "Confirm" on the draft ``draft_id``."""

    def __init__(self, draft_id, **options):
        self.draft_id, self.options = draft_id, options

    def prepare(self, session):
        return session.get(BookingDraft, self.draft_id)

    def __call__(self, session, draft):
        return service.confirm_booking(session, draft, NOW, **self.options)


def confirm_all_at_once(url, draft_ids, refusals, **options):
    """Every draft confirmed together (see ``all_at_once``)."""
    return all_at_once(url, [Confirm(draft_id, **options) for draft_id in draft_ids], refusals)
