"""Configuration read from the environment, one class per way of running the portal."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _local_secret_key() -> str:
    """A random key kept under instance/ so sessions survive a restart of `make run`."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _local_totp_key() -> str:
    """A Fernet key kept under instance/ (development), beside the secret key and out of the database."""
    from cryptography.fernet import Fernet

    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "totp_encryption_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Hosting platforms hand out postgres:// URLs; we speak psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'portal.db'}"


def _flag(name: str, default: bool) -> bool:
    """A yes/no setting from the environment: 1, true, yes, on (any case) or their opposites; unset: default."""
    value = (os.environ.get(name) or "").strip().lower()
    if not value:
        return default
    return value in ("1", "true", "yes", "on")


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app from DATABASE_URL
    # No pool_pre_ping: a round trip per request; portal/database.py replaces closed connections without one.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Africa/Bamako"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    SESSION_LIFETIME = timedelta(days=30)  # then the server-side session no longer signs in
    PERMANENT_SESSION_LIFETIME = SESSION_LIFETIME
    API_TOKEN_LIFETIME = timedelta(days=30)
    EMAIL_TOKEN_LIFETIME = timedelta(days=3)  # confirmation links
    RESET_TOKEN_LIFETIME = timedelta(hours=2)
    INVITATION_LIFETIME = timedelta(days=14)

    # Failed logins: per account and address, and a high ceiling per address (towns share a carrier's IP).
    LOGIN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_FAILURES_PER_ADDRESS = "300 per 15 minutes"
    # Mail sent on anyone's word (sign-ups, reset requests, links sent again, invitations): no mail cannon.
    MAIL_PER_ADDRESS = "30 per hour"  # from one sender's address (a carrier's: generous)
    MAIL_PER_ACCOUNT = "50 per day"  # by one account
    MAIL_PER_RECIPIENT = "5 per day"  # to one address

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: slow connections, long forms

    # Uploads are capped at 20 MB by the API contract; the request may carry a little more (form fields).
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")  # never under static/
    # Where `flask audit anchor` appends the chain's latest hash: out of reach of the database's own account (in
    # production, a path the database server cannot write, or a mount backed up elsewhere).
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE") or str(INSTANCE_DIR / "audit-anchors.jsonl")

    REDIS_URL = os.environ.get("REDIS_URL")
    # Anonymous pages and public API answers kept for every reader until a change (portal/page_cache.py): in
    # Redis when REDIS_URL is set (required with several hosts), else in a SQLite file beside the database (or,
    # beside a PostgreSQL one, under instance/), which the workers of one host share.
    PAGE_CACHE = _flag("PAGE_CACHE", True)
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS") or 300)  # for what changes with the clock alone
    PAGE_CACHE_PATH = os.environ.get("PAGE_CACHE_PATH") or None
    # The store's caps: past either, the oldest answers are evicted. In Redis, a database of its own (by default
    # REDIS_URL's next index), never the login throttle's.
    PAGE_CACHE_MAX_ENTRIES = int(os.environ.get("PAGE_CACHE_MAX_ENTRIES") or 5000)
    PAGE_CACHE_MAX_BYTES = int(os.environ.get("PAGE_CACHE_MAX_BYTES") or 64 * 1024 * 1024)
    PAGE_CACHE_REDIS_URL = os.environ.get("PAGE_CACHE_REDIS_URL") or None
    # How many proxies in front set X-Forwarded-For (a TLS proxy: 1). 0: the header is never trusted, so a client
    # cannot pass for another address; a proxy left out would make every client its one address.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT") or 0)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True

    API_TITLE = "Portail communes–diaspora (Mali)"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"

    API_PER_PAGE_DEFAULT = 20
    API_PER_PAGE_MAX = 100

    # Mail: links in mails point at PUBLIC_URL; the outbox worker delivers through SendGrid when a key is set,
    # else it logs each mail (portal/notifications/).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Portail communes-diaspora <no-reply@portail.example.org>")
    SENDGRID_API_KEY = os.environ.get("SENDGRID_API_KEY") or None
    SENDGRID_API_HOST = os.environ.get("SENDGRID_API_HOST", "https://api.sendgrid.com")
    SENDGRID_TIMEOUT = float(os.environ.get("SENDGRID_TIMEOUT", "10"))  # seconds; the client has none by default
    OUTBOX_LEASE_SECONDS = 60  # a claimed message goes back to the queue if its worker says nothing for this long
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_BACKOFF_BASE_SECONDS = 30.0
    OUTBOX_BACKOFF_MAX_SECONDS = 3600.0
    OUTBOX_BATCH_SIZE = 20
    OUTBOX_KEEP_SENT_DAYS = 30  # then a sent mail's row is deleted (job outbox_expiry)
    WORKER_IDLE_SECONDS = 2.0
    RUN_SCHEDULED_JOBS = True  # whether `flask outbox work` and `jobs run-due` run SCHEDULED_JOBS (portal/cli/jobs.py)

    # Two-factor authentication (TOTP, portal/domain/two_factor.py): open to everyone; required of admins and
    # mediators when MFA_REQUIRED is on (on in production). The code is asked on a second step, which expires.
    MFA_REQUIRED = _flag("MFA_REQUIRED", False)
    MFA_PENDING_LIFETIME = timedelta(minutes=5)
    MFA_ISSUER = "Portail communes-diaspora"
    # Wrong codes an account may get in its window, from every address together (then its owner is mailed, and
    # every code, the right one too, waits for the window to pass), and per pending second step (then the
    # password is asked again).
    MFA_FAILURES_PER_ACCOUNT = "10 per hour"
    MFA_FAILURES_PER_STEP = 5
    # Fernet keys that encrypt the TOTP secrets, comma-separated, the newest first (it encrypts; every one
    # decrypts; `flask two-factor rotate-key` re-encrypts under the newest). Required in production.
    TOTP_ENCRYPTION_KEYS = os.environ.get("TOTP_ENCRYPTION_KEYS") or None
    # Idle timeouts of browser sessions, beside SESSION_LIFETIME: admins and mediators, everyone else. The last
    # time a session was seen is written at most once per SESSION_TOUCH_INTERVAL.
    IDLE_TIMEOUT_PRIVILEGED = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_PRIVILEGED_MINUTES") or 30))
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES") or 7 * 24 * 60))
    SESSION_TOUCH_INTERVAL = timedelta(minutes=2)
    # Open data (portal/domain/exports.py): who reports the IATI activities, and the licence of every export.
    IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "ML-MMEIA")
    IATI_REPORTING_ORG_TYPE = os.environ.get("IATI_REPORTING_ORG_TYPE", "10")  # IATI OrganisationType 10: government
    IATI_REPORTING_ORG_NAME = os.environ.get(
        "IATI_REPORTING_ORG_NAME", "Ministère des Maliens de l'Extérieur et de l'Intégration Africaine"
    )
    OPEN_DATA_LICENCE_NAME = os.environ.get("OPEN_DATA_LICENCE_NAME", "Creative Commons Attribution 4.0 (CC BY 4.0)")
    OPEN_DATA_LICENCE_URL = os.environ.get("OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/")


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    MFA_REQUIRED = _flag("MFA_REQUIRED", True)
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 (tests only)
    RATELIMIT_STORAGE_URI = "memory://"
    REDIS_URL = None  # the throttle's counters in the test database; the Redis tests set it
    PAGE_CACHE_REDIS_URL = None  # likewise
    PAGE_CACHE_MAX_ENTRIES = 100  # small, so that the suite evicts
    PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024
    ARGON2_PROFILE = "CHEAPEST"  # argon2 at full cost would spend most of the suite's time hashing
    WTF_CSRF_ENABLED = False  # tests that check CSRF switch it back on
    SENDGRID_API_KEY = None  # tests never reach SendGrid; the outbox tests point the client at a local stub
    RUN_SCHEDULED_JOBS = False  # tests run the jobs they test, with run_due_jobs(app, [job, …])
    AUDIT_ANCHOR_FILE = None  # tests that anchor give a file of their own
    MFA_REQUIRED = False  # the two-factor tests turn it on
    TOTP_ENCRYPTION_KEYS = "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg="


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def load_config(name: str | None = None) -> type[Config]:
    name = name or os.environ.get("PORTAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PORTAL_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


def finish_config(app) -> None:
    """Settings that depend on the environment at start-up, not at import."""
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _database_url()
    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production")
        app.config["SECRET_KEY"] = _local_secret_key()
    if app.config["ENV_NAME"] == "production" and not app.config.get("SENDGRID_API_KEY"):
        # Without it mails go to the log, links that act for people included: never on a server.
        raise RuntimeError("SENDGRID_API_KEY must be set in production: mails would otherwise be written to the log")
    if not app.config.get("TOTP_ENCRYPTION_KEYS"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError(
                "TOTP_ENCRYPTION_KEYS must be set in production (a Fernet key, kept out of the database)"
            )
        app.config["TOTP_ENCRYPTION_KEYS"] = _local_totp_key()
