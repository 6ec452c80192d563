"""Commitments on the pages: a project's commitments with their status, overdue flag, evidence and the viewer's
actions; recording one and acting without JavaScript; the funder's confirmation and its name hidden in public;
an organisation's commitments and fulfilment rate; the mediators' overdue page; constant queries."""

import html
import io
import re

from portal.extensions import db
from portal.models import Commitment, CommitmentEvidence, ProjectStatus
from tests.commitment_factories import co_funded_project, make_commitment
from tests.helpers import assert_constant_queries
from tests.project_factories import build_project

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text_of(response) -> str:
    """The page's text as a person reads it: tags left out, entities decoded, spaces plain and single."""
    text = html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_the_project_page_shows_commitments_with_status_overdue_evidence_and_the_viewers_actions(
    client, cast, session, login_as
):
    project = co_funded_project(cast)
    late = make_commitment(project, cast.association, due_in_days=-3, description="Virement de la contribution")
    reported = make_commitment(project, cast.commune_org, "fulfilled", description="Terrain affecté")
    session.add(
        CommitmentEvidence(
            commitment_id=reported.id,
            filename="Titre foncier.pdf",
            stored_name="x" * 32,
            content_type="application/pdf",
            size=2048,
        )
    )
    session.commit()
    anonymous = text_of(client.get(f"/projects/{project.id}"))
    assert "Virement de la contribution" in anonymous and "En retard" in anonymous and "Titre foncier.pdf" in anonymous
    assert "/actions/" not in client.get(f"/projects/{project.id}").get_data(as_text=True)  # the public reads
    login_as("officer")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/commitments/{late.id}/actions/report_fulfilled" in page  # its own: report it
    assert (
        f"/commitments/{reported.id}/actions/confirm" in page and f"/commitments/{reported.id}/actions/contest" in page
    )
    assert f"/commitments/{late.id}/actions/confirm" not in page
    assert 'name="file"' in page and "Enregistrer un engagement" in html.unescape(page)


def test_recording_and_acting_from_the_page(client, cast, session, login_as, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    session.commit()
    login_as("mayor")
    form = {
        "organisation_id": str(cast.association.id),
        "kind": "financial",
        "description": "Contribution",
        "due_date": "2027-01-31",
    }
    refused = client.post(f"/projects/{project.id}/commitments", data=form)
    assert refused.status_code == 422 and 'id="commitment-amount-error"' in refused.get_data(as_text=True)
    assert "Contribution" in refused.get_data(as_text=True)  # what was typed is kept
    done = client.post(f"/projects/{project.id}/commitments", data={**form, "amount": "5000", "currency": "EUR"})
    assert done.status_code == 303
    commitment = db.session.query(Commitment).filter_by(project_id=project.id).one()
    commitment_id = commitment.id
    assert (commitment.amount_xof, commitment.recorded_by_id) == (3_279_785, cast.users["mayor"].id)
    login_as("officer")
    reported = client.post(
        f"/projects/{project.id}/commitments/{commitment.id}/actions/report_fulfilled",
        data={"version": str(commitment.version), "file": (io.BytesIO(PDF), "Reçu.pdf")},
    )
    assert reported.status_code == 303
    commitment = db.session.get(Commitment, commitment_id)
    assert commitment.status == "fulfilled" and [e.filename for e in commitment.evidence] == ["Reçu.pdf"]
    download = client.get(f"/projects/{project.id}/commitments/{commitment.id}/evidence/{commitment.evidence[0].id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    login_as("mayor")
    no_reason = client.post(f"/projects/{project.id}/commitments/{commitment.id}/actions/contest", data={})
    assert (
        no_reason.status_code == 422
        and f'id="commitment-{commitment.id}-contest-comment-error"' in no_reason.get_data(as_text=True)
    )
    stale = client.post(
        f"/projects/{project.id}/commitments/{commitment.id}/actions/confirm",
        data={"version": str(commitment.version - 1)},
    )
    assert stale.status_code == 409
    confirmed = client.post(
        f"/projects/{project.id}/commitments/{commitment.id}/actions/confirm", data={"version": str(commitment.version)}
    )
    assert confirmed.status_code == 303
    commitment = db.session.get(Commitment, commitment_id, populate_existing=True)
    assert commitment.status == "confirmed"


def test_an_unconfirmed_funder_reads_awaiting_and_is_not_named_in_public_until_it_confirms(
    client, cast, session, login_as
):
    project = co_funded_project(cast)  # agreed: public; the partner has not confirmed its line
    session.commit()
    public = text_of(client.get(f"/projects/{project.id}"))
    assert "en attente de la confirmation du financeur" in public and cast.partner.name not in public
    login_as("representative")
    page = text_of(client.get(f"/projects/{project.id}"))
    assert cast.partner.name in page and "Confirmer la ligne de" in page
    line = next(line for line in project.funding_lines if line.organisation_id == cast.partner.id)
    assert client.post(f"/projects/{project.id}/funding/{line.id}/confirm").status_code == 303
    client.post("/auth/logout")
    with client.session_transaction() as flask_session:
        flask_session.clear()
    public = text_of(client.get(f"/projects/{project.id}"))
    assert cast.partner.name in public and "en attente de la confirmation du financeur" not in public


def test_an_organisations_page_lists_its_commitments_those_owed_to_it_and_its_fulfilment_rate(client, cast, session):
    page = text_of(client.get(f"/organisations/{cast.association.id}"))
    assert "Engagements tenus : —" in page
    project = co_funded_project(cast)
    for status, due in [("confirmed", 5), ("confirmed", -5), ("contested", 5), ("open", -1), ("cancelled", -1)]:
        make_commitment(project, cast.association, status, due_in_days=due, description=f"Promesse {status} {due}")
    make_commitment(project, cast.commune_org, description="Promesse de la mairie")
    session.commit()
    page = text_of(client.get(f"/organisations/{cast.association.id}"))
    assert "Engagements tenus : 50 %" in page and "2 sur 4" in page
    assert "Promesse confirmed 5" in page and "Promesse de la mairie" in page  # made, and owed to it


def test_mediators_see_the_overdue_commitments_by_region_and_commune(client, cast, session, login_as):
    project = co_funded_project(cast)
    make_commitment(project, cast.association, due_in_days=-2, description="Promesse en retard")
    make_commitment(project, cast.association, due_in_days=2, description="Promesse à venir")
    session.commit()
    login_as("mediator")
    page = text_of(client.get("/mediation/commitments/overdue"))
    assert "Promesse en retard" in page and "Promesse à venir" not in page and cast.commune_a.name in page


def _add_commitments(cast, session, project, organisation=None):
    def add(n):
        for i in range(n):
            commitment = make_commitment(project, organisation or cast.association, due_in_days=(i % 7) - 3)
            db.session.add(
                CommitmentEvidence(
                    commitment_id=commitment.id,
                    filename="r.pdf",
                    stored_name=f"q{commitment.id}",
                    content_type="application/pdf",
                    size=10,
                )
            )
        session.commit()

    return add


def test_pages_listing_commitments_run_as_many_queries_with_a_thousand_as_with_ten(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    assert_constant_queries(client, f"/projects/{project.id}", _add_commitments(cast, session, project), large=300)


def test_the_organisation_and_overdue_pages_run_constant_queries(client, cast, session, login_as):
    projects = [build_project(cast.association, cast.commune_a, "agreed") for _ in range(3)]
    session.add_all(projects)
    session.commit()
    login_as("mediator")
    adders = [_add_commitments(cast, session, p, cast.commune_org) for p in projects]
    assert_constant_queries(client, f"/organisations/{cast.association.id}", lambda n: [a(n // 3 + 1) for a in adders])
    assert_constant_queries(client, "/mediation/commitments/overdue", lambda n: [a(n // 3 + 1) for a in adders])


def test_a_meeting_lists_the_commitments_taken_there_and_links_to_record_one(client, cast, login_as, session):
    from tests.meeting_factories import make_meeting
    from tests.project_factories import make_project

    project = make_project(cast.association, cast.commune_a, "in_consultation", title="Forage de Kamalé")
    elsewhere = make_project(cast.association, cast.commune_a, "in_consultation", title="Autre projet")
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-2, title="Concertation")
    session.commit()
    login_as("mayor")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Aucun engagement n’est enregistré comme pris à cette réunion." in page
    link = f"/projects/{project.id}?meeting_id={meeting.id}#record-commitment"
    assert link.replace("&", "&amp;") in page or link in page
    form = client.get(f"/projects/{project.id}?meeting_id={meeting.id}").get_data(as_text=True)
    assert f'name="meeting_id" value="{meeting.id}"' in form
    body = {
        "organisation_id": str(cast.commune_org.id),
        "kind": "administrative",
        "description": "Délibérer sur la part de la commune",
        "due_date": "2027-02-01",
        "meeting_id": str(meeting.id),
    }
    assert client.post(f"/projects/{project.id}/commitments", data=body).status_code == 303
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Délibérer sur la part de la commune" in page
    # A meeting that did not discuss the project cannot have taken a commitment on it.
    refused = client.post(f"/projects/{elsewhere.id}/commitments", data={**body, "description": "Autre"})
    assert refused.status_code == 422
    assert "Aucune réunion sur ce projet ne porte ce numéro." in refused.get_data(as_text=True)
