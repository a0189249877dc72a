"""The settings the administrator's Settings page shows, in its groups and order.

An allowlist: a setting is shown only if it is named here, and only as its ``show``
function writes it, so a secret (SECRET_KEY, passwords, user names, the database's or
Redis's address, S3 buckets and credentials) can never reach the page by being added to
the configuration. Values that may carry credentials in a URL are reduced to what is safe
(the kind of database, whether Redis is set, a host name).

Where a setting is changed follows app/config.py: the names in ``ENV_SETTINGS`` and
``INT_SETTINGS`` may come from the environment, every other one only from
instance/config.py (and APP_ENV from the environment sets ENV).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import limits
from flask import current_app
from flask_babel import format_decimal, format_timedelta, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .. import config as app_config
from .. import reference

GROUPS = {
    "clock": _l("The clock"),
    "acknowledgements": _l("Acknowledgements"),
    "sign_in": _l("Sign-in"),
    "documents": _l("Documents"),
    "exchanges": _l("Register of exchanges"),
    "services": _l("Services"),
}

FROM_ENVIRONMENT = frozenset({*app_config.ENV_SETTINGS, *app_config.INT_SETTINGS})
SET_IN_ENVIRONMENT = _l("Environment or instance/config.py")
SET_IN_INSTANCE = _l("instance/config.py")
SET_IN_REGISTER_FILE = _l("The file named by EXCHANGE_REGISTER_PATH")

# Huge, so that a duration is written in the unit it was set in ("90 minutes", not "2 hours").
_SAME_UNIT = 10**9


# --- how values are written ------------------------------------------------------------


def business_days(value) -> str:
    return ngettext("%(num)d business day", "%(num)d business days", int(value))


def _duration(unit: str, seconds: int) -> Callable[[object], str]:
    def show(value) -> str:
        return format_timedelta(
            timedelta(seconds=int(value) * seconds),
            granularity=unit,
            threshold=_SAME_UNIT,
            add_direction=False,
        )

    return show


minutes = _duration("minute", 60)
hours = _duration("hour", 3600)
days = _duration("day", 86400)


def time_of_day(value) -> str:
    return gettext("%(time)s Japan time", time=value)


def text(value) -> str:
    return str(value) if value not in (None, "") else gettext("Not set")


def yes_no(value) -> str:
    return gettext("Yes") if value else gettext("No")


def size(value) -> str:
    """As the upload form states the limits (MB of 1,048,576 bytes), and exactly."""
    value = int(value)
    megabytes = value / (1024 * 1024)
    rounded = format_decimal(megabytes, "#,##0.#")
    return gettext(
        "%(size)s MB (%(bytes)s bytes)", size=rounded, bytes=format_decimal(value, "#,##0")
    )


def rate_limit(value) -> str:
    """A limit such as "5 per 15 minutes" in the page's language; as written when
    ``limits`` cannot read it."""
    try:
        item = limits.parse(str(value))
    except ValueError:
        return str(value)
    unit = item.GRANULARITY
    period = format_timedelta(
        timedelta(seconds=item.multiples * unit.seconds),
        granularity=unit.name,
        threshold=_SAME_UNIT,
        add_direction=False,
    )
    return ngettext(
        "%(num)d failed sign-in per %(period)s",
        "%(num)d failed sign-ins per %(period)s",
        item.amount,
        period=period,
    )


def web_address(value) -> str:
    """A URL without any user name or password it might carry."""
    if not value:
        return gettext("Not set")
    parts = urlsplit(str(value))
    if parts.username is None and parts.password is None:
        return str(value)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts._replace(netloc=host).geturl()


STORAGE_BACKENDS = {
    "local": _l("Files on this server (local)"),
    "s3": _l("S3-compatible object storage (s3)"),
}


def storage_backend(value) -> str:
    key = str(value or "local").strip().lower()
    return str(STORAGE_BACKENDS.get(key, key))


DATABASE_KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

ENVIRONMENTS = {
    "development": _l("Development (development)"),
    "production": _l("Production (production)"),
}


def environment(value) -> str:
    return str(ENVIRONMENTS.get(value, value))


# --- reading values that are not plain settings ------------------------------------------


def database_kind(config) -> str:
    """Only the kind of database: its address may hold a user name and a password."""
    try:
        backend = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    except (ArgumentError, ValueError):  # shown as unknown, never as itself
        return gettext("Unknown")
    return DATABASE_KINDS.get(backend, gettext("Unknown"))


def mail_server(config) -> str:
    """The host only (never a user name or password), or that mail goes to the log file."""
    server = str(config.get("MAIL_SERVER") or "").strip()
    if server in ("", "log"):
        return gettext("Not set: messages are written to the mail log file")
    return server.rpartition("@")[2]


# --- the catalogue --------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str  # as set in the environment or instance/config.py
    group: str
    meaning: object  # a lazy translated sentence
    show: Callable[[object], str] = text
    read: Callable[[object], object] | None = None  # default: config[name]
    set_in: object = None  # default: from FROM_ENVIRONMENT

    def value(self, config) -> str:
        raw = self.read(config) if self.read else config.get(self.name)
        return self.show(raw)

    def where(self) -> str:
        if self.set_in is not None:
            return str(self.set_in)
        return str(SET_IN_ENVIRONMENT if self.name in FROM_ENVIRONMENT else SET_IN_INSTANCE)


def _shown_as_is(value):
    return value


SETTINGS = (
    # The clock
    Setting(
        "REVIEW_BUSINESS_DAYS",
        "clock",
        _l("Review deadline: this many business days after the date of receipt."),
        business_days,
    ),
    Setting(
        "ADVANCE_BUSINESS_DAYS",
        "clock",
        _l("The planned start must be at least this many business days after submission."),
        business_days,
    ),
    Setting(
        "BUSINESS_DAY_END",
        "clock",
        _l("A notice received after this time counts from the next business day."),
        time_of_day,
    ),
    Setting(
        "INFORMATION_REPLY_BUSINESS_DAYS",
        "clock",
        _l("Reply-by date first proposed for an information request."),
        business_days,
    ),
    Setting(
        "INFORMATION_REPLY_MIN_BUSINESS_DAYS",
        "clock",
        _l("The earliest reply-by date an information request may set."),
        business_days,
    ),
    Setting(
        "REMINDER_BUSINESS_DAYS",
        "clock",
        _l("Reminders go this many business days before a reply-by date or a review deadline."),
        business_days,
    ),
    # Acknowledgements
    Setting(
        "ISSUER_NAME",
        "acknowledgements",
        _l("The issuer printed on every acknowledgement."),
    ),
    Setting(
        "PUBLIC_BASE_URL",
        "acknowledgements",
        _l("The start of the verification address printed on acknowledgements."),
        web_address,
    ),
    Setting(
        "DEMO",
        "acknowledgements",
        _l("A demonstration: acknowledgements and pages say so."),
        yes_no,
        set_in=_l("instance/config.py (in production: DEMO_IN_PRODUCTION)"),
    ),
    # Sign-in
    Setting(
        "SESSION_IDLE_MINUTES",
        "sign_in",
        _l("A session ends after this long without activity."),
        minutes,
    ),
    Setting(
        "SESSION_ABSOLUTE_HOURS",
        "sign_in",
        _l("A session ends this long after signing in, whatever the activity."),
        hours,
    ),
    Setting(
        "INVITATION_DAYS",
        "sign_in",
        _l("How long an invitation link works."),
        days,
    ),
    Setting(
        "PASSWORD_RESET_MINUTES",
        "sign_in",
        _l("How long a link to set a forgotten password works."),
        minutes,
    ),
    Setting(
        "LOGIN_LIMIT_PER_ACCOUNT",
        "sign_in",
        _l("Failed sign-ins allowed per account before sign-in is refused for a while."),
        rate_limit,
    ),
    Setting(
        "LOGIN_LIMIT_PER_ADDRESS",
        "sign_in",
        _l("Failed sign-ins allowed per client address before sign-in is refused for a while."),
        rate_limit,
    ),
    Setting(
        "TWO_FACTOR_STEP_MINUTES",
        "sign_in",
        _l("How long the code step waits after the password before starting over."),
        minutes,
    ),
    # Documents
    Setting(
        "MAX_ATTACHMENT_BYTES",
        "documents",
        _l("The largest document that may be uploaded."),
        size,
    ),
    Setting(
        "MAX_NOTICE_ATTACHMENT_BYTES",
        "documents",
        _l("The most all the documents of one notice may add up to."),
        size,
    ),
    Setting(
        "STORAGE_BACKEND",
        "documents",
        _l("Where uploaded documents and acknowledgements are kept."),
        storage_backend,
    ),
    # Services
    Setting(
        "DATABASE_URL",
        "services",
        _l("The kind of database (its address is not shown)."),
        _shown_as_is,
        read=database_kind,
    ),
    Setting(
        "REDIS_URL",
        "services",
        _l("Redis shares the sign-in limits between the server's processes."),
        yes_no,
        read=lambda config: bool(config.get("REDIS_URL")),
    ),
    Setting(
        "MAIL_SERVER",
        "services",
        _l("The mail server that sends the outbox (user name and password are not shown)."),
        _shown_as_is,
        read=mail_server,
    ),
    Setting(
        "APP_ENV",
        "services",
        _l("Production requires a secret key and secure cookies."),
        environment,
        read=lambda config: config.get("ENV"),
        set_in=_l("Environment (APP_ENV) or instance/config.py (ENV)"),
    ),
)


@dataclass(frozen=True)
class Row:
    name: str
    meaning: str
    value: str
    where: str
    is_setting_name: bool = True


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    rows: list[Row]


def exchange_register_rows(config) -> list[Row]:
    """The register of exchanges in use: its file name (never its folder), its stated
    source and date, and how many exchanges it lists."""
    path = config.get("EXCHANGE_REGISTER_PATH")
    file_name = Path(path or reference.DEFAULT_PATH).name
    where = str(SET_IN_REGISTER_FILE)
    rows = [
        Row(
            "EXCHANGE_REGISTER_PATH",
            gettext("The list of registered exchanges filers choose their clients from."),
            file_name if path else gettext("%(name)s (the sample shipped)", name=file_name),
            str(SET_IN_ENVIRONMENT),
        )
    ]
    try:
        stated = reference.reference_source(path)
        count = len(reference.load_exchanges(path))
    except reference.ReferenceDataError:
        # The message names the file's full path: logged for the operator, not shown.
        current_app.logger.exception("the exchange register cannot be read")
        rows.append(
            Row(
                gettext("State of the file"),
                gettext("Whether the file can be read."),
                gettext("The file cannot be read; the server log says why."),
                where,
                is_setting_name=False,
            )
        )
        return rows
    rows += [
        Row(
            gettext("Stated source"),
            gettext("Where the file says its list was taken from."),
            stated["source"],
            where,
            is_setting_name=False,
        ),
        Row(
            gettext("As of"),
            gettext("The date the file says its list was taken."),
            stated["as_of"],
            where,
            is_setting_name=False,
        ),
        Row(
            gettext("Entries"),
            gettext("How many exchanges the file lists."),
            format_decimal(count, "#,##0"),
            where,
            is_setting_name=False,
        ),
    ]
    return rows


def groups_in_force(config) -> list[Group]:
    """Every group of settings with the values now in force, in the page's language."""
    rows: dict[str, list[Row]] = {key: [] for key in GROUPS}
    for setting in SETTINGS:
        rows[setting.group].append(
            Row(setting.name, str(setting.meaning), setting.value(config), setting.where())
        )
    rows["exchanges"] = exchange_register_rows(config)
    return [Group(key, str(title), rows[key]) for key, title in GROUPS.items()]
