"""Cancelling from the manage link asks first, on a step of its own (issue 17; WCAG 3.3.4).

The manage page's "Cancel this appointment" opens /booking/<token>/cancel, which changes nothing:
it says what happens next (the time is freed, an email confirms it, the calendar entry is
removed, how to book again), asks for an optional reason for the front desk (never repeated in
the patient's email) and offers "Yes, cancel my appointment" (the POST) or "Keep my appointment".
A second submission, the cut-off, an expired link and a missing CSRF token change nothing. On
SQLite and PostgreSQL; the clock stopped on Monday 2026-12-07 at 8:00 AM in Fairfax.
"""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking import service
from clinic_app.booking.notifications import queue_cancellation_emails
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, OutboxMessage
from clinic_app.notify.outbox import send_pending
from tests.conftest import MONDAY_8AM, csrf_token_from

HTMX = {"HX-Request": "true"}
PAGE_OR_HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
WEDNESDAY_9AM = MONDAY_8AM + timedelta(days=2, hours=1)  # more than a day ahead: still open online
TOKEN = "a-lasting-manage-link-from-the-confirmation-email"
FAIRFAX_PHONE = "(703) 555-0142"
CANCELLED = "Your appointment is cancelled. We have emailed you a confirmation."


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture
def visit(app, clinic, frozen, make_appointment):
    """Marisol's follow-up on Wednesday at 9:00 AM, opened with her lasting manage link."""
    return make_appointment(WEDNESDAY_9AM, token=TOKEN, first_name="Marisol", email="marisol@example.org")


def html_of(response) -> str:
    return response.get_data(as_text=True)


def get(client, url, htmx=False):
    return client.get(url, headers=HTMX if htmx else {})


def confirm_cancel(client, data=None, htmx=False, prefix=""):
    """The confirmation step as the patient opens it, then "Yes, cancel my appointment" with ``data``."""
    page = html_of(get(client, f"{prefix}/booking/{TOKEN}/cancel", htmx))
    token = csrf_token_from(page)
    if htmx:
        return client.post(f"{prefix}/booking/{TOKEN}/cancel", data=data or {}, headers={**HTMX, "X-CSRFToken": token})
    return client.post(f"{prefix}/booking/{TOKEN}/cancel", data={"csrf_token": token, **(data or {})})


def appointment(app, appointment_id):
    with app.app_context():
        row = db.session.get(Appointment, appointment_id)
        return {
            "status": row.status,
            "reason": row.cancellation_reason,
            "sequence": row.sequence,
            "blocks": len(row.blocks),
        }


def outbox(app) -> list[tuple[str, list, str]]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        return [(row.kind, row.recipients, row.text_body) for row in rows]


def audit(app) -> list[tuple[str, dict]]:
    with app.app_context():
        return [
            (entry.action, entry.changes) for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def redirects_to(response, location) -> bool:
    return response.status_code == 303 and response.headers["Location"] == location


@PAGE_OR_HTMX
def test_the_manage_page_leads_to_a_confirmation_step_that_changes_nothing(app, client, visit, htmx):
    manage = html_of(get(client, f"/booking/{TOKEN}", htmx))
    cancel_link = re.search(r'<a class="button button--secondary" href="([^"]+)"\s+hx-get="([^"]+)"[^>]*>', manage)
    assert cancel_link and cancel_link.groups() == (f"/booking/{TOKEN}/cancel",) * 2
    assert 'hx-target="#booking-step"' in cancel_link.group(0) and 'hx-push-url="true"' in cancel_link.group(0)
    assert ">Cancel this appointment</a>" in manage
    assert f'<a class="button button--secondary" href="/booking/{TOKEN}/reschedule">Reschedule instead</a>' in manage
    assert 'name="reason"' not in manage and "<button" not in manage.split("Cancel your appointment</h2>")[1]

    response = get(client, f"/booking/{TOKEN}/cancel", htmx)
    html = html_of(response)
    assert response.status_code == 200 and ("<html" in html) is not htmx
    assert response.headers["Cache-Control"] == "no-store"
    assert '<h1 id="cancel-heading" tabindex="-1" data-focus-on-swap>Cancel your appointment?</h1>' in html
    if htmx:  # the tab's title comes with the fragment
        assert re.search(r"<head><title>Cancel your appointment\? — [A-Z0-9]{8} · [^<]+</title></head>", html)
    else:
        assert '<meta name="robots" content="noindex">' in html
        assert re.search(r"<title>Cancel your appointment\? — [A-Z0-9]{8} · ", html)
    assert "<dd>Wednesday, December 9, 2026</dd>" in html and "<dd>9:00 AM EST</dd>" in html  # which visit
    # What happens next, in words.
    assert "Your time on Wednesday, December 9, 2026 at 9:00 AM EST is freed at once" in html
    assert "We email you a confirmation of the cancellation." in html
    assert "The email has a calendar file: open it to remove the visit from your calendar." in html
    assert '<a href="/book/">request an appointment</a> or call the Fairfax, VA office' in html
    assert f'<a href="/booking/{TOKEN}/reschedule">Choose another date or time</a> instead' in html
    # The optional reason, then the two choices.
    assert "Why are you cancelling? (optional)" in html and 'value="better"> I am feeling better' in html
    assert '<label for="reason">A note for the front desk (optional)</label>' in html
    assert "We do not repeat it in the email we send you." in html
    assert f'action="/booking/{TOKEN}/cancel"' in html and f'hx-post="/booking/{TOKEN}/cancel"' in html
    assert '<button type="submit">Yes, cancel my appointment</button>' in html
    keep = re.search(
        r'<a class="button button--secondary" href="([^"]+)"\s+hx-get="([^"]+)"[^>]*>Keep my appointment</a>', html
    )
    assert keep and keep.groups() == (f"/booking/{TOKEN}",) * 2
    assert csrf_token_from(html)

    assert appointment(app, visit) == {"status": "booked", "reason": "", "sequence": 0, "blocks": 2}
    assert outbox(app) == [] and audit(app) == []
    assert get(client, f"/booking/{TOKEN}", htmx).status_code == 200  # "Keep my appointment" leads back


@PAGE_OR_HTMX
def test_yes_cancels_frees_the_time_and_keeps_the_reason_for_the_desk_only(app, client, visit, smtp_server, htmx):
    note = "My sciatica is easing since the injection."
    response = confirm_cancel(client, {"reason_choice": "better", "reason": note}, htmx)
    assert redirects_to(response, f"/booking/{TOKEN}")
    assert appointment(app, visit) == {
        "status": "cancelled",
        "reason": f"Feeling better — {note}",  # in English for the desk, then the patient's note
        "sequence": 1,
        "blocks": 0,
    }
    page = html_of(get(client, f"/booking/{TOKEN}", htmx))
    assert CANCELLED in page and "This appointment is cancelled." in page
    assert "Cancel this appointment" not in page

    [(action, changes)] = audit(app)  # who and what, never the reason
    assert action == "patient.cancelled" and changes == {
        "by": "patient (manage link)",
        "status": ["booked", "cancelled"],
    }
    assert [(kind, recipients) for kind, recipients, _ in outbox(app)] == [
        ("cancellation.office", ["fairfax-frontdesk@example.org"]),
        ("cancellation.patient", ["marisol@example.org"]),
    ]
    with app.app_context():
        assert send_pending(now=MONDAY_8AM).sent == 2
    to_patient = next(sent["message"] for sent in smtp_server.messages if sent["to"] == ["marisol@example.org"])
    text, html = (to_patient.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert "is cancelled" in text and "removes the visit from your calendar" in text
    for body in [text, html] + [sent["message"].get_body(("plain",)).get_content() for sent in smtp_server.messages]:
        assert "sciatica" not in body and "Feeling better" not in body and "Reason:" not in body


def test_the_desk_sees_the_patients_reason(app, client, visit, make_user):
    from tests.conftest import sign_in

    confirm_cancel(client, {"reason_choice": "time", "reason": "My ride fell through."})
    make_user("admin@example.org", "admin")
    desk = app.test_client()
    assert sign_in(desk, "admin@example.org").status_code == 303
    page = html_of(desk.get(f"/admin/appointments/{visit}"))
    assert "<dt>Cancellation reason</dt><dd>Cannot come at that time — My ride fell through.</dd>" in page


def test_the_desks_own_reason_still_reaches_the_patient(app, visit):
    with app.test_request_context("/", method="POST"):
        row = db.session.get(Appointment, visit)
        service.cancel_appointment(
            db.session, row, now=MONDAY_8AM, reason="Dr. Haddad is away that day.", notify=queue_cancellation_emails
        )
    patient = [text for kind, _, text in outbox(app) if kind == "cancellation.patient"]
    assert patient and "Reason: Dr. Haddad is away that day." in patient[0]


@PAGE_OR_HTMX
def test_a_second_submission_changes_and_sends_nothing_more_and_says_it_once(app, client, visit, htmx):
    token = csrf_token_from(html_of(get(client, f"/booking/{TOKEN}/cancel")))
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    data = {} if htmx else {"csrf_token": token}
    for _ in range(2):  # a double click, or the back button and the button again
        assert redirects_to(client.post(f"/booking/{TOKEN}/cancel", data=data, headers=headers), f"/booking/{TOKEN}")
    assert appointment(app, visit)["sequence"] == 1 and len(outbox(app)) == 2
    assert [action for action, _ in audit(app)] == ["patient.cancelled"]
    page = html_of(get(client, f"/booking/{TOKEN}", htmx))
    assert page.count(CANCELLED) == 1 and "This appointment is cancelled." in page
    # Reopened later (history, another tab): no step to confirm, the manage page says it is cancelled.
    assert redirects_to(get(client, f"/booking/{TOKEN}/cancel", htmx), f"/booking/{TOKEN}")
    assert CANCELLED not in html_of(get(client, f"/booking/{TOKEN}", htmx))


def test_submissions_at_the_same_moment_cancel_once(app, visit):
    clients = [app.test_client() for _ in range(4)]
    tokens = [csrf_token_from(html_of(c.get(f"/booking/{TOKEN}/cancel"))) for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def submit(c, token):
        start.wait()
        statuses.append(c.post(f"/booking/{TOKEN}/cancel", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * 4
    assert appointment(app, visit)["sequence"] == 1
    assert [kind for kind, _, _ in outbox(app)] == ["cancellation.office", "cancellation.patient"]
    assert [action for action, _ in audit(app)] == ["patient.cancelled"]


@PAGE_OR_HTMX
def test_after_the_cut_off_there_is_no_step_and_a_late_yes_changes_nothing(app, client, visit, frozen, htmx):
    token = csrf_token_from(html_of(get(client, f"/booking/{TOKEN}/cancel")))  # opened in time …
    frozen["now"] = WEDNESDAY_9AM - timedelta(hours=23)  # … sent within 24 hours of the visit
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    response = client.post(f"/booking/{TOKEN}/cancel", data={} if htmx else {"csrf_token": token}, headers=headers)
    assert redirects_to(response, f"/booking/{TOKEN}")
    page = html_of(get(client, f"/booking/{TOKEN}", htmx))
    assert (
        f"Online changes close 24 hours before the visit. Please call the Fairfax, VA office at {FAIRFAX_PHONE}."
        in page
    )
    assert "Cancel this appointment" not in page and "Online changes close 24 hours before your visit." in page
    assert redirects_to(get(client, f"/booking/{TOKEN}/cancel", htmx), f"/booking/{TOKEN}")
    assert appointment(app, visit)["status"] == "booked" and outbox(app) == []


@PAGE_OR_HTMX
def test_a_wrong_or_expired_link_is_a_404_that_says_where_to_go(app, client, visit, frozen, htmx):
    token = csrf_token_from(html_of(client.get(f"/booking/{TOKEN}/cancel")))
    headers = {**HTMX, "X-CSRFToken": token} if htmx else {}
    for path in ("/booking/not-a-real-link/cancel", f"/booking/{TOKEN[:-1]}/cancel"):
        for response in (get(client, path, htmx), client.post(path, data={"csrf_token": token}, headers=headers)):
            assert response.status_code == 404
            assert "This link does not open an appointment" in html_of(response)
            assert 'href="/booking/find">Find my appointment</a>' in html_of(response)
            if htmx:  # shown above the page, which stays as it was
                assert response.headers["HX-Retarget"] == "#htmx-error"
    frozen["now"] = WEDNESDAY_9AM + timedelta(minutes=30)  # the visit is over: the link has expired
    assert get(client, f"/booking/{TOKEN}/cancel", htmx).status_code == 404
    assert client.post(f"/booking/{TOKEN}/cancel", data={"csrf_token": token}, headers=headers).status_code == 404
    assert appointment(app, visit)["status"] == "booked" and outbox(app) == []


@PAGE_OR_HTMX
def test_without_the_forms_token_nothing_changes(app, client, visit, htmx):
    client.get(f"/booking/{TOKEN}/cancel")
    response = client.post(f"/booking/{TOKEN}/cancel", data={"reason_choice": "time"}, headers=HTMX if htmx else {})
    assert response.status_code == 400 and "This form has expired" in html_of(response)
    response = client.post(f"/booking/{TOKEN}/cancel", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert appointment(app, visit)["status"] == "booked" and outbox(app) == []


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "<b>gone</b>"}, "Please remove the HTML tags"),
        ({"reason": "x" * 251}, "Please keep the note under 250 characters."),
        ({"reason_choice": "bored"}, "Not a valid choice"),
    ],
    ids=["markup", "too long", "unknown choice"],
)
def test_a_reason_that_cannot_be_kept_is_said_on_the_step_and_nothing_changes(app, client, visit, data, message):
    response = confirm_cancel(client, data)
    html = html_of(response)
    assert response.status_code == 422 and message in html
    assert "<title>Error: Cancel your appointment?" in html and "Please check this answer" in html
    assert '<button type="submit">Yes, cancel my appointment</button>' in html  # still there to send again
    assert appointment(app, visit)["status"] == "booked" and outbox(app) == []


def test_the_spanish_step_reads_in_spanish_and_cancels_in_spanish(app, client, visit):
    html = html_of(client.get(f"/es/booking/{TOKEN}"))
    assert f'href="/es/booking/{TOKEN}/cancel"' in html and ">Mejor cambiar la fecha u hora</a>" in html
    html = html_of(client.get(f"/es/booking/{TOKEN}/cancel"))
    assert '<html lang="es">' in html and ">¿Cancelar su cita?</h1>" in html
    assert "Su hora del miércoles 9 de diciembre de 2026 a las 9:00 a.m. EST queda libre de inmediato" in html
    assert "Le enviamos por correo electrónico una confirmación de la cancelación." in html
    assert "ábralo para quitar la visita de su calendario" in html
    assert '<a href="/es/book/">solicite una cita</a> o llame al consultorio de Fairfax, VA' in html
    assert "¿Por qué cancela? (opcional)" in html and "Me siento mejor" in html
    assert "Una nota para la recepción (opcional)" in html
    assert ">Sí, cancelar mi cita</button>" in html and ">Mantener mi cita</a>" in html
    main = html[html.index("<main") : html.index("</main>")]
    for english in ("What happens", "Yes, cancel", "Keep my appointment", "front desk", "request an appointment"):
        assert english not in main, english
    response = confirm_cancel(client, {"reason_choice": "time"}, prefix="/es")
    assert redirects_to(response, f"/es/booking/{TOKEN}")
    assert "Su cita quedó cancelada." in html_of(client.get(f"/es/booking/{TOKEN}"))
    assert appointment(app, visit)["reason"] == "Cannot come at that time"  # the desk reads English
