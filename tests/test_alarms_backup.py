"""AWS Backup failure notices (components/alarms/backup.py): EventBridge rules on failed backup,
copy and restore jobs of the plan's vaults, to the critical topic; the catalog's event entries
and their runbook sections; the topic and KMS key statements that let EventBridge publish; prod
has them, dev (backups off) has none."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import policy_doc, tags_of

from groundwork.components.alarm_names import ALARMS, CATALOG, EVENT_NOTICES
from groundwork.components.alarms.backup import (
    BACKUP_EVENTS,
    BackupNotices,
    BackupNoticesArgs,
    event_pattern,
    input_template,
    notices_naming,
    rule_names,
)
from groundwork.components.alarms.notifications import topic_policy
from groundwork.components.kms import key_policy
from groundwork.engine import PlanResult, plan_stack
from groundwork.stacks.config import ConfigError
from groundwork.testing import plan_function

RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
ACCOUNT = "123456789012"
ROOT = Path(__file__).resolve().parents[1]
VAULT = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:shop-test-backup"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-test-backup-role"


# -- the catalog and the pure parts ---------------------------------------------------------


def test_event_notices_are_in_the_catalog_but_not_among_the_metric_alarms():
    assert set(EVENT_NOTICES) == {"backup-job-failed", "copy-job-failed", "restore-job-failed"}
    assert {e.key for e in BACKUP_EVENTS} == set(EVENT_NOTICES)
    assert not set(EVENT_NOTICES) & set(ALARMS)  # overrides and metric factories never see them
    assert set(CATALOG) == set(ALARMS) | set(EVENT_NOTICES)
    for kind in EVENT_NOTICES.values():
        assert (kind.family, kind.severity, kind.source) == ("backup", "critical", "event")
    assert {k.source for k in ALARMS.values()} == {"metric"}


def test_each_notice_has_a_runbook_section_with_a_first_step():
    text = (ROOT / "docs/alarms.md").read_text()
    for key in EVENT_NOTICES:
        section = text.split(f"\n### {key}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        assert "First:" in section, key
        assert f"| {key} | `<prefix>-backup-notices-{key}` |" in text


@pytest.mark.parametrize(("key", "detail_type", "field", "states", "scope"), [
    ("backup-job-failed", "Backup Job State Change", "state",
     ["FAILED", "ABORTED", "EXPIRED", "PARTIAL"], "backupVaultArn"),
    ("copy-job-failed", "Copy Job State Change", "state", ["FAILED", "PARTIAL"],
     "sourceBackupVaultArn"),
    ("restore-job-failed", "Restore Job State Change", "status", ["FAILED", "ABORTED"],
     "iamRoleArn"),
])
def test_patterns_match_the_failure_states_of_the_scoped_jobs(key, detail_type, field, states, scope):
    [event] = [e for e in BACKUP_EVENTS if e.key == key]
    pattern = event_pattern(event, ["arn:x", "arn:y"], account_id=ACCOUNT)
    assert pattern == {"source": ["aws.backup"], "account": [ACCOUNT],
                       "detail-type": [detail_type],
                       "detail": {field: states, scope: ["arn:x", "arn:y"]}}
    # no success or progress state is ever paged
    assert not {"COMPLETED", "RUNNING", "CREATED", "PENDING"} & set(pattern["detail"][field])
    # nothing to scope on: every such job of the account and region
    assert event_pattern(event, [], account_id=ACCOUNT)["detail"] == {field: states}


def test_the_backup_pattern_matches_aws_s_example_failed_event_and_not_a_completed_one():
    """AWS's documented example events (AWS Backup developer guide, EventBridge page), with the
    vault replaced by ours; EventBridge's matching: every pattern field present with a listed
    value."""
    def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
        for field, want in pattern.items():
            if isinstance(want, dict):
                if not isinstance(event.get(field), dict) or not matches(want, event[field]):
                    return False
            elif event.get(field) not in want:
                return False
        return True

    failed = {"version": "0", "detail-type": "Backup Job State Change", "source": "aws.backup",
              "account": ACCOUNT, "region": "us-east-1", "resources": [],
              "detail": {"backupJobId": "34176239", "backupVaultArn": VAULT,
                         "backupVaultName": "shop-test-backup", "state": "FAILED",
                         "statusMessage": "Backup job failed"}}
    [backup, _, restore] = BACKUP_EVENTS
    pattern = event_pattern(backup, [VAULT], account_id=ACCOUNT)
    assert matches(pattern, failed)
    assert not matches(pattern, {**failed, "detail": {**failed["detail"], "state": "COMPLETED"}})
    other = {**failed, "detail": {**failed["detail"], "backupVaultArn": VAULT + "-other"}}
    assert not matches(pattern, other)  # another environment's vault
    assert not matches(pattern, {**failed, "account": "210987654321"})
    restore_failed = {"detail-type": "Restore Job State Change", "source": "aws.backup",
                      "account": ACCOUNT, "detail": {"restoreJobId": "1B23", "iamRoleArn": ROLE,
                                                     "resourceType": "RDS", "status": "FAILED"}}
    assert matches(event_pattern(restore, [ROLE], account_id=ACCOUNT), restore_failed)


def test_the_message_carries_the_catalog_text_and_the_whole_event():
    kind = EVENT_NOTICES["copy-job-failed"]
    template = input_template(kind)
    # valid JSON once EventBridge substitutes the predefined variables
    body = json.loads(template.replace("<aws.events.event.json>", '{"detail": {}}')
                      .replace("<aws.events.rule-name>", "r"))
    assert body["meaning"] == kind.meaning and body["first_step"] == kind.first_step
    assert body["runbook"] == "docs/alarms.md#copy-job-failed"
    assert body["severity"] == "critical" and body["event"] == {"detail": {}}
    assert '"event": <aws.events.event.json>' in template  # unquoted: inserted as JSON
    assert set(re.findall(r"<([^>]+)>", template)) == {"aws.events.event.json",
                                                       "aws.events.rule-name"}
    assert input_template(kind, runbook_url="https://rb.example.com/gw").count(
        '"runbook": "https://rb.example.com/gw#copy-job-failed"') == 1


def test_rule_names_fit_eventbridge_even_with_a_long_prefix():
    long = notices_naming("backup-notices", "a-very-long-project-name-for-a-stack-prod")
    for name in rule_names(long).values():
        assert len(name) <= 64 and re.match(r"^[.\-_A-Za-z0-9]+$", name)
    assert len(set(rule_names(long).values())) == 3
    assert rule_names(notices_naming("backup-notices", "groundwork-prod")) == {
        key: f"groundwork-prod-backup-notices-{key}" for key in EVENT_NOTICES}


def test_topic_and_key_statements_let_only_these_rules_of_this_account_publish():
    topic = "arn:aws:sns:us-east-1:123456789012:t-critical"
    policy = topic_policy(topic, account_id=ACCOUNT, region="us-east-1",
                          event_rules=["t-backup-notices-backup-job-failed"])
    [stmt] = [s for s in policy["Statement"] if s["Sid"] == "EventBridgeRulesPublish"]
    assert stmt["Principal"] == {"Service": "events.amazonaws.com"}
    assert stmt["Action"] == "sns:Publish" and stmt["Resource"] == topic
    assert stmt["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": [
            f"arn:aws:events:us-east-1:{ACCOUNT}:rule/t-backup-notices-backup-job-failed"]}}
    # only when needed
    assert "EventBridgeRulesPublish" not in {
        s["Sid"] for s in topic_policy(topic, account_id=ACCOUNT, region="us-east-1")["Statement"]}
    key = key_policy("notifications", account_id=ACCOUNT, region="us-east-1", eventbridge=True)
    [kstmt] = [s for s in key["Statement"] if s["Sid"] == "EventBridgeRulesPublish"]
    assert kstmt["Principal"] == {"Service": "events.amazonaws.com"}
    assert set(kstmt["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert kstmt["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    for plain in (key_policy("notifications", account_id=ACCOUNT, region="us-east-1"),
                  key_policy("data", account_id=ACCOUNT, region="us-east-1", eventbridge=True)):
        assert "EventBridgeRulesPublish" not in {s["Sid"] for s in plain["Statement"]}


# -- the component on stand-in resources ----------------------------------------------------


def _standalone() -> PlanResult:
    def program() -> None:
        topic = aws.sns.Topic("critical", name="shop-test-critical")
        notices = BackupNotices("backup-notices", BackupNoticesArgs(
            name_prefix="shop-test", vault_arns=[VAULT], restore_role_arns=[ROLE],
            topic_arn=topic.arn, account_id=ACCOUNT))
        pulumi.export("names", notices.rule_names)

    return plan_function(program)


@pytest.fixture(scope="module")
def standalone() -> PlanResult:
    return _standalone()


def test_the_component_creates_one_rule_and_target_per_notice(standalone):
    plan = standalone
    topic = plan.one(TOPIC, "critical").outputs["arn"]
    rules = {tags_of(r)["AlarmKey"]: r for r in plan.of_type(RULE)}
    assert set(rules) == set(EVENT_NOTICES)
    targets = plan.of_type(TARGET)
    assert len(targets) == 3
    for key, rule in rules.items():
        assert rule.inputs["name"] == f"shop-test-backup-notices-{key}"
        assert rule.outputs["arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule.inputs['name']}"
        assert rule.inputs["state"] == "ENABLED"
        pattern = json.loads(rule.inputs["eventPattern"])
        scope = ROLE if key == "restore-job-failed" else VAULT
        assert scope in next(v for f, v in pattern["detail"].items() if f.endswith("Arn"))
        assert pattern["account"] == [ACCOUNT]
        [target] = [t for t in targets if t.inputs["rule"] == rule.outputs["name"]]
        assert target.inputs["arn"] == topic  # the critical topic's arn output
        assert EVENT_NOTICES[key].first_step in target.inputs["inputTransformer"]["inputTemplate"]
    assert plan.stack_outputs["names"]["copy-job-failed"] == "shop-test-backup-notices-copy-job-failed"


def test_the_component_refuses_missing_connections_before_registering_anything():
    with pytest.raises(ValueError, match=r"BackupNoticesArgs.topic_arn is required"):
        BackupNotices("backup-notices", BackupNoticesArgs(vault_arns=[VAULT], account_id=ACCOUNT))
    with pytest.raises(ValueError, match=r"BackupNoticesArgs.vault_arns is empty"):
        BackupNotices("backup-notices", BackupNoticesArgs(topic_arn="arn:t", account_id=ACCOUNT))


def test_overrides_refuse_a_notice_key():
    with pytest.raises(ConfigError) as err:
        plan_stack("dev", overrides={"alarms": {"overrides": {"copy-job-failed": {"threshold": 1}}}})
    assert any("copy-job-failed is an EventBridge notice" in p for p in err.value.problems)


# -- the stacks -----------------------------------------------------------------------------


def _critical_policy(plan: PlanResult) -> dict[str, Any]:
    [topic] = [t for t in plan.of_type(TOPIC) if t.inputs["name"].endswith("-alarms-critical")]
    [policy] = [p for p in plan.of_type("aws:sns/topicPolicy:TopicPolicy")
                if p.inputs["arn"] == topic.outputs["arn"]]
    return policy_doc(policy)


def _notifications_key(plan: PlanResult) -> dict[str, Any]:
    [key] = [k for k in plan.of_type("aws:kms/key:Key")
             if tags_of(k).get("Purpose") == "notifications" and "us-east-1" not in k.name]
    return policy_doc(key)


def test_prod_notices_watch_the_plans_vault_and_page_the_critical_topic(prod):
    [vault] = [v for v in prod.of_type("aws:backup/vault:Vault")
               if not v.inputs["name"].endswith("-dr") and "aws-dr" not in (v.provider or "")]
    [topic] = [t for t in prod.of_type(TOPIC) if t.inputs["name"] == "groundwork-prod-alarms-critical"]
    # (the deploy notices' rules: tests/test_alarms_deployments.py)
    rules = {tags_of(r)["AlarmKey"]: r for r in prod.of_type(RULE)
             if r.name.startswith("backup-notices")}
    assert set(rules) == set(EVENT_NOTICES)
    backup = json.loads(rules["backup-job-failed"].inputs["eventPattern"])
    assert backup["detail"]["backupVaultArn"] == [vault.outputs["arn"]]
    assert backup["detail-type"] == ["Backup Job State Change"]
    copy = json.loads(rules["copy-job-failed"].inputs["eventPattern"])
    assert copy["detail"]["sourceBackupVaultArn"] == [vault.outputs["arn"]]
    restore = json.loads(rules["restore-job-failed"].inputs["eventPattern"])
    [role] = [r for r in prod.of_type("aws:iam/role:Role")
              if r.outputs["arn"] in restore["detail"]["iamRoleArn"]]
    assert "backup.amazonaws.com" in json.dumps(policy_doc(role, "assumeRolePolicy"))
    for target in prod.of_type(TARGET):
        if target.name.startswith("backup-notices"):
            assert target.inputs["arn"] == topic.outputs["arn"]
    # the topic and its key let exactly these rules publish
    [stmt] = [s for s in _critical_policy(prod)["Statement"] if s["Sid"] == "EventBridgeRulesPublish"]
    assert sorted(stmt["Condition"]["ArnLike"]["aws:SourceArn"]) == sorted(
        r.outputs["arn"] for r in rules.values())
    assert "EventBridgeRulesPublish" in {s["Sid"] for s in _notifications_key(prod)["Statement"]}


def test_dev_has_no_backup_notices_nor_eventbridge_statements(dev):
    assert not [r for r in [*dev.of_type(RULE), *dev.of_type(TARGET)]
                if r.name.startswith("backup-notices")]
    assert "EventBridgeRulesPublish" not in {s["Sid"] for s in _critical_policy(dev)["Statement"]}
    # dev's key lets EventBridge publish for the deploy notices (tests/test_alarms_deployments.py)
    assert "EventBridgeRulesPublish" in {s["Sid"] for s in _notifications_key(dev)["Statement"]}
