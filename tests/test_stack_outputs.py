"""The stack outputs are a contract (stack references, `groundwork verify`): each must equal the
value of the resource it names in the planned prod stack."""

from __future__ import annotations


def test_service_outputs_name_their_resources(prod):
    out = prod.stack_outputs["services"]
    assert set(out) == {"api", "worker"}
    api_tg = prod.one("aws:lb/targetGroup:TargetGroup", "load-balancer-api-tg")  # not the -alt
    assert out["api"]["target_group_arn"] == api_tg.outputs["arn"]
    assert out["api"]["health_check_path"] == "/health/ready"
    assert "target_group_arn" not in out["worker"]
    ecs_names = {s.outputs["name"] for s in prod.of_type("aws:ecs/service:Service")}
    assert {v["service_name"] for v in out.values()} == ecs_names
    assert prod.stack_outputs["cluster_name"] == prod.one("aws:ecs/cluster:Cluster").outputs["name"]


def test_data_outputs_name_their_resources(prod):
    db = prod.one("aws:rds/instance:Instance")
    rg = prod.one("aws:elasticache/replicationGroup:ReplicationGroup")
    assert prod.stack_outputs["database"]["identifier"] == db.outputs["identifier"]
    assert prod.stack_outputs["database"]["endpoint"] == db.outputs["address"]
    assert prod.stack_outputs["cache"]["replication_group_id"] == rg.outputs["replicationGroupId"]
    assert prod.stack_outputs["cache"]["primary_endpoint"] == rg.outputs["primaryEndpointAddress"]


def test_load_balancer_outputs(prod):
    lb = prod.one("aws:lb/loadBalancer:LoadBalancer")
    assert prod.stack_outputs["load_balancer"]["dns_name"] == lb.outputs["dnsName"]
    assert prod.stack_outputs["load_balancer"]["arn_suffix"] == lb.outputs["arnSuffix"]
    assert prod.stack_outputs["load_balancer"]["arn"] == lb.outputs["arn"]


def _one_named(plan, type_: str, fragment: str):
    [record] = [r for r in plan.of_type(type_) if fragment in r.name]
    return record


def test_edge_outputs_in_alb_mode_name_the_acl_on_the_alb_and_the_records(prod):
    """prod: the REGIONAL ACL (the one associated with the ALB), the alias records' names and
    the health check; no CloudFront keys."""
    edge = prod.stack_outputs["edge"]
    assert set(edge) == {"mode", "regional_web_acl", "zone_id", "domains", "health_check_id"}
    assert edge["mode"] == "alb"
    [assoc] = prod.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")
    assert assoc.inputs["resourceArn"] == prod.stack_outputs["load_balancer"]["arn"]
    [acl] = prod.of_type("aws:wafv2/webAcl:WebAcl")
    assert edge["regional_web_acl"] == {
        "arn": acl.outputs["arn"], "name": acl.outputs["name"],
        "log_group_name": _one_named(prod, "aws:cloudwatch/logGroup:LogGroup",
                                     "web-firewall").outputs["name"]}
    assert assoc.inputs["webAclArn"] == edge["regional_web_acl"]["arn"]
    assert edge["regional_web_acl"]["log_group_name"].startswith("aws-waf-logs-")
    records = prod.of_type("aws:route53/record:Record")
    aliases = [r for r in records if r.inputs.get("aliases")]
    assert sorted(edge["domains"]) == sorted(r.inputs["name"] for r in aliases) == ["app.example.com"]
    assert {r.inputs["zoneId"] for r in aliases} == {edge["zone_id"]}
    [check] = prod.of_type("aws:route53/healthCheck:HealthCheck")
    assert edge["health_check_id"] == check.id and check.id


def test_edge_outputs_in_dev_have_records_but_no_acl(dev):
    edge = dev.stack_outputs["edge"]
    assert set(edge) == {"mode", "zone_id", "domains"}  # WAF off, no health check in dev
    assert edge["domains"] == ["dev.app.example.com"] and edge["mode"] == "alb"


def test_edge_outputs_in_cloudfront_mode_name_the_distribution_and_its_acl(prod_cloudfront):
    edge = prod_cloudfront.stack_outputs["edge"]
    assert edge["mode"] == "cloudfront" and "regional_web_acl" not in edge
    dist = prod_cloudfront.one("aws:cloudfront/distribution:Distribution")
    assert edge["distribution"] == {"id": dist.id, "domain_name": dist.outputs["domainName"],
                                    "arn": dist.outputs["arn"]}
    [acl] = prod_cloudfront.of_type("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert edge["cloudfront_web_acl"]["arn"] == acl.outputs["arn"] == dist.inputs["webAclId"]
    assert edge["cloudfront_web_acl"]["name"] == acl.outputs["name"]
    assert edge["cloudfront_web_acl"]["log_group_name"].startswith("aws-waf-logs-")
    aliases = [r for r in prod_cloudfront.of_type("aws:route53/record:Record") if r.inputs.get("aliases")]
    assert {r.inputs["aliases"][0]["name"] for r in aliases} == {edge["distribution"]["domain_name"]}
    assert set(edge["domains"]) == {r.inputs["name"] for r in aliases}


# --------------------------------------------------------------------------------------------
# one contract: PlatformOutputs (stacks/outputs.py), listed in docs/outputs.md
# --------------------------------------------------------------------------------------------


def test_every_exported_output_is_in_the_contract(dev, prod):
    from groundwork.stacks.outputs import OUTPUT_NAMES

    for plan in (dev, prod):
        assert plan.stack_outputs, "the stack exported nothing"
        assert set(plan.stack_outputs) <= set(OUTPUT_NAMES), set(plan.stack_outputs) - set(OUTPUT_NAMES)
    # prod builds every tier but ci and the optional stores (tests/test_data_services.py)
    assert set(OUTPUT_NAMES) - set(prod.stack_outputs) == {
        "ci_deploy_role_arn", "ci_preview_role_arn", "search", "documents", "kafka"}


def test_outputs_are_exported_in_one_place():
    """Only stacks/outputs.py calls pulumi.export for the environment stacks (the builders
    return components); the account program exports from its own builder, stacks/account.py."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent / "stacks"
    exporting = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                       if "pulumi.export(" in p.read_text())
    assert exporting == ["account.py", "outputs.py"]


def test_the_outputs_reference_is_generated_and_complete():
    import pathlib

    from groundwork.stacks.outputs import OUTPUT_NAMES, field_docs, outputs_reference

    docs = field_docs()
    assert set(docs) == set(OUTPUT_NAMES), "every output has a description"
    assert all(len(d) > 10 for d in docs.values())
    text = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "outputs.md").read_text()
    assert text == outputs_reference(), "docs/outputs.md drifted: run `make docs`"
    for name in OUTPUT_NAMES:
        assert f"| `{name}` |" in text


def test_backup_output_names_the_plan_its_vaults_and_role(prod):
    """`backup` (read by `groundwork verify` and `groundwork drill restore`): the primary vault
    on the stack's provider, the DR vault through `aws-dr` in us-west-2, the plan, the role,
    the selection tag the database carries, and the stated RPO/RTO."""
    out = prod.stack_outputs["backup"]
    vaults = {("aws-dr" in v.provider.split("::")[-1]): v for v in prod.of_type("aws:backup/vault:Vault")}
    vault, dr_vault = vaults[False], vaults[True]
    assert (out["vault_name"], out["vault_arn"]) == (vault.outputs["name"], vault.outputs["arn"])
    assert (out["dr_vault_name"], out["dr_vault_arn"]) == (dr_vault.outputs["name"],
                                                            dr_vault.outputs["arn"])
    assert out["dr_region"] == "us-west-2" and ":us-west-2:" in out["dr_vault_arn"]
    plan = prod.one("aws:backup/plan:Plan")
    assert (out["plan_id"], out["plan_arn"]) == (plan.id, plan.outputs["arn"])
    [role] = [r for r in prod.of_type("aws:iam/role:Role") if r.outputs["arn"] == out["role_arn"]]
    assert "backup.amazonaws.com" in str(role.inputs["assumeRolePolicy"])
    db = prod.one("aws:rds/instance:Instance")
    assert out["selection_tag"] == {"key": "Backup", "value": db.inputs["tags"]["Backup"]}
    assert (out["rpo_minutes"], out["rto_minutes"], out["drill_tables"]) == (60, 240, [])


def test_database_output_has_what_a_restore_drill_needs(prod):
    db = prod.one("aws:rds/instance:Instance")
    out = prod.stack_outputs["database"]
    assert out["arn"] == db.outputs["arn"]
    assert out["subnet_group_name"] == db.inputs["dbSubnetGroupName"]
    assert out["vpc_id"] == prod.stack_outputs["vpc_id"] == prod.one("aws:ec2/vpc:Vpc").id
    group = prod.one("aws:rds/subnetGroup:SubnetGroup")
    assert out["subnet_ids"] == prod.stack_outputs["subnet_ids"]["data"] == group.inputs["subnetIds"]


def test_dev_has_no_backup_output(dev):
    """dev's backups are off (docs/backup.md): no `backup` output; the drill still finds the
    database's own RDS snapshots through the `database` output."""
    assert "backup" not in dev.stack_outputs
    assert dev.stack_outputs["database"]["subnet_ids"] == dev.stack_outputs["subnet_ids"]["data"]


def test_assets_output_names_each_bucket_and_its_replica(prod, dev):
    """`assets` (read by `groundwork verify`'s assets and backup checks): the bucket's name and
    ARN, and prod's replica through `aws-dr` in us-west-2; dev's bucket has no replica."""
    out = prod.stack_outputs["assets"]
    assert set(out) == {"assets"}
    bucket = prod.one("aws:s3/bucket:Bucket", "assets-bucket")
    replica = prod.one("aws:s3/bucket:Bucket", "assets-replica")
    assert "aws-dr" in replica.provider.split("::")[-1]
    assert out["assets"] == {
        "bucket_name": bucket.outputs["bucket"], "arn": bucket.outputs["arn"],
        "replica_bucket_name": replica.outputs["bucket"], "replica_arn": replica.outputs["arn"],
        "replica_region": "us-west-2"}
    [replication] = prod.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert replication.inputs["rules"][0]["destination"]["bucket"] == out["assets"]["replica_arn"]
    dev_bucket = dev.one("aws:s3/bucket:Bucket", "assets-bucket")
    assert dev.stack_outputs["assets"] == {"assets": {"bucket_name": dev_bucket.outputs["bucket"],
                                                      "arn": dev_bucket.outputs["arn"]}}


def test_documents_output_carries_the_cluster_arn(prod_data_services):
    cluster = prod_data_services.one("aws:docdb/cluster:Cluster")
    out = prod_data_services.stack_outputs["documents"]
    assert out["arn"] == cluster.outputs["arn"] and ":cluster:" in out["arn"]
    assert out["cluster_identifier"] == cluster.outputs["clusterIdentifier"]
