"""Command-line tasks: ``flask seed``."""

import click
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .seed import seed_offices


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the clinic's offices and opening hours (safe to run again)."""
    changes = seed_offices(db.session, current_app.config["OFFICE_SETTINGS"])
    db.session.commit()
    if changes:
        for change in changes:
            click.echo(change)
    else:
        click.echo("Seed data already in place; nothing changed.")


def register_commands(app):
    """Attach the clinic's commands to ``flask``."""
    app.cli.add_command(seed_command)
