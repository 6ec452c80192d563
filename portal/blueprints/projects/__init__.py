from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/projects")

from portal.blueprints.projects import convention, listing, routes  # noqa: E402,F401
