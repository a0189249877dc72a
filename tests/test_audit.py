"""The append-only history: `flask audit verify` recomputes every notice's hash chain and names
the first event that does not hold; on PostgreSQL a trigger refuses UPDATE and DELETE."""

import gc
import warnings
from types import SimpleNamespace

import pytest
from sqlalchemy import exc, text

from app.domain.workflow import Status
from app.extensions import db
from app.history.chain import GENESIS, event_hash
from app.review import operations as ops
from tests.conftest import BACKEND
from tests.review_helpers import (
    confirm,
    events_of,
    notice_at,
    propose,
    request_info,
    respond,
    take,
)

postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="the trigger is PostgreSQL's")


@pytest.fixture
def history(people):
    """A notice taken through the whole review (7 events) and a second one just submitted."""
    notice = notice_at(Status.SUBMITTED, people)
    take(notice, people.reviewer)
    ops.add_internal_note(notice, people.reviewer, "Check the HSM certificate.")
    request_info(notice, people.reviewer, comment="Send the certificate.")
    respond(notice, people.provider_a_user, message="Attached.")
    propose(notice, people.reviewer)
    confirm(notice, people.supervisor)
    other = notice_at(Status.SUBMITTED, people)
    db.session.commit()
    assert [e.action for e in events_of(notice.id)] == [
        "submit",
        "take",
        "note",
        "request_information",
        "respond",
        "propose_decision",
        "confirm_decision",
    ]
    return notice, other


def verify(runner):
    """Run `flask audit verify`; collect what it left behind while this test still runs."""
    result = runner.invoke(args=["audit", "verify"])
    outcome = SimpleNamespace(
        exit_code=result.exit_code, stdout=result.stdout, stderr=result.stderr, output=result.output
    )
    del result
    gc.collect()
    return outcome


def tamper(sql, **params):
    """Change the history as a superuser would: with the trigger switched off."""
    if BACKEND == "postgresql":
        db.session.execute(
            text("ALTER TABLE notice_events DISABLE TRIGGER notice_events_append_only")
        )
    db.session.execute(text(sql), params)
    if BACKEND == "postgresql":
        db.session.execute(
            text("ALTER TABLE notice_events ENABLE TRIGGER notice_events_append_only")
        )
    db.session.commit()


def test_the_chain_of_a_real_review_verifies(runner, history):
    notice, other = history

    result = verify(runner)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: 8 events in 2 chains verified"
    events = events_of(notice.id)
    assert events[0].prev_hash == GENESIS
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash
    assert all(e.hash == event_hash(e, e.prev_hash) for e in events)
    assert [e.sequence for e in events] == list(range(1, 8))


def test_an_empty_history_verifies(runner, people):
    result = verify(runner)
    assert result.exit_code == 0
    assert result.stdout.strip() == "ok: 0 events in 0 chains verified"


@pytest.mark.parametrize(
    ("column", "value", "position"),
    [
        ("comment", "Nothing was requested.", 3),
        ("actor_id", None, 3),
        ("to_status", "returned", 6),
        ("internal", False, 2),  # an internal note made visible to the provider
        ("created_at", None, 3),
    ],
)
def test_an_edited_event_breaks_the_chain_at_that_event(
    runner, history, people, column, value, position
):
    notice, _other = history
    edited = events_of(notice.id)[position]
    values = {
        "actor_id": people.supervisor.id,
        "created_at": edited.created_at.replace(year=edited.created_at.year - 1),
    }
    tamper(
        f"UPDATE notice_events SET {column} = :value WHERE id = :id",
        value=values.get(column, value),
        id=edited.id,
    )

    result = verify(runner)

    assert result.exit_code == 1
    assert f"event id {edited.id} " in result.stderr
    assert f"notice {notice.id}," in result.stderr
    assert "BROKEN" in result.stderr
    assert "ok:" not in result.stdout


def test_an_edit_with_a_recomputed_hash_breaks_the_link_to_the_next(runner, history):
    """Rewriting an event and its own hash still leaves the next event pointing elsewhere."""
    notice, _other = history
    events = events_of(notice.id)
    edited, following = events[3], events[4]
    edited.comment = "Nothing was requested."
    forged = event_hash(edited, edited.prev_hash)
    db.session.rollback()
    tamper(
        "UPDATE notice_events SET comment = :comment, hash = :hash WHERE id = :id",
        comment="Nothing was requested.",
        hash=forged,
        id=edited.id,
    )

    result = verify(runner)

    assert result.exit_code == 1
    assert f"event id {following.id} " in result.stderr


@pytest.mark.parametrize("position", [0, 3])
def test_a_deleted_event_breaks_the_chain(runner, history, position):
    notice, _other = history
    events = events_of(notice.id)
    gone, next_one = events[position], events[position + 1]
    tamper("DELETE FROM notice_events WHERE id = :id", id=gone.id)

    result = verify(runner)

    assert result.exit_code == 1
    assert f"event id {next_one.id} " in result.stderr


def test_a_break_in_one_notice_does_not_hide_behind_another(runner, history):
    notice, other = history
    event = events_of(other.id)[0]
    tamper("UPDATE notice_events SET comment = 'x' WHERE id = :id", id=event.id)

    result = verify(runner)

    assert result.exit_code == 1
    assert f"notice {other.id}, event id {event.id} " in result.stderr


@postgresql_only
def test_postgresql_refuses_to_update_an_event(history):
    notice, _other = history
    event = events_of(notice.id)[1]

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(
            text("UPDATE notice_events SET comment = 'x' WHERE id = :id"), {"id": event.id}
        )
    db.session.rollback()

    assert events_of(notice.id)[1].comment == event.comment


@postgresql_only
def test_postgresql_refuses_to_delete_an_event(history):
    notice, _other = history

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(
            text("DELETE FROM notice_events WHERE notice_id = :id"), {"id": notice.id}
        )
    db.session.rollback()

    assert len(events_of(notice.id)) == 7


@postgresql_only
def test_postgresql_refuses_orm_changes_to_an_event_too(history):
    notice, _other = history
    event = events_of(notice.id)[2]
    event.comment = "rewritten"

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_a_failed_verify_closes_its_cursor(runner, history):
    notice, _other = history
    tamper("UPDATE notice_events SET comment = 'x' WHERE id = :id", id=events_of(notice.id)[1].id)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = verify(runner)

    assert result.exit_code == 1
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


@postgresql_only
def test_the_trigger_is_back_on_after_tampering(history):
    notice, _other = history
    event = events_of(notice.id)[1]
    tamper("UPDATE notice_events SET comment = 'x' WHERE id = :id", id=event.id)

    with pytest.raises(exc.DBAPIError, match="append-only"):
        db.session.execute(
            text("UPDATE notice_events SET comment = 'y' WHERE id = :id"), {"id": event.id}
        )
    db.session.rollback()


def test_deleting_the_newest_events_is_noticed(runner, history):
    """The chain alone cannot see its own end cut off; the notice's status can."""
    notice, _other = history
    last = events_of(notice.id)[-1]
    tamper("DELETE FROM notice_events WHERE id = :id", id=last.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"notice {notice.id}" in result.stderr


def test_deleting_a_whole_chain_is_noticed(runner, history):
    _notice, other = history
    tamper("DELETE FROM notice_events WHERE notice_id = :id", id=other.id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"notice {other.id} is submitted but has no history" in result.stderr
