"""`make load`: 50 providers file at once while reviewers read the queue, on PostgreSQL and
on SQLite, against gunicorn with four workers and production settings.

    .venv/bin/python bench/load_run.py [--providers 50] [--reviewers 3] [postgresql sqlite]

For each database: a fresh one (PostgreSQL: registry_load; SQLite: a file in the work
folder), `flask db upgrade`, `flask demo load` (the reviewers), `flask demo seed` with one
seed provider per filer (each has user@seed-provider-NNNN.example.com, password
demo-password-2026). Each provider is a thread of its own with its own session: sign in,
then, all together, file one complete notice through HTTP (create, four sections, a client
from the register, a PDF attachment, the submit page, submit, the receipt page). Reviewer
threads read the queue for as long as the filings last.

Then the database is checked: every notice filed in the run has exactly one receipt number
and exactly one receipt acknowledgement; the numbers are unique; this year's numbers run
from 1 to the year's counter without a gap; the receipts equal the successful
submissions; no response was 5xx. Prints the counts and p50/p95 per request type; exits
non-zero when a check fails.
"""

import argparse
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _server  # noqa: E402
from bench._filing import FilingFailed, blank_pdf, file_notice, planned_date  # noqa: E402
from bench._session import Client, sign_in_provider, sign_in_staff  # noqa: E402

REVIEWERS = (
    "reviewer@fsa-demo.example.com",
    "reviewer2@fsa-demo.example.com",
    "supervisor@fsa-demo.example.com",
)


def prepare(kind: str, providers: int, work: Path) -> tuple[str, Path]:
    folder = work / f"load-{kind}"
    storage = folder / "files"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    storage.mkdir(parents=True)
    if kind == "postgresql":
        _server.recreate_postgres("registry_load")
        url = _server.postgres_url("registry_load")
    else:
        url = f"sqlite:///{folder / 'registry.db'}"
    env = _server.flask_env(url, storage)
    _server.flask(env, "db", "upgrade")
    _server.flask(env, "demo", "load")
    _server.flask(
        env, "demo", "seed", "--notices", str(providers), "--organisations", str(providers)
    )
    return url, storage


class Record:
    """Timings and statuses per request type, from every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timings = defaultdict(list)
        self.statuses = defaultdict(int)
        self.failures = []

    def add(self, kind, status, seconds):
        with self.lock:
            self.timings[kind].append(seconds)
            self.statuses[status] += 1


def run_once(kind, args) -> bool:
    print(f"\n== {kind}: {args.providers} providers filing, {args.reviewers} reviewers reading")
    url, storage = prepare(kind, args.providers, args.work_dir)
    before = _server.scalar(url, "SELECT count(*) FROM notices WHERE receipt_number IS NOT NULL")[0]
    server = _server.Gunicorn(
        _server.flask_env(url, storage), workers=4, log=storage.parent / "gunicorn.log"
    )
    record = Record()
    from app.reference import load_exchanges

    exchange = load_exchanges(None)[0].registration_number
    pdf, planned = blank_pdf(), planned_date()
    start_filing = threading.Barrier(args.providers + 1)
    filed = []  # (notice id, receipt number shown on the receipt page)
    filing_done = threading.Event()

    def provider(n):
        client = Client(server.url)
        try:
            response = sign_in_provider(client, f"user@seed-provider-{n:04d}.example.com")
            record.add("sign-in", response.status, response.seconds)
        except Exception as error:  # noqa: BLE001 - counted, not raised
            record.failures.append(f"provider {n} sign-in: {error}")
            start_filing.abort()
            return
        start_filing.wait()
        try:
            filing = file_notice(client, exchange=exchange, pdf=pdf, planned=planned)
        except FilingFailed as failure:
            filing = None
            record.failures.append(f"provider {n}: {failure}")
            record.add(
                failure.step.split(":")[0], failure.response.status, failure.response.seconds
            )
        if filing:
            for step, status, seconds in filing.steps:
                record.add(step.split(":")[0], status, seconds)
            with record.lock:
                filed.append((filing.notice_id, filing.receipt_number))

    def reviewer(email):
        client = Client(server.url)
        response = sign_in_staff(client, email)
        record.add("sign-in (staff)", response.status, response.seconds)
        pages = ("/review/", "/review/?status=all", "/review/?status=submitted")
        n = 0
        while not filing_done.is_set():
            response = client.get(pages[n % len(pages)])
            record.add("queue", response.status, response.seconds)
            n += 1

    providers = [threading.Thread(target=provider, args=(n,)) for n in range(1, args.providers + 1)]
    reviewers = [threading.Thread(target=reviewer, args=(e,)) for e in REVIEWERS[: args.reviewers]]
    try:
        for thread in providers + reviewers:
            thread.start()
        start_filing.wait()
        started = time.perf_counter()
        for thread in providers:
            thread.join()
        elapsed = time.perf_counter() - started
        filing_done.set()
        for thread in reviewers:
            thread.join()
    finally:
        filing_done.set()
        server.stop()
    return report(kind, url, record, filed, before, elapsed)


def report(kind, url, record, filed, before, elapsed) -> bool:
    one = _server.scalar
    ids = [notice_id for notice_id, _ in filed]
    year = datetime.now(UTC).year
    numbers = []
    receipts = 0
    for notice_id in ids:
        number, count = one(
            url,
            "SELECT n.receipt_number, (SELECT count(*) FROM acknowledgements a "
            "WHERE a.notice_id = n.id AND a.kind = 'receipt') FROM notices n WHERE n.id = %s",
            notice_id,
        )
        numbers.append(number)
        receipts += count == 1
    every = []
    pattern = re.compile(rf"AN-{year}-(\d{{6}})")
    for (number,) in _server.rows(
        url, "SELECT receipt_number FROM notices WHERE receipt_number LIKE %s", f"AN-{year}-%"
    ):
        every.append(int(pattern.fullmatch(number).group(1)))
    counter = one(url, "SELECT last_number FROM receipt_counters WHERE year = %s", year)[0]
    after = one(url, "SELECT count(*) FROM notices WHERE receipt_number IS NOT NULL")[0]
    server_errors = sum(n for status, n in record.statuses.items() if status >= 500)
    checks = {
        "every filed notice has a receipt number": all(numbers),
        "the receipt page showed that number": all(
            shown == number for (_, shown), number in zip(filed, numbers, strict=True)
        ),
        "each has exactly one receipt acknowledgement": receipts == len(ids),
        "receipt numbers are unique": len(set(every)) == len(every),
        f"{year}'s numbers run 1..{counter} without a gap": sorted(every)
        == list(range(1, counter + 1)),
        "new receipt numbers = successful submissions": after - before == len(ids),
        "no 5xx response": server_errors == 0,
        "no failed filing": not record.failures,
    }
    print(
        f"\n{kind}: {len(ids)} notices filed in {elapsed:.1f} s; receipts {receipts}; "
        f"new receipt numbers {after - before}; responses by status "
        f"{dict(sorted(record.statuses.items()))}"
    )
    print(f"{'request':<18} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, timings in sorted(record.timings.items()):
        ordered = sorted(timings)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(
            f"{name:<18} {len(ordered):>6} {statistics.median(ordered) * 1000:>8.0f} "
            f"{p95 * 1000:>8.0f} {ordered[-1] * 1000:>8.0f}"
        )
    for failure in record.failures[:10]:
        print(f"  failure: {failure}")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    return all(checks.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("databases", nargs="*", help="postgresql and/or sqlite (default: both)")
    parser.add_argument("--providers", type=int, default=50)
    parser.add_argument("--reviewers", type=int, default=3, choices=range(0, 4))
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "registry-bench"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    databases = args.databases or ["postgresql", "sqlite"]
    if set(databases) - {"postgresql", "sqlite"}:
        parser.error("the databases are postgresql and sqlite")
    results = {kind: run_once(kind, args) for kind in databases}
    print()
    for kind, ok in results.items():
        print(f"{kind}: {'all checks passed' if ok else 'CHECKS FAILED'}")
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
