"""After agreement, on a project's own pages: contributions paid, and the facility handed over."""

from flask import Blueprint

bp = Blueprint("delivery", __name__, url_prefix="/projects")

from portal.blueprints.delivery import routes  # noqa: E402,F401
