"""The waitlist per office, for the front desk: who waits for what, since when, what was offered."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from ... import clock
from ...booking import waitlist
from ...database import found_or_404
from ...extensions import db
from ...formatting import local_time
from ...models import WaitlistEntry, WaitlistStatus
from ...texting.numbers import national
from .. import bp
from ..auth.access import audit, visible_office_ids
from ..auth.forms import ActionForm
from .today_routes import chosen_office


@bp.get("/waitlist")
def waitlist_page():
    """The office's waiting patients in the order they joined (the order offers go out in)."""
    office, offices = chosen_office()
    entries = waitlist.entries_for_staff(db.session, office.id)
    return render_template(
        "admin/desk/waitlist.html",
        office=office,
        offices=offices,
        entries=entries,
        local_time=local_time,
        national=national,
        labels=WaitlistStatus.LABELS,
        action_form=ActionForm(),
    )


@bp.post("/waitlist/<int(max=2147483647):entry_id>/remove")
def remove_from_waitlist(entry_id):
    """Take a patient off the list (they asked by phone, or booked another way); audited."""
    entry = db.session.get(WaitlistEntry, entry_id)
    if entry is None or entry.office_id not in visible_office_ids(db.session, current_user):
        found_or_404(None)
    if ActionForm().validate_on_submit() and entry.is_waiting:
        audit(db.session, current_user, "waitlist_removed", entry.appointment, office=entry.office.slug, entry=entry.id)
        waitlist.leave(db.session, entry, clock.now())
        flash("Removed from the waitlist.", "info")
    return redirect(url_for("admin.waitlist_page", office=entry.office.slug), 303)
