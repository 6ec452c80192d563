"""Disputes on the pages, as people use them (product.md, "Dispute workflow"; issue 10): a contested commitment
offers "open a dispute" prefilled; a refused form keeps what was typed; the workflow is taken by forms, without
JavaScript; the mediators' notes are hidden from the parties; files; a mediation session scheduled from the
dispute's page is listed there and never on the project's page; the list; the mediator's desk and its order."""

import html
import io
import re
from datetime import timedelta

from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Dispute, Meeting, ProjectStatus
from tests.commitment_factories import co_funded_project, make_commitment
from tests.dispute_factories import make_dispute
from tests.factories import make_commune, make_organisation
from tests.helpers import assert_constant_queries
from tests.project_factories import make_project

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text_of(response) -> str:
    """The page's text as a person reads it: tags left out, entities decoded, spaces plain and single."""
    text = html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _selected(page: str, select_id: str) -> str | None:
    """The value of the option selected in the select `select_id`."""
    block = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)" selected>', block)
    return chosen.group(1) if chosen else None


def _open_form(cast, commitment=None, **fields) -> dict:
    form = {
        "respondent_organisation_id": str(cast.partner.id),
        "commitment_id": str(commitment.id) if commitment else "",
        "subject": "Tranche non versée",
        "description": "La deuxième tranche promise par le partenaire n'est pas arrivée.",
    }
    return {**form, **fields}


# Opening ------------------------------------------------------------------------------------------------


def test_a_contested_commitment_offers_a_prefilled_dispute_to_the_parties_only(client, cast, session, login_as):
    project = co_funded_project(cast)
    contested = make_commitment(project, cast.partner, "contested", description="Deuxième tranche")
    still_open = make_commitment(project, cast.association, description="Main-d'œuvre")
    session.commit()
    login_as("officer")
    page = page_of(client.get(f"/projects/{project.id}"))
    prefilled = f"/disputes/new?project_id={project.id}&commitment_id={contested.id}"
    assert prefilled in page  # on the contested commitment
    assert f"commitment_id={still_open.id}" not in page  # an open commitment offers none
    assert f'href="/disputes/new?project_id={project.id}"' in page  # and the plain link on the project
    form = page_of(client.get(prefilled))
    assert _selected(form, "dispute-commitment") == str(contested.id)
    assert _selected(form, "dispute-respondent") == str(cast.partner.id)  # the one who promised it
    # "Forms say who will see what is posted."
    assert "seulement par les deux parties au litige, les médiateurs du ministère et les administrateurs" in form
    # Who may not open one (an observer of a party, an outsider, the public) is offered nothing.
    for role in ("observer", "nobody"):
        login_as(role)
        assert "/disputes/new" not in client.get(f"/projects/{project.id}").get_data(as_text=True), role
    client.post("/logout")
    assert "/disputes/new" not in client.get(f"/projects/{project.id}").get_data(as_text=True)


def test_only_a_party_may_open_and_a_refused_form_keeps_what_was_typed(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("observer")  # the partner's observer sees the public project but acts for no party
    assert client.get(f"/disputes/new?project_id={project.id}").status_code == 403
    login_as("officer")
    assert client.get("/disputes/new").status_code == 404  # no project: nothing to open a dispute about
    assert client.get("/disputes/new?project_id=99999999999").status_code == 404
    refused = client.post(
        f"/disputes/new?project_id={project.id}",
        data=_open_form(cast, subject="  ", respondent_organisation_id=str(cast.association.id)),
    )
    assert refused.status_code == 422
    page = page_of(refused)
    assert 'id="dispute-subject-error"' in page and 'id="dispute-respondent-error"' in page
    assert "La deuxième tranche promise par le partenaire n'est pas arrivée." in page  # kept
    assert db.session.scalar(select(Dispute.id)) is None
    words = client.post(f"/disputes/new?project_id={project.id}", data=_open_form(cast, commitment_id="abc"))
    assert words.status_code == 422 and 'id="dispute-commitment-error"' in words.get_data(as_text=True)
    not_a_file = client.post(
        f"/disputes/new?project_id={project.id}",
        data={**_open_form(cast), "file": (io.BytesIO(b"just some words"), "notes.txt")},
    )
    assert not_a_file.status_code == 422 and 'id="dispute-file-error"' in not_a_file.get_data(as_text=True)
    assert "Tranche non versée" in not_a_file.get_data(as_text=True)
    assert db.session.scalar(select(Dispute.id)) is None  # nothing half-opened


# The workflow by forms ----------------------------------------------------------------------------------


def test_a_dispute_goes_from_opening_to_closure_by_forms(client, cast, session, login_as, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    project = co_funded_project(cast)
    contested = make_commitment(project, cast.partner, "contested", description="Deuxième tranche")
    session.commit()
    login_as("officer")
    opened = client.post(
        f"/disputes/new?project_id={project.id}",
        data={**_open_form(cast, contested), "file": (io.BytesIO(PDF), "Relevé.pdf")},
    )
    assert opened.status_code == 303
    dispute = db.session.scalars(select(Dispute)).one()
    url = f"/disputes/{dispute.id}"
    assert opened.headers["Location"].endswith(url)
    assert (dispute.claimant_id, dispute.respondent_id, dispute.commitment_id) == (
        cast.association.id,
        cast.partner.id,
        contested.id,
    )
    page = text_of(client.get(url))
    assert "Relevé.pdf" in page and "Deuxième tranche" in page and "Ouvert, en attente d’un médiateur" in page
    assert "/actions/acknowledge" not in client.get(url).get_data(as_text=True)  # a party does not mediate

    def step(role, action, status=303, **form):
        login_as(role)
        version = db.session.get(Dispute, dispute.id).version
        response = client.post(f"{url}/actions/{action}", data={"version": str(version), **form})
        assert response.status_code == status, (role, action, response.status_code)
        return response

    login_as("mediator")
    assert "/actions/acknowledge" in client.get(url).get_data(as_text=True)
    step("mediator", "acknowledge")
    step("mediator", "start_mediation")
    refused = step("mediator", "resolve", 422, comment="")
    assert 'id="action-resolve-comment-error"' in refused.get_data(as_text=True)
    step("mediator", "resolve", comment="Le partenaire verse la tranche avant le 31 mars.")
    step("officer", "accept")
    step("representative", "object", comment="Le 31 mars est trop tôt pour notre budget.")
    assert db.session.get(Dispute, dispute.id).status == "resolved"  # answers leave the status as it is
    page = text_of(client.get(url))
    assert "Le partenaire verse la tranche avant le 31 mars." in page
    assert "Association des ressortissants de Diéma — l’a accepté" in page
    assert (
        "Partenaire technique — a formulé une objection" in page
        and "Le 31 mars est trop tôt pour notre budget." in page
    )
    step("mediator", "close")
    closed = db.session.get(Dispute, dispute.id)
    assert closed.status == "closed" and closed.mediator_id == cast.users["mediator"].id
    login_as("officer")
    page = client.get(url).get_data(as_text=True)
    assert "/actions/appeal" in page and "/messages" not in page  # over: no more messages, an appeal possible
    history = text_of(client.get(url))
    for event in ("Litige ouvert", "Accusé de réception", "Médiation commencée", "Règlement enregistré", "Clos"):
        assert event in history, event


def test_a_party_that_answered_the_settlement_is_told_what_was_recorded_and_answers_once(
    client, cast, session, login_as
):
    dispute = make_dispute(cast, "resolved", settlement="Le partenaire verse la tranche en mars.", resolved_at=utcnow())
    session.commit()
    url = f"/disputes/{dispute.id}"
    login_as("officer")
    assert 'action="' + url + '/actions/accept"' in client.get(url).get_data(as_text=True)
    accepted = client.post(f"{url}/actions/accept", data={"version": str(dispute.version)}, follow_redirects=True)
    page = text_of(accepted)
    assert "Vous avez accepté le règlement ; le médiateur clora le litige." in page
    assert "le litige est maintenant" not in page  # nothing changed status: no status given as news
    assert "Association des ressortissants de Diéma — l’a accepté" in page
    assert "Partenaire technique — n’a pas encore répondu" in page
    # No second answer offered, nor taken.
    markup = accepted.get_data(as_text=True)
    assert "/actions/accept" not in markup and "/actions/object" not in markup
    version = db.session.get(Dispute, dispute.id).version
    again = client.post(f"{url}/actions/object", data={"version": str(version), "comment": "Finalement non."})
    assert again.status_code == 409 and "a déjà répondu à ce règlement" in text_of(again)
    # The other party still answers, and is told its objection is recorded.
    login_as("representative")
    markup = client.get(url).get_data(as_text=True)
    assert "/actions/accept" in markup and "/actions/object" in markup
    objected = client.post(
        f"{url}/actions/object", data={"version": str(version), "comment": "Mars est trop tôt."}, follow_redirects=True
    )
    assert "Votre objection au règlement est enregistrée" in text_of(objected)
    assert "/actions/object" not in objected.get_data(as_text=True)


def test_a_stale_form_says_the_dispute_changed_and_a_party_cannot_act_as_mediator(client, cast, session, login_as):
    dispute = make_dispute(cast, "open", project=co_funded_project(cast))
    session.commit()
    login_as("mediator")
    stale = client.post(f"/disputes/{dispute.id}/actions/acknowledge", data={"version": str(dispute.version - 1 or 99)})
    assert stale.status_code == 409 and "a changé entre-temps" in text_of(stale)
    login_as("officer")
    assert client.post(f"/disputes/{dispute.id}/actions/acknowledge", data={}).status_code == 403
    assert client.post(f"/disputes/{dispute.id}/actions/nonsense", data={}).status_code == 404


def test_a_mediator_takes_the_case_or_an_admin_assigns_one(client, cast, session, login_as):
    dispute = make_dispute(cast, "open", project=co_funded_project(cast))
    session.commit()
    login_as("admin")
    page = page_of(client.get(f"/disputes/{dispute.id}"))
    assert 'id="assign-mediator"' in page and "Médiatrice" in page and "Prendre le dossier" not in page
    login_as("mediator")
    assert "Prendre le dossier" in page_of(client.get(f"/disputes/{dispute.id}"))
    taken = client.post(
        f"/disputes/{dispute.id}/actions/assign",
        data={"version": str(dispute.version), "mediator_id": str(cast.users["mediator"].id)},
    )
    assert taken.status_code == 303
    assert db.session.get(Dispute, dispute.id).mediator_id == cast.users["mediator"].id
    login_as("admin")
    wrong = client.post(f"/disputes/{dispute.id}/actions/assign", data={"mediator_id": str(cast.users["officer"].id)})
    assert wrong.status_code == 422 and 'id="assign-mediator-error"' in wrong.get_data(as_text=True)


# The thread, the notes, the files -----------------------------------------------------------------------


def test_the_mediators_notes_are_hidden_from_the_parties(client, cast, session, login_as):
    dispute = make_dispute(cast, "in_mediation", project=co_funded_project(cast))
    session.commit()
    login_as("officer")
    assert client.post(f"/disputes/{dispute.id}/messages", data={"body": "Nous attendons."}).status_code == 303
    assert client.post(f"/disputes/{dispute.id}/notes", data={"body": "Je note."}).status_code == 403
    empty = client.post(f"/disputes/{dispute.id}/messages", data={"body": "  "})
    assert empty.status_code == 422 and 'id="message-body-error"' in empty.get_data(as_text=True)
    login_as("mediator")
    assert (
        client.post(f"/disputes/{dispute.id}/notes", data={"body": "Le partenaire semble de bonne foi."}).status_code
        == 303
    )
    for role in ("mediator", "admin"):
        login_as(role)
        page = text_of(client.get(f"/disputes/{dispute.id}"))
        assert "Le partenaire semble de bonne foi." in page and "Nous attendons." in page, role
    for role in ("officer", "member", "representative"):
        login_as(role)
        page = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
        assert "Nous attendons." in page, role
        assert "bonne foi" not in page and 'id="notes"' not in page, role


def test_files_are_added_and_downloaded_by_those_who_see_the_dispute(
    client, cast, session, login_as, app, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    dispute = make_dispute(cast, "acknowledged", project=co_funded_project(cast))
    session.commit()
    login_as("representative")
    missing = client.post(f"/disputes/{dispute.id}/documents", data={})
    assert missing.status_code == 422 and 'id="document-file-error"' in missing.get_data(as_text=True)
    sent = client.post(f"/disputes/{dispute.id}/documents", data={"file": (io.BytesIO(PDF), "Lettre.pdf")})
    assert sent.status_code == 303
    document = db.session.get(Dispute, dispute.id).documents[0]
    login_as("officer")
    assert "Lettre.pdf" in text_of(client.get(f"/disputes/{dispute.id}"))
    download = client.get(f"/disputes/{dispute.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    download.close()
    for role in ("observer", "mayor", "nobody"):
        login_as(role)
        assert client.get(f"/disputes/{dispute.id}/documents/{document.id}").status_code == 404, role
        assert client.get(f"/disputes/{dispute.id}").status_code == 404, role


# Mediation sessions -------------------------------------------------------------------------------------


def test_a_session_scheduled_from_the_dispute_appears_on_it_and_never_on_the_project(client, cast, session, login_as):
    project = co_funded_project(cast, title="Forage de Kamalé")
    dispute = make_dispute(cast, "in_mediation", project=project, mediator_id=cast.users["mediator"].id)
    session.commit()
    login_as("mediator")
    link = f"/meetings/new?dispute_id={dispute.id}"
    assert link in client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    form = page_of(client.get(link))
    assert 'name="project_ids"' not in form and "Tranche non versée" in form  # no agenda; titled after it
    start = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%d")
    done = client.post(
        link,
        data={
            "title": "Séance de médiation secrète",
            "date": start,
            "time": "10:00",
            "timezone": "Africa/Bamako",
            "duration_minutes": "90",
            "location": "Mairie de Diéma",
            "online_url": "",
            "reminder_hours": "24",
        },
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/disputes/{dispute.id}#sessions")
    meeting = db.session.scalars(select(Meeting).where(Meeting.title == "Séance de médiation secrète")).one()
    assert {i.organisation_id for i in meeting.invitees} == {cast.association.id, cast.partner.id}
    for role in ("mediator", "officer", "representative"):
        login_as(role)
        assert "Séance de médiation secrète" in text_of(client.get(f"/disputes/{dispute.id}")), role
        assert "Séance de médiation secrète" not in text_of(client.get(f"/projects/{project.id}")), role
    login_as("officer")
    assert client.get(link).status_code == 403  # a party schedules nothing
    login_as("mayor")
    assert client.get(link).status_code == 404  # a scheduler who may not see the dispute


def test_the_project_page_never_names_or_counts_its_disputes(client, cast, session, login_as):
    project = co_funded_project(cast)
    make_dispute(cast, "open", project=project, subject="Litige confidentiel")
    session.commit()
    for role in ("officer", "representative", "mediator", "admin", "observer", "mayor", None):
        if role:
            login_as(role)
        else:
            client.post("/logout")
        page = text_of(client.get(f"/projects/{project.id}"))
        assert "Litige confidentiel" not in page and "/disputes/" not in page.replace("/disputes/new", ""), role


# The list -----------------------------------------------------------------------------------------------


def test_the_list_shows_the_users_disputes_with_their_overdue_flags(client, cast, session, login_as):
    project = co_funded_project(cast)
    late = make_dispute(
        cast, "open", project=project, subject="Accusé en retard", opened_at=utcnow() - timedelta(days=11)
    )
    make_dispute(cast, "in_mediation", project=project, subject="Dossier en cours")
    other = make_project(cast.association, cast.commune_b, ProjectStatus.AGREED)
    hidden = make_organisation("association", "Autre association", home_communes=[cast.commune_b])
    make_dispute(cast, "open", project=other, claimant=hidden, respondent=cast.commune_org_b, subject="Pas le vôtre")
    session.commit()
    assert client.get("/disputes/").status_code == 302
    login_as("officer")
    page = text_of(client.get("/disputes/"))
    assert "Accusé en retard" in page and "Dossier en cours" in page and "Pas le vôtre" not in page
    assert "Accusé de réception en retard" in page
    only = text_of(client.get("/disputes/?status=in_mediation"))
    assert "Dossier en cours" in only and "Accusé en retard" not in only
    overdue = text_of(client.get("/disputes/?overdue=1"))
    assert "Accusé en retard" in overdue and "Dossier en cours" not in overdue
    garbage = client.get("/disputes/?status=nonsense&page=abc")  # unreadable filters: the first page of all
    assert garbage.status_code == 200 and "Accusé en retard" in text_of(garbage)
    login_as("mayor")  # party to none of them (commune A is no party to these disputes)
    assert "Aucun litige à afficher." in text_of(client.get("/disputes/"))
    login_as("mediator")
    assert "Pas le vôtre" in text_of(client.get("/disputes/"))
    assert late.acknowledgement_overdue(utcnow())


def test_the_list_and_the_desk_run_constant_queries(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")

    def add_disputes(n):
        for _ in range(n):
            make_dispute(cast, "open", project=project)
        session.commit()

    assert_constant_queries(client, "/disputes/", add_disputes, large=300)
    login_as("mediator")

    def add_everything(n):
        for index in range(n):
            make_dispute(cast, "open", project=project)
            make_commitment(project, cast.partner, due_in_days=-1 - index % 5)
            make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED)
            make_organisation(
                "association", f"En attente {index}", home_communes=[cast.commune_a], verification="pending"
            )
        session.commit()

    assert_constant_queries(client, "/mediation/desk", add_everything, small=3, large=60)
    assert_constant_queries(client, "/mediation/desk?page=2", add_everything, small=3, large=60)


# The mediator's desk ------------------------------------------------------------------------------------


def test_the_desk_lists_what_waits_nearest_deadline_first(client, cast, session, login_as):
    """Hand-made records with known deadlines (the settings' defaults: acknowledge within 10 days, resolve
    within 60, a submitted project goes to the mediators after 30 days):
    - a dispute opened 9 days ago, open: its deadline to acknowledge is tomorrow (now + 1 day);
    - a dispute opened 50 days ago, in mediation: to resolve in 10 days;
    - a project submitted 25 days ago: it goes to the mediators in 5 days;
    - a commitment due 3 days ago: its deadline was 3 days ago;
    - an association registered 40 days ago, awaiting verification: no deadline, waiting for 40 days;
    - a dispute closed: not on the desk."""
    now = utcnow()
    project = co_funded_project(cast)
    tomorrow = make_dispute(cast, "open", project=project, subject="Sous un jour", opened_at=now - timedelta(days=9))
    in_ten = make_dispute(
        cast, "in_mediation", project=project, subject="Sous dix jours", opened_at=now - timedelta(days=50)
    )
    make_dispute(cast, "closed", project=project, subject="Déjà clos")
    submitted = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Projet sans réponse")
    submitted.submitted_at = now - timedelta(days=25)
    make_commitment(project, cast.partner, due_in_days=-3, description="Engagement en retard")
    cast.pending_association.created_at = now - timedelta(days=40)
    session.commit()
    login_as("mediator")
    page = text_of(client.get("/mediation/desk"))
    order = [
        "Jeunesse de Diéma à Abidjan",
        "Engagement en retard",
        "Sous un jour",
        "Projet sans réponse",
        "Sous dix jours",
    ]
    positions = [page.index(name) for name in order]
    assert positions == sorted(positions), positions
    assert "Déjà clos" not in page
    assert "Un litige dont accuser réception" in page and "Une association à vérifier" in page
    assert (tomorrow.status, in_ten.status) == ("open", "in_mediation")


def test_the_desk_is_filtered_by_region_and_for_mediators_and_admins_only(client, cast, session, login_as):
    segou = make_commune("Markala", region_name="Ségou", cercle_name="Ségou")
    far = make_project(cast.association, segou, ProjectStatus.SUBMITTED, title="Projet à Markala")
    near = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Projet à Diéma")
    kayes_code, segou_code = cast.commune_a.cercle.region.code, segou.cercle.region.code
    session.commit()
    login_as("mediator")
    kayes = text_of(client.get(f"/mediation/desk?region={kayes_code}"))
    assert "Projet à Diéma" in kayes and "Projet à Markala" not in kayes
    assert "Jeunesse de Diéma à Abidjan" in kayes  # its home commune is in Kayes
    there = text_of(client.get(f"/mediation/desk?region={segou_code}"))
    assert "Projet à Markala" in there and "Projet à Diéma" not in there and "Jeunesse de Diéma" not in there
    everything = text_of(client.get("/mediation/desk?region=nowhere"))
    assert "Projet à Markala" in everything and "Projet à Diéma" in everything
    login_as("admin")
    assert client.get("/mediation/desk").status_code == 200
    for role in ("officer", "mayor", "observer", "nobody"):
        login_as(role)
        assert client.get("/mediation/desk").status_code == 403, role
    assert far.commune_id != near.commune_id


def test_the_desk_is_linked_from_the_mediation_pages_and_the_mediators_home(client, cast, session, login_as):
    login_as("mediator")
    assert "/mediation/desk" in client.get("/mediation/associations").get_data(as_text=True)
    assert "/mediation/desk" in client.get("/").get_data(as_text=True)
    # Mediators reach every dispute from the desk (the parties, from the header's menu).
    assert 'href="/disputes/"' in client.get("/mediation/desk").get_data(as_text=True)
    login_as("officer")
    assert "/mediation/desk" not in client.get("/").get_data(as_text=True)
