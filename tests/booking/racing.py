"""Confirming many drafts at the same instant, each in its own thread, app and connection pool:
the booking races of tests/booking/test_race.py and test_upcoming_cap_race.py."""

import threading
from datetime import UTC, datetime

from clinic_app import create_app
from clinic_app.booking import service
from clinic_app.extensions import db
from clinic_app.models import BookingDraft

NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)  # Monday 8:00 AM in Fairfax


def confirm_all_at_once(url, draft_ids, refusals, **options):
    """Release every confirmation together; one outcome each: ``("booked", appointment id)``, the
    name ``refusals`` gives a refusal's exception class with its message, or ``("error", …)`` for
    anything else (a bug the test must show)."""
    apps = [create_app("testing", SQLALCHEMY_DATABASE_URI=url) for _ in draft_ids]
    start = threading.Barrier(len(draft_ids))
    outcomes = []

    def confirm(app, draft_id):
        with app.app_context():
            draft = db.session.get(BookingDraft, draft_id)
            db.session.commit()  # hold no transaction (and no SQLite lock) while waiting
            start.wait()
            try:
                booked = service.confirm_booking(db.session, draft, NOW, **options)
                outcomes.append(("booked", booked.appointment.id))
            except tuple(refusals) as refused:
                outcomes.append((refusals[type(refused)], str(refused)))
            except Exception as error:
                outcomes.append(("error", repr(error)))
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=confirm, args=pair) for pair in zip(apps, draft_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
