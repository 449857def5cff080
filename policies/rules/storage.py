"""Bucket rules beyond access blocks and TLS: no public read or write by policy or ACL, server
access logging, and a lifecycle on every bucket (the access-block, TLS, cross-account and ACL
rules are in security.py).

The one exception to S3.9: a bucket that receives other buckets' server access logs does not
log itself. AWS advises against it (each delivery would write more log objects into the same
chain); the exception is structural (the target of an `s3.BucketLogging`), never a tag.
See docs/policies.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import (
    BUCKET_POLICY,
    BUCKETS,
    FLOW_LOG,
    LOAD_BALANCERS,
    Stack,
    as_list,
    get,
    is_false,
    is_true,
    known,
    known_items,
    number,
    present,
    stack_rule,
)
from ._documents import grants, public_statements, resource_covers, statements
from .security import bucket_holders, bucket_policies, orphan_holders

BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
BUCKET_LIFECYCLE = ("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
BUCKET_ACL = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")

READ_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")
WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl",
                 "s3:PutObjectVersionAcl", "s3:PutBucketAcl", "s3:PutBucketPolicy",
                 "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:DeleteBucket",
                 "s3:RestoreObject")
"""Writes, deletes, and the actions that hand the bucket over: whoever may set its ACL or
policy (or delete the policy) can grant themselves the rest, and a lifecycle rule expires
every object."""
PUBLIC_READ_ACLS = {"public-read", "public-read-write", "authenticated-read"}
PUBLIC_WRITE_ACLS = {"public-read-write"}
READ_PERMISSIONS = {"READ", "FULL_CONTROL"}
WRITE_PERMISSIONS = {"WRITE", "WRITE_ACP", "FULL_CONTROL"}
EVERYONE_GROUPS = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _acl_grants(value: object) -> Iterator[tuple[str, str]]:
    """(grantee URI, permission) of an ACL's grants (`accessControlPolicy.grants` or `grants`)."""
    grants_ = get(value, "accessControlPolicy", "grants", default=None) or get(value, "grants", default=[])
    for grant in as_list(grants_):
        uri = str(get(grant, "grantee", "uri", default="") or get(grant, "uri", default="") or "")
        permissions = as_list(get(grant, "permission", default=None) or get(grant, "permissions", default=[]))
        for permission in permissions:
            yield uri, str(permission)


def _acl_problems(props: object, canned: set[str], permissions: set[str]) -> list[str]:
    problems = []
    acl = known(props, "acl")
    if isinstance(acl, str) and acl in canned:
        problems.append(f"has the canned ACL {acl!r}")
    for uri, permission in _acl_grants(props):
        if uri in EVERYONE_GROUPS and permission in permissions:
            problems.append(f"grants {permission} to {uri.rsplit('/', 1)[-1]}")
    return problems


def _public_acl(stack: Stack, bucket: PolicyResource, canned: set[str], permissions: set[str]) -> list[str]:
    holders = [bucket.props, *(a.props for a in bucket_holders(stack, bucket, BUCKET_ACL))]
    return [p for props in holders for p in _acl_problems(props, canned, permissions)]


def _statement_problems(holder: str, document: object, actions: tuple[str, ...]) -> list[str]:
    problems = []
    for st in public_statements(document):
        hit = [a for a in actions if grants(st, a)]
        if hit:
            problems.append(f"policy '{holder}' statement {st.label} lets anyone {', '.join(hit)}")
    return problems


def _public_access(stack: Stack, actions: tuple[str, ...], canned: set[str],
                   permissions: set[str]) -> Iterator[tuple[PolicyResource, str]]:
    """Every bucket's policies granting anyone `actions`, then its ACLs in `canned` or granting
    everyone `permissions`; then the policies and ACLs for a bucket the stack doesn't declare (an
    existing bucket named by value): they replace that bucket's policy or ACL, so they are judged
    on their own."""
    for bucket in stack.of_type(*BUCKETS):
        for holder, document in bucket_policies(stack, bucket):
            for problem in _statement_problems(holder.name, document, actions):
                yield bucket, problem
        for problem in _public_acl(stack, bucket, canned, permissions):
            yield bucket, problem
    for policy in orphan_holders(stack, [BUCKET_POLICY]):
        for problem in _statement_problems(policy.name, get(policy.props, "policy"), actions):
            yield policy, problem
    for acl in orphan_holders(stack, BUCKET_ACL):
        for problem in _acl_problems(acl.props, canned, permissions):
            yield acl, problem


@stack_rule(
    "s3-no-public-read",
    control="S3.2",
    description="No bucket policy or ACL lets anyone read or list a bucket.",
    fix="remove the public statement (name the principals, or narrow with aws:SourceAccount / "
        "aws:PrincipalOrgID / aws:SourceVpce) and any public-read or authenticated-read ACL",
    types=[*BUCKETS, BUCKET_POLICY, *BUCKET_ACL],
)
def s3_no_public_read(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    yield from _public_access(stack, READ_ACTIONS, PUBLIC_READ_ACLS, READ_PERMISSIONS)


@stack_rule(
    "s3-no-public-write",
    control="S3.3",
    description="No bucket policy or ACL lets anyone write, delete or re-permission objects.",
    fix="remove the public statement and any public-read-write ACL or WRITE grant to AllUsers / "
        "AuthenticatedUsers",
    types=[*BUCKETS, BUCKET_POLICY, *BUCKET_ACL],
)
def s3_no_public_write(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    yield from _public_access(stack, WRITE_ACTIONS, PUBLIC_WRITE_ACLS, WRITE_PERMISSIONS)


@stack_rule(
    "s3-access-logging",
    control="S3.9",
    description="Every bucket writes server access logs, except the bucket that receives them.",
    fix="add s3.BucketLogging(bucket=<bucket>.id, target_bucket=<a log bucket>, target_prefix=...)",
    types=[*BUCKETS, *BUCKET_LOGGING],
)
def s3_access_logging(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    loggings = stack.of_type(*BUCKET_LOGGING)
    for bucket in stack.of_type(*BUCKETS):
        own = [log for log in loggings if bucket in stack.referenced(log, "bucket", BUCKETS)]
        receives = [log for log in loggings if bucket in stack.referenced(log, "targetBucket", BUCKETS)]
        if own:
            if any(bucket in stack.referenced(log, "targetBucket", BUCKETS) for log in own):
                yield bucket, "logs its server access into itself (a loop of log objects)"
            continue
        if present(bucket.props, "loggings") and as_list(get(bucket.props, "loggings")):
            continue  # the Bucket's own (deprecated) inline logging
        if receives and all(bucket not in stack.referenced(log, "bucket", BUCKETS) for log in receives):
            continue  # the terminal log bucket: see the module docstring
        yield bucket, "has no server access logging (no s3.BucketLogging for it)"


@stack_rule(
    "s3-lifecycle",
    control="S3.13/S3.10",
    description="Every bucket has a lifecycle configuration with at least one enabled rule.",
    fix="add s3.BucketLifecycleConfiguration(bucket=<bucket>.id, rules=[{status: 'Enabled', "
        "expiration or transitions, noncurrent_version_expiration when versioned}])",
    types=[*BUCKETS, *BUCKET_LIFECYCLE],
)
def s3_lifecycle(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        configs = stack.referring(bucket, list(BUCKET_LIFECYCLE), "bucket")
        inline = [r for r in as_list(get(bucket.props, "lifecycleRules", default=[]))
                  if get(r, "enabled") is not False]
        if inline:
            continue
        if not configs:
            yield bucket, "has no lifecycle configuration"
            continue
        enabled = [r for c in configs for r in as_list(get(c.props, "rules", default=[]))
                   if str(get(r, "status", default="")) == "Enabled"]
        if not enabled:
            yield bucket, "has a lifecycle configuration without an enabled rule"


# --------------------------------------------------------------------------------------------
# which buckets hold data: log destinations and replicas are told apart by structure
# --------------------------------------------------------------------------------------------

BUCKET_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning",
                     "aws:s3/bucketVersioningV2:BucketVersioningV2")
BUCKET_ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
BUCKET_REPLICATION = ("aws:s3/bucketReplicationConfig:BucketReplicationConfig",)

LOG_WRITERS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (BUCKET_LOGGING, "targetBucket", "receives the server access logs of"),
    (LOAD_BALANCERS, "accessLogs", "receives the access logs of"),
    (LOAD_BALANCERS, "connectionLogs", "receives the connection logs of"),
    (("aws:cloudtrail/trail:Trail",), "s3BucketName", "receives the trail of"),
    (("aws:cfg/deliveryChannel:DeliveryChannel",), "s3BucketName", "receives the Config snapshots of"),
    ((FLOW_LOG,), "logDestination", "receives the flow logs of"),
    (("aws:cloudfront/distribution:Distribution",), "loggingConfig", "receives the logs of"),
    (("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",), "logDestinationConfigs",
     "receives the WAF logs of"),
    (("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination",),
     "deliveryDestinationConfiguration", "receives the vended logs of"),
    (("aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig",), "destinationArn",
     "receives the DNS query logs of"),
    (("aws:networkfirewall/loggingConfiguration:LoggingConfiguration",), "loggingConfiguration",
     "receives the firewall logs of"),
    (("aws:elb/loadBalancer:LoadBalancer",), "accessLogs", "receives the access logs of"),
    (("aws:msk/cluster:Cluster",), "loggingInfo", "receives the broker logs of"),
    (("aws:globalaccelerator/accelerator:Accelerator",), "attributes", "receives the flow logs of"),
)
"""(types, prop, what it means): a resource of `types` whose `prop` names a bucket writes its
logs there. Only these make a bucket a log bucket: never a tag or a name. The CloudWatch Logs
vended-log destination (`LogDeliveryDestination`, e.g. CloudFront standard logging v2, and
every other service that delivers through CloudWatch Logs) counts whatever the source."""

IDENTITY_POLICIES: tuple[tuple[str, str], ...] = (
    ("aws:iam/rolePolicy:RolePolicy", "policy"),
    ("aws:iam/policy:Policy", "policy"),
    ("aws:iam/userPolicy:UserPolicy", "policy"),
    ("aws:iam/groupPolicy:GroupPolicy", "policy"),
    ("aws:iam/role:Role", "inlinePolicies"),
)
"""(type, prop) of the identity policies a workload's write grant lives in."""
_UNRELATED_BUCKET = "arn:aws:s3:::groundwork-policy-probe-unrelated"


def _bucket_arn(bucket: PolicyResource) -> str | None:
    arn = known(bucket.props, "arn")
    if isinstance(arn, str) and arn:
        return arn
    name = known(bucket.props, "bucket")
    return f"arn:aws:s3:::{name}" if isinstance(name, str) and name else None


def workload_writer(stack: Stack, bucket: PolicyResource) -> str | None:
    """The name of an identity policy of this stack that lets a principal put objects into
    `bucket` by naming it (a Resource pattern that matches it and not any bucket: `*` and
    `arn:aws:s3:::*` are broad grants, not a workload's bucket), or None. Log destinations and
    replicas are written by AWS services through the bucket policy; a bucket a workload writes
    holds data whatever else delivers into it. Documents unknown during preview are skipped
    (the offline check and the deploy see them)."""
    arn = _bucket_arn(bucket)
    if arn is None:
        return None
    for kind, prop in IDENTITY_POLICIES:
        for holder in stack.of_type(kind):
            try:
                value = get(holder.props, prop)
                docs = [get(v, "policy") for v in as_list(value)] if kind.endswith(":Role") else [value]
            except UnknownValueError:
                continue
            for doc in docs:
                try:
                    found = statements(doc)
                except UnknownValueError:
                    continue
                for st in found:
                    if st.allows and grants(st, "s3:PutObject") and any(
                            resource_covers(r, f"{arn}/object")
                            and not resource_covers(r, f"{_UNRELATED_BUCKET}/object")
                            for r in st.resources):
                        return holder.name
    return None


def log_writer(stack: Stack, bucket: PolicyResource) -> str | None:
    """Why `bucket` is a log destination ("receives the access logs of 'load-balancer'"), or None.
    A load balancer's `accessLogs` with `enabled: false` writes nothing."""
    for types, prop, what in LOG_WRITERS:
        for writer in stack.of_type(*types):
            if is_false(known(get(writer.props, prop, default={}), "enabled")):
                continue
            if bucket in stack.referenced(writer, prop, BUCKETS):
                return f"{what} '{writer.name}'"
    return None


def replica_of(stack: Stack, bucket: PolicyResource) -> str | None:
    """The name of the replication configuration that copies another bucket into `bucket` (a
    replica: the copy of data whose source the backup plan covers), or None."""
    for config in stack.of_type(*BUCKET_REPLICATION):
        if bucket in stack.referenced(config, "rules", BUCKETS) \
                and bucket not in stack.referenced(config, "bucket", BUCKETS):
            return config.name
    return None


def data_buckets(stack: Stack) -> list[PolicyResource]:
    """The buckets that hold data (asset stores): every bucket that is neither a log
    destination nor a replication destination, and every bucket a workload's identity policy
    lets it write (`workload_writer`: a log target or a replication destination that a service
    also writes is a data bucket, so pointing a logging config at a data bucket doesn't exempt
    it). Decided by structure (what writes into the bucket), so a new data bucket is a data
    bucket without anyone tagging it."""
    return [b for b in stack.of_type(*BUCKETS)
            if (log_writer(stack, b) is None and replica_of(stack, b) is None)
            or workload_writer(stack, b) is not None]


def configs_for(stack: Stack, bucket: PolicyResource, types: tuple[str, ...]) -> list[PolicyResource]:
    """The configurations of `types` (versioning, lifecycle, encryption) set on `bucket`: their
    `bucket` input names it by value when both are known (AWS applies the value, whatever it
    was computed from), else (unknown in a preview) by the engine's property dependency."""
    own = {str(v) for k in ("bucket", "id", "arn") if isinstance(v := known(bucket.props, k), str) and v}
    found = []
    for config in stack.of_type(*types):
        try:
            value = get(config.props, "bucket")
        except UnknownValueError:
            value = None
        if isinstance(value, str) and value and own:
            if value in own:
                found.append(config)
        elif bucket in (config.property_dependencies or {}).get("bucket", []):
            found.append(config)
    return found


def _versioning_status(stack: Stack, bucket: PolicyResource) -> str | None:
    """`Enabled`, `Suspended` or None (never versioned), from BucketVersioning or the inline
    (deprecated) `versioning` input."""
    statuses = [str(get(v.props, "versioningConfiguration", "status", default=""))
                for v in configs_for(stack, bucket, BUCKET_VERSIONING)]
    if is_true(get(bucket.props, "versioning", "enabled")):
        statuses.append("Enabled")
    if "Enabled" in statuses:
        return "Enabled"
    return "Suspended" if "Suspended" in statuses else None


@stack_rule(
    "s3-versioning",
    control="S3.14",
    description="Every bucket has versioning enabled (an s3.BucketVersioning with status Enabled): "
                "an overwritten or deleted object stays recoverable, and AWS Backup for S3 needs it.",
    fix="add s3.BucketVersioning(bucket=<bucket>.id, versioning_configuration={'status': 'Enabled'}) "
        "(secure_bucket does)",
    types=[*BUCKETS, *BUCKET_VERSIONING],
)
def s3_versioning(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        status = _versioning_status(stack, bucket)
        if status is None:
            yield bucket, "is not versioned (no s3.BucketVersioning with status Enabled)"
        elif status == "Suspended":
            yield bucket, "has versioning suspended"


def _whole_bucket(rule: object) -> bool:
    """A lifecycle rule that applies to every object: no filter, or a filter whose only
    setting is an empty prefix (a prefix, tag or object-size filter leaves other objects out)."""
    if str(get(rule, "prefix", default="") or ""):
        return False
    flt = get(rule, "filter", default=None)
    if flt is None:
        return True
    for key, value in known_items(flt):
        if key == "prefix" and not value:
            continue
        if value not in (None, "", [], {}):
            return False
    return True


def _lifecycle_rules(stack: Stack, bucket: PolicyResource) -> list[object]:
    """The enabled rules of every lifecycle configuration of the bucket."""
    return [r for c in configs_for(stack, bucket, BUCKET_LIFECYCLE)
            for r in as_list(get(c.props, "rules", default=[]))
            if str(get(r, "status", default="")) == "Enabled"]


@stack_rule(
    "s3-noncurrent-version-expiry",
    control="S3.10",
    description="Every versioned bucket has an enabled lifecycle rule over the whole bucket that "
                "expires noncurrent versions (noncurrent_version_expiration.noncurrent_days >= 1); "
                "a rule limited to a prefix, a tag or an object size leaves the other versions "
                "forever.",
    fix="add noncurrent_version_expiration={'noncurrent_days': N} to a lifecycle rule with an empty "
        "filter (filter={'prefix': ''})",
    types=[*BUCKETS, *BUCKET_VERSIONING, *BUCKET_LIFECYCLE],
)
def s3_noncurrent_version_expiry(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        if _versioning_status(stack, bucket) is None:
            continue  # unversioned: s3-versioning's finding, no noncurrent versions to expire
        rules_ = _lifecycle_rules(stack, bucket)
        inline = [r for r in as_list(get(bucket.props, "lifecycleRules", default=[]))
                  if get(r, "enabled") is not False]
        expiring = [r for r in rules_ if _whole_bucket(r)
                    and (number(get(r, "noncurrentVersionExpiration", "noncurrentDays")) or 0) >= 1]
        expiring += [r for r in inline if not get(r, "prefix")
                     and (number(get(r, "noncurrentVersionExpiration", "days")) or 0) >= 1]
        if expiring:
            continue
        partial = [r for r in rules_ if get(r, "noncurrentVersionExpiration") is not None]
        if partial:
            yield bucket, ("expires noncurrent versions only under a filter (prefix, tag or size): "
                           "versions elsewhere in the bucket are kept forever")
        else:
            yield bucket, "is versioned but no lifecycle rule expires noncurrent versions"


IA_CLASSES = ("STANDARD_IA", "ONEZONE_IA")
WATERFALL = ("STANDARD", "STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER",
             "DEEP_ARCHIVE")
"""S3's transition waterfall: a lifecycle moves objects only down this list."""


def _transition_problems(label: str, transitions: list[object], days_key: str,
                         expiry: float | None) -> Iterator[str]:
    steps = []
    for t in transitions:
        days, cls = number(get(t, days_key)), str(get(t, "storageClass", default="")).upper()
        if days is None:
            continue  # a date-based transition: AWS judges the date
        if cls in IA_CLASSES and days < 30:
            yield f"{label} moves objects to {cls} after {days:g} days; AWS requires at least 30"
        steps.append((days, cls))
    steps.sort(key=lambda s: (s[0], WATERFALL.index(s[1]) if s[1] in WATERFALL else 99))
    for (d1, c1), (d2, c2) in [(steps[i], steps[i + 1]) for i in range(len(steps) - 1)]:
        if c1 in WATERFALL and c2 in WATERFALL and WATERFALL.index(c2) <= WATERFALL.index(c1):
            yield f"{label} moves objects from {c1} (day {d1:g}) back up to {c2} (day {d2:g})"
        elif c1 in IA_CLASSES and d2 - d1 < 30:
            yield (f"{label} moves objects out of {c1} {d2 - d1:g} days after moving them in; "
                   f"AWS requires 30 days in {c1} first")
    if expiry is not None and steps and expiry <= max(d for d, _ in steps):
        yield (f"{label} expires objects after {expiry:g} days, not after its last transition "
               f"(day {max(d for d, _ in steps):g}); AWS requires expiration later")


@stack_rule(
    "s3-lifecycle-transitions",
    control="S3 lifecycle transitions",
    description="Lifecycle transitions are ones S3 accepts: STANDARD_IA / ONEZONE_IA no earlier "
                "than 30 days (current and noncurrent versions), only down the storage-class "
                "waterfall (STANDARD_IA, INTELLIGENT_TIERING, ONEZONE_IA, GLACIER_IR, GLACIER, "
                "DEEP_ARCHIVE), 30 days in an IA class before the next step, and expiration after "
                "the last transition.",
    fix="set the transition days to the AWS minimums (docs/assets.md: IA >= 30, then at least 30 "
        "days later the next class) and expire after the last transition",
    types=[*BUCKET_LIFECYCLE],
)
def s3_lifecycle_transitions(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for lifecycle in stack.of_type(*BUCKET_LIFECYCLE):
        for i, rule in enumerate(as_list(get(lifecycle.props, "rules", default=[]))):
            label = f"rule '{get(rule, 'id', default='') or f'#{i}'}'"
            current = as_list(get(rule, "transitions", default=[]))
            noncurrent = as_list(get(rule, "noncurrentVersionTransitions", default=[]))
            for problem in _transition_problems(label, current, "days",
                                                number(get(rule, "expiration", "days"))):
                yield lifecycle, problem
            for problem in _transition_problems(f"{label} (noncurrent versions)", noncurrent,
                                                "noncurrentDays",
                                                number(get(rule, "noncurrentVersionExpiration",
                                                           "noncurrentDays"))):
                yield lifecycle, problem


AWS_MANAGED_KEY = re.compile(r"(^|:)alias/aws/", re.IGNORECASE)
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")


def _encryption_defaults(stack: Stack, bucket: PolicyResource) -> list[object]:
    found = [get(r, "applyServerSideEncryptionByDefault", default={})
             for c in configs_for(stack, bucket, BUCKET_ENCRYPTION)
             for r in as_list(get(c.props, "rules", default=[]))]
    inline = get(bucket.props, "serverSideEncryptionConfiguration", "rule",
                 "applyServerSideEncryptionByDefault", default=None)
    return found + ([inline] if inline is not None else [])


@stack_rule(
    "s3-bucket-customer-key",
    control="S3.17",
    description="Every bucket that holds data (not a log destination or a replica, see "
                "`s3-access-logging`'s exception) encrypts by default with SSE-KMS on a "
                "customer-managed key (sse_algorithm aws:kms or aws:kms:dsse, kms_master_key_id "
                "set and not alias/aws/s3). Log buckets keep SSE-S3: S3 server access logging "
                "and ALB access logs can't write to SSE-KMS buckets.",
    fix="add s3.BucketServerSideEncryptionConfiguration(bucket=<bucket>.id, rules=[{"
        "'apply_server_side_encryption_by_default': {'sse_algorithm': 'aws:kms', "
        "'kms_master_key_id': <the data key ARN>}, 'bucket_key_enabled': True}])",
    types=[*BUCKETS, *BUCKET_ENCRYPTION],
)
def s3_bucket_customer_key(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in data_buckets(stack):
        defaults = _encryption_defaults(stack, bucket)
        if not defaults:
            yield bucket, "has no default encryption configuration (SSE-KMS with the data key)"
            continue
        for by_default in defaults:
            algorithm = str(get(by_default, "sseAlgorithm", default=""))
            if algorithm not in KMS_ALGORITHMS:
                yield bucket, f"encrypts with {algorithm or 'no algorithm'}, not SSE-KMS (aws:kms)"
            elif not present(by_default, "kmsMasterKeyId"):
                yield bucket, "uses SSE-KMS with the AWS-managed key (no kms_master_key_id)"
            else:
                key = known(by_default, "kmsMasterKeyId")
                if isinstance(key, str) and AWS_MANAGED_KEY.search(key):
                    yield bucket, f"uses SSE-KMS with the AWS-managed key {key}"
