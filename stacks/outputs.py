"""The stack's outputs: one documented contract, exported in one place (docs/outputs.md).

`PlatformOutputs` lists every output a groundwork stack exports, what it holds and when it is
absent. `build_platform` builds it from the typed `Platform` once every tier exists and exports
it with `export()`; other stacks read these names (`pulumi stack output`, StackReference), and
`groundwork verify` reads `database`, `cache`, `queues`, `search`, `documents`, `kafka`,
`kms_key_arns` (the data key the stores must use), `assets`, `load_balancer`, `edge`,
`services`, `alarms` and `backup`; `groundwork drill restore` reads `database`, `backup` and
`vpc_cidr`; `groundwork rollback` reads `cluster_name` and `services`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from groundwork.components.service import FargateService
    from groundwork.components.web_firewall import WebFirewall
    from groundwork.stacks.platform import Platform


@dataclass(frozen=True)
class PlatformOutputs:
    """Every stack output. A field left None is not exported (its tier is disabled)."""

    vpc_id: Any
    """The VPC's id."""
    vpc_cidr: Any
    """The VPC's IPv4 CIDR."""
    availability_zones: list[str]
    """The AZs the subnet plan uses, in plan order."""
    subnet_ids: Any
    """Subnet ids by tier name, each list in AZ order (`{"public": [...], "compute": [...]}`)."""
    route_table_ids: Any
    """Route table ids by tier name."""
    nat_gateway_ids: Any
    """NAT gateway ids, in AZ order (empty with `nat: none` or `nat: instance`)."""
    nat_instance_ids: Any
    """NAT instance ids (empty unless `nat: instance`)."""
    db_subnet_group_name: Any
    """The network's RDS subnet group over the data tier."""
    cache_subnet_group_name: Any
    """The network's ElastiCache subnet group over the data tier."""
    kms_key_arns: dict[str, Any]
    """KMS key ARNs by purpose (`logs`, `data`, `notifications`)."""
    database: dict[str, Any] | None = None
    """The database's connection contract: endpoint, port, name, secret_arn (RDS-managed
    master secret), security_group_id, identifier; and what a restore needs (`groundwork drill
    restore`, docs/operations.md): arn, subnet_group_name, vpc_id, subnet_ids (the data tier's,
    in AZ order). Absent when `database.enabled` is false."""
    cache: dict[str, Any] | None = None
    """The cache's connection contract: primary_endpoint, reader_endpoint, port,
    auth_secret_arn, security_group_id, replication_group_id. Absent when disabled."""
    queues: dict[str, dict[str, Any]] | None = None
    """Per SQS queue of `queues`: url, arn, name, dlq_url, dlq_arn. Absent without queues."""
    search: dict[str, Any] | None = None
    """The OpenSearch domain: endpoint (without https://), arn, domain_name, master_user_arn (the
    fine-grained-access-control master role), security_group_id. Absent unless `search.enabled`."""
    documents: dict[str, Any] | None = None
    """The DocumentDB cluster's connection contract: endpoint, reader_endpoint, port,
    secret_arn (the managed master secret), security_group_id, cluster_identifier, and arn
    (AWS Backup lists its recovery points by it: `groundwork verify`'s backup RPO check).
    Absent unless `documents.enabled`."""
    assets: dict[str, dict[str, Any]] | None = None
    """Per asset bucket of `assets` (docs/assets.md): bucket_name, arn, and with
    `replicate_to_dr` replica_bucket_name, replica_arn and replica_region (the DR region).
    `groundwork verify` checks each bucket (the `assets` check) and its latest backup when
    `assets` is one of `backup.stores`. Absent without asset buckets."""
    kafka: dict[str, Any] | None = None
    """The MSK cluster: bootstrap_brokers (SASL/IAM over TLS, port 9098), arn, cluster_name,
    security_group_id. Absent unless `kafka.enabled`."""
    cluster_name: Any = None
    """The ECS cluster's name. Absent without services."""
    load_balancer: dict[str, Any] | None = None
    """The ALB: dns_name, zone_id (for alias records), arn_suffix (CloudWatch dimension), arn
    (the web ACL's resource). Absent without a web service."""
    edge: dict[str, Any] | None = None
    """What faces the internet (docs/edge.md): mode (`alb` or `cloudfront`); regional_web_acl
    (arn, name, log_group_name of the REGIONAL web ACL on the ALB) when `edge.waf` builds it in
    alb mode; cloudfront_web_acl (the same of the CLOUDFRONT-scope ACL, in us-east-1) and
    distribution (id, domain_name, arn) in cloudfront mode; zone_id, domains (the alias records'
    names) and health_check_id (with `edge.dns.health_check`) when records are made. A key is
    absent when its piece isn't built. Absent without a web service."""
    services: dict[str, dict[str, Any]] | None = None
    """Per service: service_name, log_group_name, kind, and for web services
    target_group_arn, health_check_path (plus alternate_target_group_arn under blue/green)."""
    alarms: dict[str, Any] | None = None
    """critical_topic_arn, warning_topic_arn, dashboard, alarm_names. Absent when alarms are
    disabled."""
    backup: dict[str, Any] | None = None
    """AWS Backup (docs/backup.md): vault_name, vault_arn, plan_id, plan_arn, role_arn (the
    service role restores use), selection_tag (key, value), rpo_minutes, rto_minutes,
    drill_tables, and with a DR region dr_region, dr_vault_name, dr_vault_arn. Absent unless
    `backup.enabled`."""
    ci_deploy_role_arn: Any = None
    """The GitHub Actions deploy role. Absent without a `ci` section."""
    ci_preview_role_arn: Any = None
    """The read-only pull-request preview role. Absent without `ci` or with `ci.preview: false`."""

    def export(self) -> None:
        """`pulumi.export` every field that is present."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                pulumi.export(f.name, value)


OUTPUT_NAMES = tuple(f.name for f in fields(PlatformOutputs))
"""Every output name, in the documented order."""


def field_docs() -> dict[str, str]:
    """Each output's description: the docstring under its field (read from the source, as
    attribute docstrings are not kept at run time)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(PlatformOutputs))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)):
            docs[node.target.id] = " ".join(str(after.value.value).split())
    return docs


def outputs_reference() -> str:
    """docs/outputs.md (`make docs` writes it; a test fails when it drifts)."""
    docs = field_docs()
    lines = [
        "# Stack outputs",
        "",
        "<!-- generated from groundwork.stacks.outputs.PlatformOutputs by `make docs`; do not edit -->",
        "",
        "Every output a groundwork stack exports, in one contract (`PlatformOutputs` in",
        "stacks/outputs.py). Read them with `pulumi stack output <name> --stack <stack>` or a",
        "`pulumi.StackReference`; `groundwork verify` reads `database`, `cache`, `queues`, `search`,",
        "`documents`, `kafka`, `kms_key_arns` (the data key), `assets`, `load_balancer`, `edge`,",
        "`services`, `alarms` and `backup`; `groundwork drill restore` reads `database`, `backup`",
        "and `vpc_cidr`; `groundwork rollback` reads `cluster_name` and `services`.",
        "",
        "| output | what it holds |",
        "|---|---|",
        *[f"| `{name}` | {docs[name]} |" for name in OUTPUT_NAMES],
        "",
    ]
    return "\n".join(lines)


def service_outputs(service: FargateService) -> dict[str, Any]:
    """What `groundwork verify` and other stacks read about a service."""
    out: dict[str, Any] = {"service_name": service.service_name,
                           "log_group_name": service.log_group_name,
                           "kind": service.args.kind}
    if service.target_group is not None:
        out["target_group_arn"] = service.target_group.arn
        out["health_check_path"] = service.args.health_check.path
    if service.alternate_target_group is not None:
        out["alternate_target_group_arn"] = service.alternate_target_group.arn
    return out


def _web_acl_outputs(firewall: WebFirewall | None) -> dict[str, Any] | None:
    if firewall is None:
        return None
    return {"arn": firewall.arn, "name": firewall.name, "log_group_name": firewall.log_group_name}


def edge_outputs(platform: Platform) -> dict[str, Any] | None:
    """What `groundwork verify` (web-acl, dns-records, cloudfront) and other stacks read about
    the edge; None without a load balancer (nothing is built in front of nothing)."""
    if platform.load_balancer is None:
        return None
    out: dict[str, Any] = {"mode": platform.env.edge.mode}
    for key, firewall in (("regional_web_acl", platform.web_firewall),
                          ("cloudfront_web_acl", platform.edge_firewall)):
        acl = _web_acl_outputs(firewall)
        if acl is not None:
            out[key] = acl
    cdn = platform.distribution
    if cdn is not None:
        out["distribution"] = {"id": cdn.id, "domain_name": cdn.domain_name, "arn": cdn.arn}
    records = platform.domain_records
    if records is not None:
        out["zone_id"] = records.args.zone_id
        out["domains"] = list(records.fqdns)
        if records.health_check_id is not None:
            out["health_check_id"] = records.health_check_id
    return out


def database_restore_outputs(platform: Platform) -> dict[str, Any]:
    """What `groundwork drill restore` reads of the database besides its connection contract:
    the instance ARN (AWS Backup lists recovery points by it), its subnet group, the VPC and
    the data tier's subnets (the throwaway restore gets a subnet group of its own over them)."""
    database, net = platform.database, platform.network
    assert database is not None
    tier = net.args.database_tier
    group = (database.subnet_group.name if database.subnet_group is not None
             else database.args.subnet_group_name)
    return {"arn": database.instance.arn, "subnet_group_name": group,
            "vpc_id": net.outputs.vpc_id,
            "subnet_ids": list(net.outputs.subnet_ids.get(tier, [])) if tier else []}


def backup_outputs(platform: Platform) -> dict[str, Any] | None:
    """The `backup` output: the plan's vaults, plan, role and selection tag, the stated
    RPO/RTO and the drill's tables (what `groundwork verify` and `groundwork drill restore`
    read); None without a plan."""
    plan = platform.backup
    if plan is None:
        return None
    config = platform.env.backup
    key, value = plan.selection_tag
    out: dict[str, Any] = {
        "vault_name": plan.vault_name, "vault_arn": plan.vault_arn,
        "plan_id": plan.plan_id, "plan_arn": plan.plan_arn, "role_arn": plan.role_arn,
        "selection_tag": {"key": key, "value": value},
        "rpo_minutes": config.rpo_minutes, "rto_minutes": config.rto_minutes,
        "drill_tables": list(config.drill.tables),
    }
    if plan.dr_region is not None:
        out.update({"dr_region": plan.dr_region, "dr_vault_name": plan.dr_vault_name,
                    "dr_vault_arn": plan.dr_vault_arn})
    return out


def asset_outputs(platform: Platform) -> dict[str, dict[str, Any]] | None:
    """The `assets` output: each asset bucket's name and ARN, and its replica's name, ARN and
    region when it replicates (what `groundwork verify`'s `assets` and `backup` checks read);
    None without asset buckets."""
    out: dict[str, dict[str, Any]] = {}
    for name, bucket in platform.assets.items():
        entry: dict[str, Any] = {"bucket_name": bucket.bucket_name, "arn": bucket.arn}
        dr = bucket.args.dr_account
        if bucket.replica_arn is not None:
            entry.update(replica_bucket_name=bucket.replica_bucket_name,
                         replica_arn=bucket.replica_arn,
                         replica_region=dr.region if dr is not None else platform.dr_region)
        out[name] = entry
    return out or None


def outputs_of(platform: Platform) -> PlatformOutputs:
    """The outputs of a built platform."""
    net, keys = platform.network.outputs, platform.keys
    database, cache = platform.database, platform.cache
    lb, notifications = platform.load_balancer, platform.notifications
    return PlatformOutputs(
        vpc_id=net.vpc_id,
        vpc_cidr=net.vpc_cidr,
        availability_zones=list(net.azs),
        subnet_ids=net.subnet_ids,
        route_table_ids=net.route_table_ids,
        nat_gateway_ids=net.nat_gateway_ids,
        nat_instance_ids=net.nat_instance_ids,
        db_subnet_group_name=net.db_subnet_group_name,
        cache_subnet_group_name=net.cache_subnet_group_name,
        kms_key_arns={p: keys.require(p).arn for p in keys.purposes},
        database=None if database is None else {
            "endpoint": database.address, "port": database.port,
            "name": database.database_name, "secret_arn": database.secret_arn,
            "security_group_id": database.security_group_id, "identifier": database.identifier,
            **database_restore_outputs(platform),
        },
        cache=None if cache is None else {
            "primary_endpoint": cache.primary_endpoint, "reader_endpoint": cache.reader_endpoint,
            "port": cache.port, "auth_secret_arn": cache.auth_secret_arn,
            "security_group_id": cache.security_group_id,
            "replication_group_id": cache.replication_group.replication_group_id,
        },
        queues={name: {"url": q.url, "arn": q.arn, "name": q.name, "dlq_url": q.dlq_url,
                       "dlq_arn": q.dlq_arn} for name, q in platform.queues.items()} or None,
        search=None if platform.search is None else {
            "endpoint": platform.search.endpoint, "arn": platform.search.arn,
            "domain_name": platform.search.domain_name,
            "master_user_arn": platform.search.master_user_arn,
            "security_group_id": platform.search.security_group_id,
        },
        documents=None if platform.documents is None else {
            "endpoint": platform.documents.endpoint,
            "reader_endpoint": platform.documents.reader_endpoint,
            "port": platform.documents.port, "secret_arn": platform.documents.secret_arn,
            "security_group_id": platform.documents.security_group_id,
            "cluster_identifier": platform.documents.cluster_identifier,
            "arn": platform.documents.arn,
        },
        assets=asset_outputs(platform),
        kafka=None if platform.kafka is None else {
            "bootstrap_brokers": platform.kafka.bootstrap_brokers, "arn": platform.kafka.arn,
            "cluster_name": platform.kafka.cluster_name,
            "security_group_id": platform.kafka.security_group_id,
        },
        cluster_name=None if platform.cluster is None else platform.cluster.name,
        load_balancer=None if lb is None else {
            "dns_name": lb.dns_name, "zone_id": lb.zone_id, "arn_suffix": lb.arn_suffix,
            "arn": lb.arn},
        edge=edge_outputs(platform),
        services=None if platform.cluster is None else {
            name: service_outputs(s) for name, s in platform.services.items()},
        alarms=None if notifications is None or platform.alarms is None or platform.dashboard is None
        else {
            "critical_topic_arn": notifications.critical.arn,
            "warning_topic_arn": notifications.warning.arn,
            "dashboard": platform.dashboard.name,
            "alarm_names": platform.alarms.names,
        },
        backup=backup_outputs(platform),
        ci_deploy_role_arn=None if platform.ci is None else platform.ci.role_arn,
        ci_preview_role_arn=None if platform.ci is None else platform.ci.preview_role_arn,
    )
