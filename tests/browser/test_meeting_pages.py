"""Consultation meetings in Chromium: the meeting page, its minutes and the forms, light, self-contained and
accessible, as the mayor and the association see them."""

import pytest
from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.extensions import db
from portal.models import Commune, Meeting, Organisation, Project
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in
from tests.meeting_factories import make_meeting

DEMO_TITLE = "Concertation sur le forage (démo des tests)"


def demo_meeting(live_server) -> int:
    """A past meeting of commune A with minutes, inviting association A and the partner (made once)."""
    load_demo(live_server)
    with live_server.app.app_context():
        found = db.session.scalar(select(Meeting.id).where(Meeting.title == DEMO_TITLE))
        if found:
            return found
        association = db.session.scalar(
            select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
        )
        partner = db.session.scalar(select(Organisation).where(Organisation.kind == "partner"))
        commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
        town = db.session.scalar(
            select(Organisation).where(Organisation.kind == "commune", Organisation.commune_id == commune.id)
        )
        projects = db.session.scalars(
            select(Project).where(Project.commune_id == commune.id, Project.first_submitted_at.is_not(None)).limit(3)
        ).all()
        meeting = make_meeting(
            town,
            [association, partner],
            projects,
            title=DEMO_TITLE,
            minutes=True,
            online_url="https://visio.example.org/diema",
        )
        db.session.commit()
        return meeting.id


@pytest.mark.parametrize("email", ["mayor@example.org", "association@example.org"])
def test_meeting_pages_are_light_self_contained_and_accessible(page, live_server, email):
    meeting_id = demo_meeting(live_server)
    sign_in(page, email)
    paths = ["/meetings/", f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/minutes/print"]
    if email == "mayor@example.org":
        paths += ["/meetings/new", f"/meetings/{meeting_id}/edit", f"/meetings/{meeting_id}/minutes"]
    for path in paths:
        check_page(page, path)
