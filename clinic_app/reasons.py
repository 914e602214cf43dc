"""Why a patient wants to be seen: the short list the booking form offers and articles lead to."""

VISIT_REASONS = {
    "leg-weakness": "Leg weakness",
    "sciatica": "Sciatica or pain down the leg",
    "spinal-stenosis": "Spinal stenosis",
    "herniated-disc": "Herniated disc",
    "back-pain": "Back pain",
    "neck-pain": "Neck pain",
    "other": "Something else",
}


def reason_label(slug: str) -> str:
    """The patient-facing wording of a reason; unknown slugs read as "Something else"."""
    return VISIT_REASONS.get(slug, VISIT_REASONS["other"])
