"""Fingerprinted static files: a URL per version of a file, cached for a year, no build step."""

import gzip
import re
from pathlib import Path

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
    assert client.get(first).status_code == 404  # never the new content under the old name


def test_a_missing_file_is_a_404_with_or_without_a_hash(app, client, offices):
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/css/nothing.0123456789ab.css").status_code == 404
    assert client.get("/static/../config.py").status_code == 404
    assert client.get("/static/../config.0123456789ab.py").status_code == 404
    assert all(".." not in name for name in app.extensions["asset_fingerprints"]._known)


@pytest.mark.parametrize("name", ["css/site.css", "vendor/htmx-4.0.1.min.js", "favicon.svg"])
def test_names_round_trip(name):
    assert plain_name(fingerprinted_name(name, "0123456789ab")) == (name, "0123456789ab")


def test_the_build_copies_every_file_under_its_fingerprint_with_a_gzip_beside_text(app, runner, tmp_path):
    result = runner.invoke(args=["assets", "build", str(tmp_path / "assets")])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        from clinic_app.assets import asset_url

        for name in ("css/site.css", "js/site.js", "favicon.svg", "vendor/htmx-4.0.1.min.js"):
            copy = tmp_path / "assets" / asset_url(name).removeprefix("/static/")
            assert copy.read_bytes() == (Path(app.static_folder) / name).read_bytes()
            assert gzip.decompress(copy.with_name(copy.name + ".gz").read_bytes()) == copy.read_bytes()
    assert not list((tmp_path / "assets").rglob("*.partial"))
    again = runner.invoke(args=["assets", "build", str(tmp_path / "assets")])
    assert "0 new file(s)" in again.output


def test_a_new_release_adds_its_files_and_keeps_the_old_ones_for_pages_still_asking(tmp_path):
    from clinic_app.assets import build_assets

    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.css").write_text("body { color: black }")
    [old] = build_assets(static, tmp_path / "assets")
    (static / "css" / "site.css").write_text("body { color: navy }")
    [new] = build_assets(static, tmp_path / "assets")
    assert old != new
    assert (tmp_path / "assets" / old).read_text() == "body { color: black }"  # rollback-safe
    assert (tmp_path / "assets" / new).read_text() == "body { color: navy }"
