"""Account-wide rules: KMS keys, secrets, SNS, S3 buckets, required tags, protection of prod's
stateful resources, and secret-looking values in plain inputs."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    AWS_ACCESS_KEY,
    AWS_PROVIDER,
    BUCKET_OWNERSHIP,
    BUCKET_PAB,
    BUCKET_POLICY,
    BUCKETS,
    CACHE_GROUP,
    KMS_KEY,
    RDS_CLUSTER,
    RDS_INSTANCE,
    SECRET,
    SECRET_ROTATION,
    SNS_TOPIC,
    Stack,
    as_list,
    get,
    has_key,
    is_false,
    is_list,
    is_map,
    is_true,
    known,
    known_items,
    looks_secret,
    number,
    present,
    provider_default_tags,
    resource_rule,
    stack_rule,
    tags_of,
    walk_strings,
)
from ._documents import (
    Statement,
    arn_account,
    denies_every,
    document,
    everyone,
    grants,
    narrowing,
    public,
    public_statements,
    resource_covers,
    statements,
    why_public,
)

# --------------------------------------------------------------------------------------------
# KMS
# --------------------------------------------------------------------------------------------


@resource_rule(
    "kms-key-rotation",
    control="KMS.4",
    description="Customer-managed symmetric keys rotate automatically.",
    fix="set enable_key_rotation=True (rotation_period_in_days 90-2560, default 365)",
    types=[KMS_KEY],
)
def kms_key_rotation(props, args, config) -> Iterator[str]:
    spec = get(props, "customerMasterKeySpec", default=get(props, "keySpec", default="SYMMETRIC_DEFAULT"))
    if spec == "SYMMETRIC_DEFAULT" and not is_true(get(props, "enableKeyRotation")):
        yield "does not rotate (enableKeyRotation not true)"


def _public_problems(policy: Any, what: str) -> Iterator[str]:
    """One problem per statement of a resource policy that lets anyone in (see
    `_documents.public`); `policy` is the raw input (JSON string or object)."""
    doc = document(policy)
    if doc is None:
        yield f"has a {what} that is not a JSON document"
        return
    for st in public_statements(doc):
        yield f"{what} statement {st.label} {why_public(st)}"


KEY_POLICY_HOLDERS = ("aws:kms/keyPolicy:KeyPolicy", "aws:kms/replicaKey:ReplicaKey",
                      "aws:kms/externalKey:ExternalKey", "aws:kms/replicaExternalKey:ReplicaExternalKey")
"""Resources other than `kms.Key` whose `policy` input is a key policy."""


@resource_rule(
    "kms-key-not-public",
    control="KMS.5",
    description="Key policies let no one outside named principals in: a Principal '*' (in any "
                "spelling) or an Allow with NotPrincipal needs a condition that pins the caller's "
                "account, organisation, source ARN or VPC.",
    fix="name the principals (account root, service principals), or add a StringEquals condition "
        "on kms:CallerAccount / aws:SourceAccount / aws:PrincipalOrgID with concrete values (no "
        "wildcard, no ...IfExists)",
    types=[KMS_KEY, *KEY_POLICY_HOLDERS],
)
def kms_key_not_public(props, args, config) -> Iterator[str]:
    """Every resource that sets a key policy is judged: the key itself, a separate
    `kms.KeyPolicy` (which replaces the key's policy), and replica and external keys."""
    if not present(props, "policy"):
        return  # AWS's default key policy: the account only
    yield from _public_problems(get(props, "policy"), "key policy")


# --------------------------------------------------------------------------------------------
# Secrets Manager, SNS
# --------------------------------------------------------------------------------------------

ROTATION_EXEMPT_TAG = "RotationExempt"
"""Tag whose value says why a secret can't rotate (at least 10 characters, not a placeholder)."""
ROTATION_EXEMPT_UNTIL_TAG = "RotationExemptUntil"
"""Tag with the last day (YYYY-MM-DD, UTC) the exemption counts; at most
`maximumExemptionDays` ahead of today, so every exemption comes back for review."""
_PLACEHOLDER_REASONS = {"true", "yes", "y", "1", "exempt", "none", "n/a", "na", "todo", "tbd", "-",
                        "rotationexempt", "see docs", "temporary"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Exemption:
    """A secret's rotation exemption, read from its tags: whether it counts, and why not."""

    name: str
    urn: str
    reason: str
    until: str
    """The `RotationExemptUntil` tag as written ("" when missing)."""
    counts: bool
    problem: str = ""
    """Why it does not count (empty when it does)."""

    def to_json(self) -> dict[str, Any]:
        return {"secret": self.name, "urn": self.urn, "reason": self.reason, "until": self.until,
                "counts": self.counts, **({"problem": self.problem} if self.problem else {})}


def today_of(config: Any) -> date:
    """The date exemptions are judged on: config `today` (YYYY-MM-DD, for tests and
    reproducible runs), else today's UTC date."""
    given = config.get("today") if hasattr(config, "get") else None
    if given:
        return date.fromisoformat(str(given))
    return datetime.now(UTC).date()


def rotation_exemption(secret: PolicyResource, config: Any) -> Exemption | None:
    """The secret's exemption (None when it carries neither tag). It counts only with a reason
    and an expiry date that is today or later and at most `maximumExemptionDays` ahead. Only the
    secret's own `tags` are read: `tagsAll` adds the provider's default tags, and an exemption
    there would exempt every secret of the stack at once."""
    tags = dict(known_items(get(secret.props, "tags", default={})))
    if ROTATION_EXEMPT_TAG not in tags and ROTATION_EXEMPT_UNTIL_TAG not in tags:
        return None
    reason = str(tags.get(ROTATION_EXEMPT_TAG) or "").strip()
    until = str(tags.get(ROTATION_EXEMPT_UNTIL_TAG) or "").strip()
    today = today_of(config)
    longest = int(config.get("maximumExemptionDays", 180))
    problem = ""
    if not reason:
        problem = f"no reason ({ROTATION_EXEMPT_TAG} tag empty or missing)"
    elif len(reason) < 10 or reason.lower() in _PLACEHOLDER_REASONS:
        problem = f"{ROTATION_EXEMPT_TAG}='{reason}' is not a reason"
    elif not until:
        problem = f"no expiry date ({ROTATION_EXEMPT_UNTIL_TAG}=YYYY-MM-DD missing)"
    else:
        try:
            expiry = date.fromisoformat(until) if _DATE.match(until) else None
        except ValueError:
            expiry = None
        if expiry is None:
            problem = f"{ROTATION_EXEMPT_UNTIL_TAG}='{until}' is not a YYYY-MM-DD date"
        elif expiry < today:
            problem = f"expired on {until}"
        elif (expiry - today).days > longest:
            problem = (f"expires {until}, more than {longest} days after {today.isoformat()} "
                       f"(maximumExemptionDays)")
    return Exemption(secret.name, secret.urn, reason, until, counts=not problem, problem=problem)


def rotation_exemptions(stack: Stack, config: Any) -> list[Exemption]:
    """Every secret of the stack that carries an exemption tag (what `groundwork check` lists)."""
    found = (rotation_exemption(secret, config) for secret in stack.of_type(SECRET))
    return [e for e in found if e is not None]


_RATE = re.compile(r"^rate\(\s*(\d+)\s+(hours?|days?)\s*\)$", re.IGNORECASE)
_CRON = re.compile(r"^cron\((.*)\)$", re.IGNORECASE)
_MONTHS = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
"""The longest each month can be (February of a leap year)."""


def _month(value: str) -> int | None:
    value = value.strip().upper()
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    return _MONTHS.get(value)


def _cron_months(field: str) -> set[int] | None:
    """The months a cron month field runs in (`*`, `1,4`, `JAN-JUN`, `*/2`, `3/3`), or None."""
    months: set[int] = set()
    for item in field.split(","):
        span, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() and int(step_text) > 0 else (None if step_text else 1)
        if step is None:
            return None
        if span in ("*", "?"):
            first, last = 1, 12
        elif "-" in span:
            low, high = (_month(v) for v in span.split("-", 1))
            if low is None or high is None:
                return None
            first, last = low, high
        else:
            single = _month(span)
            if single is None:
                return None
            first, last = single, (12 if step_text else single)
        months |= set(range(first, last + 1, step)) if first <= last else \
            set(range(first, 13)) | set(range(1, last + 1))
    return months


def schedule_problem(expression: str, maximum: int) -> str | None:
    """Why a Secrets Manager `rate()`/`cron()` schedule can leave more than `maximum` days
    between rotations (None when it can't). A cron schedule is judged by its months: the
    longest run of months without a rotation, at their longest (31 days, February 29), and
    months too short for the day of the month it names never rotate. A year other than `*`
    stops rotating after it."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        days = int(rate.group(1)) / (24 if rate.group(2).lower().startswith("hour") else 1)
        return f"rotates every {days:g} days; at most {maximum}" if days > maximum else None
    cron = _CRON.match(expression)
    fields = cron.group(1).split() if cron else []
    if len(fields) not in (5, 6):
        return "is not a rate() or cron() expression the pack can read"
    if len(fields) == 6 and fields[5] != "*":
        return f"only rotates in the year(s) {fields[5]}"
    months = _cron_months(fields[3])
    if not months:
        return "has a month field the pack can't read"
    day = fields[2]
    if day.isdigit():
        months = {m for m in months if _MONTH_DAYS[m - 1] >= int(day)}
        if not months:
            return f"names day {day}, which none of its months has"
    longest = 0
    for start in sorted(months):  # the gap from a rotation in `start` to the next month with one
        gap, month = 0, start
        while True:
            gap += _MONTH_DAYS[month - 1]
            month = month % 12 + 1
            if month in months:
                break
        longest = max(longest, gap)
    if longest > maximum:
        return f"can leave up to {longest} days between rotations; at most {maximum}"
    return None


@stack_rule(
    "secretsmanager-rotation",
    control="SecretsManager.1/SecretsManager.4",
    description="Every secret rotates at least every 90 days, or carries an exemption with a "
                "reason and an expiry date at most 180 days ahead.",
    fix="add secretsmanager.SecretRotation(rotation_rules={'automatically_after_days': <= 90}), or "
        f"tag the secret {ROTATION_EXEMPT_TAG}='<why rotation does not apply>' and "
        f"{ROTATION_EXEMPT_UNTIL_TAG}='<YYYY-MM-DD, at most maximumExemptionDays ahead>'",
    types=[SECRET, SECRET_ROTATION],
    defaults={"maximumDays": 90, "maximumExemptionDays": 180},
    properties={"maximumDays": {"type": "integer", "minimum": 1},
                "maximumExemptionDays": {"type": "integer", "minimum": 1}},
)
def secretsmanager_rotation(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """Config `today` (YYYY-MM-DD) fixes the date exemptions are judged on (tests)."""
    maximum = int(config["maximumDays"])
    for secret in stack.of_type(SECRET):
        exemption = rotation_exemption(secret, config)
        if exemption is not None and exemption.counts:
            continue
        rotations = stack.referring(secret, [SECRET_ROTATION], "secretId")
        if not rotations:
            if exemption is not None:
                yield secret, f"never rotates, and its rotation exemption does not count: {exemption.problem}"
            else:
                yield secret, (f"never rotates and has no {ROTATION_EXEMPT_TAG} + "
                               f"{ROTATION_EXEMPT_UNTIL_TAG} exemption")
            continue
        for rotation in rotations:
            rules = get(rotation.props, "rotationRules", default={})
            days = number(known(rules, "automaticallyAfterDays"))
            if is_false(get(rotation.props, "rotationEnabled")):
                yield secret, f"has rotation '{rotation.name}' disabled"
            elif days is not None and days > maximum:
                yield secret, f"rotates every {int(days)} days; at most {maximum}"
            elif days is None and not present(rules, "scheduleExpression"):
                yield secret, f"rotation '{rotation.name}' has no schedule"
            elif days is None:
                schedule = known(rules, "scheduleExpression")
                if isinstance(schedule, str):  # unknown during preview: judged when known
                    problem = schedule_problem(schedule, maximum)
                    if problem:
                        yield secret, f"rotation '{rotation.name}' schedule {schedule!r} {problem}"


@resource_rule(
    "sns-topic-encrypted",
    control="SNS.1",
    description="SNS topics are encrypted with a customer-managed key CloudWatch may use.",
    fix="set kms_master_key_id=<the notifications key> (its policy must let cloudwatch.amazonaws.com "
        "Decrypt and GenerateDataKey*; alias/aws/sns never works for alarms)",
    types=[SNS_TOPIC],
)
def sns_topic_encrypted(props, args, config) -> Iterator[str]:
    if not present(props, "kmsMasterKeyId"):
        yield "is not encrypted"
    elif known(props, "kmsMasterKeyId") == "alias/aws/sns":
        yield "uses alias/aws/sns, which CloudWatch alarms can't publish to"


SNS_TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"


@resource_rule(
    "sns-topic-not-public",
    control="SNS.4",
    description="Topic access policies let no one outside named principals in: a Principal '*' "
                "or an Allow with NotPrincipal needs a condition that pins the caller's account, "
                "organisation, source ARN or VPC.",
    fix="name the principals (the account root, cloudwatch.amazonaws.com...), or add a "
        "StringEquals condition on aws:SourceAccount / aws:SourceOwner / aws:PrincipalOrgID with "
        "concrete values (no wildcard, no ...IfExists)",
    types=[SNS_TOPIC, SNS_TOPIC_POLICY],
)
def sns_topic_not_public(props, args, config) -> Iterator[str]:
    if not present(props, "policy"):
        return  # a topic without its own policy gets SNS's default: the owner account only
    yield from _public_problems(get(props, "policy"), "access policy")


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------

PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


@stack_rule(
    "s3-block-public-access",
    control="S3.1/S3.8",
    description="Every bucket has a public access block with all four settings on.",
    fix="add s3.BucketPublicAccessBlock(bucket=<bucket>.id) with block_public_acls, "
        "block_public_policy, ignore_public_acls and restrict_public_buckets all True",
    types=[*BUCKETS, BUCKET_PAB],
)
def s3_block_public_access(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        blocks = stack.referring(bucket, [BUCKET_PAB], "bucket")
        if not blocks:
            yield bucket, "has no public access block"
        for block in blocks:
            off = [f for f in PAB_FLAGS if not is_true(get(block.props, f))]
            if off:
                yield bucket, f"public access block '{block.name}' leaves {', '.join(off)} off"


def _bucket_arns(bucket: PolicyResource) -> list[str]:
    """The bucket's ARN as its policy's Resource names it: the `arn` output, else built from its
    name. Raises UnknownValueError (the rule can't run in preview) when neither is known."""
    arn = known(bucket.props, "arn")
    if isinstance(arn, str) and arn:
        return [arn]
    name = get(bucket.props, "bucket")
    return [f"arn:aws:s3:::{name}"] if isinstance(name, str) and name else []


def _secure_transport_only(st: Statement) -> bool:
    """The statement's only condition is `Bool`/`BoolIfExists` aws:SecureTransport "false"
    (any other condition key is ANDed, so it shrinks what is denied; s3:TlsVersion is not
    SecureTransport: it lets plain HTTP through)."""
    keys = [(op, key) for op, conditions in st.conditions.items() for key in conditions]
    if len(keys) != 1:
        return False
    [(operator, key)] = keys
    values = st.conditions[operator][key]
    return (operator.lower() in ("bool", "boolifexists") and key == "aws:securetransport"
            and bool(values) and all(v.lower() == "false" for v in values))


def tls_only_problem(st: Statement, arns: list[str]) -> str | None:
    """Why `st` is not a TLS-only statement for the bucket (`arns`), or None when it is: a Deny
    of every S3 action (`s3:*` or `*`) to every principal on the bucket and all its objects,
    when aws:SecureTransport is false."""
    if st.effect != "Deny":
        return "is not a Deny"
    if st.has_not_principal or not st.has_principal or not everyone(st):
        return "does not apply to every principal (Principal '*')"
    if not denies_every(st, "s3"):
        return "does not deny every S3 action (s3:*)"
    if st.not_resources or not arns:
        return "does not name the bucket and its objects in Resource"
    if not all(any(resource_covers(r, arn) for r in st.resources) for arn in arns):
        return "does not cover the bucket's ARN"
    if not all(any(resource_covers(r, arn, subtree=True) for r in st.resources) for arn in arns):
        return "does not cover every object (<bucket ARN>/*)"
    if not _secure_transport_only(st):
        return "is not conditioned on aws:SecureTransport 'false' alone"
    return None


def _tls_document_problem(policy: Any, arns: list[str]) -> str | None:
    """Why one policy document has no TLS-only statement for the bucket (`arns`), or None."""
    candidates = [st for st in statements(policy)
                  if st.effect == "Deny" or st.condition_values("aws:SecureTransport")]
    if any(tls_only_problem(st, arns) is None for st in candidates):
        return None
    if not candidates:
        return "has no policy denying aws:SecureTransport=false"
    why = "; ".join(f"statement {st.label} {tls_only_problem(st, arns)}" for st in candidates)
    return f"has no policy statement that denies all of S3 without TLS ({why})"


def bucket_holders(stack: Stack, bucket: PolicyResource, types: Sequence[str]) -> list[PolicyResource]:
    """The resources of `types` (policies, ACLs) that set this bucket's policy or ACL."""
    return stack.referring(bucket, list(types), "bucket")


def bucket_policies(stack: Stack, bucket: PolicyResource) -> list[tuple[PolicyResource, Any]]:
    """(holder, document) of every policy that may end up on the bucket: each `BucketPolicy`
    for it, and the bucket's own `policy` input (holder: the bucket itself). A bucket has one
    policy in AWS, whichever applies last, so each is judged on its own."""
    found = [(p, get(p.props, "policy")) for p in bucket_holders(stack, bucket, [BUCKET_POLICY])]
    if present(bucket.props, "policy"):
        found.append((bucket, get(bucket.props, "policy")))
    return found


def orphan_holders(stack: Stack, types: Sequence[str]) -> list[PolicyResource]:
    """Policies or ACLs of `types` for a bucket the stack doesn't declare (an existing bucket
    named by value): they replace that bucket's policy or ACL, so they are judged on their own."""
    return [h for h in stack.of_type(*types) if not stack.referenced(h, "bucket", BUCKETS)]


_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc")


@stack_rule(
    "s3-tls-only",
    control="S3.5",
    description="Every bucket policy denies every S3 action to everyone on the bucket and its "
                "objects when aws:SecureTransport is false.",
    fix="add a bucket policy statement {Effect: Deny, Principal: '*', Action: 's3:*', Resource: "
        "[<bucket ARN>, <bucket ARN>/*], Condition: {Bool: {aws:SecureTransport: 'false'}}}",
    types=[*BUCKETS, BUCKET_POLICY],
)
def s3_tls_only(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """A bucket has one policy in AWS: a second `BucketPolicy`, or the bucket's own `policy`
    input next to one, replaces the other when it applies (whichever comes last), so every
    policy that may end up on the bucket is judged on its own. A `BucketPolicy` for a bucket the
    stack doesn't declare is judged against the bucket it names."""
    for bucket in stack.of_type(*BUCKETS):
        holders = [(f"{h.name} (inline)" if h is bucket else h.name, policy)
                   for h, policy in bucket_policies(stack, bucket)]
        arns = _bucket_arns(bucket)
        if not holders:
            yield bucket, "has no policy denying aws:SecureTransport=false"
        for name, policy in holders:
            problem = _tls_document_problem(policy, arns)
            if problem:
                yield bucket, (problem if len(holders) == 1 else f"policy '{name}' {problem}")
    for holder in orphan_holders(stack, [BUCKET_POLICY]):
        name = known(holder.props, "bucket")
        if not isinstance(name, str) or not name:
            continue  # unknown during preview: judged when it is known
        problems = [_tls_document_problem(get(holder.props, "policy"), [f"arn:{p}:s3:::{name}"])
                    for p in _PARTITIONS]
        if all(problems):
            yield holder, f"sets the policy of bucket '{name}' (not in this stack) and {problems[0]}"


# S3.6 -----------------------------------------------------------------------------------------

S3_CROSS_ACCOUNT_ACTIONS = ("s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy",
                            "s3:PutEncryptionConfiguration", "s3:PutObjectAcl")
"""The actions FSBP S3.6 (s3-bucket-blacklisted-actions-prohibited) refuses to other accounts."""


def stack_accounts(stack: Stack) -> set[str]:
    """The accounts the stack's own resources live in: read from every known `arn` prop (and an
    aws provider's `allowedAccountIds`). Empty when nothing tells (e.g. a first preview)."""
    found: set[str] = set()
    for resource in stack.resources:
        arn = known(resource.props, "arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            account = arn_account(arn)
            if account:
                found.add(account)
        provider = resource.provider
        if provider is not None:
            for value in as_list(known(provider.props, "allowedAccountIds")):
                if isinstance(value, str) and arn_account(value):
                    found.add(value)
    return found


def _foreign_principals(st: Statement, own: set[str]) -> list[str]:
    """Principals of an Allow that are not proven to be in `own` accounts: public, another
    account, a canonical user, or anyone an organisation- or VPC-only condition lets in."""
    if everyone(st):
        if public(st):
            return ["everyone (Principal '*')" if not st.has_not_principal else "everyone (NotPrincipal)"]
        scope = narrowing(st)
        if scope.accounts and scope.accounts <= own and not scope.resources:
            return []
        where = sorted(scope.accounts - own) or sorted(scope.orgs) or sorted(scope.vpcs) \
            or sorted(scope.resources)
        return [f"anyone matching {', '.join(scope.keys)} ({', '.join(where)})"]
    out = []
    for kind, values in st.principals.items():
        if kind == "Service":
            continue  # AWS services act for the bucket owner, not as another account
        for value in values:
            account = arn_account(value) if kind == "AWS" else None
            if account is None or account not in own:
                out.append(f"{kind} {value}")
    return out


@stack_rule(
    "s3-no-cross-account-admin",
    control="S3.6",
    description="Bucket policies give no principal outside the stack's account (or the public) "
                "s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, "
                "s3:PutEncryptionConfiguration or s3:PutObjectAcl, directly or through a wildcard.",
    fix="grant other accounts only the actions they need (s3:PutObject for log delivery); keep "
        "policy, ACL and encryption changes to the bucket's own account",
    types=[*BUCKETS, BUCKET_POLICY],
)
def s3_no_cross_account_admin(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    """The stack's account is read from its resources' ARNs; when none is known, every
    explicit account counts as another one."""
    own = stack_accounts(stack)
    holders = [(p, get(p.props, "policy")) for p in stack.of_type(BUCKET_POLICY)]
    holders += [(b, get(b.props, "policy")) for b in stack.of_type(*BUCKETS) if present(b.props, "policy")]
    for holder, policy in holders:
        for st in statements(policy):
            if st.effect.lower() != "allow":
                continue
            granted = [a for a in S3_CROSS_ACCOUNT_ACTIONS if grants(st, a)]
            if not granted:
                continue
            foreign = _foreign_principals(st, own)
            if foreign:
                yield holder, (f"statement {st.label} lets {'; '.join(foreign)} "
                               f"{', '.join(granted)}")


@stack_rule(
    "s3-acls-disabled",
    control="S3.12",
    description="Every bucket disables ACLs (object ownership BucketOwnerEnforced).",
    fix="add s3.BucketOwnershipControls(bucket=<bucket>.id, rule={'object_ownership': "
        "'BucketOwnerEnforced'})",
    types=[*BUCKETS, BUCKET_OWNERSHIP],
)
def s3_acls_disabled(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for bucket in stack.of_type(*BUCKETS):
        controls = stack.referring(bucket, [BUCKET_OWNERSHIP], "bucket")
        if not any(get(c.props, "rule", "objectOwnership") == "BucketOwnerEnforced" for c in controls):
            yield bucket, "keeps ACLs enabled (no BucketOwnershipControls with BucketOwnerEnforced)"


# --------------------------------------------------------------------------------------------
# tags, protection, secrets in plain inputs
# --------------------------------------------------------------------------------------------

REQUIRED_TAGS = ("Project", "Environment", "ManagedBy", "Owner")
TAGGABLE_PREFIXES = ("aws:",)
UNTAGGABLE = {
    "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:kms/alias:Alias", "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:lb/listenerCertificate:ListenerCertificate",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:sns/topicSubscription:TopicSubscription",
    "aws:sns/topicPolicy:TopicPolicy", "aws:appautoscaling/policy:Policy",
    "aws:acm/certificateValidation:CertificateValidation", "aws:route53/record:Record",
    "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:cloudwatch/dashboard:Dashboard", "aws:secretsmanager/secretRotation:SecretRotation",
    "aws:lambda/permission:Permission", "aws:msk/configuration:Configuration",
    "aws:sqs/queuePolicy:QueuePolicy", "aws:sqs/redrivePolicy:RedrivePolicy",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "aws:s3/bucketLogging:BucketLogging",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    # the edge (issue 13): the SDK gives these no `tags` argument
    "aws:wafv2/webAclRule:WebAclRule",
    "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
    "aws:cloudfront/cachePolicy:CachePolicy", "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
    "aws:cloudfront/originAccessControl:OriginAccessControl",
    "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription",
    # data protection (issue 15): the SDK gives these no `tags` argument
    "aws:backup/selection:Selection", "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    "aws:backup/vaultPolicy:VaultPolicy", "aws:backup/vaultNotifications:VaultNotifications",
    "aws:backup/restoreTestingSelection:RestoreTestingSelection",
    "aws:backup/regionSettings:RegionSettings", "aws:backup/globalSettings:GlobalSettings",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:cloudwatch/eventTarget:EventTarget",  # the backup notices' targets
}
"""aws types that take no tags (the rule only asks taggable resources for tags)."""


@resource_rule(
    "required-tags",
    control="Tagging (Project, Environment, ManagedBy, Owner)",
    description="Every taggable resource carries Project, Environment, ManagedBy and Owner, on "
                "itself or through its provider's default tags.",
    fix="pass naming.tagged(name) as tags, or set them in the provider's default_tags "
        "(groundwork:tags holds Owner)",
    types=None,
)
def required_tags(props, args, config) -> Iterator[str]:
    kind = args.resource_type
    if not kind.startswith(TAGGABLE_PREFIXES) or kind in UNTAGGABLE:
        return
    provider_props = args.provider.props if args.provider is not None else None
    tags = {**provider_default_tags(provider_props), **tags_of(props)}
    missing = [t for t in REQUIRED_TAGS if not str(tags.get(t) or "").strip()]
    if missing:
        yield f"lacks tag(s) {', '.join(missing)}"


STATEFUL = (RDS_INSTANCE, RDS_CLUSTER, CACHE_GROUP, *BUCKETS, "aws:dynamodb/table:Table",
            "aws:efs/fileSystem:FileSystem", "aws:msk/cluster:Cluster",
            "aws:msk/serverlessCluster:ServerlessCluster", "aws:docdb/cluster:Cluster",
            "aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain",
            # a queue holds work in flight: a destroyed one loses the jobs nobody processed
            "aws:sqs/queue:Queue",
            # a vault holds the recovery points: destroying it (force_destroy) loses the backups
            "aws:backup/vault:Vault", "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault")


@resource_rule(
    "prod-stateful-protected",
    control="Protect stateful resources (prod)",
    description="Stateful resources (databases, caches, search domains, Kafka clusters, queues, "
                "buckets, tables) carry Pulumi `protect` "
                "so `pulumi destroy` can't take them.",
    fix="create it with opts=ResourceOptions(protect=True) when the stack is prod (unprotect "
        "deliberately, with `pulumi state unprotect`, to retire it)",
    types=STATEFUL,
)
def prod_stateful_protected(props, args, config) -> Iterator[str]:
    if not args.opts.protect:
        yield "is not protected from pulumi destroy"


REFERENCE_VARIABLE_TYPES = frozenset({"PARAMETER_STORE", "SECRETS_MANAGER"})
"""CodeBuild variable types whose value names a parameter or secret (only PLAINTEXT holds it)."""


def _environment_pairs(value: Any) -> Iterator[tuple[str, Any]]:
    """name/value pairs of an `environment` input: {variables: {..}} (Lambda), {..},
    [{name, value}], or CodeBuild's {environmentVariables: [{name, value, type}]}."""
    if is_map(value):
        inner = known(value, "variables")
        variables = known(value, "environmentVariables")
        if is_list(variables):
            for entry in variables:
                kind = str(known(entry, "type") or "PLAINTEXT").upper()
                if has_key(entry, "name") and kind not in REFERENCE_VARIABLE_TYPES:
                    yield str(known(entry, "name", "")), known(entry, "value")
            return
        yield from known_items(inner if is_map(inner) else value)
    elif is_list(value):
        for entry in value:
            if has_key(entry, "name"):
                yield str(known(entry, "name", "")), known(entry, "value")


SECRET_INPUTS = {"secretString", "secretBinary", "password", "passwordWo", "authToken", "authTokenWo",
                 "masterPassword", "privateKey", "sensitiveValue"}
"""Inputs made to hold secrets (a real preview shows them decrypted): not scanned."""


@resource_rule(
    "no-plaintext-secrets",
    control="Secrets in plain inputs (CKV_AWS_45/46)",
    description="No secret-looking values in tags or plain `environment` inputs, and no AWS access "
                "key id in any input.",
    fix="keep the value in Secrets Manager and pass its ARN (ECS `secrets`, a function reading it "
        "at start); never put credentials in tags",
    types=None,
)
def no_plaintext_secrets(props, args, config) -> Iterator[str]:
    """Container definitions are ECS.8's (ecs-no-secrets-in-environment). Tags are read from
    `tags` and `tagsAll` (what a real preview shows, the provider's default tags included), and
    an aws provider's own `defaultTags` are judged on the provider."""
    for name, value in tags_of(props).items():
        why = looks_secret(str(name), value)
        if why:
            yield f"tag {name} {why}"
    if args.resource_type == AWS_PROVIDER:
        for name, value in provider_default_tags(props).items():
            why = looks_secret(str(name), value)
            if why:
                yield f"default tag {name} {why}"
    for name, value in _environment_pairs(known(props, "environment")):
        why = looks_secret(name, value)
        if why:
            yield f"environment variable {name} {why}"
    skip = SECRET_INPUTS | {"tags", "tagsAll", "environment", "containerDefinitions"}
    if args.resource_type == AWS_PROVIDER:
        skip.add("defaultTags")
    if args.resource_type == "aws:ssm/parameter:Parameter" and known(props, "type") == "SecureString":
        skip.add("value")
    for key, value in known_items(props):
        if key in skip:
            continue
        for path, text in walk_strings(value, key):
            if AWS_ACCESS_KEY.search(text):
                yield f"input {path} holds an AWS access key id"
