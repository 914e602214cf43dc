"""Periodic jobs of the workers: each runs once per period however many workers run; the
outbox worker runs the purge of what is kept no longer."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.models import PatientQuestion, ScheduledJob
from clinic_app.scheduler import Job, claim, run_due

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.fixture
def app(each_database_app):
    return each_database_app


def test_a_job_runs_once_per_period(app):
    runs = []
    jobs = [Job("purge", DAY, lambda: runs.append(1))]
    with app.app_context():
        assert run_due(db.session, jobs, NOW) == ["purge"]
        assert run_due(db.session, jobs, NOW + timedelta(hours=23)) == []
        assert run_due(db.session, jobs, NOW + DAY) == ["purge"]
    assert len(runs) == 2


def test_of_several_workers_claiming_at_once_exactly_one_runs_the_job(app):
    results, barrier = [], threading.Barrier(4)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(claim(db.session, "purge", DAY, NOW))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_worker_round_purges_what_is_kept_no_longer(app, offices):
    from clinic_app.cli import worker_tasks

    old = datetime.now(UTC) - timedelta(days=app.config["QUESTION_RETENTION_DAYS"] + 1)
    with app.app_context():
        fairfax = offices["fairfax"]
        db.session.add_all(
            [
                PatientQuestion(office_id=fairfax.id, name="Old", email="a@example.org", message="x", created_at=old),
                PatientQuestion(office_id=fairfax.id, name="New", email="b@example.org", message="y"),
            ]
        )
        db.session.commit()
        stop = threading.Event()
        for task in worker_tasks():
            task(stop)
        names = {q.name for q in db.session.scalars(select(PatientQuestion))}
        assert names == {"New"}
        # The next purge is a day away, for every worker.
        job = db.session.get(ScheduledJob, "purge")
        assert job.next_run_at > datetime.now(UTC) + timedelta(hours=23)
