"""The anonymous home page: what the portal is for, the newest public projects, and the ways in (issue 14: the
four cards looked like links and were not, there were no recent projects and no way in)."""

import re

from portal.extensions import db
from portal.models import ProjectStatus
from tests.project_factories import make_project


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_a_visitor_finds_the_ways_in_and_an_empty_list_says_what_will_appear(client, cast):
    html = client.get("/").get_data(as_text=True)
    assert {"/projects/", "/auth/signup", "/auth/login", "/communes/", "/dashboards", "/open-data"} <= _links(html)
    assert "Aucun projet n’est encore public" in html


def test_the_home_page_shows_the_five_newest_public_projects_and_nothing_private(client, cast):
    older = [
        make_project(cast.association, cast.commune_a, ProjectStatus.AGREED, title=f"Ancien {n}") for n in range(2)
    ]
    newer = [
        make_project(cast.association, cast.commune_a, ProjectStatus.IN_PROGRESS, title=f"Récent {n}") for n in range(5)
    ]
    make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Dossier déposé")
    db.session.commit()

    html = client.get("/").get_data(as_text=True)
    shown = re.findall(r'<li><a href="/projects/(\d+)">([^<]+)</a>', html)
    assert [title for _id, title in shown] == [f"Récent {n}" for n in (4, 3, 2, 1, 0)]
    assert {int(i) for i, _title in shown} == {p.id for p in newer}
    assert "Ancien" not in html and "Dossier déposé" not in html
    assert "Diéma" in html and "En cours" in html  # the commune and the status of each
    assert all(p.id not in {int(i) for i, _t in shown} for p in older)
