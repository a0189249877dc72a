"""gunicorn settings for the registry: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Every value can be changed with an environment variable (named below), so the same file
serves production (deploy/registry-web.service), `make bench` and `make load`.

Workers: sync workers, one request each; the work is CPU (templates, PDF rendering) and
PostgreSQL, and a submission renders its receipt PDF in the request (about 0.1 s), so
more threads per process would mostly wait on the GIL. Start with one worker per core
(GUNICORN_WORKERS) and measure with `make bench`.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(os.cpu_count() or 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A request may render a PDF (PDF_RENDER_TIMEOUT is 20 s); anything slower is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Requests reach gunicorn only through the reverse proxy on the same machine: trust its
# X-Forwarded-Proto there. The app itself trusts X-Forwarded-For only with PROXY_FIX_X_FOR.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# No max_requests: `make bench` shows worker memory stays flat, so workers need no recycling.
proc_name = "registry-web"


def post_worker_init(worker):
    """Move everything the app loaded at start-up (modules, catalogs, calendars, about
    190,000 objects) out of the garbage collector's view: they live as long as the worker,
    and scanning them in every full collection cost a page tens of milliseconds."""
    import gc

    gc.collect()
    gc.freeze()
