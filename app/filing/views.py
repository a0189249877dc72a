from flask import render_template

from ..accounts.access import provider_required


@provider_required
def dashboard():
    return render_template("filing/dashboard.html", notices=[])
