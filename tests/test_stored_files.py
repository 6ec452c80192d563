"""Nothing stored is ever swept (issue 20): a file sent through each of the portal's upload routes, pages and API,
is still served after `flask jobs run orphan_uploads` has run past its grace period; `flask backup` then `restore`
brings every one of them back; every table that points to stored files is in the one registry."""

import io
import os
import re
import time
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import (
    CommitmentEvidence,
    Contribution,
    DeliveryFile,
    DisputeDocument,
    FacilityCheck,
    ProgressReport,
    ProjectConvention,
    ProjectDocument,
    ProjectStatus,
    User,
    WorksAcceptance,
)
from portal.services.files import file_models
from tests.commitment_factories import co_funded_project, make_commitment
from tests.delivery_factories import make_contribution, make_facility
from tests.dispute_factories import make_dispute
from tests.factories import Cast, sign_in
from tests.project_api import token

TWO_DAYS = 2 * 24 * 3600  # well past the sweep's hour of grace


def pdf(label: str) -> bytes:
    """A small PDF whose bytes say which upload it is."""
    return f"%PDF-1.4\n% {label}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


def jpeg(shade: int) -> bytes:
    """A real photo (a thumbnail is made of it, and kept too), of its own colour."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 90, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_records(cast) -> dict:
    """A record of each kind a file can be sent to, in the state where its upload is allowed (ids only)."""
    agreed = co_funded_project(cast)
    signed_by_api = co_funded_project(cast)
    facility = make_facility(cast.association, cast.commune_a, cast.commune_org)
    return {
        "agreed": agreed.id,
        "signed_by_api": signed_by_api.id,
        "evidence_page": make_commitment(agreed, cast.association).id,
        "evidence_api": make_commitment(agreed, cast.association).id,
        "contested_tranche": make_contribution(agreed, 0, 1000, status="contested").id,
        "reported_tranche": make_contribution(agreed, 0, 100_000).id,
        "dispute": make_dispute(cast, "acknowledged").id,
        "facility": facility.id,
        "in_progress": co_funded_project(cast, ProjectStatus.IN_PROGRESS).id,
        "accepted_page": co_funded_project(cast, ProjectStatus.COMPLETED).id,
        "accepted_api": co_funded_project(cast, ProjectStatus.COMPLETED).id,
        "partner": cast.partner.id,
        "line": agreed.funding_lines[0].id,
    }


def _row(client, model, filename: str) -> int:
    """The id of the one row of `model` for the file sent under `filename`."""
    return _one(client, select(model.id).where(model.filename == filename))


def _one(client, query):
    with client.application.app_context():
        return db.session.scalars(query).one()


def upload_through_every_route(client, ids: dict, login, tokens) -> list[tuple[str, bytes]]:
    """Sends a file through each upload route as the role allowed to; returns (download address, bytes) of each."""
    served = []

    def send(url, data, headers=None, expect=303):
        response = client.post(url, data=data, headers=headers or {}, content_type="multipart/form-data")
        assert response.status_code == expect, (url, response.status_code, response.get_data(as_text=True)[:500])
        return response

    agreed = ids["agreed"]
    officer, mayor = tokens["officer"], tokens["mayor"]

    # The pages --------------------------------------------------------------------------------------------
    login("officer")
    content = pdf("project document, page")
    send(f"/projects/{agreed}/documents", {"kind": "quote", "file": (io.BytesIO(content), "page-devis.pdf")})
    document_id = _row(client, ProjectDocument, "page-devis.pdf")
    served.append((f"/projects/{agreed}/documents/{document_id}", content))

    content = pdf("commitment evidence, page")
    commitment = ids["evidence_page"]
    send(
        f"/projects/{agreed}/commitments/{commitment}/actions/report_fulfilled",
        {"version": "1", "file": (io.BytesIO(content), "page-recu.pdf")},
    )
    evidence_id = _row(client, CommitmentEvidence, "page-recu.pdf")
    served.append((f"/projects/{agreed}/commitments/{commitment}/evidence/{evidence_id}", content))

    content = pdf("contribution proof, reported with the tranche")
    form = {"funding_line_id": str(ids["line"]), "paid_on": "2026-03-02", "amount": "5000", "currency": "XOF"}
    send(f"/projects/{agreed}/contributions", {**form, "file": (io.BytesIO(content), "page-virement.pdf")})
    proof_id = _row(client, DeliveryFile, "page-virement.pdf")
    tranche = _one(client, select(Contribution.id).where(Contribution.proof_id == proof_id))
    served.append((f"/projects/{agreed}/contributions/{tranche}/proof", content))

    content = pdf("contribution proof, reported again")
    tranche = ids["contested_tranche"]
    send(
        f"/projects/{agreed}/contributions/{tranche}/actions/report_again",
        {"version": "1", "comment": "Voici le reçu.", "file": (io.BytesIO(content), "page-nouveau-recu.pdf")},
    )
    served.append((f"/projects/{agreed}/contributions/{tranche}/proof", content))

    content = pdf("dispute file, sent with the opening")
    form = {
        "respondent_organisation_id": str(ids["partner"]),
        "commitment_id": "",
        "subject": "Tranche non versée",
        "description": "La deuxième tranche promise par le partenaire n'est pas arrivée.",
    }
    send(f"/disputes/new?project_id={agreed}", {**form, "file": (io.BytesIO(content), "page-releve.pdf")})
    file_id = _row(client, DisputeDocument, "page-releve.pdf")
    dispute = _one(client, select(DisputeDocument.dispute_id).where(DisputeDocument.id == file_id))
    served.append((f"/disputes/{dispute}/documents/{file_id}", content))

    content = pdf("dispute file, page")
    dispute = ids["dispute"]
    send(f"/disputes/{dispute}/documents", {"file": (io.BytesIO(content), "page-lettre.pdf")})
    file_id = _row(client, DisputeDocument, "page-lettre.pdf")
    served.append((f"/disputes/{dispute}/documents/{file_id}", content))

    login("mayor")
    content = pdf("signed convention, page")
    send(f"/projects/{agreed}/convention/signed", {"file": (io.BytesIO(content), "page-convention.pdf")})
    served.append((f"/projects/{agreed}/convention/signed", content))

    content = jpeg(10)
    facility = ids["facility"]
    send(
        f"/projects/{facility}/facility/checks",
        {"condition": "working", "file": (io.BytesIO(content), "page-pompe.jpg")},
    )
    photo_id = _row(client, DeliveryFile, "page-pompe.jpg")
    check = _one(client, select(FacilityCheck.id).where(FacilityCheck.photo_id == photo_id))
    served.append((f"/projects/{facility}/facility/checks/{check}/photo", content))

    content = jpeg(60)
    project = ids["in_progress"]
    send(
        f"/projects/{project}/progress", {"percent_complete": "35", "file": (io.BytesIO(content), "page-chantier.jpg")}
    )
    photo_id = _row(client, DeliveryFile, "page-chantier.jpg")
    report = _one(client, select(ProgressReport.id).where(ProgressReport.photo_id == photo_id))
    served.append((f"/projects/{project}/progress/{report}/photo", content))

    content = pdf("acceptance record, page")
    project = ids["accepted_page"]
    form = {"kind": "provisional", "accepted_on": "2026-09-01", "participants": "Le maire, l’entreprise"}
    send(f"/projects/{project}/acceptance", {**form, "file": (io.BytesIO(content), "page-pv.pdf")})
    record_id = _row(client, DeliveryFile, "page-pv.pdf")
    acceptance = _one(client, select(WorksAcceptance.id).where(WorksAcceptance.record_id == record_id))
    served.append((f"/projects/{project}/acceptance/{acceptance}/record", content))

    # The API ----------------------------------------------------------------------------------------------
    def sent_through_api(url, data, headers, expect, url_of):
        content = data["file"][0].getvalue()  # read before sending: the client closes the stream
        answer = send(url, data, headers, expect).get_json()
        served.append((url_of(answer), content))

    sent_through_api(
        f"/api/v1/projects/{agreed}/documents",
        {"kind": "quote", "file": (io.BytesIO(pdf("project document, API")), "api-devis.pdf")},
        officer,
        201,
        lambda answer: answer["url"],
    )
    sent_through_api(
        f"/api/v1/commitments/{ids['evidence_api']}/evidence",
        {"file": (io.BytesIO(pdf("commitment evidence, API")), "api-recu.pdf")},
        officer,
        201,
        lambda answer: answer["url"],
    )
    sent_through_api(
        f"/api/v1/contributions/{ids['reported_tranche']}/proof",
        {"file": (io.BytesIO(pdf("contribution proof, API")), "api-virement.pdf")},
        officer,
        200,
        lambda answer: answer["proof"]["url"],
    )
    sent_through_api(
        f"/api/v1/disputes/{ids['dispute']}/documents",
        {"file": (io.BytesIO(pdf("dispute file, API")), "api-devis-litige.pdf")},
        officer,
        201,
        lambda answer: answer["url"],
    )
    sent_through_api(
        f"/api/v1/projects/{ids['signed_by_api']}/convention/signed",
        {"file": (io.BytesIO(pdf("signed convention, API")), "api-convention.pdf")},
        officer,
        200,
        lambda answer: answer["signed_copy"]["url"],
    )
    sent_through_api(
        f"/api/v1/projects/{facility}/facility/checks",
        {"condition": "partly", "file": (io.BytesIO(jpeg(200)), "api-pompe.jpg")},
        mayor,
        201,
        lambda answer: answer["photo"]["url"],
    )
    sent_through_api(
        f"/api/v1/projects/{ids['accepted_api']}/acceptances",
        {
            "kind": "provisional",
            "accepted_on": "2026-09-01",
            "participants": "Maire, entreprise",
            "file": (io.BytesIO(pdf("acceptance record, API")), "api-pv.pdf"),
        },
        mayor,
        201,
        lambda answer: answer["record"]["url"],
    )
    return served


def assert_all_served(client, served, headers) -> None:
    """Each file is downloaded whole, as it was sent, by the association's officer (who sees every record)."""
    for url, content in served:
        download = client.get(url, headers=headers)
        assert download.status_code == 200, url
        assert download.data == content, url
        download.close()


def age(directory: Path) -> None:
    long_ago = time.time() - TWO_DAYS
    for path in directory.iterdir():
        os.utime(path, (long_ago, long_ago))


@pytest.fixture()
def tokens(client, cast):
    return {"officer": token(client, "officer@test.org"), "mayor": token(client, "mayor@test.org")}


def test_a_file_sent_through_every_upload_route_survives_the_orphan_sweep(
    app, client, cast, session, login_as, tokens, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    ids = make_records(cast)
    session.commit()
    served = upload_through_every_route(client, ids, login_as, tokens)
    assert len(served) == 17  # ten page routes, seven API routes
    kept = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert len(kept) == 17 + 3  # and the thumbnails of the three photos
    left_behind = tmp_path / ("0" * 32)  # a file whose request failed after writing it: no row points to it
    left_behind.write_bytes(pdf("nobody's"))
    age(tmp_path)

    swept = app.test_cli_runner().invoke(args=["jobs", "run", "orphan_uploads"])

    assert swept.exit_code == 0, swept.output
    assert not left_behind.exists()  # the sweep did run
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == kept
    login_as("officer")
    assert_all_served(client, served, tokens["officer"])
    # The person's data lists what they sent, from every kind of record (the dispute's files too).
    sent = {row["filename"] for row in client.get("/account/data").get_json()["files_sent"]}
    assert {"page-devis.pdf", "page-recu.pdf", "page-releve.pdf", "api-devis-litige.pdf", "api-convention.pdf"} <= sent
    assert "page-convention.pdf" not in sent  # the mayor's


def test_jobs_run_runs_one_job_by_its_name_and_names_the_jobs_when_it_knows_none(app, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    orphan = tmp_path / ("1" * 32)
    orphan.write_bytes(pdf("orphan"))
    age(tmp_path)
    runner = app.test_cli_runner()
    ran = runner.invoke(args=["jobs", "run", "orphan_uploads"])
    assert ran.exit_code == 0 and "orphan_uploads" in ran.output and not orphan.exists()
    unknown = runner.invoke(args=["jobs", "run", "orphans"])
    assert unknown.exit_code != 0
    assert (
        "orphans" in unknown.output and "orphan_uploads" in unknown.output and "notifications_digest" in unknown.output
    )


def test_every_column_that_names_a_stored_file_is_in_the_registry(app):
    """Found by looking at every mapped table: a table with a stored name, or a file name, keeps files."""
    registered = {model.__table__ for model in file_models()}
    holding_files = {
        table
        for table in db.metadata.tables.values()
        for column in table.columns
        if re.search(r"stored|filename|file_name|path", column.name) and not column.foreign_keys
    }
    assert holding_files, "no table found: the search would prove nothing"
    assert holding_files == registered, sorted(t.name for t in holding_files ^ registered)
    assert {t.name for t in registered} >= {
        "project_documents",
        "commitment_evidence",
        "delivery_files",
        "dispute_documents",
    }


# Backup and restore --------------------------------------------------------------------------------------


def test_a_backup_then_a_restore_brings_back_every_file_of_every_table(sqlite_app, tmp_path):
    client = sqlite_app.test_client()
    with sqlite_app.app_context():
        cast = Cast()
        users = {role: user.id for role, user in cast.users.items()}
        ids = make_records(cast)
        db.session.commit()

    def login(role):
        with sqlite_app.app_context():
            sign_in(client, db.session.get(User, users[role]))

    tokens = {"officer": token(client, "officer@test.org"), "mayor": token(client, "mayor@test.org")}
    served = upload_through_every_route(client, ids, login, tokens)
    uploads = Path(sqlite_app.config["UPLOAD_DIR"])
    kept = {path.name: path.read_bytes() for path in uploads.iterdir()}
    with sqlite_app.app_context():
        rows = {
            model.__tablename__: db.session.scalar(select(db.func.count()).select_from(model))
            for model in file_models()
        }
    assert all(rows.values()), rows  # every table of the registry has files in it

    runner = sqlite_app.test_cli_runner()
    made = runner.invoke(args=["backup", str(tmp_path / "copy")])
    assert made.exit_code == 0, made.output
    assert f"{len(kept)} files" in made.output and "Warning" not in made.output
    # A bad day: every file and every row pointing to one is gone.
    for path in uploads.iterdir():
        path.unlink()
    with sqlite_app.app_context():
        db.session.execute(ProjectConvention.__table__.update().values(signed_file_id=None))
        for model in file_models():
            db.session.execute(delete(model))
        db.session.commit()
    login("officer")
    assert client.get(served[0][0]).status_code == 404

    restored = runner.invoke(args=["restore", str(tmp_path / "copy"), "--yes"])

    assert restored.exit_code == 0, restored.output
    assert "Warning" not in restored.output
    assert {path.name: path.read_bytes() for path in uploads.iterdir()} == kept
    with sqlite_app.app_context():
        assert {
            model.__tablename__: db.session.scalar(select(db.func.count()).select_from(model))
            for model in file_models()
        } == rows
    login("officer")
    assert_all_served(client, served, tokens["officer"])
