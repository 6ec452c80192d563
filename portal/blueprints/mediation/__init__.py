from flask import Blueprint

bp = Blueprint("mediation", __name__, url_prefix="/mediation")

from portal.blueprints.mediation import routes  # noqa: E402,F401
