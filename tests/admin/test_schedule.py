"""Closures and clinicians' weekly hours in the back office: pages, rules, audit, and availability.

The clock is frozen at Monday 2026-11-16 13:00 UTC (08:00 in New York), so "today" is
November 16 and Thanksgiving (Thursday, November 26) is ahead. Seeded clinic: Dr. Amira Haddad
works at Fairfax on Monday, Wednesday and Friday and at Potomac on Tuesday and Thursday;
Lauren Whitfield at Fairfax Monday to Thursday; Dr. Michael Brenner at Potomac only; everyone
8:00 AM – 12:00 PM and 1:00 PM – 5:00 PM.
"""

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.slots import BookingRules
from clinic_app.extensions import db
from clinic_app.models import AuditEntry, Closure, Office, Provider, VisitType, WorkingHours
from tests.conftest import csrf_token_from, set_clock


@pytest.fixture
def app(each_database_app):
    """Every test here runs on SQLite and on PostgreSQL."""
    return each_database_app


NOW = datetime(2026, 11, 16, 13, 0, tzinfo=UTC)  # Monday, 08:00 in New York
TODAY = date(2026, 11, 16)
NEXT_MONDAY = date(2026, 11, 23)
THANKSGIVING = date(2026, 11, 26)
HTMX = {"HX-Request": "true"}
WEEK = range(7)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The back office's clock reads NOW."""
    set_clock(monkeypatch, NOW)
    return NOW


@pytest.fixture
def ids(app, clinic):
    """Ids of the seeded offices and providers by slug: ``ids["fairfax"]``, ``ids["amira-haddad"]``."""
    with app.app_context():
        found = {o.slug: o.id for o in db.session.scalars(select(Office))}
        found.update({p.slug: p.id for p in db.session.scalars(select(Provider))})
    return found


@pytest.fixture
def staff_client(fairfax_staff_client, clinic):
    """Fairfax front-desk staff, with the seeded clinic in place."""
    return fairfax_staff_client


@pytest.fixture
def admin(admin_client, clinic):
    """An admin, with the seeded clinic in place."""
    return admin_client


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_entries(app, action):
    with app.app_context():
        return [entry.changes for entry in db.session.scalars(select(AuditEntry).filter_by(action=action))]


def post_form(client, url, data, headers=None, token_from=None):
    """POST ``data`` with the CSRF token of the page at ``token_from`` (default: ``url``)."""
    token = csrf_token_from(client.get(token_from or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, headers=headers or {})


def add_closure(
    client,
    ids,
    office="fairfax",
    provider="",
    starts_on="2026-11-26",
    ends_on="2026-11-27",
    reason="Thanksgiving",
    headers=None,
):
    data = {
        "office": ids[office] if office else "",
        "provider": ids[provider] if provider else "",
        "starts_on": starts_on,
        "ends_on": ends_on,
        "reason": reason,
    }
    return post_form(client, "/admin/closures", data, headers)


def make_closure(app, office=None, provider=None, starts_on=THANKSGIVING, ends_on=THANKSGIVING, reason="Holiday"):
    with app.app_context():
        closure = Closure(office_id=office, provider_id=provider, starts_on=starts_on, ends_on=ends_on, reason=reason)
        db.session.add(closure)
        db.session.commit()
        return closure.id


def closure_ids(app):
    with app.app_context():
        return list(db.session.scalars(select(Closure.id)))


def offered(app, day, office="fairfax", provider=None):
    """Local start times ("09:30") offered for a follow-up visit on ``day``."""
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug=office)).one()
        visit = db.session.scalars(select(VisitType).filter_by(slug="follow-up")).one()
        provider_id = db.session.scalars(select(Provider.id).filter_by(slug=provider)).one() if provider else None
        slots = slots_by_day(
            db.session,
            office=office,
            visit_type=visit,
            provider_id=provider_id,
            days=[day],
            now=NOW,
            rules=BookingRules(),
        )[day]
        return [slot.starts_at.astimezone(office.tz).strftime("%H:%M") for slot in slots]


def saved_hours(app, provider, office):
    """{weekday: ["08:00-12:00", ...]} of a provider's saved hours at an office."""
    with app.app_context():
        rows = db.session.scalars(
            select(WorkingHours)
            .join(Provider)
            .join(Office, WorkingHours.office_id == Office.id)
            .where(Provider.slug == provider, Office.slug == office)
            .order_by(WorkingHours.weekday, WorkingHours.starts)
        )
        result = {}
        for row in rows:
            result.setdefault(row.weekday, []).append(f"{row.starts:%H:%M}-{row.ends:%H:%M}")
        return result


SEEDED_DAY = ["08:00-12:00", "13:00-17:00"]


def hours_data(office_id, week: dict) -> dict:
    """Every field of one office's hours grid: ``week`` is {weekday: [("08:00", "12:00"), ...]}."""
    data = {}
    for weekday in WEEK:
        periods = list(week.get(weekday, []))
        for period in (1, 2):
            start, end = periods[period - 1] if period <= len(periods) else ("", "")
            data[f"hours_{office_id}_{weekday}_{period}_start"] = start
            data[f"hours_{office_id}_{weekday}_{period}_end"] = end
    return data


def seeded_week(weekdays) -> dict:
    return {weekday: [("08:00", "12:00"), ("13:00", "17:00")] for weekday in weekdays}


def post_hours(client, provider_id, data, headers=None):
    url = f"/admin/providers/{provider_id}/hours"
    return post_form(client, url, data, headers)


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/closures", "/admin/providers", "/admin/providers/1/hours"])
def test_schedule_pages_require_login(client, clinic, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_closure_and_hours_pages_label_every_control(admin, ids):
    import re

    for url in ["/admin/closures", f"/admin/providers/{ids['amira-haddad']}/hours"]:
        html = admin.get(url).get_data(as_text=True)
        controls = re.findall(r'<(?:input(?![^>]*type="hidden")|select|textarea)[^>]*\bid="([^"]+)"', html)
        assert controls
        for control_id in controls:
            assert f'for="{control_id}"' in html, control_id


# --- closures -------------------------------------------------------------------------------------


def test_adding_a_closure_flashes_lists_it_and_stores_it(app, admin, ids):
    response = add_closure(admin, ids)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/closures")
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Closed: Fairfax, VA from Thursday, November 26 to Friday, November 27 (Thanksgiving)." in html
    assert "Thanksgiving</td>" in html and "Thursday, November 26</td>" in html
    assert (
        count(
            app,
            Closure,
            Closure.office_id == ids["fairfax"],
            Closure.provider_id.is_(None),
            Closure.starts_on == THANKSGIVING,
            Closure.ends_on == date(2026, 11, 27),
        )
        == 1
    )


def test_adding_a_closure_writes_an_audit_entry(app, admin, ids):
    add_closure(admin, ids, provider="amira-haddad")
    [entry] = audit_entries(app, "closure_added")
    assert entry["office"] == "fairfax" and entry["provider"] == "amira-haddad"
    assert entry["starts_on"] == "2026-11-26" and entry["ends_on"] == "2026-11-27"
    assert entry["reason"] == "Thanksgiving"


def test_a_clinician_only_closure_is_listed_as_every_office(admin, ids):
    response = add_closure(admin, ids, office="", provider="lauren-whitfield", reason="Vacation")
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Closed: Lauren Whitfield, PA-C (every office) from Thursday, November 26" in html


def test_past_closures_are_not_listed(app, admin, ids):
    make_closure(
        app, office=ids["fairfax"], starts_on=date(2026, 7, 3), ends_on=date(2026, 7, 3), reason="Independence Day"
    )
    make_closure(
        app, office=ids["fairfax"], starts_on=date(2026, 11, 13), ends_on=date(2026, 11, 16), reason="Flooding"
    )
    html = admin.get("/admin/closures").get_data(as_text=True)
    assert "Independence Day" not in html
    assert "Flooding" in html  # still current: its last day is today


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"office": "", "provider": ""}, "office", "Please choose an office, a clinician, or both."),
        (
            {"starts_on": "2026-11-27", "ends_on": "2026-11-26"},
            "ends_on",
            "The last day must be on or after the first day.",
        ),
        ({"starts_on": "2026-11-09", "ends_on": "2026-11-13"}, "ends_on", "This closure is entirely in the past."),
        ({"starts_on": "2026-11-26", "ends_on": "2027-11-27"}, "ends_on", "A closure may last at most 366 days."),
        ({"provider": "michael-brenner"}, "provider", "Dr. Michael Brenner, DO does not work at Fairfax, VA."),
        ({"reason": ""}, "reason", "Please give a reason"),
        ({"reason": "<script>alert(1)</script>"}, "reason", "Please remove the HTML tags"),
        ({"starts_on": "26/11/2026"}, "starts_on", "Please enter a date like 2026-11-26."),
        ({"ends_on": ""}, "ends_on", "Please give the last day."),
    ],
    ids=[
        "no-office-or-provider",
        "last-before-first",
        "in-the-past",
        "over-366-days",
        "provider-elsewhere",
        "no-reason",
        "markup-in-reason",
        "unreadable-date",
        "no-last-day",
    ],
)
def test_an_invalid_closure_is_refused_with_422_and_nothing_stored(app, admin, ids, fields, field, message):
    response = add_closure(admin, ids, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-error"' in html and 'aria-invalid="true"' in html
    assert count(app, Closure) == 0
    assert audit_entries(app, "closure_added") == []


def test_an_invalid_closure_keeps_the_values_typed(admin, ids):
    response = add_closure(admin, ids, starts_on="2026-11-27", ends_on="2026-11-26", reason="Staff training")
    html = response.get_data(as_text=True)
    assert 'value="Staff training"' in html
    assert 'value="2026-11-27"' in html and 'value="2026-11-26"' in html
    assert f'<option selected value="{ids["fairfax"]}">' in html or f'value="{ids["fairfax"]}" selected' in html


def test_an_invalid_closure_with_htmx_returns_only_the_form(admin, ids):
    response = add_closure(admin, ids, reason="", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="closure-form"') and "<html" not in html
    assert "Please give a reason" in html


def test_a_closure_added_with_htmx_redirects_the_whole_page(app, admin, ids):
    response = add_closure(admin, ids, headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/admin/closures")
    assert count(app, Closure) == 1


def test_staff_see_only_their_offices_closures(app, staff_client, ids):
    make_closure(app, office=ids["fairfax"], reason="Fairfax holiday")
    make_closure(app, office=ids["potomac"], reason="Potomac holiday")
    make_closure(app, provider=ids["amira-haddad"], reason="Haddad vacation")  # works at Fairfax too
    make_closure(app, provider=ids["michael-brenner"], reason="Brenner vacation")  # Potomac only
    html = staff_client.get("/admin/closures").get_data(as_text=True)
    assert "Fairfax holiday" in html and "Haddad vacation" in html
    assert "Potomac holiday" not in html and "Brenner vacation" not in html
    assert "Potomac, MD</option>" not in html and "Michael Brenner" not in html


def test_staff_cannot_add_a_closure_for_another_office(app, staff_client, ids):
    response = add_closure(staff_client, ids, office="potomac")  # an id the form never offered
    assert response.status_code == 422
    assert "Please choose one of your offices." in response.get_data(as_text=True)
    assert count(app, Closure) == 0


def test_staff_cannot_add_a_closure_for_another_offices_clinician(app, staff_client, ids):
    response = add_closure(staff_client, ids, office="", provider="michael-brenner")
    assert response.status_code == 422
    assert "Please choose a clinician who works at one of your offices." in response.get_data(as_text=True)
    assert count(app, Closure) == 0


def test_an_unknown_office_id_is_refused(app, admin, ids):
    response = post_form(
        admin,
        "/admin/closures",
        {"office": "9999", "provider": "", "starts_on": "2026-11-26", "ends_on": "2026-11-26", "reason": "Holiday"},
    )
    assert response.status_code == 422
    assert count(app, Closure) == 0


def test_removing_a_closure_deletes_it_flashes_and_audits(app, admin, ids):
    closure_id = make_closure(app, office=ids["fairfax"], reason="Thanksgiving")
    response = post_form(admin, f"/admin/closures/{closure_id}/remove", {}, token_from="/admin/closures")
    assert response.status_code == 303
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reopened: Fairfax, VA on Thursday, November 26." in html
    assert count(app, Closure) == 0
    [entry] = audit_entries(app, "closure_removed")
    assert entry["office"] == "fairfax" and entry["starts_on"] == "2026-11-26" and entry["reason"] == "Thanksgiving"


def test_removing_needs_a_csrf_token(app, admin, ids):
    closure_id = make_closure(app, office=ids["fairfax"])
    assert admin.post(f"/admin/closures/{closure_id}/remove").status_code == 400
    assert count(app, Closure) == 1


def test_staff_get_404_removing_another_offices_closure(app, staff_client, ids):
    closure_id = make_closure(app, office=ids["potomac"])
    response = post_form(staff_client, f"/admin/closures/{closure_id}/remove", {}, token_from="/admin/closures")
    assert response.status_code == 404
    assert count(app, Closure) == 1
    assert audit_entries(app, "closure_removed") == []


def test_removing_a_closure_that_does_not_exist_is_404(admin, ids):
    response = post_form(admin, "/admin/closures/9999/remove", {}, token_from="/admin/closures")
    assert response.status_code == 404


def test_a_closure_takes_slots_away_at_once_and_removing_it_brings_them_back(app, admin, ids):
    before = offered(app, NEXT_MONDAY)
    assert "09:00" in before

    response = add_closure(admin, ids, starts_on=NEXT_MONDAY.isoformat(), ends_on=NEXT_MONDAY.isoformat())
    assert response.status_code == 303
    assert offered(app, NEXT_MONDAY) == []
    assert offered(app, date(2026, 11, 25)) != []  # the days around it are untouched

    [closure_id] = closure_ids(app)
    post_form(admin, f"/admin/closures/{closure_id}/remove", {}, token_from="/admin/closures")
    assert offered(app, NEXT_MONDAY) == before


def test_a_clinician_closure_takes_only_that_clinicians_slots(app, admin, ids):
    add_closure(
        admin,
        ids,
        office="",
        provider="lauren-whitfield",
        starts_on=NEXT_MONDAY.isoformat(),
        ends_on=NEXT_MONDAY.isoformat(),
        reason="Vacation",
    )
    assert offered(app, NEXT_MONDAY, provider="lauren-whitfield") == []
    assert "09:00" in offered(app, NEXT_MONDAY, provider="amira-haddad")


def test_the_notice_counts_booked_appointments_in_the_closure(app, admin, ids, make_appointment):
    est = lambda day, hour: datetime(2026, 11, day, hour + 5, 0, tzinfo=UTC)  # noqa: E731
    make_appointment(est(27, 10))  # Fairfax, Friday: counted
    make_appointment(est(27, 11), provider="lauren-whitfield")  # counted
    make_appointment(est(27, 13), status="cancelled")  # cancelled: not counted
    make_appointment(est(26, 10), office="potomac")  # another office: not counted
    make_appointment(est(30, 10))  # after the closure: not counted
    response = add_closure(admin, ids)
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 booked appointments fall in this closure" in html
    assert 'href="/admin/?date_from=2026-11-26&amp;date_to=2026-11-27&amp;office=fairfax"' in html
    assert "not cancelled automatically" in html


def test_the_notice_is_absent_when_nothing_is_booked(admin, ids):
    response = add_closure(admin, ids)
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "fall in this closure" not in html and "falls in this closure" not in html


def test_a_closure_does_not_cancel_the_appointments_in_it(app, admin, ids, make_appointment):
    from clinic_app.models import Appointment

    appointment_id = make_appointment(datetime(2026, 11, 27, 15, 0, tzinfo=UTC))
    add_closure(admin, ids)
    with app.app_context():
        assert db.session.get(Appointment, appointment_id).status == "booked"


# --- weekly hours ---------------------------------------------------------------------------------


def test_the_providers_page_lists_weekly_hours_per_office(admin, ids):
    html = admin.get("/admin/providers").get_data(as_text=True)
    assert "Dr. Amira Haddad, MD" in html and "Dr. Michael Brenner, DO" in html
    assert "8:00 AM – 12:00 PM, 1:00 PM – 5:00 PM" in html
    assert f'href="/admin/providers/{ids["amira-haddad"]}/hours"' in html


def test_staff_see_only_clinicians_of_their_offices(staff_client, ids):
    html = staff_client.get("/admin/providers").get_data(as_text=True)
    assert "Dr. Amira Haddad, MD" in html and "Lauren Whitfield, PA-C" in html
    assert "Michael Brenner" not in html


def test_the_hours_page_shows_the_current_hours(admin, ids):
    fairfax = ids["fairfax"]
    html = admin.get(f"/admin/providers/{ids['lauren-whitfield']}/hours").get_data(as_text=True)
    assert f'id="hours_{fairfax}_0_1_start"' in html
    assert f'name="hours_{fairfax}_0_1_start" step="900" type="time" value="08:00"' in html
    assert f'name="hours_{fairfax}_0_2_end" step="900" type="time" value="17:00"' in html
    assert f'name="hours_{fairfax}_4_1_start" step="900" type="time" value=""' in html  # not on Fridays
    assert "does not move or cancel appointments already booked" in html


def test_saving_hours_changes_the_slots_offered_that_weekday(app, admin, ids):
    assert "14:00" in offered(app, NEXT_MONDAY, provider="lauren-whitfield")
    week = seeded_week([1, 2, 3]) | {0: [("09:00", "10:00")]}
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], week))
    assert response.status_code == 303
    assert offered(app, NEXT_MONDAY, provider="lauren-whitfield") == ["09:00", "09:15", "09:30"]
    assert saved_hours(app, "lauren-whitfield", "fairfax")[0] == ["09:00-10:00"]


def test_saving_hours_flashes_and_lists_the_new_hours(admin, ids):
    week = seeded_week([1, 2, 3]) | {0: [("07:30", "11:45")]}
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], week))
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved the weekly hours of Lauren Whitfield, PA-C at Fairfax, VA." in html
    assert "Appointments already booked are unchanged." in html
    assert "7:30 AM – 11:45 AM" in html


def test_saving_hours_writes_an_audit_entry_with_before_and_after(app, admin, ids):
    week = seeded_week([1, 2, 3]) | {0: [("09:00", "10:00")]}
    post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], week))
    [entry] = audit_entries(app, "hours_changed")
    assert entry["provider"] == "lauren-whitfield"
    assert entry["before"]["fairfax"]["Monday"] == SEEDED_DAY
    assert entry["after"]["fairfax"]["Monday"] == ["09:00-10:00"]
    assert entry["after"]["fairfax"]["Tuesday"] == SEEDED_DAY


def test_saving_unchanged_hours_writes_nothing(app, admin, ids):
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], seeded_week([0, 1, 2, 3])))
    assert response.status_code == 303
    assert audit_entries(app, "hours_changed") == []


def test_a_day_can_be_cleared(app, admin, ids):
    post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], seeded_week([1, 2, 3])))
    assert 0 not in saved_hours(app, "lauren-whitfield", "fairfax")
    assert offered(app, NEXT_MONDAY, provider="lauren-whitfield") == []


def test_new_hours_do_not_change_booked_appointments(app, admin, ids, make_appointment):
    from clinic_app.models import Appointment

    appointment_id = make_appointment(datetime(2026, 11, 23, 19, 0, tzinfo=UTC), provider="lauren-whitfield")
    post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], seeded_week([1, 2, 3])))
    with app.app_context():
        appointment = db.session.get(Appointment, appointment_id)
        assert appointment.status == "booked" and appointment.starts_at == datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


HOURS_ERRORS = [
    ({0: [("12:00", "08:00")]}, "0_1_end", "The end time must be after the start time."),
    ({0: [("08:00", "08:00")]}, "0_1_end", "The end time must be after the start time."),
    ({0: [("08:00", "12:00"), ("11:00", "17:00")]}, "0_2_start", "The two periods on Monday overlap."),
    ({0: [("08:10", "12:00")]}, "0_1_start", "Please use a time on the quarter hour"),
    ({0: [("08:00", "12:00:30")]}, "0_1_end", "Please use a time on the quarter hour"),
    ({0: [("05:45", "12:00")]}, "0_1_start", "Hours must fall between 6:00 AM and 9:00 PM."),
    ({0: [("13:00", "21:15")]}, "0_1_end", "Hours must fall between 6:00 AM and 9:00 PM."),
    ({0: [("08:00", "")]}, "0_1_end", "Please give an end time too"),
    ({0: [("", "12:00")]}, "0_1_start", "Please give a start time too"),
    ({0: [("8 o'clock", "12:00")]}, "0_1_start", "Please enter a time like 08:30"),
]


@pytest.mark.parametrize(
    "change, field, message",
    HOURS_ERRORS,
    ids=[
        "end-before-start",
        "empty-period",
        "periods-overlap",
        "off-grid",
        "seconds",
        "too-early",
        "too-late",
        "no-end",
        "no-start",
        "unreadable",
    ],
)
def test_invalid_hours_are_refused_with_422_and_nothing_changes(app, admin, ids, change, field, message):
    fairfax = ids["fairfax"]
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(fairfax, seeded_week([1, 2, 3]) | change))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'id="hours_{fairfax}_{field}-error"' in html
    assert saved_hours(app, "lauren-whitfield", "fairfax") == {d: SEEDED_DAY for d in (0, 1, 2, 3)}
    assert audit_entries(app, "hours_changed") == []


def test_invalid_hours_keep_the_values_typed(admin, ids):
    fairfax = ids["fairfax"]
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(fairfax, {0: [("12:00", "08:15")]}))
    html = response.get_data(as_text=True)
    assert f'name="hours_{fairfax}_0_1_end" step="900" type="time" value="08:15"' in html
    assert "Monday at Fairfax, VA, first period, until: The end time must be after the start time." in html


def test_hours_overlapping_another_office_are_refused(app, staff_client, ids):
    # Dr. Haddad works at Potomac on Tuesdays; Fairfax staff cannot book her at Fairfax then.
    week = seeded_week([0, 2, 4]) | {1: [("16:00", "18:00")]}
    response = post_hours(staff_client, ids["amira-haddad"], hours_data(ids["fairfax"], week))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dr. Amira Haddad, MD already works at Potomac, MD then (Tuesday, 1:00 PM – 5:00 PM)." in html
    assert 1 not in saved_hours(app, "amira-haddad", "fairfax")


def test_hours_at_two_edited_offices_may_not_overlap(app, admin, ids):
    fairfax, potomac = ids["fairfax"], ids["potomac"]
    data = hours_data(fairfax, seeded_week([0, 2, 4])) | hours_data(
        potomac, seeded_week([1, 3]) | {4: [("11:00", "12:30")]}
    )
    response = post_hours(admin, ids["amira-haddad"], data)
    assert response.status_code == 422
    assert "already works at Fairfax, VA then (Friday, 8:00 AM – 12:00 PM)." in response.get_data(as_text=True)


def test_back_to_back_periods_at_two_offices_are_fine(app, admin, ids):
    fairfax, potomac = ids["fairfax"], ids["potomac"]
    data = hours_data(fairfax, seeded_week([0, 2, 4])) | hours_data(
        potomac, seeded_week([1, 3]) | {4: [("17:00", "19:00")]}
    )
    assert post_hours(admin, ids["amira-haddad"], data).status_code == 303
    assert saved_hours(app, "amira-haddad", "potomac")[4] == ["17:00-19:00"]


def test_invalid_hours_with_htmx_return_only_the_form(admin, ids):
    response = post_hours(
        admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], {0: [("12:00", "08:00")]}), headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="provider-hours"') and "<html" not in html


def test_saved_hours_with_htmx_redirect_the_whole_page(admin, ids):
    response = post_hours(admin, ids["lauren-whitfield"], hours_data(ids["fairfax"], seeded_week([0])), headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/admin/providers"


def test_staff_edit_only_their_offices_hours(app, staff_client, ids):
    html = staff_client.get(f"/admin/providers/{ids['amira-haddad']}/hours").get_data(as_text=True)
    assert f"hours_{ids['fairfax']}_0_1_start" in html
    assert f"hours_{ids['potomac']}_" not in html
    assert "Also at Potomac, MD" in html

    data = hours_data(ids["fairfax"], seeded_week([0, 2])) | hours_data(ids["potomac"], {})  # Potomac: ignored
    assert post_hours(staff_client, ids["amira-haddad"], data).status_code == 303
    assert 4 not in saved_hours(app, "amira-haddad", "fairfax")
    assert saved_hours(app, "amira-haddad", "potomac") == {1: SEEDED_DAY, 3: SEEDED_DAY}


def test_an_admin_edits_hours_at_every_office(admin, ids):
    html = admin.get(f"/admin/providers/{ids['amira-haddad']}/hours").get_data(as_text=True)
    assert f"hours_{ids['fairfax']}_0_1_start" in html and f"hours_{ids['potomac']}_1_1_start" in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_get_404_for_a_clinician_of_another_office(app, staff_client, ids, method):
    url = f"/admin/providers/{ids['michael-brenner']}/hours"
    if method == "get":
        response = staff_client.get(url)
    else:
        data = hours_data(ids["potomac"], {0: [("09:00", "10:00")]})
        response = post_form(staff_client, url, data, token_from="/admin/providers")
    assert response.status_code == 404
    assert saved_hours(app, "michael-brenner", "potomac")[0] == SEEDED_DAY


def test_hours_of_an_unknown_clinician_are_404(admin):
    assert admin.get("/admin/providers/9999/hours").status_code == 404


# --- the rules without a request ------------------------------------------------------------------


def test_set_working_hours_refuses_an_office_the_user_does_not_manage(app, clinic, make_user, ids):
    from clinic_app.admin.schedule.service import NotVisible, set_working_hours
    from clinic_app.models import StaffUser

    user_id = make_user("desk@example.org", "staff", ["fairfax"])
    with app.app_context():
        user, amira = db.session.get(StaffUser, user_id), db.session.get(Provider, ids["amira-haddad"])
        with pytest.raises(NotVisible):
            set_working_hours(db.session, user, amira, {ids["potomac"]: {0: [(time(9), time(10))]}})
    assert saved_hours(app, "amira-haddad", "potomac") == {1: SEEDED_DAY, 3: SEEDED_DAY}


def test_remove_closure_refuses_a_closure_of_another_office(app, clinic, make_user, ids):
    from clinic_app.admin.schedule.service import NotVisible, remove_closure
    from clinic_app.models import StaffUser

    user_id = make_user("desk@example.org", "staff", ["fairfax"])
    closure_id = make_closure(app, office=ids["potomac"])
    with app.app_context():
        with pytest.raises(NotVisible):
            remove_closure(db.session, db.session.get(StaffUser, user_id), db.session.get(Closure, closure_id))
    assert count(app, Closure) == 1


def test_add_closure_reports_every_problem_at_once(app, clinic, make_user, ids):
    from clinic_app.admin.schedule.service import ScheduleError
    from clinic_app.admin.schedule.service import add_closure as add
    from clinic_app.models import StaffUser

    user_id = make_user("desk@example.org", "staff", ["fairfax"])
    with app.app_context():
        with pytest.raises(ScheduleError) as refused:
            add(
                db.session,
                db.session.get(StaffUser, user_id),
                office_id=ids["potomac"],
                provider_id=ids["michael-brenner"],
                starts_on=date(2026, 11, 2),
                ends_on=date(2026, 11, 1),
                reason="x",
                today=TODAY,
            )
    assert set(refused.value.problems) == {"office", "provider", "ends_on"}
    assert count(app, Closure) == 0


def test_staff_cannot_close_a_shared_clinician_at_every_office(app, staff_client, ids):
    response = add_closure(staff_client, ids, office="", provider="amira-haddad")  # Fairfax and Potomac
    assert response.status_code == 422
    assert "also works at offices you do not manage" in response.get_data(as_text=True)
    assert count(app, Closure) == 0


def test_staff_see_but_cannot_remove_a_closure_reaching_another_office(app, staff_client, ids):
    closure_id = make_closure(app, provider=ids["amira-haddad"], reason="Haddad vacation")
    html = staff_client.get("/admin/closures").get_data(as_text=True)
    assert "Haddad vacation" in html and "Also covers offices you do not manage" in html
    token = csrf_token_from(html)
    response = staff_client.post(f"/admin/closures/{closure_id}/remove", data={"csrf_token": token})
    assert response.status_code == 404
    assert count(app, Closure) == 1


def test_a_closure_years_ahead_is_refused_as_a_typo(app, admin, ids):
    response = post_form(
        admin,
        "/admin/closures",
        {
            "office": str(ids["fairfax"]),
            "provider": "",
            "starts_on": "9999-12-31",
            "ends_on": "9999-12-31",
            "reason": "Typo",
        },
    )
    assert response.status_code == 422
    assert "Please check the year" in response.get_data(as_text=True)
    assert admin.get("/admin/closures").status_code == 200
