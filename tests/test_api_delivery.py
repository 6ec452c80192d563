"""The after-agreement API as docs/api.md and issue 11 write it: `received_total_xof` on a project moves only
with contributions confirmed; tranches reported, confirmed and contested in the contract's error shape; proofs
checked by content; the commune's register at `GET /api/v1/communes/{id}/facilities` with exactly its fields;
the facility's check recorded by its owner; all of it in the OpenAPI document; lists in constant queries."""

import io

import pytest

from portal.models import Facility, ProjectStatus
from tests.commitment_factories import co_funded_project
from tests.delivery_factories import make_contribution, make_facility
from tests.helpers import assert_constant_queries
from tests.project_api import act, token
from tests.walk import PDF, PNG


@pytest.fixture()
def tokens(client, cast):
    return {role: token(client, f"{email}@test.org") for role, email in [
        ("officer", "officer"), ("member", "member"), ("mayor", "mayor"), ("mediator", "mediator"),
        ("representative", "rep"), ("observer", "observer"), ("nobody", "nobody"),
    ]}  # fmt: skip


def tranche(line_id, amount="250000", currency="XOF", **extra) -> dict:
    return {"funding_line_id": line_id, "paid_on": "2026-05-04", "amount": amount, "currency": currency, **extra}


def test_received_total_moves_only_with_confirmed_contributions(client, cast, session, tokens):
    project = co_funded_project(cast)  # agreed: 600,000 by the association, 400,000 by the partner
    session.commit()
    url = f"/api/v1/projects/{project.id}"
    assert client.get(url).get_json()["received_total_xof"] == 0
    reported = client.post(
        url + "/contributions",
        json=tranche(project.funding_lines[0].id, reference="VIR-2026-118"),
        headers=tokens["officer"],
    )
    assert reported.status_code == 201, reported.get_json()
    paid = reported.get_json()
    assert {k: paid[k] for k in ("status", "amount", "currency", "amount_xof", "paid_on", "reference", "proof")} == {
        "status": "reported",
        "amount": "250000",
        "currency": "XOF",
        "amount_xof": 250_000,
        "paid_on": "2026-05-04",
        "reference": "VIR-2026-118",
        "proof": None,
    }
    assert client.get(url).get_json()["received_total_xof"] == 0  # reported is not received
    in_euros = client.post(
        url + "/contributions", json=tranche(project.funding_lines[0].id, "100.00", "EUR"), headers=tokens["member"]
    ).get_json()
    assert (in_euros["amount"], in_euros["amount_xof"]) == ("100.00", 65_596)  # 65,595.7 half-even
    for contribution in (paid, in_euros):
        confirmed = client.post(
            f"/api/v1/contributions/{contribution['id']}/transitions",
            json={"action": "confirm"},
            headers=tokens["mayor"],
        )
        assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    assert client.get(url).get_json()["received_total_xof"] == 250_000 + 65_596
    listed = client.get("/api/v1/projects?status=agreed").get_json()["items"]
    assert {p["id"]: p["received_total_xof"] for p in listed}[project.id] == 315_596


def test_refusals_keep_the_contracts_order_and_shape(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    session.commit()
    url = f"/api/v1/projects/{project.id}/contributions"
    body = tranche(project.funding_lines[0].id)
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=tokens["nobody"]).status_code == 404  # not public yet
    assert client.post(url, json=body, headers=tokens["mayor"]).get_json()["error"]["code"] == "forbidden"
    early = client.post(url, json=body, headers=tokens["officer"])
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "invalid_transition"
    act(client, tokens["mayor"], project.id, "agree")
    wrong = client.post(url, json={**body, "amount": "12.5", "paid_on": "2999-01-01"}, headers=tokens["officer"])
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["fields"]) == {"amount", "paid_on"}
    unknown = client.post(url, json={**body, "colour": "red"}, headers=tokens["officer"])
    assert unknown.status_code == 422 and "colour" in unknown.get_json()["error"]["fields"]
    paid = client.post(url, json=body, headers=tokens["officer"]).get_json()
    transitions = f"/api/v1/contributions/{paid['id']}/transitions"
    no_reason = client.post(transitions, json={"action": "contest"}, headers=tokens["mayor"])
    assert no_reason.status_code == 422 and no_reason.get_json()["error"]["code"] == "comment_required"
    own = client.post(transitions, json={"action": "confirm"}, headers=tokens["officer"])
    assert own.status_code == 403  # the payer does not confirm what it paid
    stale = client.post(
        transitions, json={"action": "confirm", "version": paid["version"] + 1}, headers=tokens["mayor"]
    )
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    contested = client.post(
        transitions, json={"action": "contest", "comment": "Rien sur le compte."}, headers=tokens["mayor"]
    )
    assert contested.get_json()["status"] == "contested"
    again = client.post(transitions, json={"action": "confirm"}, headers=tokens["mayor"])
    assert again.status_code == 403  # a contested tranche: reported again, or confirmed by a mediator
    assert client.post(transitions, json={"action": "confirm"}, headers=tokens["mediator"]).status_code == 200


def test_a_proof_is_checked_by_content_and_downloaded_as_an_attachment(client, cast, session, tokens):
    project = co_funded_project(cast)
    contribution = make_contribution(project, 0, 100_000)
    session.commit()
    url = f"/api/v1/contributions/{contribution.id}/proof"
    fake = client.post(url, data={"file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "recu.pdf")}, headers=tokens["officer"])
    assert fake.status_code == 422 and fake.get_json()["error"]["code"] == "unsupported_file_type"
    assert client.post(url, data={"file": (io.BytesIO(PDF), "recu.pdf")}, headers=tokens["mayor"]).status_code == 403
    sent = client.post(url, data={"file": (io.BytesIO(PDF), "recu.pdf")}, headers=tokens["officer"])
    assert sent.status_code == 200 and sent.get_json()["proof"]["content_type"] == "application/pdf"
    download = client.get(sent.get_json()["proof"]["url"])
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


def test_the_communes_register_answers_exactly_the_contracts_fields(client, cast, session):
    working = make_facility(
        cast.association,
        cast.commune_a,
        cast.commune_org,
        "working",
        title="Puits de Kobadiala",
        village="Kobadiala",
        sector="water",
        budget=(("Forage", 2_000_000, "XOF"), ("Pompe", 1000, "EUR")),
    )
    make_facility(cast.association, cast.commune_b, cast.commune_org_b, title="Ailleurs")  # another commune
    co_funded_project(cast, ProjectStatus.COMPLETED)  # not handed over: not in the register
    session.commit()
    answer = client.get(f"/api/v1/communes/{cast.commune_a.id}/facilities").get_json()
    assert (answer["page"], answer["total"]) == (1, 1)
    [entry] = answer["items"]
    checked_at = entry.pop("condition_checked_at")
    assert checked_at.endswith("Z")
    assert entry == {
        "project_id": working.id,
        "title": "Puits de Kobadiala",
        "sector": "water",
        "village": "Kobadiala",
        "year": session.get(Facility, working.id).handed_over_at.year,
        "cost_xof": 2_000_000 + 655_957,
        "owner": {"id": cast.commune_org.id, "name": cast.commune_org.name},
        "condition": "working",
    }
    assert client.get("/api/v1/communes/2147483647/facilities").status_code == 404


def test_the_owner_records_the_check_and_the_register_shows_it(client, cast, session, tokens):
    project = make_facility(cast.association, cast.commune_a, cast.commune_org)
    session.commit()
    url = f"/api/v1/projects/{project.id}/facility/checks"
    before = client.get(f"/api/v1/communes/{cast.commune_a.id}/facilities").get_json()["items"][0]
    assert (before["condition"], before["condition_checked_at"]) == ("unknown", None)
    assert (
        client.post(
            url, data={"condition": "working"}, content_type="multipart/form-data", headers=tokens["officer"]
        ).status_code
        == 403
    )
    bad = client.post(url, data={"condition": "fine"}, content_type="multipart/form-data", headers=tokens["mayor"])
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["condition"]
    not_a_photo = client.post(
        url, data={"condition": "partly", "file": (io.BytesIO(PDF), "x.pdf")}, headers=tokens["mayor"]
    )
    assert not_a_photo.status_code == 422 and not_a_photo.get_json()["error"]["code"] == "unsupported_file_type"
    made = client.post(
        url,
        data={"condition": "partly", "remark": "Une pompe sur deux.", "file": (io.BytesIO(PNG), "pompe.png")},
        headers=tokens["mayor"],
    )
    assert made.status_code == 201
    check = made.get_json()
    assert (check["condition"], check["remark"], check["photo"]["content_type"]) == (
        "partly",
        "Une pompe sur deux.",
        "image/png",
    )
    after = client.get(f"/api/v1/communes/{cast.commune_a.id}/facilities").get_json()["items"][0]
    assert (after["condition"], after["condition_checked_at"]) == ("partly", check["checked_at"])
    facility = client.get(f"/api/v1/projects/{project.id}/facility").get_json()
    assert [c["id"] for c in facility["checks"]] == [check["id"]]
    photo = client.get(check["photo"]["url"])
    assert photo.data == PNG
    photo.close()


def test_the_openapi_document_describes_it(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, method in [
        ("/api/v1/projects/{project_id}/contributions", "post"),
        ("/api/v1/projects/{project_id}/contributions", "get"),
        ("/api/v1/contributions/{contribution_id}/transitions", "post"),
        ("/api/v1/contributions/{contribution_id}/proof", "post"),
        ("/api/v1/communes/{commune_id}/facilities", "get"),
        ("/api/v1/projects/{project_id}/facility", "get"),
        ("/api/v1/projects/{project_id}/facility/checks", "post"),
    ]:
        assert method in spec["paths"][path], (path, method)
    assert {"ContributionCreate", "ContributionTransition", "FacilityEntryOut"} <= set(spec["components"]["schemas"])
    assert "received_total_xof" in spec["components"]["schemas"]["ProjectOut"]["properties"]


def test_the_lists_run_constant_queries(client, cast, session):
    project = co_funded_project(cast)

    def add_contributions(n):
        for _ in range(n):
            make_contribution(project, 0, 1000, status="confirmed")
        session.commit()

    assert_constant_queries(client, f"/api/v1/projects/{project.id}/contributions?per_page=100", add_contributions)

    def add_facilities(n):
        for i in range(n):
            make_facility(cast.association, cast.commune_a, cast.commune_org, title=f"Puits {i}")
        session.commit()

    assert_constant_queries(
        client, f"/api/v1/communes/{cast.commune_a.id}/facilities?per_page=100", add_facilities, small=5, large=120
    )


def test_progress_reports_through_the_api(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    other = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    session.commit()
    agreed = act(client, tokens["mayor"], project.id, "agree", reporting_period=2)
    assert agreed["status"] == "agreed"
    url = f"/api/v1/projects/{project.id}/progress_reports"
    line_id = project.budget_lines[0].id
    body = {
        "percent_complete": 25,
        "spending": [{"budget_line_id": line_id, "spent_xof": 300_000}],
        "remarks": "Fouilles.",
    }
    assert client.post(url, json=body, headers=tokens["officer"]).status_code == 403
    bad = client.post(url, json={**body, "percent_complete": 101}, headers=tokens["mayor"])
    assert bad.status_code == 422 and list(bad.get_json()["error"]["fields"]) == ["percent_complete"]
    made = client.post(url, json=body, headers=tokens["mayor"])
    assert made.status_code == 201
    report = made.get_json()
    assert (report["percent_complete"], report["spent_xof"], report["spending"][0]["label"]) == (25, 300_000, "Travaux")
    comment = client.post(f"{url}/{report['id']}/comment", json={"comment": "Merci."}, headers=tokens["officer"])
    assert comment.status_code == 200 and comment.get_json()["association_comment"] == "Merci."
    listed = client.get(url).get_json()
    assert [r["id"] for r in listed["items"]] == [report["id"]] and listed["total"] == 1
    wrong = act(client, tokens["mayor"], other.id, "agree", expect=422, reporting_period=0)
    assert list(wrong["error"]["fields"]) == ["reporting_period"]


def test_amendments_through_the_api(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.IN_PROGRESS)
    session.commit()
    read = client.get(f"/api/v1/projects/{project.id}").get_json()
    body = {
        "budget_lines": [],
        "funding_lines": [{"line_id": project.funding_lines[0].id, "amount": "700000"}],
        "reason": "Le forage descend plus bas.",
        "version": read["version"],
    }
    url = f"/api/v1/projects/{project.id}/amendments"
    assert client.post(url, json=body, headers=tokens["representative"]).status_code == 403
    stale = client.post(url, json={**body, "version": read["version"] - 1}, headers=tokens["officer"])
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    made = client.post(url, json=body, headers=tokens["officer"])
    assert made.status_code == 201 and made.get_json()["status"] == "proposed"
    amendment = made.get_json()
    assert client.get(f"/api/v1/projects/{project.id}").get_json()["funding_total_xof"] == 1_000_000
    transitions = f"/api/v1/amendments/{amendment['id']}/transitions"
    assert client.post(transitions, json={"action": "accept"}, headers=tokens["officer"]).status_code == 403
    accepted = client.post(transitions, json={"action": "accept"}, headers=tokens["mayor"])
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    after = client.get(f"/api/v1/projects/{project.id}").get_json()
    assert after["funding_total_xof"] == 1_100_000 and after["version"] > read["version"]
    assert [a["id"] for a in client.get(url).get_json()["items"]] == [amendment["id"]]


def test_the_acceptance_through_the_api(client, cast, session, tokens):
    project = co_funded_project(cast, ProjectStatus.COMPLETED)
    session.commit()
    url = f"/api/v1/projects/{project.id}/acceptances"
    form = {"kind": "provisional", "accepted_on": "2026-09-01", "participants": "Maire, entreprise"}
    assert (
        client.post(url, data={**form, "file": (io.BytesIO(PDF), "pv.pdf")}, headers=tokens["officer"]).status_code
        == 403
    )
    early = client.post(
        url, data={**form, "kind": "final", "file": (io.BytesIO(PDF), "pv.pdf")}, headers=tokens["mayor"]
    )
    assert early.status_code == 409
    made = client.post(url, data={**form, "file": (io.BytesIO(PDF), "pv.pdf")}, headers=tokens["mayor"])
    assert made.status_code == 201
    row = made.get_json()
    assert (row["kind"], row["accepted_on"], row["record"]["content_type"]) == (
        "provisional",
        "2026-09-01",
        "application/pdf",
    )
    assert [a["kind"] for a in client.get(url).get_json()["items"]] == ["provisional"]
    record = client.get(row["record"]["url"])
    assert record.data == PDF
    record.close()


def test_the_convention_through_the_api(client, cast, session, tokens):
    project = co_funded_project(cast)
    session.commit()
    url = f"/api/v1/projects/{project.id}/convention"
    before = client.get(url).get_json()
    assert (before["signed"], before["deliberation_number"]) == (False, None)
    # The partner has not confirmed its line: a party reads its name, the public does not (issue 20).
    assert [p["organisation"]["id"] for p in before["parties"]] == [cast.commune_org.id, cast.association.id]
    parties = client.get(url, headers=tokens["mayor"]).get_json()["parties"]
    assert [p["organisation"]["id"] for p in parties] == [cast.commune_org.id, cast.association.id, cast.partner.id]
    body = {"deliberation_number": "2026-014/CD", "deliberation_date": "2026-03-12"}
    assert client.post(url + "/deliberation", json=body, headers=tokens["officer"]).status_code == 403
    assert (
        client.post(url + "/deliberation", json=body, headers=tokens["mayor"]).get_json()["deliberation_date"]
        == "2026-03-12"
    )
    signed = client.post(url + "/signed", data={"file": (io.BytesIO(PDF), "c.pdf")}, headers=tokens["officer"])
    assert signed.status_code == 200 and signed.get_json()["signed"] is True
    copy = client.get(signed.get_json()["signed_copy"]["url"])
    assert copy.data == PDF
    copy.close()
