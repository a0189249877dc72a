"""A real upload or submission in a process of its own, killed (SIGKILL) at a chosen point.

Run by tests/test_faults.py as ``python -m tests.fault_child``; nothing here ships in app/.
The environment names the point (``FAULT_POINT``), the action (``FAULT_ACTION``: upload or
submit), the notice, the provider's e-mail and the app's settings (``FAULT_SETTINGS``, JSON).
The hook wraps the real function in this process only: the step runs, then the process dies
before anything else can happen, as it would under ``kill -9`` or the OOM killer.
"""

import io
import json
import os
import signal

from sqlalchemy import event
from sqlalchemy.orm import Session


def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def after(owner, name):
    original = getattr(owner, name)

    def step_then_die(*args, **kwargs):
        original(*args, **kwargs)
        die()

    setattr(owner, name, step_then_die)


def install(point: str, app) -> None:
    from app.acknowledgements import operations as acknowledgements
    from app.extensions import db
    from app.filing import operations
    from app.storage import LocalStorage

    steps = {
        "after_storage_put": (LocalStorage, "put"),
        "after_number": (operations, "allocate_receipt_number"),
        "after_snapshot": (operations, "record_version"),
        "after_pdf_render": (acknowledgements, "render_acknowledgement"),
        "after_pdf_stored": (acknowledgements, "issue"),
    }
    if point in steps:
        after(*steps[point])
        return
    # At the commit of the upload or submission itself (not of a sign-in or session touch):
    # armed once the operation has returned.
    armed = []
    for name in ("add_attachment", "submit_notice"):
        original = getattr(operations, name)

        def operation_then_arm(*args, _original=original, **kwargs):
            result = _original(*args, **kwargs)
            armed.append(True)
            return result

        setattr(operations, name, operation_then_arm)

    def die_if_armed(*_args):
        if armed:
            die()

    if point == "before_commit":
        with app.app_context():
            event.listen(db.engine, "commit", die_if_armed)  # just before the COMMIT
    elif point == "after_commit":
        event.listen(Session, "after_commit", die_if_armed)
    else:
        raise SystemExit(f"unknown FAULT_POINT {point!r}")


def main() -> None:
    from app import create_app
    from tests.factories import PASSWORD
    from tests.filing_helpers import distinct_pdf

    settings = json.loads(os.environ["FAULT_SETTINGS"])
    app = create_app(settings)
    client = app.test_client()
    email, notice_id = os.environ["FAULT_EMAIL"], os.environ["FAULT_NOTICE"]
    signed_in = client.post("/login", data={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.status_code
    install(os.environ["FAULT_POINT"], app)
    if os.environ["FAULT_ACTION"] == "upload":
        response = client.post(
            f"/notices/{notice_id}/attachments",
            data={
                "file-category": "architecture",
                "file-file": (io.BytesIO(distinct_pdf()), "a.pdf"),
            },
            content_type="multipart/form-data",
        )
    else:
        response = client.post(
            f"/notices/{notice_id}/submit", data={"version": os.environ["FAULT_VERSION"]}
        )
    print(f"survived with {response.status_code}")  # noqa: T201 - read by the test


if __name__ == "__main__":
    main()
