"""Databases and a gunicorn server for the load tools: production settings, loopback."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# One per run: the commands that load the data and the server must agree, since the key
# also encrypts the second-factor keys (a database reused by a later run gets the demo
# staff's keys again from `flask demo load`).
SECRET_KEY = secrets.token_hex(32)


def postgres_url(name: str) -> str:
    base = POSTGRES.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def recreate_postgres(name: str):
    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def rows(database_url: str, query: str, *params) -> list[tuple]:
    """Every row of one query (``%s`` placeholders), on PostgreSQL or SQLite."""
    url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return connection.execute(query.replace("%s", "?"), params).fetchall()
    with psycopg.connect(url) as connection:
        return connection.execute(query, params).fetchall()


def scalar(database_url: str, query: str, *params):
    """The first row of one query (a tuple, or None)."""
    found = rows(database_url, query, *params)
    return found[0] if found else None


def flask_env(database_url: str, storage: Path, **extra) -> dict:
    """The environment of the `flask` commands that build the data (development: DEMO on)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAIL_", "STORAGE_", "REDIS_", "PROXY_FIX_")) and k != "APP_ENV"
    }
    env.update(
        FLASK_APP="wsgi.py",
        DATABASE_URL=database_url,
        STORAGE_PATH=str(storage),
        SECRET_KEY=SECRET_KEY,
        MAIL_SERVER="log",
        MAIL_LOG_PATH=str(storage.parent / "mail.log"),
        **extra,
    )
    return env


def flask(env, *args):
    print("  flask", " ".join(args), flush=True)
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py wsgi:app` with APP_ENV=production on loopback."""

    def __init__(self, env: dict, *, workers: int, threads: int = 1, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **env,
            "APP_ENV": "production",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESSLOG": "",  # no access log: it would be measured too
            "GUNICORN_LOGLEVEL": "warning",
        }
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_ready(workers)

    def _wait_ready(self, workers, timeout=120):
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.process.returncode}); see {self.log.name}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200 and len(self.worker_pids()) == workers:
                    connection.close()
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not become ready")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def worker_rss_kib(self) -> list[int]:
        """Each worker's resident memory in KiB (VmRSS from /proc)."""
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]))
            except OSError:
                continue
        return sizes

    def worker_rss_mb(self) -> float:
        """The workers' resident memory, summed, in MiB."""
        return sum(self.worker_rss_kib()) / 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
