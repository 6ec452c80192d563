"""Issue 21, frictions 1 and 3, restated: a contested commitment says next to it why, who contested (the side and
the person) and when, with the proof given before — on the project's page, the meeting's, the organisations' lists
and in the API (`contested`); a pledge of the co-funding plan shows what its confirmed tranches received and what
remains (page and API), and the confirmation of the tranche that reaches it confirms it, as the system, told as
any confirmation."""

import html
import io
import re

import pytest
from sqlalchemy import select

from portal.domain import commitments, contributions, projects
from portal.domain.audit import record
from portal.models import AuditEvent, Commitment, Notification, ProjectStatus
from tests.commitment_factories import co_funded_project, make_commitment
from tests.meeting_factories import make_meeting

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REASON = "Le virement n’apparaît pas sur le compte de la perception."


@pytest.fixture(autouse=True)
def _uploads(app, app_context, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))


def _item(page: str, element_id: str) -> str:
    """The text of the element with this id (to its closing tag of the same name), tags stripped."""
    found = re.search(rf'<(li|tr)[^>]*id="{element_id}".*?</\1>', page, re.S)
    assert found, element_id
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))))


def _contested(cast, session, project=None, meeting_id=None) -> Commitment:
    """The association's commitment, reported fulfilled with a receipt, contested by the mayor with a reason."""
    project = project or co_funded_project(cast)
    commitment = make_commitment(
        project, cast.association, kind="technical", description="Envoi du devis signé du foreur", meeting_id=meeting_id
    )
    officer, mayor = cast.users["officer"], cast.users["mayor"]
    commitments.add_evidence(officer, commitment, io.BytesIO(PDF), "Devis signé.pdf")
    commitments.transition(officer, commitment, "report_fulfilled")
    commitments.transition(mayor, commitment, "contest", REASON)
    session.commit()
    session.expire_all()  # read back as a request would
    return commitment


def test_a_contested_commitment_says_why_who_and_when_on_its_project_and_in_the_api(client, cast, session, login_as):
    commitment = _contested(cast, session)
    evidence = commitment.evidence[0]
    login_as("officer")
    page = client.get(f"/projects/{commitment.project_id}").get_data(as_text=True)
    row = _item(page, f"commitment-{commitment.id}")
    assert REASON in row
    assert cast.users["mayor"].name in row and cast.commune_org.name in row  # the person and the side
    assert "Devis signé.pdf" in row  # the proof given before, with its link
    assert f"/projects/{commitment.project_id}/commitments/{commitment.id}/evidence/{evidence.id}" in page

    answer = client.get(f"/api/v1/commitments/{commitment.id}").get_json()
    contested = answer["contested"]
    assert answer["status"] == "contested" and contested["reason"] == REASON
    assert contested["at"].endswith("Z")
    assert contested["by"]["organisation"] == {"id": cast.commune_org.id, "name": cast.commune_org.name}
    assert contested["by"]["person"] == {"id": cast.users["mayor"].id, "name": cast.users["mayor"].name}
    assert [e["filename"] for e in contested["evidence"]] == ["Devis signé.pdf"]
    listed = client.get(f"/api/v1/commitments?project_id={commitment.project_id}").get_json()["items"]
    assert [c["contested"]["reason"] for c in listed if c["id"] == commitment.id] == [REASON]
    assert answer["received_xof"] is None and answer["remaining_xof"] is None  # not a pledge

    # Reported again with new evidence, it is no longer contested: nothing more is said.
    officer = cast.users["officer"]
    again = session.get(Commitment, commitment.id)
    commitments.add_evidence(officer, again, io.BytesIO(PDF), "Avis de virement.pdf")
    commitments.transition(officer, again, "report_fulfilled")
    session.commit()
    session.expire_all()
    assert client.get(f"/api/v1/commitments/{commitment.id}").get_json()["contested"] is None
    page = client.get(f"/projects/{commitment.project_id}").get_data(as_text=True)
    assert REASON not in _item(page, f"commitment-{commitment.id}")


def test_the_meeting_and_the_organisations_lists_say_why_a_commitment_is_contested(client, cast, session, login_as):
    project = co_funded_project(cast)
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-2, title="Concertation")
    session.commit()
    commitment = _contested(cast, session, project, meeting.id)
    login_as("officer")
    for url in (f"/meetings/{meeting.id}", f"/organisations/{cast.association.id}"):
        page = html.unescape(client.get(url).get_data(as_text=True))
        assert REASON in page and cast.users["mayor"].name in page, url
        assert f"/commitments/{commitment.id}/evidence/{commitment.evidence[0].id}" in page, url


def test_a_pledge_shows_what_its_confirmed_tranches_received_and_reaching_it_confirms_it(
    client, cast, session, login_as
):
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    project.funding_lines[1].confirmed_at = project.created_at  # the partner confirmed its line
    projects.transition(cast.users["mayor"], project, "agree")
    line = project.funding_lines[0]  # the association's: 600,000 F CFA
    pledge = session.scalar(select(Commitment).where(Commitment.funding_line_id == line.id))
    session.commit()

    def tranche(amount, by="officer"):
        return contributions.report_contribution(
            cast.users[by],
            project,
            {"funding_line_id": line.id, "paid_on": "2026-06-01", "amount": amount, "currency": "XOF"},
        )

    def api():
        answer = client.get(f"/api/v1/commitments/{pledge.id}").get_json()
        return answer["status"], answer["received_xof"], answer["remaining_xof"]

    assert api() == ("open", 0, 600_000)
    first = tranche("350000")
    contributions.transition(cast.users["mayor"], first, "confirm")
    tranche("100000")  # reported, not yet received
    session.commit()
    assert api() == ("open", 350_000, 250_000)
    login_as("officer")
    row = _item(client.get(f"/projects/{project.id}").get_data(as_text=True), f"commitment-{pledge.id}")
    assert re.search(r"350[\s\u202f,.]000.*250[\s\u202f,.]000", row), row  # received, then what remains

    notified = session.query(Notification).filter_by(user_id=cast.users["officer"].id).count()
    second = tranche("250000", by="member")
    contributions.transition(cast.users["deputy"], second, "confirm")
    session.commit()
    assert api() == ("confirmed", 600_000, 0)
    confirmed = session.scalars(
        select(AuditEvent).where(
            AuditEvent.subject_type == "commitment",
            AuditEvent.subject_id == pledge.id,
            AuditEvent.action == "commitment.confirm",
        )
    ).one()
    assert confirmed.actor_id is None  # the system, not the deputy who confirmed the tranche
    assert confirmed.after["contribution_id"] == second.id
    # The association hears of its pledge confirmed, as of any confirmation (besides the tranche's own news).
    assert session.query(Notification).filter_by(user_id=cast.users["officer"].id).count() >= notified + 2


def test_a_contest_recorded_before_the_side_was_kept_names_the_side_the_person_speaks_for(client, cast, session):
    """Contests recorded before this change kept no side: the person's membership of another party names it."""
    project = co_funded_project(cast)
    commitment = make_commitment(project, cast.association, status="contested")
    record(
        "commitment.contest",
        "commitment",
        commitment.id,
        actor=cast.users["mayor"],
        before={"status": "fulfilled"},
        after={"status": "contested", "project_id": project.id},
        comment=REASON,
    )
    session.commit()
    contested = client.get(f"/api/v1/commitments/{commitment.id}").get_json()["contested"]
    assert contested["reason"] == REASON and contested["evidence"] == []
    assert contested["by"]["organisation"] == {"id": cast.commune_org.id, "name": cast.commune_org.name}
