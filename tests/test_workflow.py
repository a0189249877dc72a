"""The life of a notice as a table: every (action, status) pair, checked against the diagram
in DOMAIN.md written out here by hand, so that a change to either shows up."""

import itertools

import pytest

from app.domain.workflow import (
    CLOCK_RUNNING,
    FINAL,
    TRANSITIONS,
    Action,
    ProviderStatus,
    Side,
    Status,
    TransitionRefused,
    allowed_actions,
    check_transition,
    provider_status,
)

S = Status
UNDECIDED = {S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED, S.DECISION_PROPOSED}

# From the diagram: the statuses each action starts from, where it leads (None: the row is
# deleted, or the outcome decides) and who acts. Assigning is not drawn; the roles table
# lets a supervisor assign work, which the code allows while the review is open and no
# decision is proposed.
EXPECTED = {
    Action.SUBMIT: ({S.DRAFT}, S.SUBMITTED, Side.PROVIDER),
    Action.DELETE: ({S.DRAFT}, None, Side.PROVIDER),
    Action.TAKE: ({S.SUBMITTED}, S.UNDER_REVIEW, Side.STAFF),
    Action.ASSIGN: ({S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED}, None, Side.STAFF),
    Action.REQUEST_INFORMATION: ({S.UNDER_REVIEW}, S.INFORMATION_REQUESTED, Side.STAFF),
    Action.RESPOND: ({S.INFORMATION_REQUESTED}, S.UNDER_REVIEW, Side.PROVIDER),
    Action.PROPOSE_DECISION: ({S.UNDER_REVIEW}, S.DECISION_PROPOSED, Side.STAFF),
    Action.CONFIRM_DECISION: ({S.DECISION_PROPOSED}, None, Side.STAFF),
    Action.SEND_BACK: ({S.DECISION_PROPOSED}, S.UNDER_REVIEW, Side.STAFF),
    Action.WITHDRAW: (UNDECIDED, S.WITHDRAWN, Side.PROVIDER),
}

PAIRS = list(itertools.product(Action, Status))


def test_the_table_covers_every_action_and_nothing_else():
    assert set(EXPECTED) == set(Action)
    assert set(TRANSITIONS) == set(Action)


@pytest.mark.parametrize(("action", "status"), PAIRS, ids=[f"{a}-from-{s}" for a, s in PAIRS])
def test_each_action_is_allowed_exactly_from_the_statuses_of_the_diagram(action, status):
    sources, target, _side = EXPECTED[action]
    if status in sources:
        transition = check_transition(action, status)
        assert transition.action == action
        assert transition.target == target
    else:
        with pytest.raises(TransitionRefused) as refused:
            check_transition(action, status)
        assert refused.value.action == action
        assert refused.value.status == status
        assert action.value in str(refused.value)
        assert status.value in str(refused.value)


@pytest.mark.parametrize("action", list(Action))
def test_each_action_belongs_to_one_side(action):
    assert TRANSITIONS[action].side == EXPECTED[action][2]


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("side", list(Side))
def test_allowed_actions_lists_what_the_side_may_do_in_the_status(status, side):
    expected = {a for a, (sources, _t, s) in EXPECTED.items() if s == side and status in sources}
    assert set(allowed_actions(status, side)) == expected


@pytest.mark.parametrize("status", sorted(FINAL))
def test_a_decided_or_withdrawn_notice_allows_nothing(status):
    assert allowed_actions(status, Side.PROVIDER) == []
    assert allowed_actions(status, Side.STAFF) == []


def test_final_statuses_are_the_outcomes_and_withdrawal():
    assert {S.ACCEPTED, S.RETURNED, S.WITHDRAWN} == FINAL


def test_the_clock_runs_except_while_information_is_requested():
    assert {S.SUBMITTED, S.UNDER_REVIEW, S.DECISION_PROPOSED} == CLOCK_RUNNING


@pytest.mark.parametrize(
    "action",
    [
        Action.REQUEST_INFORMATION,
        Action.WITHDRAW,
        Action.PROPOSE_DECISION,
        Action.SEND_BACK,
        Action.RESPOND,
    ],
)
def test_info_requests_returns_and_withdrawals_need_a_comment(action):
    # DOMAIN.md: a comment is required for info requests, returns and withdrawals; a
    # proposal carries its reasons, a send-back says why, a response says something.
    assert TRANSITIONS[action].comment_required


@pytest.mark.parametrize(
    ("status", "face"),
    [
        (S.DRAFT, ProviderStatus.DRAFT),
        (S.SUBMITTED, ProviderStatus.RECEIVED),
        (S.UNDER_REVIEW, ProviderStatus.UNDER_REVIEW),
        (S.INFORMATION_REQUESTED, ProviderStatus.INFORMATION_REQUESTED),
        (S.DECISION_PROPOSED, ProviderStatus.UNDER_REVIEW),
        (S.ACCEPTED, ProviderStatus.ACCEPTED),
        (S.RETURNED, ProviderStatus.RETURNED),
        (S.WITHDRAWN, ProviderStatus.WITHDRAWN),
    ],
)
def test_providers_see_the_simpler_face(status, face):
    assert provider_status(status) == face


def test_providers_never_see_that_a_decision_is_proposed():
    assert "decision_proposed" not in {f.value for f in ProviderStatus}
