"""Headers, CSRF and cookies: the defaults that protect every page and API answer."""

import re

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import User
from tests.factories import sign_in

REQUIRED_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/"),
        ("GET", "/no-such-page"),
        ("GET", "/api/v1/"),
        ("GET", "/api/v1/no-such-thing"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/static/portal.css"),
        ("DELETE", "/"),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path):
    response = client.open(path, method=method)
    response.close()
    for header in REQUIRED_HEADERS:
        assert header in response.headers, (path, header)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(client):
    html = client.get("/").get_data(as_text=True)
    # One script, from the portal's own static files (the file size check); nothing written inline.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [body for _, body in scripts] == [""] and 'src="/static/forms.js?v=' in scripts[0][0]
    assert "style=" not in html and "<style" not in html


def test_a_form_posted_without_its_csrf_token_is_refused(csrf_app, session):
    client = csrf_app.test_client()
    response = client.post("/auth/login", data={"email": "someone@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers


def test_a_signed_in_language_switch_needs_its_token_and_a_visitor_s_needs_none(csrf_app, cast):
    """The visitor's switch only sets their own cookie (so anonymous pages carry no token and are shared); the
    signed-in switch changes the account's preference, and is refused without the page's token."""
    visitor = csrf_app.test_client()
    assert 'name="csrf_token"' not in visitor.get("/").get_data(as_text=True)
    response = visitor.post("/language", data={"locale": "en", "next": "/"})
    assert response.status_code == 303
    assert '<html lang="en"' in visitor.get("/").get_data(as_text=True)

    member = csrf_app.test_client()
    sign_in(member, cast.users["mayor"])
    assert member.post("/language", data={"locale": "en", "next": "/"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', member.get("/").get_data(as_text=True)).group(1)
    response = member.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 303
    assert db.session.get(User, cast.users["mayor"].id).locale == "en"


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.post("/language", data={"locale": "en", "next": "/"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a developer's machine


def test_production_cookies_are_secure_and_a_secret_key_is_required(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url)
    with pytest.raises(RuntimeError, match="SENDGRID_API_KEY"):  # else mails, and their links, go to the log
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x" * 32, SENDGRID_API_KEY=None)
    monkeypatch.delenv("TOTP_ENCRYPTION_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEYS"):  # else the TOTP secrets sit in clear
        create_app("production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x" * 32, SENDGRID_API_KEY="SG.k")
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY="x" * 32,
        SENDGRID_API_KEY="SG.test-key",
        TOTP_ENCRYPTION_KEYS="ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().post("/auth/login", data={"email": "someone@example.org", "password": "x" * 12})
    assert response.status_code == 400  # CSRF is armed in production
    assert "Strict-Transport-Security" in response.headers


def test_signed_in_pages_are_never_kept_and_public_ones_are_checked_again(client, cast):
    """A public page may be kept by the browser, which asks again each time (no-cache, with its ETag); a signed-in
    page, never (no-store)."""
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
    sign_in(client, cast.users["mayor"])
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers
