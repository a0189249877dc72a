"""The migrations build exactly the schema the models describe, and can be undone.

Runs on the session's database server (SQLite or PostgreSQL), each test on a database of
its own, so that taking the schema down never disturbs the other tests.
"""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CheckConstraint, inspect

from app.extensions import db
from app.filing.models import Notice
from app.public.register import SEARCH_INDEXES as REGISTER_SEARCH_INDEXES
from app.review.queue import SEARCH_INDEXES
from tests.factories import make_organisation, make_user
from tests.review_helpers import filed_notice


@pytest.fixture
def empty_database(database_factory):
    return database_factory.create()


def schema_differences(make_app, url):
    """What autogenerate would put in a new migration; empty when the two agree.

    Nothing is excluded but the PostgreSQL-only trigram indexes, which the models cannot
    declare (test_queue and test_public_register check that the searches use them).
    Autogenerate does not look at CHECK constraints, so `check_constraint_differences`
    compares those by name.
    """
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": lambda obj, name, kind, reflected, compare_to: (
                    not (kind == "index" and name in SEARCH_INDEXES | REGISTER_SEARCH_INDEXES)
                ),
            },
        )
        return compare_metadata(context, db.metadata)


def check_constraint_differences(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), db.engine.connect() as connection:
        inspector = inspect(connection)
        differences = {}
        for table in db.metadata.sorted_tables:
            expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            found = {c["name"] for c in inspector.get_check_constraints(table.name)}
            if expected != found:
                differences[table.name] = {"models": expected, "database": found}
        return differences


def table_names(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def current_revision(make_app, url):
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def script_directory(migrations):
    config = Config(str(migrations.directory / "alembic.ini"))
    config.set_main_option("script_location", str(migrations.directory))
    return ScriptDirectory.from_config(config)


def test_migrations_have_a_single_head(migrations):
    heads = script_directory(migrations).get_heads()
    assert len(heads) == 1, f"merge the migration branches: heads {heads}"


def test_upgrading_an_empty_database_gives_the_models_schema(make_app, migrations, empty_database):
    assert table_names(make_app, empty_database) == set()

    migrations.upgrade(empty_database)

    assert schema_differences(make_app, empty_database) == []
    assert check_constraint_differences(make_app, empty_database) == {}
    assert table_names(make_app, empty_database) == {
        table.name for table in db.metadata.sorted_tables
    } | {"alembic_version"}


def test_downgrade_to_base_then_upgrade_again(make_app, migrations, empty_database):
    head = script_directory(migrations).get_current_head()
    migrations.upgrade(empty_database)
    assert current_revision(make_app, empty_database) == head

    migrations.downgrade(empty_database, "base")
    assert table_names(make_app, empty_database) == {"alembic_version"}
    assert current_revision(make_app, empty_database) is None

    migrations.upgrade(empty_database)
    assert current_revision(make_app, empty_database) == head
    assert schema_differences(make_app, empty_database) == []
    assert check_constraint_differences(make_app, empty_database) == {}


def test_the_session_database_is_at_head(make_app, migrations, database_url):
    head = script_directory(migrations).get_current_head()
    assert current_revision(make_app, database_url) == head


def test_the_search_keys_are_filled_in_for_existing_rows(make_app, migrations, empty_database):
    """b8c9d0e1f2a3 adds the search keys to a database that already has providers and
    notices: it computes them for the rows there."""
    from app.accounts.models import Organisation, Role

    migrations.upgrade(empty_database)
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        organisation = make_organisation(name_ja="株式会社ＺＥＮ", name_en="Zen K.K.")
        filed_notice(
            organisation, make_user(Role.PROVIDER_USER, organisation), system_name="ＳＵＭＭＩＴ"
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    migrations.downgrade(empty_database, "a3b4c5d6e7f8")
    migrations.upgrade(empty_database)
    with app.app_context():
        assert db.session.scalars(db.select(Organisation.name_key)).all() == [
            "株式会社zen\nzen k.k."
        ]
        assert db.session.scalars(db.select(Notice.system_name_key)).all() == ["summit"]
        db.session.remove()
        db.engine.dispose()


def test_filed_notices_get_their_provider_from_version_1(make_app, migrations, empty_database):
    """e2f3a4b5c6d7 copies the provider onto filed notices: as version 1's snapshot
    recorded it where there is one (the provider renamed since), else from the profile;
    drafts stay empty."""
    from app.accounts.models import Role
    from app.domain.fingerprint import canonical_json
    from app.domain.workflow import Status
    from app.filing.models import NoticeVersion
    from app.filing.snapshot import build_snapshot

    migrations.upgrade(empty_database)
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database)
    with app.app_context():
        organisation = make_organisation(name_ja="株式会社ＺＥＮ", name_en="Zen K.K.")
        user = make_user(Role.PROVIDER_USER, organisation)
        versioned = filed_notice(organisation, user)
        snapshot = canonical_json(build_snapshot(versioned, organisation, version=1))
        db.session.add(
            NoticeVersion(
                notice_id=versioned.id,
                number=1,
                snapshot=snapshot.decode("utf-8"),
                fingerprint="0" * 64,
                created_by_id=user.id,
            )
        )
        unversioned = filed_notice(organisation, user)
        draft = Notice(organisation_id=organisation.id, created_by_id=user.id, status=Status.DRAFT)
        db.session.add(draft)
        organisation.name_ja, organisation.name_en = "株式会社ＮＥＷ", "New K.K."
        db.session.commit()
        ids = (versioned.id, unversioned.id, draft.id)
        corporate_number = organisation.corporate_number
        db.session.remove()
        db.engine.dispose()
    migrations.downgrade(empty_database, "d0e1f2a3b4c5")
    migrations.upgrade(empty_database)
    with app.app_context():
        filed = [
            (
                n.provider_name_ja,
                n.provider_name_en,
                n.provider_name_key,
                n.provider_corporate_number,
                n.provider_lei,
            )
            for n in (db.session.get(Notice, i) for i in ids)
        ]
        assert filed == [
            ("株式会社ＺＥＮ", "Zen K.K.", "株式会社zen\nzen k.k.", corporate_number, None),
            ("株式会社ＮＥＷ", "New K.K.", "株式会社new\nnew k.k.", corporate_number, None),
            ("", "", "", None, None),
        ]
        db.session.remove()
        db.engine.dispose()
