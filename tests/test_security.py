"""Headers, CSRF and cookies: the defaults that protect every page and API answer."""

import pytest

from portal import create_app

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
    assert "<script" not in html
    assert "style=" not in html and "<style" not in html


def test_a_form_posted_without_its_csrf_token_is_refused(csrf_app, session):
    client = csrf_app.test_client()
    response = client.post("/language", data={"locale": "en", "next": "/"})
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers


def test_a_form_posted_with_its_csrf_token_goes_through(csrf_app, session):
    client = csrf_app.test_client()
    html = client.get("/").get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    assert response.status_code == 303


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
    app = create_app(
        "production", SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x" * 32, SENDGRID_API_KEY="SG.test-key"
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().post("/language", data={"locale": "en"})
    assert response.status_code == 400  # CSRF is armed in production
    assert "Strict-Transport-Security" in response.headers


def test_pages_are_not_kept_by_shared_caches(client):
    response = client.get("/")
    assert response.headers["Cache-Control"] == "no-store"
