"""`groundwork cost`: the arithmetic pinned on small hand-computed plans, and the real stacks.

The synthetic plans are built from `ResourceRecord`s shaped like the engine's (camelCase inputs,
children parented to a component), so the same code path prices them as the real stacks.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from groundwork import cost
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import load_environment

PRICES = Path(cost.__file__).parent / "prices"
STACK_URN = "urn:pulumi:t::groundwork::pulumi:pulumi:Stack::groundwork-t"


def _plan(*children: tuple[str, str, str, dict[str, Any]], region: str = "us-east-1") -> PlanResult:
    """A plan of (component, type, name, inputs) records, each under a component of that name."""
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="t", region=region)
    records = [ResourceRecord("pulumi:pulumi:Stack", "groundwork-t", STACK_URN, "", False, {}, {})]
    components: dict[str, str] = {}
    for component, typ, name, inputs in children:
        if component not in components:
            urn = f"urn:pulumi:t::groundwork::groundwork:test:C::{component}"
            components[component] = urn
            records.append(ResourceRecord("groundwork:test:C", component, urn, STACK_URN, False, {}, {}))
        outputs = dict(inputs)
        if typ == cost.TASK_DEFINITION:
            outputs["arn"] = f"arn:aws:ecs:{region}:123456789012:task-definition/{inputs['family']}:1"
        records.append(ResourceRecord(typ, name, f"urn:{typ}::{name}", components[component], True,
                                      inputs, outputs, id=name))
    return PlanResult(stack="t", project="groundwork", config=env, resources=records,
                      stack_outputs={}, log=[])


def _monthly(plan: PlanResult, **assume: Any) -> float:
    return round(cost.estimate(plan, cost.Assumptions(**assume)).total, 4)


# --------------------------------------------------------------------------------------------
# the price table
# --------------------------------------------------------------------------------------------


def test_price_table_is_dated_and_every_section_cites_a_source():
    table = json.loads((PRICES / "us-east-1.json").read_text())
    assert date.fromisoformat(table["as_of"])
    assert table["provenance"] and table["currency"] == "USD"
    sections = {k: v for k, v in table.items() if isinstance(v, dict) and "source" in v}
    assert {"nat_gateway", "alb", "rds_postgresql", "elasticache", "fargate", "kms",
            "secrets_manager", "cloudwatch", "public_ipv4", "vpc_endpoint_interface"} <= set(sections)
    for name, section in sections.items():
        assert section["source"] in table["sources"], name
        assert table["sources"][section["source"]].startswith("https://aws.amazon.com/"), name


def test_a_class_missing_from_the_table_is_reported_not_zeroed():
    """Config accepts more classes than the table prices; those must surface as unpriced."""
    plan = _plan(("database", cost.RDS_INSTANCE, "db", {
        "instanceClass": "db.r8g.large", "allocatedStorage": 20, "storageType": "gp3"}))
    est = cost.estimate(plan)
    assert est.unpriced == ["database/db: RDS instance class db.r8g.large"]
    assert round(est.total, 4) == 2.3  # storage is still priced: 20 GB x 0.115


def test_unknown_region_is_a_clear_error():
    plan = _plan(region="eu-north-1")
    with pytest.raises(cost.PriceError, match=r"no price table for region 'eu-north-1'.*us-east-1"):
        cost.estimate(plan)


# --------------------------------------------------------------------------------------------
# arithmetic, by hand
# --------------------------------------------------------------------------------------------


def test_nat_gateway_hours_data_and_its_public_ip():
    plan = _plan(("network", cost.NAT, "nat-a", {"connectivityType": "public"}),
                 ("network", cost.EIP, "nat-eip-a", {"domain": "vpc"}))
    # 730 h x 0.045 = 32.85; 100 GB x 0.045 = 4.50; IPv4 730 h x 0.005 = 3.65
    assert _monthly(plan) == 41.0
    assert _monthly(plan, nat_gb_per_gateway=1000) == 81.5


def test_nat_instance_hours_root_volume_and_its_public_ip():
    """`network.nat: instance`: instance hours by type, its gp3 root volume, its Elastic IP; no
    per-GB processing charge (only data transfer out, which no estimate includes)."""
    root = {"volumeSize": 8, "volumeType": "gp3", "encrypted": True}
    plan = _plan(("network", cost.EC2_INSTANCE, "nat-instance-a",
                  {"instanceType": "t4g.nano", "rootBlockDevice": root}),
                 ("network", cost.EIP, "nat-eip-a", {"domain": "vpc", "instance": "i-1"}))
    # 730 h x 0.0042 = 3.066; 8 GB x 0.08 = 0.64; IPv4 730 h x 0.005 = 3.65
    assert _monthly(plan) == 7.356
    assert _monthly(plan, nat_gb_per_gateway=1000) == 7.356
    # t3.micro: 730 x 0.0104 = 7.592 (+ the same volume)
    t3 = _plan(("network", cost.EC2_INSTANCE, "nat", {"instanceType": "t3.micro", "rootBlockDevice": root}))
    assert _monthly(t3) == 8.232
    # a type the table lacks is named under "not priced", never counted as zero
    big = cost.estimate(_plan(("network", cost.EC2_INSTANCE, "nat", {"instanceType": "c7g.16xlarge"})))
    assert big.unpriced == ["network/nat: EC2 instance type c7g.16xlarge"]
    assert big.total == 0.0


def test_alb_hours_lcus_and_one_public_ip_per_az():
    public = _plan(("lb", cost.LOAD_BALANCER, "alb", {
        "loadBalancerType": "application", "internal": False, "subnets": ["a", "b", "c"]}))
    # 730 x 0.0225 = 16.425; 1 LCU x 730 x 0.008 = 5.84; 3 IPs x 730 x 0.005 = 10.95
    assert _monthly(public) == 33.215
    assert _monthly(public, alb_lcu=2.5) == round(16.425 + 2.5 * 730 * 0.008 + 10.95, 4)
    internal = _plan(("lb", cost.LOAD_BALANCER, "alb", {"internal": True, "subnets": ["a", "b"]}))
    assert _monthly(internal) == round(16.425 + 5.84, 4)


def test_rds_multi_az_doubles_instance_and_storage_and_bills_backup_beyond_free():
    plan = _plan(("database", cost.RDS_INSTANCE, "db", {
        "instanceClass": "db.m7g.large", "multiAz": True, "allocatedStorage": 100,
        "storageType": "gp3", "backupRetentionPeriod": 14, "manageMasterUserPassword": True}))
    # 2 x 730 x 0.168 = 245.28; 100 GB x 0.23 = 23.00;
    # backup: 100 GB x 5 %/day x 13 days beyond the free 100 % = 65 GB x 0.095 = 6.175;
    # RDS-managed master secret 0.40
    assert _monthly(plan) == 274.855
    single = _plan(("database", cost.RDS_INSTANCE, "db", {
        "instanceClass": "db.t4g.micro", "multiAz": False, "allocatedStorage": 20,
        "storageType": "gp3", "backupRetentionPeriod": 1}))
    assert _monthly(single) == 13.98  # 730 x 0.016 + 20 x 0.115, backups within the free 100 %


def test_rds_database_insights_advanced_is_billed_per_vcpu():
    plan = _plan(("database", cost.RDS_INSTANCE, "db", {
        "instanceClass": "db.t4g.micro", "allocatedStorage": 20, "storageType": "gp3",
        "databaseInsightsMode": "advanced"}))
    assert _monthly(plan) == round(11.68 + 2.3 + 2 * 730 * 0.0125, 4)  # 2 vCPUs: +18.25


def test_elasticache_nodes_valkey_discount_and_node_count():
    valkey = _plan(("cache", cost.REPLICATION_GROUP, "rg", {
        "engine": "valkey", "nodeType": "cache.m7g.large", "numCacheClusters": 2}))
    assert _monthly(valkey) == 184.544  # 2 nodes x 730 h x (0.158 x 0.8)
    redis = _plan(("cache", cost.REPLICATION_GROUP, "rg", {
        "engine": "redis", "nodeType": "cache.t4g.micro", "numCacheClusters": 1}))
    assert _monthly(redis) == 11.68
    sharded = _plan(("cache", cost.REPLICATION_GROUP, "rg", {
        "engine": "redis", "nodeType": "cache.t4g.micro", "numNodeGroups": 2,
        "replicasPerNodeGroup": 1}))
    assert _monthly(sharded) == 46.72  # 2 shards x (1 primary + 1 replica)


def _service(name: str, *, cpu: str, memory: str, arch: str, desired: int | None = None,
             strategies: list[dict[str, Any]] | None = None, min_capacity: int | None = None):
    records = [("compute", cost.TASK_DEFINITION, f"{name}-task", {
        "family": f"groundwork-t-{name}", "cpu": cpu, "memory": memory,
        "runtimePlatform": {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"}})]
    service: dict[str, Any] = {
        "name": f"groundwork-t-{name}",
        "taskDefinition": f"arn:aws:ecs:us-east-1:123456789012:task-definition/groundwork-t-{name}:1"}
    if desired is not None:
        service["desiredCount"] = desired
    if strategies is not None:
        service["capacityProviderStrategies"] = strategies
    else:
        service["launchType"] = "FARGATE"
    records.append(("compute", cost.ECS_SERVICE, name, service))
    if min_capacity is not None:
        records.append(("compute", cost.SCALING_TARGET, f"{name}-scaling", {
            "serviceNamespace": "ecs", "minCapacity": min_capacity, "maxCapacity": 10,
            "resourceId": f"service/groundwork-t-cluster/groundwork-t-{name}"}))
    return records


def test_fargate_x86_tasks_at_the_autoscaling_minimum():
    plan = _plan(*_service("api", cpu="1024", memory="2048", arch="X86_64", desired=4, min_capacity=2))
    # 2 tasks x 1 vCPU x 730 h x 0.04048 = 59.1008; 2 x 2 GB x 730 x 0.004445 = 12.9794
    assert _monthly(plan) == 72.0802


def test_fargate_arm_on_spot_gets_the_discount():
    plan = _plan(*_service("worker", cpu="512", memory="1024", arch="ARM64", desired=1,
                           strategies=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]))
    # 0.5 vCPU x 730 x 0.03238 x 0.3 = 3.54561; 1 GB x 730 x 0.00356 x 0.3 = 0.77964
    assert _monthly(plan) == pytest.approx(3.54561 + 0.77964, abs=1e-4)
    assert _monthly(plan, spot_discount=0.0) == round(0.5 * 730 * 0.03238 + 730 * 0.00356, 4)


def test_capacity_provider_split_places_base_first_then_by_weight():
    strategies = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                  {"capacityProvider": "FARGATE_SPOT", "weight": 3}]
    assert cost.fargate_split(4, strategies) == (1.75, 2.25)
    assert cost.fargate_split(1, strategies) == (1, 0)
    assert cost.fargate_split(3, []) == (3, 0)


def test_interface_endpoints_bill_per_az_and_gateway_endpoints_are_free():
    plan = _plan(("network", cost.VPC_ENDPOINT, "ecr-api", {
                     "vpcEndpointType": "Interface", "subnetIds": ["a", "b"]}),
                 ("network", cost.VPC_ENDPOINT, "s3", {"vpcEndpointType": "Gateway"}))
    assert _monthly(plan) == 14.7  # 2 AZ x 730 h x 0.01 + 10 GB x 0.01


def test_alarms_bill_per_metric_and_high_resolution_costs_more():
    standard = {"metricName": "CPUUtilization", "namespace": "AWS/RDS", "period": 60}
    math = {"metricQueries": [
        {"id": "errors", "metric": {"metricName": "HTTPCode_Target_5XX_Count", "period": 60}},
        {"id": "requests", "metric": {"metricName": "RequestCount", "period": 60}},
        {"id": "rate", "expression": "errors / requests * 100", "returnData": True}]}
    high_res = {"metricName": "CPUUtilization", "period": 10}
    anomaly = {"metricQueries": [
        {"id": "m", "metric": {"metricName": "TargetResponseTime", "period": 60}},
        {"id": "band", "expression": "ANOMALY_DETECTION_BAND(m, 2)"}]}
    assert cost.alarm_metric_count(standard) == (1, False)
    assert cost.alarm_metric_count(math) == (2, False)
    assert cost.alarm_metric_count(high_res) == (1, True)
    assert cost.alarm_metric_count(anomaly) == (3, False)
    plan = _plan(*[("alarms", cost.METRIC_ALARM, f"a{i}", a)
                   for i, a in enumerate((standard, math, high_res, anomaly))])
    assert _monthly(plan) == 0.9  # 0.10 + 0.20 + 0.30 + 0.30


def test_keys_secrets_dashboard_and_logs():
    plan = _plan(("kms", cost.KMS_KEY, "key", {}),
                 ("app", cost.SECRET, "secret", {}),
                 ("alarms", cost.DASHBOARD, "dash", {}),
                 ("app", cost.LOG_GROUP, "logs", {"retentionInDays": 30}))
    # 1.00 + 0.40 + 3.00 + 1 GB x 0.50 + 1 GB x (30 d = 0.9863 months) x 0.03
    assert _monthly(plan) == round(1 + 0.4 + 3 + 0.5 + 30 * 24 / 730 * 0.03, 4)


def test_lines_group_by_component_and_sum_to_the_total():
    plan = _plan(("network", cost.NAT, "nat", {}), ("database", cost.KMS_KEY, "k", {}),
                 ("network", cost.EIP, "eip", {}))
    est = cost.estimate(plan)
    assert est.by_component() == pytest.approx({"network": 41.0, "database": 1.0})
    assert sum(est.by_component().values()) == pytest.approx(est.total)
    assert any("100 GB processed per gateway" in a for a in est.assumptions)


# --------------------------------------------------------------------------------------------
# the real stacks
# --------------------------------------------------------------------------------------------


def test_dev_costs_less_than_half_of_prod(dev, prod):
    dev_total, prod_total = cost.estimate(dev).total, cost.estimate(prod).total
    assert dev_total < prod_total / 2, (dev_total, prod_total)


def test_real_stacks_price_every_nat_and_leave_nothing_unpriced(dev, prod):
    for plan in (dev, prod):
        est = cost.estimate(plan)
        assert est.unpriced == []
        nat_lines = [line for line in est.lines if line.item == "NAT gateway hours"]
        assert len(nat_lines) == len(plan.of_type(cost.NAT))
        assert all(line.component == "network" for line in nat_lines)


def test_the_ec2_endpoint_is_priced_per_az_in_both_stacks(dev, prod):
    """FSBP EC2.10's interface endpoint (on by default): $0.01 per AZ-hour plus data."""
    for plan, azs in ((dev, 2), (prod, 3)):
        [endpoint] = [e for e in plan.of_type(cost.VPC_ENDPOINT)
                      if e.inputs["serviceName"].endswith(".ec2")]
        lines = {line.item: line for line in cost.estimate(plan).lines if line.resource == endpoint.name}
        hours = lines["interface endpoint AZ-hours"]
        assert (hours.component, hours.quantity, hours.unit_price) == ("network", azs * 730, 0.01)
        assert round(sum(line.monthly for line in lines.values()), 2) == round(azs * 7.3 + 0.1, 2)


def test_prod_database_is_priced_multi_az(prod):
    est = cost.estimate(prod)
    [line] = [x for x in est.lines if x.item.startswith("RDS db.") and x.item.endswith("hours")]
    assert "Multi-AZ" in line.item and line.quantity == 2 * 730


# --------------------------------------------------------------------------------------------
# the commands
# --------------------------------------------------------------------------------------------


def _cli(*args: str):
    from typer.testing import CliRunner

    from groundwork.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def test_cost_command_prints_components_assumptions_and_the_total(tmp_path, dev):
    out = tmp_path / "cost.json"
    result = _cli("cost", "dev", "--nat-gb", "200", "--json", str(out))
    assert result.exit_code == 0, result.output
    est = cost.estimate(dev, cost.Assumptions(nat_gb_per_gateway=200))
    assert f"Total: {cost.money(est.total)} per month for stack dev" in result.output
    assert "By component" in result.output and "network" in result.output
    assert "NAT: 200 GB processed per gateway per month" in result.output
    doc = json.loads(out.read_text())
    assert doc["total_monthly"] == round(est.total, 2)
    # --nat-gb took effect: dev's one NAT processes 100 GB more than the default, at $0.045/GB
    assert doc["total_monthly"] == pytest.approx(cost.estimate(dev).total + 4.5, abs=0.01)
    assert sum(doc["by_component"].values()) == pytest.approx(doc["total_monthly"], abs=0.05)


def test_plan_prints_the_monthly_total(prod):
    result = _cli("plan", "prod")
    assert result.exit_code == 0, result.output
    assert f"Estimated monthly cost: {cost.money(cost.estimate(prod).total)}" in result.output


def test_cost_in_a_region_without_prices_exits_2(tmp_path, monkeypatch):
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.nordic.yaml").write_text(
        "config:\n  aws:region: eu-north-1\n  groundwork:profile: dev\n"
        "  groundwork:tags:\n    Owner: t\n")
    monkeypatch.chdir(tmp_path)
    result = _cli("cost", "nordic")
    assert result.exit_code == 2
    assert "no price table for region 'eu-north-1'" in result.output
