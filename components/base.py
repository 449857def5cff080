"""What every groundwork component shares: physical naming, tags, and the account context.

Names: every physical name is `<name_prefix>-<component name>-<part>` (the prefix defaults to
`<project>-<stack>`), so two environments never collide in one account and two components of one
kind never collide in a stack; each is cut to AWS's limits with a short hash so that truncation
never makes two names equal (docs/library.md). Tags: every taggable child carries the Args'
tags plus `Name` and what it is (tier, AZ, component): provider default tags alone miss the
console's Name column and, under mocks, are invisible to tests (docs/library.md).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pulumi

from groundwork.components.args import Input

if TYPE_CHECKING:
    import pulumi_aws as aws


def partition_of(region: str) -> str:
    """AWS partition of a region (aws, aws-cn, aws-us-gov)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Naming:
    """Physical names and tags of one environment."""

    prefix: str
    """Start of every physical name, e.g. `groundwork-prod`."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags every resource carries (Project, Environment, ManagedBy, Owner...)."""

    def name(self, *parts: str, max_length: int = 63, lower: bool = True) -> str:
        """`<prefix>-<parts...>`, cut to `max_length` with a 6-hex hash of the full name so two
        long names never collapse into one (ALB/target-group names: 32; RDS ids: 63)."""
        full = "-".join([self.prefix, *[p for p in parts if p]])
        full = re.sub(r"-{2,}", "-", full.lower() if lower else full).strip("-")
        if len(full) <= max_length:
            return full
        digest = hashlib.sha256(full.encode()).hexdigest()[:6]
        return f"{full[: max_length - 7].rstrip('-')}-{digest}"

    def tagged(self, name: str, **extra: str) -> dict[str, str]:
        """The environment's tags plus `Name` and any extra (Tier, AZ, Component...)."""
        return {**self.tags, "Name": name, **{k: v for k, v in extra.items() if v}}


BACKUP_TAG_KEY = "Backup"
"""The tag a `BackupPlan` selects on: a data store whose Args carry `backup_tag` gets
`Backup=<value>`, and the plan with that value covers it (docs/backup.md)."""


def backup_tags(value: str | None) -> dict[str, str]:
    """`{"Backup": value}` for a store in a plan, `{}` for one outside every plan."""
    return {BACKUP_TAG_KEY: value} if value else {}


@dataclass(frozen=True)
class AccountContext:
    """Where the stack deploys: region, partition and (as an Output) the account id."""

    region: str
    account_id: Input[str]
    partition: str = "aws"

    @classmethod
    def current(cls, region: str) -> AccountContext:
        import pulumi_aws as aws

        return cls(region=region, account_id=aws.get_caller_identity_output().account_id,
                   partition=partition_of(region))

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"

    def service_principal(self, service: str) -> str:
        """`<service>.amazonaws.com` (regional where AWS requires it, e.g. logs)."""
        if service == "logs":
            return f"logs.{self.region}.{self.dns_suffix}"
        return f"{service}.{self.dns_suffix}"


COMPONENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
"""A component's name: it starts every child's logical name and every AWS name it derives."""


def check_component_name(kind: str, name: str) -> None:
    """Refuse a name that can't start AWS names (before anything is registered)."""
    if not isinstance(name, str) or not COMPONENT_NAME.match(name) or "--" in name or name.endswith("-"):
        raise ValueError(f"{kind}: name {name!r} must be 1-40 characters of lowercase letters, "
                         "digits and single hyphens, starting with a letter (it starts every "
                         "AWS name the component derives)")


def task_role_of(owner: str, service: Any) -> aws.iam.Role:
    """The IAM role an `allow_from(service)` grants to: `service` itself when it is an
    `aws.iam.Role`, else its `.task_role` (a FargateService); `owner` (e.g. "Queue.allow_from")
    names the caller in the TypeError for anything else."""
    import pulumi_aws as aws  # at run time: base imports no provider up front

    role = service if isinstance(service, aws.iam.Role) else getattr(service, "task_role", None)
    if not isinstance(role, aws.iam.Role):
        raise TypeError(f"{owner}: {type(service).__name__} is neither an aws.iam.Role nor "
                        "something with a .task_role (a FargateService)")
    return role


def require(kind: str, name: str, args: Any, required: Mapping[str, str]) -> None:
    """Refuse Args that leave a required connection unset (None), naming the field and what it
    takes (`required`: field -> what to pass), before the component registers anything."""
    for key, what in required.items():
        if getattr(args, key) is None:
            raise ValueError(f"{kind} {name!r}: {type(args).__name__}.{key} is required ({what})")


def checked_id(kind: str, name: str, field: str, value: str, pattern: re.Pattern[str],
               rule: str) -> str:
    """`value` (an AWS id the Args gave or the component derived) if it matches AWS's `pattern`;
    else an error naming the component, the field and the rule (mocks accept any id; AWS
    refuses the call)."""
    if not pattern.match(value):
        raise ValueError(f"{kind} {name!r}: {field} {value!r} is not a valid {rule}")
    return value


def default_prefix() -> str:
    """`<project>-<stack>`: the name prefix when the Args give none."""
    return f"{pulumi.get_project()}-{pulumi.get_stack()}".lower()


def component_naming(kind: str, name: str, args: Any) -> Naming:
    """The naming of component `name`: physical names `<prefix>-<name>-...` and the Args' tags.
    `args` is any `ComponentArgs` (name_prefix, tags)."""
    check_component_name(kind, name)
    prefix = Naming(prefix=args.name_prefix or default_prefix()).name(name, max_length=48)
    return Naming(prefix=prefix, tags=dict(args.tags))


def account_for(account: AccountContext | None, parent: pulumi.Resource) -> AccountContext:
    """`account` when the Args give one; otherwise looked up through the parent's provider
    (region and caller identity)."""
    if account is not None:
        return account
    import pulumi_aws as aws

    region = aws.get_region(opts=pulumi.InvokeOptions(parent=parent)).region
    return AccountContext(
        region=region,
        account_id=aws.get_caller_identity_output(
            opts=pulumi.InvokeOutputOptions(parent=parent)).account_id,
        partition=partition_of(region),
    )


def child_opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a child: parented (so tags, providers and aliases follow the component)."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def check_subnet_source(owner: str, *, subnet_group_name: Any, subnet_ids: Any,
                        minimum: int, why: str) -> None:
    """A data store takes exactly one of `subnet_group_name` (an existing subnet group) and
    `subnet_ids` (it then creates its own group). A `subnet_ids` list of known length must name
    at least `minimum` distinct subnets (`why` says what needs them); an Output list is only
    known at deploy time, where AWS checks it."""
    if (subnet_group_name is None) == (subnet_ids is None):
        raise ValueError(f"{owner}: pass exactly one of subnet_group_name (an existing subnet "
                         "group) or subnet_ids (the component creates the subnet group) in "
                         f"{owner}Args")
    if isinstance(subnet_ids, str):
        raise TypeError(f"{owner}: {owner}Args.subnet_ids must be a list of subnet ids, got a "
                        "string")
    if isinstance(subnet_ids, (list, tuple)):
        known = {s for s in subnet_ids if isinstance(s, str)}
        count = len(known) + sum(1 for s in subnet_ids if not isinstance(s, str))
        if count < minimum:
            raise ValueError(f"{owner}: subnet_ids names {count} distinct subnet(s); {why} "
                             f"needs at least {minimum}, in different AZs ({owner}Args.subnet_ids)")


def own_subnet_group(parent: pulumi.Resource, name: str, resource: Any, *, naming: Naming,
                     component: str, description: str, subnet_group_name: Any,
                     subnet_ids: Any) -> tuple[Any, Any]:
    """A data store's subnet group: `(None, subnet_group_name)` when given an existing group's
    name, else `(group, group.name)` for the group it creates over `subnet_ids` (`resource`:
    `aws.rds.SubnetGroup`, `aws.elasticache.SubnetGroup`, `aws.docdb.SubnetGroup`), named
    `<prefix>-<name>-subnets`, tagged and parented to the store (`check_subnet_source` has
    checked that exactly one of the two is given)."""
    if subnet_ids is None:
        return None, subnet_group_name
    group_name = naming.name("subnets")
    group = resource(
        f"{name}-subnets",
        name=group_name,
        description=description,
        subnet_ids=subnet_ids,
        tags=naming.tagged(group_name, Component=component),
        opts=child_opts(parent),
    )
    return group, group.name


def managed_secret_arn(secrets: Any, service: str) -> str:
    """ARN of the master secret a service manages (RDS, DocumentDB: `master_user_secrets`).
    `manage_master_user_password` is always on, so the service reports exactly one; a missing
    one would otherwise surface later as a None inside the secret references and the
    execution-role policy."""
    arn = secrets[0].secret_arn if secrets else None
    if arn is None:
        raise ValueError(f"{service} reported no master user secret although "
                         "manage_master_user_password is on")
    return str(arn)


def tls_only_statement(action: str, resource: Any) -> dict[str, Any]:
    """The resource-policy statement that denies `action` to everyone over plain HTTP
    (`aws:SecureTransport` false): S3.5 for buckets, SNS and SQS alike."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


LOG_WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
"""What a service that writes into a log group needs there."""


def log_write_policy(*, sid: str, service: str, log_group_arn: str, account_id: str,
                     source_arn: str) -> dict[str, Any]:
    """A log group's resource-scoped policy (`LogResourcePolicy(resource_arn=<group>)`, outside
    the account's 10 account-level policies): `service` may create streams and put events in
    this group only, on behalf of `source_arn` in this account (confused-deputy conditions).
    WAF logging (delivery.logs) and OpenSearch (es) write this way."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": list(LOG_WRITE_ACTIONS),
        "Resource": f"{log_group_arn}:*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                      "ArnLike": {"aws:SourceArn": source_arn}}}]}
