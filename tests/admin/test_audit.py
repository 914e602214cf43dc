"""The audit log: sign-ins, sessions, access to appointments, exports and patients' own changes
are recorded (who, what, when; never a patient's details), and admins read it at /admin/audit."""

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from clinic_app.admin.auth.audit_log import AuditFilters, audit_page
from clinic_app.extensions import db
from clinic_app.models import AuditEntry, StaffUser
from tests.conftest import PASSWORD, csrf_token_from, enter_code, sign_in

WEDNESDAY_10AM = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)  # 10:00 AM in Fairfax
PATIENT = {"first_name": "Rosalind", "last_name": "Quimby", "email": "rosalind.quimby@example.org"}
PHI = ["Rosalind", "Quimby", "rosalind.quimby@example.org", "1961-02-03", "SECRET-NOTE", "sciatica"]
ALL_NO = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}
MANAGE_TOKEN = "manage-token-for-the-audit-tests-0123456789"


def entries(app, action=None):
    """Every entry (oldest first) as plain dicts."""
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.filter_by(action=action)
        return [
            {"action": e.action, "user_id": e.user_id, "appointment_id": e.appointment_id, "changes": e.changes}
            for e in db.session.scalars(query)
        ]


def actions(app):
    return [entry["action"] for entry in entries(app)]


def user_id(app, email):
    with app.app_context():
        return db.session.scalars(select(StaffUser.id).filter_by(email=email)).one()


def assert_no_phi(entry, *extra):
    text = json.dumps(entry)
    for secret in [*PHI, *extra]:
        assert secret not in text, secret


@pytest.fixture
def appointment_id(make_appointment):
    return make_appointment(
        WEDNESDAY_10AM,
        date_of_birth=date(1961, 2, 3),
        notes="SECRET-NOTE",
        reason="sciatica",
        token=MANAGE_TOKEN,
        **PATIENT,
    )


# --- signing in and out ---------------------------------------------------------------------------


def test_a_sign_in_records_one_entry_after_the_second_step(app, client, make_user, frozen):
    make_user("desk@example.org", "staff", ["fairfax"])
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login", data={"csrf_token": token, "email": "desk@example.org", "password": PASSWORD})
    assert entries(app) == []  # half signed in is not signed in
    assert enter_code(client, "desk@example.org").status_code == 303
    [entry] = entries(app)
    assert entry == {
        "action": "signed_in",
        "user_id": user_id(app, "desk@example.org"),
        "appointment_id": None,
        "changes": {"account": "desk@example.org", "second_step": "authenticator app", "address": "127.0.0.1"},
    }
    assert_no_phi(entry, PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "account", "why"),
    [
        ("desk@example.org", "wrong password entirely", "desk@example.org", "wrong password"),
        ("someone.else@example.org", PASSWORD, "unknown account", "unknown account"),
    ],
)
def test_a_failed_sign_in_is_committed_with_the_account_only_when_it_exists(
    app, client, make_user, email, password, account, why
):
    make_user("desk@example.org", "staff", ["fairfax"])
    response = sign_in(client, email, password)
    assert response.status_code == 422
    [entry] = entries(app)
    assert entry == {
        "action": "sign_in.failed",
        "user_id": None,
        "appointment_id": None,
        "changes": {"by": "someone at the sign-in page", "account": account, "why": why, "address": "127.0.0.1"},
    }
    assert_no_phi(entry, "wrong password entirely", PASSWORD, "someone.else")


def test_a_disabled_account_failing_is_recorded_and_the_limiter_still_counts(app, client, make_user):
    make_user("desk@example.org", "staff", ["fairfax"])
    with app.app_context():
        db.session.scalars(select(StaffUser)).one().active = False
        db.session.commit()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(5):
        assert sign_in(client, "desk@example.org").status_code == 422
    assert sign_in(client, "desk@example.org").status_code == 429  # refused before the view: no entry
    failed = entries(app)
    assert len(failed) == 5
    assert {json.dumps(entry["changes"], sort_keys=True) for entry in failed} == {
        json.dumps(
            {
                "by": "someone at the sign-in page",
                "account": "desk@example.org",
                "why": "account disabled",
                "address": "198.51.100.7",
            },
            sort_keys=True,
        )
    }


def test_a_wrong_code_is_recorded_without_the_code(app, client, make_user, frozen):
    make_user("desk@example.org", "staff", ["fairfax"])
    token = csrf_token_from(client.get("/admin/login").get_data(as_text=True))
    client.post("/admin/login", data={"csrf_token": token, "email": "desk@example.org", "password": PASSWORD})
    page = client.get("/admin/login/code").get_data(as_text=True)
    response = client.post("/admin/login/code", data={"csrf_token": csrf_token_from(page), "code": "000000"})
    assert response.status_code == 422
    [entry] = entries(app)
    assert entry["action"] == "sign_in.wrong_code"
    assert entry["user_id"] == user_id(app, "desk@example.org")
    assert entry["changes"] == {"account": "desk@example.org", "address": "127.0.0.1"}
    assert_no_phi(entry, "000000", PASSWORD)


def test_sign_out_is_recorded(app, admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert admin_client.post("/admin/logout", data={"csrf_token": csrf_token_from(page)}).status_code == 303
    assert actions(app) == ["signed_in", "signed_out"]
    [entry] = entries(app, "signed_out")
    assert entry["user_id"] == user_id(app, "admin@example.org")
    assert entry["changes"] == {"account": "admin@example.org"}


def test_a_password_change_is_recorded_without_the_passwords(app, admin_client):
    new = "plum orchard kettle lantern 42"
    page = admin_client.get("/admin/password").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "current_password": PASSWORD, "new_password": new, "confirm": new}
    data["new_password_again"] = new
    assert admin_client.post("/admin/password", data=data).status_code == 303
    [entry] = entries(app, "password.changed")
    assert entry["user_id"] == user_id(app, "admin@example.org")
    assert entry["changes"] == {"account": "admin@example.org"}
    assert_no_phi(entry, PASSWORD, new)


@pytest.mark.parametrize(("later", "timeout"), [(timedelta(minutes=31), "idle"), (timedelta(hours=12), "absolute")])
def test_a_session_ended_by_a_timeout_is_recorded(app, frozen, admin_client, later, timeout):
    if timeout == "absolute":  # active all along: one request every 20 minutes
        for _ in range(35):
            frozen["now"] += timedelta(minutes=20)
            assert admin_client.get("/admin/").status_code == 200
        later = timedelta(hours=12) - timedelta(minutes=20 * 35)
    frozen["now"] += later
    assert admin_client.get("/admin/").status_code == 303
    [entry] = entries(app, "session.ended")
    assert entry["user_id"] == user_id(app, "admin@example.org")
    assert entry["changes"] == {"account": "admin@example.org", "timeout": timeout}


# --- health data ------------------------------------------------------------------------------------


def test_opening_an_appointment_is_recorded_without_patient_details(app, frozen, admin_client, appointment_id):
    html = admin_client.get(f"/admin/appointments/{appointment_id}").get_data(as_text=True)
    assert "Rosalind" in html  # the page shows the patient; the log does not
    [entry] = entries(app, "appointment.viewed")
    assert entry == {
        "action": "appointment.viewed",
        "user_id": user_id(app, "admin@example.org"),
        "appointment_id": appointment_id,
        "changes": {},
    }


def test_staff_opening_another_offices_appointment_is_not_recorded(app, fairfax_staff_client, make_appointment):
    potomac = make_appointment(WEDNESDAY_10AM, provider="michael-brenner", office="potomac")
    assert fairfax_staff_client.get(f"/admin/appointments/{potomac}").status_code == 404
    assert entries(app, "appointment.viewed") == []


def test_an_export_records_filters_and_rows_but_only_whether_a_search_was_used(
    app, frozen, admin_client, appointment_id
):
    response = admin_client.get("/admin/bookings.csv", query_string={"q": "Quimby", "office": "fairfax"})
    assert "Quimby" in response.get_data(as_text=True)
    admin_client.get("/admin/bookings.csv", query_string={"office": "fairfax", "date_from": "2026-12-01"})
    first, second = entries(app, "export")
    assert first["changes"] == {"filters": {"office": "fairfax"}, "search": True, "rows": 1}
    assert second["changes"] == {
        "filters": {"office": "fairfax", "date_from": "2026-12-01"},
        "search": False,
        "rows": 1,
    }
    assert_no_phi(first)


# --- the patient's manage link -------------------------------------------------------------------


def patient_post(client, url, **data):
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token_from(page), **data})


def test_a_patient_cancelling_is_recorded_with_the_change(app, client, appointment_id, frozen):
    url = f"/booking/{MANAGE_TOKEN}"
    page = client.get(url).get_data(as_text=True)
    response = client.post(f"{url}/cancel", data={"csrf_token": csrf_token_from(page), "reason": "SECRET-NOTE"})
    assert response.status_code == 303
    [entry] = entries(app)
    assert entry == {
        "action": "patient.cancelled",
        "user_id": None,
        "appointment_id": appointment_id,
        "changes": {"by": "patient (manage link)", "status": ["booked", "cancelled"]},
    }
    assert_no_phi(entry, MANAGE_TOKEN)


def test_a_patient_rescheduling_is_recorded(app, client, appointment_id, frozen):
    url = f"/booking/{MANAGE_TOKEN}/reschedule"
    page = client.get(url).get_data(as_text=True)
    slot = re.search(r'name="slot" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_token_from(page), "slot": slot, "acknowledged": "y", **ALL_NO}
    assert client.post(url, data=data).status_code == 303
    [entry] = entries(app)
    assert entry == {
        "action": "patient.rescheduled",
        "user_id": None,
        "appointment_id": appointment_id,
        "changes": {"by": "patient (manage link)"},
    }
    assert_no_phi(entry, MANAGE_TOKEN)


def test_a_patient_answering_the_questions_again_is_recorded_without_the_answers(app, client, appointment_id, frozen):
    response = patient_post(
        client, f"/booking/{MANAGE_TOKEN}/screening", acknowledged="y", **{**ALL_NO, "fever": "yes"}
    )
    assert response.status_code == 200
    [entry] = entries(app)
    assert entry == {
        "action": "patient.rescreened",
        "user_id": None,
        "appointment_id": appointment_id,
        "changes": {"by": "patient (manage link)"},
    }
    assert_no_phi(entry, "fever", MANAGE_TOKEN)


# --- the log page ---------------------------------------------------------------------------------


def add_entry(app, action, at, user_email=None, appointment_id=None, **changes):
    with app.app_context():
        user = db.session.scalars(select(StaffUser).filter_by(email=user_email)).one() if user_email else None
        db.session.add(
            AuditEntry(action=action, user=user, appointment_id=appointment_id, changes=changes, created_at=at)
        )
        db.session.commit()


def rows_of(html):
    return re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", html, re.S)


@pytest.fixture
def logged(app, frozen, admin_client, make_user, appointment_id):
    """A few entries over three days (the admin's own sign-in is the newest)."""
    make_user("desk@example.org", "staff", ["fairfax"])
    add_entry(app, "export", datetime(2026, 12, 3, 15, 0, tzinfo=UTC), "desk@example.org", rows=2, search=True)
    add_entry(
        app,
        "patient.cancelled",
        datetime(2026, 12, 4, 15, 0, tzinfo=UTC),
        None,
        appointment_id,
        by="patient (manage link)",
    )
    add_entry(
        app, "note", datetime(2026, 12, 5, 15, 0, tzinfo=UTC), "desk@example.org", appointment_id, note="SECRET-NOTE"
    )
    add_entry(app, "password.changed", datetime(2026, 12, 6, 4, 0, tzinfo=UTC), None, account="desk@example.org")
    return admin_client


def test_the_log_lists_entries_newest_first_with_who_and_no_patient_details(logged, appointment_id):
    html = logged.get("/admin/audit").get_data(as_text=True)
    assert 'href="/admin/audit" aria-current="page">Audit log</a>' in html
    assert rows_of(html) == [
        ("Mon Dec 7, 2026 8:00 AM", "Admin", "signed_in"),
        ("Sat Dec 5, 2026 11:00 PM", "command line", "password.changed"),
        ("Sat Dec 5, 2026 10:00 AM", "Desk", "note"),
        ("Fri Dec 4, 2026 10:00 AM", "patient (manage link)", "patient.cancelled"),
        ("Thu Dec 3, 2026 10:00 AM", "Desk", "export"),
    ]
    assert f'href="/admin/appointments/{appointment_id}">#{appointment_id}</a>' in html
    assert "search used: yes; rows: 2" in html
    assert "SECRET-NOTE" not in html and "Rosalind" not in html


def test_the_log_filters_by_action_account_and_days_in_the_admins_zone(app, logged):
    desk = user_id(app, "desk@example.org")
    by_action = logged.get("/admin/audit?action=export").get_data(as_text=True)
    assert [row[2] for row in rows_of(by_action)] == ["export"]
    assert '<option selected value="export">' in by_action or 'value="export" selected' in by_action
    by_user = logged.get(f"/admin/audit?user={desk}").get_data(as_text=True)
    assert [row[2] for row in rows_of(by_user)] == ["note", "export"]
    # Dec 6 04:00 UTC is still Dec 5 in Fairfax.
    by_day = logged.get("/admin/audit?date_from=2026-12-05&date_to=2026-12-05").get_data(as_text=True)
    assert [row[2] for row in rows_of(by_day)] == ["password.changed", "note"]
    ignored = logged.get("/admin/audit?action=nonsense&user=999&date_from=garbage").get_data(as_text=True)
    assert len(rows_of(ignored)) == 5


def test_the_query_works_without_a_request(app, logged):
    zone = ZoneInfo("America/New_York")
    with app.app_context():
        page = audit_page(db.session, AuditFilters(date_to=date(2026, 12, 4)), zone)
        assert [entry.action for entry in page.items] == ["patient.cancelled", "export"]
        page = audit_page(db.session, AuditFilters(page=2), zone, per_page=2)
        assert [entry.action for entry in page.items] == ["note", "patient.cancelled"] and page.pages == 3


def test_htmx_gets_only_the_table(logged):
    response = logged.get("/admin/audit?action=export", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="audit-table"') and "<html" not in html and "<form" not in html


def test_staff_cannot_see_the_log_nor_its_link(fairfax_staff_client):
    assert fairfax_staff_client.get("/admin/audit").status_code == 404
    assert fairfax_staff_client.get("/admin/audit", headers={"HX-Request": "true"}).status_code == 404
    assert "Audit log" not in fairfax_staff_client.get("/admin/").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/audit").status_code in (302, 303)
