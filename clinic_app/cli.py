"""Command-line tasks: ``flask seed``, ``outbox send|work``, ``reminders queue``, ``purge`` (also ``retention purge``),
``assets build``, ``users create|set-password|list|disable|enable|reset-second-factor``."""

import logging
import os
import threading
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from . import clock
from .admin.auth.accounts import (
    AccountRefused,
    all_accounts,
    change_password,
    disable_account,
    enable_account,
    find_account,
    password_problem,
)
from .admin.auth.second_factor import reset_second_factor
from .assets import build_assets
from .booking.notifications import queue_reminder_email, queue_waitlist_offer
from .booking.reminders import queue_due_reminders
from .booking.service import purge_expired_drafts
from .booking.steps import booking_rules
from .booking.waitlist import offer_freed_time
from .extensions import db
from .models import Office, Role, StaffUser
from .notify.outbox import send_pending
from .notify.worker import run_worker, stop_on_signals
from .retention import RetentionPolicy, purge
from .scheduler import Job, run_due
from .seed import seed_offices, seed_scheduling


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
    return queue_due_reminders(db.session, clock.now(), current_app.config["REMINDER_HOURS"], queue_reminder_email)


def purge_abandoned_drafts():
    """Delete booking drafts left past their time, so what patients typed is not kept for hours."""
    deleted = purge_expired_drafts(db.session, clock.now())
    db.session.commit()
    return deleted


def offer_waitlist():
    """Offer freed time to waiting patients (and end offers and entries that ran out)."""
    config = current_app.config
    return offer_freed_time(
        db.session,
        clock.now(),
        batch=config["WAITLIST_OFFER_BATCH"],
        lifetime=timedelta(minutes=config["WAITLIST_OFFER_MINUTES"]),
        rules=booking_rules(),
        notify=queue_waitlist_offer,
    )


def release_database():
    """End the round's transaction, so a sleeping worker holds no database lock."""
    db.session.remove()


def worker_tasks(with_reminders=False):
    """What each worker round does: (queue due reminders,) deliver due email and texts, delete
    abandoned booking drafts, run the periodic jobs that are due (waitlist offers once a minute,
    the purge of what is kept no longer once per PURGE_EVERY_HOURS, each across every worker),
    let go of the database.

    Each task gets the worker's stop event; delivery looks at it before every email.
    """
    jobs = [
        Job("purge", timedelta(hours=current_app.config["PURGE_EVERY_HOURS"]), purge_expired_records),
        # Once a minute across every worker: a freed time reaches the waitlist within a minute.
        Job("waitlist", timedelta(minutes=1), offer_waitlist),
    ]
    tasks = [
        lambda stop: send_pending(should_stop=stop.is_set),
        lambda stop: purge_abandoned_drafts(),
        lambda stop: run_due(db.session, jobs, clock.now()),
        lambda stop: release_database(),
    ]
    if with_reminders:
        tasks.insert(0, lambda stop: queue_reminders())
    return tasks


@click.group("outbox")
def outbox_group():
    """Deliver queued email."""


@outbox_group.command("send")
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
@with_appcontext
def outbox_send_command(limit):
    """Queue due reminders, deliver every email that is due, then exit (for cron)."""
    reminders = queue_reminders()
    ran = run_due(db.session, [Job("waitlist", timedelta(minutes=1), offer_waitlist)], clock.now())
    offers = "ran" if ran else "not due"
    report = send_pending(limit=limit)
    click.echo(
        f"reminders queued {reminders}; waitlist {offers}; "
        f"sent {report.sent}, will retry {report.retrying}, failed {report.failed}, not sent (STOP) {report.skipped}"
    )


@outbox_group.command("work")
@click.option("--poll", type=float, help="Seconds between rounds (default: OUTBOX_POLL_SECONDS).")
@click.option(
    "--reminders/--no-reminders",
    default=True,
    show_default=True,
    help="Also queue due reminders each round (production leaves that to the reminders timer).",
)
@with_appcontext
def outbox_work_command(poll, reminders):
    """Keep delivering email until stopped with SIGTERM or Ctrl-C (the email in hand is finished)."""
    poll = poll if poll is not None else current_app.config["OUTBOX_POLL_SECONDS"]
    stop = threading.Event()
    stop_on_signals(stop)
    click.echo(f"Outbox worker started (every {poll:g} s); stop with SIGTERM or Ctrl-C.")
    rounds = run_worker(stop, poll, tasks=worker_tasks(with_reminders=reminders))
    click.echo(f"Outbox worker stopped after {rounds} round(s).")


@click.group("reminders")
def reminders_group():
    """Appointment reminders."""


@reminders_group.command("queue")
@with_appcontext
def reminders_queue_command():
    """Queue the reminders that are due now (the worker delivers them); safe to run on every host."""
    click.echo(f"reminders queued {queue_reminders()}")


@click.group("assets")
def assets_group():
    """Static files for nginx."""


@assets_group.command("build")
@click.argument("destination", type=click.Path(file_okay=False))
@with_appcontext
def assets_build_command(destination):
    """Copy static files under fingerprinted names into DESTINATION (earlier copies are kept)."""
    written = build_assets(current_app.static_folder, destination)
    click.echo(f"{len(written)} new file(s) in {destination}" + "".join(f"\n  {name}" for name in written))


logger = logging.getLogger("clinic_app.retention")


@click.group("retention")
def retention_group():
    """Keeping patients' data no longer than needed."""


def purge_expired_records():
    """Remove what is kept no longer; the report (counts only), also logged."""
    config = current_app.config
    policy = RetentionPolicy(
        email_body_days=config["EMAIL_BODY_RETENTION_DAYS"],
        appointment_years=config["PATIENT_RECORD_RETENTION_YEARS"],
        cancelled_days=config["CANCELLED_BOOKING_RETENTION_DAYS"],
        question_days=config["QUESTION_RETENTION_DAYS"],
        waitlist_days=config["WAITLIST_RETENTION_DAYS"],
    )
    report = purge(db.session, clock.now(), policy)
    logger.info("%s", report)  # counts only
    return report


@click.command("purge")
@with_appcontext
def purge_command():
    """Remove what is kept no longer: expired booking drafts, patient details of appointments
    past their keeping time, old questions, and what old sent emails said. The outbox worker
    runs this every PURGE_EVERY_HOURS; the command is for a timer or by hand."""
    click.echo(str(purge_expired_records()))


retention_group.add_command(purge_command)  # also `flask retention purge`, as the timer calls it


@click.group("users")
def users_group():
    """Back-office accounts."""


def _read_password(env_name, email, name="", current_hash_matches=None):
    """The new password (from ``env_name`` or prompted twice), refused unless it is strong enough."""
    password = os.environ.get(env_name) or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, email=email, name=name, current_hash_matches=current_hash_matches)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    return password


def _account(email):
    user = find_account(db.session, email)
    if user is None:
        raise click.BadParameter(f"no account for {email}", param_hint="--email")
    return user


@users_group.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", default="", help="Name shown in bookings' history.")
@click.option("--role", type=click.Choice(Role.ALL), required=True, help="admin: every office; staff: chosen offices.")
@click.option("--office", "offices", multiple=True, help="Office slug (repeat for several); required for staff.")
@with_appcontext
def users_create_command(email, name, role, offices):
    """Create a user; the password is prompted for, or read from CLINIC_USER_PASSWORD."""
    email = email.strip().lower()
    if find_account(db.session, email):
        raise click.BadParameter(f"{email} already has an account", param_hint="--email")
    chosen = list(db.session.scalars(select(Office).where(Office.slug.in_(offices))))
    if len(chosen) != len(set(offices)):
        raise click.BadParameter(
            "unknown office; use " + ", ".join(db.session.scalars(select(Office.slug))), param_hint="--office"
        )
    if role == Role.STAFF and not chosen:
        raise click.BadParameter("staff need at least one --office", param_hint="--office")
    user = StaffUser(email=email, name=name, role=role, offices=chosen)
    user.set_password(_read_password("CLINIC_USER_PASSWORD", email, name))
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email}" + (f" for {', '.join(o.slug for o in chosen)}" if chosen else ""))


@users_group.command("set-password")
@click.option("--email", required=True)
@with_appcontext
def users_set_password_command(email):
    """Set a user's password (prompted, or CLINIC_USER_PASSWORD); their sessions end."""
    user = _account(email)
    password = _read_password("CLINIC_USER_PASSWORD", user.email, user.name, user.check_password)
    change_password(user, password)
    db.session.commit()
    click.echo(f"Password changed for {user.email}; their sessions are ended.")


@users_group.command("list")
@with_appcontext
def users_list_command():
    """Every account: email, role, offices, whether it is on, and its last sign-in (UTC)."""
    for user in all_accounts(db.session):
        offices = ", ".join(office.slug for office in user.offices) or ("every office" if user.is_admin else "none")
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_login_at else "never signed in"
        state = "active" if user.active else "DISABLED"
        click.echo(f"{user.email}\t{user.role}\t{offices}\t{state}\t{last}")


@users_group.command("disable")
@click.option("--email", required=True)
@with_appcontext
def users_disable_command(email):
    """Turn an account off: no more sign-ins, and its open sessions end at once."""
    user = _account(email)
    try:
        disable_account(db.session, user)
    except AccountRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Disabled {user.email}; their sessions are ended.")


@users_group.command("enable")
@click.option("--email", required=True)
@with_appcontext
def users_enable_command(email):
    """Turn a disabled account back on (with its old password)."""
    user = _account(email)
    enable_account(db.session, user)
    db.session.commit()
    click.echo(f"Enabled {user.email}.")


@users_group.command("reset-second-factor")
@click.option("--email", required=True)
@with_appcontext
def users_reset_second_factor_command(email):
    """Forget a user's authenticator app and recovery codes (a lost phone): their sessions end and
    their next sign-in sets up a new app."""
    user = _account(email)
    reset_second_factor(db.session, user)
    db.session.commit()
    click.echo(f"Second step reset for {user.email}; they set it up again at their next sign-in.")


def register_commands(app):
    """Attach the clinic's commands to ``flask``."""
    app.cli.add_command(users_group)
    app.cli.add_command(seed_command)
    app.cli.add_command(outbox_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(purge_command)
    app.cli.add_command(assets_group)
