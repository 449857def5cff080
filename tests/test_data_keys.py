"""KMS keys as the data tier relies on them (FSBP KMS.4/5 and the deploy-time traps of
docs/data-tier.md), read from the real prod and dev plans; the stack's keys keep their names and alias
their pre-0.2.0 URNs; and `EnvironmentKeys(name, EnvironmentKeysArgs)` as a library component
(two sets in one program, the Args it refuses)."""

from __future__ import annotations

import pytest
from conftest import policy_doc
from pydantic import ValidationError
from test_security_groups import physical_names, plan_pairs, refused

from groundwork.components.args import doc_of
from groundwork.components.kms import (
    EncryptionKeyArgs,
    EncryptionKeySettings,
    EnvironmentKeysArgs,
    EnvironmentKeysSettings,
)
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
    services = ("rds", "elasticache", "secretsmanager", "sqs", "es", "kafka", "backup", "s3")
    assert set(via) == {f"{s}.{REGION}.amazonaws.com" for s in services}
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


# --- EnvironmentKeys / EncryptionKey on the stacks: names kept, URNs aliased ----------------

ENCRYPTION_KEY = "groundwork:security:EncryptionKey"
ENVIRONMENT_KEYS = "groundwork:security:EnvironmentKeys"


def pre_0_2_urn(stack: str, chain: str, name: str) -> str:
    """A URN as 0.1 recorded it: the keys were top-level `kms-<purpose>` components."""
    return f"urn:pulumi:{stack}::groundwork::{chain}::{name}"


def inherited_alias(child, parent_urn: str, parent_alias: str) -> str:
    """The old URN the engine derives for a child from its parent's alias (Pulumi aliases a
    parent's children along with it): the parent's old type chain, then the child's type."""
    assert child.parent == parent_urn
    old_chain = parent_alias.split("::")[2]
    return f"{'::'.join(parent_alias.split('::')[:2])}::{old_chain}${child.type}::{child.name}"


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_stacks_keys_keep_their_names_and_alias_their_old_urns(stack, request):
    plan = request.getfixturevalue(stack)
    env = f"groundwork-{stack}"
    keys = plan.one(ENVIRONMENT_KEYS, "kms")  # prod also has kms-dr, the DR region's data key
    members = {c.name: c for c in plan.children(keys)}
    assert set(members) == {"kms-logs", "kms-data", "kms-notifications"}
    for purpose in ("logs", "data", "notifications"):
        comp = members[f"kms-{purpose}"]
        assert comp.type == ENCRYPTION_KEY
        old = pre_0_2_urn(stack, ENCRYPTION_KEY, comp.name)
        assert comp.urn != old and old in comp.aliases  # moved under "kms", aliased: no replace
        kids = {c.type: c for c in plan.children(comp)}
        k, alias = kids[KEY], kids["aws:kms/alias:Alias"]
        assert (k.name, alias.name) == (f"kms-{purpose}-key", f"kms-{purpose}-alias")
        assert inherited_alias(k, comp.urn, old) == pre_0_2_urn(
            stack, f"{ENCRYPTION_KEY}$aws:kms/key:Key", f"kms-{purpose}-key")
        assert inherited_alias(alias, comp.urn, old) == pre_0_2_urn(
            stack, f"{ENCRYPTION_KEY}$aws:kms/alias:Alias", f"kms-{purpose}-alias")
        # the AWS-side names CI policies and people refer to are unchanged
        assert alias.inputs["name"] == f"alias/{env}-{purpose}"
        assert k.inputs["description"] == f"{env} {purpose} encryption key"
        assert k.inputs["tags"]["Name"] == f"{env}-{purpose}"
        assert k.inputs["tags"]["Purpose"] == purpose
        assert k.inputs["deletionWindowInDays"] == 30
        assert k.inputs["rotationPeriodInDays"] == 365
        assert alias.inputs["targetKeyId"] == k.outputs["keyId"]
    assert plan.stack_outputs["kms_key_arns"] == {
        p: plan.one(KEY, f"kms-{p}-key").outputs["arn"] for p in ("logs", "data", "notifications")}


# --- EnvironmentKeys(name, EnvironmentKeysArgs) as a library component -----------------------


@pytest.fixture(scope="module")
def pairs() -> PlanResult:
    return plan_pairs("two_of_each")


def test_two_key_sets_in_one_program_have_distinct_urns_and_aliases(pairs):
    sets = {s.name: s for s in pairs.of_type(ENVIRONMENT_KEYS)}
    assert set(sets) == {"kms", "jobs-kms"}
    assert not [k for k, n in physical_names(pairs).items() if n > 1]
    expected = {"kms": ("logs", "data", "notifications"), "jobs-kms": ("logs", "data")}
    assert {n: tuple(v["purposes"]) for n, v in pairs.stack_outputs["keys"].items()} == expected
    for name, comp in sets.items():
        members = pairs.children(comp)
        assert {m.name for m in members} == {f"{name}-{p}" for p in expected[name]}
        for m in members:
            purpose = m.name.removeprefix(f"{name}-")
            kids = {c.type: c for c in pairs.children(m)}
            assert kids["aws:kms/alias:Alias"].inputs["name"] == f"alias/pairs-test-{name}-{purpose}"
            k = kids[KEY]
            assert k.inputs["deletionWindowInDays"] == (7 if name == "jobs-kms" else 30)
            assert {s["Sid"] for s in policy_doc(k)["Statement"]} >= {"AccountRootManagesKey"}
            assert len(policy_doc(k)["Statement"]) == {"logs": 2, "data": 2, "notifications": 3}[purpose]
            assert pairs.stack_outputs["keys"][name]["arns"][purpose] == k.outputs["arn"]
    assert "created only logs, data (add it to purposes=)" in pairs.stack_outputs["require_error"]


@pytest.mark.parametrize("what, words", [
    ("key_without_purpose", "EncryptionKeyArgs.purpose is required (one of logs, data, notifications)"),
    ("keys_name_too_long", "its keys are named <name>-<purpose>"),
])
def test_missing_purpose_or_long_name_is_refused_before_anything_registers(what, words):
    plan, error = refused(what)
    assert words in error
    assert not [r for r in plan.resources if r.name.startswith(("bad", "k" * 30))]


@pytest.mark.parametrize("model, args, field", [
    (EncryptionKeyArgs, {"deletion_window_days": 5}, "deletion_window_days"),
    (EncryptionKeyArgs, {"rotation_period_days": 30}, "rotation_period_days"),
    (EncryptionKeyArgs, {"purpose": "secrets"}, "purpose"),
    (EncryptionKeyArgs, {"alias_name": "alias/aws/rds"}, "alias_name"),
    (EncryptionKeyArgs, {"alias_name": "groundwork-logs"}, "alias_name"),
    (EnvironmentKeysArgs, {"purposes": "logs"}, "purposes"),
    (EnvironmentKeysArgs, {"purposes": ()}, "purposes"),
    (EnvironmentKeysArgs, {"purposes": ("logs", "secrets")}, "purposes"),
    (EnvironmentKeysArgs, {"alias_prefix": "aws/x"}, "alias_prefix"),
    (EnvironmentKeysArgs, {"deletion_window_days": 31}, "deletion_window_days"),
])
def test_bad_args_name_the_field(model, args, field):
    with pytest.raises(ValidationError) as err:
        model(**args)
    assert field in str(err.value)


def test_purposes_come_in_creation_order_and_settings_are_documented():
    assert EnvironmentKeysArgs(purposes=("data", "logs", "data")).purposes == ("logs", "data")
    for model in (EncryptionKeySettings, EnvironmentKeysSettings):
        for key in model.model_fields:
            assert "default" in doc_of(model, key), (model.__name__, key)
