"""The permission grid: every route and method, as every role, with the status it must get.

Rows are (endpoint, method); columns are the seven roles of DOMAIN.md "Who uses it":
a guest, provider A's user and admin, provider B (a provider user of another
organisation), a reviewer, a supervisor and an administrator. URLs carry provider A's
objects (see permission_scenario.py), so provider B's column says what another
organisation gets: 404, the same page as for an id that does not exist.

A route added without a row fails ``test_every_route_has_a_row_and_every_row_a_route``,
and so does a row whose route is gone. A POST-only route has a GET row of 405s: state
changes are never GET.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import event

from app.accounts.access import PUBLIC_ENDPOINTS
from app.extensions import db
from tests.permission_scenario import TARGETS, Scenario, quick_acknowledgements  # noqa: F401

ROLES = ("guest", "a_user", "a_admin", "b", "reviewer", "supervisor", "admin")
PEOPLE = {
    "a_user": "provider_a_user",
    "a_admin": "provider_a_admin",
    "b": "provider_b",
    "reviewer": "reviewer",
    "supervisor": "supervisor",
    "admin": "administrator",
}


def row(guest, a_user, a_admin, b, reviewer, supervisor, admin) -> dict[str, int]:
    return dict(zip(ROLES, (guest, a_user, a_admin, b, reviewer, supervisor, admin), strict=True))


NOT_GET = row(405, 405, 405, 405, 405, 405, 405)

# fmt: off
GRID = {
    #                                                        provider A   FSA staff system
    #                                                 guest user admin B   rev  sup admin
    # --- public -----------------------------------------------------------------------
    ("static", "GET"):                             row(200, 200, 200, 200, 200, 200, 200),
    ("core.index", "GET"):                         row(200, 302, 302, 302, 302, 302, 302),
    ("core.set_language", "POST"):                 row(302, 302, 302, 302, 302, 302, 302),
    ("core.set_language", "GET"):                  NOT_GET,
    ("core.healthz", "GET"):                       row(200, 200, 200, 200, 200, 200, 200),
    ("core.readyz", "GET"):                        row(200, 200, 200, 200, 200, 200, 200),
    ("accounts.login", "GET"):                     row(200, 302, 302, 302, 302, 302, 302),
    ("accounts.login", "POST"):                    row(200, 302, 302, 302, 302, 302, 302),
    ("accounts.login_code", "GET"):                row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.login_code", "POST"):               row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.login_enrol", "GET"):               row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.login_enrol", "POST"):              row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.register", "GET"):                  row(200, 302, 302, 302, 302, 302, 302),
    ("accounts.register", "POST"):                 row(200, 302, 302, 302, 302, 302, 302),
    ("accounts.accept_invitation", "GET"):         row(404, 404, 404, 404, 404, 404, 404),
    ("accounts.accept_invitation", "POST"):        row(404, 404, 404, 404, 404, 404, 404),
    # Signed in, one changes one's password on the account page instead.
    ("accounts.forgot_password", "GET"):           row(200, 302, 302, 302, 302, 302, 302),
    ("accounts.forgot_password", "POST"):          row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.reset_password", "GET"):            row(404, 302, 302, 302, 302, 302, 302),
    ("accounts.reset_password", "POST"):           row(404, 302, 302, 302, 302, 302, 302),
    ("public.register", "GET"):                    row(200, 200, 200, 200, 200, 200, 200),
    ("public.register_csv", "GET"):                row(200, 200, 200, 200, 200, 200, 200),
    ("public.register_json", "GET"):               row(200, 200, 200, 200, 200, 200, 200),
    ("acknowledgements.verify", "GET"):            row(200, 200, 200, 200, 200, 200, 200),
    ("acknowledgements.verify_upload", "POST"):    row(200, 200, 200, 200, 200, 200, 200),
    ("acknowledgements.verify_upload", "GET"):     NOT_GET,
    # --- any signed-in person ---------------------------------------------------------
    ("accounts.logout", "POST"):                   row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.logout", "GET"):                    NOT_GET,
    ("accounts.extend_session", "POST"):           row(302, 200, 200, 200, 200, 200, 200),
    ("accounts.extend_session", "GET"):            NOT_GET,
    ("accounts.account", "GET"):                   row(302, 200, 200, 200, 200, 200, 200),
    ("accounts.end_other_sessions", "POST"):       row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.end_other_sessions", "GET"):        NOT_GET,
    ("accounts.change_password", "GET"):           row(302, 200, 200, 200, 200, 200, 200),
    ("accounts.change_password", "POST"):          row(302, 200, 200, 200, 200, 200, 200),
    # Staff are enrolled: the set-up page sends them back to their account page.
    ("accounts.two_factor", "GET"):                row(302, 200, 200, 200, 302, 302, 302),
    ("accounts.two_factor", "POST"):               row(302, 200, 200, 200, 302, 302, 302),
    ("accounts.two_factor_off", "POST"):           row(302, 302, 302, 302, 403, 403, 403),
    ("accounts.two_factor_off", "GET"):            NOT_GET,
    # Providers here have no second factor: back to their account page.
    ("accounts.replace_recovery_codes", "GET"):    row(302, 302, 302, 302, 200, 200, 200),
    ("accounts.replace_recovery_codes", "POST"):   row(302, 302, 302, 302, 422, 422, 422),
    ("activity.own", "GET"):                       row(302, 200, 200, 200, 200, 200, 200),
    # --- the provider's organisation --------------------------------------------------
    ("accounts.organisation", "GET"):              row(302, 200, 200, 200, 403, 403, 403),
    ("accounts.organisation", "POST"):             row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.organisation_two_factor", "POST"):  row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.organisation_two_factor", "GET"):   NOT_GET,
    ("accounts.organisation_users", "GET"):        row(302, 200, 200, 200, 403, 403, 403),
    ("accounts.invite", "GET"):                    row(302, 403, 200, 403, 403, 403, 403),
    ("accounts.invite", "POST"):                   row(302, 403, 200, 403, 403, 403, 403),
    ("accounts.reset_colleague_two_factor", "POST"): row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.reset_colleague_two_factor", "GET"):  NOT_GET,
    ("accounts.set_colleague_active", "POST"):     row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.set_colleague_active", "GET"):      NOT_GET,
    ("accounts.set_colleague_role", "POST"):       row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.set_colleague_role", "GET"):        NOT_GET,
    ("accounts.withdraw_invitation", "POST"):      row(302, 403, 302, 403, 403, 403, 403),
    ("accounts.withdraw_invitation", "GET"):       NOT_GET,
    # Answers with the new link on the page, not in a redirect (never in the session).
    ("accounts.resend_invitation", "POST"):        row(302, 403, 200, 403, 403, 403, 403),
    ("accounts.resend_invitation", "GET"):         NOT_GET,
    ("activity.organisation", "GET"):              row(302, 403, 200, 403, 403, 403, 403),
    # --- the administrator ------------------------------------------------------------
    ("accounts.staff_users", "GET"):               row(302, 403, 403, 403, 403, 403, 200),
    ("accounts.staff_users", "POST"):              row(302, 403, 403, 403, 403, 403, 302),
    ("accounts.set_user_active", "POST"):          row(302, 403, 403, 403, 403, 403, 302),
    ("accounts.set_user_active", "GET"):           NOT_GET,
    ("accounts.reset_staff_two_factor", "POST"):   row(302, 403, 403, 403, 403, 403, 302),
    ("accounts.reset_staff_two_factor", "GET"):    NOT_GET,
    ("activity.everyone", "GET"):                  row(302, 403, 403, 403, 403, 403, 200),
    ("settings.index", "GET"):                     row(302, 403, 403, 403, 403, 403, 200),
    # --- filing: provider A's notices -------------------------------------------------
    ("filing.dashboard", "GET"):                   row(302, 200, 200, 200, 403, 403, 403),
    ("filing.new_notice", "GET"):                  row(302, 200, 200, 200, 403, 403, 403),
    ("filing.new_notice", "POST"):                 row(302, 302, 302, 302, 403, 403, 403),
    ("filing.show", "GET"):                        row(302, 200, 200, 404, 403, 403, 403),
    ("filing.edit", "GET"):                        row(302, 200, 200, 404, 403, 403, 403),
    ("filing.section", "GET"):                     row(302, 200, 200, 404, 403, 403, 403),
    ("filing.section", "POST"):                    row(302, 302, 302, 404, 403, 403, 403),
    ("filing.add_client", "POST"):                 row(302, 302, 302, 404, 403, 403, 403),
    ("filing.add_client", "GET"):                  NOT_GET,
    ("filing.add_subcontractor", "POST"):          row(302, 302, 302, 404, 403, 403, 403),
    ("filing.add_subcontractor", "GET"):           NOT_GET,
    ("filing.add_certification", "POST"):          row(302, 302, 302, 404, 403, 403, 403),
    ("filing.add_certification", "GET"):           NOT_GET,
    ("filing.remove_item", "POST"):                row(302, 302, 302, 404, 403, 403, 403),
    ("filing.remove_item", "GET"):                 NOT_GET,
    ("filing.upload_attachment", "POST"):          row(302, 302, 302, 404, 403, 403, 403),
    ("filing.upload_attachment", "GET"):           NOT_GET,
    ("filing.download_attachment", "GET"):         row(302, 200, 200, 404, 403, 403, 403),
    ("filing.remove_attachment", "POST"):          row(302, 302, 302, 404, 403, 403, 403),
    ("filing.remove_attachment", "GET"):           NOT_GET,
    ("filing.submit", "GET"):                      row(302, 200, 200, 404, 403, 403, 403),
    ("filing.submit", "POST"):                     row(302, 303, 303, 404, 403, 403, 403),
    ("filing.receipt", "GET"):                     row(302, 200, 200, 404, 403, 403, 403),
    ("filing.delete", "POST"):                     row(302, 302, 302, 404, 403, 403, 403),
    ("filing.delete", "GET"):                      NOT_GET,
    ("filing.withdraw", "GET"):                    row(302, 200, 200, 404, 403, 403, 403),
    ("filing.withdraw", "POST"):                   row(302, 303, 303, 404, 403, 403, 403),
    ("filing.respond", "POST"):                    row(302, 303, 303, 404, 403, 403, 403),
    ("filing.respond", "GET"):                     NOT_GET,
    ("filing.file_again", "POST"):                 row(302, 303, 303, 404, 403, 403, 403),
    ("filing.file_again", "GET"):                  NOT_GET,
    ("acknowledgements.provider_download", "GET"): row(302, 200, 200, 404, 403, 403, 403),
    # --- review: FSA staff ------------------------------------------------------------
    ("review.queue", "GET"):                       row(302, 403, 403, 403, 200, 200, 403),
    ("review.overview", "GET"):                    row(302, 403, 403, 403, 403, 200, 403),
    ("review.notice", "GET"):                      row(302, 403, 403, 403, 200, 200, 403),
    ("review.download_attachment", "GET"):         row(302, 403, 403, 403, 200, 200, 403),
    ("acknowledgements.staff_download", "GET"):    row(302, 403, 403, 403, 200, 200, 403),
    ("review.take", "POST"):                       row(302, 403, 403, 403, 303, 303, 403),
    ("review.take", "GET"):                        NOT_GET,
    ("review.assign", "POST"):                     row(302, 403, 403, 403, 403, 303, 403),
    ("review.assign", "GET"):                      NOT_GET,
    ("review.request_information", "POST"):        row(302, 403, 403, 403, 303, 303, 403),
    ("review.request_information", "GET"):         NOT_GET,
    ("review.propose_decision", "POST"):           row(302, 403, 403, 403, 303, 303, 403),
    ("review.propose_decision", "GET"):            NOT_GET,
    ("review.confirm_decision", "POST"):           row(302, 403, 403, 403, 403, 303, 403),
    ("review.confirm_decision", "GET"):            NOT_GET,
    ("review.send_back", "POST"):                  row(302, 403, 403, 403, 403, 303, 403),
    ("review.send_back", "GET"):                   NOT_GET,
    ("review.note", "POST"):                       row(302, 403, 403, 403, 303, 303, 403),
    ("review.note", "GET"):                        NOT_GET,
}
# fmt: on


@dataclass(frozen=True)
class Bug:
    """A cell the app gets wrong today: the status it gives, why that is wrong, and on
    which databases (None: all)."""

    today: int
    reason: str
    backend: str | None = None


REFUSED_AS_CONFLICT = (
    "BUG: a reviewer lacks the supervisor's right to {}, yet gets 409 Conflict instead of "
    "403 Forbidden: review/operations.py refuses the person with ActionRefused, a "
    "TransitionRefused, which views answer as a state conflict"
)
SESSION_SELF_LOCK = (
    "BUG: on SQLite, POST /session/extend waits for itself and ends in a bare 500 after "
    "busy_timeout (30 s, twice): sessions.touch() writes through a second connection "
    "(db.engine.begin(), BEGIN IMMEDIATE) while the request's own session holds the "
    "write lock it took with BEGIN IMMEDIATE"
)

# Such a row xfails once every other cell of it holds; it fails as soon as a bug's cell
# is right (remove the entry) or changes again.
KNOWN_BUGS: dict = {}

PUBLIC = {
    "static",
    "core.index",
    "core.set_language",
    "core.healthz",
    "core.readyz",
    "accounts.login",
    "accounts.login_code",
    "accounts.login_enrol",
    "accounts.register",
    "accounts.accept_invitation",
    "accounts.forgot_password",
    "accounts.reset_password",
    "public.register",
    "public.register_csv",
    "public.register_json",
    "acknowledgements.verify",
    "acknowledgements.verify_upload",
}


def routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the URL map allows, plus GET for routes that lack it."""
    pairs = set()
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        pairs |= {(rule.endpoint, method) for method in methods}
        pairs.add((rule.endpoint, "GET"))
    return pairs


def test_every_route_has_a_row_and_every_row_a_route(app):
    pairs = routes(app)
    assert sorted(pairs - GRID.keys()) == [], "routes without a row in GRID"
    assert sorted(GRID.keys() - pairs) == [], "rows in GRID for routes that no longer exist"
    assert {endpoint for endpoint, _ in GRID} == TARGETS.keys()


def test_state_changing_routes_refuse_get(app):
    """A route without GET answers 405 to everyone, so no link or prefetch changes state."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            assert GRID[(rule.endpoint, "GET")] == NOT_GET, rule.endpoint


def test_the_login_allowlist_is_the_public_routes(app):
    assert PUBLIC_ENDPOINTS == PUBLIC
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints >= PUBLIC


@pytest.fixture
def short_lock_wait(app):
    """On SQLite, give up on a lock after a quarter of a second instead of the app's 30 s.

    The grid sends one request at a time, so no request should ever wait for a lock; one
    that does is waiting for itself (see KNOWN_BUGS) and would otherwise hang 30 s twice.
    """
    if db.engine.dialect.name != "sqlite":
        yield
        return

    def shorten(dbapi_connection, record, proxy):
        dbapi_connection.execute("PRAGMA busy_timeout = 250")

    event.listen(db.engine, "checkout", shorten)
    yield
    event.remove(db.engine, "checkout", shorten)


@pytest.fixture
def clients(app, auth, people):
    signed_in = {"guest": app.test_client()}
    for role, person in PEOPLE.items():
        signed_in[role] = app.test_client()
        auth.login(signed_in[role], getattr(people, person))
    return signed_in


@dataclass
class Answer:
    url: str
    status_code: int
    location: str | None = None
    text: str = ""
    error: Exception | None = None


def send(client, method, endpoint, target) -> Answer:
    with client.application.test_request_context():
        url = url_for(endpoint, **target.values)
    data = target.payload() if method == "POST" else None
    try:
        # Buffered: the streamed CSV and JSON are read inside the request's own context.
        response = client.open(url, method=method, data=data, buffered=True)
    except Exception as error:
        # The app failed even to render its error page: the test app raises, where
        # production answers a bare 500.
        return Answer(url, 500, text=repr(error), error=error)
    with response:
        text = response.get_data().decode("utf-8", "replace")
        return Answer(url, response.status_code, response.location, text)


def error_page(answer: Answer) -> str:
    """The page without what differs from one request to the next."""
    text = answer.text.replace(answer.url, "{url}")
    text = re.sub(r'(data-csrf="|name="csrf_token" value=")[^"]*', r"\1-", text)
    return re.sub(r"Incident reference: \w+", "Incident reference: -", text)


def login_path(app):
    with app.test_request_context():
        return url_for("accounts.login")


@pytest.mark.usefixtures("quick_acknowledgements", "short_lock_wait")
@pytest.mark.parametrize(
    ("endpoint", "method"), sorted(GRID), ids=[f"{e} {m}" for e, m in sorted(GRID)]
)
def test_permission(app, people, clients, endpoint, method):
    expected = GRID[(endpoint, method)]
    scenario = Scenario(people)
    if expected != NOT_GET:  # a 405 is decided by routing, before any row is read
        scenario.build()
    make_target = TARGETS[endpoint]
    target = make_target(scenario)
    actual, crashes = {}, {}
    # Refused roles first, so that what they must not change is still there to refuse;
    # after any request that succeeded, a fresh target for the next role.
    for role in sorted(ROLES, key=lambda r: expected[r] < 400):
        response = send(clients[role], method, endpoint, target)
        actual[role] = response.status_code
        if response.error is not None:
            crashes[role] = f" ({response.error!r:.200})"
        if role == "guest" and endpoint not in PUBLIC and expected[role] == 302:
            assert urlsplit(response.location).path == login_path(app), response.location
        if role == "b" and expected[role] == 404 == response.status_code:
            missing = send(clients[role], method, endpoint, target.missing())
            assert missing.status_code == 404
            assert error_page(response) == error_page(missing), "B can tell A's ids exist"
        if method != "GET" and role != "guest" and response.status_code < 400:
            target = make_target(scenario)

    backend = db.engine.dialect.name
    bugs = {
        role: bug
        for role in ROLES
        if (bug := KNOWN_BUGS.get((endpoint, method, role))) and bug.backend in (None, backend)
    }
    wrong = {
        role: f"expected {expected[role]}, got {actual[role]}{crashes.get(role, '')}"
        for role in ROLES
        if actual[role] != expected[role] and role not in bugs
    }
    assert wrong == {}
    for role, bug in bugs.items():
        assert actual[role] != expected[role], f"fixed: remove {role} from KNOWN_BUGS"
        assert actual[role] == bug.today, f"{role}: now {actual[role]}, KNOWN_BUGS: {bug.today}"
    if bugs:
        pytest.xfail(" / ".join(sorted({bug.reason for bug in bugs.values()})))
