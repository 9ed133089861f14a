"""Reading Slack user objects: who belongs to the workspace and who comes from another organization."""

from __future__ import annotations

from ingest.slack_objects import profile_from_user


def test_a_member_of_the_workspace_is_not_external() -> None:
    assert not profile_from_user("T1", {"id": "U1", "team_id": "T1"}, enterprise_id=None).is_external


def test_a_person_of_another_organization_is_external() -> None:
    assert profile_from_user("T1", {"id": "U9", "team_id": "T9"}, enterprise_id=None).is_external
    assert profile_from_user("T1", {"id": "U9", "is_stranger": True}, enterprise_id=None).is_external


def test_a_grid_member_homed_in_a_sibling_workspace_belongs_to_the_organization() -> None:
    user = {"id": "W1", "team_id": "T2", "enterprise_user": {"enterprise_id": "E1", "teams": ["T1", "T2"]}}
    assert not profile_from_user("T1", user, enterprise_id="E1").is_external


def test_a_member_of_another_grid_org_is_external_though_slack_calls_them_an_enterprise_user() -> None:
    user = {"id": "W9", "team_id": "T9", "enterprise_user": {"enterprise_id": "E9", "teams": ["T9"]}}
    assert profile_from_user("T1", user, enterprise_id="E1").is_external
    # A standalone workspace has no Grid org: every enterprise user of another team is from outside.
    assert profile_from_user("T1", user, enterprise_id=None).is_external
