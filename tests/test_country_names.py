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


# --- the order of the lists ------------------------------------------------------------------


def listed_countries(app, language) -> list[str]:
    from app.forms import country_options

    with app.test_request_context(headers={"Accept-Language": language}):
        return [str(choice.label) for choice in country_options()]


def test_english_lists_ignore_accents(app):
    names = listed_countries(app, "en")

    assert names[0] == "Japan"  # first, for most providers
    assert names.index("Afghanistan") < names.index("Åland Islands") < names.index("Albania")
    assert names.index("Costa Rica") < names.index("Côte d’Ivoire") < names.index("Croatia")


def test_japanese_lists_follow_the_reading_so_kanji_names_are_not_left_at_the_end(app):
    names = listed_countries(app, "ja")

    assert names[0] == "日本"
    assert names.index("チャド") < names.index("中国") < names.index("チュニジア")
    assert names.index("カメルーン") < names.index("韓国") < names.index("ガンビア")
    assert names.index("ミクロネシア連邦") < names.index("南アフリカ") < names.index("メキシコ")
    assert names.index("ルーマニア") < names.index("ルワンダ")
    assert names[-1] == "ロシア"


def test_every_japanese_name_that_begins_with_kanji_has_its_reading():
    import babel

    from app.domain.country_order import JA_READINGS, begins_with_kanji
    from app.domain.identifiers import country_choices

    names = babel.Locale.parse("ja").territories
    kanji_first = {code for code, _ in country_choices() if begins_with_kanji(names.get(code, ""))}
    assert kanji_first <= set(JA_READINGS), kanji_first - set(JA_READINGS)
