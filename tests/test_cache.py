"""RedisCache on the real prod and dev plans: every ElastiCache row of controls.md, the auth
token and its secret, logs, and the connection contract; and `RedisCache(name, RedisCacheArgs)`
as a library component (two caches in one program, the Args it refuses)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import tags_of
from pydantic import ValidationError
from test_security_groups import physical_names, plan_pairs, refused

import groundwork.components
from groundwork.check import check_records
from groundwork.components import cache_rotation
from groundwork.components.args import doc_of
from groundwork.components.base import component_naming
from groundwork.components.cache import (
    ROTATION_CODE,
    RedisCacheArgs,
    RedisCacheSettings,
    replication_group_id,
)
from groundwork.engine import REDACTED, PlanResult, ResourceRecord, plan_stack
from groundwork.stacks.config import CacheConfig, ConfigError, load_environment

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PASSWORD = "random:index/randomPassword:RandomPassword"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
COMPONENT = "groundwork:data:RedisCache"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
PERMISSION = "aws:lambda/permission:Permission"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def rg(plan: PlanResult):
    return plan.one(GROUP)


def key_arn(plan: PlanResult, purpose: str) -> str:
    return plan.one("aws:kms/key:Key", f"kms-{purpose}-key").outputs["arn"]


def test_elasticache_1_snapshots(prod, dev):
    assert rg(prod).inputs["snapshotRetentionLimit"] == 7
    assert rg(dev).inputs["snapshotRetentionLimit"] == 1
    for plan in (prod, dev):
        assert rg(plan).inputs["snapshotRetentionLimit"] >= 1
        assert rg(plan).inputs["snapshotWindow"] == "02:00-03:00"
    assert rg(prod).inputs["finalSnapshotIdentifier"] == "groundwork-prod-cache-final"
    assert "finalSnapshotIdentifier" not in rg(dev).inputs


def test_elasticache_2_minor_upgrades(prod, dev):
    for plan in (prod, dev):
        assert rg(plan).inputs["autoMinorVersionUpgrade"] is True


def test_elasticache_3_failover_and_multi_az_in_prod(prod, dev):
    p = rg(prod).inputs
    assert p["numCacheClusters"] >= 2
    assert p["automaticFailoverEnabled"] is True and p["multiAzEnabled"] is True
    d = rg(dev).inputs
    assert d["numCacheClusters"] == 1
    # one node can't fail over: AWS refuses automatic failover without a replica
    assert d["automaticFailoverEnabled"] is False and d["multiAzEnabled"] is False


def test_elasticache_4_5_encrypted_at_rest_with_the_data_key_and_in_transit(prod, dev):
    for plan in (prod, dev):
        i = rg(plan).inputs
        assert i["atRestEncryptionEnabled"] is True
        assert i["kmsKeyId"] == key_arn(plan, "data")
        assert i["transitEncryptionEnabled"] is True
        assert i["transitEncryptionMode"] == "required"


def test_elasticache_6_auth_token_is_generated_secret_and_valid(prod):
    i = rg(prod).inputs
    assert i["authToken"] == REDACTED
    assert "authToken" in rg(prod).secret_inputs  # marked secret by the program itself
    pw = prod.one(PASSWORD).inputs
    assert 16 <= pw["length"] <= 128
    assert pw["special"] is True
    assert not set(pw["overrideSpecial"]) & set('@"/:'), pw["overrideSpecial"]
    # an empty override means the provider's default specials (`_`, `%`, `@`...): AWS refuses those
    assert pw["overrideSpecial"], pw
    # CreateReplicationGroup's AuthToken: "The only permitted printable special characters are
    # !, &, #, $, ^, <, >, and -" (AWS refuses `_ . ~`, which mocks accept).
    assert set(pw["overrideSpecial"]) <= set("!&#$^<>-"), pw["overrideSpecial"]
    # and nothing that must be percent-encoded in a rediss://:token@host URL
    assert not set(pw["overrideSpecial"]) & set("#&^<>"), pw["overrideSpecial"]


def test_auth_secret_holds_the_token_encrypted_and_auto_named(prod, dev):
    for plan in (prod, dev):
        secret = plan.one(SECRET, "cache-auth-secret")
        assert secret.inputs["kmsKeyId"] == key_arn(plan, "data")
        assert "name" not in secret.inputs  # auto-named: a deleted name is held for days
        assert secret.inputs["namePrefix"] == f"groundwork-{plan.stack}-cache-auth-"
        assert secret.inputs["recoveryWindowInDays"] == 7
        version = plan.one(VERSION, "cache-auth-secret-value")
        # the program's `secret.id` (the mock answers the physical name as the id it returns)
        assert version.inputs["secretId"] in (secret.id, secret.outputs["name"])
        assert "secretString" in version.secret_inputs
        assert version.inputs["secretString"] == REDACTED


def test_token_never_in_config_or_outputs(prod):
    # The value the mock generated must appear nowhere in the recorded plan.
    raw = prod.one(PASSWORD)
    assert raw.outputs.get("result") == REDACTED
    import json

    dump = json.dumps(prod.to_json())
    assert "Gw0" not in dump  # the mock's token prefix (groundwork/engine.py)
    # the only auth keys the config has are the rotation's schedule and exemption
    keys = {k for k in prod.config.cache.model_dump() if "auth" in k.lower()}
    assert keys == {"auth_token_rotation_days", "auth_token_rotation_exempt",
                    "auth_token_rotation_exempt_until"}


def test_elasticache_7_custom_subnet_group_and_its_security_group(prod):
    i = rg(prod).inputs
    group = prod.one("aws:elasticache/subnetGroup:SubnetGroup")
    assert i["subnetGroupName"] == group.outputs["name"]
    sg = prod.one("aws:ec2/securityGroup:SecurityGroup", "security-groups-cache")
    assert i["securityGroupIds"] == [sg.id]
    assert i["port"] == 6379


def test_valkey_with_allkeys_lru_parameter_group(prod, dev):
    for plan in (prod, dev):
        i = rg(plan).inputs
        assert i["engine"] == "valkey" and i["engineVersion"] == "8.0"
        pg = plan.one(PARAMS)
        assert i["parameterGroupName"] == pg.outputs["name"]
        assert pg.inputs["family"] == "valkey8"
        assert pg.inputs["parameters"] == [{"name": "maxmemory-policy", "value": "allkeys-lru"}]


def test_eviction_policy_change_updates_the_parameter_group_in_place(dev):
    # name, family and description of an ElastiCache parameter group are ForceNew, and the name
    # is fixed: if a maxmemory_policy change touched any of them, Pulumi would create the
    # replacement under the same name first and AWS would refuse it.
    other = plan_stack("dev", overrides={"cache": {"maxmemory_policy": "volatile-lfu"}})
    before, after = dev.one(PARAMS).inputs, other.one(PARAMS).inputs
    assert after["parameters"] == [{"name": "maxmemory-policy", "value": "volatile-lfu"}]
    for key in ("name", "family", "description"):
        assert after[key] == before[key], key


def test_redis_engine_gets_its_own_family_and_version():
    plan = plan_stack("dev", overrides={"cache": {"engine": "redis"}})
    assert rg(plan).inputs["engine"] == "redis" and rg(plan).inputs["engineVersion"] == "7.1"
    assert plan.one(PARAMS).inputs["family"] == "redis7"
    assert CacheConfig(engine="redis", engine_version="6.2").parameter_group_family == "redis6.x"
    assert CacheConfig(engine_version="7.2").parameter_group_family == "valkey7"


def test_slow_and_engine_logs_to_encrypted_log_groups(prod, dev):
    for plan, retention in ((prod, 365), (dev, 14)):
        inst = rg(plan)
        rg_id = inst.inputs["replicationGroupId"]
        delivery = {d["logType"]: d for d in inst.inputs["logDeliveryConfigurations"]}
        assert set(delivery) == {"slow-log", "engine-log"}
        groups = {g.inputs["name"]: g for g in plan.of_type(LOG_GROUP)}
        for log_type, d in delivery.items():
            assert d["destinationType"] == "cloudwatch-logs" and d["logFormat"] == "json"
            assert d["destination"] == f"/aws/elasticache/{rg_id}/{log_type}"
            group = groups[d["destination"]]
            assert group.inputs["retentionInDays"] == retention
            assert group.inputs["kmsKeyId"] == key_arn(plan, "logs")


def test_replication_group_id_is_valid(prod, dev):
    # ElastiCache's rule as AWS documents it (written out here, not imported from the code under
    # test): 1-40 lowercase letters, digits or hyphens, a letter first, no '--', no trailing '-'
    def valid(ident: str) -> bool:
        return (len(ident) <= 40 and re.fullmatch(r"[a-z][a-z0-9-]*", ident) is not None
                and "--" not in ident and not ident.endswith("-"))

    assert rg(prod).inputs["replicationGroupId"] == "groundwork-prod-cache"
    assert rg(dev).inputs["replicationGroupId"] == "groundwork-dev-cache"
    for prefix, name, expected in (("groundwork-dev", "cache", "groundwork-dev-cache"),
                                   ("Groundwork_Stage--2", "cache", "groundwork-stage-2-cache"),
                                   ("y" * 70, "cache", None), ("1abc", "cache", "c-1abc-cache"),
                                   ("groundwork-prod", "sessions", "groundwork-prod-sessions"),
                                   ("groundwork-prod", "s" * 40, None)):
        naming = component_naming("RedisCache", name, RedisCacheArgs(name_prefix=prefix))
        ident = replication_group_id(naming)
        assert valid(ident), ident
        assert expected is None or ident == expected


def test_the_stacks_cache_keeps_its_pre_0_2_names(prod, dev):
    """The stack's cache is named "cache": every AWS name derived from it is what 0.1 had, and
    the parameter group's description (ForceNew under a fixed name) did not change either."""
    for plan in (prod, dev):
        env = f"groundwork-{plan.stack}"
        assert plan.one(COMPONENT).name == "cache"
        pg = plan.one(PARAMS)
        assert pg.name == "cache-params"
        assert pg.inputs["name"] == f"{env}-cache-valkey8"
        assert pg.inputs["description"] == f"{env} valkey cache parameters"
        assert rg(plan).inputs["description"] == f"{env} valkey cache"
        assert plan.one(SECRET).inputs["description"] == (
            f"{env} valkey AUTH token (SecretString is the token)")
        assert {g.name for g in plan.of_type(LOG_GROUP) if g.parent == plan.one(COMPONENT).urn} \
            == {"cache-log-slow-log", "cache-log-engine-log", "cache-rotation-logs"}  # + 0.3's


def test_children_are_parented_and_tagged(prod):
    comp = prod.one(COMPONENT)
    children = prod.children(comp)
    assert {c.type for c in children} == {GROUP, PARAMS, SECRET, VERSION, PASSWORD, LOG_GROUP,
                                          FUNCTION, ROLE, ROLE_POLICY, PERMISSION, ROTATION}
    for c in children:
        if c.type not in (VERSION, PASSWORD, ROLE_POLICY, PERMISSION, ROTATION):  # untaggable
            assert tags_of(c)["Environment"] == "prod" and tags_of(c)["Name"], c.name


def test_connection_contract_is_exported(prod):
    out = prod.stack_outputs["cache"]
    group = rg(prod).outputs
    assert out == {
        "primary_endpoint": group["primaryEndpointAddress"],
        "reader_endpoint": group["readerEndpointAddress"],
        "port": 6379,
        "auth_secret_arn": prod.one(SECRET, "cache-auth-secret").outputs["arn"],
        "security_group_id": prod.one("aws:ec2/securityGroup:SecurityGroup",
                                      "security-groups-cache").id,
        "replication_group_id": group["replicationGroupId"],
    }


def test_member_clusters_feed_the_alarm_dimensions(prod):
    members = rg(prod).outputs["memberClusters"]
    assert members == ["groundwork-prod-cache-001", "groundwork-prod-cache-002"]


def test_disabled_cache_is_absent():
    plan = plan_stack("dev", overrides={"cache": {"enabled": False}})
    assert not plan.of_type(GROUP) and "cache" not in plan.stack_outputs


# --- config validation ---------------------------------------------------------------------


def _load(cache: dict, profile: str = "dev"):
    return load_environment({"profile": profile, "tags": {"Owner": "t"}, "cache": cache},
                            stack=profile)


@pytest.mark.parametrize("cache, words", [
    ({"node_type": "cache.x1.large"}, "groundwork:cache.node_type: unknown or unsupported node type"),
    ({"node_type": "db.t4g.micro"}, "families: cache.m6g"),
    ({"engine": "memcached"}, "groundwork:cache.engine"),
    ({"engine_version": "7.1"}, "engine_version '7.1' is not available for valkey; use one of 7.2, 8.0, 8.1"),
    ({"engine": "redis", "engine_version": "8.0"}, "not available for redis; use one of 6.2, 7.0, 7.1"),
    ({"num_nodes": 7}, "groundwork:cache.num_nodes"),
    ({"snapshot_retention_days": 0}, "groundwork:cache.snapshot_retention_days"),
    ({"snapshot_retention_days": 36}, "groundwork:cache.snapshot_retention_days"),
    ({"log_retention_days": 2}, "groundwork:cache.log_retention_days: 2 is not a CloudWatch"),
    ({"snapshot_window": "2am"}, "groundwork:cache.snapshot_window: must look like 03:00-04:00"),
    ({"snapshot_window": "05:00-06:00"}, "snapshot_window 05:00-06:00 overlaps maintenance_window"),
    ({"maintenance_window": "sun:05:30-sun:06:00"}, "shorter than AWS's minimum of 60 minutes"),
    ({"maxmemory_policy": "lru"}, "groundwork:cache.maxmemory_policy"),
    ({"auth_token": "hunter2"}, "groundwork:cache.auth_token: unknown key"),
    ({"auth_token_rotation_days": 120}, "groundwork:cache.auth_token_rotation_days"),
])
def test_cache_config_errors_name_the_key(cache, words):
    with pytest.raises(ConfigError) as err:
        _load(cache)
    assert words in str(err.value)


def test_prod_floor_refuses_a_single_node():
    with pytest.raises(ConfigError, match=r"cache\.num_nodes must be >= 2 in prod"):
        _load({"num_nodes": 1}, profile="prod")


def test_prod_cache_is_protected_from_destroy_and_dev_is_not(prod, dev):
    assert prod.one("aws:elasticache/replicationGroup:ReplicationGroup").protect is True
    assert dev.one("aws:elasticache/replicationGroup:ReplicationGroup").protect is False


# --- the token's rotation ----------------------------------------------------------------


def rotation_parts(plan: PlanResult, cache: str = "cache") -> dict[str, ResourceRecord]:
    comp = next(c for c in plan.of_type(COMPONENT) if c.name == cache)
    kids = plan.children(comp)
    return {
        "secret": next(k for k in kids if k.type == SECRET),
        "group": next(k for k in kids if k.type == GROUP),
        "function": next(k for k in kids if k.type == FUNCTION),
        "role": next(k for k in kids if k.type == ROLE),
        "policy": next(k for k in kids if k.type == ROLE_POLICY),
        "permission": next(k for k in kids if k.type == PERMISSION),
        "rotation": next(k for k in kids if k.type == ROTATION),
        "logs": next(k for k in kids if k.name == f"{cache}-rotation-logs"),
    }


def test_the_auth_secret_rotates_every_30_days_with_the_packaged_function(prod, dev):
    for plan in (prod, dev):
        parts = rotation_parts(plan)
        secret, fn, rotation = parts["secret"], parts["function"], parts["rotation"]
        assert rotation.inputs["secretId"] in (secret.id, secret.outputs["arn"])
        assert rotation.inputs["rotationLambdaArn"] == fn.outputs["arn"]
        assert rotation.inputs["rotationRules"] == {"automaticallyAfterDays": 30}
        assert rotation.inputs.get("rotateImmediately", True) is True  # the first token goes at once
        # no exemption left on the secret, in either stack
        assert not {k for k in secret.inputs["tags"] if k.startswith("RotationExempt")}
        assert fn.inputs["runtime"] == "python3.12" and fn.inputs["handler"] == "cache_rotation.handler"
        assert fn.inputs["timeout"] == 900  # Lambda's maximum: a step waits for the group
        assert fn.inputs["environment"]["variables"] == {
            "REPLICATION_GROUP_ID": rg(plan).inputs["replicationGroupId"]}
        assert "vpcConfig" not in fn.inputs  # outside the VPC: the data tier has no API route


def test_the_function_code_is_the_module_shipped_in_the_package(prod):
    code = rotation_parts(prod)["function"].inputs["code"]
    assets = code["assets"]
    assert list(assets) == ["cache_rotation.py"]  # the archive holds exactly the one file
    path = Path(assets["cache_rotation.py"]["path"])
    assert path.resolve() == ROTATION_CODE.resolve() == Path(cache_rotation.__file__).resolve()
    # inside the groundwork package (so in the wheel: tests/test_wheel.py ships every file)
    package = Path(groundwork.components.__file__).resolve().parent
    assert path.resolve().parent == package


def test_the_function_logs_to_its_own_encrypted_log_group(prod, dev):
    for plan, retention in ((prod, 365), (dev, 14)):
        parts = rotation_parts(plan)
        fn, logs = parts["function"], parts["logs"]
        assert logs.inputs["name"] == f"/aws/lambda/{fn.inputs['name']}"
        assert fn.inputs["loggingConfig"]["logGroup"] == logs.inputs["name"]
        assert logs.inputs["kmsKeyId"] == key_arn(plan, "logs")
        assert logs.inputs["retentionInDays"] == retention
    assert rotation_parts(prod)["function"].inputs["name"] == "groundwork-prod-cache-auth-rotation"


def test_only_secrets_manager_for_this_secret_may_invoke_the_function(prod):
    parts = rotation_parts(prod)
    perm = parts["permission"].inputs
    assert perm["principal"] == "secretsmanager.amazonaws.com"
    assert perm["action"] == "lambda:InvokeFunction"
    assert perm["sourceArn"] == parts["secret"].outputs["arn"]
    assert perm["function"] == parts["function"].inputs["name"]


def test_the_function_role_has_exactly_what_a_rotation_needs(prod):
    parts = rotation_parts(prod)
    trust = json.loads(parts["role"].inputs["assumeRolePolicy"])
    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lambda.amazonaws.com"}]
    assert parts["function"].inputs["role"] == parts["role"].outputs["arn"]
    assert parts["policy"].inputs["role"] in (parts["role"].id, parts["role"].outputs["name"])
    policy = json.loads(parts["policy"].inputs["policy"])
    secret = parts["secret"].outputs["arn"]
    log_group = parts["logs"].outputs["arn"]
    by_resource = {}
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow"
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        assert not [a for a in actions if "*" in a], actions  # no wildcard action
        resources = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
        for r in resources:
            by_resource.setdefault(r, set()).update(actions)
    assert by_resource == {
        secret: {"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                 "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"},
        # GetRandomPassword has no resource type: AWS requires "*" for it, and only for it
        "*": {"secretsmanager:GetRandomPassword"},
        rg(prod).outputs["arn"]: {"elasticache:DescribeReplicationGroups",
                                  "elasticache:ModifyReplicationGroup"},
        key_arn(prod, "data"): {"kms:Decrypt", "kms:GenerateDataKey"},
        log_group: {"logs:CreateLogStream", "logs:PutLogEvents"},
        f"{log_group}:*": {"logs:CreateLogStream", "logs:PutLogEvents"},
    }
    kms = next(st for st in policy["Statement"] if st["Resource"] == key_arn(prod, "data"))
    assert kms["Condition"] == {"StringEquals": {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}


def test_prod_has_no_exempt_secret_and_the_rotation_rule_passes(prod):
    result = check_records(prod.resources, {"all": "mandatory"}, stack="prod")
    assert [v.message for v in result.violations if v.policy == "secretsmanager-rotation"] == []
    assert [v.message for v in result.violations if v.policy.startswith("lambda-")] == []
    assert result.exemptions == []
    secrets = prod.of_type(SECRET)
    assert secrets and all(
        not {k for k in s.inputs.get("tags", {}) if k.startswith("RotationExempt")} for s in secrets)


def test_an_exemption_replaces_the_rotation_with_a_dated_reason():
    plan = plan_stack("dev", overrides={"cache": {
        "auth_token_rotation_exempt": "clients read the token only at start until app 2.0",
        "auth_token_rotation_exempt_until": "2027-03-31"}})
    tags = plan.one(SECRET, "cache-auth-secret").inputs["tags"]
    assert tags["RotationExempt"] == "clients read the token only at start until app 2.0"
    assert tags["RotationExemptUntil"] == "2027-03-31"
    kids = {k.type for k in plan.children(plan.one(COMPONENT))}
    assert not kids & {ROTATION, FUNCTION, PERMISSION, ROLE, ROLE_POLICY}, kids
    assert not plan.of_type(ROTATION) and not plan.of_type(FUNCTION)
    assert not [g for g in plan.of_type(LOG_GROUP) if "/aws/lambda/" in g.inputs["name"]]


@pytest.mark.parametrize("args, words", [
    ({"auth_token_rotation_days": 0}, "auth_token_rotation_days"),
    ({"auth_token_rotation_days": 91}, "auth_token_rotation_days"),  # SecretsManager.4: <= 90
    ({"auth_token_rotation_exempt": "the apps cannot reload it"}, "give both or neither"),
    ({"auth_token_rotation_exempt_until": "2027-01-01"}, "give both or neither"),
    ({"auth_token_rotation_exempt": "   ", "auth_token_rotation_exempt_until": "2027-01-01"},
     "give both or neither"),  # a blank reason is none
    ({"auth_token_rotation_exempt": "no; rotation (ever)", "auth_token_rotation_exempt_until": "2027-01-01"},
     "must be a tag value"),
    ({"auth_token_rotation_exempt": "x", "auth_token_rotation_exempt_until": "next year"},
     "auth_token_rotation_exempt_until"),
])
def test_rotation_settings_are_checked(args, words):
    with pytest.raises(ValidationError, match=words):
        RedisCacheSettings(**args)
    ok = RedisCacheSettings(auth_token_rotation_exempt="x", auth_token_rotation_exempt_until="2027-01-01")
    assert not ok.rotates and RedisCacheSettings().rotates
    assert RedisCacheSettings(auth_token_rotation_exempt="  ").rotates


# --- RedisCache(name, RedisCacheArgs) as a library component ---------------------------------


@pytest.fixture(scope="module")
def pairs() -> PlanResult:
    return plan_pairs("two_of_each")


def test_two_caches_in_one_program_have_distinct_urns_and_aws_names(pairs):
    caches = {c.name: c for c in pairs.of_type(COMPONENT)}
    assert set(caches) == {"sessions", "jobs"}
    assert not [k for k, n in physical_names(pairs).items() if n > 1]
    for name, comp in caches.items():
        kids = {c.type: c for c in pairs.children(comp) if c.type != LOG_GROUP}
        group = kids[GROUP].inputs
        assert group["replicationGroupId"] == f"pairs-test-{name}"
        assert kids[PARAMS].inputs["name"].startswith(f"pairs-test-{name}-")
        assert kids[SECRET].inputs["namePrefix"] == f"pairs-test-{name}-auth-"
        subnets = kids["aws:elasticache/subnetGroup:SubnetGroup"]
        assert subnets.inputs["name"] == f"pairs-test-{name}-subnets"
        assert group["subnetGroupName"] == subnets.outputs["name"]
        logs = {g.inputs["name"] for g in pairs.children(comp) if g.type == LOG_GROUP}
        assert logs == {f"/aws/elasticache/pairs-test-{name}/{t}" for t in ("slow-log", "engine-log")} \
            | {f"/aws/lambda/pairs-test-{name}-auth-rotation"}
        assert kids[FUNCTION].inputs["environment"]["variables"] == {
            "REPLICATION_GROUP_ID": f"pairs-test-{name}"}  # each rotates its own group
        assert kids[ROTATION].inputs["secretId"] in (kids[SECRET].id, kids[SECRET].outputs["arn"])
        for child in pairs.children(comp):
            assert child.name.startswith(f"{name}-"), child.name
    sessions, jobs = (caches[n] for n in ("sessions", "jobs"))
    by = {c: {r.type: r for r in pairs.children(caches[c])} for c in caches}
    # each on its own security-group set's cache group and with its own keys
    sg = {g.id: g for g in pairs.of_type("aws:ec2/securityGroup:SecurityGroup")}
    assert [sg[i].name for i in by["sessions"][GROUP].inputs["securityGroupIds"]] == ["security-groups-cache"]
    assert [sg[i].name for i in by["jobs"][GROUP].inputs["securityGroupIds"]] == ["jobs-groups-cache"]
    keys = {k.outputs["arn"]: k.name for k in pairs.of_type("aws:kms/key:Key")}
    assert keys[by["sessions"][GROUP].inputs["kmsKeyId"]] == "kms-data-key"
    assert keys[by["jobs"][GROUP].inputs["kmsKeyId"]] == "jobs-kms-data-key"
    # the settings are per cache: protect, engine, nodes
    assert by["sessions"][GROUP].protect is True  # RedisCacheArgs.protect defaults to true
    assert by["jobs"][GROUP].protect is False
    assert by["jobs"][PARAMS].inputs["family"] == "redis7"
    assert by["jobs"][GROUP].inputs["automaticFailoverEnabled"] is False
    assert by["sessions"][GROUP].inputs["multiAzEnabled"] is True
    assert sessions.urn != jobs.urn


def test_what_the_alarms_read_from_a_cache(pairs):
    """`args.node_type`, `args.num_nodes` and `member_clusters` (CacheTarget) per cache."""
    out = pairs.stack_outputs["caches"]
    assert out["sessions"]["node_type"] == "cache.m7g.large" and out["sessions"]["num_nodes"] == 2
    assert out["sessions"]["member_clusters"] == ["pairs-test-sessions-001", "pairs-test-sessions-002"]
    assert out["jobs"]["num_nodes"] == 1 and out["jobs"]["member_clusters"] == ["pairs-test-jobs-001"]
    assert out["jobs"]["port"] == 6379


@pytest.mark.parametrize("what, words", [
    ("cache_without_data_key", "RedisCacheArgs.data_key_arn is required"),
    ("cache_without_logs_key", "RedisCacheArgs.logs_key_arn is required"),
    ("cache_without_security_group", "RedisCacheArgs.security_group is required"),
    ("cache_without_subnets", "pass exactly one of subnet_group_name"),
    ("cache_bad_replication_group_id", "replication_group_id 'Bad--Id' is not a valid"),
    ("cache_bad_name", "RedisCache: name 'Bad_Name' must be"),
    ("cache_group_set_without_cache", "has no cache group; create it with SecurityGroupsArgs.cache_port"),
])
def test_missing_or_bad_wiring_is_refused_before_anything_registers(what, words):
    plan, error = refused(what)
    assert words in error
    assert not plan.of_type(COMPONENT)
    assert not [r for r in plan.resources if r.name.lower().startswith("bad")]
    assert plan.one("aws:ec2/securityGroup:SecurityGroup", "after")  # the program went on


@pytest.mark.parametrize("args, field", [
    ({"num_nodes": 7}, "num_nodes"),
    ({"port": 80}, "port"),
    ({"node_type": "cache.x1.large"}, "node_type"),
    ({"engine": "memcached"}, "engine"),
    ({"engine_version": "7.1"}, "not available for valkey"),
    ({"log_retention_days": 2}, "log_retention_days"),
    ({"snapshot_window": "2am"}, "snapshot_window"),
    ({"auth_token": "hunter2"}, "auth_token"),
    ({"protect": "maybe"}, "protect"),
])
def test_bad_args_name_the_field(args, field):
    with pytest.raises(ValidationError) as err:
        RedisCacheArgs(**args)
    assert field in str(err.value)


def test_settings_are_documented_with_their_default():
    for key, info in RedisCacheSettings.model_fields.items():
        doc = doc_of(RedisCacheSettings, key)
        assert "default" in doc, key
        assert "dev" not in doc and "prod" not in doc, (key, doc)  # profiles live in stacks/
        assert not info.is_required(), key
    # one type per concept: the stacks' section is the component's settings plus `enabled`
    assert set(CacheConfig.model_fields) == set(RedisCacheSettings.model_fields) | {"enabled"}
    assert RedisCacheArgs(engine="redis").engine_version == "7.1"
