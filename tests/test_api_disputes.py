"""The disputes API as docs/api.md writes it, driven as a client would: a party opens a dispute about a contested
commitment, a mediator takes it through mediation to closure, each party answers the settlement; 404 for other
associations and observers, 401 without a token; a party cannot act as mediator; resolve and dismiss need
text; the deadlines are 10 and 60 days from opening; the commitment keeps its own state; the history is the
audit log, and `audit verify` holds after it all."""

from datetime import datetime, timedelta

import pytest

from tests.commitment_factories import co_funded_project, make_commitment
from tests.factories import add_member, make_organisation, make_user
from tests.project_api import token


@pytest.fixture()
def tokens(client, cast, session):
    cast.users["other_officer"] = make_user("other-officer@test.org", "Autre responsable")
    add_member(cast.users["other_officer"], make_organisation("association", "Autre association"), "officer")
    session.commit()
    return {role: token(client, f"{email}@test.org") for role, email in [
        ("officer", "officer"), ("member", "member"), ("mayor", "mayor"), ("mediator", "mediator"),
        ("representative", "rep"), ("observer", "observer"), ("admin", "admin"),
        ("other_officer", "other-officer"),
    ]}  # fmt: skip


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_dispute_from_a_contested_commitment_to_its_closure(client, cast, session, tokens):
    project = co_funded_project(cast)
    commitment = make_commitment(project, cast.partner, "contested", kind="financial", amount="400000")
    session.commit()

    body = {
        "project_id": project.id,
        "commitment_id": commitment.id,
        "respondent_organisation_id": cast.partner.id,
        "subject": "Tranche non versée",
        "description": "La tranche de 400 000 F CFA annoncée versée n'est pas arrivée.",
    }
    assert client.post("/api/v1/disputes", json=body).status_code == 401
    response = client.post("/api/v1/disputes", json=body, headers=tokens["officer"])
    assert response.status_code == 201, response.get_json()
    dispute = response.get_json()
    url = f"/api/v1/disputes/{dispute['id']}"
    assert dispute["status"] == "open" and dispute["commitment_id"] == commitment.id
    assert dispute["claimant"] == {"id": cast.association.id, "name": cast.association.name}
    assert dispute["respondent"]["id"] == cast.partner.id
    opened = _at(dispute["created_at"])
    # Whole seconds on the wire: the deadlines are 10 and 60 days from the opening, to the second.
    assert abs(_at(dispute["acknowledge_due_at"]) - (opened + timedelta(days=10))) < timedelta(seconds=1)
    assert abs(_at(dispute["resolution_due_at"]) - (opened + timedelta(days=60))) < timedelta(seconds=1)
    assert dispute["acknowledgement_overdue"] is False and dispute["resolution_overdue"] is False

    # Confidential: another association and the partner's observer get 404, like a dispute that does not exist;
    # an anonymous client 401; the lists of those who may not see it leave it out.
    for role in ("other_officer", "observer", "mayor"):
        assert client.get(url, headers=tokens[role]).status_code == 404, role
        listed = client.get("/api/v1/disputes", headers=tokens[role]).get_json()
        assert listed["total"] == 0, role
    assert client.get(url).status_code == 401
    for role in ("officer", "member", "representative", "mediator", "admin"):
        assert client.get(url, headers=tokens[role]).status_code == 200, role

    def act(role, action, status=200, **extra):
        response = client.post(f"{url}/transitions", json={"action": action, **extra}, headers=tokens[role])
        assert response.status_code == status, (role, action, response.get_json())
        return response.get_json()

    # A party cannot act as mediator.
    assert act("officer", "acknowledge", 403)["error"]["code"] == "forbidden"
    assert act("representative", "dismiss", 403, comment="Non.")["error"]["code"] == "forbidden"
    # Dismissing needs its reason.
    assert act("mediator", "dismiss", 422)["error"]["code"] == "comment_required"
    assert act("mediator", "acknowledge")["status"] == "acknowledged"
    step = act("mediator", "start_mediation")
    assert step["status"] == "in_mediation" and step["mediator"]["id"] == cast.users["mediator"].id
    # Resolving needs the settlement's text.
    assert act("mediator", "resolve", 422)["error"]["code"] == "comment_required"
    step = act("mediator", "resolve", comment="Le partenaire verse la tranche avant le 15 janvier.")
    assert step["status"] == "resolved"
    assert step["settlement"] == "Le partenaire verse la tranche avant le 15 janvier."
    # Each party answers; the status does not change.
    assert act("officer", "accept")["status"] == "resolved"
    # One answer per party: the association has answered, the partner not yet.
    assert act("officer", "object", 409, comment="Finalement non.")["error"]["code"] == "invalid_transition"
    assert act("officer", "accept", 409)["error"]["code"] == "invalid_transition"
    assert client.get(url, headers=tokens["officer"]).get_json()["actions"] == []
    assert client.get(url, headers=tokens["representative"]).get_json()["actions"] == ["accept", "object"]
    assert act("representative", "object", 422)["error"]["code"] == "comment_required"
    assert act("representative", "object", comment="Le 31 janvier plutôt.")["status"] == "resolved"
    step = act("mediator", "close")
    assert step["status"] == "closed" and step["closed_at"] is not None
    assert abs(_at(step["appeal_until"]) - (_at(step["closed_at"]) + timedelta(days=30))) < timedelta(seconds=1)

    # The commitment keeps its own state through it all.
    assert client.get(f"/api/v1/commitments/{commitment.id}", headers=tokens["officer"]).get_json()["status"] == (
        "contested"
    )

    history = client.get(f"{url}/history", headers=tokens["representative"]).get_json()
    assert [(e["action"], e["to_status"]) for e in history] == [
        ("open", "open"),
        ("acknowledge", "acknowledged"),
        ("start_mediation", "in_mediation"),
        ("resolve", "resolved"),
        ("accept", "resolved"),
        ("object", "resolved"),
        ("close", "closed"),
    ]
    assert history[5]["comment"] == "Le 31 janvier plutôt." and history[5]["organisation_ids"] == [cast.partner.id]
    assert all(e["actor"]["name"] for e in history)

    # One appeal, by a party, within 30 days: back to mediation with a fresh deadline to resolve.
    assert act("mediator", "appeal", 403, comment="?")["error"]["code"] == "forbidden"
    step = act("representative", "appeal", comment="Le calendrier ne tient pas.")
    assert step["status"] == "in_mediation"
    fresh = _at(step["resolution_due_at"]) - _at(step["appealed_at"])
    assert abs(fresh - timedelta(days=60)) < timedelta(seconds=1)  # 60 days from the appeal, not from the opening

    result = client.application.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_the_thread_notes_and_files(app, client, cast, session, tokens, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = co_funded_project(cast)
    session.commit()
    created = client.post(
        "/api/v1/disputes",
        json={
            "project_id": project.id,
            "respondent_organisation_id": cast.partner.id,
            "subject": "Devis",
            "description": "Le devis ne correspond pas.",
        },
        headers=tokens["officer"],
    ).get_json()
    url = f"/api/v1/disputes/{created['id']}"
    said = client.post(
        f"{url}/messages", json={"body": "Nous envoyons le devis corrigé."}, headers=tokens["representative"]
    )
    assert said.status_code == 201 and said.get_json()["organisation"]["id"] == cast.partner.id
    note = client.post(f"{url}/messages", json={"body": "À suivre.", "private": True}, headers=tokens["mediator"])
    assert note.status_code == 201
    refused = client.post(f"{url}/messages", json={"body": "Moi aussi.", "private": True}, headers=tokens["officer"])
    assert refused.status_code == 403
    assert [m["body"] for m in client.get(f"{url}/messages", headers=tokens["officer"]).get_json()["items"]] == [
        "Nous envoyons le devis corrigé."
    ]
    assert len(client.get(f"{url}/messages", headers=tokens["mediator"]).get_json()["items"]) == 2

    import io

    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    uploaded = client.post(
        f"{url}/documents",
        data={"file": (io.BytesIO(pdf), "devis.pdf")},
        headers=tokens["officer"],
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    document = uploaded.get_json()
    forged = client.post(
        f"{url}/documents",
        data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "devis.pdf")},
        headers=tokens["officer"],
        content_type="multipart/form-data",
    )
    assert forged.status_code == 422 and forged.get_json()["error"]["code"] == "unsupported_file_type"
    download = client.get(document["url"], headers=tokens["representative"])
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    assert client.get(document["url"], headers=tokens["observer"]).status_code == 404
