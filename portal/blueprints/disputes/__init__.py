from flask import Blueprint

bp = Blueprint("disputes", __name__, url_prefix="/disputes")

from portal.blueprints.disputes import routes  # noqa: E402,F401
