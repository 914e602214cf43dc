"""Views of the site's own pages."""

from flask import render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Office
from . import bp


@bp.get("/")
def home():
    """The home page: what the clinic treats, its offices, and the way to book."""
    offices = db.session.scalars(select(Office).order_by(Office.name)).all()
    return render_template("pages/home.html", offices=offices)
