"""The administrator's Settings page: every setting in force, what it means and where it
is changed, read-only, and never a secret."""

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import make_url

from app import reference
from app.accounts.models import Role
from app.domain import calendar
from app.extensions import db
from tests.conftest import BACKEND, delete_all_rows
from tests.factories import make_user
from tests.test_accounts import url

JA = {"Accept-Language": "ja"}


def rows(response) -> dict[str, list[str]]:
    """Each table row of the page, keyed by its row heading, as the text of its cells."""
    assert response.status_code == 200
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", response.text, flags=re.S):
        cells = re.findall(r"<t([hd])[^>]*>(.*?)</t\1>", row, flags=re.S)
        texts = [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", c).split())) for _, c in cells]
        if re.search(r'<th scope="row"', row):
            found[texts[0]] = texts[1:]
    return found


def headings(response) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", h).strip())
        for h in re.findall(r"<h2 id=\"settings-[^>]*>(.*?)</h2>", response.text, flags=re.S)
    ]


@pytest.fixture
def in_june_2026(monkeypatch):
    """Today is 1 June 2026 in Japan: the page lists 2026 and 2027."""
    monkeypatch.setattr(calendar, "utcnow", lambda: datetime(2026, 6, 1, 3, 0, tzinfo=UTC))


@pytest.fixture
def administrator(client, login, people):
    login(client, people.administrator)
    return client


def test_the_administrator_sees_every_group_and_the_values_in_force(app, administrator):
    app.config.update(
        REVIEW_BUSINESS_DAYS=25,
        INFORMATION_REPLY_MIN_BUSINESS_DAYS=1,
        BUSINESS_DAY_END="16:30",
        SESSION_IDLE_MINUTES=45,
        LOGIN_LIMIT_PER_ACCOUNT="3 per 10 minutes",
        MAX_ATTACHMENT_BYTES=10 * 1024 * 1024,
        ISSUER_NAME="Test Issuing Bureau",
        DEMO=False,
        MAIL_SERVER="smtp.fsa.example.jp",
    )
    page = administrator.get(url("settings.index"))
    shown = rows(page)

    assert headings(page) == [
        "The clock",
        "Days the FSA is closed",
        "Acknowledgements",
        "Sign-in",
        "Documents",
        "Register of exchanges",
        "Services",
    ]
    assert shown["REVIEW_BUSINESS_DAYS"][0] == "25 business days"
    assert shown["ADVANCE_BUSINESS_DAYS"][0] == "40 business days"
    assert shown["INFORMATION_REPLY_MIN_BUSINESS_DAYS"][0] == "1 business day"
    assert shown["BUSINESS_DAY_END"][0] == "16:30 Japan time"
    assert shown["SESSION_IDLE_MINUTES"][0] == "45 minutes"
    assert shown["SESSION_ABSOLUTE_HOURS"][0] == "12 hours"
    assert shown["INVITATION_DAYS"][0] == "7 days"
    assert shown["LOGIN_LIMIT_PER_ACCOUNT"][0] == "3 failed sign-ins per 10 minutes"
    assert shown["MAX_ATTACHMENT_BYTES"][0] == "10 MB (10,485,760 bytes)"
    assert shown["MAX_NOTICE_ATTACHMENT_BYTES"][0] == "100 MB (104,857,600 bytes)"
    assert shown["STORAGE_BACKEND"][0] == "Files on this server (local)"
    assert shown["ISSUER_NAME"][0] == "Test Issuing Bureau"
    assert shown["DEMO"][0] == "No"
    assert shown["DATABASE_URL"][0] == {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[BACKEND]
    assert shown["REDIS_URL"][0] == "No"
    assert shown["MAIL_SERVER"][0] == "smtp.fsa.example.jp"
    assert shown["APP_ENV"][0] == "Development (development)"
    # Where each is changed, as app/config.py reads them.
    assert shown["REVIEW_BUSINESS_DAYS"][2] == "Environment or instance/config.py"
    assert shown["BUSINESS_DAY_END"][2] == "instance/config.py"
    # A meaning for every setting.
    assert all(cells[1] for cells in shown.values() if len(cells) == 3)


def test_the_page_says_where_settings_are_changed_and_that_deadlines_stay(administrator):
    text = " ".join(administrator.get(url("settings.index")).text.split())
    assert "set by the operator in the server's environment or in instance/config.py" in text
    assert "take effect when the application restarts" in text
    assert "Configuration section of the README" in text
    assert "Deadlines already set on notices do not change" in text
    # Read-only: nothing on the page itself to send.
    assert "<form" not in text.split("<main")[1]


def test_the_register_of_exchanges_in_use_is_described(administrator):
    shown = rows(administrator.get(url("settings.index")))

    assert shown["EXCHANGE_REGISTER_PATH"][0] == "exchanges.csv (the sample shipped)"
    assert shown["Stated source"][0].startswith("SAMPLE DATA")
    assert shown["As of"][0] == reference.reference_source()["as_of"]
    assert shown["Entries"][0] == str(len(reference.load_exchanges()))


def test_a_register_that_cannot_be_read_is_said_so_without_its_folder(app, administrator, tmp_path):
    app.config["EXCHANGE_REGISTER_PATH"] = str(tmp_path / "hidden-folder-x7" / "register.csv")
    page = administrator.get(url("settings.index"))
    shown = rows(page)

    assert shown["EXCHANGE_REGISTER_PATH"][0] == "register.csv"
    assert shown["State of the file"][0] == "The file cannot be read; the server log says why."
    assert "hidden-folder-x7" not in page.text


def test_the_days_the_fsa_is_closed_this_year_and_next(administrator, in_june_2026):
    shown = rows(administrator.get(url("settings.index")))

    assert shown["January 11, 2027"] == ["Monday", "Coming of Age Day （成人の日）"]
    assert shown["May 6, 2026"] == ["Wednesday", "Substitute Holiday （振替休日）"]
    assert shown["September 22, 2026"][1].startswith("National Holiday")
    assert shown["December 29, 2026"] == ["Tuesday", "Year-end and New Year holidays"]
    assert shown["January 1, 2027"][1].startswith("New Year's Day")
    # Weekends are not listed (2 January 2027 is a Saturday), nor other years.
    assert "January 2, 2027" not in shown
    assert not [day for day in shown if day.endswith(("2025", "2028"))]
    # Exactly the weekdays the clock does not count.
    listed = {datetime.strptime(day, "%B %d, %Y").date() for day in shown if day[-4:].isdigit()}
    # 17 + 16 holidays on weekdays, 29 to 31 December twice, Friday 2 January 2026.
    assert len(listed) == 17 + 16 + 3 + 3 + 1
    assert not any(calendar.is_business_day(day) for day in listed)


def test_the_page_in_japanese(administrator, people, in_june_2026):
    people.administrator.locale = "ja"
    db.session.commit()
    page = administrator.get(url("settings.index"), headers=JA)
    shown = rows(page)

    assert '<html lang="ja">' in page.text
    assert shown["2027年1月11日"] == ["月曜日", "成人の日"]
    assert shown["2026年5月6日"] == ["水曜日", "振替休日"]
    assert "Coming of Age Day" not in page.text
    assert shown["SESSION_IDLE_MINUTES"][0] == "30 分"
    assert shown["SESSION_ABSOLUTE_HOURS"][0] == "12 時間"
    assert "職員アカウント" in page.text  # the navigation, from the catalog


def test_the_administrator_finds_it_in_the_navigation(client, login, people):
    login(client, people.administrator)
    assert f'href="{url("settings.index")}"' in client.get(url("accounts.staff_users")).text


@pytest.mark.parametrize(
    "person", ["provider_a_user", "provider_a_admin", "reviewer", "supervisor"]
)
def test_no_one_else_may_see_it(client, login, people, person):
    login(client, getattr(people, person))
    assert client.get(url("settings.index")).status_code == 403
    assert f'href="{url("settings.index")}"' not in client.get(url("accounts.account")).text


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(url("settings.index"))
    assert response.status_code == 302
    assert response.location.startswith(url("accounts.login"))


# --- never a secret ---------------------------------------------------------------------

SECRETS = {
    "SECRET_KEY": "sk-leak-8c1f0e6a9b2d",
    "MAIL_USERNAME": "mailuser-leak-41",
    "MAIL_PASSWORD": "mailpass-leak-42",
    "DATABASE_URL": "postgresql+psycopg://dbuser-leak-43:dbpass-leak-44@db-leak-45.internal/x",
    "S3_BUCKET": "bucket-leak-46",
    "S3_ENDPOINT_URL": "https://s3user-leak-47:s3pass-leak-48@s3-leak-49.internal",
    "S3_PREFIX": "prefix-leak-50/",
    "PUBLIC_BASE_URL": "https://urluser-leak-51:urlpass-leak-52@registry.example.jp",
    "MAIL_SERVER": "smtpuser-leak-53:smtppass-leak-54@smtp.example.jp",
    "TOTP_ISSUER": "issuer-leak-55",
}


def _with_a_password(database_url: str) -> str:
    """The test database's address with a password in it, where the server takes any
    (PostgreSQL here trusts local connections); SQLite has none."""
    address = make_url(database_url)
    if address.get_backend_name() == "postgresql" and address.password is None:
        address = address.set(password="pgpass-leak-56")
    return address.render_as_string(hide_password=False)


@pytest.fixture
def secret_app(make_app, database_url):
    app = make_app(**SECRETS, SQLALCHEMY_DATABASE_URI=_with_a_password(database_url))
    # Set after start-up: at start REDIS_URL would become the rate-limit storage.
    app.config["REDIS_URL"] = "redis://redisuser-leak-57:redispass-leak-58@redis-leak-59:6379/0"
    with app.app_context():
        yield app
        db.session.remove()
        delete_all_rows()


def test_no_secret_reaches_the_page(secret_app, auth):
    admin = make_user(Role.ADMINISTRATOR)
    db.session.commit()
    client = secret_app.test_client()
    auth.login(client, admin)

    page = client.get(url("settings.index"))
    shown = rows(page)

    leaks = set(re.findall(r"[a-z0-9]+-leak-\d+", page.text))
    assert leaks == set()
    password = make_url(secret_app.config["SQLALCHEMY_DATABASE_URI"]).password
    if password:
        assert password not in page.text
    assert "redis://" not in page.text and "postgresql+psycopg" not in page.text
    # What is shown instead: the kind, yes or no, the host, the address without its login.
    assert shown["DATABASE_URL"][0] in ("SQLite", "PostgreSQL")
    assert shown["REDIS_URL"][0] == "Yes"
    assert shown["MAIL_SERVER"][0] == "smtp.example.jp"
    assert shown["PUBLIC_BASE_URL"][0] == "https://registry.example.jp"
