"""The screening questionnaire as admins edit it: a new version starts as a draft copied from the
one in force, is edited (questions, their help and what a "yes" means, the acknowledgement, the
policy's Markdown) and published from a date. Published versions never change. Plain functions
over a session; each step is audited; the caller commits.

The draft also carries its Spanish wording (``ScreeningVersion.translations["es"]``), published
with it. A version may be published with its Spanish incomplete: the editor lists what is
missing, and Spanish pages then ask in English with a note in Spanish (``screening.translated``),
so a change to the questions is never held back by its translation.
"""

import copy
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ... import clock
from ...booking.questionnaires import as_questionnaire, ensure_first_version, published_row, translations_of
from ...booking.screening import missing_wording
from ...models import ScreeningVersion
from ..auth.access import audit
from .settings import SettingsInvalid

MAX_QUESTION = 300
MAX_POLICY = 20000
SPANISH = "es"
# Field names the screening forms already use: a question's key must not take one of them.
RESERVED_KEYS = {"acknowledged", "csrf_token", "slot", "source", "reason", "booking_key", "consent", "notes"}


@dataclass(frozen=True)
class QuestionRow:
    key: str  # "" for a new question
    text: str
    help: str
    yes_means: str
    spanish_text: str = ""
    spanish_help: str = ""
    spanish_yes_means: str = ""


@dataclass(frozen=True)
class DraftRequest:
    questions: tuple  # QuestionRow, in order; rows with no text are left out
    acknowledgement: str
    policy: str
    spanish_acknowledgement: str = ""
    spanish_policy: str = ""


def versions(session) -> list[ScreeningVersion]:
    """Drafts first, then published versions newest first."""
    rows = session.scalars(select(ScreeningVersion)).all()
    return sorted(rows, key=lambda v: (not v.is_draft, -(v.published_at.timestamp() if v.published_at else 0), -v.id))


def draft_snapshot(version: ScreeningVersion) -> dict:
    return {
        "questions": [q["text"] for q in version.questions],
        "acknowledgement": version.acknowledgement,
        "policy_characters": len(version.policy),
        "spanish_missing": missing_spanish(version),
    }


def missing_spanish(version: ScreeningVersion) -> list[str]:
    """What the version's Spanish wording lacks ("question 2", "the policy", …); [] when complete."""
    return missing_wording(as_questionnaire(version), translations_of(version).get(SPANISH))


def spanish_gaps(missing: list[str]) -> list[str]:
    """What patients on the Spanish pages get while the Spanish lacks ``missing`` (as
    ``missing_spanish`` names it), one sentence per consequence; [] when complete."""
    gaps = []
    if any(part != "the policy" for part in missing):
        gaps.append(
            "Spanish pages ask the questions in English, with a note in Spanish, until every question "
            "(with its help and what a “yes” means) and the confirmation are in Spanish."
        )
    if "the policy" in missing:
        gaps.append("The Spanish office-update page shows the policy in English, with a note in Spanish.")
    return gaps


def spanish_of(version: ScreeningVersion) -> dict:
    """The version's Spanish as the editor fills it in: ``{"questions": {key: {"text", "help",
    "yes_means"}}, "acknowledgement", "policy"}``, each part "" when not written yet."""
    stored = translations_of(version).get(SPANISH) or {}
    questions = stored.get("questions") or {}
    return {
        "questions": {
            q["key"]: {part: (questions.get(q["key"]) or {}).get(part) or "" for part in ("text", "help", "yes_means")}
            for q in version.questions
        },
        "acknowledgement": stored.get("acknowledgement") or "",
        "policy": stored.get("policy") or "",
    }


def start_draft(session, by, now: datetime) -> ScreeningVersion:
    """The draft to edit: the one already started, or a copy of the version in force."""
    ensure_first_version(session)
    existing = session.scalars(select(ScreeningVersion).where(ScreeningVersion.published_at.is_(None))).first()
    if existing is not None:
        return existing
    latest = latest_published(session)  # a version waiting for a later day included
    draft = ScreeningVersion(
        questions=[dict(question) for question in latest.questions],
        acknowledgement=latest.acknowledgement,
        policy=latest.policy,
        translations=copy.deepcopy(translations_of(latest)),
        created_by_id=by.id if by else None,
    )
    session.add(draft)
    session.flush()
    audit(session, by, "screening.draft_started", what=f"copy of {latest.version}")
    return draft


def latest_published(session) -> ScreeningVersion:
    return session.scalars(
        select(ScreeningVersion)
        .where(ScreeningVersion.published_at.is_not(None))
        .order_by(ScreeningVersion.published_at.desc(), ScreeningVersion.id.desc())
    ).first()


def waiting(session, now: datetime) -> ScreeningVersion | None:
    """A version published for a later moment, not yet in force."""
    return session.scalars(
        select(ScreeningVersion).where(ScreeningVersion.published_at > now).order_by(ScreeningVersion.published_at)
    ).first()


def withdraw(session, by, version: ScreeningVersion, now: datetime) -> None:
    """Take back a version published for a later day, before it is in force (nobody answered it)."""
    if version.published_at is None or version.published_at <= now:
        raise SettingsInvalid({"publish_on": "Only a version not yet in force can be withdrawn."})
    audit(session, by, "screening.withdrawn", what=version.version)
    session.delete(version)


def _key_for(text: str, taken: set) -> str:
    base = "q_" + (re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30] or "question")
    key, number = base, 2
    while key in taken or key in RESERVED_KEYS:
        key, number = f"{base}_{number}", number + 1
    return key


def kept_translation(english: str, was_english: str, spanish: str, was_spanish: str) -> str:
    """The Spanish of a part to store: none when its English was changed and its Spanish was not
    (that Spanish translates the old wording, and would ask patients the old question); the
    editor then lists the part as missing until the Spanish is written again."""
    if english != was_english and spanish == was_spanish:
        return ""
    return spanish


def save_draft(session, by, draft: ScreeningVersion, request: DraftRequest) -> None:
    """Store the draft's questions, acknowledgement and policy, in English and in Spanish (any
    part of the Spanish may be left empty; a question cleared to remove it goes with its Spanish;
    the Spanish of a part whose English changed alone is dropped: ``kept_translation``).

    :raise SettingsInvalid: no question, a question too long, no acknowledgement or policy, a new
        question written only in Spanish.
    """
    if not draft.is_draft:
        raise SettingsInvalid({"questions": "A published version cannot change; start a new one."})
    problems = {}
    stored = {question["key"] for question in draft.questions}
    rows = [row for row in request.questions if row.text.strip()]
    if not rows:
        problems["q0_text"] = "Please keep at least one question: a questionnaire without questions screens nobody."
    for index, row in enumerate(request.questions):
        for part, value in (
            ("text", row.text),
            ("help", row.help),
            ("yes", row.yes_means),
            ("spanish_text", row.spanish_text),
            ("spanish_help", row.spanish_help),
            ("spanish_yes", row.spanish_yes_means),
        ):
            if len(value) > MAX_QUESTION:
                problems[f"q{index}_{part}"] = f"Please keep this under {MAX_QUESTION} characters."
        if row.text.strip():
            continue
        if row.help.strip() or row.yes_means.strip():
            problems[f"q{index}_text"] = "Please write the question, or clear its help and what a yes means."
        elif not row.key and any(
            value.strip() for value in (row.spanish_text, row.spanish_help, row.spanish_yes_means)
        ):  # a question cleared to remove it goes with its Spanish; a new row needs its English
            problems[f"q{index}_text"] = "Please write the question in English too: the Spanish translates it."
    if not request.acknowledgement.strip():
        problems["acknowledgement"] = "Please write what the patient confirms."
    if not request.policy.strip():
        problems["policy"] = "Please write the policy: the office-update page shows it."
    elif len(request.policy) > MAX_POLICY:
        problems["policy"] = f"Please keep the policy under {MAX_POLICY:,} characters."
    if len(request.spanish_policy) > MAX_POLICY:
        problems["spanish_policy"] = f"Please keep the policy under {MAX_POLICY:,} characters."
    if problems:
        raise SettingsInvalid(problems)
    before = draft_snapshot(draft)
    was = {question["key"]: question for question in draft.questions}
    was_spanish = translations_of(draft).get(SPANISH, {})
    # A question keeps its key only if the draft had it (the form's hidden field is not trusted);
    # a new one gets a fresh "q_…" key that no form field uses.
    taken = set()
    questions, spanish_questions = [], {}
    for row in rows:
        key = row.key if row.key in stored and row.key not in taken else _key_for(row.text, taken | stored)
        taken.add(key)
        questions.append(
            {"key": key, "text": row.text.strip(), "help": row.help.strip(), "yes_means": row.yes_means.strip()}
        )
        wording = {"text": row.spanish_text, "help": row.spanish_help, "yes_means": row.spanish_yes_means}
        if key in was:
            old = was_spanish.get("questions", {}).get(key, {})
            wording = {
                part: kept_translation(questions[-1][part], was[key].get(part, ""), value.strip(), old.get(part, ""))
                for part, value in wording.items()
            }
        if any(value.strip() for value in wording.values()):
            spanish_questions[key] = {part: value.strip() for part, value in wording.items()}
    draft.questions = questions
    before_english = {"acknowledgement": draft.acknowledgement, "policy": draft.policy}
    draft.acknowledgement, draft.policy = request.acknowledgement.strip(), request.policy.strip()
    spanish = {
        "questions": spanish_questions,
        "acknowledgement": kept_translation(
            draft.acknowledgement,
            before_english["acknowledgement"],
            request.spanish_acknowledgement.strip(),
            was_spanish.get("acknowledgement", ""),
        ),
        "policy": kept_translation(
            draft.policy, before_english["policy"], request.spanish_policy.strip(), was_spanish.get("policy", "")
        ),
    }
    others = {code: wording for code, wording in (draft.translations or {}).items() if code != SPANISH}
    draft.translations = {**others, SPANISH: spanish} if any(spanish.values()) else others
    audit(session, by, "screening.draft_saved", before=before, after=draft_snapshot(draft))


def publish(session, by, draft: ScreeningVersion, when: datetime, label_day) -> ScreeningVersion:
    """Publish the draft from ``when`` (now or later): from then on every form asks its
    questions and the banner shows again. ``label_day`` names the version (its date)."""
    if not draft.is_draft:
        raise SettingsInvalid({"publish_on": "This version is already published."})
    if not draft.questions:
        raise SettingsInvalid({"q0_text": "Please keep at least one question."})
    later = waiting(session, clock.now())
    if later is not None:
        raise SettingsInvalid(
            {
                "publish_on": f"Version {later.version} is already waiting to take over later; "
                "withdraw it first (on the screening page), so it does not undo this one."
            }
        )
    taken = set(session.scalars(select(ScreeningVersion.version).where(ScreeningVersion.version.is_not(None))))
    label, number = label_day.isoformat(), 2
    while label in taken:
        label, number = f"{label_day.isoformat()}-{number}", number + 1
    before = published_row(session, when)
    draft.version, draft.published_at, draft.published_by_id = label, when, by.id if by else None
    audit(
        session,
        by,
        "screening.published",
        what=label,
        before={"questions": [q["text"] for q in before.questions]} if before else None,
        after={
            "questions": [q["text"] for q in draft.questions],
            "from": when.isoformat(),
            "spanish_missing": missing_spanish(draft),
        },
    )
    return draft


def discard_draft(session, by, draft: ScreeningVersion) -> None:
    if draft.is_draft:
        session.delete(draft)
        audit(session, by, "screening.draft_discarded")
