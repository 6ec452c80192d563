"""Territories: importing administrative maps, map versions, searching communes, and their pages."""

import csv
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.domain.territories import (
    DEFAULT_MAP_FILE,
    TerritoryFileError,
    ensure_default_territories,
    import_territories,
    map_version_summaries,
    search_communes,
    set_current_map_version,
)
from portal.errors import Refused
from portal.extensions import db
from portal.models import AuditEvent, Cercle, Commune, MapVersion, Region
from tests.factories import make_commune, make_map_version, make_organisation
from tests.helpers import assert_constant_queries

COLUMNS = ["adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name", "adm3_pcode", "adm3_name", "valid_on"]


def write_map(path, rows, columns=COLUMNS):
    """A small COD-AB style CSV: rows of (region code, region, cercle code, cercle, commune code, commune)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([*row, "20230101"][: len(columns)])
    return path


def counts(version: MapVersion) -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model).where(model.map_version_id == version.id))
        for model in (Region, Cercle, Commune)
    )


def current_codes() -> list[str]:
    return list(db.session.scalars(select(MapVersion.code).where(MapVersion.is_current.is_(True))))


def import_2015(**kwargs):
    return import_territories(DEFAULT_MAP_FILE, "ocha-2015", "OCHA COD-AB Mali 2015", **kwargs)


# A map of the 2023 kind: other regions, and codes that the 2015 map also uses for other places.
MAP_2023 = [
    ("ML01", "Kayes", "ML0101", "Kayes", "ML010101", "Kayes"),
    ("ML01", "Kayes", "ML0102", "Nioro", "ML010201", "Nioro du Sahel"),
    ("ML10", "Nioro", "ML1001", "Nioro", "ML100101", "Gavinané"),
    ("ML11", "Kita", "ML1101", "Kita", "ML110101", "Kita"),
]


# --- Import ---------------------------------------------------------------------------------------------


def test_the_shipped_2015_map_has_9_regions_50_cercles_and_701_communes(session, app_context):
    result = ensure_default_territories()
    version = result.map_version
    assert (version.code, version.label, version.valid_from) == ("ocha-2015", "OCHA COD-AB Mali 2015", date(2015, 4, 8))
    assert version.is_current and "OCHA COD-AB" in version.source
    assert counts(version) == (9, 50, 701)
    assert (result.regions.created, result.cercles.created, result.communes.created) == (9, 50, 701)
    bangassi = session.scalar(select(Commune).where(Commune.code == "ML010101"))
    assert (bangassi.name, bangassi.cercle.code, bangassi.cercle.region.name) == ("Bangassi", "ML0101", "Kayes")
    # Names are kept as the file gives them, without accents.
    assert session.scalar(select(Region.name).where(Region.code == "ML02")) == "Koulikouro"


def test_ensure_default_territories_does_nothing_once_a_map_exists(session, app_context):
    assert ensure_default_territories() is not None
    assert ensure_default_territories() is None
    assert session.scalar(select(func.count()).select_from(MapVersion)) == 1


def test_ensure_default_territories_leaves_an_existing_map_alone(session, app_context):
    make_map_version("other-map")
    assert ensure_default_territories() is None
    assert session.scalar(select(func.count()).select_from(Commune)) == 0


def test_importing_the_same_file_twice_changes_nothing(session, app_context):
    import_2015()
    session.flush()
    events_before = session.scalar(select(func.count()).select_from(AuditEvent))
    ids_before = sorted(session.scalars(select(Commune.id)))

    again = import_2015()

    assert not again.changed and not again.map_version_created
    assert (again.regions.unchanged, again.cercles.unchanged, again.communes.unchanged) == (9, 50, 701)
    assert (again.regions.created, again.cercles.created, again.communes.created) == (0, 0, 0)
    assert sorted(session.scalars(select(Commune.id))) == ids_before
    assert session.scalar(select(func.count()).select_from(MapVersion)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_a_reimport_updates_changed_names_in_place(session, app_context, tmp_path):
    rows = MAP_2023[:2]
    import_territories(write_map(tmp_path / "a.csv", rows), "map-x", "Map X")
    renamed = [rows[0], (*rows[1][:5], "Nioro Ville")]
    result = import_territories(write_map(tmp_path / "b.csv", renamed), "map-x", "Map X")
    assert (result.communes.updated, result.communes.unchanged, result.communes.created) == (1, 1, 0)
    commune = session.scalar(select(Commune).where(Commune.code == "ML010201"))
    assert (commune.name, commune.search_name) == ("Nioro Ville", "nioro ville")


def test_a_later_map_lives_beside_the_first_even_with_the_same_codes(session, app_context, tmp_path):
    first = import_2015(make_current=True).map_version
    second = import_territories(
        write_map(tmp_path / "2023.csv", MAP_2023), "reform-2023", "Mali 2023 reform", valid_from=date(2023, 1, 1)
    ).map_version

    assert first.id != second.id
    assert counts(first) == (9, 50, 701) and counts(second) == (3, 4, 4)
    # ML010101 is Bangassi on the 2015 map and Kayes on the other: the code means something only with its version.
    names = dict(
        session.execute(
            select(MapVersion.code, Commune.name).join(Commune.map_version).where(Commune.code == "ML010101")
        ).all()
    )
    assert names == {"ocha-2015": "Bangassi", "reform-2023": "Kayes"}
    assert current_codes() == ["ocha-2015"]  # not made current


def test_make_current_switches_the_one_current_version(session, app_context, tmp_path):
    import_2015()
    assert current_codes() == ["ocha-2015"]  # the first map becomes current by itself
    newer = import_territories(write_map(tmp_path / "2023.csv", MAP_2023), "reform-2023", "Reform", make_current=True)
    assert current_codes() == ["reform-2023"]
    assert [c.name for c in session.scalars(search_communes("kita"))] == ["Kita"]

    older = session.scalar(select(MapVersion).where(MapVersion.code == "ocha-2015"))
    assert set_current_map_version(older) is True
    assert current_codes() == ["ocha-2015"]
    assert set_current_map_version(older) is False
    event = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "map_version.make_current")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    assert (event.subject_id, event.before, event.after) == (
        older.id,
        {"current": "reform-2023"},
        {"current": "ocha-2015"},
    )
    assert newer.map_version.is_current is False


def test_map_version_summaries_count_each_level(session, app_context, tmp_path):
    import_2015()
    import_territories(write_map(tmp_path / "2023.csv", MAP_2023), "reform-2023", "Reform")
    summaries = {s.version.code: (s.regions, s.cercles, s.communes) for s in map_version_summaries()}
    assert summaries == {"ocha-2015": (9, 50, 701), "reform-2023": (3, 4, 4)}


@pytest.mark.parametrize(
    "columns, rows, message",
    [
        (COLUMNS[:4], [("ML01", "Kayes", "ML0101", "Kayes")], "missing columns adm3_pcode, adm3_name"),
        (COLUMNS, [("ML01", "Kayes", "ML0101", "Kayes", "", "Bangassi")], "line 2: empty adm3_pcode"),
        (COLUMNS, [], "no communes"),
        (
            COLUMNS,
            [("ML01", "Kayes", "ML0101", "Kayes", "A1", "A"), ("ML02", "Koulikoro", "ML0101", "Kayes", "A2", "B")],
            "cercle ML0101 is in region ML02 here",
        ),
        (
            COLUMNS,
            [("ML01", "Kayes", "ML0101", "Kayes", "A1", "A"), ("ML01", "Kayes", "ML0101", "Kayes", "A1", "B")],
            "commune A1 appears twice",
        ),
        (COLUMNS, [("ML01", "Kayes", "ML0101", "Kayes", "X" * 21, "A")], "adm3_pcode is longer than 20"),
    ],
)
def test_a_file_that_is_not_a_map_is_refused_with_where_and_why(session, app_context, tmp_path, columns, rows, message):
    path = write_map(tmp_path / "bad.csv", rows, columns)
    with pytest.raises(TerritoryFileError, match=re.escape(message)):
        import_territories(path, "bad", "Bad")
    assert session.scalar(select(func.count()).select_from(Commune)) == 0


def test_the_import_reports_its_progress(session, app_context):
    steps = []
    import_2015(progress=steps.append)
    assert sum(steps) == 701 and len(steps) > 1


# --- Search ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["segou", "Ségou", "SÉGOU", "  seGOU ", "gou comm"])
def test_the_search_ignores_case_and_accents(session, app_context, q):
    import_2015()
    assert [c.name for c in session.scalars(search_communes(q))] == ["Segou Commune"]


def test_the_search_finds_accented_names_from_plain_letters(session, app_context):
    make_commune("Ségou Ville")
    make_commune("Diéma")
    assert [c.name for c in session.scalars(search_communes("SEGOU"))] == ["Ségou Ville"]
    assert [c.name for c in session.scalars(search_communes("diema"))] == ["Diéma"]


def test_the_search_treats_like_wildcards_as_letters(session, app_context):
    make_commune("Bamako")
    make_commune("100% Bamako")
    assert [c.name for c in session.scalars(search_communes("%"))] == ["100% Bamako"]
    assert [c.name for c in session.scalars(search_communes("_"))] == []


def test_the_search_uses_the_current_map_unless_told_otherwise(session, app_context, tmp_path):
    import_2015()
    import_territories(write_map(tmp_path / "2023.csv", MAP_2023), "reform-2023", "Reform")
    assert [c.name for c in session.scalars(search_communes("kayes"))] == ["Kayes Commune"]
    assert [c.name for c in session.scalars(search_communes("kayes", map_code="reform-2023"))] == ["Kayes"]
    with pytest.raises(Refused) as refused:
        search_communes("kayes", map_code="nope")
    assert refused.value.code == "validation_failed" and "version" in refused.value.fields


def test_the_search_orders_by_name_and_brings_cercle_and_region(session, app_context):
    import_2015()
    query = search_communes("ba")
    rows = session.scalars(query).all()
    assert [c.name for c in rows] == sorted(c.name for c in rows)
    assert rows[0].cercle.region.name  # loaded with the row


# --- The command ----------------------------------------------------------------------------------------


def test_the_command_imports_with_a_progress_bar_and_says_what_it_did(app, session):
    runner = app.test_cli_runner()
    args = [
        "import-territories",
        str(DEFAULT_MAP_FILE),
        "--map-version",
        "ocha-2015",
        "--label",
        "OCHA COD-AB Mali 2015",
        "--valid-from",
        "2015-04-08",
        "--current",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Importing communes" in result.output
    assert "Map version ocha-2015 (created)." in result.output
    assert "regions: 9 created, 0 updated, 0 unchanged" in result.output
    assert "cercles: 50 created, 0 updated, 0 unchanged" in result.output
    assert "communes: 701 created, 0 updated, 0 unchanged" in result.output
    assert "Current map version: ocha-2015." in result.output
    version = session.scalar(select(MapVersion).where(MapVersion.code == "ocha-2015"))
    assert version.valid_from == date(2015, 4, 8) and version.is_current

    again = runner.invoke(args=args)
    assert again.exit_code == 0, again.output
    assert "Map version ocha-2015 (already there)." in again.output
    assert "communes: 0 created, 0 updated, 701 unchanged" in again.output


def test_the_command_can_add_a_map_without_making_it_current(app, session, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["import-territories", str(DEFAULT_MAP_FILE), "--map-version", "ocha-2015", "--label", "2015"])
    path = write_map(tmp_path / "2023.csv", MAP_2023)
    result = runner.invoke(
        args=["import-territories", str(path), "--map-version", "reform-2023", "--label", "Reform", "--not-current"]
    )
    assert result.exit_code == 0, result.output
    assert "communes: 4 created" in result.output
    assert "Current map version: ocha-2015." in result.output


def test_the_command_refuses_a_bad_file_plainly(app, session, tmp_path):
    path = write_map(tmp_path / "bad.csv", [("ML01", "Kayes")], COLUMNS[:2])
    result = app.test_cli_runner().invoke(args=["import-territories", str(path), "--map-version", "x", "--label", "X"])
    assert result.exit_code == 1
    assert "missing columns adm2_pcode" in result.output
    assert session.scalar(select(func.count()).select_from(MapVersion)) == 0


# --- Pages ----------------------------------------------------------------------------------------------


def test_the_commune_list_searches_and_pages_keeping_the_search(client, session):
    for n in range(25):
        make_commune(f"Bafoulabé {n:02d}")
    make_commune("Kayes")
    session.commit()

    html = client.get("/communes/?q=BAFOULABE").get_data(as_text=True)
    assert '<label for="commune-q">' in html and 'name="q"' in html and 'value="BAFOULABE"' in html
    assert html.count("Bafoulabé ") == 20 and "Kayes</a>" not in html
    assert 'href="/communes/?q=BAFOULABE&amp;page=2"' in html
    assert "<td>Diema</td>" in html and "<td>Kayes</td>" in html

    second = client.get("/communes/?q=BAFOULABE&page=2").get_data(as_text=True)
    assert second.count("Bafoulabé ") == 5
    assert 'href="/communes/?q=BAFOULABE&amp;page=1"' in second and "page=3" not in second

    for page in ("0", "-3", "abc", str(10**12)):
        assert client.get(f"/communes/?page={page}").status_code == 200


def test_the_commune_list_shows_name_cercle_region_and_code(client, session):
    commune = make_commune("Ségou Ville", region_name="Ségou", cercle_name="Ségou Cercle")
    session.commit()
    commune_id, code = commune.id, commune.code
    html = client.get("/communes/?q=segou", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'<a href="/communes/{commune_id}">Ségou Ville</a>' in html
    assert "<td>Ségou Cercle</td>" in html and "<td>Ségou</td>" in html and f"<td>{code}</td>" in html


def test_the_commune_list_runs_a_fixed_number_of_queries(client, session, app_context):
    def add_rows(n):
        for _ in range(n):
            make_commune()
        session.commit()

    assert assert_constant_queries(client, "/communes/", add_rows) <= 4


def test_a_commune_page_shows_its_place_council_and_verified_associations(client, cast, session):
    make_organisation(
        "association", "Ressortissants en attente", home_communes=[cast.commune_a], verification="pending"
    )
    abroad = make_organisation("association", "Diéma Madrid", home_communes=[cast.commune_a], country="ES")
    session.commit()
    commune_id, code = cast.commune_a.id, cast.commune_a.code
    council_id, association_id, abroad_id = cast.commune_org.id, cast.association.id, abroad.id
    html = client.get(f"/communes/{commune_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Commune of Diéma</h1>" in html and code in html and "Diema" in html and "Kayes" in html
    assert "Test map test-map" in html
    assert f'href="/organisations/{council_id}"' in html
    assert f'href="/organisations/{association_id}"' in html and "Montreuil" in html and "France" in html
    assert f'href="/organisations/{abroad_id}"' in html and "Spain" in html
    assert "Ressortissants en attente" not in html
    assert "Espagne" in client.get(f"/communes/{commune_id}").get_data(as_text=True)


def test_a_commune_without_council_or_associations_says_so(client, session):
    commune = make_commune("Lonely")
    session.commit()
    html = client.get(f"/communes/{commune.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The commune has no account on the portal yet." in html
    assert "No verified diaspora association" in html


def test_a_commune_page_runs_a_fixed_number_of_queries(client, cast, session, app_context):
    commune_id = cast.commune_a.id

    def add_rows(n):
        commune = session.get(Commune, commune_id)
        for _ in range(n):
            make_organisation("association", home_communes=[commune])
        session.commit()

    assert_constant_queries(client, f"/communes/{commune_id}", add_rows, large=200)


@pytest.mark.parametrize("path", ["/communes/0", "/communes/999999", f"/communes/{10**20}"])
def test_an_unknown_commune_is_404(client, session, path):
    assert client.get(path).status_code == 404


def test_the_admin_sees_map_versions_and_switches_the_current_one(client, cast, session, login_as, tmp_path):
    other = make_map_version("reform-2023", is_current=False)
    make_commune("Kita", map_code="reform-2023")
    session.commit()
    other_id = other.id
    login_as("admin")

    html = client.get("/admin/territories", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "reform-2023" in html and "test-map" in html and "Current map" in html
    assert f'action="/admin/territories/{other_id}/current"' in html and 'name="csrf_token"' in html

    response = client.post(f"/admin/territories/{other_id}/current", headers={"Accept-Language": "en"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/territories"
    after = client.get("/admin/territories", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The current map is now Test map reform-2023." in after
    assert current_codes() == ["reform-2023"]
    assert client.get("/communes/?q=kita").get_data(as_text=True).count("Kita</a>") == 1

    assert client.post("/admin/territories/999999/current").status_code == 404


def test_switching_the_map_needs_the_csrf_token(csrf_app, cast, session, login_as, client):
    other_id = make_map_version("reform-2023", is_current=False).id
    session.commit()
    login_as("admin")
    assert client.post(f"/admin/territories/{other_id}/current").status_code == 400
    assert current_codes() == ["test-map"]


@pytest.mark.parametrize("role", ["mayor", "mediator", "nobody"])
def test_only_admins_manage_territories(client, cast, session, login_as, role):
    other_id = make_map_version("reform-2023", is_current=False).id
    session.commit()
    login_as(role)
    assert client.get("/admin/territories").status_code == 403
    assert client.post(f"/admin/territories/{other_id}/current").status_code == 403
    assert current_codes() == ["test-map"]


def test_anonymous_visitors_are_sent_to_sign_in(client, session):
    response = client.get("/admin/territories")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login?next=/admin/territories"


def test_a_reimport_can_relabel_a_version_and_make_it_current(session, app_context, tmp_path):
    import_2015()
    path = write_map(tmp_path / "2023.csv", MAP_2023)
    import_territories(path, "reform-2023", "Reform")
    again = import_territories(path, "reform-2023", "Mali 2023 reform", make_current=True)
    assert again.map_version_updated and again.made_current and again.changed
    assert again.communes.unchanged == 4
    assert current_codes() == ["reform-2023"]
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["map_version.import", "map_version.import", "map_version.make_current", "map_version.import"]


# --- Usual spellings ----------------------------------------------------------------------------------------


def shipped_commune_page(client, code: str) -> str:
    commune_id = db.session.scalar(
        select(Commune.id).join(MapVersion).where(Commune.code == code, MapVersion.code == "ocha-2015")
    )
    return client.get(f"/communes/{commune_id}").get_data(as_text=True)


def test_pages_show_the_usual_french_spelling_of_the_shipped_names(client, session, app_context):
    ensure_default_territories()
    session.commit()
    diema = shipped_commune_page(client, "ML010304")  # stored "Diema", cercle "Diema", region "Kayes"
    assert "<h1>Commune de Diéma</h1>" in diema
    assert "<dd>Diéma</dd>" in diema and "<dd>Kayes</dd>" in diema
    assert "Diema" not in diema.replace("diema", "")
    koulikoro = shipped_commune_page(client, "ML020104")  # region stored "Koulikouro"
    assert "<dd>Koulikoro</dd>" in koulikoro and "Koulikouro" not in koulikoro
    segou = shipped_commune_page(client, "ML040224")  # "Segou Commune", cercle "Segou", region "Segou"
    assert "<h1>Commune de Ségou</h1>" in segou
    assert segou.count("<dd>Ségou</dd>") == 2  # the cercle and the region


def test_the_stored_and_api_names_stay_as_the_official_data_gives_them(client, session, app_context):
    ensure_default_territories()
    session.commit()
    assert session.scalar(select(Region.name).where(Region.code == "ML02")) == "Koulikouro"
    items = client.get("/api/v1/communes?q=diema").get_json()["items"]
    diema = next(item for item in items if item["code"] == "ML010304")
    assert (diema["name"], diema["cercle"]) == ("Diema", "Diema")


def test_a_later_map_reusing_a_code_keeps_its_own_name(session, app_context):
    commune = make_commune("Segou Ville")
    commune.code = "ML040224"  # Ségou's code on the 2015 map, another commune on this one
    assert commune.display_name == "Segou Ville"
