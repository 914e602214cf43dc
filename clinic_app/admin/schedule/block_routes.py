"""Blocked time within a day: the list of coming and repeating blocks, a form to add one (refused,
with the list, while booked visits fall in it) and "Remove" on each. Thin views over blocks.py."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from ... import clock
from ...database import found_or_404
from ...extensions import db
from .. import bp
from ..auth.access import visible_offices, visible_providers
from ..auth.forms import ActionForm
from .blocks import (
    BlockOverBookings,
    BlockRequest,
    add_block,
    block_for,
    blocks_for,
    booking_line,
    describe,
    remove_block,
)
from .forms import BlockForm, chosen_id
from .routes import clinic_today
from .service import ScheduleError


def block_form():
    form = BlockForm()
    form.office.choices = [SelectChoice(str(o.id), o.name) for o in visible_offices(db.session, current_user)]
    form.provider.choices = [SelectChoice("", "The whole office (closed for part of the day)")] + [
        SelectChoice(str(p.id), p.display_name) for p in visible_providers(db.session, current_user) if p.active
    ]
    return form


def blocks_page(form, status=200, covered=(), elsewhere=0):
    mine = {office.id for office in visible_offices(db.session, current_user)}
    rows = [
        {"id": block.id, "can_remove": block.office_id in mine, **describe(block)}
        for block in blocks_for(db.session, current_user, clinic_today())
    ]
    return (
        render_template(
            "admin/schedule/blocks.html",
            form=form,
            rows=rows,
            covered=[(a.id, booking_line(a)) for a in covered],
            elsewhere=elsewhere,
            remove_form=ActionForm(),
        ),
        status,
    )


@bp.route("/blocks", methods=["GET", "POST"])
def blocks():
    """Blocked time to come, and a form to block more."""
    form = block_form()
    if not form.validate_on_submit():
        return blocks_page(form, 422 if form.errors else 200)
    request = BlockRequest(
        office_id=chosen_id(form.office.data),
        provider_id=chosen_id(form.provider.data),
        kind=form.kind.data,
        starts_on=form.starts_on.data,
        starts_at=form.starts_at.data,
        ends_at=form.ends_at.data,
        weekly=form.weekly.data,
        ends_on=form.ends_on.data,
    )
    try:
        block = add_block(db.session, current_user, request, clock.now(), clinic_today())
    except BlockOverBookings as refused:
        form.form_errors.append(
            "Visits are booked in that time. Move or cancel them first (links below), then block the time."
        )
        return blocks_page(form, 422, covered=refused.appointments, elsewhere=refused.elsewhere)
    except ScheduleError as refused:
        for name, message in refused.problems.items():
            getattr(form, name).errors.append(message)
        return blocks_page(form, 422)
    details = describe(block)
    flash(f"Blocked: {details['who']}, {details['what'].lower()}, {details['when']}.", "info")
    return redirect(url_for("admin.blocks"), 303)


@bp.post("/blocks/<int(max=2147483647):block_id>/remove")
def remove_time_block(block_id):
    """Free the time again (it is offered online at once)."""
    block = found_or_404(block_for(db.session, current_user, block_id))
    if ActionForm().validate_on_submit():
        details = describe(block)
        remove_block(db.session, current_user, block, clock.now(), current_app.config["BOOKING_HORIZON_DAYS"])
        flash(f"Removed: {details['who']}, {details['what'].lower()}, {details['when']}.", "info")
    return redirect(url_for("admin.blocks"), 303)
