"""Ids in URLs: a number too large for an id column is an unknown page (404), not an
integer out of range in the database (500)."""

import pytest

from app.extensions import db
from tests.review_helpers import submitted_notice

# 2**31 and 2**63 - 1 overflow PostgreSQL's INTEGER; 2**63 and above SQLite's too.
TOO_LARGE = [str(2**31), str(2**63 - 1), str(2**63), "99999999999999999999999", "9" * 5000]
LARGEST = str(2**31 - 1)
ZERO = "0"


@pytest.fixture
def filed(people):
    notice = submitted_notice(people.provider_a_admin)
    db.session.commit()
    return notice


@pytest.mark.parametrize("row_id", [*TOO_LARGE, LARGEST, ZERO])
def test_a_provider_gets_not_found_for_any_unknown_id(client, auth, people, filed, row_id):
    auth.login(client, people.provider_a_admin)
    assert client.get(f"/notices/{row_id}").status_code == 404
    assert client.get(f"/notices/{row_id}/receipt").status_code == 404
    assert client.get(f"/notices/{filed.id}/acknowledgements/{row_id}").status_code == 404
    assert client.get(f"/notices/{row_id}/acknowledgements/1").status_code == 404
    assert client.get(f"/notices/{filed.id}").status_code == 200


@pytest.mark.parametrize("row_id", [*TOO_LARGE, LARGEST])
def test_staff_get_not_found_for_any_unknown_id(client, auth, people, filed, row_id):
    auth.login(client, people.reviewer)
    assert client.get(f"/review/notices/{row_id}").status_code == 404
    assert client.get(f"/review/notices/{filed.id}/attachments/{row_id}").status_code == 404
    assert client.get(f"/review/notices/{filed.id}/acknowledgements/{row_id}").status_code == 404
    assert client.get(f"/review/notices/{filed.id}").status_code == 200


def test_urls_are_still_built_for_real_ids(app, filed):
    from flask import url_for

    with app.test_request_context():
        assert url_for("filing.show", notice_id=filed.id) == f"/notices/{filed.id}"
