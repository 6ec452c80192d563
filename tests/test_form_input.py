"""What people type into forms, read one way everywhere (issue 21): amounts as French writes them on every form
that takes one ("5 000,00", "5000,00", with a plain, no-break or narrow space) and in the API; a negative
meeting reminder refused next to its field; a refused form that keeps what it can and says to choose the file
again; a form's address that answers a reload or a shared link with its page."""

import html
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.models import Commitment, Contribution, CurrencyRate, Meeting, ProjectStatus
from tests.commitment_factories import co_funded_project
from tests.meeting_factories import NEXT_JANUARY, schedule_form
from tests.project_api import token
from tests.project_factories import make_project

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# "5 000,00" as a person types it (plain space), as our pages and phones write it (no-break, narrow no-break),
# and without a space at all: five thousand euros every time.
FRENCH_FIVE_THOUSANDS = ["5 000,00", "5\u00a0000,00", "5\u202f000,00", "5000,00"]
FIVE_THOUSAND_EUROS_IN_XOF = 3_279_785  # 5,000 × 655.957 (the CFA parity, product.md)


def text_of(response) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def field_error(response, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, f"no error next to {field_id}"
    return html.unescape(match.group(1)).replace("\u00a0", " ").replace("\u202f", " ")


def report_form(project, **overrides) -> dict:
    return {
        "funding_line_id": str(project.funding_lines[0].id),
        "paid_on": "2026-03-02",
        "amount": "5 000,00",
        "currency": "EUR",
        "reference": "VIR-77",
        **overrides,
    }


def commitment_form(cast, **overrides) -> dict:
    return {
        "organisation_id": str(cast.association.id),
        "kind": "financial",
        "description": "Contribution de la diaspora",
        "amount": "5 000,00",
        "currency": "EUR",
        "due_date": "2027-01-31",
        **overrides,
    }


# Bug 1: one way to read an amount ---------------------------------------------------------------------------


@pytest.mark.parametrize("typed", FRENCH_FIVE_THOUSANDS)
def test_the_contributions_form_reads_a_french_amount(client, cast, session, login_as, typed):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    response = client.post(f"/projects/{project.id}/contributions", data=report_form(project, amount=typed))
    assert response.status_code == 303, text_of(response)
    [paid] = session.scalars(select(Contribution).where(Contribution.project_id == project.id)).all()
    assert (paid.amount, paid.currency, paid.amount_xof) == (Decimal("5000.00"), "EUR", FIVE_THOUSAND_EUROS_IN_XOF)


@pytest.mark.parametrize("typed", FRENCH_FIVE_THOUSANDS)
def test_the_commitment_form_reads_a_french_amount(client, cast, session, login_as, typed):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    session.commit()
    login_as("mayor")
    response = client.post(f"/projects/{project.id}/commitments", data=commitment_form(cast, amount=typed))
    assert response.status_code == 303, text_of(response)
    commitment = session.scalars(select(Commitment).where(Commitment.project_id == project.id)).one()
    assert (commitment.amount, commitment.amount_xof) == (Decimal("5000.00"), FIVE_THOUSAND_EUROS_IN_XOF)


def test_an_unreadable_amount_is_refused_with_an_example_written_the_viewers_way(client, cast, session, login_as):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    session.commit()
    login_as("mayor")
    french = client.post(f"/projects/{project.id}/commitments", data=commitment_form(cast, amount="cinq mille"))
    assert french.status_code == 422
    assert "5 000,00" in field_error(french, "commitment-amount")
    english = client.post(
        f"/projects/{project.id}/commitments",
        data=commitment_form(cast, amount="five thousand"),
        headers={"Accept-Language": "en"},
    )
    assert "5,000.00" in field_error(english, "commitment-amount")


def test_the_amendment_form_reads_french_amounts_too(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    line = project.budget_lines[0]
    login_as("officer")
    response = client.post(
        f"/projects/{project.id}/amendments",
        data={
            f"budget_{line.id}": "700 000,00",
            "reason": "Le prix du ciment a monté.",
            "version": str(project.version),
        },
    )
    assert response.status_code == 303, text_of(response)


def test_the_rate_form_reads_a_french_rate(client, cast, session, login_as):
    login_as("admin")
    response = client.post(
        "/admin/rates", data={"currency": "USD", "valid_from": "2020-01-01", "rate_to_xof": "605,25"}
    )
    assert response.status_code == 303, text_of(response)
    assert session.scalar(select(CurrencyRate.rate_to_xof).where(CurrencyRate.currency == "USD")) == Decimal("605.25")


def test_the_api_reads_a_decimal_comma_and_still_refuses_decimals_the_currency_has_not(client, cast, session):
    project = co_funded_project(cast)
    session.commit()
    headers = token(client, "mayor@test.org")
    url = f"/api/v1/projects/{project.id}/commitments"
    body = {
        "organisation_id": cast.association.id,
        "kind": "financial",
        "description": "Contribution de la diaspora",
        "due_date": "2027-01-31",
        "currency": "EUR",
    }
    done = client.post(url, json={**body, "amount": "5 000,00"}, headers=headers)
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["amount"], done.get_json()["amount_xof"]) == ("5000.00", FIVE_THOUSAND_EUROS_IN_XOF)
    assert client.post(url, json={**body, "amount": 5000}, headers=headers).status_code == 201  # numbers too
    for too_precise in ("5000,001", "5000.001"):
        refused = client.post(url, json={**body, "amount": too_precise}, headers=headers)
        assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == ["amount"]


# Bug 6: a negative reminder ----------------------------------------------------------------------------------


def test_a_negative_reminder_is_refused_next_to_its_field_and_not_replaced(client, cast, session, login_as):
    project = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Maternité de Diéma")
    session.commit()
    login_as("mayor")
    form = schedule_form(cast, project, reminder_hours="-5")
    response = client.post("/meetings/new", data=form)
    assert response.status_code == 422
    assert field_error(response, "meeting-reminder") == "De 0 à 720 heures."
    assert 'value="-5"' in response.get_data(as_text=True)  # what was typed is kept
    assert session.scalar(select(Meeting.id)) is None


def test_the_api_refuses_a_negative_reminder_naming_the_field(client, cast, session):
    project = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Maternité")
    session.commit()
    payload = {
        "title": "Concertation sur la maternité",
        "commune_id": cast.commune_a.id,
        "project_ids": [project.id],
        "starts_at": f"{NEXT_JANUARY.isoformat()}T10:00:00",
        "timezone": "Europe/Paris",
        "duration_minutes": 90,
        "location": "Mairie de Diéma",
        "invitee_organisation_ids": [cast.association.id],
        "reminder_hours": -5,
    }
    response = client.post("/api/v1/meetings", json=payload, headers=token(client, "mayor@test.org"))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["reminder_hours"]


# Bug 2: refused forms keep what they can, and their addresses answer a reload ----------------------------------


def test_a_refused_report_keeps_what_was_typed_and_says_to_choose_the_file_again(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    form = report_form(project, amount="cinq mille", file=(io.BytesIO(PDF), "virement-mars.pdf"))
    response = client.post(f"/projects/{project.id}/contributions", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="cinq mille"' in page and 'value="VIR-77"' in page and 'value="2026-03-02"' in page
    # A browser cannot refill a file field: the page says which file was chosen and to choose it again.
    again = re.search(r'id="contribution-file-again"[^>]*>(.*?)</p>', page, re.S)
    assert again, "nothing says the file must be chosen again"
    assert "virement-mars.pdf" in html.unescape(again.group(1))
    assert "choisissez de nouveau le fichier" in html.unescape(again.group(1))
    assert session.scalar(select(Contribution.id)) is None


def test_a_form_refused_without_a_file_chosen_asks_for_nothing(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    response = client.post(f"/projects/{project.id}/contributions", data=report_form(project, amount="cinq mille"))
    assert response.status_code == 422 and "-again" not in response.get_data(as_text=True)


def test_the_address_of_a_refused_form_answers_a_reload_with_its_page(client, cast, session, login_as):
    project = co_funded_project(cast, ProjectStatus.SUBMITTED)
    session.commit()
    login_as("mayor")
    refused = client.post(f"/projects/{project.id}/commitments", data=commitment_form(cast, amount="cinq mille"))
    assert refused.status_code == 422
    # Reloading, going back to or sharing the address the refused form left in the address bar: the page the
    # form lives on, not "this address does not accept that method".
    for address, page in [
        (f"/projects/{project.id}/commitments", f"/projects/{project.id}"),
        (f"/projects/{project.id}/contributions/7/actions/confirm", f"/projects/{project.id}/contributions"),
        (f"/projects/{project.id}/comments", f"/projects/{project.id}"),
        ("/account/password", "/account/"),
    ]:
        response = client.get(address)
        assert (response.status_code, response.headers.get("Location")) == (303, page), address
        assert client.get(page).status_code == 200, page
    # The API keeps its contract: a method an address does not take is 405.
    assert client.get(f"/api/v1/projects/{project.id}/transitions").status_code == 405


# Friction 7: long forms ---------------------------------------------------------------------------------------


def test_the_error_banner_links_each_field_concerned(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    response = client.post(f"/projects/{project.id}/contributions", data=report_form(project, amount="cinq mille"))
    banner = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S).group(1)
    assert 'href="#contribution-amount"' in banner
    login_as("mayor")
    form = schedule_form(cast, project, title="Concertation", location="", reminder_hours="-5")
    response = client.post("/meetings/new", data=form)
    page = response.get_data(as_text=True)
    banner = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert 'href="#meeting-reminder"' in banner and 'href="#meeting-location"' in banner
    assert 'id="meeting-reminder"' in page and 'id="meeting-location"' in page  # the links lead somewhere


def test_the_project_forms_banner_links_the_rows_field(client, cast, session, login_as):
    login_as("officer")
    body = {
        "title": "Forage à Diéma",
        "summary": "Un forage.",
        "sector": "water",
        "association_id": str(cast.association.id),
        "commune_id": str(cast.commune_a.id),
        "budget-0-label": "Forage",
        "budget-0-amount": "dix mille",
        "budget-0-currency": "XOF",
        "funding-0-party_kind": "association",
        "funding-0-amount": "10000",
        "funding-0-currency": "XOF",
        "save": "1",
    }
    response = client.post("/projects/new", data=body)
    assert response.status_code == 422
    banner = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S).group(1)
    assert re.search(r'<a href="#budget-0-amount">Montant\s:', html.unescape(banner).replace("\u00a0", " "))


def test_adding_a_line_lands_on_it(client, cast, session, login_as):
    login_as("officer")
    body = {
        "title": "Forage",
        "association_id": str(cast.association.id),
        "commune_id": str(cast.commune_a.id),
        "budget-0-label": "Forage",
        "budget-0-amount": "10 000",
        "budget-0-currency": "XOF",
        "add_budget": "1",
    }
    page = client.post("/projects/new", data=body).get_data(as_text=True)
    # The new line's first field has the focus; the next "add" names the line it will add.
    assert re.search(r'<input[^>]*autofocus[^>]*id="budget-1-label"|<input[^>]*id="budget-1-label"[^>]*autofocus', page)
    assert 'formaction="#budget-2-label"' in page
    assert page.count("autofocus") == 1


def test_each_file_field_says_its_size_limit_and_carries_it_for_the_browser(client, cast, session, login_as):
    project = co_funded_project(cast)
    session.commit()
    login_as("officer")
    page = text_of(client.get(f"/projects/{project.id}/contributions"))
    assert "20 Mo au plus." in page
    raw = client.get(f"/projects/{project.id}/contributions").get_data(as_text=True)
    assert re.search(r'<input type="file" id="contribution-file"[^>]*data-max-bytes="20971520"', raw)
    script = client.get("/static/forms.js")
    assert script.status_code == 200 and b"maxBytes" in script.data
    script.close()
