"""A filed notice names countries, not their ISO codes: in the page's language on the
provider's and the examiner's view (the PDFs' names are in test_acknowledgement_render.py)."""

import pytest

from app.accounts.models import Role
from app.extensions import db
from app.filing import operations
from tests.factories import make_foreign_organisation, make_user
from tests.filing_helpers import complete_draft
from tests.review_helpers import submit

NAMES = {
    "en": ["Singapore", "(Vietnam)", "Japan, Singapore"],
    "ja": ["シンガポール", "(ベトナム)", "日本, シンガポール"],
}


@pytest.fixture
def foreign(people):
    """A notice of a Singapore company: keys in Japan and Singapore, a subcontractor in
    Vietnam."""
    organisation = make_foreign_organisation(country="SG")
    admin = make_user(Role.PROVIDER_ADMIN, organisation)
    draft = complete_draft(admin, key_countries=["JP", "SG"])
    operations.add_subcontractor(
        draft, {"name": "Hanoi Dev Co.", "country": "VN", "function": "Development"}
    )
    submit(draft, admin)
    db.session.commit()
    return draft, admin


def _details(page: str) -> str:
    return page.split('id="snap-provider"', 1)[1]


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_provider_and_the_examiner_read_country_names(client, auth, people, foreign, language):
    notice, admin = foreign
    views = ((admin, f"/notices/{notice.id}"), (people.reviewer, f"/review/notices/{notice.id}"))
    for user, url in views:
        auth.login(client, user)
        client.post("/language", data={"lang": language, "next": "/"})
        page = _details(client.get(url).get_data(as_text=True))
        for name in NAMES[language]:
            assert name in page, (url, name)
        assert "(VN)" not in page and "JP, SG" not in page, url
        auth.logout(client)
