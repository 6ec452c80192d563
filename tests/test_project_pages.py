"""The project pages as people use them: the list, a project's page, the proposal form without JavaScript,
the workflow's buttons, documents, the discussion and the printable sheet."""

import html
import io
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Commune, FundingLine, Project, ProjectComment, ProjectDocument
from tests.factories import add_member, make_commune, make_organisation, make_user, sign_in
from tests.helpers import assert_constant_queries, files_written_in
from tests.project_factories import build_project, make_project, money_line

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def text_of(response) -> str:
    """The page as a person reads it: entities decoded, narrow and no-break spaces as plain spaces."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace("\u202f", " ")


def page_of(response) -> str:
    """The page with its entities decoded and its spaces as they are: amounts are checked with their no-break
    spaces (\u00a0), which keep "1 000 000 F CFA" on one line."""
    return html.unescape(response.get_data(as_text=True))


def french(app, message: str, **variables) -> str:
    """A message as the French page says it (English until its translation is merged)."""
    with app.test_request_context(), force_locale("fr"):
        return gettext(message, **variables).replace("\u00a0", " ").replace("\u202f", " ")


def field_error(page: str, field_id: str) -> str:
    """The message shown next to a field (the element its aria-describedby names)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field_id}"
    return match.group(1)


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', page
    )
    return match.group(1) if match else None


@pytest.fixture()
def world(cast, session):
    """A never-submitted draft, a submitted project and an agreed one of association A in commune A, and an
    agreed project of another association in commune B."""
    association_b = make_organisation("association", "Ressortissants de Béma à Madrid", home_communes=[cast.commune_b])
    projects = {
        "draft": make_project(cast.association, cast.commune_a, "draft", title="Brouillon du puits"),
        "submitted": make_project(cast.association, cast.commune_a, "submitted", title="Maternité de Diéma"),
        "agreed": make_project(cast.association, cast.commune_a, "agreed", title="Forage de Kobadiala", sector="water"),
        "other": make_project(association_b, cast.commune_b, "agreed", title="École de Béma", sector="education"),
    }
    session.commit()
    return projects


def form_body(cast, **overrides) -> dict:
    body = {
        "title": "Forage à Diéma",
        "summary": "Un forage équipé pour le quartier nord.",
        "sector": "water",
        "association_id": str(cast.association.id),
        "commune_id": str(cast.commune_a.id),
        "village": "Kobadiala",
        "pdsec_period": "2024-2028",
        "pdsec_line": "Eau potable, action 3",
        "sdg_tags": "6, 3",
        "budget-0-label": "Forage",
        "budget-0-amount": "10000",
        "budget-0-currency": "EUR",
        "funding-0-party_kind": "association",
        "funding-0-organisation_id": str(cast.association.id),
        "funding-0-amount": "6000",
        "funding-0-currency": "EUR",
        "save": "1",
    }
    body.update(overrides)
    return body


def fresh(record):
    """The record in the test's current session (a request ends the session its fixtures were made in)."""
    return db.session.get(type(record), record.id)


def region_code(commune) -> str:
    return db.session.get(Commune, commune.id).cercle.region.code


# The list -------------------------------------------------------------------------------------------------


def titles_on(client, url: str = "/projects/") -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return set(re.findall(r'<th scope="row"><a href="/projects/\d+">([^<]*)</a>', text_of(response)))


def test_anonymous_visitors_see_only_agreed_projects(client, world):
    assert titles_on(client) == {"Forage de Kobadiala", "École de Béma"}


@pytest.mark.parametrize(
    "role, expected",
    [
        ("officer", {"Brouillon du puits", "Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("member", {"Brouillon du puits", "Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("mayor", {"Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("mediator", {"Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("observer", {"Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("admin", {"Maternité de Diéma", "Forage de Kobadiala", "École de Béma"}),
        ("mayor_b", {"Forage de Kobadiala", "École de Béma"}),
        ("nobody", {"Forage de Kobadiala", "École de Béma"}),
    ],
)
def test_a_draft_never_appears_to_anyone_but_its_association(client, login_as, world, role, expected):
    login_as(role)
    assert titles_on(client) == expected


def test_a_search_for_the_plan_finds_it_by_either_name(client, cast, session):
    """product.md: the plan is the PDESC; older texts say PDSEC, and a search accepts both."""
    make_project(cast.association, cast.commune_a, "agreed", title="Ligne 2.3 du PDESC : forage de Tintinkoro")
    make_project(cast.association, cast.commune_a, "agreed", title="Action 4 du PDSEC : moulin de Kobadiala")
    make_project(cast.association, cast.commune_a, "agreed", title="Puits de Diéma")
    session.commit()
    both = {"Ligne 2.3 du PDESC : forage de Tintinkoro", "Action 4 du PDSEC : moulin de Kobadiala"}
    assert titles_on(client, "/projects/?q=PDSEC") == both
    assert titles_on(client, "/projects/?q=pdesc") == both
    items = client.get("/api/v1/projects?q=PDSEC").get_json()["items"]
    assert {item["title"] for item in items} == both


def test_the_list_filters_by_status_sector_region_commune_association_and_title(client, cast, login_as, world):
    region = region_code(cast.commune_a)
    login_as("mediator")
    assert titles_on(client, "/projects/?status=submitted") == {"Maternité de Diéma"}
    assert titles_on(client, "/projects/?sector=education") == {"École de Béma"}
    assert titles_on(client, f"/projects/?region={region}") == {
        "Maternité de Diéma",
        "Forage de Kobadiala",
        "École de Béma",
    }
    assert titles_on(client, "/projects/?commune=diema") == {"Maternité de Diéma", "Forage de Kobadiala"}
    assert titles_on(client, "/projects/?commune=BÉMA") == {"École de Béma"}
    assert titles_on(client, f"/projects/?commune_id={cast.commune_b.id}") == {"École de Béma"}
    assert titles_on(client, "/projects/?association=madrid") == {"École de Béma"}
    assert titles_on(client, f"/projects/?association_id={cast.association.id}") == {
        "Maternité de Diéma",
        "Forage de Kobadiala",
    }
    assert titles_on(client, "/projects/?q=forage&status=agreed") == {"Forage de Kobadiala"}
    assert titles_on(client, "/projects/?q=100%25") == set()
    assert titles_on(client, "/projects/?status=nonsense&sector=&page=-3") == {
        "Maternité de Diéma",
        "Forage de Kobadiala",
        "École de Béma",
    }
    page = text_of(client.get(f"/projects/?commune_id={cast.commune_b.id}"))
    assert "Béma" in page and 'name="commune_id"' in page  # the chosen commune is said, and kept when refining


def test_the_list_shows_commune_association_sector_status_and_budget(app, client, cast, world):
    page = page_of(client.get("/projects/"))
    row = re.search(r"<tr>\s*<th scope=\"row\"><a[^>]*>Forage de Kobadiala</a></th>(.*?)</tr>", page, re.S).group(1)
    assert "Diéma" in row and cast.association.name in row
    assert "1\u00a0000\u00a0000\u00a0F\u00a0CFA" in row


def test_the_list_is_paginated_twenty_a_page(client, cast, session):
    for n in range(25):
        make_project(cast.association, cast.commune_a, "agreed", title=f"Public {n:02d}")
    session.commit()
    first = titles_on(client, "/projects/?status=agreed")
    second = titles_on(client, "/projects/?status=agreed&page=2")
    assert len(first) == 20 and len(second) == 5 and not first & second
    assert 'href="/projects/?page=2&amp;status=agreed"' in client.get("/projects/?status=agreed").get_data(as_text=True)


def test_the_list_runs_as_many_queries_with_a_thousand_projects_as_with_ten(client, cast, login_as, session):
    login_as("mayor")

    def add_projects(n):
        db.session.add_all(
            [build_project(cast.association, cast.commune_a, ("submitted", "agreed")[i % 2]) for i in range(n)]
        )
        session.commit()

    region = region_code(cast.commune_a)
    assert_constant_queries(client, f"/projects/?sector=water&region={region}&commune=die&q=Projet", add_projects)


def test_the_public_list_runs_as_many_queries_with_a_thousand_projects_as_with_ten(client, cast, session):
    def add_projects(n):
        db.session.add_all([build_project(cast.association, cast.commune_a, "agreed") for _ in range(n)])
        session.commit()

    assert_constant_queries(client, "/projects/", add_projects)


# A project's page ----------------------------------------------------------------------------------------


@pytest.fixture()
def cofunded(cast, session):
    """10,000 EUR of budget (6,559,570 F CFA), funded 6,000 EUR by the association and 1,000,000 F CFA by the
    commune: 75.2 % covered."""
    project = make_project(
        cast.association,
        cast.commune_a,
        "agreed",
        title="Forage de Kobadiala",
        budget=[("Forage", 8000, "EUR"), ("Château d’eau", 2000, "EUR")],
        funding=[("association", cast.association, 6000, "EUR"), ("commune", cast.commune_org, 1_000_000, "XOF")],
        village="Kobadiala",
        pdsec_period="2024-2028",
        pdsec_line="Eau potable",
        sdg_tags=[6],
    )
    session.commit()
    return project


def test_the_co_funding_table_gives_each_party_its_amount_in_f_cfa_and_its_share_in_french(app, client, cofunded):
    response = client.get(f"/projects/{cofunded.id}")
    page = page_of(response)
    assert "6\u00a0559\u00a0570\u00a0F\u00a0CFA" in page  # the budget total, in French
    funding = page[page.index(french(app, "Co-funding plan")) :]
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", funding, re.S)
    association_row, commune_row = rows[0], rows[1]
    assert "6\u00a0000,00\u00a0€" in association_row  # its own currency…
    assert "3\u00a0935\u00a0742\u00a0F\u00a0CFA" in association_row  # …and in F CFA
    assert "60\u00a0%" in association_row
    assert "1\u00a0000\u00a0000\u00a0F\u00a0CFA" in commune_row and "15,2\u00a0%" in commune_row
    assert "4\u00a0935\u00a0742\u00a0F\u00a0CFA" in funding and "75,2\u00a0%" in funding
    assert "1\u00a0623\u00a0828\u00a0F\u00a0CFA" in page  # 6 559 570 − 4 935 742: what is missing…
    warning = french(
        app, "The funding plan does not cover the budget: %(missing)s is still missing.", missing="1 623 828 F CFA"
    )
    assert warning in text_of(response)  # …said in the warning
    for fact in ("Kobadiala", "2024-2028", "Eau potable", "Diéma"):
        assert fact in page


def test_a_plan_that_covers_the_budget_has_no_warning(app, client, cast, session):
    project = make_project(
        cast.association,
        cast.commune_a,
        "agreed",
        budget=[("Tout", 100, "XOF")],
        funding=[("association", None, 100, "XOF")],
    )
    session.commit()
    page = page_of(client.get(f"/projects/{project.id}"))
    assert "100\u00a0%" in page
    assert "notice-warn" not in page


def test_who_may_not_see_a_project_is_sent_to_sign_in_or_gets_404(client, login_as, world):
    submitted = world["submitted"].id
    response = client.get(f"/projects/{submitted}")
    assert response.status_code == 302 and "/auth/login?next=/projects/" in response.headers["Location"]
    assert client.get(f"/projects/{world['agreed'].id}").status_code == 200
    assert client.get(f"/projects/{world['agreed'].id}/sheet").status_code == 200
    login_as("nobody")
    assert client.get(f"/projects/{submitted}").status_code == 404
    assert client.get(f"/projects/{submitted}/sheet").status_code == 404
    assert client.get("/projects/99999999999").status_code == 404
    login_as("mayor")
    assert client.get(f"/projects/{submitted}").status_code == 200
    assert client.get(f"/projects/{world['draft'].id}").status_code == 404


def action_forms(page: str) -> set[str]:
    return set(re.findall(r'action="/projects/\d+/actions/(\w+)(?:#[\w-]+)?"', page))


@pytest.mark.parametrize(
    "role, expected",
    [
        ("mayor", {"start_review"}),
        ("officer", {"withdraw"}),
        ("mediator", set()),
        ("member", set()),
        ("observer", set()),
        ("admin", set()),
    ],
)
def test_each_person_sees_only_the_actions_they_may_take_now(client, login_as, world, role, expected):
    login_as(role)
    response = client.get(f"/projects/{world['submitted'].id}")
    assert response.status_code == 200  # no buttons on an error page proves nothing
    assert action_forms(response.get_data(as_text=True)) == expected


def test_the_mayor_starts_the_review_from_the_page_and_the_history_says_so(app, client, login_as, world):
    mayor = login_as("mayor")
    project = world["submitted"]
    response = client.post(f"/projects/{project.id}/actions/start_review")
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "status-under_review" in page
    assert action_forms(page) == {"request_changes", "open_consultation", "decline"}
    history = page[page.index('id="history"') :]
    assert mayor.name in history
    assert db.session.get(Project, project.id).status == "under_review"


def test_asking_for_changes_without_a_reason_is_refused_next_to_the_field(app, client, login_as, world, session):
    login_as("mayor")
    project = fresh(world["submitted"])
    project.status = "under_review"
    session.commit()
    response = client.post(f"/projects/{project.id}/actions/request_changes", data={"comment": "  "})
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, "action-request_changes-comment") == french(app, "Say why: the other side will read it.")
    assert db.session.get(Project, project.id).status == "under_review"

    too_long = "Le budget du château d’eau est à revoir. " * 500
    response = client.post(f"/projects/{project.id}/actions/request_changes", data={"comment": too_long})
    assert response.status_code == 422
    assert too_long.strip() in text_of(response)  # what was typed is kept in the textarea

    response = client.post(f"/projects/{project.id}/actions/request_changes", data={"comment": "Revoir le devis."})
    assert response.status_code == 303
    assert db.session.get(Project, project.id).status == "changes_requested"


def test_an_action_the_state_has_moved_past_says_so_clearly(app, client, login_as, world, session):
    login_as("mayor")
    project = fresh(world["submitted"])
    project.status = "in_consultation"
    session.commit()
    response = client.post(f"/projects/{project.id}/actions/start_review")
    assert response.status_code == 409
    page = text_of(response)
    assert (
        french(
            app,
            "This action is no longer possible: the project changed meanwhile and is now “%(status)s”. "
            "The page below shows what you can do now.",
            status=french(app, "In consultation"),
        )
        in page
    )
    assert "agree" in action_forms(page)


def test_an_action_refused_by_a_rule_shows_the_rule(app, client, login_as, world, session):
    login_as("mayor")
    project = fresh(world["submitted"])
    project.status = "in_consultation"
    project.funding_lines[0].amount_xof = 1  # far from covering the budget
    session.commit()
    response = client.post(f"/projects/{project.id}/actions/agree", data={"confirmed": "1"})
    assert response.status_code == 422
    assert 'id="action-agree"' in response.get_data(as_text=True)
    rule = french(
        app,
        "The funding plan (%(funding)s) does not cover the budget (%(budget)s).",
        funding="1 F CFA",
        budget="1 000 000 F CFA",
    )
    assert rule in text_of(response)


def test_actions_are_refused_to_who_may_not_take_them(client, login_as, world):
    login_as("officer")
    assert client.post(f"/projects/{world['submitted'].id}/actions/start_review").status_code == 403
    assert client.post(f"/projects/{world['submitted'].id}/actions/fly_away").status_code == 404
    login_as("nobody")
    assert client.post(f"/projects/{world['submitted'].id}/actions/start_review").status_code == 404


def test_the_commune_hands_the_facility_over_to_a_committee(app, client, cast, login_as, session):
    committee = make_organisation("committee", "ASACO de Diéma", commune=cast.commune_a)
    elsewhere = make_organisation("committee", "Comité de Béma", commune=cast.commune_b)
    project = make_project(cast.association, cast.commune_a, "completed")
    session.commit()
    login_as("mayor")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    owners = page[page.index('id="hand-over-owner"') : page.index("</select>", page.index('id="hand-over-owner"'))]
    assert committee.name in owners and cast.commune_org.name in owners and elsewhere.name not in owners

    response = client.post(
        f"/projects/{project.id}/actions/hand_over", data={"owner_organisation_id": str(committee.id)}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<option value="{committee.id}" selected>' in page  # the choice is kept
    assert field_error(text_of(response), "hand-over-plan")

    response = client.post(
        f"/projects/{project.id}/actions/hand_over",
        data={"owner_organisation_id": str(committee.id), "maintenance_plan": "L’ASACO entretient la pompe."},
    )
    assert response.status_code == 303
    page = text_of(client.get(f"/projects/{project.id}"))
    assert "status-handed_over" in page and "L’ASACO entretient la pompe." in page


def test_actions_need_the_csrf_token(csrf_app, cast, world):
    client = csrf_app.test_client()
    sign_in(client, cast.users["mayor"])
    response = client.post(f"/projects/{world['submitted'].id}/actions/start_review")
    assert response.status_code == 400
    page = client.get(f"/projects/{world['submitted'].id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/projects/{world['submitted'].id}/actions/start_review", data={"csrf_token": token})
    assert response.status_code == 303


# The discussion ------------------------------------------------------------------------------------------


def test_the_parties_discuss_oldest_first_with_author_and_organisation(app, client, cast, login_as, world):
    project = world["submitted"]
    login_as("member")
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Le devis est joint."}).status_code == 303
    login_as("mayor")
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Merci, nous regardons."}).status_code == 303
    page = text_of(client.get(f"/projects/{project.id}"))
    discussion = page[page.index('id="discussion"') : page.index('id="history"')]
    assert discussion.index("Le devis est joint.") < discussion.index("Merci, nous regardons.")
    assert cast.users["member"].name in discussion and cast.association.name in discussion
    assert cast.users["mayor"].name in discussion and cast.commune_org.name in discussion

    response = client.post(f"/projects/{project.id}/comments", data={"body": " "})
    assert response.status_code == 422
    assert field_error(text_of(response), "comment-body") == french(app, "Write your message.")


def test_observers_read_the_discussion_but_do_not_write(client, login_as, world):
    project = world["submitted"]
    login_as("member")
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Le devis est joint."}).status_code == 303
    login_as("observer")
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 200
    page = text_of(response)
    assert "Le devis est joint." in page[page.index('id="discussion"') :]  # they read it…
    assert 'id="comment-body"' not in page  # …but have no box to write in
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Bonjour"}).status_code == 403


# Documents -----------------------------------------------------------------------------------------------


@pytest.fixture()
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


def test_a_pdf_is_uploaded_then_downloaded_as_an_attachment(app, client, cast, login_as, world, uploads):
    project = world["submitted"]
    login_as("officer")
    response = client.post(
        f"/projects/{project.id}/documents",
        data={"kind": "quote", "file": (io.BytesIO(PDF), "Devis forage.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = text_of(client.get(f"/projects/{project.id}"))
    documents = page[page.index('id="documents"') : page.index('id="discussion"')]
    assert "Devis forage.pdf" in documents and french(app, "Quote") in documents
    link = re.search(r'href="(/projects/\d+/documents/\d+)"', documents).group(1)

    login_as("mayor")  # the other side downloads it
    response = client.get(link)
    body = response.get_data()
    response.close()  # the file it streamed
    assert response.status_code == 200
    assert body == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Devis forage.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "application/pdf"

    login_as("nobody")
    assert client.get(link).status_code == 404
    other = make_project(fresh(cast.association), fresh(cast.commune_a), "agreed")
    db.session.commit()
    assert client.get(link.replace(f"/projects/{project.id}/", f"/projects/{other.id}/")).status_code == 404


def test_html_named_pdf_is_refused_with_a_clear_message(app, client, login_as, world, uploads):
    login_as("officer")
    with files_written_in(uploads) as written:
        response = client.post(
            f"/projects/{world['submitted'].id}/documents",
            data={"kind": "quote", "file": (io.BytesIO(b"<html><script>alert(1)</script>"), "devis.pdf")},
            content_type="multipart/form-data",
        )
    assert response.status_code == 422
    message = french(app, "Send a PDF, an image (JPEG, PNG) or an office document.")
    assert field_error(text_of(response), "document-file") == message
    assert db.session.scalar(select(ProjectDocument.id)) is None
    assert len(written) == 1  # the file was written to the upload folder to be checked…
    assert list(uploads.iterdir()) == []  # …and removed


def test_who_may_not_upload_has_no_form_and_is_refused(client, login_as, world, uploads):
    project = world["submitted"]
    login_as("officer")
    assert 'id="document-file"' in client.get(f"/projects/{project.id}").get_data(as_text=True)
    login_as("member")
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 200 and 'id="document-file"' not in response.get_data(as_text=True)
    response = client.post(
        f"/projects/{project.id}/documents",
        data={"kind": "quote", "file": (io.BytesIO(PDF), "devis.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


# The printable sheet ------------------------------------------------------------------------------------


def test_the_sheet_holds_the_facts_and_the_co_funding_plan(app, client, cofunded):
    response = client.get(f"/projects/{cofunded.id}/sheet")
    assert response.status_code == 200
    page = page_of(response)
    assert "Forage de Kobadiala" in page and "6\u00a0559\u00a0570\u00a0F\u00a0CFA" in page and "60\u00a0%" in page
    assert 'action="/projects/' not in page  # nothing to press on paper


# Proposing and editing without JavaScript -------------------------------------------------------------


def test_the_new_project_form_is_for_association_officers(client, login_as, cast):
    assert client.get("/projects/new").status_code == 302
    login_as("mayor")
    assert client.get("/projects/new").status_code == 403
    login_as("officer")
    page = client.get("/projects/new").get_data(as_text=True)
    assert 'name="budget-0-label"' in page and 'name="funding-0-amount"' in page
    assert f'<option value="{cast.commune_a.id}">' in page and f'value="{cast.commune_b.id}"' not in page


def test_lines_are_added_and_removed_without_javascript_keeping_what_was_typed(client, cast, login_as, session):
    login_as("officer")
    body = form_body(cast)
    del body["save"]
    response = client.post("/projects/new", data={**body, "add_budget": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert input_value(page, "budget-0-label") == "Forage"
    assert input_value(page, "budget-0-amount") == "10000"
    assert input_value(page, "budget-1-label") == ""  # the new, empty row
    assert _selected(page, "budget-1-currency") == "€ (EUR)"  # in the currency of the line above it
    assert input_value(page, "title") == "Forage à Diéma"
    assert db.session.scalar(select(Project.id)) is None  # nothing saved yet

    body.update({"budget-1-label": "Château d’eau", "budget-1-amount": "1 312 000", "budget-1-currency": "XOF"})
    response = client.post("/projects/new", data={**body, "add_funding": "1"})
    page = response.get_data(as_text=True)
    assert input_value(page, "funding-1-amount") == "" and input_value(page, "budget-1-label") == "Château d’eau"

    response = client.post("/projects/new", data={**body, "remove_budget": "0"})
    page = response.get_data(as_text=True)
    assert "Forage</" not in page and 'value="Forage"' not in page
    assert 'value="Château d’eau"' in page
    assert page.count('name="remove_budget"') == 1

    response = client.post("/projects/new", data={**body, "remove_funding": "0"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="funding-0-amount"' not in page
    assert input_value(page, "title") == "Forage à Diéma" and input_value(page, "budget-1-label") == "Château d’eau"


def test_saving_creates_the_draft_and_leaves_empty_lines_out(client, cast, login_as):
    login_as("officer")
    body = form_body(
        cast,
        **{
            "budget-1-label": "",
            "budget-1-amount": "",
            "budget-1-currency": "XOF",
            "budget-2-label": "Château d’eau",
            "budget-2-amount": "2500,50",  # a French decimal comma
            "budget-2-currency": "EUR",
            "funding-1-party_kind": "",
            "funding-1-organisation_id": "",
            "funding-1-amount": "",
            "funding-1-currency": "XOF",
        },
    )
    response = client.post("/projects/new", data=body)
    assert response.status_code == 303, text_of(response)
    project = db.session.scalar(select(Project))
    assert response.headers["Location"] == f"/projects/{project.id}"
    assert project.status == "draft" and project.title == "Forage à Diéma" and project.sdg_tags == [3, 6]
    assert [(line.label, str(line.amount)) for line in project.budget_lines] == [
        ("Forage", "10000.00"),
        ("Château d’eau", "2500.50"),
    ]
    assert [(line.party_kind, line.organisation_id) for line in project.funding_lines] == [
        ("association", cast.association.id)
    ]


def test_a_bad_amount_is_refused_next_to_its_field_and_the_input_is_kept(app, client, cast, login_as):
    login_as("officer")
    body = form_body(cast, **{"budget-0-amount": "dix mille", "funding-0-amount": "-5", "title": ""})
    response = client.post("/projects/new", data=body)
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, "budget-0-amount") == french(
        app, "Give the amount as a number, such as 5,000.00 or 1,500,000."
    )
    assert field_error(page, "funding-0-amount") == french(app, "The amount must be more than zero.")
    assert field_error(page, "title") == french(app, "This field is required.")
    assert 'aria-invalid="true"' in page
    assert input_value(page, "budget-0-amount") == "dix mille"
    assert input_value(page, "budget-0-label") == "Forage"
    assert db.session.scalar(select(Project.id)) is None


def test_an_error_on_a_row_after_an_empty_one_lands_on_the_right_row(app, client, cast, login_as):
    login_as("officer")
    body = form_body(
        cast,
        **{
            "budget-1-label": "",
            "budget-1-amount": "",
            "budget-2-label": "Clôture",
            "budget-2-amount": "abc",
            "budget-2-currency": "XOF",
        },
    )
    response = client.post("/projects/new", data=body)
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, "budget-2-amount")
    assert 'id="budget-1-amount-error"' not in page and 'id="budget-0-amount-error"' not in page


def test_a_commune_outside_the_association_home_communes_is_refused(app, client, cast, login_as):
    login_as("officer")
    response = client.post("/projects/new", data=form_body(cast, commune_id=str(cast.commune_b.id)))
    assert response.status_code == 422
    page = text_of(response)
    assert field_error(page, "commune_id") == french(app, "Not a home commune of this association.")


def edit_url(project) -> str:
    return f"/projects/{project.id}/edit"


def test_the_association_edits_its_draft(client, cast, login_as, world):
    login_as("officer")
    project = world["draft"]
    page = client.get(edit_url(project)).get_data(as_text=True)
    assert input_value(page, "version") == "1"
    assert input_value(page, "title") == "Brouillon du puits"
    assert input_value(page, "budget-0-amount") == "1\u00a0000\u00a0000"  # as the pages write it
    response = client.post(edit_url(project), data=form_body(cast, title="Puits de Tintinkoro", version="1"))
    assert response.status_code == 303
    project = fresh(project)
    assert project.title == "Puits de Tintinkoro" and project.version == 2


def _selected(page: str, select_id: str) -> str:
    """The text of the chosen option of a select."""
    options = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return html.unescape(re.search(r"<option selected[^>]*>([^<]*)</option>", options).group(1))


def test_the_form_speaks_of_money_as_the_pages_do(client, cast, login_as, session):
    """Issue 14: the selects said EUR/XOF where pages say € and F CFA, a line started in F CFA for an association
    in France, and amounts showed as 8500.50 where the page shows 8 500,50."""
    login_as("officer")  # of an association in France (tests/factories.py)
    page = client.get("/projects/new").get_data(as_text=True)
    assert _selected(page, "budget-0-currency") == "€ (EUR)"
    assert _selected(page, "funding-0-currency") == "€ (EUR)"
    assert "F\u00a0CFA (XOF)" in html.unescape(page)

    project = make_project(
        cast.association, cast.commune_a, "draft", budget=(("Forage", "8500.50", "EUR"),), title="Forage en euros"
    )
    session.commit()
    page = client.get(edit_url(project)).get_data(as_text=True)
    assert input_value(page, "budget-0-amount") == "8\u00a0500,50"
    assert _selected(page, "budget-0-currency") == "€ (EUR)"
    # Sent back as shown, the amount is read as it was written.
    body = form_body(cast, version="1", **{"budget-0-amount": "8\u00a0500,50", "budget-0-label": "Forage"})
    assert client.post(edit_url(project), data=body).status_code == 303
    assert str(fresh(project).budget_lines[0].amount) == "8500.50"


def test_only_the_association_edits_and_only_while_editable(client, cast, login_as, world):
    login_as("mayor")
    assert client.get(edit_url(world["submitted"])).status_code == 403
    assert client.get(edit_url(world["draft"])).status_code == 404
    login_as("officer")
    response = client.get(edit_url(world["agreed"]))
    assert response.status_code == 409
    assert "/projects/" in response.get_data(as_text=True)


def test_a_stale_edit_keeps_the_input_shows_the_saved_version_and_saves_again(
    app, client, cast, login_as, world, session
):
    login_as("officer")
    assert input_value(client.get(edit_url(world["draft"])).get_data(as_text=True), "version") == "1"
    project = fresh(world["draft"])
    project.title = "Titre changé par le trésorier"  # someone else saves meanwhile: the version moves to 2
    session.commit()
    assert project.version == 2

    body = form_body(cast, title="Mon titre à moi", version="1")
    response = client.post(edit_url(project), data=body)
    assert response.status_code == 409
    page = text_of(response)
    assert (
        french(
            app,
            "Someone saved this project while you were editing it. Your changes are kept in the form; the version "
            "saved now is shown below it. Compare them, then save again to replace the saved version with yours.",
        )
        in page
    )
    assert input_value(page, "title") == "Mon titre à moi"  # the input is kept
    assert input_value(page, "budget-0-label") == "Forage"
    saved = page[page.index('class="saved-version"') :]
    assert "Titre changé par le trésorier" in saved  # the saved values beside it
    assert input_value(page, "version") == "2"  # saving again goes over the new version

    response = client.post(edit_url(project), data={**body, "version": "2"})
    assert response.status_code == 303
    assert fresh(project).title == "Mon titre à moi"


# The commune's page and the query counters --------------------------------------------------------------


def test_the_commune_page_lists_the_projects_the_viewer_may_see(client, cast, login_as, world):
    page = text_of(client.get(f"/communes/{cast.commune_a.id}"))
    assert "Forage de Kobadiala" in page
    assert "Maternité de Diéma" not in page and "Brouillon du puits" not in page
    assert f"/projects/?commune_id={cast.commune_a.id}" in page
    login_as("mayor")
    page = text_of(client.get(f"/communes/{cast.commune_a.id}"))
    assert "Maternité de Diéma" in page and "Brouillon du puits" not in page


def test_a_project_page_runs_as_many_queries_with_a_thousand_rows_as_with_ten(client, cast, login_as, session):
    project = make_project(cast.association, cast.commune_a, "under_review")
    session.commit()
    login_as("mayor")
    member = cast.users["member"]

    def add_rows(n):
        db.session.add_all([build_project(cast.association, cast.commune_a, "agreed") for _ in range(n)])
        for i in range(n):
            db.session.add(
                FundingLine(
                    project_id=project.id,
                    position=10 + i,
                    party_kind="partner",
                    organisation_id=cast.partner.id,
                    **money_line(1, "XOF"),
                )
            )
            db.session.add(
                ProjectComment(
                    project_id=project.id, author_id=member.id, organisation_id=cast.association.id, body=f"Message {i}"
                )
            )
            db.session.add(
                ProjectDocument(
                    project_id=project.id,
                    kind="photo",
                    filename=f"photo-{i}.jpg",
                    stored_name=f"{project.id}-{i}-{utcnow().timestamp()}",
                    content_type="image/jpeg",
                    size=1000 + i,
                )
            )
        session.commit()

    assert_constant_queries(client, f"/projects/{project.id}", add_rows)


def test_the_history_shows_each_step_with_who_and_when(app, client, cast, login_as, world, session):
    login_as("mayor")
    project = world["submitted"]
    client.post(f"/projects/{project.id}/actions/start_review")
    client.post(f"/projects/{project.id}/actions/request_changes", data={"comment": "Ajoutez le devis."})
    page = text_of(client.get(f"/projects/{project.id}"))
    history = page[page.index('id="history"') :]
    assert history.count(cast.users["mayor"].name) == 2
    assert "Ajoutez le devis." in history


def test_an_association_with_two_home_communes_chooses_among_them(client, cast, login_as, session):
    other = make_commune("Lakamané")
    officer = make_user("two@test.org", "Deux communes")
    association = make_organisation("association", "Ressortissants du Kaarta", home_communes=[cast.commune_a, other])
    add_member(officer, association, "officer")
    session.commit()
    sign_in(client, officer)
    page = client.get("/projects/new").get_data(as_text=True)
    assert f'<option value="{other.id}">Lakamané</option>' in page


def test_totals_are_also_shown_in_the_viewers_currency(client, cast, login_as, session):
    project = make_project(cast.association, cast.commune_a, status="agreed", budget=[("Forage", 6_559_570, "XOF")])
    session.commit()
    plain = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "≈" not in plain
    login_as("officer")
    saved = client.post("/account/preferences", data={"pref-locale": "", "pref-timezone": "", "pref-currency": "EUR"})
    assert saved.status_code == 303
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "6\u00a0559\u00a0570\u00a0F\u00a0CFA (≈\u00a010\u00a0000,00\u00a0€)" in html
    listed = client.get("/projects/").get_data(as_text=True)
    assert "(≈\u00a010\u00a0000,00\u00a0€)" in listed


def test_what_the_commune_asked_shows_at_the_top_and_on_the_form_and_the_resubmission_says_what_changed(
    client, cast, session, login_as, world, app_context
):
    from portal.domain import projects as rules

    project = world["submitted"]
    rules.transition(cast.users["mayor"], project, "start_review")
    rules.transition(cast.users["mayor"], project, "request_changes", "Joignez le devis signé du foreur.")
    session.commit()
    login_as("officer")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    asked = page.index("La commune demande des modifications")
    assert asked < page.index("Joignez le devis signé du foreur.") < page.index('id="history-title"')
    assert asked < page.index('id="actions-title"')  # above what one can do, not only at the bottom of the history
    assert "Maire de Diéma" in page[asked : asked + 600]
    form = client.get(f"/projects/{project.id}/edit").get_data(as_text=True)
    assert "Joignez le devis signé du foreur." in form and "La commune demande des modifications" in form
    response = client.post(
        f"/projects/{project.id}/actions/submit", data={"comment": "Le devis signé est joint aux documents."}
    )
    assert response.status_code == 303
    history = rules.project_history(db.session.get(Project, project.id), cast.users["mayor"])
    assert history[-1]["action"] == "submit" and history[-1]["comment"] == "Le devis signé est joint aux documents."
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "La commune demande des modifications" not in page  # answered: the notice goes


def test_steps_that_cannot_be_undone_ask_to_be_confirmed_and_say_what_follows(client, cast, session, login_as):
    """Agree, decline and withdraw always; a submission only while the plan leaves part of the budget unfunded."""
    consultation = make_project(cast.association, cast.commune_a, "in_consultation", title="Forage de Tintinkoro")
    session.commit()
    login_as("mayor")
    page = client.get(f"/projects/{consultation.id}").get_data(as_text=True)
    assert 'id="action-agree-confirmed"' in page and "devient un engagement" in page  # the pledges: commitments
    refused = client.post(f"/projects/{consultation.id}/actions/agree")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Cochez la case pour confirmer" in body
    assert db.session.get(Project, consultation.id).status == "in_consultation"  # nothing happened
    agreed = client.post(f"/projects/{consultation.id}/actions/agree", data={"confirmed": "1"})
    assert agreed.status_code == 303 and db.session.get(Project, consultation.id).status == "agreed"

    covered = make_project(cast.association, cast.commune_a, "draft", title="Puits couvert")
    gap = make_project(
        cast.association,
        cast.commune_a,
        "draft",
        title="Puits à moitié financé",
        budget=(("Puits", 1_000_000, "XOF"),),
        funding=(("association", cast.association, 400_000, "XOF"),),
    )
    session.commit()
    login_as("officer")
    assert 'id="action-submit-confirmed"' not in client.get(f"/projects/{covered.id}").get_data(as_text=True)
    assert client.post(f"/projects/{covered.id}/actions/submit").status_code == 303  # covered: one click
    page = client.get(f"/projects/{gap.id}").get_data(as_text=True)
    assert 'id="action-submit-confirmed"' in page and "600" in page  # the gap it leaves, said beside the box
    assert client.post(f"/projects/{gap.id}/actions/submit").status_code == 422
    assert client.post(f"/projects/{gap.id}/actions/submit", data={"confirmed": "1"}).status_code == 303


def test_whoever_added_a_document_takes_it_back_until_the_agreement(app, client, cast, session, login_as, uploads):
    from portal.domain import projects as rules

    project = make_project(cast.association, cast.commune_a, "submitted", title="Puits de Kamalé")
    session.commit()
    login_as("officer")
    sent = client.post(
        f"/projects/{project.id}/documents",
        data={"file": (io.BytesIO(PDF), "Devis erroné.pdf"), "kind": "quote"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    [document] = db.session.get(Project, project.id).documents
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f"/documents/{document.id}/remove" in page
    login_as("mayor")  # may add documents too, but did not add this one
    assert f"/documents/{document.id}/remove" not in client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert client.post(f"/projects/{project.id}/documents/{document.id}/remove").status_code == 403
    login_as("officer")
    removed = client.post(f"/projects/{project.id}/documents/{document.id}/remove")
    assert removed.status_code == 303 and removed.location.endswith("#documents")
    assert db.session.get(Project, project.id).documents == []
    mayor = db.session.get(type(cast.users["mayor"]), cast.users["mayor"].id)
    history = rules.project_history(db.session.get(Project, project.id), mayor)
    assert history[-1]["action"] == "document_remove"  # the record keeps that it was there
    assert client.get(f"/projects/{project.id}/documents/{document.id}").status_code == 404

    agreed = make_project(cast.association, cast.commune_a, "agreed", title="Forage accordé")
    session.commit()
    client.post(
        f"/projects/{agreed.id}/documents",
        data={"file": (io.BytesIO(PDF), "Plan.pdf"), "kind": "technical_file"},
        content_type="multipart/form-data",
    )
    [kept] = db.session.get(Project, agreed.id).documents
    assert f"/documents/{kept.id}/remove" not in client.get(f"/projects/{agreed.id}").get_data(as_text=True)
    assert client.post(f"/projects/{agreed.id}/documents/{kept.id}/remove").status_code == 409
