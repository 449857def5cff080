"""Issue 16's stores together: prod with the jobs queue (committed), the search domain, the
document database and Kafka (all three on by override, used by the api): one plan where each
lands in its tier, admits only its user on its port, encrypts with the data key, passes the
policy pack and is priced, and the stack outputs name the real resources.

Each component's own module (test_queue.py, test_search.py, test_document_database.py,
test_kafka.py) goes deeper; this one checks what only the four side by side can show."""

from __future__ import annotations

import pytest
from conftest import tags_of

from groundwork import cost
from groundwork.check import check_plan
from groundwork.engine import PlanResult

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SUBNET = "aws:ec2/subnet:Subnet"
STORE_PORTS = {"opensearch": 443, "documentdb": 27017, "kafka": 9098}
"""Each store group and the one port it admits (the opensearch group on 443: docs/search.md)."""


def subnets_of(plan: PlanResult, tier: str) -> set[str]:
    return {s.id for s in plan.of_type(SUBNET) if tags_of(s).get("Tier") == tier}


def group(plan: PlanResult, key: str) -> str:
    [g] = [g for g in plan.of_type(SG) if tags_of(g).get("Group") == key]
    return g.id


def test_each_store_lands_in_its_tier(prod_data_services):
    plan = prod_data_services
    data, messaging = subnets_of(plan, "data"), subnets_of(plan, "messaging")
    assert data and messaging and not data & messaging
    domain = plan.one("aws:opensearch/domain:Domain").inputs["vpcOptions"]["subnetIds"]
    documents = plan.one("aws:docdb/subnetGroup:SubnetGroup").inputs["subnetIds"]
    brokers = plan.one("aws:msk/cluster:Cluster").inputs["brokerNodeGroupInfo"]["clientSubnets"]
    assert set(domain) <= data and len(set(domain)) == 3
    assert set(documents) == data
    assert set(brokers) == messaging


def test_each_store_group_admits_only_the_api_on_its_port(prod_data_services):
    plan = prod_data_services
    api, worker = group(plan, "api"), group(plan, "worker")
    for key, port in STORE_PORTS.items():
        store = group(plan, key)
        ingress = [(r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"], r.inputs["toPort"])
                   for r in plan.of_type(INGRESS) if r.inputs["securityGroupId"] == store]
        assert ingress == [(api, port, port)], key
        assert not [r for r in plan.of_type(EGRESS) if r.inputs["securityGroupId"] == store], key
        to_store = {r.inputs["securityGroupId"] for r in plan.of_type(EGRESS)
                    if r.inputs.get("referencedSecurityGroupId") == store}
        assert to_store == {api}, key  # the worker uses none of them
    assert worker not in {r.inputs.get("referencedSecurityGroupId") for r in plan.of_type(INGRESS)
                          if r.inputs["securityGroupId"] in {group(plan, k) for k in STORE_PORTS}}


def test_every_store_encrypts_with_the_data_key(prod_data_services):
    plan = prod_data_services
    data = plan.one("aws:kms/key:Key", "kms-data-key").outputs["arn"]
    got = {
        "queue": {q.inputs["kmsMasterKeyId"] for q in plan.of_type("aws:sqs/queue:Queue")},
        "search": {plan.one("aws:opensearch/domain:Domain").inputs["encryptAtRest"]["kmsKeyId"]},
        "documents": {plan.one("aws:docdb/cluster:Cluster").inputs["kmsKeyId"]},
        "kafka": {plan.one("aws:msk/cluster:Cluster").inputs["encryptionInfo"]
                  ["encryptionAtRestKmsKeyArn"]},
    }
    assert got == {store: {data} for store in got}


def test_the_api_gets_every_store_and_the_worker_only_its_queue(prod_data_services):
    plan = prod_data_services
    import json

    def environment(service: str) -> set[str]:
        [task] = [t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
                  if t.parent.endswith(f"::{service}")]
        container = json.loads(task.inputs["containerDefinitions"])[0]  # the app, not the tracing sidecar
        return {e["name"] for e in container.get("environment", [])} | \
            {s["name"] for s in container.get("secrets", [])}

    stores = {"SEARCH_ENDPOINT", "DOCUMENTDB_HOST", "DOCUMENTDB_PASSWORD",
              "KAFKA_BOOTSTRAP_BROKERS", "JOBS_QUEUE_URL"}
    assert stores <= environment("api")
    assert environment("worker") & stores == {"JOBS_QUEUE_URL"}


def test_the_stack_outputs_name_the_stores(prod_data_services):
    plan, out = prod_data_services, prod_data_services.stack_outputs
    domain = plan.one("aws:opensearch/domain:Domain").outputs
    cluster = plan.one("aws:docdb/cluster:Cluster").outputs
    msk = plan.one("aws:msk/cluster:Cluster").outputs
    queue = plan.one("aws:sqs/queue:Queue", "jobs-queue").outputs
    assert (out["search"]["endpoint"], out["search"]["arn"]) == (domain["endpoint"], domain["arn"])
    assert out["documents"]["endpoint"] == cluster["endpoint"]
    assert out["documents"]["secret_arn"] == cluster["masterUserSecrets"][0]["secretArn"]
    assert out["kafka"]["bootstrap_brokers"] == msk["bootstrapBrokersSaslIam"]
    assert (out["queues"]["jobs"]["url"], out["queues"]["jobs"]["name"]) == (queue["url"],
                                                                             queue["name"])
    for key in ("search", "documents", "kafka"):
        assert out[key]["security_group_id"] == group(plan, {"search": "opensearch",
                                                              "documents": "documentdb"}.get(key, key))


def test_prod_with_every_store_passes_the_policy_pack(prod_data_services):
    result = check_plan(prod_data_services)
    assert result.mandatory == []
    # the one advisory prod accepts (the database's default port), nothing from the new stores
    assert {v.policy for v in result.advisory} == {"rds-non-default-port"}


@pytest.fixture(scope="module")
def estimate(prod_data_services):
    return cost.estimate(prod_data_services)


def test_cost_prints_a_line_for_each_store(estimate, prod):
    components = estimate.by_component()
    for store in ("jobs", "search", "documents", "kafka"):
        assert components.get(store, 0) > 0, store
    assert estimate.unpriced == []
    baseline = cost.estimate(prod).by_component()
    assert "search" not in baseline  # off in the committed stack: no line
    # turning the three stores on adds their own lines, their alarms and (DocumentDB is in the
    # backup plan by its tag) the backup of the documents cluster, nothing else
    changed = {k for k in {*components, *baseline}
               if round(components.get(k, 0) - baseline.get(k, 0), 6)}
    assert changed == {"search", "documents", "kafka", "alarms", "backup"}
