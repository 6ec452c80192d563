"""Errors a client or a user can cause, one code each, and how pages and the API answer them."""

from flask import jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

# Every code of the API contract and its status. Domain operations raise `Refused(code)`; this table is
# the one place that turns a code into an HTTP status.
STATUS_OF_CODE = {
    "malformed_request": 400,
    "unauthenticated": 401,
    "invalid_credentials": 401,
    "otp_required": 401,
    "invalid_otp": 401,
    "forbidden": 403,
    "mfa_enrolment_required": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "invalid_transition": 409,
    "not_editable": 409,
    "stale_version": 409,
    "last_manager": 409,
    "already_exists": 409,
    "payload_too_large": 413,
    "validation_failed": 422,
    "comment_required": 422,
    "funding_incomplete": 422,
    "not_home_commune": 422,
    "association_not_verified": 422,
    "unsupported_file_type": 422,
    "rate_limited": 429,
    "internal_error": 500,
}

# The code an HTTP error gets when nothing more precise was said.
CODE_OF_STATUS = {
    400: "malformed_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "invalid_transition",
    413: "payload_too_large",
    422: "validation_failed",
    429: "rate_limited",
}

DEFAULT_MESSAGES = {
    "malformed_request": _l("The request could not be read: send a JSON object."),
    "unauthenticated": _l("Sign in first: the token is missing, wrong, expired or revoked."),
    "invalid_credentials": _l("The email address or password is wrong."),
    "forbidden": _l("You may not do this."),
    "not_found": _l("Nothing here, or nothing you may see."),
    "method_not_allowed": _l("This address does not accept that method."),
    "invalid_transition": _l("This action is not possible in the record's current state."),
    "not_editable": _l("This record can no longer be edited in its current state."),
    "stale_version": _l("Someone changed this record since you read it. Reload it and apply your change again."),
    "payload_too_large": _l("The request is too large."),
    "validation_failed": _l("Some fields are missing or wrong."),
    "comment_required": _l("A comment is required for this action."),
    "already_exists": _l("This already exists."),
    "rate_limited": _l("Too many attempts. Wait a moment and try again."),
    "internal_error": _l("Something went wrong on our side. It has been logged."),
}


class Refused(Exception):
    """A rule said no. Carries the API code; the status comes from STATUS_OF_CODE."""

    def __init__(self, code: str, message: str | None = None, fields: dict | None = None):
        super().__init__(code)
        self.code = code
        self.message = message
        self.fields = fields

    @property
    def status(self) -> int:
        return STATUS_OF_CODE[self.code]

    def text(self) -> str:
        return str(self.message or DEFAULT_MESSAGES.get(self.code) or DEFAULT_MESSAGES["validation_failed"])


def is_api_request() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")


def api_error_response(code: str, message=None, fields: dict | None = None, status: int | None = None):
    body = {"code": code, "message": str(message or DEFAULT_MESSAGES.get(code, code))}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status or STATUS_OF_CODE[code]
    return response


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as the API's dotted paths: {"budget_lines.0.amount": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = str(key) if not prefix else f"{prefix}.{key}"
            if key == "_schema":
                path = prefix or "_schema"
            for sub_path, texts in flatten_messages(value, path).items():
                flat.setdefault(sub_path, []).extend(texts)
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            flat[prefix or "_schema"] = [gettext(m) for m in messages]  # see portal/blueprints/api/messages.py
        else:
            for index, value in enumerate(messages):
                flat.update(flatten_messages(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def handle_http_exception(error: HTTPException):
    """One handler for every HTTP error, pages and API alike."""
    status = error.code or 500
    if is_api_request():
        code = CODE_OF_STATUS.get(status, "malformed_request" if status < 500 else "internal_error")
        fields = None
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        if status == 422 and messages:
            # webargs nests the messages under the location they came from ("json", "query").
            inner = {}
            for location_messages in messages.values():
                inner.update(
                    location_messages if isinstance(location_messages, dict) else {"_schema": location_messages}
                )
            fields = flatten_messages(inner)
        response = api_error_response(code, None, fields, status)
    else:
        retry_after = _retry_after(error) if status == 429 else None
        if status == 429 and getattr(error, "response", None) is not None and "Retry-After" in error.response.headers:
            retry_after = int(error.response.headers["Retry-After"])
        response = render_error_page(status, retry_after=retry_after)
    if getattr(error, "response", None) is not None and error.response is not None:
        for header in ("Retry-After", "Allow"):
            if header in error.response.headers:
                response.headers[header] = error.response.headers[header]
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_retry_after(error))
    return response


def _retry_after(error) -> int:
    limit = getattr(error, "limit", None)
    try:
        return max(1, int(limit.limit.get_expiry()))
    except AttributeError:
        return 60


def handle_refused(error: Refused):
    if is_api_request():
        response = api_error_response(error.code, error.text(), error.fields, error.status)
    else:
        response = render_error_page(error.status, error.text(), retry_after=getattr(error, "retry_after", None))
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def handle_unexpected(error: Exception):
    """A bug: logged, and answered with a calm page rather than a stack trace."""
    from flask import current_app

    if current_app.testing:
        raise error  # let the test show the traceback
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    if is_api_request():
        return api_error_response("internal_error", status=500)
    return render_error_page(500)


ERROR_PAGE_TITLES = {
    400: _l("The request could not be read"),
    403: _l("You may not see this page"),
    404: _l("Page not found"),
    405: _l("This address does not accept that method"),
    413: _l("The file or form is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}

ERROR_PAGE_TEXTS = {
    400: _l(
        "Your browser sent something we could not read. If you were sending a form, go back, reload the page and send it again."
    ),
    403: _l(
        "Your account does not give you access to this page. If your work needs it, ask a manager of your organisation, or the ministry's focal point."
    ),
    404: _l("This page does not exist, or you may not see it. Check the address, or go back to the home page."),
    405: _l("Go back to the previous page and use its buttons."),
    413: _l(
        "The largest file you can send is 20 MB. Make the file smaller (a scan at a lower resolution, a PDF without photos) and try again."
    ),
    429: _l("You have tried too many times in a short while: the portal holds the next attempts back for a moment."),
    500: _l(
        "The error has been logged. Try again in a moment; if it keeps happening, tell the ministry's focal point."
    ),
}


def render_error_page(status: int, detail: str | None = None, retry_after: int | None = None):
    """The error page in the visitor's language: what happened, what to do next (for 429, when to try again)."""
    page_status = status if status in ERROR_PAGE_TITLES else (500 if status >= 500 else 400)
    try:
        body = render_template(
            "errors/error.html",
            status=status,
            title=ERROR_PAGE_TITLES[page_status],
            text=detail or ERROR_PAGE_TEXTS[page_status],
            retry_minutes=-(-int(retry_after) // 60) if retry_after else None,
        )
    except Exception:  # the page itself failed: answer plainly rather than not at all
        from flask import current_app

        current_app.logger.exception("Error page %s failed to render", status)
        body = "Erreur / Error"
    return make_response(body, status)


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Refused, handle_refused)
    app.register_error_handler(Exception, handle_unexpected)
