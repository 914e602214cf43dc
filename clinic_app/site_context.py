"""Values every page's layout needs: the practice's name and phone, navigation, the offices."""

import re

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from . import assets, clock, page_cache
from .extensions import db
from .formatting import long_date, office_time, zone_name
from .htmx import is_htmx
from .offices import clinic_offices
from .pages.banner import banner_dismissed
from .request_log import loggable_path
from .structured_data import article_jsonld, clinic_jsonld
from .texting.messages import texts_enabled
from .texting.numbers import national

# (endpoint, label, is the call to action). Links to features not mounted are left out.
NAVIGATION = [
    ("pages.home", _l("Home"), False),
    ("articles.index", _l("Articles"), False),
    ("locations.index", _l("Locations"), False),
    ("pages.office_update", _l("Office update"), False),
    ("ask.question", _l("Ask a question"), False),
    ("booking.start", _l("Request an appointment"), True),
]


def footer_offices():
    """The offices for the footer, or an empty list when the database cannot be read.

    An error page must still render when the database is down, so this never raises.
    """
    try:
        return clinic_offices()
    except SQLAlchemyError:
        db.session.rollback()
        page_cache.degraded()
        return []


def nav_links():
    """The main navigation, marking the current section."""
    links = []
    for endpoint, label, cta in NAVIGATION:
        if endpoint not in current_app.view_functions:
            continue
        url = url_for(endpoint)
        section = endpoint.split(".")[0]
        current = request.endpoint == endpoint or (
            section not in {"pages"} and (request.endpoint or "").startswith(section + ".")
        )
        links.append({"url": url, "label": label, "cta": cta, "current": current})
    return links


def canonical_url():
    """This page's address on the public site, without query string or link token."""
    return current_app.config["PUBLIC_BASE_URL"] + loggable_path()


def office_update_url():
    """Where the banner's "Read more" leads."""
    if "pages.office_update" in current_app.view_functions:
        return url_for("pages.office_update")
    return url_for("pages.home")


def tel_href(phone: str) -> str:
    """A phone number as a ``tel:`` target: digits only, with the US country code."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits if digits else ""


def layout_context():
    """Context shared by every template."""
    return {
        "clinic_name": current_app.config["CLINIC_NAME"],
        "clinic_phone": current_app.config["CLINIC_PHONE"],
        "footer_offices": footer_offices,
        "nav_links": nav_links,
        "canonical_url": canonical_url,
        "office_update_url": office_update_url,
        "current_year": clock.now().year,
        "htmx_file": assets.HTMX_FILE,
        "htmx_integrity": assets.HTMX_INTEGRITY,
        "banner_dismissed": banner_dismissed,
        "article_jsonld": article_jsonld,
        "clinic_jsonld": clinic_jsonld,
    }


def register_context(app):
    """Make the layout context and filters available to every template."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.context_processor(layout_context)
    app.add_template_filter(tel_href)
    app.add_template_filter(long_date)
    app.add_template_filter(office_time)
    app.add_template_filter(zone_name)
    app.add_template_global(texts_enabled)
    app.add_template_global(is_htmx)
    app.add_template_filter(national, "national_number")
