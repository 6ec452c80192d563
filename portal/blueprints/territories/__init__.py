"""Pages of the territories: the commune search, each commune's public page, and the admin of map versions."""

from flask import Blueprint

bp = Blueprint("territories", __name__)

from portal.blueprints.territories import routes  # noqa: E402,F401
