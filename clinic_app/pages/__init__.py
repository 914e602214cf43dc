"""The site's own pages: home and the crawler files."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from . import routes  # noqa: E402,F401
