"""RedisCache on the real prod and dev plans: every ElastiCache row of controls.md, the auth
token and its secret, logs, and the connection contract."""

from __future__ import annotations

import re

import pytest
from conftest import tags_of

from groundwork.components.base import Naming
from groundwork.components.cache import replication_group_id
from groundwork.engine import REDACTED, PlanResult, plan_stack
from groundwork.stacks.config import CacheConfig, ConfigError, load_environment

GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
PARAMS = "aws:elasticache/parameterGroup:ParameterGroup"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PASSWORD = "random:index/randomPassword:RandomPassword"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
COMPONENT = "groundwork:data:RedisCache"


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
    assert "auth" not in json.dumps(prod.config.cache.model_dump()).lower()


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
    for prefix, expected in (("groundwork-dev", "groundwork-dev-cache"),
                             ("Groundwork_Stage--2", "groundwork-stage-2-cache"),
                             ("y" * 70, None), ("1abc", "c-1abc-cache")):
        ident = replication_group_id(Naming(prefix=prefix))
        assert valid(ident), ident
        assert expected is None or ident == expected


def test_children_are_parented_and_tagged(prod):
    comp = prod.one(COMPONENT)
    children = prod.children(comp)
    assert {c.type for c in children} == {GROUP, PARAMS, SECRET, VERSION, PASSWORD, LOG_GROUP}
    for c in children:
        if c.type not in (VERSION, PASSWORD):
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


def test_auth_secret_records_why_it_has_no_rotation_schedule(prod):
    import re

    from groundwork.components.cache import ROTATION_EXEMPT_REASON

    secret = next(s for s in prod.of_type("aws:secretsmanager/secret:Secret")
                  if s.inputs["tags"].get("Component") == "cache")
    assert secret.inputs["tags"]["RotationExempt"] == ROTATION_EXEMPT_REASON
    # AWS tag values: letters, digits, spaces and _ . : / = + - @ only, <= 256 characters
    assert re.fullmatch(r"[\w .:/=+\-@]{1,256}", ROTATION_EXEMPT_REASON)
    assert not prod.of_type("aws:secretsmanager/secretRotation:SecretRotation")
