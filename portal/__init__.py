"""The commune–diaspora coordination portal: the application factory."""

import logging

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import compression, page_cache
from portal.config import finish_config, load_config
from portal.database import reset_write_intent, set_write_intent
from portal.errors import register_error_handlers
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
from portal.i18n import select_locale, select_timezone
from portal.ids import IdConverter
from portal.request_log import register_request_log
from portal.security import add_hsts_in_production, add_security_headers, refuse_nul_characters
from portal.templating import register_template_helpers

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(config_name: str | None = None, **overrides) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["id"] = IdConverter
    app.config.from_object(load_config(config_name))
    app.config.update(overrides)
    finish_config(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    import portal.models

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    import portal.domain.accounts  # noqa: F401  (registers the session loader)

    compression.init_app(app)  # first registered: its after_request runs last, on the finished answer
    page_cache.init_app(app)  # its after_request runs just before compression's, and its lookup before all

    _register_blueprints(app)
    from portal.blueprints.pages import form_address_answers_with_its_page

    app.before_request(form_address_answers_with_its_page)
    register_error_handlers(app)
    register_template_helpers(app)
    _register_transaction_hooks(app)
    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)
    register_request_log(app)
    if app.config["PROXY_COUNT"]:  # the client's address as the proxies in front report it, and no further
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
    add_hsts_in_production(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.blueprints.account import bp as account_bp
    from portal.blueprints.admin import bp as admin_bp
    from portal.blueprints.api import register_api
    from portal.blueprints.auth import bp as auth_bp
    from portal.blueprints.delivery import bp as delivery_bp
    from portal.blueprints.disputes import bp as disputes_bp
    from portal.blueprints.knowledge import bp as knowledge_bp
    from portal.blueprints.main import bp as main_bp
    from portal.blueprints.mediation import bp as mediation_bp
    from portal.blueprints.meetings import bp as meetings_bp
    from portal.blueprints.notifications import bp as notifications_bp
    from portal.blueprints.organisations import bp as organisations_bp
    from portal.blueprints.projects import bp as projects_bp
    from portal.blueprints.territories import bp as territories_bp

    for blueprint in (
        main_bp,
        auth_bp,
        account_bp,
        organisations_bp,
        projects_bp,
        meetings_bp,
        territories_bp,
        mediation_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(disputes_bp)
    app.register_blueprint(knowledge_bp)
    app.register_blueprint(delivery_bp)
    register_api(app)
    from portal.blueprints.two_factor import bp as two_factor_bp

    app.register_blueprint(two_factor_bp)


def _register_transaction_hooks(app: Flask) -> None:
    """Requests that may write take SQLite's write lock up front (see portal/database.py) and commit once."""
    from portal.domain.accounts import record_session_activity

    @app.before_request
    def _choose_transaction_mode():
        request.environ["portal.write_intent"] = set_write_intent(request.method not in READ_ONLY_METHODS)

    @app.after_request
    def _record_session_activity(response):
        """Runs after _commit_once (after_request functions run last registered first)."""
        record_session_activity()
        return response

    @app.after_request
    def _commit_once(response):
        """The one commit of a request: operations flush, the edge commits what succeeded — and what must be kept
        whatever the answer (`g.keep_changes`: a wrong password counts even though the answer is 401 or 429)."""
        if request.method not in READ_ONLY_METHODS and (response.status_code < 400 or g.get("keep_changes")):
            db.session.commit()
        # Anything else is discarded when the session is removed at the end of the app context.
        return response

    @app.teardown_request
    def _forget_transaction_mode(exc):
        token = request.environ.pop("portal.write_intent", None)
        if token is not None:
            reset_write_intent(token)
