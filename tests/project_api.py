"""Driving the projects API as a partner's client would: tokens, bodies, and the workflow."""

from tests.factories import PASSWORD


def token(client, email: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def project_body(cast, **overrides) -> dict:
    body = {
        "title": "Forage à Diéma",
        "summary": "Un forage équipé d’un château d’eau pour le quartier nord.",
        "sector": "water",
        "commune_id": cast.commune_a.id,
        "association_id": cast.association.id,
        "budget_lines": [
            {"label": "Forage", "amount": "8000", "currency": "EUR"},
            {"label": "Château d’eau", "amount": 1250000, "currency": "XOF"},
        ],
        "funding_lines": [
            {
                "party_kind": "association",
                "organisation_id": cast.association.id,
                "amount": "6000.00",
                "currency": "EUR",
            },
            {"party_kind": "commune", "organisation_id": cast.commune_org.id, "amount": "2500000", "currency": "XOF"},
        ],
    }
    body.update(overrides)
    return body


def create(client, headers, body, expect: int = 201) -> dict:
    """POSTs a project; checks the answer's status is `expect` (201: created) and returns its JSON."""
    response = client.post("/api/v1/projects", json=body, headers=headers)
    assert response.status_code == expect, (response.status_code, response.get_json())
    return response.get_json()


def act(client, headers, project_id, action, comment=None, expect: int = 200, **extra) -> dict:
    """Takes a step of the workflow; checks the answer's status is `expect` (200: done; pass the refusal's
    status when the step must be refused) and returns its JSON (the project, or the error)."""
    body = {"action": action, **extra}
    if comment is not None:
        body["comment"] = comment
    response = client.post(f"/api/v1/projects/{project_id}/transitions", json=body, headers=headers)
    assert response.status_code == expect, (action, response.status_code, response.get_json())
    return response.get_json()
