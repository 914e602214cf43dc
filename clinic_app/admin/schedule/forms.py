"""Forms for closures and clinicians' weekly hours."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, TimeField
from wtforms.validators import InputRequired, Optional

from ...fields import text_field
from ...models import TimeBlock
from ...models.office import WEEKDAY_NAMES
from .service import PERIODS_PER_DAY, HoursKey

PERIOD_NAMES = ("first", "second")
DATE_MESSAGE = "Please enter a date like 2026-11-26."


class ClosureForm(FlaskForm):
    """Close an office, a clinician, or a clinician at one office, for a range of days."""

    office = SelectField("Office", choices=[], validate_choice=False)
    provider = SelectField("Clinician", choices=[], validate_choice=False)
    starts_on = DateField(
        "First day", invalid_value_message=DATE_MESSAGE, validators=[InputRequired("Please give the first day.")]
    )
    ends_on = DateField(
        "Last day", invalid_value_message=DATE_MESSAGE, validators=[InputRequired("Please give the last day.")]
    )
    reason = text_field(
        "Reason",
        required="Please give a reason, e.g. “Thanksgiving”.",
        max_length=200,
        what="the reason",
        one_line=True,
    )


class BlockForm(FlaskForm):
    """Block part of a day for a clinician or a whole office, once or every week."""

    office = SelectField("Office", choices=[], validate_choice=False)
    provider = SelectField("Who", choices=[], validate_choice=False)
    kind = SelectField(
        "For",
        choices=[SelectChoice(key, label) for key, label in TimeBlock.KINDS.items()],
        validate_choice=False,
    )
    starts_on = DateField("Day", invalid_value_message=DATE_MESSAGE, validators=[InputRequired("Please give the day.")])
    starts_at = TimeField("From", validators=[InputRequired("Please give the start time.")])
    ends_at = TimeField("Until", validators=[InputRequired("Please give the end time.")])
    weekly = BooleanField("Every week on this weekday")
    ends_on = DateField("Last week (optional)", invalid_value_message=DATE_MESSAGE, validators=[Optional()])


def chosen_id(value):
    """The id a select sent: None for the empty choice, 0 (matching nothing) for anything unreadable."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number <= 2**31 - 1 else 0  # beyond the database's integers: nothing


def hours_field_name(key: HoursKey) -> str:
    """hours_3_0_1_start: office 3, Monday, first period, start."""
    return f"hours_{key.office_id}_{key.weekday}_{key.period}_{key.part}"


def hours_form(offices, saved=None):
    """A form with a start and an end time for each office, weekday and period, filled from ``saved``.

    :param offices: the offices whose hours are edited.
    :param saved: ``{office id: {weekday: [(start, end), ...]}}``; ignored when the request posts
        its own values.
    """

    class HoursForm(FlaskForm):
        """The provider's weekly hours at the offices the user manages."""

    data = {}
    for office in offices:
        for weekday, day_name in enumerate(WEEKDAY_NAMES):
            intervals = (saved or {}).get(office.id, {}).get(weekday, [])
            for period in range(1, PERIODS_PER_DAY + 1):
                for index, part in enumerate(("start", "end")):
                    name = hours_field_name(HoursKey(office.id, weekday, period, part))
                    edge = "from" if part == "start" else "until"
                    label = f"{day_name} at {office.name}, {PERIOD_NAMES[period - 1]} period, {edge}"
                    setattr(
                        HoursForm,
                        name,
                        TimeField(
                            label,
                            format=["%H:%M", "%H:%M:%S"],
                            validators=[Optional()],
                            invalid_value_message="Please enter a time like 08:30, or leave it empty.",
                        ),
                    )
                    if period <= len(intervals):
                        data[name] = intervals[period - 1][index]
    return HoursForm(data=data)


def hours_from(form, offices) -> dict:
    """``{office id: {weekday: [(start, end), ...]}}`` as typed, empty times as None."""

    def value(office, weekday, period, part):
        return form[hours_field_name(HoursKey(office.id, weekday, period, part))].data

    return {
        office.id: {
            weekday: [
                (value(office, weekday, period, "start"), value(office, weekday, period, "end"))
                for period in range(1, PERIODS_PER_DAY + 1)
            ]
            for weekday in range(7)
        }
        for office in offices
    }


def hours_grid(form, offices) -> list[dict]:
    """The form's fields arranged for the page: per office, per weekday, the four time fields in order."""
    return [
        {
            "office": office,
            "days": [
                {
                    "name": day_name,
                    "fields": [
                        form[hours_field_name(HoursKey(office.id, weekday, period, part))]
                        for period in range(1, PERIODS_PER_DAY + 1)
                        for part in ("start", "end")
                    ],
                }
                for weekday, day_name in enumerate(WEEKDAY_NAMES)
            ],
        }
        for office in offices
    ]


def show_hours_problems(form, problems: dict) -> None:
    """Attach each :class:`HoursKey` problem to its field, and name the field in every message.

    The error summary lists messages on their own, so each says where it is ("Monday at Fairfax,
    VA, first period, until: …").
    """
    for key, message in problems.items():
        form[hours_field_name(key)].errors = [message]
    for field in form:
        if field.name.startswith("hours_") and field.errors:
            field.errors = [f"{field.label.text}: {message}" for message in field.errors]
