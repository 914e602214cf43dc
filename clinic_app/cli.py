"""Command-line tasks: ``flask seed``, ``flask outbox send``."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .notify.outbox import send_pending
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


@click.group("outbox")
def outbox_group():
    """Deliver queued email."""


@outbox_group.command("send")
@click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
@with_appcontext
def outbox_send_command(limit):
    """Deliver every email that is due, then exit (for cron)."""
    report = send_pending(limit=limit)
    click.echo(f"sent {report.sent}, will retry {report.retrying}, failed {report.failed}")


def register_commands(app):
    """Attach the clinic's commands to ``flask``."""
    app.cli.add_command(seed_command)
    app.cli.add_command(outbox_group)
