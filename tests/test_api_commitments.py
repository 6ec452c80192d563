"""The commitments API as docs/api.md writes it: recorded by parties or mediators only, the overdue filter finds
exactly the overdue ones, evidence checked by content, pledges listed once a project is agreed, funders confirm
their lines and are not named in public until then."""

import io
from datetime import timedelta

import pytest

from portal.models import ProjectStatus, commune_today
from tests.commitment_factories import co_funded_project, make_commitment
from tests.meeting_factories import make_meeting
from tests.project_api import act, create, project_body, token

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture()
def tokens(client, cast):
    return {role: token(client, f"{email}@test.org") for role, email in [
        ("officer", "officer"), ("member", "member"), ("mayor", "mayor"), ("mediator", "mediator"),
        ("representative", "rep"), ("observer", "observer"), ("nobody", "nobody"),
    ]}  # fmt: skip


def body(cast, **overrides) -> dict:
    return {
        "organisation_id": cast.commune_org.id,
        "kind": "administrative",
        "description": "Délibération du conseil affectant le terrain",
        "due_date": (commune_today() + timedelta(days=30)).isoformat(),
        **overrides,
    }


def test_a_party_or_a_mediator_records_others_are_refused(client, cast, session, tokens):
    project = co_funded_project(cast)  # agreed: public
    session.commit()
    url = f"/api/v1/projects/{project.id}/commitments"
    assert client.post(url, json=body(cast)).status_code == 401
    for role in ("nobody", "observer"):
        response = client.post(url, json=body(cast), headers=tokens[role])
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", role
    for role in ("mayor", "officer", "representative", "mediator"):
        response = client.post(url, json=body(cast), headers=tokens[role])
        assert response.status_code == 201, (role, response.get_json())
        answer = response.get_json()
        assert answer["status"] == "open" and answer["overdue"] is False and answer["id"]
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-2)
    other = make_meeting(cast.commune_org, [cast.association], [], hours_from_now=-2)  # not about the project
    session.commit()
    at_meeting = client.post(url, json=body(cast, meeting_id=meeting.id), headers=tokens["mayor"]).get_json()
    assert at_meeting["meeting_id"] == meeting.id
    by_meeting = client.get(f"/api/v1/commitments?meeting_id={meeting.id}").get_json()
    assert [c["id"] for c in by_meeting["items"]] == [at_meeting["id"]]
    for meeting_id in (other.id, 999_999):
        refused = client.post(url, json=body(cast, meeting_id=meeting_id), headers=tokens["mayor"])
        assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == ["meeting_id"]
    late = client.post(url, json=body(cast, due_date="2020-01-31"), headers=tokens["mayor"])
    assert late.status_code == 201 and late.get_json()["overdue"] is True  # a promise recorded late
    outsider = client.post(url, json=body(cast, organisation_id=cast.ministry.id), headers=tokens["mayor"])
    assert outsider.status_code == 422 and "organisation_id" in outsider.get_json()["error"]["fields"]


def test_a_financial_commitment_needs_an_amount_and_a_currency(client, cast, session, tokens):
    project = co_funded_project(cast)
    session.commit()
    url = f"/api/v1/projects/{project.id}/commitments"
    refused = client.post(url, json=body(cast, kind="financial"), headers=tokens["mayor"])
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"amount", "currency"}
    decimals = client.post(
        url, json=body(cast, kind="financial", amount="10.5", currency="XOF"), headers=tokens["mayor"]
    )
    assert decimals.status_code == 422 and "amount" in decimals.get_json()["error"]["fields"]
    done = client.post(url, json=body(cast, kind="financial", amount=1500, currency="EUR"), headers=tokens["mayor"])
    assert done.status_code == 201
    answer = done.get_json()
    assert (answer["amount"], answer["currency"], answer["amount_xof"]) == ("1500.00", "EUR", 983_936)


def test_the_overdue_filter_finds_exactly_the_overdue_ones_page_by_page(client, cast, session, tokens):
    project = co_funded_project(cast)
    overdue = [make_commitment(project, cast.association, due_in_days=d).id for d in (-1, -3, -40)]
    make_commitment(project, cast.association, due_in_days=0)  # due today: not yet
    make_commitment(project, cast.association, due_in_days=5)
    make_commitment(project, cast.association, "fulfilled", due_in_days=-5)
    make_commitment(project, cast.association, "cancelled", due_in_days=-5)
    other = co_funded_project(cast, ProjectStatus.SUBMITTED)
    make_commitment(other, cast.association, due_in_days=-2)  # a project anonymous callers do not see
    session.commit()
    first = client.get(f"/api/v1/commitments?overdue=true&project_id={project.id}&per_page=2").get_json()
    second = client.get(f"/api/v1/commitments?overdue=true&project_id={project.id}&per_page=2&page=2").get_json()
    assert first["total"] == second["total"] == 3
    assert sorted(c["id"] for c in first["items"] + second["items"]) == sorted(overdue)
    assert all(c["overdue"] for c in first["items"] + second["items"])
    everything = client.get("/api/v1/commitments?overdue=true&per_page=100").get_json()
    assert sorted(c["id"] for c in everything["items"]) == sorted(overdue)  # anonymous: public projects only
    seen_by_mayor = client.get("/api/v1/commitments?overdue=true", headers=tokens["mayor"]).get_json()
    assert seen_by_mayor["total"] == 4
    assert client.get("/api/v1/commitments?overdue=maybe").status_code == 422


def test_a_transition_in_the_contracts_order(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    commitment = make_commitment(project, cast.association, "fulfilled")
    session.commit()
    url = f"/api/v1/commitments/{commitment.id}/transitions"
    assert client.post(url, json={"action": "confirm"}).status_code == 401
    assert client.post(url, json={"action": "confirm"}, headers=tokens["nobody"]).status_code == 404
    assert client.post(url, json={"action": "confirm"}, headers=tokens["officer"]).status_code == 403
    assert client.post(url, json={"action": "cancel"}, headers=tokens["mediator"]).status_code == 409
    contest = client.post(url, json={"action": "contest"}, headers=tokens["mayor"])
    assert contest.status_code == 422 and contest.get_json()["error"]["code"] == "comment_required"
    assert client.post(url, json={"action": "fly"}, headers=tokens["mayor"]).status_code == 422
    stale = client.post(url, json={"action": "confirm", "version": 99}, headers=tokens["mayor"])
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    done = client.post(url, json={"action": "confirm"}, headers=tokens["representative"])
    assert done.status_code == 200 and done.get_json()["status"] == "confirmed"


def test_evidence_is_checked_by_content_and_downloaded_by_who_sees_the_project(
    client, cast, session, tokens, app, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    commitment = make_commitment(co_funded_project(cast), cast.association)
    session.commit()
    url = f"/api/v1/commitments/{commitment.id}/evidence"

    def send(headers, content, name):
        return client.post(url, data={"file": (io.BytesIO(content), name)}, headers=headers)

    assert send(tokens["mayor"], PDF, "recu.pdf").status_code == 403  # only the promising side
    fake = send(tokens["member"], b"<html>not a receipt</html>", "recu.pdf")
    assert fake.status_code == 422 and fake.get_json()["error"]["code"] == "unsupported_file_type"
    sent = send(tokens["member"], PDF, "Reçu de virement.pdf")
    assert sent.status_code == 201
    evidence = sent.get_json()
    downloaded = client.get(evidence["url"])  # a public project: anyone
    assert downloaded.status_code == 200 and downloaded.data == PDF
    assert downloaded.headers["Content-Disposition"].startswith("attachment")
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    downloaded.close()
    done = client.post(
        f"/api/v1/commitments/{commitment.id}/transitions",
        json={"action": "report_fulfilled"},
        headers=tokens["officer"],
    )
    assert done.status_code == 200 and [e["id"] for e in done.get_json()["evidence"]] == [evidence["id"]]
    assert send(tokens["member"], PDF, "encore.pdf").status_code == 409  # reported: no more evidence until contested


def test_once_agreed_the_pledges_are_listed_as_commitments(client, cast, session, tokens):
    lines = [
        {"party_kind": "association", "organisation_id": cast.association.id, "amount": "6000.00", "currency": "EUR"},
        {"party_kind": "commune", "organisation_id": cast.commune_org.id, "amount": "1247656", "currency": "XOF"},
        {"party_kind": "partner", "organisation_id": cast.partner.id, "amount": "2500000", "currency": "XOF"},
        {"party_kind": "population", "amount": "1250000", "currency": "XOF"},
    ]
    project = create(client, tokens["officer"], project_body(cast, funding_lines=lines))
    act(client, tokens["officer"], project["id"], "submit")
    for action in ("start_review", "open_consultation"):
        act(client, tokens["mayor"], project["id"], action)
    assert (
        client.get(f"/api/v1/commitments?project_id={project['id']}", headers=tokens["mayor"]).get_json()["total"] == 0
    )
    act(client, tokens["mayor"], project["id"], "agree", pledge_due_date="2027-06-30")
    listed = client.get(f"/api/v1/commitments?project_id={project['id']}", headers=tokens["mayor"]).get_json()
    pledges = sorted(listed["items"], key=lambda c: c["funding_line_id"])
    assert [(c["organisation_id"], c["kind"], c["amount"], c["currency"], c["status"]) for c in pledges] == [
        (cast.association.id, "financial", "6000.00", "EUR", "open"),
        (cast.commune_org.id, "financial", "1247656", "XOF", "open"),
        (cast.partner.id, "financial", "2500000", "XOF", "open"),
    ]
    assert {c["due_date"] for c in pledges} == {"2027-06-30"} and all(c["pledge"] for c in pledges)
    agreed = client.get(f"/api/v1/projects/{project['id']}").get_json()
    assert agreed["funding_total_xof"] == project["funding_total_xof"]  # unchanged by the pledges


def test_an_unconfirmed_funder_is_not_named_in_public_until_it_confirms(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    session.commit()
    act(client, tokens["mayor"], project.id, "agree")
    partner_line = next(line for line in project.funding_lines if line.organisation_id == cast.partner.id)

    def public_view():
        lines = client.get(f"/api/v1/projects/{project.id}").get_json()["funding_lines"]
        line = next(line for line in lines if line["id"] == partner_line.id)
        pledges = client.get(f"/api/v1/commitments?project_id={project.id}").get_json()["items"]
        pledge = next(p for p in pledges if p["funding_line_id"] == partner_line.id)
        by_partner = client.get(f"/api/v1/commitments?organisation_id={cast.partner.id}").get_json()["total"]
        return line["organisation_id"], line["awaiting_confirmation"], pledge["organisation_id"], by_partner

    assert public_view() == (None, True, None, 0)
    mayors = client.get(f"/api/v1/projects/{project.id}", headers=tokens["mayor"]).get_json()["funding_lines"]
    assert cast.partner.id in [line["organisation_id"] for line in mayors]  # a party reads the name
    url = f"/api/v1/projects/{project.id}/funding_lines/{partner_line.id}/confirmation"
    assert client.post(url, json={}).status_code == 401
    assert client.post(url, json={}, headers=tokens["observer"]).status_code == 403
    assert client.post(url, json={}, headers=tokens["mayor"]).status_code == 403
    confirmed = client.post(url, json={}, headers=tokens["representative"])
    assert confirmed.status_code == 200 and confirmed.get_json()["awaiting_confirmation"] is False
    assert client.post(url, json={}, headers=tokens["representative"]).status_code == 409
    assert public_view() == (cast.partner.id, False, cast.partner.id, 1)
    association_line = project.funding_lines[0]
    own = f"/api/v1/projects/{project.id}/funding_lines/{association_line.id}/confirmation"
    assert client.post(own, json={}, headers=tokens["officer"]).status_code == 409  # nothing to confirm
