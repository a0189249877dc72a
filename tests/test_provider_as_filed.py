"""The provider section is copied from the profile at submission: the notice keeps the
provider's identity as its first version records it, and the staff page shows that name,
with the profile's current one beside it when the provider has been renamed since."""

import json
import re

import pytest

from app.accounts.models import Role
from app.accounts.operations import update_organisation
from app.domain.text import search_key
from app.domain.workflow import Status
from app.extensions import db
from app.filing.snapshot import provider_section
from tests.factories import make_foreign_organisation, make_user
from tests.review_helpers import notice_at, submitted_notice

EN = {"Accept-Language": "en"}


def filed_provider(notice) -> tuple:
    return (
        notice.provider_name_ja,
        notice.provider_name_en,
        notice.provider_name_key,
        notice.provider_corporate_number,
        notice.provider_lei,
    )


def rename(organisation, name_ja, name_en, by=None):
    profile = {**provider_section(organisation), "name_ja": name_ja, "name_en": name_en}
    update_organisation(organisation, profile, by=by)
    db.session.commit()


@pytest.mark.parametrize("foreign", [False, True])
def test_submitting_copies_the_provider_as_version_1_records_it(people, foreign):
    organisation = make_foreign_organisation() if foreign else people.org_a
    user = make_user(Role.PROVIDER_USER, organisation) if foreign else people.provider_a_user
    notice = submitted_notice(user)
    db.session.commit()

    provider = json.loads(notice.versions[0].snapshot)["provider"]
    expected = (
        provider["name_ja"],
        provider["name_en"],
        search_key(provider["name_ja"], provider["name_en"]),
        provider["corporate_number"],
        provider["lei"],
    )
    assert filed_provider(notice) == expected
    assert (provider["name_ja"], provider["lei"] is not None) == (organisation.name_ja, foreign)

    rename(organisation, "改名後株式会社", "Renamed K.K.")
    db.session.expire_all()
    assert filed_provider(notice) == expected


def provider_in_header(client, notice) -> str:
    """The text of the Provider line in the staff page's header, tags left out."""
    page = client.get(f"/review/notices/{notice.id}", headers=EN).get_data(as_text=True)
    provider = re.search(r"<dt>Provider</dt><dd>(.*?)</dd>", page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", provider).strip()


def test_the_staff_page_names_the_provider_as_filed_and_as_it_is_now(client, auth, people):
    notice = notice_at(Status.UNDER_REVIEW, people)
    filed_ja, filed_en = people.org_a.name_ja, people.org_a.name_en
    auth.login(client, people.reviewer)

    provider = provider_in_header(client, notice)
    assert provider == f"{filed_ja} / {filed_en}"

    rename(people.org_a, "改名後株式会社", "Renamed K.K.", by=people.provider_a_admin)
    provider = provider_in_header(client, notice)
    assert provider == f"{filed_ja} / {filed_en}Now: 改名後株式会社 / Renamed K.K."
