"""Blob storage for uploaded documents, behind a deliberately small interface.

Two backends: :class:`LocalStorage` (a folder, ``instance/files`` by default, the embedded
default) and :class:`~app.storage.s3.S3Storage` (S3-compatible object storage through
boto3), chosen by ``STORAGE_BACKEND``. The database keeps each file's key, size and sha256;
``flask storage verify`` (:mod:`app.storage.cli`) checks the two against each other.

No Flask import here: the app calls :func:`storage_from_config` with ``app.config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .base import Storage, StoredFile, is_valid_key, new_key
from .local import LocalStorage

__all__ = [
    "LocalStorage",
    "Storage",
    "StoredFile",
    "is_valid_key",
    "new_key",
    "storage_from_config",
]


def storage_from_config(config: Mapping[str, object]) -> Storage:
    """Build the configured backend from ``STORAGE_BACKEND``:

    * ``local`` (the default): ``STORAGE_PATH`` (required, e.g. ``<instance>/files``);
    * ``s3``: ``S3_BUCKET`` (required), ``S3_ENDPOINT_URL``, ``S3_REGION`` and ``S3_PREFIX``
      (optional); credentials come from boto3's usual sources (``AWS_ACCESS_KEY_ID`` and
      ``AWS_SECRET_ACCESS_KEY``, a role), never from this configuration.
    """
    backend = str(config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        path = config.get("STORAGE_PATH")
        if not path:
            raise ValueError("STORAGE_PATH must be set for STORAGE_BACKEND='local'")
        return LocalStorage(os.fspath(path))  # type: ignore[arg-type]
    if backend == "s3":
        bucket = str(config.get("S3_BUCKET") or "").strip()
        if not bucket:
            raise ValueError("S3_BUCKET must be set for STORAGE_BACKEND='s3'")
        from .s3 import S3Storage  # boto3 is imported only by those who use it

        return S3Storage(
            bucket,
            prefix=str(config.get("S3_PREFIX") or ""),
            endpoint_url=str(config.get("S3_ENDPOINT_URL") or "") or None,
            region=str(config.get("S3_REGION") or "") or None,
        )
    raise ValueError(f"unknown STORAGE_BACKEND: {backend!r}")
