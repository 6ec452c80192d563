"""Error pages in both languages, with the portal's layout, for the errors a visitor can meet."""

import pytest
from flask import abort

from portal import create_app
from portal.extensions import db

TITLES = {
    (403, "fr"): "Vous ne pouvez pas voir cette page",
    (403, "en"): "You may not see this page",
    (404, "fr"): "Page introuvable",
    (404, "en"): "Page not found",
    (413, "fr"): "Le fichier ou le formulaire est trop volumineux",
    (413, "en"): "The file or form is too large",
    (429, "fr"): "Trop de tentatives",
    (429, "en"): "Too many attempts",
    (500, "fr"): "Une erreur s’est produite",
    (500, "en"): "Something went wrong",
}


@pytest.fixture(scope="module")
def failing_app(database_url):
    """The portal as in production (errors handled, not raised), plus routes that fail on purpose."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, TESTING=False, MAX_CONTENT_LENGTH=2048)

    @app.get("/_fail/<int:status>")
    def fail(status):
        if status == 500:
            raise RuntimeError("a bug")
        abort(status)

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("status", [403, 404, 413, 429, 500])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_error_pages_speak_the_visitors_language(failing_app, status, lang):
    client = failing_app.test_client()
    headers = {"Accept-Language": lang}
    if status == 413:
        response = client.post("/language", data={"locale": "en", "next": "x" * 5000}, headers=headers)
    else:
        response = client.get(f"/_fail/{status}", headers=headers)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert TITLES[(status, lang)] in html
    assert 'href="#content"' in html  # the full layout, not a bare message
    assert "Traceback" not in html and "RuntimeError" not in html
    if status == 429:
        assert int(response.headers["Retry-After"]) > 0


def test_api_errors_answer_in_the_contracts_shape(failing_app):
    client = failing_app.test_client()
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "Nothing here, or nothing you may see."}}
    french = client.get("/api/v1/no-such-thing").get_json()
    assert french["error"]["message"] == "Rien ici, ou rien que vous puissiez voir."


def test_a_method_the_page_does_not_accept_gets_405_with_allow(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    api = client.delete("/api/v1/")
    assert api.status_code == 405
    assert api.get_json()["error"]["code"] == "method_not_allowed"
