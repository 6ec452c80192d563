"""The API as a partner's client uses it: tokens, /me, organisations, and the error shape."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.models import ApiToken
from tests.factories import PASSWORD


def token_for(client, email, password=PASSWORD) -> str:
    response = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["expires_at"].endswith("Z")
    return body["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.fixture()
def demo(app, session):
    """The demo data of `flask seed-demo`, as a newcomer gets it."""
    from portal.cli.demo import seed_demo

    with app.app_context():
        seed_demo()
        session.commit()  # before the app context ends, which removes the session


DEMO_ACCOUNTS = [
    "admin@example.org",
    "mediator@example.org",
    "mayor@example.org",
    "mayor2@example.org",
    "association@example.org",
    "association2@example.org",
    "observer@example.org",
    "clerk@example.org",
]


@pytest.mark.parametrize("email", DEMO_ACCOUNTS)
def test_every_demo_account_gets_a_token_and_sees_itself(client, demo, email):
    token = token_for(client, email, "demo-password")
    me = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["email"] == email
    assert set(me) == {"id", "email", "name", "locale", "timezone", "is_admin", "memberships"}
    expected = {
        "admin@example.org": [],
        "mediator@example.org": [("ministry", "mediator")],
        "mayor@example.org": [("commune", "mayor")],
        "mayor2@example.org": [("commune", "mayor")],
        "association@example.org": [("association", "officer")],
        "association2@example.org": [("association", "officer")],
        "observer@example.org": [("partner", "observer")],
        "clerk@example.org": [("commune", "clerk")],  # the secrétaire général of commune A (api.md)
    }[email]
    assert [(m["organisation"]["kind"], m["role"]) for m in me["memberships"]] == expected
    assert me["is_admin"] is (email == "admin@example.org")


def test_the_demo_mayors_and_associations_are_on_different_communes(client, demo):
    mayor = client.get("/api/v1/me", headers=bearer(token_for(client, "mayor@example.org", "demo-password")))
    mayor2 = client.get("/api/v1/me", headers=bearer(token_for(client, "mayor2@example.org", "demo-password")))
    a = client.get(f"/api/v1/organisations/{mayor.get_json()['memberships'][0]['organisation']['id']}").get_json()
    b = client.get(f"/api/v1/organisations/{mayor2.get_json()['memberships'][0]['organisation']['id']}").get_json()
    assert a["kind"] == b["kind"] == "commune"
    assert a["commune_id"] != b["commune_id"]


def test_the_demo_has_a_past_consultation_with_its_minutes_and_an_upcoming_one_to_answer(client, demo):
    headers = bearer(token_for(client, "association@example.org", "demo-password"))
    meetings = client.get("/api/v1/meetings", headers=headers).get_json()["items"]
    by_title = {meeting["title"]: meeting for meeting in meetings}
    past = by_title["Concertation sur les projets de la diaspora"]
    upcoming = by_title["Point d’étape avec l’association des ressortissants"]
    assert past["minutes"] is not None and past["minutes"]["decisions"]
    assert past["starts_at"] < upcoming["starts_at"]
    assert upcoming["minutes"] is None
    # The association has answered the past one ("yes") and not yet the upcoming one.
    association = "Association des ressortissants de Diéma en France"
    assert {i["name"]: i["rsvp"] for i in past["invitees"]}[association] == "yes"
    assert {i["name"]: i["rsvp"] for i in upcoming["invitees"]}[association] is None
    # The commitments taken there, one in each state of product.md's workflow.
    taken = client.get(f"/api/v1/commitments?meeting_id={past['id']}", headers=headers).get_json()["items"]
    assert sorted(c["status"] for c in taken) == ["cancelled", "confirmed", "contested", "fulfilled", "open"]
    assert "Dites si vous participerez à « Point d’étape" in _home_of(client, "association@example.org")


def _home_of(client, email: str) -> str:
    client.post("/auth/login", data={"email": email, "password": "demo-password"})
    return client.get("/").get_data(as_text=True)


def test_a_wrong_password_is_401_invalid_credentials(client, cast):
    assert_error(
        client.post("/api/v1/tokens", json={"email": "officer@test.org", "password": "nope"}),
        401,
        "invalid_credentials",
    )
    assert_error(
        client.post("/api/v1/tokens", json={"email": "ghost@test.org", "password": "nope"}), 401, "invalid_credentials"
    )


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic abc", "Token xyz"])
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/organisations", "/api/v1/communes"])
def test_a_bad_token_is_401_even_on_public_endpoints(client, session, header, path):
    assert_error(client.get(path, headers={"Authorization": header}), 401, "unauthenticated")


def test_without_a_token_public_endpoints_answer_and_private_ones_are_401(client, session):
    assert client.get("/api/v1/organisations").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    assert_error(client.delete("/api/v1/tokens/current"), 401, "unauthenticated")


def test_a_revoked_token_no_longer_works(client, cast):
    token = token_for(client, "officer@test.org")
    assert client.delete("/api/v1/tokens/current", headers=bearer(token)).status_code == 204
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")
    assert_error(client.get("/api/v1/organisations", headers=bearer(token)), 401, "unauthenticated")


def test_an_expired_token_no_longer_works(client, cast, session):
    token = token_for(client, "officer@test.org")
    row = session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")


def test_tokens_are_stored_hashed(client, cast, session):
    token = token_for(client, "officer@test.org")
    assert session.scalar(select(ApiToken).where(ApiToken.token_hash == token)) is None


def test_the_api_needs_no_csrf_token_even_with_csrf_armed(csrf_app, cast):
    client = csrf_app.test_client()
    response = client.post("/api/v1/tokens", json={"email": "officer@test.org", "password": PASSWORD})
    assert response.status_code == 201
    assert client.delete("/api/v1/tokens/current", headers=bearer(response.get_json()["token"])).status_code == 204


def test_a_browser_session_does_not_authenticate_the_api(client, login_as):
    login_as("officer")
    assert client.get("/account/").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("email=a&password=b", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("{", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client, session, body, content_type):
    assert_error(client.post("/api/v1/tokens", data=body, content_type=content_type), 400, "malformed_request")


def test_missing_or_wrongly_typed_fields_are_422_with_dotted_fields(client, session):
    error = assert_error(client.post("/api/v1/tokens", json={"email": 12}), 422, "validation_failed")
    assert set(error["fields"]) == {"email", "password"}
    error = assert_error(
        client.post("/api/v1/tokens", json={"email": "a" * 300, "password": "x", "extra": 1}), 422, "validation_failed"
    )
    assert "email" in error["fields"] and "extra" in error["fields"]


def test_organisations_filter_by_kind_and_page(client, cast):
    body = client.get("/api/v1/organisations?kind=commune").get_json()
    assert {o["kind"] for o in body["items"]} == {"commune"}
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 20
    assert all(o["commune_id"] for o in body["items"])
    associations = client.get("/api/v1/organisations?kind=association").get_json()["items"]
    assert [o["country"] for o in associations] == ["FR"]  # the pending one is not public
    assert all(set(o) == {"id", "name", "kind", "commune_id", "country", "verified"} for o in associations)
    one = client.get("/api/v1/organisations?per_page=1&page=2").get_json()
    assert len(one["items"]) == 1 and one["per_page"] == 1
    assert client.get("/api/v1/organisations?per_page=500").get_json()["per_page"] == 100
    assert client.get("/api/v1/organisations?page=999").get_json()["items"] == []
    assert_error(client.get("/api/v1/organisations?kind=planet"), 422, "validation_failed")
    assert_error(client.get("/api/v1/organisations?page=0"), 422, "validation_failed")
    assert_error(client.get("/api/v1/organisations?per_page=-3"), 422, "validation_failed")
    assert_error(client.get("/api/v1/organisations/999999"), 404, "not_found")


def test_a_mediator_sees_pending_associations_through_the_api(client, cast):
    token = token_for(client, "mediator@test.org")
    items = client.get("/api/v1/organisations?kind=association", headers=bearer(token)).get_json()["items"]
    assert {o["verified"] for o in items} == {True, False}


def test_the_openapi_document_describes_the_endpoints(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/tokens",
        "/api/v1/tokens/current",
        "/api/v1/me",
        "/api/v1/organisations",
        "/api/v1/organisations/{organisation_id}",
        "/api/v1/communes",
    ):
        assert path in spec["paths"], path


def test_validation_messages_speak_the_clients_language(client, session):
    french = client.get("/api/v1/organisations?page=0&kind=planet").get_json()["error"]["fields"]
    assert french["page"] == ["Doit être compris entre 1 et 1000000."]
    assert french["kind"][0].startswith("Doit être l’une de ces valeurs : commune, association")
    english = client.get("/api/v1/organisations?page=0", headers={"Accept-Language": "en"}).get_json()
    assert english["error"]["fields"]["page"] == ["Must be from 1 to 1000000."]
    missing = client.post("/api/v1/tokens", json={"email": "x" * 300}).get_json()["error"]["fields"]
    assert missing == {
        "email": ["Plus long que la longueur maximale de 254."],
        "password": ["Champ obligatoire manquant."],
    }
