"""Why a patient wants to be seen: the short list the booking form offers and articles lead to."""

from flask_babel import lazy_gettext as _l

# The keys (slugs) are plain strings; the labels are lazy, read in the page's language when shown.
VISIT_REASONS = {
    "leg-weakness": _l("Leg weakness"),
    "sciatica": _l("Sciatica or pain down the leg"),
    "spinal-stenosis": _l("Spinal stenosis"),
    "herniated-disc": _l("Herniated disc"),
    "back-pain": _l("Back pain"),
    "neck-pain": _l("Neck pain"),
    "other": _l("Something else"),
}


def reason_label(slug: str) -> str:
    """The patient-facing wording of a reason, in the current language (a plain string); unknown
    slugs read as "Something else"."""
    return str(VISIT_REASONS.get(slug, VISIT_REASONS["other"]))
