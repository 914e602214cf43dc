"""Text messages: the provider (or the development sink), what a visit texts, and the replies
patients send back ("C" confirms the next visit, STOP ends texts)."""

from flask import Blueprint

bp = Blueprint("texting", __name__)

from . import routes  # noqa: E402,F401
