from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db, limiter
from ..files import storage
from .redirects import safe_next


def index():
    if current_user.is_authenticated:
        if current_user.is_provider:
            return redirect(url_for("filing.dashboard"))
        if current_user.role == "administrator":
            return redirect(url_for("accounts.staff_users"))
        return redirect(url_for("review.queue"))
    return render_template("core/index.html")


def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


def healthz():
    """The process is alive."""
    return {"status": "ok"}


def readyz():
    """The database and the file storage answer: ready for traffic."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["database"] = "unavailable"
    checks["storage"] = "ok" if storage().ready() else "unavailable"
    ready = all(value == "ok" for value in checks.values())
    if current_app.config.get("REDIS_URL"):
        # Shown, not required: without Redis the rate limits count per process (logged).
        checks["rate_limits"] = "ok" if limiter.storage.check() else "degraded: per process"
    return {"status": "ok" if ready else "unavailable", **checks}, (200 if ready else 503)
