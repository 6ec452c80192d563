"""Headers every response carries, errors and API included."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages depend on who is signed in and in which language: never let a shared cache keep them.
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def add_hsts_in_production(app):
    if app.config["ENV_NAME"] != "production":
        return

    @app.after_request
    def _hsts(response):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul_characters():
    """No text a person types contains a NUL character, and PostgreSQL refuses to store one: a request that
    carries one (in its query, form or JSON body; files are bytes and are not looked at) cannot be read."""
    from flask import abort, request

    if _has_nul(request.path) or any(_has_nul(v) for v in request.args.values()):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            if _has_nul(request.get_json(silent=True)):
                abort(400)
        elif any(_has_nul(v) for v in request.form.values()):
            abort(400)
