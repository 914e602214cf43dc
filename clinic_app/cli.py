"""Command-line tasks: ``flask seed``, ``flask outbox send``."""

import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from .booking.notifications import queue_reminder_email
from .booking.reminders import queue_due_reminders
from .extensions import db
from .notify.outbox import send_pending
from .notify.worker import run_worker, stop_on_signals
from .seed import seed_offices, seed_scheduling
from .timeutil import utcnow


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the offices, visit types, providers and their hours (safe to run again)."""
    changes = seed_offices(db.session, current_app.config["OFFICE_SETTINGS"])
    db.session.flush()
    changes += seed_scheduling(db.session)
    db.session.commit()
    if changes:
        for change in changes:
            click.echo(change)
    else:
        click.echo("Seed data already in place; nothing changed.")


def queue_reminders():
    """Queue the reminders that are due now."""
    lead = timedelta(hours=current_app.config["REMINDER_LEAD_HOURS"])
    return queue_due_reminders(db.session, utcnow(), lead, queue_reminder_email)


def release_database():
    """End the round's transaction, so a sleeping worker holds no database lock."""
    db.session.remove()


def background_tasks():
    """What each worker round does: queue due reminders, deliver due email, let go of the database."""
    return (queue_reminders, send_pending, release_database)


@click.group("outbox")
def outbox_group():
    """Deliver queued email."""


@outbox_group.command("send")
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
@with_appcontext
def outbox_send_command(limit):
    """Queue due reminders, deliver every email that is due, then exit (for cron)."""
    reminders = queue_reminders()
    report = send_pending(limit=limit)
    click.echo(f"reminders queued {reminders}; sent {report.sent}, will retry {report.retrying}, failed {report.failed}")


@outbox_group.command("work")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def outbox_work_command(poll):
    """Keep delivering email (and reminders) until stopped with SIGTERM or Ctrl-C."""
    stop = threading.Event()
    stop_on_signals(stop)
    click.echo(f"Outbox worker started (every {poll:g} s); stop with SIGTERM or Ctrl-C.")
    rounds = run_worker(stop, poll, tasks=background_tasks())
    click.echo(f"Outbox worker stopped after {rounds} round(s).")


def register_commands(app):
    """Attach the clinic's commands to ``flask``."""
    app.cli.add_command(seed_command)
    app.cli.add_command(outbox_group)
