"""Who may open a page: decorators shared by every blueprint of pages."""

from functools import wraps

from flask import abort, redirect
from flask_login import current_user

from portal.blueprints.pages import login_url
from portal.visibility import is_mediator_or_admin


def login_required(view):
    """Anonymous visitors go to the login page and come back here after signing in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(login_url())
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Platform admins only; anyone else signed in gets 403, anonymous visitors the login page."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def mediator_required(view):
    """Mediators of the ministry and admins; anyone else signed in gets 403."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_mediator_or_admin(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped
