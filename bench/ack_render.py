"""Benchmark of acknowledgement rendering: warm time per PDF and memory over many.

Run from the project root:  .venv/bin/python bench/ack_render.py [--renders 1000]

Prints the median (and quartiles) of 50 warm renders of a typical two-page receipt
after 5 warm-up renders, in wall-clock and in CPU time, then the process RSS after
100 and after N renders.
Targets: median < 40 ms; RSS after 1,000 within 10 % of RSS after 100.

With --instructions it counts instead the instructions of one warm render with valgrind
(about a minute): a figure that a busy or shared machine does not change, for comparing
two versions of the templates.
"""

import argparse
import concurrent.futures
import hashlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.acknowledgements.codes import new_verification_code  # noqa: E402
from app.acknowledgements.render import render_acknowledgement  # noqa: E402

WARM_UP = 5
TIMED = 50


def typical_receipt(serial: int) -> dict:
    number = f"AN-2026-{serial:06d}"
    code = new_verification_code()
    attachments = [
        {
            "name": name,
            "category": category,
            "size": size,
            "sha256": hashlib.sha256(f"{serial}:{name}".encode()).hexdigest(),
        }
        for name, category, size in (
            ("system-architecture.pdf", "system_architecture", 2_318_004),
            ("penetration-test-2025.pdf", "security_assessment", 884_120),
            ("iso27001-certificate.pdf", "certification", 120_552),
        )
    ]
    notice = {"receipt_number": number, "attachments": attachments}
    notice_json = json.dumps(notice, sort_keys=True, separators=(",", ":")).encode()
    return {
        "kind": "receipt",
        "issuer": "金融庁 Financial Services Agency",
        "demo": False,
        "receipt_number": number,
        "received_at": datetime(2026, 3, 2, 1, 15, tzinfo=UTC),
        "issued_at": datetime(2026, 3, 2, 1, 16, tzinfo=UTC),
        "provider": {
            "name_ja": "株式会社サンプルカストディ",
            "name_en": "Sample Custody K.K.",
            "corporate_number": "7010001000000",
            "lei": None,
            "country": "JP",
        },
        "system": {"name": "Custody Core", "version": "4.2.1"},
        "notice_type": {"ja": "新規", "en": "New service"},
        "planned_date": date(2026, 5, 1),
        "attachments": attachments,
        "fingerprint": hashlib.sha256(notice_json).hexdigest(),
        "content_version": 1,
        "verification_code": code,
        "verification_url": f"https://registry.example.jp/verify?number={number}&code={code}",
        "notice_json": notice_json,
    }


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def _instructions(renders: int) -> int:
    """Instructions valgrind counts for this script's process making 1 + renders PDFs."""
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            shutil.which("valgrind"),
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--only-render",
            str(renders),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count from valgrind:\n{result.stderr[-2000:]}")
    return int(match[1])


def count_instructions(warm: int = 3) -> None:
    """Per warm render: the difference between a process making 1 + warm PDFs and one
    making 1 (imports, fonts and the first render cancel out), divided by warm."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian package valgrind)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        base, more = pool.map(_instructions, (0, warm))
    per_render = (more - base) / warm
    print(f"instructions per warm render (valgrind, {warm} renders): {per_render / 1e9:.3f} G")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=1000, help="renders for the memory run")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions per warm render with valgrind instead (slow, but the same "
        "figure on a busy or a quiet machine)",
    )
    parser.add_argument("--only-render", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only_render is not None:
        # Under valgrind: the first render (fonts), then N warm ones; no deadline.
        for serial in range(args.only_render + 1):
            render_acknowledgement(typical_receipt(serial), timeout=3600)
        return
    if args.instructions:
        count_instructions()
        return

    started = time.perf_counter()
    render_acknowledgement(typical_receipt(0))
    print(f"first render (fonts registered): {(time.perf_counter() - started) * 1000:.0f} ms")

    for serial in range(1, WARM_UP):
        render_acknowledgement(typical_receipt(serial))
    times, cpu_times = [], []
    for serial in range(WARM_UP, WARM_UP + TIMED):
        started, cpu_started = time.perf_counter(), time.process_time()
        pdf = render_acknowledgement(typical_receipt(serial))
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    quartiles = statistics.quantiles(times, n=4)
    print(
        f"warm render, {TIMED} runs: median {statistics.median(times) * 1000:.1f} ms "
        f"(q1 {quartiles[0] * 1000:.1f}, q3 {quartiles[2] * 1000:.1f}, "
        f"min {min(times) * 1000:.1f}); PDF {len(pdf):,} bytes"
    )
    # CPU time is what other processes on a busy machine cannot inflate.
    print(f"  CPU time per render: median {statistics.median(cpu_times) * 1000:.1f} ms")

    done = WARM_UP + TIMED
    rss_at = {}
    for serial in range(done + 1, args.renders + 1):
        render_acknowledgement(typical_receipt(serial))
        if serial in (100, args.renders):
            rss_at[serial] = rss_kib()
    rss_100, rss_end = rss_at[100], rss_at[args.renders]
    print(f"RSS after 100 renders: {rss_100 / 1024:.1f} MiB")
    print(f"RSS after {args.renders} renders: {rss_end / 1024:.1f} MiB")
    print(f"ratio: {rss_end / rss_100:.3f}")


if __name__ == "__main__":
    main()
