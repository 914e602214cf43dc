"""Views of the question form and its thank-you page."""

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from wtforms import SelectChoice

from ..errors import csrf_failure, retry_wait
from ..extensions import db, limiter
from ..htmx import hx_redirect, render
from ..models import Office
from ..offices import clinic_offices
from ..reasons import VISIT_REASONS
from . import bp
from .forms import CallbackForm, QuestionForm
from .service import request_callback, submit_question

SUBMIT_LIMIT = "5 per minute;30 per hour"


def question_form(offices, formdata=None) -> QuestionForm:
    """The form with the offices as choices, pre-filled from ``?location=`` and ``?reason=``."""
    form = QuestionForm(formdata=formdata) if formdata is not None else QuestionForm()
    form.office.choices = [SelectChoice(office.slug, office.name) for office in offices]
    if request.method == "GET":
        if request.args.get("location") in {office.slug for office in offices}:
            form.office.data = request.args["location"]
        reason = request.args.get("reason")
        if reason in VISIT_REASONS and reason != "other":
            form.message.data = _(
                "I would like to request an appointment about %(reason)s.", reason=str(VISIT_REASONS[reason]).lower()
            )
    return form


def show_form(form, status=200, notice=None):
    """The form page, or only the form for htmx."""
    return render("ask/question.html", "ask/_form.html", status=status, form=form, notice=notice)


def all_offices():
    return clinic_offices()


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def question():
    """Ask a question or request an appointment; the chosen office's front desk gets an email."""
    offices = all_offices()
    form = question_form(offices)
    if form.validate_on_submit():
        office = next(o for o in offices if o.slug == form.office.data)
        submit_question(
            db.session,
            office,
            name=form.name.data,
            email=form.email.data,
            phone=form.phone.data,
            message=form.message.data,
        )
        session["ask_office"] = office.slug
        return hx_redirect(url_for("ask.thanks"))
    return show_form(form, status=422 if form.errors else 200)


@bp.route("/call-me", methods=["GET", "POST"])
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
def callback():
    """Ask the office to call (from a screening "yes" or after online changes have closed)."""
    offices = all_offices()
    form = CallbackForm()
    form.office.choices = [SelectChoice(office.slug, office.name) for office in offices]
    if request.method == "GET" and request.args.get("location") in {office.slug for office in offices}:
        form.office.data = request.args["location"]
    if form.validate_on_submit():
        office = next(o for o in offices if o.slug == form.office.data)
        request_callback(db.session, office, name=form.name.data, phone=form.phone.data, best_time=form.best_time.data)
        session["callback_office"] = office.slug
        session["callback_time"] = form.best_time.data
        return hx_redirect(url_for("ask.callback_thanks"))
    return render("ask/callback.html", "ask/_callback_form.html", status=422 if form.errors else 200, form=form)


@bp.get("/call-me/thanks")
def callback_thanks():
    """When to expect the call."""
    office = db.session.scalars(select(Office).filter_by(slug=session.get("callback_office"))).one_or_none()
    if office is None:
        return redirect(url_for("ask.callback"))
    return render_template("ask/callback_thanks.html", office=office, best_time=session.get("callback_time", "any"))


@bp.get("/ask/thanks")
def thanks():
    """What happens next, after a question was sent."""
    office = db.session.scalars(select(Office).filter_by(slug=session.get("ask_office"))).one_or_none()
    if office is None:
        return redirect(url_for("ask.question"))
    return render_template("ask/thanks.html", office=office)


@bp.errorhandler(CSRFError)
def expired_form(error):
    """A refused form keeps what the patient typed and asks them to send it again."""
    form = question_form(all_offices(), formdata=request.form)
    refusal = csrf_failure(error)
    if refusal.timed_out:
        notice = _("For your security this form timed out. Your message is still here: please press “Send” again.")
    else:
        notice = _("%(detail)s Your message is still here.", detail=refusal.detail)
    return show_form(form, status=400, notice=notice)


@bp.errorhandler(429)
def too_many(error):
    """Too many messages from one place: keep the text and say how long to wait."""
    form = question_form(all_offices(), formdata=request.form)
    wait = retry_wait(error) or _("a while")
    notice = _(
        "You have sent several messages in a short time. Please wait %(wait)s and press “Send” again, or call us.",
        wait=wait,
    )
    return show_form(form, status=429, notice=notice)
