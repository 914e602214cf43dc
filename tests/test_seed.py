"""``flask seed`` loads the two offices, and running it again changes nothing."""

from datetime import time

from sqlalchemy import func, select

from clinic_app.extensions import db
from clinic_app.models import Office, OpeningHours
from clinic_app.seed import seed_offices


def snapshot():
    """Every office and opening-hours row, as plain tuples."""
    offices = db.session.execute(select(Office.__table__)).all()
    hours = db.session.execute(select(OpeningHours.__table__)).all()
    return sorted(map(tuple, offices)), sorted(map(tuple, hours))


def test_seed_creates_both_offices_with_their_addresses(runner, app):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        fairfax = db.session.scalars(select(Office).filter_by(slug="fairfax")).one()
        potomac = db.session.scalars(select(Office).filter_by(slug="potomac")).one()
        assert fairfax.address_lines == ["4001 Fair Ridge Dr, Suite 202", "Fairfax, VA 22033"]
        assert potomac.address_lines == ["7811 Montrose Rd, Suite 220", "Potomac, MD 20854"]
        assert fairfax.timezone == potomac.timezone == "America/New_York"
        assert fairfax.notify_email_list == ["fairfax-frontdesk@example.org"]


def test_seed_opens_weekdays_eight_to_five(runner, app):
    runner.invoke(args=["seed"])
    with app.app_context():
        for office in db.session.scalars(select(Office)):
            assert [(h.weekday, h.opens, h.closes) for h in office.opening_hours] == [
                (day, time(8), time(17)) for day in range(5)
            ]


def test_seeding_twice_changes_nothing(runner, app):
    first = runner.invoke(args=["seed"])
    with app.app_context():
        before = snapshot()
    second = runner.invoke(args=["seed"])
    assert "created office fairfax" in first.output
    assert "nothing changed" in second.output
    with app.app_context():
        assert snapshot() == before
        assert db.session.scalar(select(func.count()).select_from(Office)) == 2


def test_the_settings_are_first_install_defaults_and_a_later_seed_keeps_what_admins_changed(app):
    with app.app_context():
        seed_offices(db.session, app.config["OFFICE_SETTINGS"])
        db.session.commit()
        potomac = db.session.scalars(select(Office).filter_by(slug="potomac")).one()
        assert potomac.phone == app.config["OFFICE_SETTINGS"]["potomac"]["phone"]
        potomac.phone, potomac.notify_emails = "(301) 555-0111", "changed@example.org"
        potomac.opening_hours[0].closes = time(12)
        db.session.commit()
        settings = {**app.config["OFFICE_SETTINGS"]}
        settings["potomac"] = {"phone": "(301) 555-0100", "notify_emails": ["md1@example.org", "md2@example.org"]}
        assert seed_offices(db.session, settings) == []
        db.session.commit()
        assert (potomac.phone, potomac.notify_email_list) == ("(301) 555-0111", ["changed@example.org"])
        assert potomac.opening_hours[0].closes == time(12)


def test_seed_adds_visit_types_and_providers_with_hours_once(runner, app):
    from clinic_app.models import Provider, VisitType

    runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert "nothing changed" in second.output
    with app.app_context():
        visits = {
            v.slug: (v.duration_minutes, v.buffer_minutes, v.is_telehealth)
            for v in db.session.scalars(select(VisitType))
        }
        assert visits == {
            "new-patient": (45, 15, False),
            "follow-up": (30, 0, False),
            "video-consultation": (30, 0, True),
        }
        providers = db.session.scalars(select(Provider)).all()
        assert len(providers) == 4
        for provider in providers:
            assert provider.offices and provider.working_hours
            assert {h.office for h in provider.working_hours} == set(provider.offices)
