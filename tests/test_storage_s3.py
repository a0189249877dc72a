"""The whole app on S3: an attachment uploaded through the site lands in the bucket (not in
the folder) and is served back byte for byte."""

import io
from pathlib import Path

import boto3
import pytest
from sqlalchemy import select

from app.extensions import db
from app.filing import operations
from app.filing.models import Attachment
from app.storage.s3 import S3Storage
from tests.conftest import delete_all_rows
from tests.filing_helpers import minimal_pdf


@pytest.fixture
def app(make_app, s3_settings):
    app = make_app(**s3_settings)
    with app.app_context():
        yield app
        db.session.remove()
        delete_all_rows()


def test_an_upload_is_stored_in_the_bucket_and_served_back(app, client, auth, people):
    notice = operations.create_draft(people.provider_a_user)
    db.session.commit()
    auth.login(client, people.provider_a_user)
    pdf = minimal_pdf(2)

    response = client.post(
        f"/notices/{notice.id}/attachments",
        data={"file-category": "architecture", "file-file": (io.BytesIO(pdf), "構成図.pdf")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    bucket = boto3.client(
        "s3", endpoint_url=app.config["S3_ENDPOINT_URL"], region_name=app.config["S3_REGION"]
    )
    listed = bucket.list_objects_v2(Bucket=app.config["S3_BUCKET"])["Contents"]
    assert [(o["Key"], o["Size"]) for o in listed] == [
        (f"registry/{attachment.storage_key}", len(pdf))
    ]
    folder = Path(app.config["STORAGE_PATH"])
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))

    download = client.get(f"/notices/{notice.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == pdf
    assert download.headers["ETag"].strip('"') == attachment.sha256

    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["storage"] == "ok"


def test_the_readiness_probe_notices_a_missing_bucket(make_app, s3_settings):
    app = make_app(**{**s3_settings, "S3_BUCKET": "no-such-bucket-here"})
    with app.app_context():
        response = app.test_client().get("/readyz")
        assert isinstance(app.extensions["registry_storage"], S3Storage)
    assert response.status_code == 503
    assert response.json["storage"] == "unavailable"
