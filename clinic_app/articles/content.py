"""Articles are Markdown files with YAML front matter in ``content/``, rendered once and cached.

The library is built the first time a request needs it and kept on the app, so Markdown is
never rendered per request. Loading checks every file's front matter and refuses a broken one
with a message that names the file and the field.
"""

import html
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import frontmatter
import markdown
from flask import current_app
from markupsafe import Markup

from ..i18n import page_language
from ..reasons import VISIT_REASONS

CONTENT_DIR = Path(__file__).parent / "content"
REQUIRED_FIELDS = ("title", "slug", "summary", "published", "author", "tags", "reason", "red_flags", "sources")


class ArticleError(ValueError):
    """An article file whose front matter is missing or wrong."""


@dataclass(frozen=True)
class Source:
    """A reference the article is based on."""

    title: str
    url: str
    publisher: str = ""
    year: int | None = None


@dataclass(frozen=True)
class Heading:
    """A section heading, for the table of contents."""

    id: str
    text: str
    level: int
    children: tuple["Heading", ...] = ()


@dataclass(frozen=True)
class Article:
    """One rendered article."""

    slug: str
    title: str
    summary: str
    published: date
    author: str
    tags: tuple[str, ...]
    reason: str
    red_flags: str
    sources: tuple[Source, ...]
    html: Markup
    toc: tuple[Heading, ...]
    updated: date | None = None
    word_count: int = 0
    language: str = "en"  # the language it is written in (a page in another language may show it)

    @property
    def last_modified(self) -> date:
        """The date the article last changed."""
        return self.updated or self.published

    @property
    def reading_minutes(self) -> int:
        """Rough reading time at 200 words a minute."""
        return max(1, round(self.word_count / 200))


@dataclass
class ArticleLibrary:
    """Every article, newest first, with look-ups by slug and tag."""

    articles: list[Article] = field(default_factory=list)

    def __post_init__(self):
        self.articles.sort(key=lambda a: (a.published, a.slug), reverse=True)
        self._by_slug = {article.slug: article for article in self.articles}

    def get(self, slug: str) -> Article | None:
        """The article with this slug, or None."""
        return self._by_slug.get(slug)

    def tags(self) -> list[str]:
        """Every tag in use, alphabetically."""
        return sorted({tag for article in self.articles for tag in article.tags})

    def tagged(self, tag: str | None) -> list[Article]:
        """Articles carrying ``tag`` (all of them when ``tag`` is empty), newest first."""
        if not tag:
            return list(self.articles)
        return [article for article in self.articles if tag in article.tags]

    def latest(self, count: int) -> list[Article]:
        """The ``count`` newest articles."""
        return self.articles[:count]

    def related(self, article: Article, count: int = 3) -> list[Article]:
        """Other articles sharing the most tags with ``article``, newest first among equals."""
        scored = [
            (len(set(article.tags) & set(other.tags)), other) for other in self.articles if other.slug != article.slug
        ]
        scored = [pair for pair in scored if pair[0] > 0]
        scored.sort(key=lambda pair: pair[0], reverse=True)  # stable: newest first among ties
        return [other for _, other in scored[:count]]


def _headings(tokens) -> tuple[Heading, ...]:
    return tuple(
        Heading(
            id=t["id"],
            text=html.unescape(t["name"]),
            level=t["level"],
            children=_headings(t["children"]),
        )
        for t in tokens
    )


def render_markdown(text: str) -> tuple[str, tuple[Heading, ...]]:
    """HTML for an article body with anchored headings, and its table of contents."""
    converter = markdown.Markdown(
        extensions=["toc", "sane_lists", "smarty"],
        extension_configs={"toc": {"toc_depth": "2-3"}},
        output_format="html",
    )
    body = converter.convert(text)
    return body, _headings(converter.toc_tokens)


def _as_date(value, path, name) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ArticleError(f"{path.name}: {name} must be a date (YYYY-MM-DD)") from None


def load_article(path: Path, language: str = "en") -> Article:
    """Parse and render one article file.

    :raise ArticleError: when a field is missing, the slug differs from the file name, the
        reason is not a booking reason, or a source lacks a title or an https URL.
    """
    post = frontmatter.load(path)
    meta = post.metadata
    missing = [name for name in REQUIRED_FIELDS if not meta.get(name)]
    if missing:
        raise ArticleError(f"{path.name}: missing {', '.join(missing)}")
    if meta["slug"] != path.stem:
        raise ArticleError(f"{path.name}: slug {meta['slug']!r} must match the file name")
    if meta["reason"] not in VISIT_REASONS:
        raise ArticleError(f"{path.name}: reason {meta['reason']!r} is not a booking reason")
    sources = []
    for entry in meta["sources"]:
        if not entry.get("title") or not str(entry.get("url", "")).startswith("https://"):
            raise ArticleError(f"{path.name}: every source needs a title and an https URL")
        sources.append(
            Source(
                title=entry["title"],
                url=entry["url"],
                publisher=entry.get("publisher", ""),
                year=entry.get("year"),
            )
        )
    body, toc = render_markdown(post.content)
    return Article(
        slug=meta["slug"],
        title=meta["title"],
        summary=meta["summary"],
        published=_as_date(meta["published"], path, "published"),
        updated=_as_date(meta["updated"], path, "updated") if meta.get("updated") else None,
        author=meta["author"],
        tags=tuple(meta["tags"]),
        reason=meta["reason"],
        red_flags=meta["red_flags"],
        sources=tuple(sources),
        html=Markup(body),
        toc=toc,
        word_count=len(post.content.split()),
        language=language,
    )


def load_library(directory: Path = CONTENT_DIR, language: str = "en") -> ArticleLibrary:
    """Every ``*.md`` file in ``directory``, rendered."""
    return ArticleLibrary([load_article(path, language) for path in sorted(directory.glob("*.md"))])


def load_libraries(directory: Path = CONTENT_DIR) -> dict[str, ArticleLibrary]:
    """The articles for each language's pages: the English ones, and for Spanish pages each
    article's Spanish version (``content/es/<slug>.md``) where there is one, else the English one
    (the page says so). A translation must have its English original (the same slug).

    :raise ArticleError: for a translation without an original.
    """
    english = load_library(directory)
    libraries = {"en": english}
    for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
        translated = {article.slug: article for article in load_library(folder, folder.name).articles}
        strays = sorted(set(translated) - {article.slug for article in english.articles})
        if strays:
            raise ArticleError(f"{folder.name}/{strays[0]}.md: no English article with that slug")
        libraries[folder.name] = ArticleLibrary([translated.get(a.slug, a) for a in english.articles])
    return libraries


def library(language: str | None = None) -> ArticleLibrary:
    """The articles for pages in ``language`` (default: this page's), rendered on first use and
    cached for the app's lifetime."""
    cached = current_app.extensions.get("articles")
    if cached is None:
        cached = current_app.extensions["articles"] = load_libraries()
    language = language or page_language()
    return cached.get(language, cached["en"])
