"""The questions inbox and the email outbox: lists, one question, and "Retry now"."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from ... import clock
from ...database import found_or_404, requested_page
from ...extensions import db
from ...formatting import local_time
from ...htmx import render
from ...models import OutboxMessage, OutboxStatus, QuestionStatus
from ...notify.outbox import send_pending
from .. import bp
from ..auth.access import home_zone
from ..auth.forms import ActionForm
from .service import (
    RETRYABLE,
    RetryRefused,
    failed_email_count,
    new_question_count,
    outbox_message_for,
    outbox_page,
    parse_topic,
    question_for,
    questions_page,
    retry_email,
    set_question_status,
)

QUESTION_STATE_LABELS = {QuestionStatus.NEW: "New", QuestionStatus.READ: "Read", QuestionStatus.ANSWERED: "Answered"}
EMAIL_STATUS_LABELS = {
    OutboxStatus.PENDING: "Waiting",
    OutboxStatus.SENDING: "Sending",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.FAILED: "Failed",
    OutboxStatus.SKIPPED: "Not sent (STOP)",
}


class QuestionFilterForm(FlaskForm):
    """The questions list's state filter (a GET form: no CSRF token, state kept in the URL)."""

    class Meta:
        csrf = False

    state = SelectField(
        "Show",
        choices=[
            SelectChoice(*pair)
            for pair in (
                ("", "Not answered yet"),
                ("new", "New"),
                ("read", "Read"),
                ("answered", "Answered"),
                ("all", "All questions"),
            )
        ],
        validate_choice=False,
    )


class OutboxFilterForm(FlaskForm):
    """The outbox's status filter (a GET form)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Show",
        choices=[
            SelectChoice(*pair)
            for pair in (
                ("", "Not sent yet"),
                ("failed", "Failed"),
                ("pending", "Waiting to send"),
                ("sending", "Sending now"),
                ("sent", "Sent"),
                ("all", "All emails"),
            )
        ],
        validate_choice=False,
    )


def chosen(form, name) -> str:
    """The filter's value if it is one of its choices, else the default ("")."""
    value = form[name].data or ""
    return value if value in {choice.value for choice in form[name].choices} else ""


# Questions


def question_or_404(question_id):
    return found_or_404(question_for(db.session, current_user, question_id))


@bp.get("/questions")
def questions():
    """Patients' questions to the user's offices, newest first, filtered by state."""
    form = QuestionFilterForm(request.args)
    state = chosen(form, "state")
    form.state.data = state
    page = questions_page(db.session, current_user, state, requested_page())
    rows = [
        {
            "id": q.id,
            "received": local_time(q.created_at, q.office.tz),
            "name": q.name,
            "office": q.office.name,
            "preview": f"Call-back request: {q.phone}, {q.best_time_label}"
            if q.is_callback
            else (q.message if len(q.message) <= 90 else q.message[:90].rstrip() + "…"),
            "status": QUESTION_STATE_LABELS[q.status],
            "is_new": q.status == QuestionStatus.NEW,
        }
        for q in page.items
    ]
    return render(
        "admin/inbox/questions.html",
        "admin/inbox/_questions_table.html",
        form=form,
        state=state,
        page=page,
        rows=rows,
        new_count=new_question_count(db.session, current_user),
    )


@bp.get("/questions/<int(max=2147483647):question_id>")
def question(question_id):
    """One question; opening a new one marks it read (recorded in the audit log)."""
    question = question_or_404(question_id)
    if question.status == QuestionStatus.NEW:
        set_question_status(db.session, current_user, question, QuestionStatus.READ)
    return render_template(
        "admin/inbox/question.html",
        question=question,
        received=local_time(question.created_at, question.office.tz),
        status_label=QUESTION_STATE_LABELS[question.status],
        can_mark_answered=question.status != QuestionStatus.ANSWERED,
    )


@bp.post("/questions/<int(max=2147483647):question_id>/<any(answered, unread):change>")
def mark_question(question_id, change):
    """Mark a question answered, or unread (back to new); back to the list either way."""
    question = question_or_404(question_id)
    if ActionForm().validate_on_submit():
        status = QuestionStatus.ANSWERED if change == "answered" else QuestionStatus.NEW
        set_question_status(db.session, current_user, question, status)
        flash(f"Question #{question.id} marked {'answered' if change == 'answered' else 'unread'}.", "info")
    return redirect(url_for("admin.questions"), 303)


# Outbox


def email_rows(messages):
    """Outbox table rows, ready to show; a link for emails about an appointment or a question.

    An email may concern no single office, so its times are in the user's offices' zone.
    """
    zone = home_zone(db.session, current_user)
    rows = []
    for m in messages:
        topic = parse_topic(m.topic)
        link = None
        if topic and topic[0] == "appointment":
            link = (url_for("admin.appointment", appointment_id=topic[1]), f"Appointment #{topic[1]}")
        elif topic:
            link = (url_for("admin.question", question_id=topic[1]), f"Question #{topic[1]}")
        rows.append(
            {
                "id": m.id,
                "created": local_time(m.created_at, zone),
                "kind": m.kind,
                "recipients": ", ".join(m.recipients or []),
                "subject": m.subject,
                "status": EMAIL_STATUS_LABELS.get(m.status, m.status),
                "failed": m.status == OutboxStatus.FAILED,
                "sent_at": local_time(m.sent_at, zone) if m.sent_at else "",
                "attempts": m.attempts,
                "next_attempt": local_time(m.next_attempt_at, zone) if m.status == OutboxStatus.PENDING else "",
                "last_error": m.last_error or "",
                "link": link,
                "can_retry": m.status in RETRYABLE,
            }
        )
    return rows


@bp.get("/outbox")
def outbox():
    """Emails not yet sent (or another status), newest first; failed ones stand out and can be retried."""
    form = OutboxFilterForm(request.args)
    status = chosen(form, "status")
    form.status.data = status
    page = outbox_page(db.session, current_user, status, requested_page())
    return render(
        "admin/inbox/outbox.html",
        "admin/inbox/_outbox_table.html",
        form=form,
        status_filter=status,
        page=page,
        rows=email_rows(page.items),
        failed_count=failed_email_count(db.session, current_user),
    )


@bp.post("/outbox/<int(max=2147483647):message_id>/retry")
def retry_outbox_message(message_id):
    """Try a pending or failed email again now, and say whether it went out."""
    message = found_or_404(outbox_message_for(db.session, current_user, message_id))
    if ActionForm().validate_on_submit():
        try:
            retry_email(db.session, current_user, message, clock.now(), current_app.config["OUTBOX_MAX_ATTEMPTS"])
        except RetryRefused as refused:
            flash(str(refused), "error")
        else:
            attempts_before_send = message.attempts
            # Only this email: a backlog is the worker's job, not a page request's.
            send_pending(limit=1, only_id=message_id)
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            flash(*retry_outcome(message, attempts_before_send))
    return redirect(url_for("admin.outbox"), 303)


def retry_outcome(message, attempts_before_send) -> tuple[str, str]:
    """The flash message (and its category) for an email just retried."""
    if message.status == OutboxStatus.SENT:
        return "Sent.", "info"
    if message.status == OutboxStatus.SENDING:
        return "It is being sent right now. Please reload the page in a moment.", "info"
    if message.attempts == attempts_before_send:  # another sender took it first, or it was not due
        return "Not sent yet; it will be tried again automatically.", "info"
    if message.status == OutboxStatus.FAILED:
        return (
            f"Still failing: {message.last_error}. It is marked failed again; please check the mail server, then retry."
        ), "error"
    return (
        f"Still failing: {message.last_error}. "
        "It will be tried again automatically at "
        f"{local_time(message.next_attempt_at, home_zone(db.session, current_user))}."
    ), "error"
