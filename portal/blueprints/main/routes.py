from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for

from portal.blueprints.main import bp


def safe_next(target: str | None, fallback: str) -> str:
    """A local path to go back to, never another site (open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


@bp.get("/")
def home():
    """The public home page: what the portal is for. Everyone."""
    return render_template("main/home.html")


@bp.post("/language")
def set_language():
    """Switches the interface language and returns to the page the visitor was on. Everyone."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
    return redirect(safe_next(request.form.get("next"), url_for("main.home")), code=303)
