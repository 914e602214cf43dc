"""Fingerprinted static files: a URL per version of a file, cached for a year, no build step."""

import re

import pytest

from clinic_app.assets import fingerprinted_name, plain_name

ASSET_URL = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def page_assets(client):
    return ASSET_URL.findall(client.get("/").get_data(as_text=True))


def test_every_page_asset_has_a_content_hash_in_its_name(client, offices):
    urls = page_assets(client)
    assert len(urls) == 4  # icon, stylesheet, htmx, site script
    for url in urls:
        name, digest = plain_name(url.removeprefix("/static/"))
        assert digest is not None, url


def test_a_fingerprinted_file_is_cached_for_a_year_and_the_plain_name_is_revalidated(client, offices):
    for url in page_assets(client):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == 31536000 and response.cache_control.immutable
        assert response.cache_control.public
        plain = client.get("/static/" + plain_name(url.removeprefix("/static/"))[0])
        assert plain.status_code == 200 and plain.data == response.data
        assert not plain.cache_control.immutable


def test_an_edited_file_gets_a_new_address_at_once_and_the_old_one_is_not_cached(app, client, offices, tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black }")
    app.static_folder = str(static)
    app.extensions["asset_fingerprints"].folder = str(static)
    first = [u for u in page_assets(client) if "/css/" in u][0]
    (static / "css" / "site.css").write_text("body { color: navy }")
    second = [u for u in page_assets(client) if "/css/" in u][0]
    assert first != second  # no restart needed, as on the development server
    assert client.get(second).data == b"body { color: navy }"
    stale = client.get(first)  # an old page still asking for the old version
    assert stale.data == b"body { color: navy }" and not stale.cache_control.immutable


def test_a_missing_file_is_a_404_with_or_without_a_hash(client, offices):
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


@pytest.mark.parametrize("name", ["css/site.css", "vendor/htmx-4.0.1.min.js", "favicon.svg"])
def test_names_round_trip(name):
    assert plain_name(fingerprinted_name(name, "0123456789ab")) == (name, "0123456789ab")
