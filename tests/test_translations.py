"""The Spanish site: every string the code marks is in the catalogue and translated (a missing
translation fails the suite, not the patient), Spanish pages live under /es/ with the same paths,
say so to browsers and search engines, and keep their language from link to link."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import build_app, dispose

ROOT = Path(__file__).resolve().parent.parent
SPANISH = ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"


def spanish_catalogue():
    with SPANISH.open("rb") as source:
        return read_po(source, locale="es")


def test_every_spanish_entry_is_translated_and_none_is_fuzzy():
    catalogue = spanish_catalogue()
    untranslated = [message.id for message in catalogue if message.id and not _translated(message)]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not untranslated, f"untranslated Spanish entries (translate them in {SPANISH.name}): {untranslated}"
    assert not fuzzy, f"fuzzy Spanish entries (check and unmark them): {fuzzy}"


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else [message.string]
    return all(strings)


def test_the_catalogue_holds_every_string_the_code_marks_for_translation(tmp_path):
    """A string marked in a template or in Python but not yet in the .po fails here: run
    ``make translations`` and translate it."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "--omit-header",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with template.open("rb") as source:
        marked = {message.id for message in read_po(source) if message.id}
    in_catalogue = {message.id for message in spanish_catalogue() if message.id}
    assert not marked - in_catalogue, f"run `make translations`; not yet in the catalogue: {marked - in_catalogue}"


def test_translations_keep_the_placeholders_of_their_english():
    problems = [(message.id, errors) for message, errors in spanish_catalogue().check()]
    assert not problems, problems


@pytest.fixture
def site(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", tmp_path, PAGE_CACHE_SECONDS=60)
    from tests.conftest import seed_clinic

    seed_clinic(app)
    yield app
    dispose(app)


def test_the_spanish_home_page_is_in_spanish_and_says_so(site):
    page = site.test_client().get("/es/").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Atención de columna y nervios en Fairfax, VA y Potomac, MD" in page
    assert "Saltar al contenido principal" in page and "Pida una cita" in page
    assert 'href="/es/book/"' in page  # links stay in Spanish
    assert '<link rel="alternate" hreflang="en" href="http://localhost/">' in page
    assert '<link rel="alternate" hreflang="es" href="http://localhost/es/">' in page
    assert '<link rel="canonical" href="http://localhost/es/">' in page
    assert re.search(r'<a href="/" hreflang="en" lang="en">English</a>', page)
    assert re.search(r'href="/static/css/site\.\w+\.css"', page)  # one address per file, either language


def test_the_english_page_is_unchanged_and_offers_spanish(site):
    page = site.test_client().get("/articles/?tag=nerves").get_data(as_text=True)
    assert '<html lang="en">' in page and "Skip to main content" in page
    assert '<a href="/es/articles/?tag=nerves" hreflang="es" lang="es">Español</a>' in page


def test_a_page_kept_for_one_language_is_never_served_in_the_other(site):
    client = site.test_client()
    assert "Spine and nerve care in Fairfax, VA" in client.get("/").get_data(as_text=True)
    assert "Atención de columna" in client.get("/es/").get_data(as_text=True)
    assert "Spine and nerve care in Fairfax, VA" in client.get("/").get_data(as_text=True)


def test_the_back_office_has_no_spanish_pages(site):
    assert site.test_client().get("/es/admin/").status_code == 404
    assert site.test_client().get("/es/admin/login").status_code == 404


def test_the_request_log_names_the_spanish_address_and_still_hides_link_tokens(site, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="clinic_app.requests")
    client = site.test_client()
    client.get("/es/")
    client.get("/es/booking/SECRET-LINK-TOKEN")
    lines = [record.getMessage() for record in caplog.records if record.name == "clinic_app.requests"]
    assert any(line.startswith("GET /es/ ") for line in lines), lines
    assert any(line.startswith("GET /es/booking/<token> ") for line in lines), lines
    assert not any("SECRET-LINK-TOKEN" in line for line in lines)


def test_hiding_the_banner_on_a_spanish_page_returns_to_it(site):
    client = site.test_client()
    page = client.get("/es/articles/").get_data(as_text=True)
    assert 'name="next" value="/es/articles/"' in page
    response = client.post("/es/office-update/dismiss", data={"next": "/es/articles/"})
    assert response.status_code == 303 and response.headers["Location"] == "/es/articles/"
    assert "Ocultar este aviso" not in client.get("/es/articles/").get_data(as_text=True)


def test_catalogues_are_compiled_once_per_content_outside_the_apps_folder(tmp_path):
    """The app's folder is read-only as deployed: the .mo files go to the temporary folder,
    under a name that changes with the .po files' content (a new release never reads old ones)."""
    from babel.support import Translations

    from clinic_app.i18n import compile_catalogs

    source = tmp_path / "translations"
    (source / "es" / "LC_MESSAGES").mkdir(parents=True)
    po = source / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "Home"\nmsgstr "Inicio"\n'
    )
    first = compile_catalogs(source)
    assert not source.joinpath("es", "LC_MESSAGES", "messages.mo").exists()
    assert Translations.load(str(first), ["es"]).gettext("Home") == "Inicio"
    assert compile_catalogs(source) == first
    po.write_text(po.read_text().replace("Inicio", "Portada"))
    second = compile_catalogs(source)
    assert second != first and Translations.load(str(second), ["es"]).gettext("Home") == "Portada"


def test_the_sitemap_lists_each_page_in_both_languages_naming_the_other(site):
    sitemap = site.test_client().get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/articles/</loc>" in sitemap
    assert "<loc>http://localhost/es/articles/</loc>" in sitemap
    entry = re.search(r"<url><loc>http://localhost/es/</loc>.*?</url>", sitemap, re.S).group(0)
    assert '<xhtml:link rel="alternate" hreflang="en" href="http://localhost/"/>' in entry
    assert '<xhtml:link rel="alternate" hreflang="es" href="http://localhost/es/"/>' in entry
    assert sitemap.count("<url>") % 2 == 0


def test_a_browser_that_prefers_spanish_is_offered_the_spanish_page_never_sent_there(site):
    client = site.test_client()
    spanish_first = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
    response = client.get("/articles/", headers=spanish_first)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="en">' in page  # no redirect
    assert '<a href="/es/articles/" hreflang="es" lang="es">Esta página también está en español</a>' in page
    assert "Accept-Language" in response.headers["Vary"] and "Set-Cookie" not in response.headers
    english_first = client.get("/articles/", headers={"Accept-Language": "en-US,en;q=0.9,es;q=0.5"})
    assert "Esta página también está en español" not in english_first.get_data(as_text=True)  # (kept apart)
    assert "también está en español" not in client.get("/es/articles/", headers=spanish_first).get_data(as_text=True)


def test_the_leg_weakness_article_reads_in_spanish_under_es(site):
    client = site.test_client()
    page = client.get("/es/articles/leg-weakness-symptoms-causes-treatment").get_data(as_text=True)
    assert "Debilidad en las piernas: síntomas, causas y tratamiento" in page
    assert "accidente cerebrovascular" in page and '<html lang="es">' in page
    english = client.get("/articles/leg-weakness-symptoms-causes-treatment").get_data(as_text=True)
    assert "Leg Weakness: Symptoms, Causes, Treatment" in english and "Debilidad" not in english
    listing = client.get("/es/articles/").get_data(as_text=True)
    assert "Debilidad en las piernas" in listing and "Ciática" in listing


def test_an_article_not_yet_in_spanish_says_so_in_spanish_and_is_marked_english(site):
    client = site.test_client()
    page = client.get("/es/articles/herniated-disc").get_data(as_text=True)
    assert "Este artículo todavía no está traducido al español" in page
    assert 'href="/articles/herniated-disc" hreflang="en"' in page
    assert re.search(r'<h1 id="article-title"[^>]* lang="en">', page)
    assert '<div class="prose" lang="en">' in page
    translated = client.get("/es/articles/sciatica").get_data(as_text=True)
    assert "todavía no está traducido" not in translated and '<div class="prose">' in translated
    assert re.search(r"\d+ de \w+ de 20\d\d", translated)  # dates as Spanish readers write them


def test_a_moment_in_office_time_reads_in_the_pages_language(site):
    """The same moment, on an English page and on a Spanish one (Babel writes the Spanish)."""
    from datetime import UTC, datetime

    from werkzeug.test import EnvironBuilder

    from clinic_app.extensions import db
    from clinic_app.formatting import office_time
    from clinic_app.i18n import LanguagePrefix
    from clinic_app.models import Office

    moment = datetime(2026, 11, 27, 22, 53, tzinfo=UTC)

    def environ(path):
        seen = {}
        LanguagePrefix(lambda environ, start: seen.update(environ) or [])(EnvironBuilder(path=path).get_environ(), None)
        return seen

    readings = {}
    for path in ("/articles/", "/es/articles/"):
        with site.request_context(environ(path)):
            fairfax = db.session.query(Office).filter_by(slug="fairfax").one()
            readings[path] = office_time(moment, fairfax)
    assert readings["/articles/"] == "Friday, November 27, 2026 at 5:53 PM EST"
    assert readings["/es/articles/"] == "viernes 27 de noviembre de 2026, a las 5:53 p.m. EST"
