"""Practice settings, for admins: users (and the page a password link opens), clinicians, kinds
of visit, offices, the screening questionnaire."""

from . import clinician_routes, questionnaire_routes, user_routes  # noqa: F401  (registers the views on the admin blueprint)
