"""The in-app inbox, mail preferences, and the admin's page of mail that could not be delivered."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from portal.blueprints.notifications import routes  # noqa: E402,F401
