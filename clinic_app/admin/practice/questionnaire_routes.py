"""The screening questionnaire in the back office: everyone reads the version in force and the
history; admins edit a draft (in English, and in Spanish for the Spanish pages) and publish it.
Thin views over ``questionnaire.py``."""

import re
from datetime import datetime, time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import clock
from ...booking.questionnaires import current, policy_html
from ...database import found_or_404
from ...extensions import db
from ...formatting import local_time
from ...models import ScreeningVersion
from .. import bp
from ..auth.access import home_zone, offices_today
from ..auth.forms import ActionForm
from .forms import draft_form_class
from .questionnaire import (
    DraftRequest,
    QuestionRow,
    discard_draft,
    missing_spanish,
    publish,
    save_draft,
    spanish_gaps,
    spanish_of,
    start_draft,
    versions,
    withdraw,
)
from .settings import SettingsInvalid
from .user_routes import admins_only, show_problems

EMPTY_ROWS = 2
ROW_FIELD = re.compile(r"q([0-9]{1,2})_[a-z]+", re.ASCII)


def version_rows():
    zone, now = home_zone(db.session, current_user), clock.now()
    return [
        {
            "version": v,
            "label": v.version or "Draft",
            "from": local_time(v.published_at, zone) if v.published_at else "",
            "questions": len(v.questions),
            "waiting": v.published_at is not None and v.published_at > now,
            "spanish_missing": missing_spanish(v),
        }
        for v in versions(db.session)
    ]


@bp.get("/screening")
def screening():
    """The questionnaire in force, and every version (drafts first)."""
    in_force = current(db.session, clock.now())
    return render_template("admin/practice/screening.html", in_force=in_force, rows=version_rows(), action=ActionForm())


@bp.post("/screening/draft")
def start_screening_draft():
    """Start a new version from the one in force (or go on with the draft already started)."""
    admins_only()
    if not ActionForm().validate_on_submit():
        abort(400)
    draft = start_draft(db.session, current_user, clock.now())
    db.session.commit()
    return redirect(url_for("admin.screening_version", version_id=draft.id), 303)


def rows_posted() -> int:
    """How many question rows the posted draft form has (at most 60)."""
    indexes = [int(m.group(1)) for name in request.form if (m := ROW_FIELD.fullmatch(name))]
    return min(max(indexes, default=0) + 1, 60)


def draft_request(form, rows) -> DraftRequest:
    return DraftRequest(
        questions=tuple(
            QuestionRow(
                key=form[f"q{i}_key"].data or "",
                text=form[f"q{i}_text"].data or "",
                help=form[f"q{i}_help"].data or "",
                yes_means=form[f"q{i}_yes"].data or "",
                spanish_text=form[f"q{i}_spanish_text"].data or "",
                spanish_help=form[f"q{i}_spanish_help"].data or "",
                spanish_yes_means=form[f"q{i}_spanish_yes"].data or "",
            )
            for i in range(rows)
        ),
        acknowledgement=form.acknowledgement.data or "",
        policy=form.policy.data or "",
        spanish_acknowledgement=form.spanish_acknowledgement.data or "",
        spanish_policy=form.spanish_policy.data or "",
    )


def fill_draft_form(form, version) -> None:
    """The form as the stored draft reads, in English and Spanish."""
    spanish = spanish_of(version)
    for index, question in enumerate(version.questions):
        wording = spanish["questions"][question["key"]]
        form[f"q{index}_key"].data, form[f"q{index}_text"].data = question["key"], question["text"]
        form[f"q{index}_help"].data = question.get("help", "")
        form[f"q{index}_yes"].data = question.get("yes_means", "")
        form[f"q{index}_spanish_text"].data = wording["text"]
        form[f"q{index}_spanish_help"].data = wording["help"]
        form[f"q{index}_spanish_yes"].data = wording["yes_means"]
    form.acknowledgement.data, form.policy.data = version.acknowledgement, version.policy
    form.spanish_acknowledgement.data, form.spanish_policy.data = spanish["acknowledgement"], spanish["policy"]


@bp.route("/screening/<int(max=2147483647):version_id>", methods=["GET", "POST"])
def screening_version(version_id):
    """A version: read-only once published; a draft is edited here, then published."""
    version = found_or_404(db.session.get(ScreeningVersion, version_id))
    if not version.is_draft or not current_user.is_admin:
        if request.method == "POST":
            abort(404)
        spanish = spanish_of(version)
        return render_template(
            "admin/practice/screening_version.html",
            version=version,
            policy=policy_html(version.policy),
            spanish=spanish,
            spanish_policy=policy_html(spanish["policy"]) if spanish["policy"] else "",
            spanish_missing=missing_spanish(version),
            spanish_gaps=spanish_gaps(missing_spanish(version)),
        )
    rows = rows_posted() if request.method == "POST" else len(version.questions) + EMPTY_ROWS
    form = draft_form_class(rows)()
    if request.method == "GET":
        fill_draft_form(form, version)
        form.publish_on.data = offices_today(db.session, current_user, clock.now())
    elif form.validate_on_submit():
        try:
            save_draft(db.session, current_user, version, draft_request(form, rows))
            if request.form.get("action") == "publish":
                when, day = publish_moment(form.publish_on.data)
                publish(db.session, current_user, version, when, day)
        except SettingsInvalid as invalid:
            db.session.rollback()
            show_problems(form, invalid.problems)
        else:
            db.session.commit()
            if version.is_draft:
                flash("Draft saved. Patients still see the version in force until you publish.", "info")
                return redirect(url_for("admin.screening_version", version_id=version.id), 303)
            since = local_time(version.published_at, home_zone(db.session, current_user))
            flash(
                f"Published version {version.version}: from {since} every form asks these questions "
                "and the banner shows again." + "".join(f" {line}" for line in spanish_gaps(missing_spanish(version))),
                "info",
            )
            return redirect(url_for("admin.screening"), 303)
    status = 422 if form.errors else 200
    return render_template(
        "admin/practice/screening_draft.html",
        version=version,
        form=form,
        rows=rows,
        action=ActionForm(),
        spanish_missing=missing_spanish(version),
        spanish_gaps=spanish_gaps(missing_spanish(version)),
    ), status


def publish_moment(day):
    """From the start of ``day`` in the admin's offices' zone (today: now)."""
    now = clock.now()
    zone = home_zone(db.session, current_user)
    today = now.astimezone(zone).date()
    if day is None or day <= today:
        return now, today
    return datetime.combine(day, time.min, tzinfo=zone), day


@bp.post("/screening/<int(max=2147483647):version_id>/withdraw")
def withdraw_screening_version(version_id):
    """Take back a version published for a later day, before it takes over."""
    admins_only()
    version = found_or_404(db.session.get(ScreeningVersion, version_id))
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        withdraw(db.session, current_user, version, clock.now())
    except SettingsInvalid as refused:
        flash(refused.problems["publish_on"], "error")
    else:
        db.session.commit()
        flash("Withdrawn: the version in force stays.", "info")
    return redirect(url_for("admin.screening"), 303)


@bp.post("/screening/<int(max=2147483647):version_id>/discard")
def discard_screening_draft(version_id):
    admins_only()
    version = found_or_404(db.session.get(ScreeningVersion, version_id))
    if not ActionForm().validate_on_submit() or not version.is_draft:
        abort(404)
    discard_draft(db.session, current_user, version)
    db.session.commit()
    flash("Draft discarded.", "info")
    return redirect(url_for("admin.screening"), 303)
