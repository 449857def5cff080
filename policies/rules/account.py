"""Account baseline rules: CloudTrail, AWS Config, GuardDuty, Security Hub and the account
settings (EBS default encryption, S3 account Block Public Access, the IAM password policy, the
security contact, a budget).

Two kinds of rule live here:

- **Per resource:** a trail, recorder, detector, password policy... declared by any program is
  judged as AWS judges it (a multi-Region trail that doesn't log, a detector whose feature is
  DISABLED, a password policy of 13 characters). These fire in any stack.
- **Presence:** most of these controls are about the *account* ("at least one multi-Region trail",
  "GuardDuty should be enabled"), so an account baseline that lacks the resource fails them. A
  stack is an account baseline when it declares any account-level singleton (`ACCOUNT_MARKERS`:
  a Config recorder, a GuardDuty detector, Security Hub, EBS default encryption, the account's S3
  Block Public Access, the IAM password policy or an alternate contact). The environment stacks
  declare none, so their policy configs can keep every rule mandatory without requiring a trail.
  A missing piece is reported against the stack itself.

An account that gets a piece from AWS Organizations or Control Tower (an organization trail, a
delegated GuardDuty or Security Hub administrator) switches that piece off in the account
program and sets the piece's presence rule to `disabled` in its policy config: the levels are
per stack, so delegation is written down next to the stack it applies to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    BUCKET_PAB,
    BUCKETS,
    Stack,
    as_list,
    get,
    is_false,
    is_map,
    is_true,
    known,
    number,
    present,
    resource_rule,
    stack_rule,
)
from .security import stack_accounts

TRAIL = "aws:cloudtrail/trail:Trail"
CONFIG_RECORDER = "aws:cfg/recorder:Recorder"
CONFIG_RECORDER_STATUS = "aws:cfg/recorderStatus:RecorderStatus"
CONFIG_DELIVERY_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
DETECTOR = "aws:guardduty/detector:Detector"
DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
SECURITY_HUB = "aws:securityhub/account:Account"
SECURITY_HUB_V2 = "aws:securityhub/accountV2:AccountV2"
STANDARDS_SUBSCRIPTION = "aws:securityhub/standardsSubscription:StandardsSubscription"
EBS_DEFAULT_ENCRYPTION = "aws:ebs/encryptionByDefault:EncryptionByDefault"
VPC_BPA = "aws:ec2/vpcBlockPublicAccessOptions:VpcBlockPublicAccessOptions"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
PASSWORD_POLICY = "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"
ALTERNATE_CONTACT = "aws:account/alternativeContact:AlternativeContact"
BUDGET = "aws:budgets/budget:Budget"
BUCKET_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
SERVICE_LINKED_ROLE = "aws:iam/serviceLinkedRole:ServiceLinkedRole"
STACK_TYPE = "pulumi:pulumi:Stack"

ACCOUNT_MARKERS = (
    CONFIG_RECORDER,
    DETECTOR,
    SECURITY_HUB,
    SECURITY_HUB_V2,
    EBS_DEFAULT_ENCRYPTION,
    VPC_BPA,
    ACCOUNT_PAB,
    PASSWORD_POLICY,
    ALTERNATE_CONTACT,
)
"""Resource types only an account baseline declares (one per account or region). A trail or a
budget is not one: an environment may well add a data-events trail or its own budget."""

FSBP_STANDARD = "standards/aws-foundational-security-best-practices/"
CONFIG_SERVICE_LINKED_ROLE = ":role/aws-service-role/config.amazonaws.com/"
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


# --------------------------------------------------------------------------------------------
# shared
# --------------------------------------------------------------------------------------------


def is_account_baseline(stack: Stack) -> bool:
    """The stack declares an account-level singleton (see the module docstring)."""
    return bool(stack.of_type(*ACCOUNT_MARKERS))


def _anchor(stack: Stack) -> PolicyResource:
    """What a missing piece is reported against: the stack, else its first account resource."""
    roots = stack.of_type(STACK_TYPE)
    return roots[0] if roots else stack.of_type(*ACCOUNT_MARKERS)[0]


def _missing(stack: Stack, what: str) -> Iterator[tuple[PolicyResource, str]]:
    if is_account_baseline(stack):
        yield _anchor(stack), f"this account baseline has no {what}"


def _one_suffices(stack: Stack, resource_type: str, what: str,
                  problems_of: Callable[[PolicyResource], list[str]],
                  suffix: str = "") -> Iterator[tuple[PolicyResource, str]]:
    """Controls that one good resource satisfies (a trail, a budget): none at all is a missing
    piece of the baseline; when none is good, each reports its own problems."""
    found = stack.of_type(resource_type)
    if not found:
        yield from _missing(stack, what)
        return
    judged = [(resource, problems_of(resource)) for resource in found]
    if any(not problems for _, problems in judged):
        return
    for resource, problems in judged:
        yield resource, "; ".join(problems) + suffix


def _enabled(value: Any) -> bool:
    return isinstance(value, str) and value.upper() == "ENABLED"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------------------------
# CloudTrail
# --------------------------------------------------------------------------------------------


def _management_coverage(trail: PolicyResource) -> tuple[set[str], list[str]]:
    """Which management events the trail records ({"read", "write"}) and why not all of them.
    No selectors at all: CloudTrail's default, every management event."""
    props = trail.props
    basic = as_list(get(props, "eventSelectors"))
    advanced = as_list(get(props, "advancedEventSelectors"))
    if not basic and not advanced:
        return {"read", "write"}, []
    covered: set[str] = set()
    notes: list[str] = []
    for selector in basic:
        if is_false(get(selector, "includeManagementEvents")):
            continue
        excluded = as_list(get(selector, "excludeManagementEventSources"))
        if excluded:
            notes.append(f"excludes management events from {', '.join(map(str, excluded))}")
            continue
        kind = _text(get(selector, "readWriteType", default="All")).lower()
        covered |= (
            {"read", "write"}
            if kind == "all"
            else {"read"}
            if kind == "readonly"
            else ({"write"} if kind == "writeonly" else set())
        )
    for selector in advanced:
        fields = {_text(get(f, "field")): f for f in as_list(get(selector, "fieldSelectors"))}
        category = fields.get("eventCategory")
        if category is None or [str(v) for v in as_list(get(category, "equals"))] != ["Management"]:
            continue
        narrowing = [
            name
            for name, f in fields.items()
            if name not in ("eventCategory", "readOnly")
            or any(
                as_list(get(f, k))
                for k in ("notEquals", "startsWiths", "endsWiths", "notStartsWiths", "notEndsWiths")
            )
        ]
        if narrowing:
            notes.append(
                f"selector {get(selector, 'name', default='(unnamed)')!r} narrows management "
                f"events by {', '.join(sorted(narrowing))}"
            )
            continue
        read_only = fields.get("readOnly")
        values = {str(v).lower() for v in as_list(get(read_only, "equals"))} if read_only else set()
        covered |= (
            {"read", "write"}
            if not values or values == {"true", "false"}
            else ({"read"} if values == {"true"} else {"write"})
        )
    return covered, notes


def trail_problems(trail: PolicyResource) -> list[str]:
    """Why `trail` doesn't satisfy CloudTrail.1 on its own ([] when it does)."""
    props = trail.props
    problems = []
    if not is_true(get(props, "isMultiRegionTrail")):
        problems.append("is not a multi-Region trail (isMultiRegionTrail unset or false)")
    if is_false(get(props, "enableLogging")):
        problems.append("has logging switched off (enableLogging false)")
    if is_false(get(props, "includeGlobalServiceEvents")):
        problems.append("leaves out global service events (IAM, STS)")
    covered, notes = _management_coverage(trail)
    missing = [kind for kind in ("read", "write") if kind not in covered]
    if missing:
        problems.append(
            f"does not record {' or '.join(missing)} management events"
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return problems


@stack_rule(
    "cloudtrail-multi-region",
    control="CloudTrail.1",
    description="At least one multi-Region trail that is logging and records every read and write "
    "management event (an account baseline must declare one).",
    fix="aws.cloudtrail.Trail(is_multi_region_trail=True, include_global_service_events=True) with "
    "no event selector that drops management events, reads or writes (account program: cloudtrail)",
    types=[TRAIL],
)
def cloudtrail_multi_region(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    # one good trail satisfies the control; other trails may log data events only
    yield from _one_suffices(stack, TRAIL, "CloudTrail trail", trail_problems,
                             " (and no other trail does)")


@resource_rule(
    "cloudtrail-encrypted",
    control="CloudTrail.2",
    description="Trails encrypt their log files with a KMS key (SSE-KMS).",
    fix="set kms_key_id=<a customer-managed key whose policy lets cloudtrail.amazonaws.com encrypt>",
    types=[TRAIL],
)
def cloudtrail_encrypted(props, args, config) -> Iterator[str]:
    if not present(props, "kmsKeyId"):
        yield "writes log files without a KMS key (kmsKeyId unset)"


@resource_rule(
    "cloudtrail-log-file-validation",
    control="CloudTrail.4",
    description="Trails write signed digest files (log file integrity validation).",
    fix="set enable_log_file_validation=True",
    types=[TRAIL],
)
def cloudtrail_log_file_validation(props, args, config) -> Iterator[str]:
    if not is_true(get(props, "enableLogFileValidation")):
        yield "has log file validation off"


@resource_rule(
    "cloudtrail-cloudwatch-logs",
    control="CloudTrail.5",
    description="Trails also deliver to a CloudWatch Logs group (with the role CloudTrail uses to "
    "write there), so alarms can watch the events as they happen.",
    fix='set cloud_watch_logs_group_arn=f"{log_group.arn}:*" and cloud_watch_logs_role_arn=<a role '
    "trusting cloudtrail.amazonaws.com with logs:CreateLogStream/PutLogEvents on it>",
    types=[TRAIL],
)
def cloudtrail_cloudwatch_logs(props, args, config) -> Iterator[str]:
    if not present(props, "cloudWatchLogsGroupArn"):
        yield "does not deliver to CloudWatch Logs (cloudWatchLogsGroupArn unset)"
    elif not present(props, "cloudWatchLogsRoleArn"):
        yield "names a log group but no role to write to it (cloudWatchLogsRoleArn unset)"


def _trail_buckets(stack: Stack, trail: PolicyResource) -> list[PolicyResource]:
    return stack.referenced(trail, "s3BucketName", BUCKETS)


@stack_rule(
    "cloudtrail-bucket-not-public",
    control="CloudTrail.6",
    description="The bucket a trail writes to (when the program declares it) has a public access "
    "block with all four settings on.",
    fix="add s3.BucketPublicAccessBlock(bucket=<trail bucket>.id) with all four settings True",
    types=[TRAIL, *BUCKETS, BUCKET_PAB],
)
def cloudtrail_bucket_not_public(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for trail in stack.of_type(TRAIL):
        for bucket in _trail_buckets(stack, trail):
            blocks = stack.referring(bucket, [BUCKET_PAB], "bucket")
            if not blocks:
                yield trail, f"writes to bucket '{bucket.name}', which has no public access block"
            for block in blocks:
                off = [f for f in PAB_FLAGS if not is_true(get(block.props, f))]
                if off:
                    yield (
                        trail,
                        (
                            f"writes to bucket '{bucket.name}', whose public access block "
                            f"leaves {', '.join(off)} off"
                        ),
                    )


@stack_rule(
    "cloudtrail-bucket-access-logging",
    control="CloudTrail.7",
    description="The bucket a trail writes to (when the program declares it) has server access "
    "logging to another bucket.",
    fix="add s3.BucketLogging(bucket=<trail bucket>.id, target_bucket=<an access-log bucket>.id)",
    types=[TRAIL, *BUCKETS, *BUCKET_LOGGING],
)
def cloudtrail_bucket_access_logging(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    for trail in stack.of_type(TRAIL):
        for bucket in _trail_buckets(stack, trail):
            loggings = stack.referring(bucket, BUCKET_LOGGING, "bucket")
            inline = get(bucket.props, "logging")
            if not loggings and not (is_map(inline) and present(inline, "targetBucket")):
                yield trail, f"writes to bucket '{bucket.name}', which has no server access logging"
                continue
            for logging in loggings:
                if not present(logging.props, "targetBucket"):
                    yield trail, f"bucket '{bucket.name}' has access logging without a target bucket"
                elif bucket in stack.referenced(logging, "targetBucket", BUCKETS):
                    yield trail, f"bucket '{bucket.name}' writes its access logs into itself"


# --------------------------------------------------------------------------------------------
# AWS Config
# --------------------------------------------------------------------------------------------


def _recorder_role_problem(stack: Stack, recorder: PolicyResource) -> str | None:
    deps = (recorder.property_dependencies or {}).get("roleArn", [])
    if deps:
        linked = [
            d
            for d in deps
            if d.resource_type == SERVICE_LINKED_ROLE
            and _text(known(d.props, "awsServiceName")) == "config.amazonaws.com"
        ]
        return (
            None if linked else f"records with role '{deps[0].name}', not the AWS Config service-linked role"
        )
    arn = known(recorder.props, "roleArn")
    if isinstance(arn, str) and arn and CONFIG_SERVICE_LINKED_ROLE not in arn:
        return f"records with {arn}, not the AWS Config service-linked role (AWSServiceRoleForConfig)"
    return None


def recorder_problems(stack: Stack, recorder: PolicyResource) -> list[str]:
    props = recorder.props
    problems = []
    role = _recorder_role_problem(stack, recorder)
    if role:
        problems.append(role)
    group = get(props, "recordingGroup", default={})
    if is_false(get(group, "allSupported")):
        problems.append("does not record all supported resource types (allSupported false)")
    strategies = [_text(get(s, "useOnly")) for s in as_list(get(group, "recordingStrategies"))]
    narrowed = [s for s in strategies if s and s != "ALL_SUPPORTED_RESOURCE_TYPES"]
    if narrowed:
        problems.append(f"records by {narrowed[0]}, not every supported resource type")
    excluded = [
        t for ex in as_list(get(group, "exclusionByResourceTypes")) for t in as_list(get(ex, "resourceTypes"))
    ]
    if excluded:
        problems.append(f"excludes {', '.join(map(str, excluded))}")
    if not is_true(get(group, "includeGlobalResourceTypes")):
        problems.append(
            "leaves out global resource types (IAM users, roles, policies: "
            "includeGlobalResourceTypes unset or false)"
        )
    statuses = stack.referring(recorder, [CONFIG_RECORDER_STATUS], "name")
    if not statuses and len(stack.of_type(CONFIG_RECORDER)) == 1:
        statuses = stack.of_type(CONFIG_RECORDER_STATUS)
    if not statuses:
        problems.append("is never started (no cfg.RecorderStatus)")
    elif not any(is_true(get(s.props, "isEnabled")) for s in statuses):
        problems.append("is stopped (RecorderStatus isEnabled false)")
    if not stack.of_type(CONFIG_DELIVERY_CHANNEL):
        problems.append("has no delivery channel (cfg.DeliveryChannel)")
    return problems


@stack_rule(
    "config-recorder-enabled",
    control="Config.1",
    description="AWS Config records every supported resource type, global ones included, with "
    "the service-linked role, is started, and delivers (an account baseline must declare it).",
    fix="cfg.Recorder(role_arn=<AWSServiceRoleForConfig ARN>, recording_group={all_supported: True, "
    "include_global_resource_types: True}) + cfg.DeliveryChannel + cfg.RecorderStatus(is_enabled=True)"
    " (account program: config)",
    types=[CONFIG_RECORDER, CONFIG_RECORDER_STATUS, CONFIG_DELIVERY_CHANNEL, SERVICE_LINKED_ROLE],
)
def config_recorder_enabled(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    recorders = stack.of_type(CONFIG_RECORDER)
    if not recorders:
        yield from _missing(stack, "AWS Config recorder")
    for recorder in recorders:
        for problem in recorder_problems(stack, recorder):
            yield recorder, problem


# --------------------------------------------------------------------------------------------
# GuardDuty
# --------------------------------------------------------------------------------------------


def _features(stack: Stack, detector: PolicyResource) -> list[PolicyResource]:
    found = stack.referring(detector, [DETECTOR_FEATURE], "detectorId")
    if not found and len(stack.of_type(DETECTOR)) == 1:
        found = stack.of_type(DETECTOR_FEATURE)  # one detector: its id may come from a lookup
    return found


def feature_problem(
    stack: Stack, detector: PolicyResource, feature: str, additional: str | None = None
) -> str | None:
    """Why `feature` (and its `additional` configuration) is not ENABLED on the detector."""
    declared = [f for f in _features(stack, detector) if _text(get(f.props, "name")) == feature]
    s3_logs = is_true(get(detector.props, "datasources", "s3Logs", "enable"))
    if not declared and feature == "S3_DATA_EVENTS" and s3_logs:
        return None  # the older datasources block
    if not declared:
        return f"has no {feature} feature (guardduty.DetectorFeature)"
    off = [f for f in declared if not _enabled(get(f.props, "status"))]
    if off:
        return f"has {feature} {_text(get(off[0].props, 'status')) or 'without a status'}"
    if additional:
        configs = [
            c
            for f in declared
            for c in as_list(get(f.props, "additionalConfigurations"))
            if _text(get(c, "name")) == additional
        ]
        if not configs:
            return f"has {feature} without {additional}"
        if not all(_enabled(get(c, "status")) for c in configs):
            return f"has {feature} with {additional} {_text(get(configs[0], 'status')) or 'unset'}"
    return None


@stack_rule(
    "guardduty-enabled",
    control="GuardDuty.1",
    description="GuardDuty detectors are enabled (an account baseline must declare one).",
    fix="aws.guardduty.Detector(enable=True) (account program: guardduty)",
    types=[DETECTOR],
)
def guardduty_enabled(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    detectors = stack.of_type(DETECTOR)
    if not detectors:
        yield from _missing(stack, "GuardDuty detector")
    for detector in detectors:
        if is_false(get(detector.props, "enable")):
            yield detector, "is suspended (enable false)"


def _feature_rule(name: str, control: str, title: str, feature: str, additional: str | None = None):
    extra = f" with {additional} ENABLED" if additional else ""

    @stack_rule(
        name,
        control=control,
        description=f"GuardDuty detectors have {title} on ({feature}{extra}).",
        fix=f'guardduty.DetectorFeature(detector_id=<detector>.id, name="{feature}", status="ENABLED"'
        + (f', additional_configurations=[{{name: "{additional}", status: "ENABLED"}}]' if additional else "")
        + ")",
        types=[DETECTOR, DETECTOR_FEATURE],
    )
    def rule(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
        for detector in stack.of_type(DETECTOR):
            problem = feature_problem(stack, detector, feature, additional)
            if problem:
                yield detector, problem

    return rule


guardduty_lambda_protection = _feature_rule(
    "guardduty-lambda-protection", "GuardDuty.6", "Lambda Protection", "LAMBDA_NETWORK_LOGS"
)
guardduty_rds_protection = _feature_rule(
    "guardduty-rds-protection", "GuardDuty.9", "RDS Protection", "RDS_LOGIN_EVENTS"
)
guardduty_s3_protection = _feature_rule(
    "guardduty-s3-protection", "GuardDuty.10", "S3 Protection", "S3_DATA_EVENTS"
)
guardduty_runtime_monitoring = _feature_rule(
    "guardduty-runtime-monitoring", "GuardDuty.11", "Runtime Monitoring", "RUNTIME_MONITORING"
)
guardduty_ecs_runtime_monitoring = _feature_rule(
    "guardduty-ecs-runtime-monitoring",
    "GuardDuty.12",
    "ECS (Fargate) Runtime Monitoring",
    "RUNTIME_MONITORING",
    "ECS_FARGATE_AGENT_MANAGEMENT",
)


# --------------------------------------------------------------------------------------------
# Security Hub
# --------------------------------------------------------------------------------------------


@stack_rule(
    "securityhub-fsbp-enabled",
    control="Security Hub FSBP",
    description="Security Hub CSPM is on with the AWS Foundational Security Best Practices standard "
    "(an account baseline must declare it).",
    fix="securityhub.Account(enable_default_standards=False) + securityhub.StandardsSubscription("
    'standards_arn="arn:aws:securityhub:<region>::standards/aws-foundational-security-best-'
    'practices/v/1.0.0") (account program: securityhub)',
    types=[SECURITY_HUB, SECURITY_HUB_V2, STANDARDS_SUBSCRIPTION],
)
def securityhub_fsbp_enabled(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    hubs = stack.of_type(SECURITY_HUB)
    subscriptions = [
        s
        for s in stack.of_type(STANDARDS_SUBSCRIPTION)
        if FSBP_STANDARD in _text(known(s.props, "standardsArn"))
        or not isinstance(known(s.props, "standardsArn"), str)
    ]  # unknown: a lookup
    if not hubs:
        if stack.of_type(SECURITY_HUB_V2):
            yield (
                stack.of_type(SECURITY_HUB_V2)[0],
                (
                    "enables the new Security Hub only: the FSBP "
                    "standard needs Security Hub CSPM (securityhub.Account)"
                ),
            )
        else:
            yield from _missing(stack, "Security Hub (securityhub.Account)")
        return
    # enable_default_standards (default true) turns on FSBP and CIS 1.2 when the hub is created
    if subscriptions or not is_false(get(hubs[0].props, "enableDefaultStandards")):
        return
    yield hubs[0], "has the default standards off and no FSBP standards subscription"


# --------------------------------------------------------------------------------------------
# account settings
# --------------------------------------------------------------------------------------------


@stack_rule(
    "ebs-encryption-by-default",
    control="EC2.7",
    description="EBS encryption by default is on in the account's region (an account baseline "
    "must declare it).",
    fix="aws.ebs.EncryptionByDefault(enabled=True) (account program: ebs_encryption)",
    types=[EBS_DEFAULT_ENCRYPTION],
)
def ebs_encryption_by_default(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    settings = stack.of_type(EBS_DEFAULT_ENCRYPTION)
    if not settings:
        yield from _missing(stack, "EBS encryption by default (ebs.EncryptionByDefault)")
    for setting in settings:
        if is_false(get(setting.props, "enabled")):
            yield setting, "switches EBS encryption by default off (enabled false)"


BPA_BLOCKING = ("block-ingress", "block-bidirectional")


@stack_rule(
    "vpc-block-public-access",
    control="EC2.172",
    description="VPC Block Public Access blocks internet-gateway traffic in the account's region "
    "(block-ingress or block-bidirectional; an account baseline must declare it).",
    fix="aws.ec2.VpcBlockPublicAccessOptions(internet_gateway_block_mode='block-ingress'), with "
    "groundwork's Network excluding its public subnets (account program: "
    "account_settings.vpc_block_public_access)",
    types=[VPC_BPA],
)
def vpc_block_public_access(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    options = stack.of_type(VPC_BPA)
    if not options:
        yield from _missing(stack, "VPC Block Public Access (ec2.VpcBlockPublicAccessOptions)")
    for option in options:
        mode = get(option.props, "internetGatewayBlockMode")
        if mode not in BPA_BLOCKING:
            yield option, f"leaves internet-gateway traffic unblocked (internetGatewayBlockMode {mode!r})"


@stack_rule(
    "s3-account-public-access-block",
    control="S3.1",
    description="The account's S3 Block Public Access has all four settings on (an account "
    "baseline must declare it).",
    fix="aws.s3.AccountPublicAccessBlock with block_public_acls, block_public_policy, "
    "ignore_public_acls and restrict_public_buckets all True (account program: s3_public_access_block)",
    types=[ACCOUNT_PAB],
)
def s3_account_public_access_block(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    blocks = stack.of_type(ACCOUNT_PAB)
    if not blocks:
        yield from _missing(stack, "account-level S3 Block Public Access (s3.AccountPublicAccessBlock)")
    for block in blocks:
        off = [f for f in PAB_FLAGS if not is_true(get(block.props, f))]
        if off:  # each setting defaults to false
            yield block, f"leaves {', '.join(off)} off"


def _length(props: Any) -> int:
    return int(number(get(props, "minimumPasswordLength"), 6) or 6)  # IAM's default: 6


@stack_rule(
    "iam-password-policy-strong",
    control="IAM.7",
    description="The account password policy asks for 8+ characters with upper and lower case, "
    "numbers and symbols (an account baseline must declare it).",
    fix="aws.iam.AccountPasswordPolicy(minimum_password_length=14, require_uppercase_characters=True, "
    "require_lowercase_characters=True, require_numbers=True, require_symbols=True, "
    "password_reuse_prevention=24) (account program: password_policy)",
    types=[PASSWORD_POLICY],
)
def iam_password_policy_strong(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    policies = stack.of_type(PASSWORD_POLICY)
    if not policies:
        yield from _missing(stack, "IAM password policy (iam.AccountPasswordPolicy)")
    for policy in policies:
        props = policy.props
        length = _length(props)
        if length < 8:
            yield policy, f"allows passwords of {length} characters; FSBP asks for at least 8"
        lax = [
            flag
            for flag in (
                "requireUppercaseCharacters",
                "requireLowercaseCharacters",
                "requireNumbers",
                "requireSymbols",
            )
            if not is_true(get(props, flag))
        ]
        if lax:
            yield policy, f"does not set {', '.join(lax)}"


@resource_rule(
    "iam-password-policy-length",
    control="IAM.15",
    description="The account password policy asks for at least `minimumLength` characters (CIS: 14).",
    fix="set minimum_password_length=14 (or more)",
    types=[PASSWORD_POLICY],
    defaults={"minimumLength": 14},
    properties={"minimumLength": {"type": "integer", "minimum": 1}},
)
def iam_password_policy_length(props, args, config) -> Iterator[str]:
    length, wanted = _length(props), int(config["minimumLength"])
    if length < wanted:
        yield f"allows passwords of {length} characters; at least {wanted} required"


@resource_rule(
    "iam-password-policy-reuse",
    control="IAM.16",
    description="The account password policy remembers the last `minimumRemembered` passwords "
    "(CIS: 24, IAM's maximum).",
    fix="set password_reuse_prevention=24",
    types=[PASSWORD_POLICY],
    defaults={"minimumRemembered": 24},
    properties={"minimumRemembered": {"type": "integer", "minimum": 1, "maximum": 24}},
)
def iam_password_policy_reuse(props, args, config) -> Iterator[str]:
    remembered = int(number(get(props, "passwordReusePrevention"), 0) or 0)
    wanted = int(config["minimumRemembered"])
    if remembered < wanted:
        yield (
            f"lets users reuse a password after {remembered} others; {wanted} required"
            if remembered
            else "lets users reuse passwords (passwordReusePrevention unset)"
        )


@stack_rule(
    "account-security-contact",
    control="Account.1",
    description="The account has an alternate SECURITY contact with a name, email and phone "
    "(an account baseline must declare it; one set for another accountId doesn't count).",
    fix='aws.account.AlternativeContact(alternate_contact_type="SECURITY", name=..., '
    "email_address=<a monitored security inbox>, phone_number=..., title=...) "
    "(account program: security_contact)",
    types=[ALTERNATE_CONTACT],
)
def account_security_contact(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    contacts = stack.of_type(ALTERNATE_CONTACT)
    security = [c for c in contacts if _text(get(c.props, "alternateContactType")).upper() == "SECURITY"]
    own = stack_accounts(stack)
    elsewhere = []
    for contact in security:
        blank = [f for f in ("name", "emailAddress", "phoneNumber") if not present(contact.props, f)]
        if blank:
            yield contact, f"is a SECURITY contact without {', '.join(blank)}"
        target = known(contact.props, "accountId")
        if isinstance(target, str) and target and target not in own:
            elsewhere.append(contact)
            yield contact, (f"sets the SECURITY contact of account {target}, not this one"
                            + ("" if own else " (this stack's account is not known from its ARNs)"))
    if elsewhere or security or not is_account_baseline(stack):
        return  # a contact for another account is reported on that contact
    kinds = sorted({_text(get(c.props, "alternateContactType")) or "?" for c in contacts})
    yield (
        _anchor(stack),
        (
            "this account baseline has no SECURITY alternate contact"
            + (f" (only {', '.join(kinds)})" if kinds else "")
        ),
    )


# --------------------------------------------------------------------------------------------
# Budgets
# --------------------------------------------------------------------------------------------


def budget_problems(budget: PolicyResource) -> list[str]:
    props = budget.props
    problems = []
    if _text(get(props, "budgetType")).upper() != "COST":
        problems.append(f"is a {get(props, 'budgetType', default='?')} budget, not COST")
    if _text(get(props, "timeUnit")).upper() != "MONTHLY":
        problems.append(f"is {get(props, 'timeUnit', default='?')}, not MONTHLY")
    kinds = set()
    for notification in as_list(get(props, "notifications")):
        if as_list(get(notification, "subscriberSnsTopicArns")) or as_list(
            get(notification, "subscriberEmailAddresses")
        ):
            kinds.add(_text(get(notification, "notificationType")).upper())
    missing = [k for k in ("ACTUAL", "FORECASTED") if k not in kinds]
    if missing:
        problems.append(f"sends no {' or '.join(missing)} alert to anyone")
    narrowed = [key for key in ("costFilters", "filterExpression") if present(props, key)]
    if narrowed:
        problems.append(f"watches only part of the bill ({' and '.join(narrowed)} filter it)")
    return problems


@stack_rule(
    "budget-alerts",
    control="Budget alerts",
    description="A monthly cost budget of the whole bill (no cost filter) alerts someone on actual "
    "and on forecasted spend (an account baseline must declare one).",
    fix='aws.budgets.Budget(budget_type="COST", time_unit="MONTHLY", notifications=[ACTUAL and '
    "FORECASTED, each with subscriber_sns_topic_arns=[<encrypted topic>]]) (account program: budget)",
    types=[BUDGET],
)
def budget_alerts(stack: Stack, config) -> Iterator[tuple[PolicyResource, str]]:
    # other budgets (per service, per tag) may watch other things
    yield from _one_suffices(stack, BUDGET, "AWS budget", budget_problems)
