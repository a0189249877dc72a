"""A real S3 API on loopback (moto's server mode) for the S3 storage tests.

* ``s3_server`` (session): moto's ``ThreadedMotoServer`` on 127.0.0.1 at a free port,
  its address in ``.endpoint_url``;
* ``s3_settings``: a new, empty bucket of its own for each test, given as the app settings
  that select it (``STORAGE_BACKEND``, ``S3_BUCKET``, ``S3_ENDPOINT_URL``, ``S3_REGION``,
  ``S3_PREFIX``), with throwaway AWS credentials in the environment.
"""

import secrets
from types import SimpleNamespace

import pytest

REGION = "ap-northeast-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any; real ones never appear here
    "AWS_SESSION_TOKEN": "testing",
}


@pytest.fixture(scope="session")
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield SimpleNamespace(endpoint_url=f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def s3_settings(s3_server, monkeypatch):
    import boto3

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    bucket = f"registry-test-{secrets.token_hex(6)}"
    boto3.client("s3", endpoint_url=s3_server.endpoint_url, region_name=REGION).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_server.endpoint_url,
        "S3_REGION": REGION,
        "S3_PREFIX": "registry/",
    }
