"""The workflow table (DESIGN.md §4): every status present, issue 5's transitions and roles."""

from __future__ import annotations

import pytest

from hubcity.core.i18n import use_locale
from hubcity.programs import workflow

DESIGN_KEYS = {
    "draft", "submitted", "screening", "ineligible", "more_info_requested", "in_review",
    "awaiting_decision", "approved", "waitlisted", "rejected", "withdrawn",
}
ISSUE_5 = {
    ("draft", "submitted"): {"applicant"},
    ("submitted", "screening"): {"program_manager", "admin"},
    ("screening", "ineligible"): {"program_manager", "admin"},
    ("screening", "more_info_requested"): {"program_manager", "admin"},
    ("more_info_requested", "submitted"): {"applicant"},
    ("screening", "in_review"): {"program_manager", "admin"},
    **{(s, "withdrawn"): {"applicant"} for s in ("draft", "submitted", "screening", "more_info_requested", "in_review")},
}
#: Issue 6 extends the table (review and decision); the exact tests below check both together.
ISSUE_6 = {
    ("in_review", "awaiting_decision"): {"program_manager", "admin", "system"},
    **{("awaiting_decision", s): {"program_manager", "admin"} for s in ("approved", "waitlisted", "rejected")},
    **{("waitlisted", s): {"program_manager", "admin"} for s in ("approved", "rejected")},
    **{(s, "awaiting_decision"): {"program_manager", "admin"} for s in ("approved", "waitlisted", "rejected")},
}
TABLE = {**ISSUE_5, **ISSUE_6}


def test_every_design_status_is_in_the_table() -> None:
    assert set(workflow.WORKFLOW) == DESIGN_KEYS


def test_the_table_holds_exactly_issue_5s_and_issue_6s_transitions() -> None:
    table = {(s.key, t.to): set(t.roles) for s in workflow.STATUSES for t in s.transitions}
    assert table == TABLE


@pytest.mark.parametrize("from_key", sorted(DESIGN_KEYS))
@pytest.mark.parametrize("to_key", sorted(DESIGN_KEYS))
@pytest.mark.parametrize("role", workflow.ROLES)
def test_can_transition_agrees_with_the_table(from_key: str, to_key: str, role: str) -> None:
    decision = workflow.can_transition(from_key, to_key, role)
    assert decision.allowed == (role in TABLE.get((from_key, to_key), set()))
    assert decision.allowed or decision.reason


def test_refusal_names_both_statuses() -> None:
    with use_locale("en"):
        decision = workflow.can_transition("draft", "approved", "admin")
    assert not decision and "Draft" in decision.reason and "Approved" in decision.reason


def test_unknown_status_is_refused() -> None:
    assert not workflow.can_transition("draft", "nonsense", "applicant")
    assert workflow.transitions_from("nonsense") == ()


def test_labels_and_editability() -> None:
    with use_locale("en"):
        assert workflow.public_label("screening") == "Eligibility check"
        assert workflow.public_label("in_review") == "Under review"
        assert workflow.public_label("awaiting_decision") == "Decision pending"
        # every status has its own applicant-facing label: no step of the timeline reads like the one before
        assert len({workflow.public_label(key) for key in workflow.WORKFLOW}) == len(workflow.WORKFLOW)
        assert workflow.staff_label("screening") == "Screening"
        assert workflow.public_label("unknown") == "unknown"
    assert workflow.editable_by_applicant("draft")
    assert workflow.editable_by_applicant("more_info_requested")
    assert not workflow.editable_by_applicant("submitted")
    assert workflow.allowed_targets("screening", "applicant") == ["withdrawn"]


def test_role_of_prefers_admin_then_manager_then_member() -> None:
    assert workflow.role_of(frozenset({"admin", "program_manager"}), is_member=True) == "admin"
    assert workflow.role_of(frozenset({"program_manager"}), is_member=False) == "program_manager"
    assert workflow.role_of(frozenset({"reviewer"}), is_member=True) == "applicant"
    assert workflow.role_of(frozenset({"finance"}), is_member=False) is None
