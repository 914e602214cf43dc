"""Each email composed as data, one per audience, from ``templates/email/<name>.txt|.html``."""

from flask import current_app, render_template
from flask_babel import gettext as _

from ..i18n import ENGLISH, written_in
from .outbox import Email


def one_line(text: str) -> str:
    """Header-safe subject text: line breaks and tabs become spaces, dashes plain hyphens.

    Flask-Mail folds a non-ASCII subject into several encoded words, which mail programs show
    with stray spaces; our own punctuation stays ASCII so that only names ever need encoding.
    """
    return " ".join(text.replace("\u2014", "-").replace("\u2013", "-").split())


def render_pair(name: str, **context) -> tuple[str, str]:
    """The plain-text and HTML bodies of message ``name``."""
    context.setdefault("clinic_name", current_app.config["CLINIC_NAME"])
    context.setdefault("base_url", current_app.config["PUBLIC_BASE_URL"])
    return (
        render_template(f"email/{name}.txt", **context),
        render_template(f"email/{name}.html", **context),
    )


def question_for_office(question, office) -> Email:
    """To the office's front desk: a patient's question, with a Reply-To that reaches the patient."""
    with written_in(ENGLISH):  # the back office's language, whatever page the question came from
        text, html = render_pair("question_office", question=question, office=office)
    return Email(
        kind="question.office",
        topic=f"question:{question.id}",
        recipients=tuple(office.notify_email_list),
        subject=one_line(f"Website question #{question.id} for the {office.name} office"),
        text=text,
        html=html,
        reply_to=question.email,
    )


def question_received(question, office) -> Email:
    """To the patient: their question arrived and when to expect a reply (never its text: email
    is not a safe place for what a patient wrote about their health), in the page's language."""
    text, html = render_pair("question_received_patient", question=question, office=office)
    return Email(
        kind="question.patient",
        topic=f"question:{question.id}",
        recipients=(question.email,),
        subject=one_line(_("We received your question for the %(office)s office", office=office.name)),
        text=text,
        html=html,
    )


def callback_for_office(request, office) -> Email:
    """To the office: a patient asked to be called (who and which number are in the back office)."""
    with written_in(ENGLISH):
        text, html = render_pair("callback_office", request=request, office=office)
    return Email(
        kind="callback.office",
        topic=f"question:{request.id}",
        recipients=tuple(office.notify_email_list),
        subject=one_line(f"Call-back request #{request.id} for the {office.name} office"),
        text=text,
        html=html,
    )
