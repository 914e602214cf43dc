"""The article pages, with and without htmx."""

import json
import re

import pytest

LEG_WEAKNESS = "/articles/leg-weakness-symptoms-causes-treatment"


def test_article_page_shows_everything_a_reader_needs(client, offices):
    response = client.get(LEG_WEAKNESS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="article-title"' in html and "Leg Weakness: Symptoms, Causes, Treatment" in html
    assert '<time datetime="2026-03-10">March 10, 2026</time>' in html
    assert "Clinical team" in html  # author
    assert 'aria-labelledby="toc-heading"' in html and 'href="#what-leg-weakness-can-feel-like"' in html
    assert "When to call 911" in html
    assert '<a href="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5513686/"' in html
    assert 'aria-labelledby="related-heading"' in html
    assert "Ask us a question or request an appointment" in html


def test_article_page_has_seo_and_medical_web_page_data(client, offices):
    html = client.get(LEG_WEAKNESS).get_data(as_text=True)
    assert "<title>Leg Weakness: Symptoms, Causes, Treatment · Spine &amp; Nerve Clinic</title>" in html
    assert '<meta name="description" content="Weak legs can come' in html
    assert f'<link rel="canonical" href="http://localhost{LEG_WEAKNESS}">' in html
    assert '<meta property="og:type" content="article">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "MedicalWebPage"
    assert data["datePublished"] == "2026-03-10"
    assert data["url"] == f"http://localhost{LEG_WEAKNESS}"


def test_request_link_opens_the_booking_form_with_the_reason(client, clinic):
    html = client.get(LEG_WEAKNESS).get_data(as_text=True)
    assert 'href="/book/?reason=leg-weakness">Request an appointment' in html
    form = client.get("/book/?reason=leg-weakness").get_data(as_text=True)
    assert '<input checked id="reason-0" name="reason" type="radio" value="leg-weakness">' in form


def test_htmx_gets_the_article_without_the_layout(client, offices):
    response = client.get(LEG_WEAKNESS, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="article-title"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_index_lists_every_article_newest_first(client, offices):
    html = client.get("/articles/").get_data(as_text=True)
    titles = re.findall(r'<h3><a href="/articles/([^"]+)">', html)
    assert len(titles) >= 4
    dates = re.findall(r'<time datetime="([\d-]+)">', html)
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("htmx", [False, True])
def test_tag_filter_narrows_the_list(client, offices, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get("/articles/?tag=neck", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<html" in html) is not htmx
    slugs = re.findall(r'<h3><a href="/articles/([^"]+)">', html)
    assert slugs and "leg-weakness-symptoms-causes-treatment" not in slugs
    assert 'href="/articles/?tag=neck"' in html and 'aria-current="true">Neck' in html
    assert 'hx-push-url="true"' in html


def test_unknown_tag_and_unknown_article_are_404s_in_the_layout(client, offices):
    for url in ["/articles/?tag=nonsense", "/articles/no-such-article"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.get_data(as_text=True)
        assert "4001 Fair Ridge Dr" in response.get_data(as_text=True)
