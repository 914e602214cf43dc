"""Home, the office update and its banner, sitemap and robots."""

import re
import xml.etree.ElementTree as ET

import pytest

from clinic_app.articles.content import load_library
from clinic_app.booking.screening import FIRST

PUBLIC_PAGES = [
    "/",
    "/articles/",
    "/articles/leg-weakness-symptoms-causes-treatment",
    "/office-update",
    "/locations/",
    "/locations/fairfax",
    "/locations/potomac",
    "/ask",
]


def test_home_shows_conditions_offices_latest_articles_and_booking(client, offices):
    html = client.get("/").get_data(as_text=True)
    assert "What we treat" in html and 'href="/articles/sciatica">Sciatica</a>' in html
    assert 'href="/locations/fairfax">Fairfax, VA</a>' in html
    assert 'href="/locations/potomac">Potomac, MD</a>' in html
    assert "Latest articles" in html
    latest = load_library().latest(1)[0]
    assert f'href="/articles/{latest.slug}"' in html
    assert 'class="button" href="/book/">Request an appointment</a>' in html


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_has_title_description_canonical_and_open_graph(client, offices, url):
    html = client.get(url).get_data(as_text=True)
    title = re.search(r"<title>(.+?)</title>", html).group(1)
    assert title.endswith("Spine &amp; Nerve Clinic")
    description = re.search(r'<meta name="description" content="([^"]+)">', html).group(1)
    assert 40 <= len(description) <= 300
    assert f'<link rel="canonical" href="http://localhost{url}">' in html
    for prop in ["og:title", "og:description", "og:url", "og:type", "og:site_name"]:
        assert f'property="{prop}"' in html
    assert "Office Update:" in html  # banner on every page
    assert "In an emergency, call 911" in html  # disclaimer on every page


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_control_has_a_label(client, offices, url):
    html = client.get(url).get_data(as_text=True)
    labelled_ids = set(re.findall(r'<label for="([^"]+)"', html))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if 'type="hidden"' in tag or 'type="radio"' in tag:
            continue
        control_id = re.search(r'id="([^"]+)"', tag)
        assert control_id and control_id.group(1) in labelled_ids, tag


def test_office_update_lists_the_same_questions_the_booking_form_asks(client, offices):
    html = client.get("/office-update").get_data(as_text=True)
    assert "<h1" in html and "Office Update: Safe Patient Appointments" in html
    for question in FIRST.questions:
        assert f"<li>{question.text}</li>" in html.replace("\n", " ").replace("&#39;", "'")
    assert "If you answer yes to any question" in html
    assert "telehealth" in html.lower()


def test_banner_links_to_the_office_update(client, offices):
    html = client.get("/articles/").get_data(as_text=True)
    assert re.search(r'Safe Patient Appointments <a href="/office-update">\(Read more\)</a>', html)


def test_dismissing_the_banner_is_remembered_and_returns_to_the_page(client, offices):
    response = client.post("/office-update/dismiss", data={"next": "/locations/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/locations/"
    html = client.get("/locations/").get_data(as_text=True)
    assert "Office Update:" not in html
    assert "Our offices" in html  # the page itself is untouched


def test_dismissing_with_htmx_answers_empty_so_the_banner_is_removed(client, offices):
    response = client.post("/office-update/dismiss", data={"next": "/"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.data == b""
    assert "office_update_dismissed=" in response.headers["Set-Cookie"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/articles/",
        "/articles/leg-weakness-symptoms-causes-treatment",
        "/locations/",
        "/locations/fairfax",
        "/office-update",
    ],
)
def test_public_pages_set_no_cookie_and_hold_no_form_token(client, offices, path):
    """Hiding the notice is a preference cookie set by its own POST (it changes nothing on the
    server), so a public page needs no session: no cookie on a plain GET, no token in the page."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []
    assert "csrf" not in response.get_data(as_text=True).lower()
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "Cookie" in response.headers["Vary"] and response.headers["ETag"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"])
def test_dismissing_never_redirects_off_site(client, offices, target):
    response = client.post("/office-update/dismiss", data={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "raw_next",
    [
        "%0d%0aSet-Cookie:x=1",
        "/%0d%0aSet-Cookie:x=1",
        "/locations/%0aSet-Cookie:x=1",
        "/%1b[2K",
        "//evil.example",
        "https://evil.example",
        "/%5Cevil",
    ],
)
def test_dismissing_with_control_characters_or_another_site_in_next_goes_home(client, offices, raw_next):
    """``next`` exactly as a hostile form would send it: a line break must not split the header."""
    response = client.post(
        "/office-update/dismiss",
        data=f"next={raw_next}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    [cookie] = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("office_update_dismissed=")


def test_sitemap_lists_every_article_and_office(client, offices):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [el.text for el in ET.fromstring(response.data).findall("s:url/s:loc", namespace)]
    for article in load_library().articles:
        assert f"http://localhost/articles/{article.slug}" in locations
    for slug in ["fairfax", "potomac"]:
        assert f"http://localhost/locations/{slug}" in locations
    assert "http://localhost/office-update" in locations
    assert len(locations) == len(set(locations))


def test_robots_allows_the_site_and_keeps_private_areas_out(client):
    """Read as a crawler reads it (the standard library's parser): step 1 of the booking may be
    crawled in both languages, later steps and private links may not."""
    from urllib.robotparser import RobotFileParser

    response = client.get("/robots.txt")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://localhost/sitemap.xml" in text
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    for public in ["/", "/book/", "/book/?reason=leg-weakness", "/es/book/", "/articles/sciatica", "/es/ask"]:
        assert robots.can_fetch("Googlebot", "http://localhost" + public), public
    for private in [
        "/book/time",
        "/book/time/slots?day=2026-12-08",
        "/es/book/screening",
        "/book/details",
        "/book/review",
        "/book/confirmed",
        "/booking/a-manage-token",
        "/es/booking/a-manage-token/cancel",
        "/offer/a-token",
        "/v/a-token",
        "/waitlist/a-token",
        "/admin/",
        "/ask/thanks",
    ]:
        assert not robots.can_fetch("Googlebot", "http://localhost" + private), private


def test_step_one_may_be_listed_and_the_later_steps_may_not(client, clinic):
    """Step 1 is a public page (no ``noindex``); the steps after it hold a patient's choices."""
    from tests.conftest import csrf_token_from

    start = client.get("/book/").get_data(as_text=True)
    assert 'name="robots"' not in start and '<meta name="description"' in start
    token = csrf_token_from(start)
    visit = {"office": "fairfax", "visit_type": "new-patient", "reason": "sciatica", "provider": "any"}
    client.post("/book/", data={"csrf_token": token, **visit})
    assert '<meta name="robots" content="noindex">' in client.get("/book/time").get_data(as_text=True)


def test_the_favicon_address_leads_to_the_clinic_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.headers["Location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").mimetype == "image/svg+xml"
