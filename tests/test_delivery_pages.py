"""After agreement on the pages: pledged versus received on the contributions page and the project page; a
tranche reported, confirmed and contested without JavaScript, a failed form keeping what was typed; the facility
page and its yearly check; the commune's public register; CSRF on every form; constant queries."""

import html
import io
import re

from sqlalchemy import func, select

from portal.models import Contribution, ProgressReport, ProjectStatus
from tests.commitment_factories import co_funded_project
from tests.delivery_factories import make_contribution, make_facility
from tests.factories import sign_in
from tests.helpers import assert_constant_queries
from tests.walk import PDF, PNG


def text_of(response) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def test_pledged_received_and_the_gap_are_on_the_pages_of_an_agreed_project(client, cast, session):
    project = co_funded_project(cast)
    project.funding_lines[1].confirmed_at = project.created_at
    make_contribution(project, 0, 400_000, status="confirmed")
    make_contribution(project, 1, 100_000)
    session.commit()
    page = text_of(client.get(f"/projects/{project.id}/contributions", headers={"Accept-Language": "en"}))
    # The association: 600,000 pledged, 400,000 received, 200,000 still to receive; the partner: 100,000 reported.
    table = page[page.index("Pledged and received") : page.index("Tranches")]
    assert (
        "Diaspora association — Association des ressortissants de Diéma "
        "F CFA 600,000 F CFA 400,000 F CFA 0 F CFA 200,000 "
        "Partner — Partenaire technique F CFA 400,000 F CFA 0 F CFA 100,000 F CFA 400,000 "
        "Total F CFA 1,000,000 F CFA 400,000 F CFA 100,000 F CFA 600,000"
    ) in table.replace("TotalF", "Total F").replace("000F", "000 F")
    shown = text_of(client.get(f"/projects/{project.id}", headers={"Accept-Language": "en"}))
    assert "Received and confirmed: F CFA 400,000 of F CFA 1,000,000 pledged." in shown


def test_a_tranche_reported_then_confirmed_without_javascript(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    url = f"/projects/{project.id}/contributions"
    form = {
        "funding_line_id": str(project.funding_lines[0].id),
        "paid_on": "2026-03-02",
        "amount": "600000",
        "currency": "XOF",
        "reference": "VIR-77",
        "file": (io.BytesIO(PDF), "virement.pdf"),
    }
    assert client.post(url, data=form).status_code == 303
    [paid] = session.query(Contribution).filter_by(project_id=project.id).all()
    assert (paid.amount_xof, paid.reference, paid.proof.filename) == (600_000, "VIR-77", "virement.pdf")
    login_as("mayor")
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/{paid.id}/actions/confirm"' in page and f'action="{url}/{paid.id}/actions/contest"' in page
    assert client.post(f"{url}/{paid.id}/actions/confirm", data={"version": str(paid.version)}).status_code == 303
    session.expire_all()
    assert session.get(Contribution, paid.id).status == "confirmed"


def test_a_failed_report_keeps_what_was_typed_and_says_what_is_wrong_next_to_it(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("member")
    response = client.post(
        f"/projects/{project.id}/contributions",
        data={
            "funding_line_id": str(project.funding_lines[0].id),
            "paid_on": "2026-03-02",
            "amount": "12,5 mille",
            "currency": "XOF",
            "reference": "VIR-88",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="12,5 mille"' in page and 'value="VIR-88"' in page and 'value="2026-03-02"' in page
    assert 'id="contribution-amount-error"' in page and 'aria-invalid="true"' in page


def test_a_contest_without_its_reason_is_refused_next_to_the_field(client, cast, session, login_as):
    project = co_funded_project(cast)
    paid = make_contribution(project, 0, 1000)
    session.commit()
    login_as("mayor")
    response = client.post(f"/projects/{project.id}/contributions/{paid.id}/actions/contest", data={"comment": " "})
    assert response.status_code == 422
    assert f'id="contribution-{paid.id}-contest-comment-error"' in response.get_data(as_text=True)


def test_the_facility_page_and_its_check_without_javascript(client, cast, session, login_as):
    project = make_facility(cast.association, cast.commune_a, cast.commune_org, title="Puits de Kobadiala")
    session.commit()
    anonymous = client.get(f"/projects/{project.id}/facility", headers={"Accept-Language": "en"})
    assert anonymous.status_code == 200 and "Not checked yet" in text_of(anonymous)
    assert 'id="record-check"' not in anonymous.get_data(as_text=True)
    login_as("mayor")
    assert 'id="record-check"' in client.get(f"/projects/{project.id}/facility").get_data(as_text=True)
    refused = client.post(f"/projects/{project.id}/facility/checks", data={"remark": "Rien à dire"})
    assert refused.status_code == 422 and "Rien à dire" in refused.get_data(as_text=True)
    made = client.post(
        f"/projects/{project.id}/facility/checks",
        data={"condition": "not_working", "remark": "La pompe est cassée.", "file": (io.BytesIO(PNG), "pompe.png")},
    )
    assert made.status_code == 303
    page = text_of(client.get(f"/projects/{project.id}/facility", headers={"Accept-Language": "en"}))
    assert "Not working" in page and "La pompe est cassée." in page and "pompe.png" in page
    register = text_of(client.get(f"/communes/{cast.commune_a.id}", headers={"Accept-Language": "en"}))
    assert "Puits de Kobadiala" in register and "Not working" in register and cast.commune_org.name in register


def test_the_register_on_the_commune_page_lists_what_was_handed_over_only(client, cast, session):
    make_facility(
        cast.association,
        cast.commune_a,
        cast.commune_org,
        "partly",
        title="Maternité de Diéma",
        sector="health",
        village="Diéma-Centre",
    )
    co_funded_project(cast, ProjectStatus.COMPLETED, title="Pas encore remis")
    session.commit()
    page = text_of(client.get(f"/communes/{cast.commune_a.id}", headers={"Accept-Language": "en"}))
    register = page[page.rindex("What the diaspora built") : page.index("A shared record")]
    assert "Maternité de Diéma Health Diéma-Centre" in register and "Partly working" in register
    assert "Pas encore remis" not in register


def test_every_form_needs_its_csrf_token(csrf_app, cast, session):
    project = co_funded_project(cast)
    paid = make_contribution(project, 0, 1000)
    handed = make_facility(cast.association, cast.commune_a, cast.commune_org)
    session.commit()
    client = csrf_app.test_client()
    sign_in(client, cast.users["mayor"])
    for url, data in [
        (f"/projects/{project.id}/contributions/{paid.id}/actions/confirm", {}),
        (f"/projects/{handed.id}/facility/checks", {"condition": "working"}),
    ]:
        assert client.post(url, data=data).status_code == 400, url
    page = client.get(f"/projects/{handed.id}/facility").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert (
        client.post(
            f"/projects/{handed.id}/facility/checks", data={"condition": "working", "csrf_token": token}
        ).status_code
        == 303
    )
    sign_in(client, cast.users["officer"])
    assert client.post(f"/projects/{project.id}/contributions", data={}).status_code == 400


def test_the_pages_run_constant_queries(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("mayor")

    def add_contributions(n):
        for _ in range(n):
            make_contribution(project, 0, 1000)
        session.commit()

    assert_constant_queries(client, f"/projects/{project.id}/contributions", add_contributions, small=5, large=60)

    def add_facilities(n):
        for i in range(n):
            make_facility(cast.association, cast.commune_a, cast.commune_org, title=f"Puits {i}")
        session.commit()

    assert_constant_queries(client, f"/communes/{cast.commune_a.id}", add_facilities, small=5, large=60)


def test_the_agree_form_takes_the_reporting_period_and_the_commune_reports_on_its_page(client, cast, session, login_as):
    from portal.models import ProgressReport, ProjectReporting

    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    session.commit()
    login_as("mayor")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'name="reporting_period"' in page
    refused = client.post(f"/projects/{project.id}/actions/agree", data={"reporting_period": "24", "confirmed": "1"})
    assert refused.status_code == 422 and 'id="agree-reporting-period-error"' in refused.get_data(as_text=True)
    assert 'value="24"' in refused.get_data(as_text=True)
    assert (
        client.post(
            f"/projects/{project.id}/actions/agree", data={"reporting_period": "6", "confirmed": "1"}
        ).status_code
        == 303
    )
    assert session.get(ProjectReporting, project.id).period_months == 6
    url = f"/projects/{project.id}/progress"
    line = project.budget_lines[0]
    failed = client.post(url, data={"percent_complete": "120", f"spent_{line.id}": "250000", "remarks": "Fondations."})
    assert failed.status_code == 422
    kept = failed.get_data(as_text=True)
    assert 'value="120"' in kept and 'value="250000"' in kept and "Fondations." in kept
    made = client.post(
        url,
        data={"percent_complete": "35", f"spent_{line.id}": "250000", "file": (io.BytesIO(PNG), "chantier.png")},
    )
    assert made.status_code == 303
    [report] = session.query(ProgressReport).filter_by(project_id=project.id).all()
    login_as("officer")
    assert client.post(f"{url}/{report.id}/comment", data={"comment": "Merci pour les photos."}).status_code == 303
    shown = text_of(client.get(url, headers={"Accept-Language": "en"}))
    assert "35 % complete" in shown and "chantier.png" in shown and "Merci pour les photos." in shown
    assert re.search(r"Travaux\s*F CFA 250,000", shown)


def test_the_progress_page_runs_constant_queries(client, cast, session):
    from portal.domain import progress

    project = co_funded_project(cast, ProjectStatus.IN_PROGRESS)
    session.commit()

    def add_reports(n):
        with client.application.app_context():  # committed inside: leaving the context closes the session
            for _ in range(n):
                progress.post_report(cast.users["mayor"], project, 10, {}, "")
            session.commit()
        added.append(n)
        assert session.scalar(select(func.count()).select_from(ProgressReport)) == sum(added)  # the page grows

    added = []
    assert_constant_queries(client, f"/projects/{project.id}/progress", add_reports, small=5, large=40)


def test_an_amendment_proposed_and_accepted_without_javascript(client, cast, session, login_as):
    from portal.models import Amendment, Project

    project = co_funded_project(cast, ProjectStatus.IN_PROGRESS)
    session.commit()
    line = project.funding_lines[0]
    url = f"/projects/{project.id}/amendments"
    login_as("officer")
    failed = client.post(url, data={f"funding_{line.id}": "12.5", "reason": "Plus.", "version": str(project.version)})
    assert failed.status_code == 422 and 'value="12.5"' in failed.get_data(as_text=True)
    made = client.post(
        url,
        data={f"funding_{line.id}": "700000", "reason": "Le forage descend plus bas.", "version": str(project.version)},
    )
    assert made.status_code == 303
    [amendment] = session.query(Amendment).filter_by(project_id=project.id).all()
    login_as("mayor")
    page = text_of(client.get(url, headers={"Accept-Language": "en"}))
    assert "Proposed, awaiting the other side" in page
    assert re.search(r"Funding — Diaspora association\s*F CFA 600,000\s*F CFA 700,000", page)
    assert client.post(f"{url}/{amendment.id}/actions/accept").status_code == 303
    session.expire_all()
    assert session.get(Project, project.id).funding_total_xof == 1_100_000


def test_the_acceptance_recorded_without_javascript(client, cast, session, login_as):
    project = co_funded_project(cast, ProjectStatus.COMPLETED)
    session.commit()
    url = f"/projects/{project.id}/acceptance"
    login_as("mayor")
    failed = client.post(url, data={"kind": "provisional", "accepted_on": "2026-09-01", "participants": "Le maire"})
    assert failed.status_code == 422 and 'id="acceptance-file-error"' in failed.get_data(as_text=True)
    assert "Le maire" in failed.get_data(as_text=True)
    form = {"kind": "provisional", "accepted_on": "2026-09-01", "participants": "Le maire, l’entreprise"}
    assert client.post(url, data={**form, "file": (io.BytesIO(PDF), "pv.pdf")}).status_code == 303
    page = text_of(client.get(url, headers={"Accept-Language": "en"}))
    assert "Provisional acceptance · Sep 1, 2026" in page and "pv.pdf" in page
    assert "Record the final acceptance" in page


def test_the_printable_convention_in_both_languages_and_signed_on_the_project_page(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    url = f"/projects/{project.id}/convention"
    french = text_of(client.get(url))
    assert "Article 1" in french and "Pas encore signée." in french and cast.association.name in french
    english = text_of(client.get(url, headers={"Accept-Language": "en"}))
    assert "Article 1 — The parties" in english and "Not signed yet." in english
    assert "not signed yet" in text_of(client.get(f"/projects/{project.id}", headers={"Accept-Language": "en"}))
    login_as("mayor")
    refused = client.post(
        f"{url}/deliberation", data={"deliberation_number": "2026-014/CD", "deliberation_date": "hier"}
    )
    assert refused.status_code == 422 and 'value="2026-014/CD"' in refused.get_data(as_text=True)
    form = {"deliberation_number": "2026-014/CD", "deliberation_date": "2026-03-12"}
    assert client.post(f"{url}/deliberation", data=form).status_code == 303
    assert client.post(f"{url}/signed", data={"file": (io.BytesIO(PDF), "convention.pdf")}).status_code == 303
    signed = text_of(client.get(url, headers={"Accept-Language": "en"}))
    assert "deliberation no. 2026-014/CD of Mar 12, 2026" in signed and "Signed by the parties" in signed
    shown = text_of(client.get(f"/projects/{project.id}", headers={"Accept-Language": "en"}))
    assert "The convention (signed)" in shown  # issue 21: no colon outside a translated string


def test_the_amendments_and_convention_pages_run_constant_queries(client, cast, session):
    from portal.models import Amendment

    project = co_funded_project(cast, ProjectStatus.IN_PROGRESS)
    line = project.funding_lines[0]
    session.commit()

    def add_amendments(n):
        for _ in range(n):
            session.add(
                Amendment(
                    project_id=project.id,
                    proposed_by_organisation_id=cast.association.id,
                    proposed_by_id=cast.users["officer"].id,
                    reason="Plus.",
                    before={"budget": {}, "funding": {str(line.id): "600000"}},
                    after={"budget": {}, "funding": {str(line.id): "700000"}},
                    project_version=1,
                    status="rejected",
                )
            )
        session.commit()

    assert_constant_queries(client, f"/projects/{project.id}/amendments", add_amendments, small=3, large=40)


def test_the_facility_page_shows_the_photo_as_a_thumbnail_linking_to_the_file(client, cast, session, login_as):
    from PIL import Image

    project = make_facility(cast.association, cast.commune_a, cast.commune_org)
    session.commit()
    login_as("mayor")
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    url = f"/projects/{project.id}/facility"
    assert client.post(url + "/checks", data={"condition": "working", "file": (buffer, "pompe.jpg")}).status_code == 303
    page = client.get(url).get_data(as_text=True)
    [thumbnail] = re.findall(r'<img src="([^"]+/thumbnail)" width="120"', page)
    small = client.get(thumbnail)
    assert small.status_code == 200 and small.mimetype == "image/jpeg" and len(small.data) < 5_000
    small.close()


def test_a_contested_tranche_offers_its_parties_to_open_a_dispute(client, cast, session, login_as):
    from tests.commitment_factories import co_funded_project
    from tests.delivery_factories import make_contribution

    project = co_funded_project(cast)
    make_contribution(project, 0, 100_000, status="contested")
    session.commit()
    link = f'href="/disputes/new?project_id={project.id}"'
    login_as("officer")
    page = client.get(f"/projects/{project.id}/contributions").get_data(as_text=True)
    assert link in page
    form = client.get(f"/disputes/new?project_id={project.id}")
    assert form.status_code == 200
    login_as("observer")  # sees the public project, is no party: no way to open a dispute
    assert link not in client.get(f"/projects/{project.id}/contributions").get_data(as_text=True)
