"""Any number of each component per stack (issue 11): a program with two of every public
component plans offline with no duplicate URN and no two resources of one type sharing an AWS
name; a program that repeats a component name is refused, naming the URN."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from groundwork.components.alarm_names import ALARMS
from groundwork.components.search import DOMAIN_NAME
from groundwork.engine import PHYSICAL_NAMES
from groundwork.policies.rules.security import UNTAGGABLE
from groundwork.testing import DuplicateUrnError, PlanResult, ResourceRecord, plan_program

PROGRAM = Path(__file__).parent / "programs" / "two_of_each" / "__main__.py"
COMPONENTS = {
    "groundwork:network:Network", "groundwork:security:SecurityGroups",
    "groundwork:security:EnvironmentKeys", "groundwork:security:EncryptionKey",
    "groundwork:data:PostgresDatabase", "groundwork:data:RedisCache",
    "groundwork:compute:EcsCluster", "groundwork:compute:LoadBalancer",
    "groundwork:compute:FargateService", "groundwork:monitoring:Notifications",
    "groundwork:monitoring:EnvironmentAlarms", "groundwork:monitoring:Dashboard",
    "groundwork:ci:GithubDeployRole", "groundwork:ci:GithubPreviewRole",
    "groundwork:compute:ServiceImage",
    "groundwork:data:Queue", "groundwork:data:SearchDomain", "groundwork:data:DocumentDatabase",
    "groundwork:messaging:Kafka", "groundwork:edge:WebFirewall",
    "groundwork:edge:CloudFrontDistribution", "groundwork:edge:DomainRecords",
    "groundwork:data:BackupPlan", "groundwork:data:AssetBucket", "groundwork:monitoring:BackupNotices",
    "groundwork:monitoring:DeployNotices",
}


@pytest.fixture(scope="module")
def twins(two_of_each):
    return two_of_each


def test_every_component_is_there_twice(twins):
    kinds = Counter(r.type for r in twins.resources if not r.custom)
    for kind in COMPONENTS:
        assert kinds[kind] >= 2, (kind, kinds[kind])
    services = {r.name for r in twins.resources if r.type == "groundwork:compute:FargateService"}
    assert services == {f"{c}-{s}" for c in ("blue", "green") for s in ("api", "worker", "shop")}


def test_no_shared_aws_name(twins):
    # (a duplicate URN would have failed the plan itself: test_a_repeated_component_name...)
    assert twins.name_clashes == []
    # the check is not vacuous: each kind below has two resources with different AWS names
    for kind in ("aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup",
                 "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup",
                 "aws:ecs/cluster:Cluster", "aws:sns/topic:Topic", "aws:iam/role:Role",
                 "aws:cloudwatch/logGroup:LogGroup", "aws:kms/alias:Alias",
                 "aws:cloudwatch/metricAlarm:MetricAlarm", "aws:cloudwatch/dashboard:Dashboard",
                 "aws:sqs/queue:Queue", "aws:opensearch/domain:Domain", "aws:docdb/cluster:Cluster",
                 "aws:docdb/clusterInstance:ClusterInstance", "aws:docdb/subnetGroup:SubnetGroup",
                 "aws:msk/cluster:Cluster", "aws:msk/configuration:Configuration",
                 "aws:wafv2/webAcl:WebAcl", "aws:wafv2/ipSet:IpSet",
                 "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
                 "aws:cloudwatch/logDeliverySource:LogDeliverySource",
                 "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",
                 "aws:s3/bucket:Bucket"):
        field = PHYSICAL_NAMES[kind][0]
        names = [r.inputs.get(field) for r in twins.of_type(kind)]
        assert len(names) >= 2 and all(names), (kind, names)
        assert len(set(names)) == len(names), (kind, names)


def test_names_derive_from_the_component_names(twins):
    for color in ("blue", "green"):
        db = [r for r in twins.of_type("aws:rds/instance:Instance") if f"{color}-db" in r.urn]
        assert [r.inputs["identifier"] for r in db] == [f"test-twins-{color}-db"]
        lb = [r for r in twins.of_type("aws:lb/loadBalancer:LoadBalancer") if f"{color}-lb" in r.urn]
        assert len(lb) == 1 and lb[0].inputs["name"].startswith(f"test-twins-{color}-lb")
    for kind in ("aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"):
        assert all(len(r.inputs["name"]) <= 32 for r in twins.of_type(kind))
    assert all(len(r.inputs["name"]) <= 64 for r in twins.of_type("aws:iam/role:Role"))


def test_one_oidc_provider_for_both_ci_roles(twins):
    assert len(twins.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")) == 1


def test_a_second_oidc_provider_for_the_same_url_is_a_name_clash():
    """AWS keeps one OIDC provider per URL and account: two deploy roles that each create one
    are reported, naming both."""
    plan = plan_program(PROGRAM, stack="twins",
                        config={"aws:region": "us-east-1", "twins:second_provider": "true"})
    [clash] = plan.name_clashes
    assert clash.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
    assert "token.actions.githubusercontent.com" in clash.key
    assert len(clash.urns) == 2


def test_a_repeated_component_name_is_refused_naming_the_urn():
    with pytest.raises(DuplicateUrnError) as caught:
        plan_program(PROGRAM, stack="twins",
                     config={"aws:region": "us-east-1", "twins:duplicate": "true"})
    message = str(caught.value)
    assert "groundwork:network:Network::blue-net" in message
    assert "Duplicate resource URN" in message


# --------------------------------------------------------------------------------------------
# issue 16's data services, two of each: Queue, SearchDomain, DocumentDatabase, Kafka
# --------------------------------------------------------------------------------------------

PREFIX = "test-twins"
COLORS = ("blue", "green")
DATA_SERVICES = {
    # component type: the component's name in an environment
    "groundwork:data:Queue": "{color}-jobs",
    "groundwork:data:SearchDomain": "product-catalogue-{color}",
    "groundwork:data:DocumentDatabase": "{color}-docs",
    "groundwork:messaging:Kafka": "{color}-kafka",
}
DOMAIN = "aws:opensearch/domain:Domain"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def _name(kind: str, color: str) -> str:
    return DATA_SERVICES[kind].format(color=color)


def test_two_of_each_data_service_have_distinct_urns_and_aws_names(twins):
    """Each Queue, SearchDomain, DocumentDatabase and Kafka is there once per environment;
    its children carry its name (Pulumi) and no AWS name of one is the other's."""
    for kind in DATA_SERVICES:
        components = {c.name: c for c in twins.of_type(kind)}
        assert sorted(components) == sorted(_name(kind, c) for c in COLORS), kind
        assert len({c.urn for c in components.values()}) == 2
        physical: list[set[tuple[str, str]]] = []
        for name, component in components.items():
            children = [c for c in twins.descendants(component) if c.custom]
            assert children and all(c.name.startswith(f"{name}-") for c in children), name
            physical.append({(c.type, p) for c in children if (p := c.physical_name)})
            assert physical[-1], name
        assert not physical[0] & physical[1], kind
    assert twins.name_clashes == []


def test_two_of_each_data_service_aws_names_fit_aws_limits(twins):
    """SQS <= 80, OpenSearch 3-28 (lowercase letter first), DocumentDB cluster <= 60 and its
    instances <= 63, MSK <= 64; each named after its component with the stack's prefix."""
    for color in COLORS:
        queues = {q.name: q.inputs["name"] for q in twins.of_type("aws:sqs/queue:Queue")
                  if q.name.startswith(f"{color}-jobs-")}
        assert queues == {f"{color}-jobs-queue": f"{PREFIX}-{color}-jobs",
                          f"{color}-jobs-dlq": f"{PREFIX}-{color}-jobs-dlq"}
        [docs] = [c for c in twins.of_type("aws:docdb/cluster:Cluster")
                  if c.name == f"{color}-docs-cluster"]
        assert docs.inputs["clusterIdentifier"] == f"{PREFIX}-{color}-docs"
        instances = sorted(i.inputs["identifier"] for i in twins.of_type(
            "aws:docdb/clusterInstance:ClusterInstance") if i.name.startswith(f"{color}-docs-"))
        assert instances == [f"{PREFIX}-{color}-docs-1", f"{PREFIX}-{color}-docs-2"]
        [kafka] = [c for c in twins.of_type("aws:msk/cluster:Cluster")
                   if c.name == f"{color}-kafka-cluster"]
        assert kafka.inputs["clusterName"] == f"{PREFIX}-{color}-kafka"
    assert all(len(q.inputs["name"]) <= 80 for q in twins.of_type("aws:sqs/queue:Queue"))
    assert all(len(i.inputs["identifier"]) <= 63
               for i in twins.of_type("aws:docdb/clusterInstance:ClusterInstance"))
    assert all(len(c.inputs["clusterName"]) <= 64 for c in twins.of_type("aws:msk/cluster:Cluster"))


def test_two_search_domains_cut_to_28_characters_stay_apart(twins):
    """`product-catalogue-blue` and `-green` would both be `test-twins-product-catalogu...`
    cut at 28 characters: the hash that cuts them keeps the two domains (and their log groups,
    named after the domain) apart."""
    full = {c: f"{PREFIX}-product-catalogue-{c}" for c in COLORS}
    assert full["blue"][:28] == full["green"][:28]  # what a plain cut would collide on
    names = {}
    for color in COLORS:
        [domain] = [d for d in twins.of_type(DOMAIN) if d.name == f"product-catalogue-{color}-domain"]
        name = domain.inputs["domainName"]
        assert len(name) <= 28 and DOMAIN_NAME.match(name), name
        assert re.fullmatch(r"test-twins-product-ca-[0-9a-f]{6}", name), name
        names[color] = name
        groups = [g.inputs["name"] for g in twins.of_type("aws:cloudwatch/logGroup:LogGroup")
                  if g.name.startswith(f"product-catalogue-{color}-log-")]
        assert len(groups) == 4
        assert all(g.startswith(f"/aws/OpenSearchService/domains/{name}/") for g in groups)
        admin = twins.one("aws:iam/role:Role", f"product-catalogue-{color}-admin-role")
        assert admin.inputs["name"] == f"{full[color]}-admin"  # 64 allowed: not cut
    assert names["blue"] != names["green"]


def _alarms_of(twins: PlanResult, color: str, scope: str) -> dict[str, ResourceRecord]:
    """The alarms of the `<color>-alarms` EnvironmentAlarms scoped to component `scope`, by
    name without `<prefix>-<color>-alarms-<scope>-`."""
    start = f"{PREFIX}-{color}-alarms-{scope}-"
    component = twins.one("groundwork:monitoring:EnvironmentAlarms", f"{color}-alarms")
    return {a.inputs["name"].removeprefix(start): a for a in twins.of_type(ALARM)
            if a.inputs["name"].startswith(start) and a.parent == component.urn}


def _dimension_values(alarm: ResourceRecord) -> set[str]:
    """Every dimension value an alarm reads (its own, or its metric queries')."""
    values = set((alarm.inputs.get("dimensions") or {}).values())
    for query in alarm.inputs.get("metricQueries") or []:
        metric = (query.get("metric") or {})
        values |= set((metric.get("dimensions") or {}).values())
    return values


def test_each_data_service_gets_alarms_scoped_by_its_name(twins):
    """Each environment's alarms watch its own queue, domain, cluster and brokers: the alarm
    names carry the component's name, and the dimensions are that component's outputs, never
    the other environment's."""
    family_keys = {family: {k for k, kind in ALARMS.items() if kind.family == family}
                   for family in ("queue", "search", "documents", "kafka")}
    seen: dict[str, set[str]] = {}
    for color in COLORS:
        queue = twins.one("aws:sqs/queue:Queue", f"{color}-jobs-queue")
        dlq = twins.one("aws:sqs/queue:Queue", f"{color}-jobs-dlq")
        domain = twins.one(DOMAIN, f"product-catalogue-{color}-domain")
        docs = twins.one("aws:docdb/cluster:Cluster", f"{color}-docs-cluster")
        instances = {i.outputs["identifier"] for i in twins.of_type(
            "aws:docdb/clusterInstance:ClusterInstance") if i.name.startswith(f"{color}-docs-")}
        kafka = twins.one("aws:msk/cluster:Cluster", f"{color}-kafka-cluster")
        own = {
            f"{color}-jobs": ("queue", {queue.outputs["name"], dlq.outputs["name"]}),
            f"product-catalogue-{color}": ("search", {domain.outputs["domainName"],
                                                      domain.outputs["arn"].split(":")[4]}),
            f"{color}-docs": ("documents", {docs.outputs["clusterIdentifier"], *instances}),
            f"{color}-kafka": ("kafka", {kafka.outputs["clusterName"], "1", "2"}),
        }
        for scope, (family, values) in own.items():
            alarms = _alarms_of(twins, color, scope)
            keys = {k.rstrip("-0123456789") for k in alarms}
            assert keys and keys <= family_keys[family], (scope, keys)
            read = set().union(*(_dimension_values(a) for a in alarms.values()))
            assert read and read <= values, (scope, read - values)
            seen[scope] = read
        # the worker scales on its own queue, so its queue-backlog alarm covers the depth
        backlog = _alarms_of(twins, color, f"{color}-worker")["queue-backlog"]
        assert backlog.inputs["dimensions"] == {"QueueName": queue.outputs["name"]}
        assert "queue-depth" not in _alarms_of(twins, color, f"{color}-jobs")
        assert _alarms_of(twins, color, f"{color}-jobs")["queue-dlq-not-empty"] \
            .inputs["dimensions"] == {"QueueName": dlq.outputs["name"]}
    for kind in DATA_SERVICES:  # the environments' alarms share no watched name or id
        blue, green = (seen[_name(kind, c)] for c in COLORS)
        assert not (blue & green) - {"123456789012", "1", "2"}, kind


def test_each_data_service_admits_only_its_own_environments_services(twins):
    """`allow_from` in each environment adds exactly its flows: the store groups of blue admit
    blue's services only, on the store's port."""
    groups = {g.name: g.id for g in twins.of_type("aws:ec2/securityGroup:SecurityGroup")}
    ingress = [r for r in twins.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs.get("referencedSecurityGroupId")]
    for color in COLORS:
        want = {("opensearch", 443, "api"), ("documentdb", 27017, "api"), ("kafka", 9098, "api"),
                ("kafka", 9098, "worker")}
        got = set()
        for store, port in (("opensearch", 443), ("documentdb", 27017), ("kafka", 9098)):
            target = groups[f"{color}-groups-{store}"]
            for rule in (r for r in ingress if r.inputs["securityGroupId"] == target):
                peer = next(n for n, i in groups.items() if i == rule.inputs["referencedSecurityGroupId"])
                assert peer.startswith(f"{color}-groups-"), (store, peer)
                assert rule.inputs["fromPort"] == rule.inputs["toPort"] == port
                got.add((store, port, peer.removeprefix(f"{color}-groups-")))
        assert got == want


def test_the_untaggable_list_matches_the_sdk(twins):
    """The required-tags rule skips UNTAGGABLE types; every aws type this program builds that
    the SDK gives no `tags` argument is on that list (else a program without provider default
    tags fails the rule on a resource that can't carry any)."""
    missing = []
    for kind in sorted({r.type for r in twins.custom_resources if r.type.startswith("aws:")}):
        _, module, cls = kind.split(":")
        package = module.split("/")[0]
        sdk = importlib.import_module(f"pulumi_aws.{'lambda_' if package == 'lambda' else package}")
        if "tags" not in inspect.signature(getattr(sdk, cls)._internal_init).parameters \
                and kind not in UNTAGGABLE:
            missing.append(kind)
    assert missing == []


# --------------------------------------------------------------------------------------------
# issue 13's edge, two of each: CloudFrontDistribution, DomainRecords, WebFirewall (CLOUDFRONT
# scope) and the listeners' security headers
# --------------------------------------------------------------------------------------------

EDGE = {
    "groundwork:edge:CloudFrontDistribution": "{color}-cdn",
    "groundwork:edge:DomainRecords": "{color}-dns",
    "groundwork:edge:WebFirewall": "{color}-waf",
}


def _edge_of(twins: PlanResult, color: str) -> dict[str, ResourceRecord]:
    domain = f"{color}.example.com"
    records = {r.inputs["type"]: r for r in twins.of_type("aws:route53/record:Record")
               if r.inputs["name"] == domain}
    return {
        "lb": twins.one("aws:lb/loadBalancer:LoadBalancer", f"{color}-lb"),
        "https": twins.one("aws:lb/listener:Listener", f"{color}-lb-https"),
        "dist": twins.one("aws:cloudfront/distribution:Distribution", f"{color}-cdn-distribution"),
        "origin": twins.one("aws:cloudfront/vpcOrigin:VpcOrigin", f"{color}-cdn-vpc-origin"),
        "headers": twins.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
                             f"{color}-cdn-headers"),
        "acl": next(a for a in twins.of_type("aws:wafv2/webAcl:WebAcl")
                    if a.name.startswith(f"{color}-waf-")),
        "check": twins.one("aws:route53/healthCheck:HealthCheck", f"{color}-dns-health"),
        **{f"record-{t}": r for t, r in records.items()},
    }


def test_two_of_each_edge_component_is_there_once_per_environment(twins):
    """Counts: per environment one distribution (one VPC origin, one headers policy), one
    CLOUDFRONT-scope web ACL, one A and one AAAA alias for its domain, one health check, and
    the two alarms on them; the children's AWS names of one are never the other's."""
    for kind, pattern in EDGE.items():
        components = {c.name: c for c in twins.of_type(kind)}
        assert sorted(components) == sorted(pattern.format(color=c) for c in COLORS), kind
        physical = []
        for name, component in components.items():
            children = [c for c in twins.descendants(component) if c.custom]
            assert children and all(c.name.startswith(f"{name}-") for c in children), name
            physical.append({(c.type, p) for c in children if (p := c.physical_name)})
            assert physical[-1], name
        assert not physical[0] & physical[1], kind
    for kind, count in (("aws:cloudfront/distribution:Distribution", 2),
                        ("aws:cloudfront/vpcOrigin:VpcOrigin", 2),
                        ("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", 2),
                        ("aws:wafv2/webAcl:WebAcl", 2),
                        ("aws:wafv2/webAclAssociation:WebAclAssociation", 0),  # CLOUDFRONT scope
                        ("aws:route53/healthCheck:HealthCheck", 2),
                        ("aws:cloudwatch/logDelivery:LogDelivery", 2)):
        assert len(twins.of_type(kind)) == count, kind
    # one ACM validation CNAME per domain: the ALB's; the distribution's certificate (same
    # domain, same zone, so ACM asks it for the same CNAME) shares it instead of a second owner
    cnames = sorted(r.name for r in twins.of_type("aws:route53/record:Record")
                    if r.inputs["type"] == "CNAME")
    assert cnames == ["blue-lb-cert-validation", "green-lb-cert-validation"]
    for color in COLORS:
        edge = _edge_of(twins, color)
        assert sorted(k for k in edge if k.startswith("record-")) == ["record-A", "record-AAAA"]
        assert edge["acl"].inputs["scope"] == "CLOUDFRONT"
        alarms = _alarms_of(twins, color, f"{color}-cdn")
        assert sorted(alarms) == ["cloudfront-5xx-rate"]
        assert sorted(_alarms_of(twins, color, f"{color}-dns")) == ["route53-health-check"]
    assert twins.name_clashes == []


def test_each_environments_edge_is_wired_to_its_own_resources(twins):
    """Distribution -> its own internal ALB (VPC origin) and its own web ACL; records -> its
    own distribution; its alarms read its own distribution id and health check id; the
    listener and the headers policy carry the environment's own CSP."""
    seen: dict[str, dict[str, ResourceRecord]] = {}
    for color in COLORS:
        edge = seen[color] = _edge_of(twins, color)
        lb, dist, origin = edge["lb"], edge["dist"], edge["origin"]
        assert lb.inputs["internal"] is True
        assert origin.inputs["vpcOriginEndpointConfig"]["arn"] == lb.outputs["arn"]
        [only] = dist.inputs["origins"]
        assert only["vpcOriginConfig"]["vpcOriginId"] == origin.id
        assert only["domainName"] == lb.outputs["dnsName"]
        assert dist.inputs["webAclId"] == edge["acl"].outputs["arn"]
        assert dist.inputs["aliases"] == [f"{color}.example.com"]
        for t in ("A", "AAAA"):
            [alias] = edge[f"record-{t}"].inputs["aliases"]
            assert alias["name"] == dist.outputs["domainName"]
            assert alias["zoneId"] == dist.outputs["hostedZoneId"]
        csp = f"default-src 'self' {color}.example.com"
        assert edge["https"].inputs["routingHttpResponseContentSecurityPolicyHeaderValue"] == csp
        assert edge["headers"].inputs["securityHeadersConfig"]["contentSecurityPolicy"][
            "contentSecurityPolicy"] == csp
        cdn_alarm = _alarms_of(twins, color, f"{color}-cdn")["cloudfront-5xx-rate"]
        assert _dimension_values(cdn_alarm) == {dist.id, "Global"}
        check_alarm = _alarms_of(twins, color, f"{color}-dns")["route53-health-check"]
        assert check_alarm.inputs["dimensions"] == {"HealthCheckId": edge["check"].id}
    blue, green = seen["blue"], seen["green"]
    for key in ("lb", "dist", "origin", "acl", "check"):
        assert blue[key].id != green[key].id, key
    assert blue["dist"].outputs["domainName"] != green["dist"].outputs["domainName"]


# --------------------------------------------------------------------------------------------
# issue 15's data protection, two of each: BackupPlan, AssetBucket, BackupNotices
# --------------------------------------------------------------------------------------------

PROTECTION = {
    "groundwork:data:BackupPlan": "{color}-backup",
    "groundwork:data:AssetBucket": "{color}-assets",
    "groundwork:monitoring:BackupNotices": "{color}-backup-notices",
}
VAULT = "aws:backup/vault:Vault"


def _dr(record: ResourceRecord) -> bool:
    return record.provider.split("::")[-1].startswith("aws-dr")


def test_two_of_each_protection_component_have_distinct_children_and_aws_names(twins):
    """Each BackupPlan, AssetBucket and BackupNotices is there once per environment; its
    children carry its name and share no AWS name with the other environment's (a
    restore-testing selection's name is scoped by its plan's: both are `rds`, in two plans,
    test_the_protection_names_are_per_environment)."""
    for kind, pattern in PROTECTION.items():
        components = {c.name: c for c in twins.of_type(kind)}
        assert sorted(components) == sorted(pattern.format(color=c) for c in COLORS), kind
        physical = []
        for name, component in components.items():
            children = [c for c in twins.descendants(component) if c.custom]
            assert children and all(c.name.startswith(f"{name}-") for c in children), name
            physical.append({(c.type, p) for c in children if (p := c.physical_name)
                             and c.type != "aws:backup/restoreTestingSelection:RestoreTestingSelection"})
            assert physical[-1], name
        assert not physical[0] & physical[1], kind
    assert twins.name_clashes == []


def _names(twins: PlanResult, kind: str, field: str, color: str, **where: object) -> list[str]:
    return sorted(r.inputs[field] for r in twins.of_type(kind)
                  if r.name.startswith(f"{color}-") and all(
                      (_dr(r) if k == "dr" else r.inputs.get(k)) == v for k, v in where.items()))


def test_the_protection_names_are_per_environment(twins):
    """Vaults (here and in the DR region), plans, selections, restore-testing plans and their
    selections, the backup and replication roles, the notice rules and the buckets: one set per
    environment, named after it, none the other's."""
    seen: dict[str, dict[str, list[str]]] = {}
    for color in COLORS:
        base = f"{PREFIX}-{color}"
        names = seen[color] = {
            "vault": _names(twins, VAULT, "name", color, dr=False),
            "dr-vault": _names(twins, VAULT, "name", color, dr=True),
            "plan": _names(twins, "aws:backup/plan:Plan", "name", color),
            "selection": _names(twins, "aws:backup/selection:Selection", "name", color),
            "restore-plan": _names(twins, "aws:backup/restoreTestingPlan:RestoreTestingPlan",
                                   "name", color),
            "restore-selection": [f"{r.inputs['restoreTestingPlanName']}/{r.inputs['name']}"
                                  for r in twins.of_type(
                                      "aws:backup/restoreTestingSelection:RestoreTestingSelection")
                                  if r.name.startswith(f"{color}-")],
            "role": sorted(r.inputs["name"] for r in twins.of_type("aws:iam/role:Role")
                           if r.name in (f"{color}-backup-role", f"{color}-assets-replication")),
            "rule": [n for n in _names(twins, "aws:cloudwatch/eventRule:EventRule", "name", color)
                     if "-backup-notices-" in n],  # the deploy notices' are issue 14's
            "bucket": sorted(r.inputs["bucket"] for r in twins.of_type("aws:s3/bucket:Bucket")
                             if r.name.startswith(f"{color}-assets-")),
        }
        assert names["vault"] == [f"{base}-backup-vault"]
        assert names["dr-vault"] == [f"{base}-backup-dr-vault"]
        assert names["plan"] == [f"{base}-backup-plan"]
        assert names["selection"] == [f"{base}-backup-selection"]
        # letters, digits and underscores only (the API refuses a hyphen)
        assert names["restore-plan"] == [f"{base}-backup-restore-test".replace("-", "_")]
        assert names["restore-selection"] == [f"{names['restore-plan'][0]}/rds"]
        assert names["role"] == [f"{base}-assets-replication", f"{base}-backup-role"]
        assert names["rule"] == [f"{base}-backup-notices-{k}" for k in
                                 ("backup-job-failed", "copy-job-failed", "restore-job-failed")]
        assert all(len(n) <= 64 for n in names["rule"] + names["role"])
        assert names["bucket"] == [
            f"{base}-assets-123456789012-us-east-1", f"{base}-assets-logs-123456789012-us-east-1",
            f"{base}-assets-replica-123456789012-us-west-2",
            f"{base}-assets-replica-logs-123456789012-us-west-2"]
        assert all(len(n) <= 63 for n in names["bucket"])
    for key in seen["blue"]:
        assert not set(seen["blue"][key]) & set(seen["green"][key]), key


def test_each_plan_covers_its_own_environments_stores_only(twins):
    """The selection's tag is the plan's own; the database, document database and asset
    bucket of that environment carry it; the notices watch that environment's vault and role;
    the dashboard graphs that vault; the DR vault and the replica are in us-west-2."""
    tags = {}
    for color in COLORS:
        plan = twins.one("aws:backup/plan:Plan", f"{color}-backup-plan")
        selection = twins.one("aws:backup/selection:Selection", f"{color}-backup-selection")
        [tag] = selection.inputs["selectionTags"]
        tags[color] = tag["value"]
        assert (tag["key"], tag["value"]) == ("Backup", f"{PREFIX}-{color}-backup")
        assert selection.inputs["planId"] == plan.id
        for kind, logical in (("aws:rds/instance:Instance", f"{color}-db-instance"),
                              ("aws:docdb/cluster:Cluster", f"{color}-docs-cluster"),
                              ("aws:s3/bucket:Bucket", f"{color}-assets-bucket")):
            [store] = [r for r in twins.of_type(kind) if r.name == logical]
            assert store.inputs["tags"]["Backup"] == tag["value"], logical
        vault = twins.one(VAULT, f"{color}-backup-vault")
        dr_vault = twins.one(VAULT, f"{color}-backup-dr-vault")
        assert not _dr(vault) and _dr(dr_vault)
        copies = {c["destinationVaultArn"] for r in plan.inputs["rules"] for c in r["copyActions"]}
        assert copies == {dr_vault.outputs["arn"]} and ":us-west-2:" in dr_vault.outputs["arn"]
        role = twins.one("aws:iam/role:Role", f"{color}-backup-role")
        for rule in (r for r in twins.of_type("aws:cloudwatch/eventRule:EventRule")
                     if r.name.startswith(f"{color}-backup-notices-")):
            detail = json.loads(rule.inputs["eventPattern"])["detail"]
            scope = detail.get("backupVaultArn") or detail.get("sourceBackupVaultArn") \
                or detail.get("iamRoleArn")
            assert scope in ([vault.outputs["arn"]], [role.outputs["arn"]]), (rule.name, scope)
        replica = twins.one("aws:s3/bucket:Bucket", f"{color}-assets-replica")
        assert _dr(replica)
        [replication] = [r for r in twins.of_type(
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig") if r.name.startswith(f"{color}-")]
        assert replication.inputs["rules"][0]["destination"]["bucket"] == replica.outputs["arn"]
        [board] = [d for d in twins.of_type("aws:cloudwatch/dashboard:Dashboard")
                   if d.name.startswith(f"{color}-")]
        vaults = {m[3] for w in json.loads(board.inputs["dashboardBody"])["widgets"]
                  if w["type"] == "metric" for m in w["properties"]["metrics"]
                  if m[0] == "AWS/Backup"}
        assert vaults == {vault.outputs["name"]}
    assert tags["blue"] != tags["green"]


# --------------------------------------------------------------------------------------------
# issue 14's release safety, two of each: two blue/green web services on ONE load balancer
# (api CANARY, shop LINEAR, each with its test rule, hook, hook group and roles) per
# environment, and a DeployNotices per environment
# --------------------------------------------------------------------------------------------

SHIFTED = {"api": (100, 1, "CANARY"), "shop": (90, 2, "LINEAR")}
"""Service -> (production priority, test priority, strategy) on its environment's listener."""
RULE = "aws:lb/listenerRule:ListenerRule"
LAMBDA = "aws:lambda/function:Function"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _policy(twins: PlanResult, name: str) -> dict:
    value = twins.one(ROLE_POLICY, name).inputs["policy"]
    return json.loads(value) if isinstance(value, str) else value


def test_two_blue_green_services_share_one_listener_apart(twins):
    """On each environment's one HTTPS listener: four rules at four priorities, each test rule
    before its production rule, matching its own service's name from the environment's VPC
    only and forwarding to its own alternate target group; each service hands ECS its own
    rules, target groups and infrastructure role, whose policy names exactly those."""
    for color in COLORS:
        https = twins.one("aws:lb/listener:Listener", f"{color}-lb-https")
        rules = [r for r in twins.of_type(RULE) if r.inputs["listenerArn"] == https.outputs["arn"]]
        assert sorted(r.inputs["priority"] for r in rules) == [1, 2, 90, 100]
        vpc = twins.one("aws:ec2/vpc:Vpc", f"{color}-net-vpc")
        for svc, (priority, test_priority, strategy) in SHIFTED.items():
            name = f"{color}-{svc}"
            prod = twins.one(RULE, f"{color}-lb-{name}-rule")
            test = twins.one(RULE, f"{color}-lb-{name}-test-rule")
            assert (prod.inputs["priority"], test.inputs["priority"]) == (priority, test_priority)
            blue_tg = twins.one("aws:lb/targetGroup:TargetGroup", f"{color}-lb-{name}-tg")
            green_tg = twins.one("aws:lb/targetGroup:TargetGroup", f"{color}-lb-{name}-alt-tg")
            assert sorted(test.inputs["conditions"], key=str) == sorted([
                {"httpHeader": {"httpHeaderName": "X-Groundwork-Test", "values": [name]}},
                {"sourceIp": {"values": [vpc.inputs["cidrBlock"]]}}], key=str)
            assert test.inputs["actions"] == [{"type": "forward",
                                               "targetGroupArn": green_tg.outputs["arn"]}]
            service = twins.one("aws:ecs/service:Service", f"{name}-service")
            assert service.inputs["deploymentConfiguration"]["strategy"] == strategy
            role = twins.one("aws:iam/role:Role", f"{name}-deploy-role")
            [lb] = service.inputs["loadBalancers"]
            assert lb["targetGroupArn"] == blue_tg.outputs["arn"]
            assert lb["advancedConfiguration"] == {
                "alternateTargetGroupArn": green_tg.outputs["arn"],
                "productionListenerRule": prod.outputs["arn"],
                "testListenerRule": test.outputs["arn"], "roleArn": role.outputs["arn"]}
            scoped = {st["Sid"]: st["Resource"] for st in
                      _policy(twins, f"{name}-deploy-policy")["Statement"]}
            assert scoped["ShiftTrafficOnTheseRules"] == sorted(
                [prod.outputs["arn"], test.outputs["arn"]])
            assert scoped["RegisterTasksInTheseTargetGroups"] == sorted(
                [blue_tg.outputs["arn"], green_tg.outputs["arn"]])
    assert twins.one("aws:ecs/service:Service", "blue-shop-service").inputs[
        "deploymentConfiguration"]["linearConfiguration"]["stepPercent"] == 25


def test_each_blue_green_service_has_its_own_hook_group_and_roles(twins):
    """Per service: its hook function (in its own `<svc>-hook` group), the lifecycle hook
    naming exactly that function, the invoke role allowed exactly that function; the hook
    groups reach their own environment's ALB. No AWS name is shared between the four."""
    seen: dict[str, set[str]] = {"function": set(), "group": set(), "log": set(), "role": set(),
                                 "tg": set()}
    for color in COLORS:
        alb = twins.one("aws:ec2/securityGroup:SecurityGroup", f"{color}-groups-alb")
        for svc in SHIFTED:
            name = f"{color}-{svc}"
            fn = twins.one(LAMBDA, f"{name}-deploy-hook")
            group = twins.one("aws:ec2/securityGroup:SecurityGroup", f"{color}-groups-{svc}-hook")
            assert fn.inputs["vpcConfig"]["securityGroupIds"] == [group.id]
            assert fn.inputs["environment"]["variables"]["TEST_HEADER_VALUE"] == name
            assert fn.inputs["environment"]["variables"]["HOST"] == f"{color}.example.com"
            invoke = twins.one("aws:iam/role:Role", f"{name}-hook-invoke-role")
            [hook] = twins.one("aws:ecs/service:Service", f"{name}-service").inputs[
                "deploymentConfiguration"]["lifecycleHooks"]
            assert (hook["hookTargetArn"], hook["roleArn"]) == (fn.outputs["arn"],
                                                                invoke.outputs["arn"])
            [grant] = _policy(twins, f"{name}-hook-invoke-policy")["Statement"]
            assert grant["Resource"] == fn.outputs["arn"]
            to_alb = [r for r in twins.of_type(
                "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                if r.inputs["securityGroupId"] == group.id
                and r.inputs.get("referencedSecurityGroupId")]
            assert [(r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"])
                    for r in to_alb] == [(alb.id, 443)]
            for key, value in (
                    ("function", fn.inputs["name"]), ("group", group.inputs["namePrefix"]),
                    ("log", twins.one("aws:cloudwatch/logGroup:LogGroup",
                                      f"{name}-deploy-hook-logs").inputs["name"]),
                    ("tg", twins.one("aws:lb/targetGroup:TargetGroup",
                                     f"{color}-lb-{name}-alt-tg").inputs["name"])):
                assert value not in seen[key], (key, value)
                seen[key].add(value)
            for role in ("deploy", "deploy-hook", "hook-invoke"):
                physical = twins.one("aws:iam/role:Role", f"{name}-{role}-role").inputs["name"]
                assert physical not in seen["role"] and len(physical) <= 64
                seen["role"].add(physical)
    assert all(len(v) == 4 for k, v in seen.items() if k != "role") and len(seen["role"]) == 12
    assert twins.name_clashes == []


def test_two_deploy_notices_watch_their_own_environments_services(twins):
    """Each DeployNotices: four rules on exactly its environment's three services, its own
    deploys topic on its environment's notifications key (which lets EventBridge use it), its
    own e-mail subscription and rolled-back alarm (on its own rules, to its own topics); no
    rule, topic or alarm name is the other's."""
    names: dict[str, set[str]] = {}
    for color in COLORS:
        component = twins.one("groundwork:monitoring:DeployNotices", f"{color}-deploy-notices")
        children = [c for c in twins.descendants(component) if c.custom]
        assert all(c.name.startswith(f"{color}-deploy-notices-") for c in children)
        arns = sorted(twins.one("aws:ecs/service:Service", f"{color}-{s}-service").outputs["arn"]
                      for s in ("api", "worker", "shop"))
        rules = {r.inputs["name"]: r for r in children
                 if r.type == "aws:cloudwatch/eventRule:EventRule"}
        assert sorted(rules) == sorted(f"{PREFIX}-{color}-deploy-notices-{k}"
                                       for k in ("started", "succeeded", "rolled-back", "failed"))
        for rule in rules.values():
            assert sorted(json.loads(rule.inputs["eventPattern"])["resources"]) == arns
        [topic] = [c for c in children if c.type == "aws:sns/topic:Topic"]
        key = twins.one("aws:kms/key:Key", f"{color}-keys-notifications-key")
        assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
        key_policy = json.loads(key.inputs["policy"])
        assert "EventBridgeRulesPublish" in {st["Sid"] for st in key_policy["Statement"]}
        [mail] = [c for c in children if c.type == "aws:sns/topicSubscription:TopicSubscription"]
        assert (mail.inputs["topic"], mail.inputs["endpoint"]) == (
            topic.outputs["arn"], f"releases-{color}@example.com")
        [alarm] = [c for c in children if c.type == ALARM]
        read = {q["metric"]["dimensions"]["RuleName"] for q in alarm.inputs["metricQueries"]
                if "metric" in q}
        assert read == {f"{PREFIX}-{color}-deploy-notices-{k}" for k in ("rolled-back", "failed")}
        own = {twins.one("aws:sns/topic:Topic", f"{color}-notify-{s}").outputs["arn"]
               for s in ("critical", "warning")}
        assert alarm.inputs["alarmActions"] and set(alarm.inputs["alarmActions"]) <= own
        names[color] = {*rules, topic.inputs["name"], alarm.inputs["name"]}
    assert not names["blue"] & names["green"]
    assert twins.name_clashes == []
