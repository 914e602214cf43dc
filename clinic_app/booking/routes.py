"""The five booking steps. Each step's GET shows it (page or htmx fragment); its POST validates,
saves and redirects (303) to the first step still to do, which htmx follows and swaps in."""

import functools
import hashlib
import hmac
from datetime import date

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from .. import clock, kept_pages
from ..extensions import db, limiter
from ..htmx import is_htmx, render
from ..i18n import page_language
from ..models import Provider, VisitType
from ..offices import clinic_offices
from ..reasons import VISIT_REASONS
from ..security import private_page
from ..texting.messages import texts_enabled
from . import bp, service
from .availability import find_slot, parse_slot_value
from .forms import ConfirmForm, ScreeningStepForm, TimeStepForm, VisitStepForm, details_form, with_questions
from .notifications import calendar_links, queue_booking_emails
from .presenters import appointment_summary, draft_summary, public_url
from .questionnaires import in_force
from .screening import Outcome
from .steps import (
    DRAFT_KEY,
    booking_rules,
    current_draft,
    draft_state,
    go_to,
    kept_step,
    parse_day,
    progress,
    renew_draft_print,
    step_page_key,
    time_picker,
)

# Each step's POST, per client address: a patient going back and forth to correct answers stays
# far below it, a script filling the calendar with drafts does not.
STEP_LIMIT = "60 per hour"


def confirmations_per_hour() -> str:
    """How many bookings one address, and one email address, may make in an hour."""
    return f"{current_app.config['CONFIRMATIONS_PER_HOUR']} per hour"


def booked_now(response) -> bool:
    """Only a booking made counts toward the confirm limits: a patient who lost the time to
    someone else, or whose draft was incomplete, tries again freely."""
    return bool(g.get("booked_now"))


def draft_email() -> str:
    """The confirm limit's key per email address (the draft's), so many addresses cannot book
    for one patient. The address is keyed by a keyed hash: the limiter logs its keys and keeps
    them in Redis, and an email address must never reach either. Only reads the draft (the view
    itself says when an expired one was cleared)."""
    draft = service.find_draft(db.session, session.get(DRAFT_KEY), clock.now())
    email = ((draft.data or {}).get("details") or {}).get("email", "") if draft else ""
    if not email:
        return f"confirm-email-none:{request.remote_addr}"
    digest = hmac.new(current_app.secret_key.encode(), email.strip().lower().encode(), hashlib.sha256)
    return f"confirm-email:{digest.hexdigest()[:32]}"


# Booking and manage-link pages (one blueprint) hold what patients typed and their private links:
# never cached, and their address never sent to another site.
bp.after_request(private_page)
bp.after_request(renew_draft_print)


@bp.before_request
def forget_link_kept_by_earlier_versions():
    """Until December 2026 the manage link was kept in the session after booking; sessions from
    then drop it on their next booking page (remove in 2027, when no such session is left)."""
    if "booking_confirmed" in session:
        session.pop("booking_confirmed")


def show_step(step, status=200, **context):
    """The step's page, or its fragment for htmx (with the progress indicator either way)."""
    response = render(
        "booking/step.html", f"booking/_{step}.html", status=status, progress=progress(step), step=step, **context
    )
    if status >= 400:
        response.headers["HX-Push-Url"] = "false"  # an error keeps the address the patient is on
    return response


def booking_step(step, *, kept=False):
    """Run the view only for a draft that may show ``step`` (it is passed in as ``draft``);
    otherwise redirect to the first unfinished step. ``kept``: the page shows nothing personal
    and may be kept rendered (``step_page_key``)."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            page = kept_step(view.__name__, booking_rules()) if kept else None
            if page is not None:
                return page
            draft = current_draft()
            key = step_page_key(view.__name__, draft_state(draft), booking_rules()) if kept else None
            # A kept page was shown to a draft exactly like this one, so it passed the guard too.
            return kept_pages.kept_page(key) or guard(draft, step) or kept_pages.keep(key, view(draft, *args, **kwargs))

        return guarded

    return decorate


def guard(draft, step):
    """Redirect to the first unfinished step when the patient skips ahead (by URL or tampering)."""
    if draft is None:
        return go_to("visit") if step != "visit" else None
    if draft.appointment_id is not None:  # already booked: a replay shows the confirmation
        return redirect(url_for("booking.confirmed"), 303) if step == "review" else go_to("visit")
    first = service.step_allowed(db.session, draft, step, clock.now(), booking_rules())
    return go_to(first) if first else None  # reading only: a GET never changes the draft


# --- step 1 -----------------------------------------------------------------------------------


def visit_type_label(visit_type) -> str:
    """A visit type as step 1 offers it: its name, its length and whether it is by video."""
    if visit_type.is_telehealth:
        return ngettext(
            "%(name)s (%(num)d minute, by video)",
            "%(name)s (%(num)d minutes, by video)",
            visit_type.duration_minutes,
            name=visit_type.wording("name"),
        )
    return ngettext(
        "%(name)s (%(num)d minute)",
        "%(name)s (%(num)d minutes)",
        visit_type.duration_minutes,
        name=visit_type.wording("name"),
    )


def visit_descriptions(visit_types) -> dict:
    """What patients read under each kind of visit at step 1, by its slug (none when blank)."""
    descriptions = {v.slug: v.wording("description") for v in visit_types}
    return {slug: text for slug, text in descriptions.items() if text.strip()}


def visit_form(formdata=None):
    offices = clinic_offices()
    visit_types = db.session.scalars(select(VisitType).filter_by(active=True).order_by(VisitType.sort_order)).all()
    providers = db.session.scalars(
        select(Provider).filter_by(active=True).order_by(Provider.name).options(selectinload(Provider.offices))
    ).all()
    form = VisitStepForm(formdata=formdata) if formdata is not None else VisitStepForm()
    form.office.choices = [SelectChoice(o.slug, f"{o.name} — {o.address_lines[0]}") for o in offices]
    form.visit_type.choices = [SelectChoice(v.slug, visit_type_label(v)) for v in visit_types]
    form.reason.choices = [SelectChoice(slug, label) for slug, label in VISIT_REASONS.items()]
    form.provider.choices = [SelectChoice("any", _("First available"))] + [
        SelectChoice(str(p.id), f"{p.display_name} — {', '.join(o.name for o in p.offices)}") for p in providers
    ]
    return form, {o.slug: o for o in offices}, {v.slug: v for v in visit_types}, {str(p.id): p for p in providers}


def offer_clinicians_at(form, providers: dict, office) -> None:
    """Step 1 offers only the clinicians who see patients at ``office`` (all of them while no
    office is chosen); a clinician of another office chosen before gives way to "First
    available", unless the form explains why they cannot be chosen. (The form was validated
    against every clinician, so one of another office sent anyway gets that explanation.)"""
    if office is None:
        return
    form.provider.choices = [
        choice for choice in form.provider.choices if choice.value == "any" or office in providers[choice.value].offices
    ]
    if not form.provider.errors and form.provider.data not in {choice.value for choice in form.provider.choices}:
        form.provider.data = "any"


@bp.route("/book/", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])
def start():
    """Step 1: office, visit type, reason and clinician; ``?location=``, ``?reason=`` and
    ``?provider=`` (a clinician's id, from the office page) pre-fill it."""
    kept = kept_step("start", booking_rules())
    if kept is not None:
        return kept
    draft = current_draft()
    key = step_page_key("start", draft_state(draft), booking_rules())
    kept = kept_pages.kept_page(key)
    if kept is not None:
        return kept
    form, offices, visit_types, providers = visit_form()
    if request.method == "GET":
        stored = (draft.data or {}).get("visit", {}) if draft else {}
        # ``?office=`` is what the form sends when the office changes (htmx asks for the clinicians).
        wanted_office = request.args.get("office") or request.args.get("location")
        form.office.data = wanted_office if wanted_office in offices else stored.get("office")
        form.reason.data = (
            request.args.get("reason") if request.args.get("reason") in VISIT_REASONS else stored.get("reason")
        )
        form.visit_type.data = stored.get("visit_type")
        wanted = request.args.get("provider")
        form.provider.data = wanted if wanted in providers else str(stored.get("provider", "any"))
    # Without JavaScript, "Show clinicians for this office" sends the form: the same answers come
    # back with the clinicians of the office chosen, nothing saved.
    showing_clinicians = request.method == "POST" and "show_clinicians" in request.form
    if not showing_clinicians and form.validate_on_submit():
        office = offices[form.office.data]
        provider = providers.get(form.provider.data)
        visit_type = visit_types[form.visit_type.data]
        if provider is not None and office not in provider.offices:
            form.provider.errors.append(
                _(
                    "%(clinician)s does not see patients at the %(office)s office. "
                    "Please choose another clinician or “First available”.",
                    clinician=provider.display_name,
                    office=office.name,
                )
            )
        elif provider is not None and not provider.offers(visit_type):
            if visit_type.is_telehealth:
                message = _(
                    "%(clinician)s does not offer video visits. Please choose another clinician or “First available”.",
                    clinician=provider.display_name,
                )
            else:
                message = _(
                    "%(clinician)s does not offer the %(visit_type)s. Please choose another clinician "
                    "or “First available”.",
                    clinician=provider.display_name,
                    visit_type=visit_type.wording("name").lower(),
                )
            form.provider.errors.append(message)
        elif visit_type.is_telehealth and not office.offers_telehealth:
            form.visit_type.errors.append(_("The %(office)s office does not offer video visits.", office=office.name))
        else:
            if draft is None or draft.appointment_id is not None:  # a draft only for a valid first step
                draft = current_draft(create=True)
            service.save_visit(
                db.session,
                draft,
                office=office,
                visit_type=visit_type,
                reason=form.reason.data,
                provider=provider,
                now=clock.now(),
            )
            return go_to(service.first_incomplete_step(db.session, draft, clock.now(), booking_rules()))
    status = 422 if form.errors else 200
    offer_clinicians_at(form, providers, offices.get(form.office.data))
    descriptions = visit_descriptions(visit_types.values())
    return kept_pages.keep(key, show_step("visit", status=status, form=form, visit_descriptions=descriptions))


# --- step 2 -----------------------------------------------------------------------------------


def time_context(draft, view, chosen_day=None, after=None):
    """Days with free slots and, for the chosen day, its slots, ready for the template; the
    soonest times up front unless the patient is looking at later dates (``after``)."""
    picker = time_picker(
        view.office,
        view.visit_type,
        view.provider.id if view.provider else None,
        chosen_day=chosen_day,
        earliest=after or None,
        chosen_starts_at=(draft.data or {}).get("time", {}).get("starts_at"),
    )
    if after is not None:
        picker["soonest"] = []
    return {"view": view, "after": after, "earlier": after is not None, **picker}


def time_address(day=None, after=None) -> str:
    """The time step's address for a day (and the later dates it was chosen among)."""
    return url_for("booking.time", day=day.isoformat() if day else None, after=after.isoformat() if after else None)


@bp.route("/book/time", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])
@booking_step("time", kept=True)
def time(draft):
    """Step 2: the coming days with free times, and the chosen day's times in office time."""
    view = service.resolve(db.session, draft)
    form = TimeStepForm()
    chosen_day = parse_day(request.args.get("day"))
    if form.validate_on_submit():
        parsed = parse_slot_value(form.slot.data)
        slot = None
        if parsed:
            starts_at, provider_id = parsed
            slot = find_slot(
                db.session,
                office=view.office,
                visit_type=view.visit_type,
                provider_id=view.provider.id if view.provider else None,
                starts_at=starts_at,
                chosen_provider_id=provider_id,
                now=clock.now(),
                rules=booking_rules(),
            )
            chosen_day = starts_at.astimezone(view.office.tz).date()
        if slot is None:
            form.slot.errors.append(_("That time is not available. Please choose one of the times shown."))
        else:
            service.save_time(db.session, draft, slot=slot, now=clock.now())
            return go_to(service.first_incomplete_step(db.session, draft, clock.now(), booking_rules()))
    if request.method == "GET" and (
        (draft.data or {}).get("time_taken")
        or service.chosen_time_lost(db.session, draft, clock.now(), booking_rules())
    ):
        form.slot.errors = [_("That time was just taken — here are the times still open.")]  # not validated yet
    context = time_context(draft, view, chosen_day, parse_day(request.args.get("after")))
    return show_step("time", status=422 if form.errors and request.method == "POST" else 200, form=form, **context)


@bp.get("/book/time/slots")
@booking_step("time", kept=True)
def day_slots(draft):
    """Only the days and the chosen day's times, for htmx; a plain request gets the whole step
    for that day. The address becomes the day's in place (replaced, not pushed), so Back leaves
    the step however many days the patient looked at."""
    day, after = parse_day(request.args.get("day")), parse_day(request.args.get("after"))
    if not is_htmx():
        return redirect(time_address(day, after), 303)
    view = service.resolve(db.session, draft)
    context = time_context(draft, view, day, after)
    response = render(
        "booking/_day_times.html", "booking/_day_times.html", form=TimeStepForm(), announce=True, **context
    )
    response.headers["HX-Replace-Url"] = time_address(context["day"], after)
    return response


# --- step 3 -----------------------------------------------------------------------------------


@bp.route("/book/screening", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])
@booking_step("screening")
def screening(draft):
    """Step 3: the safety questions; any "yes" ends the in-person booking kindly, with options."""
    view = service.resolve(db.session, draft)
    now = clock.now()
    if not view.in_person:
        if request.method == "POST" and ConfirmForm().validate_on_submit():
            service.skip_screening(db.session, draft, now)
            return go_to(service.first_incomplete_step(db.session, draft, now, booking_rules()))
        return show_step("screening", form=ConfirmForm(), view=view, telehealth=True, screening=in_force())
    flagged = Outcome.of((view.screening or {}).get("outcome")).is_flagged
    form = with_questions(ScreeningStepForm, in_force())()
    if request.method == "GET" and view.screening and not request.args.get("change"):
        for answer in view.screening.get("answers", []):
            if answer.get("answer") is not None and hasattr(form, answer["key"]):
                getattr(form, answer["key"]).data = "yes" if answer["answer"] else "no"
        if flagged:
            return show_step(
                "screening",
                view=view,
                flagged=True,
                form=ConfirmForm(),
                screening=in_force(),
                telehealth_possible=view.office.offers_telehealth,
            )
    if form.validate_on_submit():
        outcome = service.save_screening(
            db.session, draft, answers=form.answers(), acknowledged=form.acknowledged.data, now=now
        )
        if outcome.is_flagged:
            return go_to("screening")
        return go_to(service.first_incomplete_step(db.session, draft, now, booking_rules()))
    return show_step("screening", status=422 if form.errors else 200, form=form, view=view, screening=in_force())


@bp.post("/book/screening/video")
def switch_to_video():
    """After a "yes": book a video consultation instead."""
    draft = current_draft()
    if draft is None or not ConfirmForm().validate_on_submit():
        return go_to("visit")
    if not Outcome.of((service.resolve(db.session, draft).screening or {}).get("outcome")).is_flagged:
        return go_to("screening")  # only offered after a "yes"; otherwise choose video at step 1
    if service.switch_to_telehealth(db.session, draft, clock.now()):
        flash(_("Your visit is now a video consultation. Please choose a time."), "info")
        return go_to("time")
    flash(_("Video visits are not available at this office. Please call us."), "error")
    return go_to("screening")


# --- step 4 -----------------------------------------------------------------------------------


@bp.route("/book/details", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])
@booking_step("details")
def details(draft):
    """Step 4: the patient's name, date of birth and contact details (and whether they have
    been seen here before, unless the kind of visit says)."""
    form = details_form(service.resolve(db.session, draft).visit_type)
    stored = (draft.data or {}).get("details")
    if request.method == "GET" and stored:
        for name, value in stored.items():
            if name == "date_of_birth":
                value = date.fromisoformat(value)
            if name in form:
                form[name].data = value
    if not texts_enabled():
        form.text_messages.data = False  # not offered: nothing to agree to
    if form.validate_on_submit():
        service.save_details(db.session, draft, details=form.details(), now=clock.now())
        return go_to(service.first_incomplete_step(db.session, draft, clock.now(), booking_rules()))
    return show_step("details", status=422 if form.errors else 200, form=form)


# --- step 5 -----------------------------------------------------------------------------------


@bp.route("/book/review", methods=["GET", "POST"])
@limiter.limit(STEP_LIMIT, methods=["POST"])  # every try counts here: a cap on parallel or failed ones
@limiter.limit(confirmations_per_hour, methods=["POST"], deduct_when=booked_now)
@limiter.limit(confirmations_per_hour, methods=["POST"], key_func=draft_email, deduct_when=booked_now)
@booking_step("review")
def review(draft):
    """Step 5: everything on one page with an Edit link per step; the button books."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            booked = service.confirm_booking(
                db.session,
                draft,
                clock.now(),
                notify=queue_booking_emails,
                rules=booking_rules(),
                max_upcoming=current_app.config["MAX_UPCOMING_BOOKINGS_PER_EMAIL"],
                draft_key=session.get(DRAFT_KEY),
                language=page_language(),
            )
        except service.SlotTaken:
            return go_to("time")  # the time step explains that the time was just taken
        except service.TooManyUpcoming as error:
            flash(str(error), "error")  # shown on this page, which stays as it was: nothing booked
            draft = current_draft()  # the refusal ended the transaction
            view = service.resolve(db.session, draft)
            return show_step("review", status=422, form=form, summary=draft_summary(view))
        except service.BookingError as error:
            flash(str(error), "error")
            return go_to(service.first_incomplete_step(db.session, draft, clock.now(), booking_rules()))
        g.booked_now = booked.manage_token is not None  # a replay of the same booking is not another
        return redirect(url_for("booking.confirmed"), 303)
    view = service.resolve(db.session, draft)
    return show_step("review", form=form, summary=draft_summary(view))


@bp.post("/book/start-over")
def start_over():
    """Forget the booking in progress: its draft, with all that was typed, is deleted now (a
    shared or borrowed computer keeps nothing for the next person)."""
    service.discard_draft(db.session, session.pop(DRAFT_KEY, None))
    flash(_("Your details are cleared. You can start a new booking below."), "info")
    return redirect(url_for("booking.start"), 303)


@bp.get("/book/confirmed")
def confirmed():
    """The confirmation: reference, time, office, what to bring; the first time it is shown, also
    the calendar file and the private manage link (read from the server once, never kept in the
    cookie). For 30 minutes after booking; then, like a reload after it, without the link."""
    draft = service.find_draft(db.session, session.get(DRAFT_KEY), clock.now())
    if draft is None or draft.appointment is None or draft.expires_at <= clock.now():
        return redirect(url_for("booking.start"))
    appointment = draft.appointment
    # A HEAD (a link preview, a prefetch) does not use up the one showing of the link.
    token = service.take_manage_token(db.session, draft, session.get(DRAFT_KEY)) if request.method == "GET" else None
    return render(
        "booking/confirmed.html",
        "booking/_confirmed.html",
        appointment=appointment,
        summary=appointment_summary(appointment),
        manage_url=public_url("booking.manage", token=token) if token else None,
        calendar_url=url_for("booking.calendar_file", token=token) if token else None,
        calendar_links=calendar_links(appointment),
    )


@bp.post("/book/restart")
def restart():
    """Start the booking again from step 1."""
    draft = current_draft()
    if draft is not None and ConfirmForm().validate_on_submit():
        service.restart(db.session, draft, clock.now())
    return go_to("visit")
