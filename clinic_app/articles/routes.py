"""Views of the articles: the list (filterable by tag) and one article."""

from flask import abort, request

from ..htmx import render
from ..links import booking_url
from ..page_cache import public_page
from . import bp
from .content import library


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
