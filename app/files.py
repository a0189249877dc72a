"""The application's file storage, built once per app from its configuration.

Files and rows are written in one unit of work: a file stored during a database
transaction is recorded with :func:`discard_unless_committed`, and when that transaction
ends without a commit (an exception, a refused write, a failed commit) the file is deleted
again, unless the database turns out to reference it after all (a commit whose outcome
was lost). A process killed between storing a file and committing cannot delete anything:
such a file is simply referenced by no row, which is what a storage check reports.
"""

import logging

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .storage import Storage, storage_from_config
from .storage.references import is_referenced

log = logging.getLogger(__name__)

_WRITTEN = "registry_files_written"


def storage() -> Storage:
    store = current_app.extensions.get("registry_storage")
    if store is None:
        store = current_app.extensions["registry_storage"] = storage_from_config(current_app.config)
    return store


def discard_unless_committed(store: Storage, key: str) -> None:
    """Delete the stored file ``key`` if the current transaction does not commit."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # the file belongs to the transaction that follows, not to none
    session.info.setdefault(_WRITTEN, []).append((store, key))


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release commits nothing yet
        session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_written_files(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    written = session.info.pop(_WRITTEN, None)
    if not written:
        return
    try:
        referenced = _referenced(session, [key for _, key in written])
    except Exception:  # noqa: BLE001 - unknown whether the commit happened: keep the files
        log.exception("rolled back with %d stored files; kept, not checked", len(written))
        return
    for store, key in written:
        if key not in referenced:
            store.delete(key)


def _referenced(session: Session, keys: list[str]) -> set[str]:
    """The keys among ``keys`` that committed rows refer to (read on a connection of its own)."""
    with session.get_bind().connect() as connection:
        return {key for key in keys if is_referenced(connection, db.metadata, key)}
