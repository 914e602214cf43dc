"""Views of the articles: the list (filterable by tag) and one article."""

from flask import abort, request
from flask_babel import lazy_gettext as _l

from ..htmx import render
from ..links import booking_url
from ..page_cache import public_page
from . import bp
from .content import library

# The articles' topics (their front matter's tags) as readers see them, in the page's language.
TOPICS = {
    "back": _l("Back"),
    "legs": _l("Legs"),
    "neck": _l("Neck"),
    "nerves": _l("Nerves"),
    "pain": _l("Pain"),
    "spine": _l("Spine"),
}


def topic_name(tag: str) -> str:
    """A tag as a topic's name ("legs": Legs, Piernas); a tag not listed yet, capitalised."""
    return str(TOPICS.get(tag, tag.capitalize()))


@bp.get("/")
@public_page
def index():
    """All articles, newest first; ``?tag=`` narrows the list (htmx swaps only the list)."""
    articles = library()
    tag = request.args.get("tag", "").strip()
    if tag and tag not in articles.tags():
        abort(404)
    return render(
        "articles/index.html",
        "articles/_browser.html",
        articles=articles.tagged(tag),
        tags=articles.tags(),
        current_tag=tag,
        topic_name=topic_name,
    )


@bp.get("/<slug>")
@public_page
def detail(slug):
    """One article with its contents, red flags, sources and related reading."""
    articles = library()
    article = articles.get(slug)
    if article is None:
        abort(404)
    return render(
        "articles/detail.html",
        "articles/_article.html",
        article=article,
        related=articles.related(article),
        request_url=booking_url(reason=article.reason),
    )
