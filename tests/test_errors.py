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


def _error_page(app, status: int, lang: str):
    """The page a visitor reading `lang` gets for `status` (413: a form over the size limit)."""
    client = app.test_client()
    headers = {"Accept-Language": lang}
    if status == 413:
        response = client.post("/language", data={"locale": "en", "next": "x" * 5000}, headers=headers)
    else:
        response = client.get(f"/_fail/{status}", headers=headers)
    assert response.status_code == status
    return response


@pytest.mark.parametrize("status", [403, 404, 413, 429, 500])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_error_pages_speak_the_visitors_language(failing_app, status, lang):
    response = _error_page(failing_app, status, lang)
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


NEXT_STEPS = {
    (403, "fr"): "demandez-le à un responsable de votre organisation",
    (403, "en"): "ask a manager of your organisation",
    (404, "fr"): "Vérifiez l’adresse",
    (404, "en"): "Check the address",
    (413, "fr"): "20 Mo",
    (413, "en"): "20 MB",
    (429, "fr"): "Vous pourrez réessayer dans",
    (429, "en"): "You can try again in",
    (500, "fr"): "Réessayez dans un instant",
    (500, "en"): "Try again in a moment",
}


@pytest.mark.parametrize("status", [403, 404, 413, 429, 500])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_each_error_page_says_what_to_do_next_and_links_home(failing_app, status, lang):
    response = _error_page(failing_app, status, lang)
    html = response.get_data(as_text=True)
    assert NEXT_STEPS[(status, lang)] in html
    home = "Retour à l’accueil" if lang == "fr" else "Back to the home page"
    assert f'<a href="/">{home}</a>' in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_429_page_says_when_to_try_again_as_its_header_does(failing_app, lang):
    response = failing_app.test_client().get("/_fail/429", headers={"Accept-Language": lang})
    minutes = -(-int(response.headers["Retry-After"]) // 60)
    said = "Vous pourrez réessayer dans" if lang == "fr" else "You can try again in"
    unit = "minute" if minutes == 1 else "minutes"  # the same word in both languages
    assert f"{said} {minutes} {unit}." in response.get_data(as_text=True)


def test_a_visitor_who_is_not_signed_in_is_offered_to_sign_in_on_a_403(failing_app):
    html = failing_app.test_client().get("/_fail/403", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<a href="/auth/login?next=/_fail/403">Sign in to see this page</a>' in html
