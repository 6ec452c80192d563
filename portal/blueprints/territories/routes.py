from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.guards import admin_required
from portal.blueprints.territories import bp
from portal.domain import facilities
from portal.domain.projects import commune_projects
from portal.domain.territories import (
    SEARCH_MAX,
    commune_organisation,
    current_map_version,
    get_commune,
    home_associations,
    map_version_by_id,
    map_version_summaries,
    search_communes,
    set_current_map_version,
)
from portal.extensions import db
from portal.i18n import country_name
from portal.paging import page_number, query_parameters

COMMUNES_PER_PAGE = 20


@bp.get("/communes/")
@query_parameters("q", "page")
def communes():
    """The communes of the current map, searched by name, 20 a page. Everyone."""
    q = request.args.get("q", "").strip()[:SEARCH_MAX]
    pagination = db.paginate(
        search_communes(q),
        page=page_number(request.args.get("page")),
        per_page=COMMUNES_PER_PAGE,
        error_out=False,
        count=True,
    )
    return render_template("territories/communes.html", q=q, pagination=pagination, map_version=current_map_version())


@bp.get("/communes/<id:commune_id>")
@query_parameters("page")
def commune(commune_id):
    """A commune's public page: where it is, its council, its diaspora associations and projects. Everyone."""
    found = get_commune(commune_id)
    if found is None:
        abort(404)
    associations = [
        (organisation, link, country_name(organisation.country) if organisation.country else None)
        for organisation, link in home_associations(found)
    ]
    return render_template(
        "territories/commune.html",
        commune=found,
        organisation=commune_organisation(found),
        associations=associations,
        projects=commune_projects(current_user, found),
        register=db.paginate(
            facilities.commune_register(found.id),
            page=page_number(request.args.get("page")),
            per_page=COMMUNES_PER_PAGE,
            error_out=False,
            count=True,
        ),
        year_of=facilities.year_of,
        funders_of=facilities.funders_of,
    )


@bp.get("/admin/territories")
@admin_required
def admin_territories():
    """The map versions with their counts of regions, cercles and communes, and which is current. Admins."""
    return render_template("territories/admin.html", summaries=map_version_summaries())


@bp.post("/admin/territories/<id:version_id>/current")
@admin_required
def make_current(version_id):
    """Makes a map version the current one, then back to the list of versions. Admins."""
    version = map_version_by_id(version_id)
    if version is None:
        abort(404)
    if set_current_map_version(version, actor=current_user):
        flash(_("The current map is now %(label)s.", label=version.label), "success")
    else:
        flash(_("%(label)s was already the current map.", label=version.label), "info")
    return redirect(url_for("territories.admin_territories"), code=303)
