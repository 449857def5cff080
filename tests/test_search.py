"""SearchDomain (OpenSearch in the VPC): on a prod plan with `search.enabled` and the api wired
(`use_search`), every property the issue asks to see (subnets, security-group flows, keys, TLS
policy, log publishing and its resource policies, the IAM grant, alarm dimensions); the
component standalone under mocks; the Args and config it refuses before registering anything;
and the plan's domain inputs replayed through moto's OpenSearch API."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import ROOT, policy_doc, services_using, tags_of
from pydantic import ValidationError

from groundwork.check import check_plan
from groundwork.components.alarms.search import SearchThresholds
from groundwork.components.base import AccountContext, Naming
from groundwork.components.search import (
    DOMAIN_NAME,
    LOG_TYPES,
    TLS_POLICY,
    SearchDomain,
    SearchDomainArgs,
    SearchDomainSettings,
    domain_name,
)
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs, ServicePeer
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.policies import rules
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.stacks.loader import read_stack_file
from groundwork.testing import plan_function

DOMAIN = "aws:opensearch/domain:Domain"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LOG_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SUBNET = "aws:ec2/subnet:Subnet"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/"
ACCOUNT = AccountContext(region="us-east-1", account_id="111111111111")


@pytest.fixture(scope="module")
def plan(prod_data_services: PlanResult) -> PlanResult:
    """prod with all the optional data services on, the api using them (tests/conftest.py)."""
    return prod_data_services


def domain(plan: PlanResult) -> ResourceRecord:
    return plan.one(DOMAIN)


def key_arn(plan: PlanResult, purpose: str) -> str:
    return plan.one("aws:kms/key:Key", f"kms-{purpose}-key").outputs["arn"]


def group_id(plan: PlanResult, key: str) -> str:
    return plan.one(SG, f"security-groups-{key}").id


def task_role(plan: PlanResult, service: str) -> ResourceRecord:
    return plan.one("aws:iam/role:Role", f"{service}-task-role")


# --------------------------------------------------------------------------------------------
# the prod plan with search on
# --------------------------------------------------------------------------------------------


def test_the_committed_stacks_have_no_search_domain(prod, dev):
    for committed in (prod, dev):
        assert committed.of_type(DOMAIN) == []
        assert not [r for r in committed.of_type(SG) if r.name.endswith("-opensearch")]


def test_domain_lands_in_the_data_tier_one_subnet_per_az(plan):
    data = [s for s in plan.of_type(SUBNET) if tags_of(s).get("Tier") == "data"]
    assert len(data) == 3
    subnets = domain(plan).inputs["vpcOptions"]["subnetIds"]
    assert subnets == [s.id for s in data]
    assert len({tags_of(s)["AZ"] for s in data}) == 3
    cluster = domain(plan).inputs["clusterConfig"]
    assert cluster["zoneAwarenessEnabled"] is True
    assert cluster["zoneAwarenessConfig"] == {"availabilityZoneCount": 3}
    assert cluster["instanceCount"] == 3 and cluster["instanceType"] == "r6g.large.search"
    assert (cluster["dedicatedMasterEnabled"], cluster["dedicatedMasterCount"]) == (True, 3)
    assert domain(plan).inputs["vpcOptions"]["securityGroupIds"] == [group_id(plan, "opensearch")]


def test_only_the_api_reaches_the_domain_on_443(plan):
    search_sg, api_sg = group_id(plan, "opensearch"), group_id(plan, "api")
    ingress = [r for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == search_sg]
    assert [(r.inputs["fromPort"], r.inputs["toPort"], r.inputs["ipProtocol"],
             r.inputs.get("referencedSecurityGroupId")) for r in ingress] == [(443, 443, "tcp", api_sg)]
    assert not any("cidrIpv4" in r.inputs or "cidrIpv6" in r.inputs for r in ingress)
    egress_to = [r for r in plan.of_type(EGRESS)
                 if r.inputs.get("referencedSecurityGroupId") == search_sg]
    assert [(r.inputs["securityGroupId"], r.inputs["fromPort"]) for r in egress_to] == [(api_sg, 443)]
    # the domain's own group sends nothing anywhere
    assert not [r for r in plan.of_type(EGRESS) if r.inputs["securityGroupId"] == search_sg]


def test_encryption_tls_and_access_control(plan):
    inputs = domain(plan).inputs
    assert inputs["encryptAtRest"] == {"enabled": True, "kmsKeyId": key_arn(plan, "data")}
    assert inputs["nodeToNodeEncryption"] == {"enabled": True}
    assert inputs["domainEndpointOptions"] == {"enforceHttps": True,
                                               "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}
    security = inputs["advancedSecurityOptions"]
    admin = plan.one("aws:iam/role:Role", "search-admin-role")
    assert security == {"enabled": True, "internalUserDatabaseEnabled": False,
                        "anonymousAuthEnabled": False,
                        "masterUserOptions": {"masterUserArn": admin.outputs["arn"]}}
    assert inputs["engineVersion"] == "OpenSearch_2.19"
    assert inputs["ebsOptions"] == {"ebsEnabled": True, "volumeType": "gp3", "volumeSize": 100}
    assert inputs["softwareUpdateOptions"] == {"autoSoftwareUpdateEnabled": True}
    assert inputs["offPeakWindowOptions"]["enabled"] is True
    assert DOMAIN_NAME.match(inputs["domainName"]) and inputs["domainName"] == "groundwork-prod-search"
    assert domain(plan).protect is True


def test_access_policy_admits_this_account_only(plan):
    record = domain(plan)
    doc = json.loads(record.inputs["accessPolicies"])
    [st] = doc["Statement"]
    account = record.outputs["arn"].split(":")[4]
    assert st["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}
    assert st["Action"] == "es:ESHttp*"
    assert st["Resource"] == f"{record.outputs['arn']}/*"


def test_every_log_type_goes_to_its_own_group_on_the_logs_key(plan):
    record = domain(plan)
    published = {o["logType"]: o for o in record.inputs["logPublishingOptions"]}
    assert set(published) == set(LOG_TYPES) == {"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS",
                                                "ES_APPLICATION_LOGS", "AUDIT_LOGS"}
    groups = {g.outputs["arn"]: g for g in plan.of_type(LOG_GROUP)}
    for log_type, option in published.items():
        assert option["enabled"] is True
        group = groups[option["cloudwatchLogGroupArn"]]
        assert group.inputs["name"] == (f"/aws/OpenSearchService/domains/groundwork-prod-search/"
                                        f"{LOG_TYPES[log_type]}")
        assert group.inputs["kmsKeyId"] == key_arn(plan, "logs")
        assert group.inputs["retentionInDays"] == 365


def test_each_log_group_has_a_resource_scoped_policy_the_domain_waits_for(plan):
    record = domain(plan)
    account = record.outputs["arn"].split(":")[4]
    group_arns = {o["cloudwatchLogGroupArn"] for o in record.inputs["logPublishingOptions"]}
    # the search domain's own (prod's web firewall has one on its log group too)
    policies = [p for p in plan.of_type(LOG_POLICY) if "SearchDomain$" in p.urn]
    assert {p.inputs["resourceArn"] for p in policies} == group_arns
    for policy in policies:
        assert "policyName" not in policy.inputs  # resource-scoped, not one of the 10 per region
        [st] = json.loads(policy.inputs["policyDocument"])["Statement"]
        assert st["Principal"] == {"Service": "es.amazonaws.com"}
        assert sorted(st["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert st["Resource"] == f"{policy.inputs['resourceArn']}:*"
        assert st["Condition"] == {"StringEquals": {"aws:SourceAccount": account},
                                   "ArnLike": {"aws:SourceArn": record.outputs["arn"]}}
        assert policy.urn in record.depends_on
    # no service-linked role by default (it exists once per account: docs/search.md)
    assert plan.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole") == []


def test_api_task_role_may_call_this_domain_only(plan):
    role = task_role(plan, "api")
    [grant] = [p for p in plan.of_type(ROLE_POLICY) if p.name == "search-api-http"]
    assert grant.inputs["role"] == role.id
    arn = domain(plan).outputs["arn"]
    assert policy_doc(grant)["Statement"] == [{
        "Sid": "SearchDomainHttp", "Effect": "Allow", "Action": "es:ESHttp*",
        "Resource": [arn, f"{arn}/*"]}]
    worker_role = task_role(plan, "worker").id
    assert not [p for p in plan.of_type(ROLE_POLICY) if p.inputs["role"] == worker_role
                and "es:" in p.inputs["policy"]]


def _environment(plan: PlanResult, service: str) -> dict[str, str]:
    [task] = [t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
              if t.inputs["family"] == f"groundwork-prod-{service}"]
    [container] = json.loads(task.inputs["containerDefinitions"])[:1]
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def test_the_api_gets_the_https_endpoint_and_no_secret(plan):
    env = _environment(plan, "api")
    assert env["SEARCH_ENDPOINT"] == f"https://{domain(plan).outputs['endpoint']}"
    assert "SEARCH_ENDPOINT" not in _environment(plan, "worker")


def test_alarm_dimensions_are_the_domains_outputs(plan):
    record = domain(plan)
    alarms = [a for a in plan.of_type(ALARM) if tags_of(a)["AlarmKey"].startswith("search-")]
    keys = {tags_of(a)["AlarmKey"] for a in alarms}
    assert keys == {"search-red", "search-yellow", "search-free-storage", "search-writes-blocked",
                    "search-cpu", "search-jvm-memory", "search-master-cpu",
                    "search-master-jvm-memory", "search-snapshot-failed",
                    "search-kms-key-inaccessible"}
    for alarm in alarms:
        assert alarm.inputs["namespace"] == "AWS/ES"
        assert alarm.inputs["dimensions"] == {"DomainName": record.outputs["domainName"],
                                              "ClientId": record.outputs["arn"].split(":")[4]}
        # read from the domain's outputs (a name recomputed to the same string would not
        # depend on the domain)
        assert alarm.property_dependencies["dimensions"] == [record.urn], alarm.name
    by_key = {tags_of(a)["AlarmKey"]: a for a in alarms}
    storage = by_key["search-free-storage"].inputs
    assert (storage["metricName"], storage["statistic"], storage["threshold"],
            storage["comparisonOperator"]) == ("FreeStorageSpace", "Minimum", 25600.0,
                                               "LessThanOrEqualToThreshold")
    assert by_key["search-red"].inputs["alarmActions"] != by_key["search-yellow"].inputs["alarmActions"]
    assert by_key["search-cpu"].inputs["period"] == 900


def test_alarm_dimensions_are_the_components_outputs_themselves():
    """Per dimension, not just per alarm: AlarmTargets hands the alarms the domain's
    `domain_name` and `client_id` objects (Outputs in a program) unchanged. (In the plan a
    DomainName recomputed to the same string would still pass the value comparison, and the
    alarm would still depend on the domain through ClientId.)"""
    from types import SimpleNamespace

    from groundwork.components.alarms import AlarmTargets, alarm_specs

    name, client = object(), object()  # stand-ins for the two Outputs, matched by identity
    fake = SimpleNamespace(pulumi_resource_name="catalog", domain_name=name, client_id=client,
                           args=SearchDomainArgs())
    specs = alarm_specs(AlarmTargets.from_components(region="us-east-1", searches=[fake]))
    assert len(specs) == 10
    for spec in specs:
        assert spec.scope == "catalog"
        dims = spec.metric.dimensions
        assert set(dims) == {"DomainName", "ClientId"}, spec.key
        assert dims["DomainName"] is name and dims["ClientId"] is client, spec.key


def test_thresholds_follow_the_size():
    small = SearchThresholds.of(SearchDomainSettings(instance_type="t3.small.search",
                                                     instance_count=1, availability_zones=1,
                                                     dedicated_master=False, volume_size_gb=10))
    assert (small.free_storage_mib, small.yellow, small.masters) == (2560.0, False, False)
    assert SearchThresholds.of(SearchDomainSettings(volume_size_gb=400)).free_storage_mib == 102400.0


def test_the_plan_passes_the_search_rules_mandatory(plan):
    result = check_plan(plan)
    mine = ("search-", "security-groups-opensearch")
    ours = [v.message for v in result.violations
            if "opensearch" in v.policy or v.resource_name.startswith(mine)]
    assert ours == [], ours
    assert {result.levels[r] for r in result.levels if r.startswith("opensearch-")} == {"mandatory"}
    search_rules = [r for r in rules.ALL if r.family == "search"]
    assert len(search_rules) == 10
    assert all(DOMAIN in r.types for r in search_rules)  # they read this plan's domain


# --------------------------------------------------------------------------------------------
# the component standalone
# --------------------------------------------------------------------------------------------


def _groups(*, uses: tuple[str, ...] = ()) -> SecurityGroups:
    return SecurityGroups("sg", SecurityGroupsArgs(
        vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", stores={"opensearch": 443},
        services=[ServicePeer(name="app", kind="worker", uses=uses)]))


def _args(**over: Any) -> SearchDomainArgs:
    base: dict[str, Any] = dict(subnet_ids=["subnet-a", "subnet-b", "subnet-c"],
                                data_key_arn=f"{KEY_ARN}data", logs_key_arn=f"{KEY_ARN}logs",
                                account=ACCOUNT, name_prefix="shop-dev")
    return SearchDomainArgs(**{**base, **over})


def test_standalone_domain_with_its_own_grant_and_service_linked_role():
    def body() -> None:
        groups = _groups()
        role = aws.iam.Role("app-role", assume_role_policy="{}")
        search = SearchDomain("catalog", _args(security_group=groups,
                                               create_service_linked_role=True, protect=False))
        search.allow_from(groups.for_service("app"), role=role)
        pulumi.export("endpoint", search.connection().environment["SEARCH_ENDPOINT"])

    plan = plan_function(body)
    record = plan.one(DOMAIN)
    assert record.inputs["domainName"] == "shop-dev-catalog"
    assert record.inputs["encryptAtRest"]["kmsKeyId"] == f"{KEY_ARN}data"
    [slr] = plan.of_type("aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert slr.inputs["awsServiceName"] == "opensearchservice.amazonaws.com"
    assert slr.urn in record.depends_on
    ingress = [r for r in plan.of_type(INGRESS)
               if r.inputs["securityGroupId"] == plan.one(SG, "sg-opensearch").id]
    assert [(r.inputs["fromPort"], r.inputs["referencedSecurityGroupId"]) for r in ingress] == [
        (443, plan.one(SG, "sg-app").id)]
    [grant] = [p for p in plan.of_type(ROLE_POLICY) if p.name == "catalog-app-role-http"]
    assert grant.inputs["role"] == plan.one("aws:iam/role:Role", "app-role").id
    assert plan.stack_outputs["endpoint"] == f"https://{record.outputs['endpoint']}"
    # every child is named after the component and parented to it
    component = plan.component("catalog")
    assert all(r.name.startswith("catalog-") for r in plan.children(component))


def test_allow_from_is_idempotent_and_grants_each_role_once():
    """A second call for the same source and role adds nothing (it used to register a second
    `<name>-<source>-http` policy: a duplicate URN); a second role behind the same source gets
    its own grant."""
    def body() -> None:
        groups = _groups()
        app = aws.iam.Role("app-role", assume_role_policy="{}")
        ops = aws.iam.Role("ops-role", assume_role_policy="{}")
        search = SearchDomain("catalog", _args(security_group=groups, protect=False))
        first = search.allow_from(groups.for_service("app"), role=app)
        again = search.allow_from(groups.for_service("app"), role=app)
        search.allow_from(groups.for_service("app"), role=ops)
        pulumi.export("same", first is again and again is not None)

    plan = plan_function(body)
    assert plan.stack_outputs["same"] is True
    opensearch = plan.one(SG, "sg-opensearch").id
    assert [r.inputs["fromPort"] for r in plan.of_type(INGRESS)
            if r.inputs["securityGroupId"] == opensearch] == [443]
    assert [r.inputs["toPort"] for r in plan.of_type(EGRESS)
            if r.inputs.get("referencedSecurityGroupId") == opensearch] == [443]
    grants = {p.name: p.inputs["role"] for p in plan.of_type(ROLE_POLICY)
              if p.name.endswith("-http") and p.name != "catalog-admin-http"}
    assert grants == {"catalog-app-role-http": plan.one("aws:iam/role:Role", "app-role").id,
                      "catalog-ops-role-http": plan.one("aws:iam/role:Role", "ops-role").id}


def test_a_given_master_role_and_access_roles_narrow_the_access_policy():
    master = "arn:aws:iam::111111111111:role/search-admin"
    app = "arn:aws:iam::111111111111:role/app"

    def body() -> None:
        SearchDomain("catalog", _args(security_group=_groups(), master_user_arn=master,
                                      access_role_arns=[app]))

    plan = plan_function(body)
    record = plan.one(DOMAIN)
    assert record.inputs["advancedSecurityOptions"]["masterUserOptions"] == {"masterUserArn": master}
    [st] = json.loads(record.inputs["accessPolicies"])["Statement"]
    assert st["Principal"] == {"AWS": sorted([app, master])}
    assert plan.of_type("aws:iam/role:Role") == []  # no admin role of its own


@pytest.mark.parametrize(("over", "fragment"), [
    ({"subnet_ids": ["subnet-a", "subnet-b"]}, "names 2 subnet(s); availability_zones is 3"),
    ({"subnet_ids": ["subnet-a", "subnet-a", "subnet-b"]}, "repeats a subnet"),
    ({"subnet_ids": "subnet-a"}, "must be a list"),
    ({"data_key_arn": None}, "SearchDomainArgs.data_key_arn is required"),
    ({"subnet_ids": None}, "SearchDomainArgs.subnet_ids is required"),
    ({"domain_name": "Search_Prod"}, "is not a valid OpenSearch domain name"),
    ({"domain_name": "a-name-that-is-far-too-long-for-aws"}, "is not a valid OpenSearch domain name"),
])
def test_bad_args_are_refused_before_anything_is_registered(over, fragment):
    def body() -> None:
        groups = _groups()
        try:
            SearchDomain("catalog", _args(security_group=groups, **over))
        except (ValueError, TypeError) as exc:
            pulumi.export("error", str(exc))

    plan = plan_function(body)
    assert fragment in plan.stack_outputs["error"]
    assert not [r for r in plan.resources if r.type in (DOMAIN, LOG_GROUP, LOG_POLICY)
                or r.type == "groundwork:data:SearchDomain"]


def test_a_plain_group_has_no_allow_from():
    def body() -> None:
        sg = aws.ec2.SecurityGroup("plain", vpc_id="vpc-1")
        search = SearchDomain("catalog", _args(security_group=sg))
        try:
            search.allow_from(sg)
        except ValueError as exc:
            pulumi.export("error", str(exc))

    assert "needs the SecurityGroups component" in plan_function(body).stack_outputs["error"]


@pytest.mark.parametrize(("settings", "fragment"), [
    ({"instance_count": 4}, "multiple of availability_zones 3"),
    ({"engine_version": "OpenSearch_1.3"}, "is not an engine version"),
    ({"engine_version": "Elasticsearch_7.10"}, "is not an engine version"),
    ({"instance_type": "t2.small.search"}, "t2 types don't support encryption at rest"),
    ({"instance_type": "m6g.large"}, "unknown or unsupported instance type"),
    ({"dedicated_master_type": "x1.large.search"}, "unknown or unsupported dedicated master type"),
    ({"instance_type": "t3.small.search", "volume_size_gb": 150}, "EBS maximum of 100 GiB"),
    ({"volume_size_gb": 5}, "greater than or equal to 10"),
    ({"dedicated_master_count": 2}, "3 or 5"),
    ({"availability_zones": 4}, "1, 2 or 3"),
    ({"off_peak_window_start": "03:15"}, "HH:00 or HH:30"),
    ({"log_retention_days": 42}, "not a CloudWatch Logs retention"),
])
def test_bad_settings_name_the_field(settings, fragment):
    with pytest.raises(ValidationError) as err:
        SearchDomainSettings(**settings)
    assert fragment in str(err.value)


def test_derived_domain_names_fit_aws_rules():
    for prefix in ("groundwork-prod", "a-very-long-project-name-with-a-long-stack", "9lives"):
        naming = Naming(prefix=Naming(prefix=prefix).name("search", max_length=48))
        name = domain_name(naming)
        assert DOMAIN_NAME.match(name) and len(name) <= 28, name
    a = domain_name(Naming(prefix="a-very-long-project-name-with-stack-one-search"))
    b = domain_name(Naming(prefix="a-very-long-project-name-with-stack-two-search"))
    assert a != b  # hash-truncated, never collapsed


# --------------------------------------------------------------------------------------------
# the stack config
# --------------------------------------------------------------------------------------------


def _env(stack: str, **namespace: Any):
    base = read_stack_file(stack, ROOT).namespace
    return load_environment({**base, **namespace}, stack=stack, region="us-east-1")


def test_search_is_off_by_default_and_dev_is_cheap():
    assert _env("prod").search.enabled is False
    dev = _env("dev", search={"enabled": True})
    assert (dev.search.instance_type, dev.search.instance_count, dev.search.availability_zones,
            dev.search.dedicated_master, dev.search.volume_size_gb) == ("t3.small.search", 1, 1,
                                                                        False, 10)
    prod = _env("prod", search={"enabled": True})
    assert (prod.search.instance_count, prod.search.availability_zones,
            prod.search.dedicated_master) == (3, 3, True)


@pytest.mark.parametrize(("search", "fragment"), [
    ({"dedicated_master": False}, "search.dedicated_master must be true"),
    ({"instance_count": 2, "availability_zones": 2}, "search.instance_count must be >= 3"),
    ({"instance_count": 3, "availability_zones": 1}, "search.availability_zones must be >= 2"),
    ({"instance_type": "t3.medium.search"}, "can't be burstable"),
])
def test_prod_floor(search, fragment):
    with pytest.raises(ConfigError) as err:
        _env("prod", search={"enabled": True, **search})
    assert fragment in str(err.value)


def test_use_search_needs_the_domain_and_enough_azs():
    with pytest.raises(ConfigError) as err:
        _env("prod", services=services_using("prod", "api", use_search=True))
    assert "use_search needs search.enabled" in str(err.value)
    with pytest.raises(ConfigError) as err:
        _env("dev", search={"enabled": True, "availability_zones": 3, "instance_count": 3})
    assert "exceeds network.az_count 2" in str(err.value)


# --------------------------------------------------------------------------------------------
# moto: the plan's inputs through the OpenSearch API
# --------------------------------------------------------------------------------------------


def _api_request(inputs: dict[str, Any]) -> dict[str, Any]:
    """CreateDomain's request from the planned inputs (what the provider sends)."""
    c = inputs["clusterConfig"]
    return dict(
        DomainName=inputs["domainName"], EngineVersion=inputs["engineVersion"],
        ClusterConfig={
            "InstanceType": c["instanceType"], "InstanceCount": c["instanceCount"],
            "DedicatedMasterEnabled": c["dedicatedMasterEnabled"],
            "DedicatedMasterType": c["dedicatedMasterType"],
            "DedicatedMasterCount": c["dedicatedMasterCount"],
            "ZoneAwarenessEnabled": c["zoneAwarenessEnabled"],
            "ZoneAwarenessConfig": {"AvailabilityZoneCount":
                                    c["zoneAwarenessConfig"]["availabilityZoneCount"]}},
        EBSOptions={"EBSEnabled": True, "VolumeType": inputs["ebsOptions"]["volumeType"],
                    "VolumeSize": inputs["ebsOptions"]["volumeSize"]},
        AccessPolicies=inputs["accessPolicies"],
        VPCOptions={"SubnetIds": inputs["vpcOptions"]["subnetIds"],
                    "SecurityGroupIds": inputs["vpcOptions"]["securityGroupIds"]},
        EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": inputs["encryptAtRest"]["kmsKeyId"]},
        NodeToNodeEncryptionOptions={"Enabled": inputs["nodeToNodeEncryption"]["enabled"]},
        DomainEndpointOptions={
            "EnforceHTTPS": inputs["domainEndpointOptions"]["enforceHttps"],
            "TLSSecurityPolicy": inputs["domainEndpointOptions"]["tlsSecurityPolicy"]},
        AdvancedSecurityOptions={
            "Enabled": True, "InternalUserDatabaseEnabled": False, "AnonymousAuthEnabled": False,
            "MasterUserOptions": {"MasterUserARN": inputs["advancedSecurityOptions"][
                "masterUserOptions"]["masterUserArn"]}},
        LogPublishingOptions={o["logType"]: {"CloudWatchLogsLogGroupArn": o["cloudwatchLogGroupArn"],
                                             "Enabled": o["enabled"]}
                              for o in inputs["logPublishingOptions"]},
        SoftwareUpdateOptions={"AutoSoftwareUpdateEnabled": True},
        OffPeakWindowOptions={"Enabled": True, "OffPeakWindow": {"WindowStartTime": {
            "Hours": inputs["offPeakWindowOptions"]["offPeakWindow"]["windowStartTime"]["hours"],
            "Minutes": inputs["offPeakWindowOptions"]["offPeakWindow"]["windowStartTime"]["minutes"]}}},
    )


def test_moto_replays_the_planned_domain(plan, monkeypatch):
    import boto3
    from moto import mock_aws

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(var, "testing")
    inputs = domain(plan).inputs
    with mock_aws():
        client = boto3.client("opensearch", region_name="us-east-1")
        # botocore validates the request's shape (names, types) before moto sees it
        client.create_domain(**_api_request(inputs))
        status = client.describe_domain(DomainName=inputs["domainName"])["DomainStatus"]
    assert status["EngineVersion"] == "OpenSearch_2.19"
    assert status["EncryptionAtRestOptions"] == {"Enabled": True, "KmsKeyId": key_arn(plan, "data")}
    assert status["NodeToNodeEncryptionOptions"] == {"Enabled": True}
    assert status["DomainEndpointOptions"]["TLSSecurityPolicy"] == TLS_POLICY
    assert status["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert status["VPCOptions"]["SubnetIds"] == inputs["vpcOptions"]["subnetIds"]
    assert status["AdvancedSecurityOptions"]["Enabled"] is True
    assert status["AdvancedSecurityOptions"]["InternalUserDatabaseEnabled"] is False
    assert set(status["LogPublishingOptions"]) == set(LOG_TYPES)
    assert status["ClusterConfig"]["ZoneAwarenessConfig"] == {"AvailabilityZoneCount": 3}
    assert status["ARN"].endswith(f":domain/{inputs['domainName']}")
    # a VPC domain has a VPC endpoint and no public one
    assert status["Endpoints"]["vpc"] and status.get("Endpoint") is None


def test_docs_page_exists_and_is_linked():
    text = (ROOT / "docs" / "search.md").read_text()
    for fragment in ("Policy-Min-TLS-1-2-PFS-2023-10", "create_service_linked_role",
                     "rolesmapping", "moto"):
        assert fragment in text
    assert "docs/search.md" in (ROOT / "README.md").read_text()

