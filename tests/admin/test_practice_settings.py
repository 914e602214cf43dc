"""Clinicians and kinds of visit as admins run them in the back office: added and changed in
forms, used by the booking form at once (on every instance), never breaking a booked visit, and
audited before and after. Staff read them; only admins change them."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.slots import BookingRules
from clinic_app.extensions import db
from clinic_app.models import Appointment, AuditEntry, Office, Provider, VisitType, WorkingHours
from tests.conftest import build_app, csrf_token_from, dispose, make_staff_user, seed_clinic, set_clock, sign_in

NOW = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)  # Friday 9:00 AM in New York
TUESDAY = date(2026, 12, 8)
MONDAY = date(2026, 12, 7)
TEN_AM_MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
RULES = BookingRules()


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def clock_at_now(monkeypatch, request):
    """Friday morning, with the clinic's offices, clinicians and kinds of visit in place."""
    set_clock(monkeypatch, NOW)
    if "app" in request.fixturenames:
        request.getfixturevalue("clinic")


def post(client, url, data, form_url=None):
    token = csrf_token_from(client.get(form_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def ids(app, model, **where):
    with app.app_context():
        return db.session.scalars(select(model.id).filter_by(**where)).one()


def office_ids(app, *slugs):
    return [ids(app, Office, slug=slug) for slug in slugs]


def visit_ids(app, *slugs):
    return [ids(app, VisitType, slug=slug) for slug in slugs]


def clinician_data(app, **changes):
    data = {
        "name": "Dr. Priya Natarajan",
        "credentials": "MD",
        "specialty": "Neurology",
        "bio": "Sees patients with nerve pain and weakness.",
        "offices": office_ids(app, "potomac"),
        "visit_types": visit_ids(app, "new-patient", "follow-up"),
        "accepts_new_patients": "y",
    }
    data.update(changes)
    return data


def tuesday_slots(app, provider_slug, visit="new-patient", office="potomac", day=TUESDAY):
    with app.app_context():
        return slots_by_day(
            db.session,
            office=db.session.scalars(select(Office).filter_by(slug=office)).one(),
            visit_type=db.session.scalars(select(VisitType).filter_by(slug=visit)).one(),
            provider_id=db.session.scalars(select(Provider.id).filter_by(slug=provider_slug)).one(),
            days=[day],
            now=NOW,
            rules=RULES,
        )[day]


def audits(app, action):
    with app.app_context():
        return [e.changes for e in db.session.scalars(select(AuditEntry).filter_by(action=action))]


# Who may


@pytest.mark.parametrize(
    "url", ["/admin/providers/new", "/admin/providers/1/edit", "/admin/visit-types/new", "/admin/visit-types/1"]
)
def test_front_desk_staff_cannot_open_the_forms(fairfax_staff_client, url):
    assert fairfax_staff_client.get(url).status_code == 404


def test_front_desk_staff_read_the_clinicians_and_kinds_of_visit_without_change_links(fairfax_staff_client):
    clinicians = fairfax_staff_client.get("/admin/providers").get_data(as_text=True)
    assert "Offers: New-patient consultation, Follow-up visit, Video consultation." in clinicians
    assert "Add a clinician" not in clinicians and "Change the details of" not in clinicians
    kinds = fairfax_staff_client.get("/admin/visit-types").get_data(as_text=True)
    assert "New-patient consultation" in kinds and "45 min" in kinds
    assert "/admin/visit-types/" not in kinds.split("<main", 1)[1]


# Clinicians


def test_a_new_clinician_with_tuesday_hours_at_potomac_is_bookable_online_on_tuesdays(app, admin_client):
    response = post(admin_client, "/admin/providers/new", clinician_data(app))
    assert response.status_code == 303
    provider_id = ids(app, Provider, slug="dr-priya-natarajan")
    assert response.headers["Location"].endswith(f"/admin/providers/{provider_id}/hours")
    assert tuesday_slots(app, "dr-priya-natarajan") == []  # no hours yet
    potomac = office_ids(app, "potomac")[0]
    hours = post(
        admin_client,
        f"/admin/providers/{provider_id}/hours",
        {f"hours_{potomac}_1_1_start": "09:00", f"hours_{potomac}_1_1_end": "12:00"},
    )
    assert hours.status_code == 303
    slots = tuesday_slots(app, "dr-priya-natarajan")
    assert [s.starts_at.astimezone(UTC).strftime("%H:%M") for s in slots][:2] == ["14:00", "14:15"]  # 9:00 AM EST
    (added,) = audits(app, "clinician.added")
    assert added["after"]["offices"] == ["Potomac, MD"] and added["after"]["accepts_new_patients"] is True


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"offices": []}, "offices", "Please choose at least one office where they see patients."),
        ({"visit_types": []}, "visit_types", "Please choose at least one kind of visit they offer."),
        ({"name": ""}, "name", "Please enter the name of the clinician."),
        ({"credentials": "MD\nPhD"}, "credentials", "Please keep this on one line."),
    ],
)
def test_a_clinician_without_an_office_or_a_kind_of_visit_is_refused_in_place(
    app, admin_client, changes, field, message
):
    response = post(admin_client, "/admin/providers/new", clinician_data(app, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'href="#{field}"' in html
    with app.app_context():
        assert db.session.scalars(select(Provider).filter_by(name="Dr. Priya Natarajan")).first() is None


def test_a_clinician_who_does_not_accept_new_patients_is_not_offered_for_new_patient_visits(app, admin_client):
    haddad = ids(app, Provider, slug="amira-haddad")
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        specialty="Physical medicine and rehabilitation",
        bio="",
        offices=office_ids(app, "fairfax", "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up", "video-consultation"),
    )
    del data["accepts_new_patients"]
    assert post(admin_client, f"/admin/providers/{haddad}/edit", data).status_code == 303
    assert tuesday_slots(app, "amira-haddad", visit="new-patient") == []
    assert tuesday_slots(app, "amira-haddad", visit="follow-up")
    (changed,) = audits(app, "clinician.changed")
    assert (changed["before"]["accepts_new_patients"], changed["after"]["accepts_new_patients"]) == (True, False)


def test_an_office_with_booked_visits_cannot_be_taken_away_and_the_visits_are_listed(
    app, admin_client, make_appointment
):
    booked = make_appointment(TEN_AM_MONDAY, first_name="Rosa")  # Haddad, Fairfax
    haddad = ids(app, Provider, slug="amira-haddad")
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        offices=office_ids(app, "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up", "video-consultation"),
    )
    response = post(admin_client, f"/admin/providers/{haddad}/edit", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dr. Amira Haddad, MD has booked visits at Fairfax, VA; move or cancel them first." in html
    assert f'href="/admin/appointments/{booked}"' in html and "Rosa Patient" in html
    with app.app_context():
        provider = db.session.get(Provider, haddad)
        assert [o.slug for o in provider.offices] == ["fairfax", "potomac"]
    assert audits(app, "clinician.changed") == []


def test_taking_an_office_away_takes_the_hours_there_with_it(app, admin_client):
    haddad = ids(app, Provider, slug="amira-haddad")
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        offices=office_ids(app, "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up"),
    )
    assert post(admin_client, f"/admin/providers/{haddad}/edit", data).status_code == 303
    with app.app_context():
        left = {h.office.slug for h in db.session.scalars(select(WorkingHours).filter_by(provider_id=haddad))}
    assert left == {"potomac"}
    assert tuesday_slots(app, "amira-haddad", office="fairfax", day=MONDAY) == []
    (changed,) = audits(app, "clinician.changed")
    assert changed["before"]["offices"] == ["Fairfax, VA", "Potomac, MD"]
    assert changed["after"]["offices"] == ["Potomac, MD"]
    assert changed["after"]["visit_types"] == ["New-patient consultation", "Follow-up visit"]
    audit_page = admin_client.get("/admin/audit?action=clinician.changed").get_data(as_text=True)
    assert "offices: Fairfax, VA, Potomac, MD → Potomac, MD" in " ".join(audit_page.split())


def test_a_clinician_with_booked_visits_stays_on_the_schedule_until_they_are_moved(app, admin_client, make_appointment):
    booked = make_appointment(TEN_AM_MONDAY, provider="lauren-whitfield")
    whitfield = ids(app, Provider, slug="lauren-whitfield")
    url = f"/admin/providers/{whitfield}/deactivate"
    refused = post(admin_client, url, {}, form_url=f"/admin/providers/{whitfield}/edit")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Lauren Whitfield, PA-C has booked visits to come; move or cancel them first." in html
    assert f'href="/admin/appointments/{booked}"' in html
    with app.app_context():
        db.session.get(Appointment, booked).status = "cancelled"
        db.session.get(Appointment, booked).blocks = []
        db.session.commit()
    assert post(admin_client, url, {}, form_url=f"/admin/providers/{whitfield}/edit").status_code == 303
    assert tuesday_slots(app, "lauren-whitfield", visit="follow-up", office="fairfax") == []
    assert [e["provider"] for e in audits(app, "clinician.deactivated")] == ["Lauren Whitfield, PA-C"]
    again = f"/admin/providers/{whitfield}/activate"
    assert post(admin_client, again, {}, form_url=f"/admin/providers/{whitfield}/edit").status_code == 303
    assert tuesday_slots(app, "lauren-whitfield", visit="follow-up", office="fairfax")


# Kinds of visit


def visit_type_data(app, **changes):
    data = {
        "name": "Follow-up visit",
        "description": "For patients already under our care.",
        "duration_minutes": "30",
        "buffer_minutes": "0",
        "is_telehealth": "in-person",
        "patients": "returning",
        "active": "y",
        "provider_ids": [ids(app, Provider, slug=s) for s in ("amira-haddad", "daniel-okafor", "lauren-whitfield")],
    }
    data.update(changes)
    return data


def test_a_longer_visit_applies_to_new_bookings_while_booked_visits_keep_their_times(
    app, admin_client, make_appointment
):
    token = "manage-link-token-" + "x" * 30
    booked = make_appointment(TEN_AM_MONDAY, token=token)  # a 30-minute follow-up
    follow_up = ids(app, VisitType, slug="follow-up")
    form = admin_client.get(f"/admin/visit-types/{follow_up}").get_data(as_text=True)
    assert "1 visit is booked as Follow-up visit from now on. It keeps its times" in form
    response = post(admin_client, f"/admin/visit-types/{follow_up}", visit_type_data(app, duration_minutes="45"))
    assert response.status_code == 303
    with app.app_context():
        appointment = db.session.get(Appointment, booked)
        assert appointment.ends_at - appointment.starts_at == timedelta(minutes=30)
        assert len(appointment.blocks) == 2
    starts = [s.starts_at for s in tuesday_slots(app, "amira-haddad", visit="follow-up", office="fairfax", day=MONDAY)]
    # Before 10:00 the last start is 9:15 now (45 minutes), not 9:30.
    assert (
        datetime(2026, 12, 7, 14, 15, tzinfo=UTC) in starts and datetime(2026, 12, 7, 14, 30, tzinfo=UTC) not in starts
    )
    (changed,) = audits(app, "visit_type.changed")
    assert (changed["before"]["duration_minutes"], changed["after"]["duration_minutes"]) == (30, 45)
    assert "Follow-up visit (30 minutes)" in admin_client.get(f"/booking/{token}").get_data(as_text=True)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"duration_minutes": "40"}, "duration_minutes", "Please give a length in steps of 15 minutes"),
        ({"duration_minutes": "0"}, "duration_minutes", "Please give a length in steps of 15 minutes"),
        ({"duration_minutes": "half an hour"}, "duration_minutes", "Please give a whole number of minutes"),
        ({"buffer_minutes": "10"}, "buffer_minutes", "Please give a pause in steps of 15 minutes"),
        ({"name": ""}, "name", "Please enter a name."),
        ({"patients": "everyone"}, "patients", "Not a valid choice"),
    ],
)
def test_a_length_off_the_15_minute_grid_is_refused_in_place(app, admin_client, changes, field, message):
    follow_up = ids(app, VisitType, slug="follow-up")
    response = post(admin_client, f"/admin/visit-types/{follow_up}", visit_type_data(app, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'href="#{field}"' in html
    with app.app_context():
        assert db.session.get(VisitType, follow_up).duration_minutes == 30


def test_a_new_kind_of_visit_is_offered_at_once_by_the_clinicians_chosen(app, admin_client):
    data = visit_type_data(
        app,
        name="Nerve conduction study",
        duration_minutes="60",
        patients="any",
        provider_ids=[ids(app, Provider, slug="daniel-okafor")],
    )
    assert post(admin_client, "/admin/visit-types/new", data).status_code == 303
    assert tuesday_slots(app, "daniel-okafor", visit="nerve-conduction-study", office="fairfax")
    assert tuesday_slots(app, "lauren-whitfield", visit="nerve-conduction-study", office="fairfax") == []
    page = admin_client.get("/admin/visit-types").get_data(as_text=True)
    assert re.search(r"Nerve conduction study</a></th>\s*<td>60 min</td>", page)


# Every instance at once


@pytest.mark.postgres
def test_a_change_made_on_one_instance_shows_on_another_at_once(postgres_url, tmp_path, monkeypatch):
    """Two app instances on one PostgreSQL database: the booking form of the second offers the
    new length the moment the first saves it (nothing kept per process)."""
    first = build_app(postgres_url, tmp_path / "one")
    second = build_app(postgres_url, tmp_path / "two", has_schema=True)
    try:
        seed_clinic(first)
        make_staff_user(first, "admin@example.org", "admin")
        admin = first.test_client()
        assert sign_in(admin, "admin@example.org").status_code == 303
        patient = second.test_client()
        before = patient.get("/book/").get_data(as_text=True)
        assert "Follow-up visit" in before and "30 minutes" in before
        follow_up = ids(first, VisitType, slug="follow-up")
        post(admin, f"/admin/visit-types/{follow_up}", visit_type_data(first, duration_minutes="45"))
        after = patient.get("/book/").get_data(as_text=True)
        assert re.search(r"Follow-up visit.{0,400}45 minutes", after, re.S)
    finally:
        dispose(first)
        dispose(second)


# Offices


def office_data(app, **changes):
    data = {
        "name": "Fairfax, VA",
        "street": "4001 Fair Ridge Dr",
        "suite": "Suite 202",
        "city": "Fairfax",
        "state": "va",
        "postal_code": "22033",
        "phone": "703 555 0199",
        "timezone": "America/New_York",
        "notify_emails": "desk@example.org\nmanager@example.org",
        "offers_telehealth": "y",
        **{f"opens_{day}": "08:00" for day in range(5)},
        **{f"closes_{day}": "17:00" for day in range(5)},
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_an_office_change_shows_on_its_page_and_in_its_structured_data_at_once(app, admin_client, client):
    fairfax = ids(app, Office, slug="fairfax")
    response = post(admin_client, f"/admin/offices/{fairfax}", office_data(app, opens_5="09:00", closes_5="13:00"))
    assert response.status_code == 303
    page = client.get("/locations/fairfax").get_data(as_text=True)
    assert "(703) 555-0199" in page
    assert '"telephone": "(703) 555-0199"' in page or '"telephone":"(703) 555-0199"' in page
    assert "Saturday" in page
    with app.app_context():
        office = db.session.get(Office, fairfax)
        assert office.notify_email_list == ["desk@example.org", "manager@example.org"]
        assert office.state == "VA"
    (changed,) = audits(app, "office.changed")
    assert changed["after"]["phone"] == "(703) 555-0199"
    assert changed["after"]["opening_hours"][-1] == "Saturday 09:00–13:00"


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"notify_emails": ""}, "notify_emails", "Please give at least one address"),
        ({"notify_emails": "desk@example.org, not-an-address"}, "notify_emails", "is not an email address"),
        ({"timezone": "Eastern"}, "timezone", "Please give a time zone by its name, like America/New_York."),
        ({"state": "Virginia"}, "state", "Please use the two-letter state code, like VA."),
        ({"postal_code": "2203"}, "postal_code", "Please enter a ZIP code like 22033."),
        ({"phone": "12"}, "phone", "Please enter a US phone number"),
        ({"closes_2": None}, "closes_2", "Please give both times for Wednesday, or neither if closed."),
        ({"opens_3": "18:00"}, "closes_3", "On Thursday the office must close after it opens."),
    ],
)
def test_bad_office_settings_are_refused_in_place_and_nothing_changes(app, admin_client, changes, field, message):
    fairfax = ids(app, Office, slug="fairfax")
    response = post(admin_client, f"/admin/offices/{fairfax}", office_data(app, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html.replace("&#34;", '"') and f'href="#{field}"' in html
    assert audits(app, "office.changed") == []


def test_a_new_time_zone_with_booked_visits_needs_a_tick_that_names_them(app, admin_client, make_appointment):
    booked = make_appointment(TEN_AM_MONDAY)
    fairfax = ids(app, Office, slug="fairfax")
    first = post(admin_client, f"/admin/offices/{fairfax}", office_data(app, timezone="America/Chicago"))
    html = first.get_data(as_text=True)
    assert first.status_code == 422
    assert "1 visit(s) are booked at Fairfax, VA" in html and f'href="/admin/appointments/{booked}"' in html
    with app.app_context():
        assert db.session.get(Office, fairfax).timezone == "America/New_York"
    ticked = post(
        admin_client,
        f"/admin/offices/{fairfax}",
        office_data(app, timezone="America/Chicago", zone_change_confirmed="y"),
    )
    assert ticked.status_code == 303
    with app.app_context():
        assert db.session.get(Office, fairfax).timezone == "America/Chicago"
        assert db.session.get(Appointment, booked).starts_at == TEN_AM_MONDAY  # the same moment


def test_staff_read_their_offices_only_and_cannot_change_them(app, fairfax_staff_client):
    page = fairfax_staff_client.get("/admin/offices").get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]
    assert "Fairfax, VA" in page and "Potomac, MD" not in page and "Change Fairfax" not in page
    assert fairfax_staff_client.get(f"/admin/offices/{ids(app, Office, slug='fairfax')}").status_code == 404


# What a change may not do to booked visits, and bad input that must not become a 500


def test_a_booked_kind_of_visit_keeps_its_place_and_its_clinicians(app, admin_client, make_appointment):
    booked = make_appointment(TEN_AM_MONDAY)  # a follow-up with Haddad
    follow_up = ids(app, VisitType, slug="follow-up")
    to_video = post(admin_client, f"/admin/visit-types/{follow_up}", visit_type_data(app, is_telehealth="video"))
    html = to_video.get_data(as_text=True)
    assert to_video.status_code == 422 and "where it happens and for whom cannot change under them" in html
    assert f'href="/admin/appointments/{booked}"' in html
    without_haddad = visit_type_data(
        app, provider_ids=[ids(app, Provider, slug=s) for s in ("daniel-okafor", "lauren-whitfield")]
    )
    refused = post(admin_client, f"/admin/visit-types/{follow_up}", without_haddad)
    assert refused.status_code == 422
    assert "Dr. Amira Haddad, MD still have booked visits of Follow-up visit" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(VisitType, follow_up).is_telehealth is False
    assert tuesday_slots(app, "amira-haddad", visit="follow-up", office="fairfax", day=MONDAY)


def test_a_clinician_keeps_offering_what_their_booked_visits_are(app, admin_client, make_appointment):
    booked = make_appointment(TEN_AM_MONDAY, visit="new-patient")
    haddad = ids(app, Provider, slug="amira-haddad")
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        offices=office_ids(app, "fairfax", "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up", "video-consultation"),
    )
    del data["accepts_new_patients"]  # no longer taking new patients, with a new patient booked
    response = post(admin_client, f"/admin/providers/{haddad}/edit", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "has booked visits of New-patient consultation" in html
    assert f'href="/admin/appointments/{booked}"' in html
    with app.app_context():
        assert db.session.get(Provider, haddad).accepts_new_patients is True


@pytest.mark.parametrize("value", [str(2**40), "abc", "-1"])
def test_an_office_or_clinician_not_in_the_list_is_refused_not_a_500(app, admin_client, value):
    response = post(admin_client, "/admin/providers/new", clinician_data(app, offices=[value]))
    assert response.status_code == 422 and "Please choose from the list." in response.get_data(as_text=True)
    follow_up = ids(app, VisitType, slug="follow-up")
    response = post(admin_client, f"/admin/visit-types/{follow_up}", visit_type_data(app, provider_ids=[value]))
    assert response.status_code == 422
    invite = post(
        admin_client,
        "/admin/users/new",
        {"email": "x@example.org", "name": "X", "role": "staff", "offices": [value]},
    )
    assert invite.status_code == 422


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posix/America/New_York", "Etc/GMT+5"])
def test_a_time_zone_must_be_a_region_and_city(app, admin_client, zone):
    fairfax = ids(app, Office, slug="fairfax")
    response = post(admin_client, f"/admin/offices/{fairfax}", office_data(app, timezone=zone))
    assert response.status_code == 422
    assert "Please give a time zone by its name, like America/New_York." in response.get_data(as_text=True)


def test_the_office_page_presents_its_clinicians_as_admins_describe_them(app, admin_client, client):
    whitfield = ids(app, Provider, slug="lauren-whitfield")
    data = clinician_data(
        app,
        name="Lauren Whitfield",
        credentials="PA-C",
        specialty="Spine care",
        bio="Helps patients back to walking after sciatica.",
        offices=office_ids(app, "fairfax"),
        visit_types=visit_ids(app, "follow-up", "video-consultation"),
    )
    del data["accepts_new_patients"]
    assert post(admin_client, f"/admin/providers/{whitfield}/edit", data).status_code == 303
    page = client.get("/locations/fairfax").get_data(as_text=True)
    section = page[page.index('id="clinician-' + str(whitfield)) :]
    section = section[: section.index("</section>")]
    assert "Helps patients back to walking after sciatica." in section
    assert "Offers: Follow-up visit, Video consultation." in section
    assert "Not taking new patients at the moment." in section
    link = re.search(r'href="([^"]+)">Request an appointment with Lauren Whitfield', section).group(1)
    step_one = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(rf'value="{whitfield}"[^>]*checked|checked[^>]*value="{whitfield}"', step_one)
    assert "Lauren Whitfield" not in client.get("/locations/potomac").get_data(as_text=True)


def image_bytes(size=(1200, 900), format="PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=format)
    return out.getvalue()


def upload(admin_client, url, data, photo: bytes, filename="portrait.png"):
    token = csrf_token_from(admin_client.get(url).get_data(as_text=True))
    fields = {"csrf_token": token, **data, "photo": (io.BytesIO(photo), filename)}
    return admin_client.post(url, data=fields, content_type="multipart/form-data")


def test_a_photo_is_made_small_shown_on_the_office_page_and_can_be_removed(app, admin_client, client):
    from PIL import Image

    haddad = ids(app, Provider, slug="amira-haddad")
    url = f"/admin/providers/{haddad}/edit"
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        offices=office_ids(app, "fairfax", "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up", "video-consultation"),
    )
    assert upload(admin_client, url, data, image_bytes()).status_code == 303
    page = client.get("/locations/fairfax").get_data(as_text=True)
    src = re.search(r'<img class="clinician-photo" src="([^"]+)" alt="Photo of Dr. Amira Haddad, MD"', page).group(1)
    photo = client.get(src.replace("&amp;", "&"))
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 400 and not image.getexif()
    assert client.get(src.replace("&amp;", "&"), headers={"If-None-Match": photo.headers["ETag"]}).status_code == 304

    removed = post(admin_client, url, {**data, "remove_photo": "y"})
    assert removed.status_code == 303
    assert "clinician-photo" not in client.get("/locations/fairfax").get_data(as_text=True)
    assert client.get(f"/locations/clinicians/{haddad}/photo.jpg").status_code == 404


@pytest.mark.parametrize(
    "photo, message",
    [
        (b"%PDF-1.4 not an image", "Please upload a photo as a JPEG, PNG or WebP image."),
        (b"GIF89a" + b"\0" * 100, "Please upload a photo as a JPEG, PNG or WebP image."),
        (b"\x89PNG" + b"\0" * (900 * 1024), "Please use a photo under 800 KB."),
    ],
)
def test_a_file_that_is_not_a_usable_photo_is_refused_in_place(app, admin_client, photo, message):
    haddad = ids(app, Provider, slug="amira-haddad")
    url = f"/admin/providers/{haddad}/edit"
    data = clinician_data(app, name="Dr. Amira Haddad", offices=office_ids(app, "fairfax", "potomac"))
    response = upload(admin_client, url, data, photo)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'href="#photo"' in html
    with app.app_context():
        assert db.session.get(Provider, haddad).photo_updated_at is None


def test_a_photo_keeps_no_comment_or_camera_data(app, admin_client, client):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"  # Make
    out = io.BytesIO()
    Image.new("RGB", (600, 600), (10, 20, 30)).save(out, format="JPEG", comment=b"patient room 3", exif=exif)
    haddad = ids(app, Provider, slug="amira-haddad")
    url = f"/admin/providers/{haddad}/edit"
    data = clinician_data(
        app,
        name="Dr. Amira Haddad",
        offices=office_ids(app, "fairfax", "potomac"),
        visit_types=visit_ids(app, "new-patient", "follow-up", "video-consultation"),
    )
    assert upload(admin_client, url, data, out.getvalue(), filename="portrait.jpg").status_code == 303
    photo = client.get(f"/locations/clinicians/{haddad}/photo.jpg").data
    assert b"patient room 3" not in photo and b"Secret Camera" not in photo
    with Image.open(io.BytesIO(photo)) as image:
        assert "comment" not in image.info and not image.getexif()
