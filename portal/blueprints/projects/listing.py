"""The list of projects: what the viewer may see, filtered, newest first, 20 a page."""

from flask import render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.blueprints.projects import bp
from portal.blueprints.projects.forms import FilterForm
from portal.domain import projects as rules
from portal.domain.territories import current_regions
from portal.extensions import db
from portal.models import Commune, Project
from portal.paging import page_number, query_parameters
from portal.visibility import sees_public_projects_only, visible_organisations, visible_projects

PER_PAGE = 20


def _chosen(filters: dict) -> list[dict]:
    """The commune or association a link chose, named — only one the viewer may see (an association awaiting
    verification stays unnamed to others) —, each with a link that lets go of it."""
    chosen = []
    for name, query in (("commune_id", select(Commune)), ("association_id", visible_organisations(current_user))):
        model = query.column_descriptions[0]["entity"]
        target = db.session.scalar(query.where(model.id == filters[name])) if name in filters else None
        if target is not None:
            others = {key: value for key, value in filters.items() if key != name}
            chosen.append(
                {
                    "field": name,
                    "id": target.id,
                    "name": getattr(target, "display_name", target.name),  # a commune by its usual spelling
                    "clear": url_for("projects.index", **others),
                }
            )
    return chosen


@bp.get("/")
@query_parameters(*FilterForm()._fields, "commune_id", "association_id", "page")
def index():
    """The projects the viewer may see, newest first, filtered and 20 a page. Everyone (public ones when anonymous)."""
    form = FilterForm(request.args)
    form.set_choices(current_regions(), public_only=sees_public_projects_only(current_user))
    filters = form.filters(request.args)
    page = page_number(request.args.get("page"))
    rows = (
        db.session.scalars(
            rules.newest_first(
                rules.filter_projects(visible_projects(current_user), filters),
                offset=(page - 1) * PER_PAGE,
                limit=PER_PAGE + 1,
            ).options(joinedload(Project.commune), joinedload(Project.association), selectinload(Project.budget_lines))
        )
        .unique()
        .all()
    )
    return render_template(
        "projects/index.html",
        form=form,
        projects=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        filters=filters,
        chosen=_chosen(filters),
        can_propose=bool(rules.officer_associations(current_user)),
    )
