"""Each email composed as data, one per audience, from ``templates/email/<name>.txt|.html``."""

from flask import current_app, render_template

from .outbox import Email


def one_line(text: str) -> str:
    """Header-safe text: any line break or tab becomes a space."""
    return " ".join(text.split())


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
