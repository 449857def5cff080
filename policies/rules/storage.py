"""Bucket rules beyond access blocks and TLS: no public read or write by policy or ACL, server
access logging, and a lifecycle on every bucket (the access-block, TLS, cross-account and ACL
rules are in security.py).

The one exception to S3.9: a bucket that receives other buckets' server access logs does not
log itself. AWS advises against it (each delivery would write more log objects into the same
chain); the exception is structural (the target of an `s3.BucketLogging`), never a tag.
See docs/policies.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource

from ._base import BUCKET_POLICY, BUCKETS, Stack, as_list, get, known, present, stack_rule
from ._documents import grants, public_statements
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
