"""Recording account activity, in the same unit of work as the change it records."""

from flask import has_request_context, request
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Organisation, User
from ..extensions import db
from ..models import utcnow
from .models import AccountAction, AccountEvent

PAGE_SIZE = 50


def record(action: AccountAction, *, actor=None, subject=None, organisation_id=None, detail=""):
    """Add one event; the caller's commit writes it together with the change.

    ``actor`` is the person who acted (None: the command line), ``subject`` the account
    acted on. The organisation defaults to the subject's, then the actor's."""
    if organisation_id is None:
        for person in (subject, actor):
            if person is not None and person.organisation_id is not None:
                organisation_id = person.organisation_id
                break
    event = AccountEvent(
        created_at=utcnow(),
        action=str(AccountAction(action)),
        actor_id=actor.id if actor is not None else None,
        subject_id=subject.id if subject is not None else None,
        organisation_id=organisation_id,
        ip_address=request.remote_addr if has_request_context() else None,
        detail=(detail or "")[: AccountEvent.DETAIL_MAX],
    )
    db.session.add(event)
    return event


def _by_or_to(user_id: int):
    return or_(AccountEvent.subject_id == user_id, AccountEvent.actor_id == user_id)


def _page(query, *, before=None, action=None, person=None):
    """One page, newest first, with the people and organisations it names loaded (only
    the columns shown: never a password hash or a second-factor key); and the id to
    continue before, or None on the last page."""
    if action:
        query = query.where(AccountEvent.action == action)
    if person:
        query = query.where(_by_or_to(person))
    if before:
        query = query.where(AccountEvent.id < before)
    people = (User.id, User.name, User.email, User.role, User.organisation_id)
    rows = db.session.scalars(
        query.options(
            selectinload(AccountEvent.actor).load_only(*people),
            selectinload(AccountEvent.subject).load_only(*people),
            selectinload(AccountEvent.organisation).load_only(
                Organisation.id, Organisation.name_ja, Organisation.name_en
            ),
        )
        .order_by(AccountEvent.id.desc())
        .limit(PAGE_SIZE + 1)
    ).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more else None)


def previous_sign_in(user_id: int) -> AccountEvent | None:
    """The sign-in before the current one: shown on the account page, so that a sign-in
    the person did not make stands out."""
    return db.session.scalars(
        select(AccountEvent)
        .where(
            AccountEvent.subject_id == user_id,
            AccountEvent.action == str(AccountAction.SIGNED_IN),
        )
        .order_by(AccountEvent.id.desc())
        .offset(1)
        .limit(1)
    ).first()


def for_person(user_id: int, **filters):
    """What was done by or to this person."""
    return _page(select(AccountEvent).where(_by_or_to(user_id)), **filters)


def for_organisation(organisation_id: int, **filters):
    """What was done to this provider's accounts and settings, and by its users."""
    return _page(
        select(AccountEvent).where(AccountEvent.organisation_id == organisation_id), **filters
    )


def for_everyone(**filters):
    return _page(select(AccountEvent), **filters)
