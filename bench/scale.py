"""`make bench-scale`: each list page at two sizes, loaded in alternation, for the 1.3× target.

    .venv/bin/python bench/scale.py                      # 1k against 1m
    .venv/bin/python bench/scale.py --large 100k --rounds 3

`bench/run.py` measures one size after the other, minutes apart; on a shared machine whose
speed drifts, a page that reads no data at all can be 1.5 times slower in the second
phase than in the first, which hides (or fakes) how a page grows with its data. Here
both databases (built by `bench/run.py`'s own `prepare`, reused when already seeded) are
served at once by two gunicorn servers with the production settings, and each page is
loaded with wrk at one size and straight after at the other, for --rounds rounds of
--duration seconds, the order turning each round (small, large; large, small; ...). Only
one server is loaded at a time, so each has the machine to itself while it is measured.

For each page it prints the median p50 at each size and the median of the rounds'
ratios (large / small, each from two back-to-back measurements). The sign-in page and
/healthz read no data: their ratios show what is left of the machine's drift.
"""

import argparse
import json
import signal
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _server  # noqa: E402
from bench._session import Client, sign_in_provider, sign_in_staff  # noqa: E402
from bench.run import (  # noqa: E402
    DEMO_PROVIDER,
    RESULTS,
    REVIEWER,
    SIZES,
    facts,
    fmt,
    page_list,
    prepare,
    table_rows,
    wrk,
)

TARGET = 1.3
CONTROLS = ("ceiling: /healthz", "sign-in page")
# The pages the target names: queue, dashboard and register pages (not the CSV, which
# is every accepted notice and grows with them; not a notice or a download).
COMPARED = ("provider dashboard", "queue", "public register")


class Site:
    """One size: its database, its server and its signed-in clients."""

    def __init__(self, label: str, args):
        self.label = label
        url, storage = prepare(label, SIZES[label], args.work_dir, reuse=True)
        self.known = facts(url)
        env = _server.flask_env(url, storage)
        log = args.work_dir / label / "gunicorn-scale.log"
        self.server = _server.Gunicorn(env, workers=args.workers, log=log)
        provider, demo, staff = (Client(self.server.url) for _ in range(3))
        sign_in_provider(provider, self.known["provider"])
        sign_in_provider(demo, DEMO_PROVIDER)
        sign_in_staff(staff, REVIEWER)
        self.pages = {
            name: (path, who)
            for name, path, who in page_list(self.known, provider=provider, demo=demo, staff=staff)
            if name in CONTROLS or name.startswith(COMPARED)
        }

    def rows_shown(self, name: str):
        path, who = self.pages[name]
        response = (who or Client(self.server.url)).get(path)
        if response.status != 200:
            raise SystemExit(f"{self.label}: {name} ({path}) answers {response.status}")
        return table_rows(response)

    def p50(self, name: str, args) -> float:
        path, who = self.pages[name]
        cookie = who.cookie_header() if who else ""
        figures = wrk(self.server.url + path, cookie, args.duration, args.connections)
        if figures["errors"] or figures["socket_errors"]:
            raise SystemExit(f"{self.label}: {name} gave errors: {figures}")
        return figures["p50"]


def compare(name: str, small: Site, large: Site, args) -> dict:
    shown = (small.rows_shown(name), large.rows_shown(name))
    rounds = []
    for number in range(args.rounds):
        order = (small, large) if number % 2 == 0 else (large, small)
        measured = {site.label: site.p50(name, args) for site in order}
        rounds.append((measured[small.label], measured[large.label]))
    result = {
        "page": name,
        "shown": shown,
        "rounds": rounds,
        "small_p50": statistics.median(s for s, _ in rounds),
        "large_p50": statistics.median(b for _, b in rounds),
        "ratio": statistics.median(b / s for s, b in rounds),
        "control": name in CONTROLS,
    }
    print(
        f"  {name:<36} {fmt(shown[0]):>3} → {fmt(shown[1]):>3} rows   "
        f"p50 {result['small_p50']:.1f} → {result['large_p50']:.1f} ms   "
        f"{result['ratio']:.2f}×  (rounds: " + ", ".join(f"{b / s:.2f}" for s, b in rounds) + ")",
        flush=True,
    )
    return result


def report(results: list[dict], small: str, large: str, args) -> str:
    lines = [
        f"{small} against {large} notices, served at once by two gunicorn servers "
        f"({args.workers} sync workers each, APP_ENV=production, PostgreSQL); wrk "
        f"{args.connections} connections, {args.rounds} rounds × {args.duration} s per page "
        "and size, the order turning each round.",
        "",
        f"| page | rows shown | p50 ms at {small} | p50 ms at {large} | "
        f"{large} / {small} (median of rounds) | target ≤ {TARGET}× |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        verdict = (
            "(control: reads no data)"
            if r["control"]
            else ("met" if r["ratio"] <= TARGET else "NOT met")
        )
        lines.append(
            f"| {r['page']} | {fmt(r['shown'][0])} → {fmt(r['shown'][1])} | "
            f"{r['small_p50']:.1f} | {r['large_p50']:.1f} | {r['ratio']:.2f}× | {verdict} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", choices=SIZES, default="1k")
    parser.add_argument("--large", choices=SIZES, default="1m")
    parser.add_argument("--rounds", type=int, default=6, help="even, so each order is used")
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "registry-bench"
    )
    args = parser.parse_args()
    if args.small == args.large:
        parser.error("--small and --large must differ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    sites = []
    try:
        for label in (args.small, args.large):
            sites.append(Site(label, args))
        small, large = sites
        print(f"\n{small.label} against {large.label}, {args.rounds} rounds:", flush=True)
        results = [compare(name, small, large, args) for name in small.pages]
    finally:
        for site in sites:
            site.server.stop()
    text = report(results, args.small, args.large, args)
    stem = f"scale-{args.small}-{args.large}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=1))
    (RESULTS / f"{stem}.md").write_text(text)
    print()
    print(text)
    print(f"written to {RESULTS / (stem + '.md')}")


if __name__ == "__main__":
    main()
