"""Periodic jobs for the workers (the daily purge, and what comes later): each runs once per
period however many workers run, because a worker runs it only after moving its next run on in
one conditional update that only one worker can win."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from .models import ScheduledJob


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[], object]


def claim(session, name: str, every: timedelta, now: datetime) -> bool:
    """Whether this worker runs ``name`` now: it is due, and this worker moved its next run on."""
    if session.get(ScheduledJob, name) is None:
        session.add(ScheduledJob(name=name, next_run_at=now))
        try:
            session.commit()
        except IntegrityError:  # another worker made the row a moment ago
            session.rollback()
    claimed = session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == name, ScheduledJob.next_run_at <= now)
        .values(next_run_at=now + every, last_run_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return claimed == 1


def run_due(session, jobs, now: datetime) -> list[str]:
    """Run every job that is due and that this worker claims; their names."""
    ran = []
    for job in jobs:
        if claim(session, job.name, job.every, now):
            job.run()
            ran.append(job.name)
    return ran
