"""A funder awaiting confirmation is named to no one who may not name it (issue 20): a partner named on a funding
line it has not confirmed is hidden from the public on the project's page and API (where it already was), the
convention's page and API (its parties and its pledges, with their amounts) and the IATI export; the project's
parties read it everywhere; once the partner confirms, every face names it. One rule: portal/domain/commitments.py."""

import html
import re
from pathlib import Path

import pytest
from lxml import etree

from portal.models import ProjectStatus
from tests.commitment_factories import co_funded_project
from tests.project_api import act, token

IATI_SCHEMA = Path(__file__).resolve().parent.parent / "portal" / "data" / "iati" / "iati-activities-schema.xsd"
AWAITING = "Un financeur qui n'a pas encore confirmé"  # the convention's pledge row, in French


def text_of(response) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.fixture()
def agreed(client, cast, session):
    """A project of association A in commune A (600,000 from the association, 400,000 from the partner), agreed by
    the mayor: public, its pledges recorded; the partner has not confirmed its line."""
    project = co_funded_project(cast, ProjectStatus.IN_CONSULTATION)
    session.commit()
    act(client, token(client, "mayor@test.org"), project.id, "agree", pledge_due_date="2027-06-30")
    return project


def _confirm(client, cast, project):
    line = next(line for line in project.funding_lines if line.organisation_id == cast.partner.id)
    url = f"/api/v1/projects/{project.id}/funding_lines/{line.id}/confirmation"
    assert client.post(url, json={}, headers=token(client, "rep@test.org")).status_code == 200


def _convention_page(client, project, headers):
    return text_of(client.get(f"/projects/{project.id}/convention", headers=headers))


def _project_page(client, project, headers):
    return text_of(client.get(f"/projects/{project.id}", headers=headers))


def _convention_api(client, project, headers):
    answer = client.get(f"/api/v1/projects/{project.id}/convention", headers=headers).get_json()
    return " ".join(f"{p['organisation']['id']}:{p['organisation']['name']}" for p in answer["parties"])


def _project_api(client, project, headers):
    lines = client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()["funding_lines"]
    return " ".join(str(line["organisation_id"]) for line in lines)


def _iati(client, project, headers):
    return client.get("/api/v1/export/iati.xml", headers=headers).get_data(as_text=True)


FACES = {
    "project page": _project_page,  # the place that already hid it
    "project API": _project_api,
    "convention page": _convention_page,
    "convention API": _convention_api,
    "IATI export": _iati,
}


def _names_partner(face, client, cast, project, headers) -> bool:
    shown = FACES[face](client, project, headers)
    return cast.partner.name in shown or (face == "project API" and str(cast.partner.id) in shown.split())


@pytest.mark.parametrize("face", FACES)
def test_the_public_does_not_read_a_funder_awaiting_confirmation_until_it_confirms(client, cast, agreed, face):
    assert not _names_partner(face, client, cast, agreed, {})
    _confirm(client, cast, agreed)
    assert _names_partner(face, client, cast, agreed, {})


@pytest.mark.parametrize("face", [f for f in FACES if f != "IATI export"])  # the export is the public's only
def test_a_party_reads_the_funder_awaiting_confirmation(client, cast, agreed, login_as, face):
    login_as("mayor")
    assert _names_partner(face, client, cast, agreed, token(client, "mayor@test.org"))


def test_every_face_agrees_for_the_public_before_and_after_the_confirmation(client, cast, agreed):
    """The same answer on every face: the one rule, not one per page."""
    before = {face: _names_partner(face, client, cast, agreed, {}) for face in FACES}
    assert before == dict.fromkeys(FACES, False)
    _confirm(client, cast, agreed)
    after = {face: _names_partner(face, client, cast, agreed, {}) for face in FACES}
    assert after == dict.fromkeys(FACES, True)


def test_the_convention_keeps_the_unconfirmed_pledge_and_its_amount_without_its_name(client, cast, agreed):
    page = _convention_page(client, agreed, {})
    article_4 = page[page.index("Article 4") : page.index("Article 5")]
    assert AWAITING in article_4 and "400 000" in article_4 and "30 juin 2027" in article_4
    assert cast.association.name in article_4 and "600 000" in article_4  # the association's own pledge, named
    signatures = page[page.index("Signatures") :]
    assert cast.partner.name not in signatures and cast.association.name in signatures


def test_the_iati_export_stays_valid_with_a_funder_awaiting_confirmation(client, cast, agreed):
    document = etree.fromstring(client.get("/api/v1/export/iati.xml").get_data())
    schema = etree.XMLSchema(etree.parse(str(IATI_SCHEMA)))
    assert schema.validate(document), schema.error_log
    (activity,) = document.findall("iati-activity")
    funders = [org.findtext("narrative") for org in activity.findall("participating-org") if org.get("role") == "1"]
    assert funders == [cast.association.name]  # the partner is not a participating organisation yet
    transactions = {t.findtext("value"): t for t in activity.findall("transaction")}
    assert set(transactions) == {"600000", "400000"}  # its line still counts, unnamed
    assert transactions["400000"].find("provider-org") is None
    assert transactions["600000"].findtext("provider-org/narrative") == cast.association.name
