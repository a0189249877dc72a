"""S3-compatible object storage through boto3, with the same semantics as LocalStorage.

Objects are named ``<S3_PREFIX><key>``. A new object is written with ``If-None-Match: *``,
so a (theoretical) key collision can never replace another file, and with its SHA-256, so
the server refuses bytes damaged on the way. Credentials come from boto3's standard chain
(the ``AWS_*`` environment variables, a profile, an instance role), never from our settings.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import StoredFile, is_valid_key, new_key, require_key

_ABSENT = frozenset({"404", "NoSuchKey", "NotFound"})
_TAKEN = frozenset({"412", "PreconditionFailed", "ConditionalRequestConflict"})


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Storage:
    page_size = 1000  # keys per listing request (S3's maximum)

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        client=None,
    ) -> None:
        self.bucket = bucket
        prefix = prefix.strip().lstrip("/")
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        if client is None:
            # An explicit endpoint is usually a self-hosted S3 (MinIO, Ceph, a test server),
            # where bucket names in the host name (virtual-hosted style) do not resolve.
            style = "path" if endpoint_url else "auto"
            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                # A short connect timeout: /readyz must answer before the balancer gives up.
                config=Config(
                    s3={"addressing_style": style},
                    retries={"mode": "standard"},
                    connect_timeout=5,
                ),
            )
        self.client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _name(self, key: str) -> str:
        return self.prefix + key

    def put(self, data: bytes) -> StoredFile:
        while True:
            try:
                return self._upload(new_key(), data, only_if_new=True)
            except ClientError as error:
                if _code(error) not in _TAKEN:
                    raise

    def write(self, key: str, data: bytes) -> StoredFile:
        return self._upload(require_key(key), data, only_if_new=False)

    def _upload(self, key: str, data: bytes, *, only_if_new: bool) -> StoredFile:
        data = bytes(data)
        digest = hashlib.sha256(data)
        extra = {"IfNoneMatch": "*"} if only_if_new else {}
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._name(key),
            Body=data,
            ContentType="application/octet-stream",
            ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
            **extra,
        )
        return StoredFile(key=key, size=len(data), sha256=digest.hexdigest())

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._name(require_key(key)))
        except ClientError as error:
            if _code(error) in _ABSENT:
                raise KeyError(key) from None
            raise
        with response["Body"] as body:
            return body.read()

    def delete(self, key: str) -> None:
        # S3 answers 204 whether or not the object was there.
        self.client.delete_object(Bucket=self.bucket, Key=self._name(require_key(key)))

    def _head(self, key: str) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(require_key(key)))
        except ClientError as error:
            if _code(error) in _ABSENT:
                raise KeyError(key) from None
            raise

    def exists(self, key: str) -> bool:
        if not is_valid_key(key):
            return False
        try:
            self._head(key)
        except KeyError:
            return False
        return True

    def stored_at(self, key: str) -> datetime:
        return self._head(key)["LastModified"].astimezone(UTC)

    def ready(self) -> bool:
        """The bucket answers with our credentials (for /readyz)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError):
            return False
        return True

    def keys(self) -> Iterator[str]:
        # S3 lists in key order, but not every S3-compatible server promises it: sort here.
        # 32-character keys: a million files are some 80 MB of memory.
        found = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                name = entry["Key"][len(self.prefix) :]
                if is_valid_key(name):
                    found.append(name)
        yield from sorted(found)
