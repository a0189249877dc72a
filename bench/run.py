"""`make bench`: the registry under load, over HTTP, with production settings.

    .venv/bin/python bench/run.py 1k 100k        # make bench
    .venv/bin/python bench/run.py 1m             # make bench-1m (seeding takes a while)

For each size: a PostgreSQL database of its own (registry_bench_<size>, dropped and made
again unless --reuse finds it already seeded), `flask db upgrade`, `flask demo load`,
`flask demo seed --notices N`; then gunicorn with deploy/gunicorn.conf.py, APP_ENV=production,
a generated SECRET_KEY and a temporary storage folder, on loopback (2 sync workers: the
machine has 2 cores, and a request is CPU or database work, never long waits).

Each page is loaded with wrk (installed with apt-get when missing) for --duration seconds
over --connections connections, with the session cookie of a person signed in through
HTTP. The ceiling is /healthz of the same server: it reads nothing (no session, no
database), so it measures gunicorn, Flask and the middleware alone. The register's CSV
(every accepted notice, streamed) and a full submission (draft, sections, client, PDF
attachment, submit with its receipt PDF, receipt page) are timed with a Python loop
instead. Worker memory is the workers' summed VmRSS from /proc before and after each page,
and, with --memory-requests, after 1,000 and after N requests of a mix of pages.

Prints one markdown table and writes it, with the raw figures, to bench/results/
(git-ignored); results of earlier sizes are kept there, so the 1M run is compared with
the 1k run for the targets.
"""

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _server  # noqa: E402
from bench._filing import FilingFailed, blank_pdf, file_notice, planned_date  # noqa: E402
from bench._session import Client, sign_in_provider, sign_in_staff  # noqa: E402

SIZES = {"1k": 1_000, "100k": 100_000, "1m": 1_000_000}
RESULTS = _server.ROOT / "bench" / "results"
DEMO_PROVIDER = "admin@demo-custody.example.com"  # has stored receipts; files the submissions
REVIEWER = "reviewer@fsa-demo.example.com"


# --- data ------------------------------------------------------------------------------


def prepare(label: str, count: int, work: Path, reuse: bool) -> tuple[str, Path]:
    name = f"registry_bench_{label}"
    url = _server.postgres_url(name)
    storage = work / label / "files"
    marker = work / label / "seeded"
    if reuse and marker.exists() and marker.read_text().strip() == url:
        try:
            seeded = _server.scalar(url, "SELECT count(*) FROM notices")[0]
        except Exception:  # noqa: BLE001 - missing database: build it
            seeded = 0
        if seeded >= count:
            print(f"{label}: reusing {name} ({seeded:,} notices); migrating it", flush=True)
            env = _server.flask_env(url, storage)
            _server.flask(env, "db", "upgrade")
            _server.flask(env, "demo", "load")  # idempotent; enrols staff added since
            return url, storage
    print(f"{label}: building {name} with {count:,} notices", flush=True)
    shutil.rmtree(work / label, ignore_errors=True)
    storage.mkdir(parents=True)
    _server.recreate_postgres(name)
    env = _server.flask_env(url, storage)
    _server.flask(env, "db", "upgrade")
    _server.flask(env, "demo", "load")
    started = time.perf_counter()
    _server.flask(env, "demo", "seed", "--notices", str(count), "--seed", "1")
    print(f"{label}: seeded in {time.perf_counter() - started:.0f} s", flush=True)
    marker.write_text(url)
    return url, storage


def facts(url: str) -> dict:
    """Ids and a deep cursor to build the page addresses from."""
    from app.paging import encode_cursor
    from app.reference import load_exchanges

    one = _server.scalar
    total = one(url, "SELECT count(*) FROM notices")[0]
    filed = one(url, "SELECT count(*) FROM notices WHERE status <> 'draft'")[0]
    middle = one(
        url,
        "SELECT id FROM notices WHERE status <> 'draft' ORDER BY id OFFSET %s LIMIT 1",
        filed // 2,
    )[0]
    deep_at, deep_id = one(
        url,
        "SELECT submitted_at, id FROM notices WHERE status <> 'draft' "
        "ORDER BY submitted_at DESC, id DESC OFFSET %s LIMIT 1",
        filed // 2,
    )
    ack_id, ack_notice = one(
        url,
        "SELECT a.id, a.notice_id FROM acknowledgements a JOIN notices n ON n.id = a.notice_id "
        "JOIN users u ON u.organisation_id = n.organisation_id WHERE u.email = %s "
        "ORDER BY a.id LIMIT 1",
        DEMO_PROVIDER,
    )
    # The dashboard of the seed provider that files most (about 2% of all notices), so
    # that even at 1,000 notices its page is not empty.
    (provider,) = one(
        url,
        "SELECT u.email FROM users u JOIN notices n ON n.organisation_id = u.organisation_id "
        "WHERE u.email LIKE 'user@seed-provider-%%' GROUP BY u.email "
        "ORDER BY count(n.id) DESC, u.email LIMIT 1",
    )
    # Halfway down that provider's dashboard (most recently changed first), for its deep page.
    dash_at, dash_id = one(
        url,
        "SELECT n.updated_at, n.id FROM notices n JOIN users u ON u.organisation_id = "
        "n.organisation_id WHERE u.email = %s ORDER BY n.updated_at DESC, n.id DESC "
        "OFFSET (SELECT count(*) / 2 FROM notices n2 JOIN users u2 ON u2.organisation_id = "
        "n2.organisation_id WHERE u2.email = %s) LIMIT 1",
        provider,
        provider,
    )
    exchange = load_exchanges(None)[0]
    return {
        "notices": total,
        "provider": provider,
        "middle_notice": middle,
        "deep_cursor": encode_cursor(deep_at, deep_id),
        "dashboard_cursor": encode_cursor(dash_at, dash_id),
        "ack": (ack_notice, ack_id),
        "exchange": exchange.registration_number,
    }


# --- measuring -------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: apt-get install -y wrk", flush=True)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)  # noqa: S607
    return shutil.which("wrk")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, cookie: str, duration: int, connections: int) -> dict:
    command = [ensure_wrk(), "--latency", "-t", "1", "-c", str(connections)]
    command += ["-d", f"{duration}s", "--timeout", "30s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    latency = {
        p: float(v) * UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    requests = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "requests": int(requests.group(1)) if requests else 0,
        "errors": int(non_ok.group(1)) if non_ok else 0,
        "socket_errors": "Socket errors" in output,
    }


def table_rows(response) -> int | None:
    """Rows of the page's table body: a list showing 2 rows and one showing 50 are not
    the same work, so the table says how many each page showed."""
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return None
    return response.text.count("<tr") - response.text.count("<thead")


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def python_load(make_request, duration: float, connections: int, at_least: int = 3) -> dict:
    """Each of ``connections`` threads repeats ``make_request(index)`` for ``duration`` s
    (and at least ``at_least`` times); status not 2xx/3xx counts as an error."""
    timings, errors = [], []
    started = time.perf_counter()

    def run(index):
        done = 0
        while done < at_least or time.perf_counter() - started < duration:
            seconds, ok = make_request(index)
            timings.append(seconds)
            if not ok:
                errors.append(1)
            done += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "rps": len(timings) / elapsed,
        "p50": statistics.median(timings) * 1000,
        "p99": percentile(timings, 0.99) * 1000,
        "requests": len(timings),
        "errors": len(errors),
    }


def page_list(known: dict, *, provider, demo, staff) -> list[tuple]:
    """(name, path, signed-in client or None) of each page the bench loads with wrk."""
    ack_notice, ack_id = known["ack"]
    return [
        ("ceiling: /healthz", "/healthz", None),
        ("sign-in page", "/login", None),
        ("provider dashboard", "/notices/", provider),
        (
            "provider dashboard (deep page)",
            f"/notices/?after={known['dashboard_cursor']}",
            provider,
        ),
        ("queue (default)", "/review/", staff),
        ("queue (filtered: all, overdue)", "/review/?status=all&overdue=1", staff),
        # A system name of the seed (about 9% of the notices), and a rare one: the demo
        # data's second provider, with three notices in the queue at every size (this
        # tool's own submissions, below, are the first provider's).
        ("queue (searched)", "/review/?status=all&q=Cold+Vault", staff),
        ("queue (searched, a rare name)", "/review/?status=all&q=Example+Vault", staff),
        (
            "queue (deep page)",
            f"/review/?status=all&sort=received&after={known['deep_cursor']}",
            staff,
        ),
        ("staff notice view", f"/review/notices/{known['middle_notice']}", staff),
        ("public register", "/register", None),
        (
            "receipt PDF download",
            f"/notices/{ack_notice}/acknowledgements/{ack_id}",
            demo,
        ),
    ]


def measure_size(label, count, args, memory_requests) -> dict:
    url, storage = prepare(label, count, args.work_dir, args.reuse)
    known = facts(url)
    env = _server.flask_env(url, storage)
    log = args.work_dir / label / "gunicorn.log"
    server = _server.Gunicorn(env, workers=args.workers, threads=args.threads, log=log)
    rows = []
    try:
        provider, demo, staff = (Client(server.url) for _ in range(3))
        sign_in_provider(provider, known["provider"])
        sign_in_provider(demo, DEMO_PROVIDER)
        sign_in_staff(staff, REVIEWER)
        pages = page_list(known, provider=provider, demo=demo, staff=staff)
        for name, path, who in pages:
            check = (who or Client(server.url)).get(path)
            if check.status != 200:
                print(f"  ! {name}: {path} answers {check.status}", flush=True)
            shown = table_rows(check)
            before = server.worker_rss_mb()
            figures = wrk(
                server.url + path,
                who.cookie_header() if who else "",
                args.duration,
                args.connections,
            )
            figures["shown"] = shown
            rows.append(row(name, known, figures, before, server.worker_rss_mb()))
            print_row(rows[-1])

        before = server.worker_rss_mb()
        csv_clients = [Client(server.url) for _ in range(args.connections)]

        sizes = []

        def download_csv(i):
            response = csv_clients[i].get("/register.csv")
            sizes.append(len(response.body))
            return response.seconds, response.status == 200

        figures = python_load(download_csv, args.duration, args.connections, at_least=1)
        figures["bytes"] = max(sizes)
        rows.append(row("public register CSV", known, figures, before, server.worker_rss_mb()))
        print_row(rows[-1])

        rows.extend(submissions(server, known, args))
        if memory_requests:
            rows.append(memory_run(server, known, pages, args))
            print_row(rows[-1])
    finally:
        server.stop()
    return {
        "label": label,
        "notices": known["notices"],
        "rows": rows,
        "workers": args.workers,
        "threads": args.threads,
        "duration": args.duration,
        "connections": args.connections,
    }


def submissions(server, known, args) -> list[dict]:
    """Full filings, one after another, by the demo provider; and the submit POST alone."""
    client = Client(server.url)
    sign_in_provider(client, DEMO_PROVIDER)
    pdf, planned = blank_pdf(), planned_date()
    flows, submits, errors = [], [], 0
    before = server.worker_rss_mb()
    started = time.perf_counter()
    for _ in range(args.submissions):
        flow_started = time.perf_counter()
        try:
            filing = file_notice(client, exchange=known["exchange"], pdf=pdf, planned=planned)
        except FilingFailed as failure:
            errors += 1
            print(f"  ! submission failed at {failure.step}: HTTP {failure.response.status}")
            continue
        flows.append(time.perf_counter() - flow_started)
        submits.append(next(s for step, _, s in filing.steps if step == "submit"))
    elapsed = time.perf_counter() - started
    after = server.worker_rss_mb()
    result = []
    for name, timings in (
        ("full submission (11 requests)", flows),
        ("submit POST (receipt PDF rendered)", submits),
    ):
        if not timings:
            continue
        figures = {
            "rps": len(timings) / elapsed if name.startswith("full") else None,
            "p50": statistics.median(timings) * 1000,
            "p99": percentile(timings, 0.99) * 1000,
            "requests": len(timings),
            "errors": errors,
        }
        result.append(row(name, known, figures, before, after, ceiling=False))
        print_row(result[-1])
    return result


def memory_run(server, known, pages, args) -> dict:
    """The workers' memory after 1,000 and after N requests of the signed-in pages."""
    anonymous = Client(server.url)
    mix = [(path, who or anonymous) for name, path, who in pages if path != "/healthz"]
    clients = [Client(server.url) for _ in range(args.connections)]
    for client in clients:
        client.cookies = {}
    count = {"n": 0, "errors": 0}
    lock = threading.Lock()
    marks = {}
    timings = []

    def run(index):
        client = clients[index]
        while True:
            with lock:
                n = count["n"]
                if n >= args.memory_requests:
                    return
                count["n"] += 1
                if n == 1000:
                    marks["at_1000"] = server.worker_rss_mb()
                if n % 5000 == 0:
                    marks[n] = [round(kib / 1024, 1) for kib in server.worker_rss_kib()]
            path, who = mix[n % len(mix)]
            client.cookies = dict(who.cookies)
            response = client.get(path)
            timings.append(response.seconds)
            if response.status != 200:
                count["errors"] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(args.connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    figures = {
        "rps": len(timings) / elapsed,
        "p50": statistics.median(timings) * 1000,
        "p99": percentile(timings, 0.99) * 1000,
        "requests": len(timings),
        "errors": count["errors"],
    }
    marks[args.memory_requests] = [round(kib / 1024, 1) for kib in server.worker_rss_kib()]
    print(f"  each worker's RSS (MiB) after n requests: {marks}", flush=True)
    figures["samples"] = {str(k): v for k, v in marks.items() if k != "at_1000"}
    return row(
        f"memory run: {args.memory_requests:,} requests, the pages above in turn",
        known,
        figures,
        marks.get("at_1000", 0.0),
        server.worker_rss_mb(),
        ceiling=False,
    )


def row(name, known, figures, before, after, ceiling=True) -> dict:
    return {
        "page": name,
        "notices": known["notices"],
        **figures,
        "rss_before": before,
        "rss_after": after,
        "vs_ceiling": ceiling,
    }


# --- the table -------------------------------------------------------------------------


def fmt(value, pattern="{:,.0f}"):
    return "—" if value is None else pattern.format(value)


def print_row(r):
    errors = f"  ({r['errors']} errors)" if r.get("errors") else ""
    print(
        f"  {r['page']:<44} {fmt(r['rps'], '{:,.1f}'):>8} req/s  p50 {fmt(r['p50'], '{:.1f}')}"
        f" ms  p99 {fmt(r['p99'], '{:.1f}')} ms{errors}",
        flush=True,
    )


def table(results: list[dict]) -> str:
    lines = [
        "| page | notices | rows shown | req/s | p50 ms | p99 ms | vs ceiling "
        "| RSS MiB before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        ceiling = result["rows"][0]["rps"]
        for r in result["rows"]:
            ratio = r["rps"] / ceiling if r["vs_ceiling"] and r["rps"] else None
            errors = f" ({r['errors']} non-2xx)" if r.get("errors") else ""
            if r.get("bytes"):
                errors += f", {r['bytes'] / 1e6:.1f} MB"
            lines.append(
                f"| {r['page']}{errors} | {r['notices']:,} | {fmt(r.get('shown'))} | "
                f"{fmt(r['rps'], '{:,.1f}')} | "
                f"{fmt(r['p50'], '{:.1f}')} | {fmt(r['p99'], '{:.1f}')} | "
                f"{fmt(ratio, '{:.0%}')} | {r['rss_before']:.0f} → {r['rss_after']:.0f} |"
            )
    return "\n".join(lines)


def targets(by_label: dict) -> list[str]:
    """The issue's targets, checked against the results at hand."""
    lines = []

    def find(label, page):
        rows = by_label.get(label, {}).get("rows", [])
        return next((r for r in rows if r["page"] == page), None)

    def verdict(ok):
        return "met" if ok else "NOT met"

    if "1k" in by_label and "1m" in by_label:
        for r in by_label["1m"]["rows"]:
            # Pages; not the CSV, which is every accepted notice and grows with them.
            if r["page"].startswith(("queue", "provider dashboard", "public register")) and (
                "CSV" not in r["page"]
            ):
                small = find("1k", r["page"])
                if small and small["p50"]:
                    factor = r["p50"] / small["p50"]
                    shown = f"{fmt(small.get('shown'))} → {fmt(r.get('shown'))} rows shown"
                    middle = find("100k", r["page"])
                    if (
                        small.get("shown") != r.get("shown")
                        and middle
                        and (middle.get("shown") == r.get("shown"))
                    ):
                        # Fewer rows at 1k is less work, not a sign of scale: say how the
                        # page does from 100k to 1M, where it shows as many.
                        shown += f"; 1M/100k at equal rows: {r['p50'] / middle['p50']:.2f}×"
                    lines.append(
                        f"- {r['page']}: p50 at 1M is {factor:.2f}× its p50 at 1k "
                        f"({shown}; target ≤ 1.3×): {verdict(factor <= 1.3)}"
                    )
    for label in by_label:
        csv = find(label, "public register CSV")
        if csv and csv.get("bytes"):
            lines.append(
                f"- register CSV at {label} (every accepted notice, streamed; not a page): "
                f"{csv['bytes'] / 1e6:.1f} MB in {csv['p50'] / 1000:.1f} s, "
                f"worker memory {csv['rss_before']:.0f} → {csv['rss_after']:.0f} MiB"
            )
    if "100k" in by_label:
        queue, ceiling = find("100k", "queue (default)"), by_label["100k"]["rows"][0]
        if queue:
            share = queue["rps"] / ceiling["rps"]
            lines.append(
                f"- queue at 100k: {share:.0%} of the ceiling (target ≥ 40%): "
                f"{verdict(share >= 0.4)}"
            )
    for label, result in by_label.items():
        ceiling = result["rows"][0]
        download = find(label, "receipt PDF download")
        if download:
            share = download["rps"] / ceiling["rps"]
            lines.append(
                f"- receipt download at {label}: {share:.0%} of the ceiling "
                f"(target ≥ 80%): {verdict(share >= 0.8)}"
            )
        flow = find(label, "full submission (11 requests)")
        submit = find(label, "submit POST (receipt PDF rendered)")
        if flow and submit:
            lines.append(
                f"- submission at {label}: whole flow p50 {flow['p50']:.0f} ms, submit POST "
                f"with its PDF p50 {submit['p50']:.0f} ms (target < 150 ms): "
                f"{verdict(submit['p50'] < 150)}"
            )
        memory = next((r for r in result["rows"] if r["page"].startswith("memory run")), None)
        if memory and memory["rss_before"]:
            growth = memory["rss_after"] / memory["rss_before"] - 1
            lines.append(
                f"- worker memory at {label}: {memory['rss_before']:.0f} → "
                f"{memory['rss_after']:.0f} MiB from request 1,000 to "
                f"{memory['requests']:,} ({growth:+.1%}; target within 10%): "
                f"{verdict(abs(growth) <= 0.10)}"
            )
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="+", choices=SIZES)
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--submissions", type=int, default=20)
    parser.add_argument(
        "--memory-requests", type=int, default=20_000, help="0 skips the memory run"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a database this tool seeded before, if it is complete",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "registry-bench"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    for number, label in enumerate(args.sizes):
        # The memory run takes minutes: once per invocation, at the first size.
        memory_requests = args.memory_requests if number == 0 else 0
        result = measure_size(label, SIZES[label], args, memory_requests)
        (RESULTS / f"{label}.json").write_text(json.dumps(result, indent=1))
    by_label = {
        label: json.loads((RESULTS / f"{label}.json").read_text())
        for label in SIZES
        if (RESULTS / f"{label}.json").exists()
    }
    setup = next(iter(by_label.values()))
    text = (
        f"gunicorn, {setup['workers']} sync workers, APP_ENV=production, PostgreSQL; wrk "
        f"{setup['connections']} connections × {setup['duration']} s per page\n\n"
        + table(list(by_label.values()))
        + "\n\nTargets:\n\n"
        + "\n".join(targets(by_label))
        + "\n"
    )
    (RESULTS / "table.md").write_text(text)
    print()
    print(text)
    print(f"written to {RESULTS / 'table.md'}")


if __name__ == "__main__":
    main()
