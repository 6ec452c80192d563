"""Pages of knowledge for planning: public dashboards, communes' migration profiles with projections, open data."""

from flask import Blueprint

bp = Blueprint("knowledge", __name__)

from portal.blueprints.knowledge import routes  # noqa: E402,F401
