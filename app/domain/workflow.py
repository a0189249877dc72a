"""The life of a notice: statuses and the only transitions that exist.

Plain Python so that tests and every feature share one table. Views never
compare statuses by hand; they ask `allowed_actions` or call `check_transition`.
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    DECISION_PROPOSED = "decision_proposed"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    SUBMIT = "submit"
    DELETE = "delete"
    TAKE = "take"
    ASSIGN = "assign"
    REQUEST_INFORMATION = "request_information"
    RESPOND = "respond"
    PROPOSE_DECISION = "propose_decision"
    CONFIRM_DECISION = "confirm_decision"
    SEND_BACK = "send_back"
    WITHDRAW = "withdraw"


class Side(StrEnum):
    PROVIDER = "provider"
    STAFF = "staff"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Status]
    target: Status | None  # None: the target depends on the decision (accept/return)
    side: Side
    comment_required: bool = False


_UNDECIDED = frozenset(
    {
        Status.SUBMITTED,
        Status.UNDER_REVIEW,
        Status.INFORMATION_REQUESTED,
        Status.DECISION_PROPOSED,
    }
)

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.SUBMIT, frozenset({Status.DRAFT}), Status.SUBMITTED, Side.PROVIDER),
        Transition(Action.DELETE, frozenset({Status.DRAFT}), None, Side.PROVIDER),
        Transition(Action.TAKE, frozenset({Status.SUBMITTED}), Status.UNDER_REVIEW, Side.STAFF),
        Transition(
            Action.ASSIGN,
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.INFORMATION_REQUESTED}),
            None,
            Side.STAFF,
        ),
        Transition(
            Action.REQUEST_INFORMATION,
            frozenset({Status.UNDER_REVIEW}),
            Status.INFORMATION_REQUESTED,
            Side.STAFF,
            comment_required=True,
        ),
        Transition(
            Action.RESPOND,
            frozenset({Status.INFORMATION_REQUESTED}),
            Status.UNDER_REVIEW,
            Side.PROVIDER,
            comment_required=True,
        ),
        Transition(
            Action.PROPOSE_DECISION,
            frozenset({Status.UNDER_REVIEW}),
            Status.DECISION_PROPOSED,
            Side.STAFF,
            comment_required=True,
        ),
        Transition(
            Action.CONFIRM_DECISION,
            frozenset({Status.DECISION_PROPOSED}),
            None,
            Side.STAFF,
        ),
        Transition(
            Action.SEND_BACK,
            frozenset({Status.DECISION_PROPOSED}),
            Status.UNDER_REVIEW,
            Side.STAFF,
            comment_required=True,
        ),
        Transition(
            Action.WITHDRAW, _UNDECIDED, Status.WITHDRAWN, Side.PROVIDER, comment_required=True
        ),
    )
}

FINAL = frozenset({Status.ACCEPTED, Status.RETURNED, Status.WITHDRAWN})
# Statuses in which the review clock runs.
CLOCK_RUNNING = frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.DECISION_PROPOSED})

# Filed and not yet decided or withdrawn: the review queue's default tab. A partial index
# on notices (see filing.models) holds exactly these rows, in deadline order.
OPEN = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.INFORMATION_REQUESTED,
    Status.DECISION_PROPOSED,
)
OPEN_PREDICATE = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN))


class TransitionRefused(Exception):
    """An action that the notice's status does not allow; `reason` says why."""

    def __init__(self, action: Action, status: Status, reason=None):
        # `reason` may be a lazy translation: keep it unrendered (no truthiness test,
        # no str()) so that raising works outside a request, in any language.
        super().__init__(f"{action.value} is not allowed from {status}")
        self.action = action
        self.status = status
        # A message for people, in their language; None means "not in this status",
        # which the web layer words from the action and status labels.
        self.reason = reason


class NotPermitted(Exception):
    """The status allows the action, but not for this person (answered with 403)."""

    def __init__(self, action: Action, reason):
        super().__init__(f"{action.value} is not permitted for this person")
        self.action = action
        self.reason = reason


def check_transition(action: Action, status: Status) -> Transition:
    transition = TRANSITIONS[action]
    if status not in transition.sources:
        raise TransitionRefused(action, status)
    return transition


def allowed_actions(status: Status, side: Side) -> list[Action]:
    return [t.action for t in TRANSITIONS.values() if t.side == side and status in t.sources]


class ProviderStatus(StrEnum):
    """The simpler face providers see."""

    DRAFT = "draft"
    RECEIVED = "received"
    UNDER_REVIEW = "under_review"
    INFORMATION_REQUESTED = "information_requested"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


_PROVIDER_FACE = {
    Status.DRAFT: ProviderStatus.DRAFT,
    Status.SUBMITTED: ProviderStatus.RECEIVED,
    Status.UNDER_REVIEW: ProviderStatus.UNDER_REVIEW,
    Status.DECISION_PROPOSED: ProviderStatus.UNDER_REVIEW,
    Status.INFORMATION_REQUESTED: ProviderStatus.INFORMATION_REQUESTED,
    Status.ACCEPTED: ProviderStatus.ACCEPTED,
    Status.RETURNED: ProviderStatus.RETURNED,
    Status.WITHDRAWN: ProviderStatus.WITHDRAWN,
}


def provider_status(status: Status) -> ProviderStatus:
    return _PROVIDER_FACE[status]


def statuses_shown_as(face: ProviderStatus) -> tuple[Status, ...]:
    """The statuses a provider sees as ``face`` (*Under review* is two of ours)."""
    return tuple(status for status, shown in _PROVIDER_FACE.items() if shown == face)
