"""The application's file storage, built once per app from its configuration."""

from flask import current_app

from .storage import Storage, storage_from_config


def storage() -> Storage:
    store = current_app.extensions.get("registry_storage")
    if store is None:
        store = current_app.extensions["registry_storage"] = storage_from_config(current_app.config)
    return store
