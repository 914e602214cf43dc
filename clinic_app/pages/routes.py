"""Views of the site's own pages: home, the office update, and the files crawlers read."""

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import i18n
from ..articles.content import library
from ..booking.questionnaires import in_force, policy_html
from ..extensions import csrf, db
from ..htmx import is_htmx
from ..links import booking_url
from ..models import Office
from ..offices import clinic_offices
from ..page_cache import public_page
from . import bp
from .banner import BANNER_COOKIE, BANNER_COOKIE_MAX_AGE, office_update_version, safe_next_url

CONDITIONS = [
    (_l("Leg weakness and numbness"), "leg-weakness-symptoms-causes-treatment"),
    (_l("Sciatica"), "sciatica"),
    (_l("Spinal stenosis"), "spinal-stenosis"),
    (_l("Herniated discs"), "herniated-disc"),
    (_l("Back and neck pain"), None),
    (_l("Nerve pain and tingling"), None),
]


@bp.get("/")
@public_page
def home():
    """What the clinic treats, the offices, the latest articles, and the way to book."""
    articles = library()
    conditions = [
        {"label": label, "url": url_for("articles.detail", slug=slug) if articles.get(slug) else None}
        for label, slug in CONDITIONS
    ]
    offices = clinic_offices()
    return render_template(
        "pages/home.html",
        conditions=conditions,
        offices=offices,
        latest=articles.latest(3),
        request_url=booking_url(),
    )


@bp.get("/office-update")
@public_page
def office_update():
    """The Safe Patient Appointments policy, with the screening questions the booking form asks."""
    screening = in_force()
    return render_template(
        "pages/office_update.html", screening=screening, policy=policy_html(screening.policy), request_url=booking_url()
    )


@bp.post("/office-update/dismiss")
@csrf.exempt
def dismiss_banner():
    """Hide the office-update banner for this browser until the policy changes. No CSRF token:
    it only sets this browser's preference cookie (another site could at most hide a notice), and
    a token would put a session on every public page. A browser says when another site sent the
    form (``Sec-Fetch-Site``): then nothing is hidden."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return redirect(safe_next_url(request.form.get("next")), 303)
    if is_htmx():
        response = make_response("", 200)
    else:
        response = redirect(safe_next_url(request.form.get("next")), 303)
    response.set_cookie(
        BANNER_COOKIE,
        office_update_version(),
        max_age=BANNER_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers that ignore the page's icon link still get the clinic's icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


# Off-limits to crawlers, in every language: the booking steps after the first (they hold a
# patient's choices), private links (manage, offers, waitlist, short links) and thank-you pages.
# The first step (/book/) may be crawled, so that "request an appointment" can be found.
PRIVATE_PATHS = (
    "/book/time",
    "/book/screening",
    "/book/details",
    "/book/review",
    "/book/confirmed",
    "/book/waitlist",
    "/book/restart",
    "/book/start-over",
    "/booking/",
    "/offer/",
    "/waitlist/",
    "/v/",
    "/ask/thanks",
)


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the public site, step 1 of the booking included; later steps, private
    links and the back office are off-limits (and carry ``noindex`` too)."""
    prefixes = ["", *(f"/{code}" for code in i18n.PREFIXED)]
    lines = [
        "User-agent: *",
        *(f"Disallow: {prefix}{path}" for prefix in prefixes for path in PRIVATE_PATHS),
        "Disallow: /admin/",
        "Disallow: /texts/",
        f"Sitemap: {current_app.config['PUBLIC_BASE_URL']}{url_for('pages.sitemap')}",
    ]
    response = make_response("\n".join(lines) + "\n")
    response.mimetype = "text/plain"
    return response


@bp.get("/sitemap.xml")
def sitemap():
    """Every public page in each language (each naming the other as its alternate): home,
    articles, offices, the office update, the question form."""
    pages = [
        {"url": url_for("pages.home")},
        {"url": url_for("pages.office_update")},
        {"url": url_for("articles.index")},
        {"url": url_for("locations.index")},
        {"url": url_for("ask.question")},
    ]
    pages += [
        {"url": url_for("articles.detail", slug=a.slug), "lastmod": a.last_modified.isoformat()}
        for a in library("en").articles
    ]
    pages += [
        {"url": url_for("locations.detail", slug=slug)}
        for slug in db.session.scalars(select(Office.slug).order_by(Office.slug))
    ]
    base = current_app.config["PUBLIC_BASE_URL"]
    entries = []
    for page in pages:
        addresses = {code: base + i18n.in_language(page["url"], code) for code in i18n.LANGUAGES}
        entries += [{**page, "loc": addresses[code], "alternates": addresses} for code in i18n.LANGUAGES]
    response = make_response(render_template("pages/sitemap.xml", entries=entries))
    response.mimetype = "application/xml"
    return response
