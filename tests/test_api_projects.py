"""The projects API end to end, as a partner's client drives it, and everything a client can send wrong."""

import io

import pytest

from portal.models import CurrencyRate
from tests.helpers import files_written_in
from tests.project_api import act, create, project_body, token


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code, body
    return body["error"]


def code_of(body: dict) -> str:
    """The error code of a refusal's JSON (act and create check the status)."""
    return body["error"]["code"]


@pytest.fixture()
def officer(client, cast):
    return token(client, "officer@test.org")


@pytest.fixture()
def mayor(client, cast):
    return token(client, "mayor@test.org")


def test_the_whole_workflow_up_to_handover(client, cast, officer, mayor, session):
    project = create(client, officer, project_body(cast))
    assert project["status"] == "draft" and project["version"] == 1
    # 8000 EUR at the fixed parity 655.957 = 5,247,656 F CFA exactly, and 6000 EUR = 3,935,742.
    assert [line["amount_xof"] for line in project["budget_lines"]] == [5_247_656, 1_250_000]
    assert project["budget_lines"][0]["amount"] == "8000.00" and project["budget_lines"][1]["amount"] == "1250000"
    assert project["budget_total_xof"] == 6_497_656
    assert project["funding_total_xof"] == 3_935_742 + 2_500_000
    assert project["received_total_xof"] == 0

    submitted = act(client, officer, project["id"], "submit")
    assert submitted["status"] == "submitted" and submitted["version"] == 2
    assert act(client, mayor, project["id"], "start_review")["status"] == "under_review"
    assert act(client, mayor, project["id"], "open_consultation")["status"] == "in_consultation"
    assert code_of(act(client, mayor, project["id"], "agree", expect=422)) == "funding_incomplete"
    assert code_of(act(client, mayor, project["id"], "request_changes", expect=422)) == "comment_required"
    changes = act(client, mayor, project["id"], "request_changes", "Complétez le plan de financement.")
    assert changes["status"] == "changes_requested"

    current = client.get(f"/api/v1/projects/{project['id']}", headers=officer).get_json()
    lines = project_body(cast)["funding_lines"] + [{"party_kind": "population", "amount": "61914", "currency": "XOF"}]
    edited = client.patch(
        f"/api/v1/projects/{project['id']}",
        headers=officer,
        json={"version": current["version"], "funding_lines": lines},
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["funding_total_xof"] == edited.get_json()["budget_total_xof"] == 6_497_656
    assert edited.get_json()["version"] == current["version"] + 1

    for who, action, status in [
        (officer, "submit", "submitted"),
        (mayor, "start_review", "under_review"),
        (mayor, "open_consultation", "in_consultation"),
        (mayor, "agree", "agreed"),
        (mayor, "start_implementation", "in_progress"),
        (mayor, "complete", "completed"),
    ]:
        assert act(client, who, project["id"], action)["status"] == status, action
    done = act(
        client,
        mayor,
        project["id"],
        "hand_over",
        owner_organisation_id=cast.commune_org.id,
        maintenance_plan="La mairie entretient le forage avec le comité des usagers.",
    )
    assert done["status"] == "handed_over"
    assert client.get(f"/api/v1/projects/{project['id']}").status_code == 200  # public now, anonymous too

    history = client.get(f"/api/v1/projects/{project['id']}/history", headers=officer).get_json()["items"]
    assert [event["action"] for event in history][:4] == ["create", "submit", "start_review", "open_consultation"]
    assert history[1]["from_status"] == "draft" and history[1]["to_status"] == "submitted"
    assert history[1]["actor"]["name"] == "Responsable" and history[1]["at"].endswith("Z")
    assert any(e["comment"] == "Complétez le plan de financement." for e in history)
    edit = next(e for e in history if e["action"] == "edit")
    assert edit["from_status"] is None and edit["to_status"] is None


@pytest.mark.parametrize("viewer", ["anonymous", "mayor", "observer", "mayor_b", "mediator", "officer_b"])
def test_drafts_are_hidden_from_everyone_but_the_association(client, cast, officer, session, viewer):
    from tests.factories import add_member, make_organisation, make_user

    draft = create(client, officer, project_body(cast))
    headers = {}
    if viewer == "officer_b":
        other = make_organisation("association", home_communes=[cast.commune_a])
        add_member(make_user("b@test.org"), other, "officer")
        session.commit()
        headers = token(client, "b@test.org")
    elif viewer != "anonymous":
        headers = token(client, cast.users[viewer].email)
    error_of(client.get(f"/api/v1/projects/{draft['id']}", headers=headers), 404, "not_found")
    error_of(client.get(f"/api/v1/projects/{draft['id']}/history", headers=headers), 404, "not_found")
    listed = client.get("/api/v1/projects", headers=headers).get_json()
    assert draft["id"] not in [p["id"] for p in listed["items"]]
    member = token(client, "member@test.org")
    assert client.get(f"/api/v1/projects/{draft['id']}", headers=member).status_code == 200
    assert [p["id"] for p in client.get("/api/v1/projects", headers=member).get_json()["items"]] == [draft["id"]]


def test_once_submitted_the_parties_mediators_and_observers_see_it_but_not_others(client, cast, officer, session):
    project = create(client, officer, project_body(cast))
    act(client, officer, project["id"], "submit")
    for role, status in [
        ("mayor", 200),
        ("deputy", 200),
        ("mediator", 200),
        ("observer", 200),
        ("admin", 200),
        ("mayor_b", 404),
        ("nobody", 404),
    ]:
        headers = token(client, cast.users[role].email)
        assert client.get(f"/api/v1/projects/{project['id']}", headers=headers).status_code == status, role
    assert client.get(f"/api/v1/projects/{project['id']}").status_code == 404


def test_another_communes_mayor_is_refused(client, cast, officer):
    project = create(client, officer, project_body(cast))
    act(client, officer, project["id"], "submit")
    mayor_b = token(client, "mayor-b@test.org")
    assert code_of(act(client, mayor_b, project["id"], "start_review", expect=404)) == "not_found"


def test_wrong_state_wrong_person_and_stale_versions(client, cast, officer, mayor):
    project = create(client, officer, project_body(cast))
    # a draft: not theirs to see
    assert code_of(act(client, mayor, project["id"], "start_review", expect=404)) == "not_found"
    act(client, officer, project["id"], "submit")
    assert code_of(act(client, officer, project["id"], "agree", expect=403)) == "forbidden"
    assert code_of(act(client, mayor, project["id"], "agree", expect=409)) == "invalid_transition"
    assert code_of(act(client, mayor, project["id"], "fly_to_the_moon", expect=422)) == "validation_failed"
    act(client, mayor, project["id"], "start_review")
    # Under review: the officer may no longer edit it (api.md: until the review starts).
    error_of(
        client.patch(f"/api/v1/projects/{project['id']}", headers=officer, json={"version": 3, "title": "x"}),
        409,
        "not_editable",
    )
    act(client, mayor, project["id"], "request_changes", "Précisez le devis.")
    current = client.get(f"/api/v1/projects/{project['id']}", headers=officer).get_json()["version"]
    first = client.patch(f"/api/v1/projects/{project['id']}", headers=officer, json={"version": current, "title": "A"})
    assert first.status_code == 200
    error_of(
        client.patch(f"/api/v1/projects/{project['id']}", headers=officer, json={"version": current, "title": "B"}),
        409,
        "stale_version",
    )
    error_of(
        client.patch(f"/api/v1/projects/{project['id']}", headers=mayor, json={"version": current + 1}),
        403,
        "forbidden",
    )


def test_the_commune_must_be_a_home_commune_and_the_association_ones_own(client, cast, officer, session):
    from tests.factories import make_organisation

    error_of(
        client.post("/api/v1/projects", headers=officer, json=project_body(cast, commune_id=cast.commune_b.id)),
        422,
        "not_home_commune",
    )
    stranger = make_organisation("association", home_communes=[cast.commune_a])
    session.commit()
    error_of(
        client.post("/api/v1/projects", headers=officer, json=project_body(cast, association_id=stranger.id)),
        403,
        "forbidden",
    )
    mayor = token(client, "mayor@test.org")
    error_of(client.post("/api/v1/projects", headers=mayor, json=project_body(cast)), 403, "forbidden")
    error_of(client.post("/api/v1/projects", json=project_body(cast)), 401, "unauthenticated")


BAD_INPUT = [
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"summary": "x" * 100_000}, "summary"),
    ({"sector": "space"}, "sector"),
    ({"commune_id": 999_999}, "commune_id"),
    ({"commune_id": "1"}, "commune_id"),
    ({"commune_id": 2**40}, "commune_id"),
    ({"association_id": 999_999}, "association_id"),
    ({"sdg_tags": [0, 18]}, "sdg_tags.0"),
    ({"budget_lines": "many"}, "budget_lines"),
    ({"budget_lines": [{"label": "Ciment", "amount": "-5", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "0", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "1e20", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "1000000000000", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "abc", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "NaN", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "10.5", "currency": "XOF"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "10.555", "currency": "EUR"}]}, "budget_lines.0.amount"),
    ({"budget_lines": [{"label": "Ciment", "amount": "10", "currency": "ZZZ"}]}, "budget_lines.0.currency"),
    ({"budget_lines": [{"label": "Ciment", "amount": "10", "currency": "EURO"}]}, "budget_lines.0.currency"),
    ({"budget_lines": [{"label": "", "amount": "10", "currency": "XOF"}]}, "budget_lines.0.label"),
    ({"budget_lines": [{"label": "Ciment", "amount": "10", "currency": "XOF", "x": 1}]}, "budget_lines.0.x"),
    ({"funding_lines": [{"party_kind": "bank", "amount": "10", "currency": "XOF"}]}, "funding_lines.0.party_kind"),
    (
        {"funding_lines": [{"party_kind": "partner", "organisation_id": 999_999, "amount": "10", "currency": "XOF"}]},
        "funding_lines.0.organisation_id",
    ),
    ({"unexpected": True}, "unexpected"),
]


@pytest.mark.parametrize("override, field", BAD_INPUT)
def test_bad_input_gets_422_naming_the_field(client, cast, officer, override, field):
    error = error_of(
        client.post("/api/v1/projects", headers=officer, json=project_body(cast, **override)), 422, "validation_failed"
    )
    assert field in error["fields"], error


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "per_page=0",
        "page=-1",
        "page=abc",
        "page=99999999999",
        "status=draft'%20OR%201=1--",
        "sector=water;DROP%20TABLE%20projects",
        "commune_id=abc",
        "commune_id=99999999999999",
    ],
)
def test_absurd_paging_and_injection_in_filters_get_422(client, cast, query):
    error_of(client.get(f"/api/v1/projects?{query}"), 422, "validation_failed")


def test_filters_that_are_only_text_are_harmless(client, cast, officer):
    project = create(client, officer, project_body(cast))
    found = client.get("/api/v1/projects", query_string={"q": "forage"}, headers=officer).get_json()
    assert [p["id"] for p in found["items"]] == [project["id"]]  # the search does find what matches
    for q in ["' OR 1=1 --", "%", "_", "\\", "🙂", "x" * 200]:
        body = client.get("/api/v1/projects", query_string={"q": q}, headers=officer).get_json()
        assert body["items"] == [], q  # "%" and "_" are searched as themselves, not as wildcards
    assert client.get("/api/v1/projects?per_page=1000").get_json()["per_page"] == 100
    assert client.get("/api/v1/projects?page=5000").get_json()["items"] == []


@pytest.mark.parametrize("body", ["not json", "[]", "null", "{"])
def test_a_body_that_is_not_an_object_is_400(client, cast, officer, body):
    error_of(
        client.post("/api/v1/projects", headers=officer, data=body, content_type="application/json"),
        400,
        "malformed_request",
    )


def test_other_currencies_convert_at_the_rate_of_the_day_half_to_even(client, cast, officer, session):
    from datetime import date
    from decimal import Decimal

    session.add(CurrencyRate(currency="USD", valid_from=date(2020, 1, 1), rate_to_xof=Decimal("600.5")))
    session.commit()
    body = project_body(
        cast,
        budget_lines=[
            {"label": "Pompe", "amount": "1", "currency": "USD"},  # 600.5 -> 600 (to even)
            {"label": "Tuyaux", "amount": "3", "currency": "USD"},  # 1801.5 -> 1802 (to even)
            {"label": "Vanne", "amount": "0.01", "currency": "EUR"},  # 6.55957 -> 7
        ],
    )
    project = create(client, officer, body)
    assert [line["amount_xof"] for line in project["budget_lines"]] == [600, 1802, 7]
    assert project["budget_total_xof"] == 2409
    session.add(CurrencyRate(currency="USD", valid_from=date(2021, 1, 1), rate_to_xof=Decimal("700")))
    session.commit()
    again = client.get(f"/api/v1/projects/{project['id']}", headers=officer).get_json()
    assert again["budget_total_xof"] == 2409  # the rate is kept on the line: totals never drift


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(client, headers, project_id, content, filename, kind="technical_file"):
    return client.post(
        f"/api/v1/projects/{project_id}/documents",
        headers=headers,
        data={"file": (io.BytesIO(content), filename), "kind": kind},
        content_type="multipart/form-data",
    )


def test_documents_are_checked_by_content_and_downloaded_as_attachments(
    app, client, cast, officer, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = create(client, officer, project_body(cast))
    response = upload(client, officer, project["id"], PDF, "../../etc/devis forage.pdf")
    assert response.status_code == 201, response.get_json()
    document = response.get_json()
    assert document["content_type"] == "application/pdf" and document["filename"] == "devis forage.pdf"
    [stored] = list(tmp_path.iterdir())  # the file is in the upload folder…
    assert stored.read_bytes() == PDF
    assert "devis" not in stored.name and "etc" not in stored.name  # …under a random name, not the one sent
    download = client.get(document["url"], headers=officer)
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "private, no-store"  # personal papers: no cache keeps them
    download.close()
    assert client.get(document["url"]).status_code == 404  # a draft: anonymous may not know it exists

    with files_written_in(tmp_path) as written:
        fake = upload(client, officer, project["id"], b"<html><script>alert(1)</script></html>", "devis.pdf")
    error_of(fake, 422, "unsupported_file_type")
    assert len(written) == 1 and written[0] != stored.name  # the fake was written, checked…
    assert list(tmp_path.iterdir()) == [stored]  # …and removed
    error_of(upload(client, officer, project["id"], PDF, "x.pdf", kind="selfie"), 422, "validation_failed")
    observer = token(client, "observer@test.org")
    act(client, officer, project["id"], "submit")
    error_of(upload(client, observer, project["id"], PDF, "x.pdf"), 403, "forbidden")
    mayor = token(client, "mayor@test.org")
    assert upload(client, mayor, project["id"], PDF, "pv.pdf", kind="minutes").status_code == 201


def test_an_oversized_document_gets_413(app, client, cast, officer, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = create(client, officer, project_body(cast))
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100 * 1024)
    with files_written_in(tmp_path) as written:  # 200 KiB: written in part before it is found too big
        error_of(upload(client, officer, project["id"], PDF + b"0" * 200 * 1024, "big.pdf"), 413, "payload_too_large")
    assert len(written) == 1  # the upload was written to the folder…
    assert list(tmp_path.iterdir()) == []  # …and nothing is left behind
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    error_of(upload(client, officer, project["id"], PDF + b"0" * 8192, "bigger.pdf"), 413, "payload_too_large")


def test_lists_filter_and_count(client, cast, officer, mayor):
    for title in ("Forage nord", "École de Diéma"):
        project = create(client, officer, project_body(cast, title=title, sector="education"))
    act(client, officer, project["id"], "submit")
    mine = client.get("/api/v1/projects?sector=education", headers=officer).get_json()
    assert mine["total"] == 2 and {p["title"] for p in mine["items"]} == {"Forage nord", "École de Diéma"}
    theirs = client.get("/api/v1/projects", headers=mayor).get_json()
    assert [p["title"] for p in theirs["items"]] == ["École de Diéma"]
    assert (
        client.get(f"/api/v1/projects?status=submitted&commune_id={cast.commune_a.id}", headers=mayor).get_json()[
            "total"
        ]
        == 1
    )
    assert client.get("/api/v1/projects?q=forage", headers=officer).get_json()["total"] == 1
    assert client.get("/api/v1/projects").get_json()["total"] == 0


def test_an_admin_adds_a_rate_and_new_lines_use_it(client, cast, officer, login_as, session):
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    login_as("admin")
    page = client.post("/admin/rates", data={"currency": "usd", "valid_from": "2020-01-01", "rate_to_xof": "605.25"})
    assert page.status_code == 303
    listed = client.get("/admin/rates").get_data(as_text=True)
    assert "USD" in listed and "605,25" in listed
    bad = client.post("/admin/rates", data={"currency": "EUR", "valid_from": "2020-01-01", "rate_to_xof": "-1"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "EUR a un taux fixe." in html and "Le montant doit être supérieur à zéro." in html
    stored = session.execute(select(CurrencyRate.currency, CurrencyRate.valid_from, CurrencyRate.rate_to_xof)).all()
    assert stored == [("USD", date(2020, 1, 1), Decimal("605.25"))]  # as typed; the refused EUR rate is not kept
    project = create(
        client, officer, project_body(cast, budget_lines=[{"label": "Pompe", "amount": "100", "currency": "USD"}])
    )
    assert project["budget_lines"][0]["amount_xof"] == 60_525


def test_files_of_failed_uploads_are_swept_and_documents_kept(app, client, cast, officer, tmp_path, monkeypatch):
    import os
    import time

    from portal.services.files import sweep_orphan_uploads

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = create(client, officer, project_body(cast))
    kept = upload(client, officer, project["id"], PDF, "devis.pdf").get_json()
    [stored] = list(tmp_path.iterdir())
    old, fresh = tmp_path / ("0" * 32), tmp_path / ("1" * 32)
    old.write_bytes(PDF)
    fresh.write_bytes(PDF)
    two_hours_ago = time.time() - 7200
    for path in (old, stored):
        os.utime(path, (two_hours_ago, two_hours_ago))
    with app.app_context():
        assert sweep_orphan_uploads() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stored.name, fresh.name])
    download = client.get(kept["url"], headers=officer)
    assert download.data == PDF
    download.close()


def test_a_document_whose_file_is_gone_is_not_found_rather_than_an_error(
    app, client, cast, officer, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = create(client, officer, project_body(cast))
    document = upload(client, officer, project["id"], PDF, "devis.pdf").get_json()
    [stored] = list(tmp_path.iterdir())
    stored.unlink()  # lost in a restore, say
    error_of(client.get(document["url"], headers=officer), 404, "not_found")
