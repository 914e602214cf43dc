""" "Ask us a question or request an appointment": a message to one office's front desk."""

from flask import Blueprint

bp = Blueprint("ask", __name__)

from . import routes  # noqa: E402,F401
