from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..extensions import db
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
    return {"status": "ok"}
