"""The sign-in limits (counted as clinic_app/attempts.py explains): per account *and* address with
waits that grow (15 minutes after 5 failures, an hour after 10, a day after 20), so one person's
typos at the front desk, or a stranger trying a colleague's email, touch nobody else; plus a
ceiling per address against trying many accounts. The second factor stands behind all of this:
a guessed password alone opens nothing."""

from ...attempts import AttemptLimits

SIGN_IN = AttemptLimits(
    "sign-in",
    per_subject_and_address="5 per 15 minutes; 10 per hour; 20 per day",
    per_address="100 per hour",
)
