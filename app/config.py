"""Configuration: defaults here, then instance/config.py, then environment variables."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ENV_SETTINGS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "STORAGE_PATH",
    "STORAGE_BACKEND",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_PREFIX",
    "MAIL_SERVER",
    "REDIS_URL",
    "ISSUER_NAME",
    "PUBLIC_BASE_URL",
    "EXCHANGE_REGISTER_PATH",
    "MAIL_SENDER",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_LOG_PATH",
    "TRUSTED_HOSTS",
    "LOGIN_LIMIT_PER_ACCOUNT",
    "LOGIN_LIMIT_PER_ADDRESS",
    "RATELIMIT_KEY_PREFIX",
)
INT_SETTINGS = (
    "REVIEW_BUSINESS_DAYS",
    "ADVANCE_BUSINESS_DAYS",
    "INFORMATION_REPLY_BUSINESS_DAYS",
    "INFORMATION_REPLY_MIN_BUSINESS_DAYS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_NOTICE_ATTACHMENT_BYTES",
    "INVITATION_DAYS",
    "PASSWORD_RESET_MINUTES",
    "MAIL_PORT",
    "MAIL_TIMEOUT",
    "MAIL_MAX_ATTEMPTS",
    "SESSION_IDLE_MINUTES",
    "SESSION_ABSOLUTE_HOURS",
    "TWO_FACTOR_STEP_MINUTES",
    "WORKER_POLL_SECONDS",
    "REMINDER_BUSINESS_DAYS",
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
)


class Defaults:
    ENV = "development"
    SQLALCHEMY_DATABASE_URI = None  # instance/registry.db unless DATABASE_URL is set
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    REVIEW_BUSINESS_DAYS = 20
    ADVANCE_BUSINESS_DAYS = 40
    INFORMATION_REPLY_BUSINESS_DAYS = 10
    INFORMATION_REPLY_MIN_BUSINESS_DAYS = 5  # the earliest reply-by date a request may set
    # Reminders (`flask reminders send`, and the worker daily): this many business days
    # before a reply-by date or a review deadline, and once a deadline has passed.
    REMINDER_BUSINESS_DAYS = 3
    BUSINESS_DAY_END = "17:00"
    MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
    MAX_NOTICE_ATTACHMENT_BYTES = 100 * 1024 * 1024
    # One upload per request plus the form around it.
    MAX_CONTENT_LENGTH = 21 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    INVITATION_DAYS = 7
    # How long a link to set a new password works (it works once).
    PASSWORD_RESET_MINUTES = 60
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    # How long the code step waits after the password step before starting over.
    TWO_FACTOR_STEP_MINUTES = 5
    # The name authenticator apps show beside the account.
    TOTP_ISSUER = "Advance Notice Registry"
    STORAGE_BACKEND = "local"
    STORAGE_PATH = None  # instance/files
    # STORAGE_BACKEND = "s3": the bucket, and for S3-compatible servers their address.
    # Credentials come from the standard AWS_* environment variables (or a role), never here.
    S3_BUCKET = ""
    S3_ENDPOINT_URL = ""
    S3_REGION = ""
    S3_PREFIX = ""  # e.g. "registry/" to share a bucket
    EXCHANGE_REGISTER_PATH = None  # the shipped sample list
    ISSUER_NAME = "金融庁（デモ） / Financial Services Agency (demonstration)"
    DEMO = True
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    MAIL_SENDER = "registry@example.invalid"
    # Outbox delivery (app/mail/sender.py). MAIL_SERVER empty or "log": append each message
    # to MAIL_LOG_PATH (instance/mail.log) instead of sending it; empty is refused in production.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USE_TLS = False  # STARTTLS; from the environment: 1/0, true/false, yes/no, on/off
    MAIL_USE_SSL = False  # SMTP over TLS from the first byte (port 465)
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_TIMEOUT = 30  # seconds, per SMTP operation
    MAIL_MAX_ATTEMPTS = 8  # then the message stays unsent with a final last_error
    MAIL_RETRY_BASE_SECONDS = 60  # back-off: base x 2^(attempts - 1), capped below
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_LOG_PATH = None  # instance/mail.log
    # Behind a reverse proxy: how many proxies' X-Forwarded-For / -Proto / -Host to trust
    # (werkzeug's ProxyFix). 0, the default, ignores the headers: a client could forge them.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    WORKER_POLL_SECONDS = 10  # `flask worker`: the sleep when nothing is due
    PAGE_SIZE = 50
    PDF_RENDER_TIMEOUT = 20.0
    PASSWORD_HASH = "scrypt"  # noqa: S105 - the name of a hash method, not a password
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Limits on views (the public verification page) let a request through, and log
    # it, when their storage fails; sign-in falls back to per-process counts instead.
    RATELIMIT_SWALLOW_ERRORS = True
    # Host names (and ".example.jp" for every subdomain) that requests may name in their
    # Host header; any other gets 400. From the environment: comma-separated. None (the
    # default outside production) accepts any host; production without it accepts only
    # the host of PUBLIC_BASE_URL.
    TRUSTED_HOSTS = None
    # Failed sign-ins (wrong password or code) allowed per account and per client address;
    # see app/accounts/throttle.py. Syntax of the `limits` package.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    # Keys in the shared rate-limit storage start with this (one Redis, several instances).
    RATELIMIT_KEY_PREFIX = "registry"


def load(app, test_config=None):
    """Apply defaults, the instance file, the environment, then a test mapping."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_SETTINGS:
        if name in os.environ:
            app.config[name] = os.environ[name]
    for name in INT_SETTINGS:
        if name in os.environ:
            app.config[name] = int(os.environ[name])
    if os.environ.get("APP_ENV"):
        app.config["ENV"] = os.environ["APP_ENV"]
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    if app.config.get("DATABASE_URL") and not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'registry.db'}"
    if app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        # Redis down or unreachable: answer within a second, as a StorageError that
        # app/accounts/throttle.py and RATELIMIT_SWALLOW_ERRORS deal with, not a 500.
        app.config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS",
            {"wrap_exceptions": True, "socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        )
    if not app.config["STORAGE_PATH"]:
        app.config["STORAGE_PATH"] = str(instance / "files")
    if app.config["ENV"] == "production":
        app.config["DEMO"] = app.config.get("DEMO_IN_PRODUCTION", False)
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    _trusted_hosts(app)
    _secret_key(app, instance)


def _trusted_hosts(app):
    hosts = app.config.get("TRUSTED_HOSTS")
    if isinstance(hosts, str):
        hosts = [host.strip() for host in hosts.split(",") if host.strip()] or None
    if hosts is None and app.config["ENV"] == "production":
        hosts = [urlsplit(app.config["PUBLIC_BASE_URL"]).hostname]
    app.config["TRUSTED_HOSTS"] = hosts


def _secret_key(app, instance: Path):
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV"] == "production":
        raise RuntimeError(
            "SECRET_KEY is not set. In production set the SECRET_KEY environment variable "
            "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    # Development: generate once and keep it in the instance folder, which git ignores.
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()
