"""Protections on every response: framing, sniffing, NUL bytes, proxies."""

import pytest

from clinic_app import create_app


def test_no_page_can_be_framed_by_another_site(client, offices):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/locations/a%00", "/admin/login?next=%00", "/articles/?tag=a%00"])
def test_a_nul_byte_in_the_address_is_a_clear_400(client, offices, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Something went wrong with that request" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_is_a_clear_400_and_nothing_is_stored(client, offices):
    response = client.post("/ask", data={"name": "A\x00B"})
    assert response.status_code == 400


def test_behind_a_proxy_the_patients_address_is_the_one_rate_limits_see(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite3'}", PROXY_HOPS=1)

    @app.get("/whoami-test")
    def whoami():
        from flask import request
        return request.remote_addr

    client = app.test_client()
    assert client.get("/whoami-test", headers={"X-Forwarded-For": "203.0.113.9"}).data == b"203.0.113.9"
