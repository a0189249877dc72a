"""Time the review queue and count its SQL statements against the configured database.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench \
        .venv/bin/flask demo seed --notices 100000
    DATABASE_URL=... .venv/bin/python bench/review_queue.py

Signs in as the demo reviewer (run `flask demo load` first) and requests each queue
variant through the application in-process (no HTTP server: this isolates the
application's own cost); prints the median and p95 over the runs and the number of
SQL statements each request issued.
"""

import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event, func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp  # noqa: E402

from app import create_app  # noqa: E402
from app.demo.data import ACCOUNTS_BY_KEY, DEMO_PASSWORD, totp_secret  # noqa: E402
from app.extensions import db  # noqa: E402
from app.filing.models import Notice  # noqa: E402

RUNS = 30
PAGES = {
    "queue (default)": "/review/",
    "queue (all statuses)": "/review/?status=all",
    "queue (overdue)": "/review/?overdue=1",
    "queue (search)": "/review/?status=all&q=Seed",
    "queue (sort by provider)": "/review/?status=all&sort=provider",
}


REVIEWER = ACCOUNTS_BY_KEY["reviewer"]


def post_form(client, path, **fields):
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post(path, data={"csrf_token": token, **fields})


def main():
    app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = post_form(client, "/login", email=REVIEWER.email, password=DEMO_PASSWORD)
    if response.status_code != 302:
        raise SystemExit("sign-in failed: run `flask demo load` against this database first")
    # The second step, with the demo reviewer's published key (app/demo/data.py).
    response = post_form(client, "/login/code", code=pyotp.TOTP(totp_secret(REVIEWER)).now())
    if response.status_code != 302 or "/login" in response.location:
        raise SystemExit("the code step failed (a code works once: try again in 30 seconds)")
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Notice))
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    print(f"{total:,} notices in {engine.dialect.name}")
    print(f"{'page':28} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, url in PAGES.items():
        timings = []
        for _ in range(RUNS):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{name:28} {statistics.median(timings):10.1f} {p95:8.1f} {len(statements):8d}")


if __name__ == "__main__":
    main()
