"""The waitlist: join at step 2 or from the manage page, freed time offered in the order patients
joined, one-time links, exactly one of racing claims books, staff see the list per office."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from clinic_app.booking import questionnaires, screening, service, waitlist
from clinic_app.booking.availability import slots_by_day
from clinic_app.booking.slots import BookingRules
from clinic_app.cli import offer_waitlist
from clinic_app.extensions import db
from clinic_app.models import (
    Appointment,
    FreedTime,
    OfferStatus,
    Office,
    OutboxMessage,
    Provider,
    TimeBlock,
    VisitType,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from tests.booking.racing import NOW, all_at_once
from tests.conftest import add_appointment, csrf_token_from, set_clock

ANSWERS = {key: "no" for key in ("fever", "cough", "taste_smell", "close_contact", "positive_test")}


@pytest.fixture
def app(each_database_app):
    return each_database_app


@pytest.fixture(autouse=True)
def monday_morning(monkeypatch):
    set_clock(monkeypatch, NOW)


@pytest.fixture
def freed_visit(app, clinic):
    """A new-patient visit at Fairfax two days ahead (someone else's), soon to be cancelled: its
    id, manage token and start."""
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        visit_type = db.session.scalars(select(VisitType).filter_by(slug="new-patient")).one()
        day = (NOW + timedelta(days=2)).astimezone(office.tz).date()
        slot = slots_by_day(
            db.session,
            office=office,
            visit_type=visit_type,
            provider_id=None,
            days=[day],
            now=NOW,
            rules=service.BookingRules()
            if hasattr(service, "BookingRules")
            else __import__("clinic_app.booking.slots", fromlist=["BookingRules"]).BookingRules(),
        )[day][0]
        appointment_id = add_appointment(
            db.session,
            slot.starts_at,
            provider=slot.provider.slug,
            visit="new-patient",
            token="freed-visit-token",
            email="first.holder@example.org",
        )
        db.session.commit()
        return SimpleNamespace(id=appointment_id, token="freed-visit-token", starts_at=slot.starts_at)


def join_from_step_two(client, first_name, email, prefix="", **extra):
    """Step 1 through the page, then "Tell me if an earlier time opens"; the response.
    ``prefix="/es"``: through the Spanish pages."""
    token = csrf_token_from(client.get(f"{prefix}/book/").get_data(as_text=True))
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    assert client.post(f"{prefix}/book/", data={"csrf_token": token, **visit}).status_code == 303
    if not prefix:
        assert "Tell me if an earlier time opens" in client.get("/book/time").get_data(as_text=True)
    form = client.get(f"{prefix}/book/waitlist").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(form),
        "last_day": (NOW + timedelta(days=20)).date().isoformat(),
        "first_name": first_name,
        "last_name": "Waiting",
        "date_of_birth": "1950-04-05",
        "phone": "(703) 555-0177",
        "email": email,
        "patient_status": "new",
        "consent": "y",
        **extra,
    }
    return client.post(f"{prefix}/book/waitlist", data=data)


def cancel_through_manage_page(client, visit):
    """The manage page's "Cancel this appointment", then "Yes, cancel my appointment" on the step it opens."""
    page = client.get(f"/booking/{visit.token}").get_data(as_text=True)
    assert f'href="/booking/{visit.token}/cancel"' in page
    confirmation = client.get(f"/booking/{visit.token}/cancel").get_data(as_text=True)
    assert "Yes, cancel my appointment" in confirmation
    response = client.post(f"/booking/{visit.token}/cancel", data={"csrf_token": csrf_token_from(confirmation)})
    assert response.status_code == 303


def run_offers(app):
    with app.app_context():
        return offer_waitlist()


def emails_to(app, address, kind):
    with app.app_context():
        return [
            row.text_body
            for row in db.session.scalars(select(OutboxMessage).filter_by(kind=kind).order_by(OutboxMessage.id))
            if address in row.recipients
        ]


def offer_link(app, address) -> str:
    (text,) = emails_to(app, address, "waitlist_offer.patient")
    return re.search(r"http://localhost(/offer/[A-Za-z0-9_-]+)", text).group(1)


def claim(client, link, **answers):
    page = client.get(link)
    assert page.status_code == 200
    return client.post(
        link, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "acknowledged": "y", **ANSWERS}
    )


def test_a_cancellation_offers_the_freed_time_to_the_first_waitlisted_patient_who_books_it(app, client, freed_visit):
    joined = join_from_step_two(client, "Rosa", "rosa.waits@example.org")
    assert joined.status_code == 303
    page = client.get(joined.headers["Location"]).get_data(as_text=True)
    assert "You are on the waitlist" in page
    (acknowledgement,) = emails_to(app, "rosa.waits@example.org", "waitlist_joined.patient")
    assert "/waitlist/" in acknowledgement

    assert run_offers(app) == 0  # nothing freed yet
    patient = app.test_client()
    cancel_through_manage_page(patient, freed_visit)
    assert run_offers(app) == 1
    link = offer_link(app, "rosa.waits@example.org")

    offer_page = client.get(link).get_data(as_text=True)
    assert "An earlier time has opened" in offer_page and "Book this time" in offer_page
    booked = claim(client, link)
    assert booked.status_code == 200 and "You’re booked" in booked.get_data(as_text=True)
    with app.app_context():
        appointment = db.session.scalars(select(Appointment).filter_by(email="rosa.waits@example.org")).one()
        assert appointment.starts_at == freed_visit.starts_at and appointment.is_active
        assert appointment.screening["outcome"] == "clear"
        entry = db.session.scalars(select(WaitlistEntry)).one()
        assert entry.status == WaitlistStatus.BOOKED and entry.booked_appointment_id == appointment.id
    assert emails_to(app, "rosa.waits@example.org", "booking.patient")  # confirmed like any booking

    again = claim_again = client.post(link, data={"csrf_token": csrf_token_from(offer_page), **ANSWERS})
    assert claim_again.status_code == 200 and "You have already booked this time" in again.get_data(as_text=True)


def test_a_late_link_says_so_and_the_time_goes_to_the_next_in_line(app, client, freed_visit, monkeypatch):
    first, second = app.test_client(), app.test_client()
    join_from_step_two(first, "Ann", "ann@example.org")
    set_clock(monkeypatch, NOW + timedelta(minutes=1))
    join_from_step_two(second, "Bea", "bea@example.org")
    app.config["WAITLIST_OFFER_BATCH"] = 1  # one at a time, in the order they joined
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 1
    link = offer_link(app, "ann@example.org")
    assert emails_to(app, "bea@example.org", "waitlist_offer.patient") == []

    set_clock(monkeypatch, NOW + timedelta(minutes=app.config["WAITLIST_OFFER_MINUTES"] + 2))
    late = first.get(link)
    assert late.status_code == 410 and "This offer has ended" in late.get_data(as_text=True)
    assert run_offers(app) == 1  # Ann's offer ran out: Bea is next
    assert offer_link(app, "bea@example.org")
    assert claim(second, offer_link(app, "bea@example.org")).status_code == 200
    assert first.get("/offer/not-a-real-offer").status_code == 404


def test_of_two_racing_claims_exactly_one_books_and_the_other_is_told(app, client, freed_visit):
    patients = {"cam@example.org": app.test_client(), "dee@example.org": app.test_client()}
    for name, (email, browser) in zip(("Cam", "Dee"), patients.items(), strict=True):
        join_from_step_two(browser, name, email)
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 2  # both offered the same time at once

    with app.app_context():
        offers = db.session.scalars(select(WaitlistOffer).order_by(WaitlistOffer.id)).all()
        offer_ids = [o.id for o in offers]

    class Claim:
        def __init__(self, offer_id):
            self.offer_id = offer_id

        def prepare(self, session):
            return session.get(WaitlistOffer, self.offer_id)

        def __call__(self, session, offer):
            record = screening.answers_record(dict.fromkeys(ANSWERS, False), True, questionnaires.current(session, NOW))
            appointment = waitlist.claim_offer(session, offer, answers_record=record, now=NOW)
            return SimpleNamespace(appointment=appointment)

    outcomes = all_at_once(
        app.config["SQLALCHEMY_DATABASE_URI"],
        [Claim(offer_id) for offer_id in offer_ids],
        {service.SlotTaken: "taken", waitlist.OfferGone: "gone"},
    )
    assert sorted(kind for kind, _ in outcomes) == ["booked", "taken"] or sorted(kind for kind, _ in outcomes) == [
        "booked",
        "gone",
    ], outcomes
    with app.app_context():
        active = db.session.scalars(
            select(Appointment).where(Appointment.starts_at == freed_visit.starts_at, Appointment.status != "cancelled")
        ).all()
        assert len(active) == 1
        states = sorted(o.status for o in db.session.scalars(select(WaitlistOffer)))
        assert states == [OfferStatus.CLAIMED, OfferStatus.TAKEN]
        loser = next(o for o in db.session.scalars(select(WaitlistOffer)) if o.status == OfferStatus.TAKEN)
        loser_email = loser.entry.email
        assert loser.entry.status == WaitlistStatus.WAITING  # still on the list
    loser_page = patients[loser_email].get(offer_link(app, loser_email))
    assert loser_page.status_code == 410 and "another patient booked this time first" in loser_page.get_data(
        as_text=True
    )


def test_the_other_patients_offered_the_time_are_told_it_was_taken(app, freed_visit):
    for name, email in (("Eve", "eve@example.org"), ("Fay", "fay@example.org")):
        join_from_step_two(app.test_client(), name, email)
    cancel_through_manage_page(app.test_client(), freed_visit)
    run_offers(app)
    assert claim(app.test_client(), offer_link(app, "eve@example.org")).status_code == 200
    (told,) = emails_to(app, "fay@example.org", "waitlist_taken.patient")
    assert "booked by another patient" in told and "still on the waitlist" in told


def test_from_the_manage_page_a_claim_moves_the_visit_earlier_and_frees_the_old_time(app, freed_visit):
    later = freed_visit.starts_at + timedelta(days=7)
    with app.app_context():
        mine = add_appointment(db.session, later, visit="new-patient", token="my-later-visit", email="gil@example.org")
        db.session.commit()
    browser = app.test_client()
    page = browser.get("/booking/my-later-visit").get_data(as_text=True)
    assert "Tell me if an earlier time opens" in page
    form = browser.get("/booking/my-later-visit/waitlist").get_data(as_text=True)
    joined = browser.post(
        "/booking/my-later-visit/waitlist", data={"csrf_token": csrf_token_from(form), "clinician": "any"}
    )
    assert joined.status_code == 303
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 1
    moved = claim(browser, offer_link(app, "gil@example.org"))
    assert moved.status_code == 200 and "Your visit is moved" in moved.get_data(as_text=True)
    with app.app_context():
        appointment = db.session.get(Appointment, mine)
        assert appointment.starts_at == freed_visit.starts_at and appointment.is_active
        freed = db.session.scalars(select(FreedTime).order_by(FreedTime.id)).all()
        assert freed[-1].starts_at == later  # its old time is offered on in turn
    assert emails_to(app, "gil@example.org", "reschedule.patient")


def test_removing_blocked_time_offers_it(app, admin_client, freed_visit):
    join_from_step_two(app.test_client(), "Hal", "hal@example.org")
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        appointment = db.session.get(Appointment, freed_visit.id)
        provider_id, local = appointment.provider_id, appointment.starts_at.astimezone(office.tz)
        db.session.delete(appointment)
        db.session.commit()
        block = TimeBlock(
            office_id=office.id,
            provider_id=provider_id,
            kind="meeting",
            starts_on=local.date(),
            ends_on=local.date(),
            starts_at=local.time(),
            ends_at=(local + timedelta(hours=1)).time(),
        )
        db.session.add(block)
        db.session.commit()
        block_id = block.id
    assert run_offers(app) == 0
    page = admin_client.get("/admin/blocks").get_data(as_text=True)
    removed = admin_client.post(f"/admin/blocks/{block_id}/remove", data={"csrf_token": csrf_token_from(page)})
    assert removed.status_code == 303
    assert run_offers(app) == 1 and offer_link(app, "hal@example.org")


def test_bad_input_is_explained_on_the_same_page_and_nothing_is_stored(app, client, clinic):
    response = join_from_step_two(client, "Ida", "ida@example.org", last_day=NOW.date().isoformat(), phone="12")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please choose a day after today." in html and 'value="ida@example.org"' in html
    with app.app_context():
        assert db.session.scalars(select(WaitlistEntry)).all() == []


def test_staff_see_the_waitlist_of_their_office_and_can_remove_someone(
    app, admin_client, fairfax_staff_client, make_user, freed_visit
):
    join_from_step_two(app.test_client(), "Jo", "jo@example.org")
    page = fairfax_staff_client.get("/admin/waitlist?office=fairfax")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Jo Waiting" in html and "any clinician" in html
    assert fairfax_staff_client.get("/admin/waitlist?office=potomac").status_code == 404
    with app.app_context():
        entry_id = db.session.scalars(select(WaitlistEntry)).one().id
    removed = fairfax_staff_client.post(
        f"/admin/waitlist/{entry_id}/remove", data={"csrf_token": csrf_token_from(html)}
    )
    assert removed.status_code == 303
    assert "Nobody is waiting" in fairfax_staff_client.get("/admin/waitlist?office=fairfax").get_data(as_text=True)
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 0  # removed: no offer


def test_with_texts_on_the_offer_also_arrives_as_a_text_without_health_details(app, freed_visit, fake_twilio):
    app.config.update(fake_twilio.settings())
    join_from_step_two(app.test_client(), "Kim", "kim@example.org", text_messages="y")
    cancel_through_manage_page(app.test_client(), freed_visit)
    run_offers(app)
    with app.app_context():
        from clinic_app.notify.outbox import send_pending

        send_pending()
    (text,) = [m for m in fake_twilio.messages if "earlier time" in m["Body"]]
    assert text["To"] == "+17035550177" and "Fairfax, VA office" in text["Body"]
    assert "/offer/" in text["Body"] and "Kim" not in text["Body"] and "New patient" not in text["Body"]


def test_a_patient_leaves_the_list_from_the_link_in_the_acknowledgement(app, client, freed_visit):
    join_from_step_two(client, "Lee", "lee@example.org")
    (acknowledgement,) = emails_to(app, "lee@example.org", "waitlist_joined.patient")
    link = re.search(r"http://localhost(/waitlist/[A-Za-z0-9_-]+)", acknowledgement).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Waiting — we will tell you when a time opens" in page
    left = client.post(link, data={"csrf_token": csrf_token_from(page)})
    assert left.status_code == 303 and "You have left the waitlist" in client.get(link).get_data(as_text=True)
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 0


def test_ended_entries_are_deleted_after_the_retention_period(app, client, clinic):
    from clinic_app.retention import RetentionPolicy, purge

    join_from_step_two(client, "Max", "max@example.org")
    join_from_step_two(app.test_client(), "Ned", "ned@example.org")
    with app.app_context():
        left = db.session.scalars(select(WaitlistEntry).filter_by(email="max@example.org")).one()
        waitlist.leave(db.session, left, NOW)
        assert purge(db.session, NOW + timedelta(days=29), RetentionPolicy()).waitlist_entries_deleted == 0
        report = purge(db.session, NOW + timedelta(days=31), RetentionPolicy())
        assert report.waitlist_entries_deleted == 1 and "1 ended waitlist entry deleted" in str(report)
        assert [e.email for e in db.session.scalars(select(WaitlistEntry))] == ["ned@example.org"]  # still waiting


def test_an_offer_ends_before_the_booking_notice_and_a_video_visit_needs_no_health_questions(app, clinic):
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        video = db.session.scalars(select(VisitType).filter_by(is_telehealth=True)).first()
        day = (NOW + timedelta(days=1)).astimezone(office.tz).date()
        slot = slots_by_day(
            db.session, office=office, visit_type=video, provider_id=None, days=[day], now=NOW, rules=BookingRules()
        )[day][0]
        visit_id = add_appointment(db.session, slot.starts_at, provider=slot.provider.slug, visit=video.slug)
        entry, _ = waitlist.join(
            db.session,
            office=office,
            visit_type=video,
            provider=None,
            last_day=day,
            now=NOW,
            details={
                "first_name": "Ola",
                "last_name": "Video",
                "date_of_birth": date(1960, 1, 1),
                "phone": "(703) 555-0101",
                "email": "ola@example.org",
                "is_new_patient": False,
                "sms_phone": None,
                "reason": "back-pain",
            },
        )
        service.cancel_appointment(db.session, db.session.get(Appointment, visit_id), now=NOW)
    assert run_offers(app) == 1
    with app.app_context():
        offer = db.session.scalars(select(WaitlistOffer)).one()
        assert offer.expires_at <= offer.starts_at - timedelta(minutes=app.config["BOOKING_MIN_NOTICE_MINUTES"])
    browser = app.test_client()
    link = offer_link(app, "ola@example.org")
    page = browser.get(link).get_data(as_text=True)
    assert "Book this time" in page and 'id="fever"' not in page  # no health questions for video
    booked = browser.post(link, data={"csrf_token": csrf_token_from(page)})
    assert booked.status_code == 200 and "You’re booked" in booked.get_data(as_text=True)


def test_an_offer_to_a_visit_cancelled_meanwhile_says_it_is_no_longer_open(app, freed_visit):
    later = freed_visit.starts_at + timedelta(days=7)
    with app.app_context():
        mine = add_appointment(db.session, later, visit="new-patient", token="cancel-me-later", email="pat@example.org")
        db.session.commit()
    browser = app.test_client()
    form = browser.get("/booking/cancel-me-later/waitlist").get_data(as_text=True)
    browser.post("/booking/cancel-me-later/waitlist", data={"csrf_token": csrf_token_from(form), "clinician": "any"})
    cancel_through_manage_page(app.test_client(), freed_visit)
    run_offers(app)
    link = offer_link(app, "pat@example.org")
    page = browser.get(link).get_data(as_text=True)
    with app.app_context():
        service.cancel_appointment(db.session, db.session.get(Appointment, mine), now=NOW)
    answer = browser.post(link, data={"csrf_token": csrf_token_from(page), "acknowledged": "y", **ANSWERS})
    assert answer.status_code == 409 and "This offer is no longer open" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Appointment, mine).status == "cancelled"
        assert db.session.scalars(select(WaitlistEntry)).one().status == WaitlistStatus.ENDED


def test_the_last_day_is_read_in_the_offices_time(app, client, clinic, monkeypatch):
    evening = NOW.replace(hour=1, minute=30) + timedelta(days=1)  # 8:30 PM in Fairfax, already tomorrow in UTC
    set_clock(monkeypatch, evening)
    tomorrow_in_fairfax = evening.date()  # the UTC date is Fairfax's tomorrow
    response = join_from_step_two(client, "Pia", "pia@example.org", last_day=tomorrow_in_fairfax.isoformat())
    assert response.status_code == 303


def test_one_address_waits_for_at_most_three_things_and_the_same_wish_only_moves_its_day(app, client, clinic):
    join_from_step_two(client, "Quin", "quin@example.org")
    again = join_from_step_two(app.test_client(), "Quin", "QUIN@example.org", last_day="2026-12-30")
    assert again.status_code == 303
    with app.app_context():
        (entry,) = db.session.scalars(select(WaitlistEntry)).all()
        assert entry.last_day.isoformat() == "2026-12-30"
        office = entry.office
        kinds = db.session.scalars(select(VisitType).where(VisitType.id != entry.visit_type_id)).all()[:2]
        details = {
            "first_name": "Quin",
            "last_name": "Waiting",
            "date_of_birth": date(1950, 4, 5),
            "phone": "(703) 555-0177",
            "email": "quin@example.org",
            "is_new_patient": True,
            "sms_phone": None,
            "reason": "sciatica",
        }
        for kind in kinds:
            waitlist.join(
                db.session,
                office=office,
                visit_type=kind,
                provider=None,
                last_day=entry.last_day,
                now=NOW,
                details=details,
            )
        clinician = db.session.scalars(select(Provider).where(Provider.offices.contains(office))).first()
        with pytest.raises(waitlist.WaitlistRefused, match="already on our waitlist for 3 visits"):
            waitlist.join(
                db.session,
                office=office,
                visit_type=entry.visit_type,
                provider=clinician,
                last_day=entry.last_day,
                now=NOW,
                details=details,
            )
        assert len(db.session.scalars(select(WaitlistEntry)).all()) == 3


def test_a_patient_offered_an_overlapping_time_of_another_length_is_told_too(app, freed_visit):
    join_from_step_two(app.test_client(), "Ada", "ada@example.org")  # a new-patient consultation
    with app.app_context():
        office = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        follow_up = db.session.scalars(select(VisitType).filter_by(slug="follow-up")).one()
        waitlist.join(
            db.session,
            office=office,
            visit_type=follow_up,
            provider=None,
            last_day=(NOW + timedelta(days=20)).date(),
            now=NOW + timedelta(minutes=1),
            details={
                "first_name": "Bo",
                "last_name": "Shorter",
                "date_of_birth": date(1955, 1, 2),
                "phone": "(703) 555-0102",
                "email": "bo@example.org",
                "is_new_patient": False,
                "sms_phone": None,
                "reason": "back-pain",
            },
        )
    cancel_through_manage_page(app.test_client(), freed_visit)
    assert run_offers(app) == 2
    assert claim(app.test_client(), offer_link(app, "ada@example.org")).status_code == 200
    with app.app_context():
        booked = db.session.scalars(select(Appointment).filter_by(email="ada@example.org")).one()
        bos = db.session.scalars(select(WaitlistOffer).join(WaitlistEntry).filter_by(email="bo@example.org")).one()
        held_until = booked.ends_at + timedelta(minutes=booked.visit_type.buffer_minutes)
        assert bos.starts_at < held_until and bos.starts_at + timedelta(minutes=30) > booked.starts_at  # overlaps
        assert bos.status == OfferStatus.TAKEN
    assert emails_to(app, "bo@example.org", "waitlist_taken.patient")


def test_a_patient_who_joins_in_spanish_hears_of_the_freed_time_and_books_it_in_spanish(app, client, freed_visit):
    """Joined through /es/: the entry keeps Spanish, so the acknowledgement, the offer (sent by the
    job, outside any page) and the confirmation of the claimed time are Spanish, with links to
    the Spanish pages; the visit booked from the offer keeps the language too."""
    assert join_from_step_two(client, "Rosa", "rosa.espera@example.org", prefix="/es").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(WaitlistEntry.language)).one() == "es"
    (acknowledgement,) = emails_to(app, "rosa.espera@example.org", "waitlist_joined.patient")
    assert "Está en nuestra lista de espera" in acknowledgement and "http://localhost/es/waitlist/" in acknowledgement
    assert re.search(r"para una hora hasta el \w+ \d+ de \w+ de 2026\.\n\n", acknowledgement)  # its own paragraph
    cancel_through_manage_page(app.test_client(), freed_visit)  # an English-speaking patient frees the time
    assert run_offers(app) == 1
    (offer,) = emails_to(app, "rosa.espera@example.org", "waitlist_offer.patient")
    assert "Se abrió una hora más temprana" in offer and "Reserve esta hora antes del" in offer
    assert re.search(r"Reserve esta hora antes del [^\n]+:\nhttp://localhost/es/offer/", offer)  # the link alone
    assert "earlier time" not in offer
    link = re.search(r"http://localhost(/es/offer/[A-Za-z0-9_-]+)", offer).group(1)
    assert claim(client, link).status_code == 200
    (confirmation,) = emails_to(app, "rosa.espera@example.org", "booking.patient")
    assert "Su cita está reservada." in confirmation
    with app.app_context():
        booked = db.session.scalars(select(Appointment).filter_by(email="rosa.espera@example.org")).one()
        assert booked.language == "es" and booked.starts_at == freed_visit.starts_at
