from flask import Blueprint

bp = Blueprint("two_factor", __name__)

from portal.blueprints.two_factor import routes  # noqa: E402,F401
