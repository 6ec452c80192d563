"""Who may open a page: decorators shared by every blueprint of pages."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


def login_required(view):
    """Anonymous visitors go to the login page and come back here after signing in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
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
