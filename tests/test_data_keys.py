"""KMS keys as the data tier relies on them (FSBP KMS.4/5 and the deploy-time traps of
controls.md), read from the real prod and dev plans."""

from __future__ import annotations

import pytest
from conftest import policy_doc

from groundwork.engine import PlanResult

KEY = "aws:kms/key:Key"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def key(plan: PlanResult, purpose: str):
    return plan.one(KEY, f"kms-{purpose}-key")


def statements(plan: PlanResult, purpose: str) -> list[dict]:
    return policy_doc(key(plan, purpose))["Statement"]


def principals(stmt: dict) -> list[str]:
    p = stmt.get("Principal")
    if p == "*":
        return ["*"]
    out: list[str] = []
    for v in (p or {}).values():
        out += v if isinstance(v, list) else [v]
    return out


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_kms_4_every_key_rotates(stack, request):
    plan = request.getfixturevalue(stack)
    keys = plan.of_type(KEY)
    assert {k.name for k in keys} >= {"kms-logs-key", "kms-data-key", "kms-notifications-key"}
    for k in keys:
        assert k.inputs["enableKeyRotation"] is True, k.name
        assert 90 <= k.inputs.get("rotationPeriodInDays", 365) <= 2560


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_kms_5_no_unconditioned_public_principal(stack, request):
    plan = request.getfixturevalue(stack)
    keys = plan.of_type(KEY)
    assert len(keys) >= 3
    service_grants = 0
    for k in keys:
        doc = policy_doc(k)
        for stmt in doc["Statement"]:
            if "*" in principals(stmt) or any(p.endswith(":*") for p in principals(stmt)):
                assert stmt.get("Condition"), (k.name, stmt.get("Sid"))
            if stmt["Effect"] == "Allow" and "Service" in (stmt.get("Principal") or {}):
                # every service grant is scoped to this account or its log groups
                assert stmt.get("Condition"), (k.name, stmt.get("Sid"))
                service_grants += 1
    assert service_grants >= 3  # logs, cloudwatch and RDS events: the branch above ran


def test_logs_key_allows_cloudwatch_logs_for_this_accounts_log_groups(prod):
    [stmt] = [s for s in statements(prod, "logs") if "Service" in s["Principal"]]
    assert stmt["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert {"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
            "kms:Describe*"} <= set(stmt["Action"])
    assert stmt["Condition"] == {"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*"}}


def test_notifications_key_lets_cloudwatch_alarms_publish(prod):
    by_service = {s["Principal"]["Service"]: s for s in statements(prod, "notifications")
                  if "Service" in s["Principal"]}
    cw = by_service["cloudwatch.amazonaws.com"]
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cw["Action"])
    assert cw["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert "events.rds.amazonaws.com" in by_service  # RDS event subscriptions publish too


def test_data_key_is_usable_only_through_the_data_services(prod):
    service_stmts = [s for s in statements(prod, "data") if s["Sid"] != "AccountRootManagesKey"]
    [stmt] = service_stmts
    via = stmt["Condition"]["StringEquals"]["kms:ViaService"]
    assert set(via) == {f"{s}.{REGION}.amazonaws.com" for s in ("rds", "elasticache", "secretsmanager")}
    assert stmt["Condition"]["StringEquals"]["kms:CallerAccount"] == ACCOUNT
    assert "kms:CreateGrant" in stmt["Action"]  # RDS and ElastiCache attach the key by grant


def test_data_tier_uses_one_key_per_purpose(prod):
    data, logs = key(prod, "data").outputs["arn"], key(prod, "logs").outputs["arn"]
    rds = prod.one("aws:rds/instance:Instance").inputs
    assert {rds["kmsKeyId"], rds["performanceInsightsKmsKeyId"],
            rds["masterUserSecretKmsKeyId"]} == {data}
    assert prod.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs["kmsKeyId"] == data
    assert prod.one("aws:secretsmanager/secret:Secret", "cache-auth-secret").inputs["kmsKeyId"] == data
    data_logs = [g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup")
                 if g.inputs["name"].startswith(("/aws/rds/", "/aws/elasticache/"))]
    assert len(data_logs) == 4
    assert {g.inputs["kmsKeyId"] for g in data_logs} == {logs}
