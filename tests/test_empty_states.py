"""An empty list says what will appear there and how to start; signing in says it worked."""

import html
import re

from tests.factories import PASSWORD, make_user


def text_of(response) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_an_empty_project_list_says_what_appears_there_and_invites_the_association_to_propose(client, login_as):
    public = text_of(client.get("/projects/", headers={"Accept-Language": "en"}))
    assert "The projects that diaspora associations propose to their home communes appear here" in public
    assert "Propose a project" not in public  # nothing to start for a visitor
    login_as("officer")
    mine = text_of(client.get("/projects/"))
    assert "Les projets que les associations de ressortissants proposent à leur commune d’origine apparaissent ici" in mine
    assert "Commencez par « Proposer un projet » ci-dessus." in mine
    filtered = text_of(client.get("/projects/?status=agreed"))
    assert "Aucun projet ne correspond à ces filtres." in filtered and "apparaissent ici" not in filtered


def test_an_empty_meeting_list_says_what_appears_there_and_how_to_schedule(client, login_as):
    login_as("mayor")
    page = text_of(client.get("/meetings/", headers={"Accept-Language": "en"}))
    assert "The consultation meetings of your commune, and those your organisation is invited to, appear here" in page
    assert "Start with “Schedule a meeting” above." in page


def test_an_empty_dispute_list_says_how_a_dispute_starts_and_a_filtered_one_says_so(client, login_as):
    login_as("officer")
    page = text_of(client.get("/disputes/", headers={"Accept-Language": "en"}))
    assert "it opens a dispute from the project's page" in page
    filtered = text_of(client.get("/disputes/?overdue=1", headers={"Accept-Language": "en"}))
    assert "No dispute matches these filters." in filtered and "opens a dispute" not in filtered


def test_an_empty_organisation_list_says_who_appears_there_and_offers_to_sign_up(client, session):
    page = client.get("/organisations/?kind=committee", headers={"Accept-Language": "en"})
    assert "appear here once one of their members signs up" in text_of(page)
    assert '<a href="/auth/signup">Sign up your organisation</a>' in page.get_data(as_text=True)


def test_no_overdue_commitment_says_what_would_appear(client, login_as):
    login_as("mediator")
    page = text_of(client.get("/mediation/commitments/overdue", headers={"Accept-Language": "en"}))
    assert "A commitment still open after its due date appears here" in page


def test_signing_in_says_who_is_signed_in(client, session):
    user = make_user("awa@example.org", "Awa Keïta")
    session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=True)
    assert "Vous êtes connecté : Awa Keïta." in text_of(response)
