"""Article files: front matter checked, Markdown rendered with anchors and contents, cached."""

from pathlib import Path

import pytest

from clinic_app.articles import content
from clinic_app.articles.content import ArticleError, load_article, load_library
from clinic_app.reasons import VISIT_REASONS

LEG_WEAKNESS = "leg-weakness-symptoms-causes-treatment"


@pytest.fixture(scope="module")
def articles():
    return load_library()


def test_the_clinic_publishes_at_least_four_articles_with_sources(articles):
    assert len(articles.articles) >= 4
    for article in articles.articles:
        assert article.sources, article.slug
        assert article.reason in VISIT_REASONS
        assert len(article.toc) >= 5, f"{article.slug} needs at least five sections"


def test_leg_weakness_covers_what_patients_need(articles):
    article = articles.get(LEG_WEAKNESS)
    assert article.title == "Leg Weakness: Symptoms, Causes, Treatment"
    text = article.html.lower()
    for symptom in ["cramps", "numbness", "tingling", "buckl", "balance", "foot drop", "paralysis"]:
        assert symptom in text, symptom
    for cause in [
        "sciatica",
        "statin",
        "corticosteroid",
        "stenosis",
        "herniated disc",
        "myopathy",
        "neuropathy",
        "als",
        "myasthenia gravis",
        "multiple sclerosis",
        "toxin",
        "meniscus",
        "thyroid",
        "infection",
    ]:
        assert cause in text, cause
    for test in ["mri", "x-ray", "myelogram", "ct", "blood test"]:
        assert test in text, test
    assert "911" in article.red_flags and "stroke" in article.red_flags.lower()
    urls = [source.url for source in article.sources]
    assert "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC5513686/" in urls
    assert any("diabetes.55.03" in url for url in urls)
    assert any("sciencedaily" in url for url in urls)


def test_leg_weakness_lists_eleven_common_causes(articles):
    article = articles.get(LEG_WEAKNESS)
    section = article.html.split('id="common-causes-of-leg-weakness"')[1].split("<h2")[0]
    assert section.count("<li>") >= 11
    assert section.split("</ol>")[0].count("<li>") == 11


def test_headings_get_anchors_and_a_table_of_contents(articles):
    article = articles.get(LEG_WEAKNESS)
    first = article.toc[0]
    assert f'<h2 id="{first.id}">' in article.html
    assert first.text == "What leg weakness can feel like"


def test_articles_are_newest_first_and_filter_by_tag(articles):
    dates = [a.published for a in articles.articles]
    assert dates == sorted(dates, reverse=True)
    legs = articles.tagged("legs")
    assert legs and all("legs" in a.tags for a in legs)
    assert articles.tagged("") == articles.articles


def test_related_articles_share_a_tag_and_exclude_the_article(articles):
    article = articles.get(LEG_WEAKNESS)
    related = articles.related(article)
    assert related and article not in related
    assert all(set(other.tags) & set(article.tags) for other in related)


def write_article(tmp_path: Path, **overrides):
    meta = {
        "title": "Test",
        "slug": "test-article",
        "summary": "S",
        "published": "2026-01-01",
        "author": "A",
        "tags": "[spine]",
        "reason": "sciatica",
        "red_flags": "Call 911.",
    }
    meta.update(overrides)
    lines = ["---"] + [f"{k}: {v}" for k, v in meta.items() if v is not None]
    lines += ["sources:", '  - title: "T"', '    url: "https://example.org/"', "---", "## One", "Body"]
    path = tmp_path / "test-article.md"
    path.write_text("\n".join(lines))
    return path


def test_a_well_formed_article_loads(tmp_path):
    article = load_article(write_article(tmp_path))
    assert (article.slug, article.reason, article.toc[0].text) == ("test-article", "sciatica", "One")


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": None}, "missing title"),
        ({"slug": "other-slug"}, "must match the file name"),
        ({"reason": "flu"}, "not a booking reason"),
        ({"published": "next week"}, "must be a date"),
    ],
)
def test_a_broken_article_is_refused_with_a_clear_message(tmp_path, overrides, message):
    with pytest.raises(ArticleError, match=message):
        load_article(write_article(tmp_path, **overrides))


def test_markdown_is_rendered_once_per_app_not_per_request(client, offices, monkeypatch):
    calls = []
    original = content.render_markdown
    monkeypatch.setattr(content, "render_markdown", lambda text: calls.append(1) or original(text))
    assert client.get(f"/articles/{LEG_WEAKNESS}").status_code == 200
    rendered_first = len(calls)
    assert rendered_first >= 4  # every article, once
    assert client.get(f"/articles/{LEG_WEAKNESS}").status_code == 200
    assert client.get("/articles/").status_code == 200
    assert len(calls) == rendered_first


def article_named(folder: Path, slug: str, title: str) -> Path:
    """An article file ``<slug>.md`` in ``folder`` (made if need be)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = write_article(folder, slug=slug, title=f'"{title}"').read_text()
    (folder / "test-article.md").unlink()
    path = folder / f"{slug}.md"
    path.write_text(text)
    return path


def test_spanish_pages_get_each_articles_spanish_version_or_else_the_english_one(tmp_path):
    from clinic_app.articles.content import load_libraries

    article_named(tmp_path, "leg-weakness", "Leg weakness")
    article_named(tmp_path, "sciatica", "Sciatica")
    article_named(tmp_path / "es", "leg-weakness", "Debilidad en las piernas")
    english, spanish = load_libraries(tmp_path)["en"], load_libraries(tmp_path)["es"]
    assert (english.get("leg-weakness").title, english.get("leg-weakness").language) == ("Leg weakness", "en")
    assert (spanish.get("leg-weakness").title, spanish.get("leg-weakness").language) == (
        "Debilidad en las piernas",
        "es",
    )
    assert (spanish.get("sciatica").title, spanish.get("sciatica").language) == ("Sciatica", "en")  # not yet translated


def test_a_translation_without_its_english_article_is_refused(tmp_path):
    from clinic_app.articles.content import load_libraries

    article_named(tmp_path, "leg-weakness", "Leg weakness")
    article_named(tmp_path / "es", "nowhere", "En ninguna parte")
    with pytest.raises(ArticleError, match="es/nowhere.md: no English article"):
        load_libraries(tmp_path)
