"""The account-baseline rules (policies/rules/account.py): a healthy baseline passes every rule,
and each way of breaking (or walking around) a control fires that control's rule.

The baseline is built from synthetic resources shaped like the engine's: camelCase props and
property dependencies between them (a feature on its detector, a public access block on the trail's
bucket). The environment stacks are not account baselines, so none of these rules may fire there.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import PolicyResource

from groundwork.check import check_plan, stack_resources, synthetic, validate_resource, validate_stack
from groundwork.policies import rules
from groundwork.policies.rules import ResourceRule, StackRule, account
from groundwork.policies.rules._base import Stack

RULES = rules.by_name()
ACCOUNT_RULES = [r for r in rules.ALL if r.family == "account"]

ACCT = "123456789012"
ALL_ON = {
    "blockPublicAcls": True,
    "blockPublicPolicy": True,
    "ignorePublicAcls": True,
    "restrictPublicBuckets": True,
}
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_LOGGING = "aws:s3/bucketLogging:BucketLogging"
FSBP_ARN = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
CONFIG_ROLE = f"arn:aws:iam::{ACCT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"

FEATURES = {
    "S3_DATA_EVENTS": None,
    "RDS_LOGIN_EVENTS": None,
    "LAMBDA_NETWORK_LOGS": None,
    "RUNTIME_MONITORING": [
        {"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "ENABLED"},
        {"name": "EC2_AGENT_MANAGEMENT", "status": "DISABLED"},
    ],
}


def healthy() -> dict[str, dict[str, Any] | None]:
    """Props of a complete account baseline, by resource name."""
    props: dict[str, dict[str, Any] | None] = {
        "trail-bucket": {"bucket": "acct-trail-logs"},
        "trail-bucket-pab": {"bucket": "acct-trail-logs", **ALL_ON},
        "access-logs": {"bucket": "acct-access-logs"},
        "trail-bucket-logging": {
            "bucket": "acct-trail-logs",
            "targetBucket": "acct-access-logs",
            "targetPrefix": "trail/",
        },
        "trail": {
            "name": "account-trail",
            "s3BucketName": "acct-trail-logs",
            "isMultiRegionTrail": True,
            "includeGlobalServiceEvents": True,
            "enableLogFileValidation": True,
            "kmsKeyId": f"arn:aws:kms:us-east-1:{ACCT}:key/trail",
            "cloudWatchLogsGroupArn": f"arn:aws:logs:us-east-1:{ACCT}:log-group:/aws/cloudtrail:*",
            "cloudWatchLogsRoleArn": f"arn:aws:iam::{ACCT}:role/trail-to-logs",
        },
        "config-role": {"awsServiceName": "config.amazonaws.com", "arn": CONFIG_ROLE},
        "recorder": {
            "name": "default",
            "roleArn": CONFIG_ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        },
        "delivery-channel": {"name": "default", "s3BucketName": "acct-config-logs"},
        "recorder-status": {"name": "default", "isEnabled": True},
        "detector": {"id": "det-1", "enable": True},
        "security-hub": {"enableDefaultStandards": False},
        "fsbp": {"standardsArn": FSBP_ARN},
        "ebs-encryption": {"enabled": True},
        "vpc-bpa": {"internetGatewayBlockMode": "block-ingress"},
        "account-pab": dict(ALL_ON),
        "password-policy": {
            "minimumPasswordLength": 14,
            "requireUppercaseCharacters": True,
            "requireLowercaseCharacters": True,
            "requireNumbers": True,
            "requireSymbols": True,
            "passwordReusePrevention": 24,
            "maxPasswordAge": 90,
        },
        "security-contact": {
            "alternateContactType": "SECURITY",
            "name": "Security team",
            "title": "Security",
            "emailAddress": "security@example.com",
            "phoneNumber": "+15555550100",
        },
        "budget": {
            "budgetType": "COST",
            "timeUnit": "MONTHLY",
            "limitAmount": "100",
            "limitUnit": "USD",
            "notifications": [
                {
                    "notificationType": "ACTUAL",
                    "comparisonOperator": "GREATER_THAN",
                    "threshold": 80,
                    "thresholdType": "PERCENTAGE",
                    "subscriberSnsTopicArns": [f"arn:aws:sns:us-east-1:{ACCT}:budget"],
                },
                {
                    "notificationType": "FORECASTED",
                    "comparisonOperator": "GREATER_THAN",
                    "threshold": 100,
                    "thresholdType": "PERCENTAGE",
                    "subscriberSnsTopicArns": [f"arn:aws:sns:us-east-1:{ACCT}:budget"],
                },
            ],
        },
    }
    for name, extra in FEATURES.items():
        props[f"feature-{name}"] = {
            "detectorId": "det-1",
            "name": name,
            "status": "ENABLED",
            **({"additionalConfigurations": extra} if extra else {}),
        }
    return props


TYPES = {
    "trail-bucket": BUCKET,
    "trail-bucket-pab": BUCKET_PAB,
    "access-logs": BUCKET,
    "trail-bucket-logging": BUCKET_LOGGING,
    "trail": account.TRAIL,
    "config-role": account.SERVICE_LINKED_ROLE,
    "recorder": account.CONFIG_RECORDER,
    "delivery-channel": account.CONFIG_DELIVERY_CHANNEL,
    "recorder-status": account.CONFIG_RECORDER_STATUS,
    "detector": account.DETECTOR,
    "security-hub": account.SECURITY_HUB,
    "fsbp": account.STANDARDS_SUBSCRIPTION,
    "ebs-encryption": account.EBS_DEFAULT_ENCRYPTION,
    "vpc-bpa": account.VPC_BPA,
    "account-pab": account.ACCOUNT_PAB,
    "password-policy": account.PASSWORD_POLICY,
    "security-contact": account.ALTERNATE_CONTACT,
    "budget": account.BUDGET,
    **{f"feature-{n}": account.DETECTOR_FEATURE for n in FEATURES},
}
DEPS = {  # name -> {prop: [the names it comes from]}
    "trail-bucket-pab": {"bucket": ["trail-bucket"]},
    "trail-bucket-logging": {"bucket": ["trail-bucket"], "targetBucket": ["access-logs"]},
    "trail": {"s3BucketName": ["trail-bucket"]},
    "recorder": {"roleArn": ["config-role"]},
    "recorder-status": {"name": ["recorder"]},
    **{f"feature-{n}": {"detectorId": ["detector"]} for n in FEATURES},
}


def build(
    changes: dict[str, Any] | None = None,
    *,
    extra: list[PolicyResource] | None = None,
    deps: dict[str, dict[str, list[str]]] | None = None,
    root: bool = True,
) -> list[PolicyResource]:
    """The healthy baseline with `changes`: name -> props merged in, or None to drop the
    resource; `(type, props)` puts a resource of another type under that name; a `_deps` key
    rewires that resource's property dependencies."""
    props = healthy()
    types = dict(TYPES)
    for name, change in (changes or {}).items():
        if change is None:
            props[name] = None
        elif isinstance(change, tuple):
            types[name], props[name] = change
        else:
            change = dict(change)
            if "_deps" in change:  # rewire: {prop: [names]}
                deps = {**(deps or {}), name: {**DEPS.get(name, {}), **change.pop("_deps")}}
            props[name] = {**(props.get(name) or {}), **change}
    wiring = {**DEPS, **(deps or {})}
    built: dict[str, PolicyResource] = {}
    for name, p in props.items():  # dict order: every dependency comes before its dependents
        if p is None:
            continue
        links = {
            prop: [built[d] for d in sources if d in built] for prop, sources in wiring.get(name, {}).items()
        }
        built[name] = synthetic(
            types[name], name, copy.deepcopy(p), deps={k: v for k, v in links.items() if v}
        )
    out = list(built.values()) + list(extra or [])
    if root:
        out.insert(0, synthetic(account.STACK_TYPE, "groundwork-account", {}))
    return out


def fired(resources: list[PolicyResource], only: str | None = None) -> dict[str, list[str]]:
    """rule -> messages, over every account rule (resource rules run on each resource)."""
    out: dict[str, list[str]] = {}
    for rule in ACCOUNT_RULES:
        if only and rule.name != only:
            continue
        found: list[str] = []
        if isinstance(rule, StackRule):
            found = [m for _, m in validate_stack(rule, resources)]
        else:
            for r in resources:
                if r.resource_type in rule.types:
                    found += validate_resource(rule, r.resource_type, dict(r.props), name=r.name)
        if found:
            out[rule.name] = found
    return out


# --------------------------------------------------------------------------------------------
# the healthy baseline, and what isn't a baseline
# --------------------------------------------------------------------------------------------


def test_a_complete_baseline_passes_every_account_rule():
    assert fired(build()) == {}


def test_every_account_rule_names_its_control_and_is_mandatory_everywhere():
    import json

    from groundwork.check import POLICIES_DIR, effective_levels

    for env in ("dev", "prod"):
        levels = effective_levels(json.loads((POLICIES_DIR / "config" / f"{env}.json").read_text()))
        assert {levels[r.name] for r in ACCOUNT_RULES} == {"mandatory"}, env
    for rule in ACCOUNT_RULES:
        assert rule.description.startswith(f"[{rule.control}]") and rule.fix


def test_a_stack_without_account_resources_is_not_a_baseline():
    """An environment stack (no account-level singleton) is never asked for a trail, a detector..."""
    assert (
        fired([synthetic(account.STACK_TYPE, "env", {}), synthetic(BUCKET, "assets", {"bucket": "a"})]) == {}
    )
    # ...but a trail it does declare is still judged as a trail
    lone = synthetic(account.TRAIL, "data-trail", {"s3BucketName": "x"})
    assert set(fired([lone])) == {
        "cloudtrail-multi-region",
        "cloudtrail-encrypted",
        "cloudtrail-log-file-validation",
        "cloudtrail-cloudwatch-logs",
    }


def test_the_real_environment_stacks_fire_no_account_rule(prod, dev):
    for plan in (prod, dev):
        resources = stack_resources(plan.resources)
        assert not account.is_account_baseline(Stack(resources))
        assert fired(resources) == {}
    result = check_plan(prod)
    assert not [v for v in result.violations if RULES[v.policy].family == "account"]


def test_one_account_setting_makes_a_baseline_and_missing_pieces_are_reported_against_the_stack():
    pab = synthetic(account.ACCOUNT_PAB, "account-pab", ALL_ON)
    root = synthetic(account.STACK_TYPE, "groundwork-account", {})
    found = {
        rule.name: validate_stack(rule, [root, pab]) for rule in ACCOUNT_RULES if isinstance(rule, StackRule)
    }
    missing = {name for name, hits in found.items() if hits}
    assert missing == {
        "cloudtrail-multi-region",
        "config-recorder-enabled",
        "guardduty-enabled",
        "securityhub-fsbp-enabled",
        "ebs-encryption-by-default",
        "vpc-block-public-access",
        "iam-password-policy-strong",
        "account-security-contact",
        "budget-alerts",
    }
    for name in missing:
        [(urn, message)] = found[name]
        assert urn.endswith("::groundwork-account") and "this account baseline has no" in message
    # without the stack resource (a bare list), the first account resource carries it
    [(urn, _)] = validate_stack(RULES["guardduty-enabled"], [pab])
    assert urn.endswith("::account-pab")


# --------------------------------------------------------------------------------------------
# each control broken, the obvious way and the ways around it
# --------------------------------------------------------------------------------------------

SELECT_DATA_ONLY = [
    {
        "name": "s3-data",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        ],
    }
]
MGMT_READ_ONLY = [
    {
        "name": "reads",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Management"]},
            {"field": "readOnly", "equals": ["true"]},
        ],
    }
]
MGMT_NO_KMS = [
    {
        "name": "no-kms",
        "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Management"]},
            {"field": "eventSource", "notEquals": ["kms.amazonaws.com"]},
        ],
    }
]

FAILING: list[tuple[str, str, dict[str, Any], str]] = [
    # (id, rule, changes, fragment of the message)
    (
        "trail-single-region",
        "cloudtrail-multi-region",
        {"trail": {"isMultiRegionTrail": False}},
        "not a multi-Region trail",
    ),
    (
        "trail-not-logging",
        "cloudtrail-multi-region",
        {"trail": {"enableLogging": False}},
        "logging switched off",
    ),
    (
        "trail-no-global-events",
        "cloudtrail-multi-region",
        {"trail": {"includeGlobalServiceEvents": False}},
        "global service events",
    ),
    (
        "trail-write-only",
        "cloudtrail-multi-region",
        {"trail": {"eventSelectors": [{"readWriteType": "WriteOnly", "includeManagementEvents": True}]}},
        "does not record read management events",
    ),
    (
        "trail-no-management-events",
        "cloudtrail-multi-region",
        {
            "trail": {
                "eventSelectors": [
                    {
                        "readWriteType": "All",
                        "includeManagementEvents": False,
                        "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}],
                    }
                ]
            }
        },
        "does not record read or write management events",
    ),
    (
        "trail-excludes-kms",
        "cloudtrail-multi-region",
        {
            "trail": {
                "eventSelectors": [
                    {"readWriteType": "All", "excludeManagementEventSources": ["kms.amazonaws.com"]}
                ]
            }
        },
        "excludes management events from kms.amazonaws.com",
    ),
    (
        "trail-advanced-data-only",
        "cloudtrail-multi-region",
        {"trail": {"advancedEventSelectors": SELECT_DATA_ONLY}},
        "does not record read or write management events",
    ),
    (
        "trail-advanced-read-only",
        "cloudtrail-multi-region",
        {"trail": {"advancedEventSelectors": MGMT_READ_ONLY}},
        "does not record write management events",
    ),
    (
        "trail-advanced-narrowed",
        "cloudtrail-multi-region",
        {"trail": {"advancedEventSelectors": MGMT_NO_KMS}},
        "narrows management events by eventSource",
    ),
    ("trail-missing", "cloudtrail-multi-region", {"trail": None}, "no CloudTrail trail"),
    ("trail-no-kms", "cloudtrail-encrypted", {"trail": {"kmsKeyId": None}}, "without a KMS key"),
    ("trail-empty-kms", "cloudtrail-encrypted", {"trail": {"kmsKeyId": ""}}, "without a KMS key"),
    (
        "trail-no-validation",
        "cloudtrail-log-file-validation",
        {"trail": {"enableLogFileValidation": None}},
        "validation off",
    ),
    (
        "trail-validation-false-string",
        "cloudtrail-log-file-validation",
        {"trail": {"enableLogFileValidation": "false"}},
        "validation off",
    ),
    (
        "trail-no-cloudwatch",
        "cloudtrail-cloudwatch-logs",
        {"trail": {"cloudWatchLogsGroupArn": None}},
        "CloudWatch Logs",
    ),
    (
        "trail-cloudwatch-no-role",
        "cloudtrail-cloudwatch-logs",
        {"trail": {"cloudWatchLogsRoleArn": None}},
        "no role",
    ),
    (
        "trail-bucket-no-pab",
        "cloudtrail-bucket-not-public",
        {"trail-bucket-pab": None},
        "no public access block",
    ),
    (
        "trail-bucket-pab-one-off",
        "cloudtrail-bucket-not-public",
        {"trail-bucket-pab": {"restrictPublicBuckets": False}},
        "restrictPublicBuckets off",
    ),
    (
        "trail-bucket-no-logging",
        "cloudtrail-bucket-access-logging",
        {"trail-bucket-logging": None},
        "no server access logging",
    ),
    (
        "trail-bucket-logs-to-itself",
        "cloudtrail-bucket-access-logging",
        {
            "trail-bucket-logging": {
                "targetBucket": "acct-trail-logs",
                "_deps": {"targetBucket": ["trail-bucket"]},
            }
        },
        "into itself",
    ),
    (
        "recorder-custom-role",
        "config-recorder-enabled",
        {
            "config-role": (
                "aws:iam/role:Role",
                {"name": "config-recorder", "arn": f"arn:aws:iam::{ACCT}:role/cfg"},
            )
        },
        "not the AWS Config service-linked role",
    ),
    (
        "recorder-custom-role-arn",
        "config-recorder-enabled",
        {"config-role": None, "recorder": {"roleArn": f"arn:aws:iam::{ACCT}:role/my-config-role"}},
        "AWSServiceRoleForConfig",
    ),
    (
        "recorder-not-all-supported",
        "config-recorder-enabled",
        {
            "recorder": {
                "recordingGroup": {
                    "allSupported": False,
                    "includeGlobalResourceTypes": True,
                    "resourceTypes": ["AWS::S3::Bucket"],
                }
            }
        },
        "allSupported false",
    ),
    (
        "recorder-inclusion-strategy",
        "config-recorder-enabled",
        {
            "recorder": {
                "recordingGroup": {
                    "includeGlobalResourceTypes": True,
                    "recordingStrategies": [{"useOnly": "INCLUSION_BY_RESOURCE_TYPES"}],
                }
            }
        },
        "INCLUSION_BY_RESOURCE_TYPES",
    ),
    (
        "recorder-exclusions",
        "config-recorder-enabled",
        {
            "recorder": {
                "recordingGroup": {
                    "allSupported": False,
                    "includeGlobalResourceTypes": True,
                    "exclusionByResourceTypes": [{"resourceTypes": ["AWS::IAM::Role"]}],
                    "recordingStrategies": [{"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}],
                }
            }
        },
        "excludes AWS::IAM::Role",
    ),
    (
        "recorder-no-global",
        "config-recorder-enabled",
        {"recorder": {"recordingGroup": {"allSupported": True}}},
        "global resource types",
    ),
    ("recorder-stopped", "config-recorder-enabled", {"recorder-status": {"isEnabled": False}}, "is stopped"),
    ("recorder-never-started", "config-recorder-enabled", {"recorder-status": None}, "never started"),
    ("recorder-no-channel", "config-recorder-enabled", {"delivery-channel": None}, "no delivery channel"),
    (
        "recorder-missing",
        "config-recorder-enabled",
        {"recorder": None, "recorder-status": None, "delivery-channel": None},
        "no AWS Config recorder",
    ),
    ("detector-suspended", "guardduty-enabled", {"detector": {"enable": False}}, "suspended"),
    ("detector-suspended-string", "guardduty-enabled", {"detector": {"enable": "false"}}, "suspended"),
    (
        "detector-missing",
        "guardduty-enabled",
        {"detector": None, **{f"feature-{n}": None for n in FEATURES}},
        "no GuardDuty detector",
    ),
    (
        "s3-protection-disabled",
        "guardduty-s3-protection",
        {"feature-S3_DATA_EVENTS": {"status": "DISABLED"}},
        "S3_DATA_EVENTS DISABLED",
    ),
    (
        "s3-protection-absent",
        "guardduty-s3-protection",
        {"feature-S3_DATA_EVENTS": None},
        "no S3_DATA_EVENTS",
    ),
    (
        "s3-protection-old-block-off",
        "guardduty-s3-protection",
        {"feature-S3_DATA_EVENTS": None, "detector": {"datasources": {"s3Logs": {"enable": False}}}},
        "no S3_DATA_EVENTS",
    ),
    (
        "rds-protection-absent",
        "guardduty-rds-protection",
        {"feature-RDS_LOGIN_EVENTS": None},
        "RDS_LOGIN_EVENTS",
    ),
    (
        "lambda-protection-disabled",
        "guardduty-lambda-protection",
        {"feature-LAMBDA_NETWORK_LOGS": {"status": "DISABLED"}},
        "LAMBDA_NETWORK_LOGS DISABLED",
    ),
    (
        "runtime-monitoring-disabled",
        "guardduty-runtime-monitoring",
        {"feature-RUNTIME_MONITORING": {"status": "DISABLED"}},
        "RUNTIME_MONITORING DISABLED",
    ),
    (
        "ecs-agent-disabled",
        "guardduty-ecs-runtime-monitoring",
        {
            "feature-RUNTIME_MONITORING": {
                "additionalConfigurations": [{"name": "ECS_FARGATE_AGENT_MANAGEMENT", "status": "DISABLED"}]
            }
        },
        "ECS_FARGATE_AGENT_MANAGEMENT DISABLED",
    ),
    (
        "ecs-agent-absent",
        "guardduty-ecs-runtime-monitoring",
        {
            "feature-RUNTIME_MONITORING": {
                "additionalConfigurations": [{"name": "EC2_AGENT_MANAGEMENT", "status": "ENABLED"}]
            }
        },
        "without ECS_FARGATE_AGENT_MANAGEMENT",
    ),
    (
        "ecs-agent-on-but-runtime-off",
        "guardduty-ecs-runtime-monitoring",
        {"feature-RUNTIME_MONITORING": {"status": "DISABLED"}},
        "RUNTIME_MONITORING DISABLED",
    ),
    ("hub-missing", "securityhub-fsbp-enabled", {"security-hub": None, "fsbp": None}, "no Security Hub"),
    (
        "hub-cis-only",
        "securityhub-fsbp-enabled",
        {"fsbp": {"standardsArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0"}},
        "no FSBP standards subscription",
    ),
    (
        "hub-v2-only",
        "securityhub-fsbp-enabled",
        {"security-hub": ("aws:securityhub/accountV2:AccountV2", {}), "fsbp": None},
        "Security Hub CSPM",
    ),
    ("ebs-default-off", "ebs-encryption-by-default", {"ebs-encryption": {"enabled": False}}, "enabled false"),
    ("ebs-default-missing", "ebs-encryption-by-default", {"ebs-encryption": None}, "no EBS encryption"),
    ("vpc-bpa-off", "vpc-block-public-access", {"vpc-bpa": {"internetGatewayBlockMode": "off"}},
     "internetGatewayBlockMode 'off'"),
    ("vpc-bpa-unset", "vpc-block-public-access", {"vpc-bpa": {"internetGatewayBlockMode": None}},
     "internetGatewayBlockMode None"),
    ("vpc-bpa-case", "vpc-block-public-access", {"vpc-bpa": {"internetGatewayBlockMode": "BLOCK-INGRESS"}},
     "unblocked"),
    ("vpc-bpa-missing", "vpc-block-public-access", {"vpc-bpa": None}, "no VPC Block Public Access"),
    (
        "account-pab-one-off",
        "s3-account-public-access-block",
        {"account-pab": {"ignorePublicAcls": False}},
        "ignorePublicAcls off",
    ),
    (
        "account-pab-defaults",
        "s3-account-public-access-block",
        {
            "account-pab": (
                "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
                {"blockPublicAcls": True, "blockPublicPolicy": True},
            )
        },
        "ignorePublicAcls, restrictPublicBuckets off",
    ),
    ("account-pab-missing", "s3-account-public-access-block", {"account-pab": None}, "Block Public Access"),
    (
        "password-7",
        "iam-password-policy-strong",
        {"password-policy": {"minimumPasswordLength": 7}},
        "7 characters",
    ),
    (
        "password-default-length",
        "iam-password-policy-strong",
        {"password-policy": {"minimumPasswordLength": None}},
        "6 characters",
    ),
    (
        "password-no-symbols",
        "iam-password-policy-strong",
        {"password-policy": {"requireSymbols": False}},
        "requireSymbols",
    ),
    ("password-missing", "iam-password-policy-strong", {"password-policy": None}, "no IAM password policy"),
    (
        "password-13",
        "iam-password-policy-length",
        {"password-policy": {"minimumPasswordLength": 13}},
        "13 characters; at least 14",
    ),
    (
        "password-13-float",
        "iam-password-policy-length",
        {"password-policy": {"minimumPasswordLength": 13.0}},
        "13 characters",
    ),
    (
        "reuse-23",
        "iam-password-policy-reuse",
        {"password-policy": {"passwordReusePrevention": 23}},
        "after 23 others; 24 required",
    ),
    (
        "reuse-unset",
        "iam-password-policy-reuse",
        {"password-policy": {"passwordReusePrevention": None}},
        "reuse passwords",
    ),
    (
        "contact-billing",
        "account-security-contact",
        {"security-contact": {"alternateContactType": "BILLING"}},
        "no SECURITY alternate contact (only BILLING)",
    ),
    (
        "contact-missing",
        "account-security-contact",
        {"security-contact": None},
        "no SECURITY alternate contact",
    ),
    (
        "contact-no-phone",
        "account-security-contact",
        {"security-contact": {"phoneNumber": ""}},
        "phoneNumber",
    ),
    ("budget-missing", "budget-alerts", {"budget": None}, "no AWS budget"),
    (
        "budget-actual-only",
        "budget-alerts",
        {
            "budget": {
                "notifications": [
                    {
                        "notificationType": "ACTUAL",
                        "threshold": 80,
                        "subscriberSnsTopicArns": ["arn:aws:sns:x"],
                    }
                ]
            }
        },
        "no FORECASTED alert",
    ),
    (
        "budget-no-subscribers",
        "budget-alerts",
        {
            "budget": {
                "notifications": [
                    {
                        "notificationType": "ACTUAL",
                        "threshold": 80,
                        "subscriberSnsTopicArns": ["arn:aws:sns:x"],
                    },
                    {"notificationType": "FORECASTED", "threshold": 100, "subscriberSnsTopicArns": []},
                ]
            }
        },
        "no FORECASTED alert",
    ),
    ("budget-annual", "budget-alerts", {"budget": {"timeUnit": "ANNUALLY"}}, "not MONTHLY"),
]


@pytest.mark.parametrize(
    ("rule", "changes", "fragment"), [c[1:] for c in FAILING], ids=[c[0] for c in FAILING]
)
def test_breaking_a_control_fires_its_rule_and_only_it(rule, changes, fragment):
    found = fired(build(changes))
    assert rule in found, f"{rule} did not fire"
    assert any(fragment in m for m in found[rule]), found[rule]
    policy = RULES[rule]
    assert all(f"[{policy.control}]" in m and f"Fix: {policy.fix}" in m for m in found[rule])
    # only that rule (the ECS agent needs Runtime Monitoring on; under 8 characters is under 14)
    related = {
        "guardduty-runtime-monitoring": {"guardduty-ecs-runtime-monitoring"},
        "guardduty-ecs-runtime-monitoring": {"guardduty-runtime-monitoring"},
        "iam-password-policy-strong": {"iam-password-policy-length"},
    }
    assert set(found) - {rule} <= related.get(rule, set()), found


PASSING: list[tuple[str, dict[str, Any], list[PolicyResource]]] = [
    # (id, changes, extra resources): not violations, though they look like one
    ("org-trail-false", {"trail": {"isOrganizationTrail": False}}, []),
    (
        "split-read-and-write-selectors",
        {
            "trail": {
                "eventSelectors": [
                    {"readWriteType": "ReadOnly", "includeManagementEvents": True},
                    {"readWriteType": "WriteOnly", "includeManagementEvents": True},
                ]
            }
        },
        [],
    ),
    (
        "advanced-management-all",
        {
            "trail": {
                "advancedEventSelectors": [
                    {
                        "name": "all-management",
                        "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}],
                    },
                    *SELECT_DATA_ONLY,
                ]
            }
        },
        [],
    ),
    ("validation-true-string", {"trail": {"enableLogFileValidation": "true"}}, []),
    (
        "external-trail-bucket",
        {"trail-bucket": None, "trail-bucket-pab": None, "trail-bucket-logging": None},
        [],
    ),  # a log-archive account's bucket: not declared here, not judged here
    (
        "a-second-single-region-data-trail",
        {},
        [
            synthetic(
                account.TRAIL,
                "data-trail",
                {
                    "s3BucketName": "other",
                    "isMultiRegionTrail": False,
                    "enableLogFileValidation": True,
                    "kmsKeyId": "arn:aws:kms:k",
                    "cloudWatchLogsGroupArn": "arn:lg",
                    "cloudWatchLogsRoleArn": "arn:r",
                    "advancedEventSelectors": SELECT_DATA_ONLY,
                },
            )
        ],
    ),
    ("recorder-role-arn-string", {"config-role": None}, []),
    (
        "s3-protection-old-datasources-block",
        {"feature-S3_DATA_EVENTS": None, "detector": {"datasources": {"s3Logs": {"enable": True}}}},
        [],
    ),
    ("hub-default-standards", {"security-hub": {"enableDefaultStandards": None}, "fsbp": None}, []),
    ("ebs-enabled-by-default", {"ebs-encryption": {"enabled": None}}, []),
    ("password-longer", {"password-policy": {"minimumPasswordLength": 32}}, []),
    (
        "billing-contact-too",
        {},
        [
            synthetic(
                account.ALTERNATE_CONTACT,
                "billing-contact",
                {
                    "alternateContactType": "BILLING",
                    "name": "Finance",
                    "emailAddress": "f@example.com",
                    "phoneNumber": "+1",
                    "title": "Finance",
                },
            )
        ],
    ),
    (
        "budget-email-subscribers",
        {
            "budget": {
                "notifications": [
                    {
                        "notificationType": "ACTUAL",
                        "threshold": 80,
                        "subscriberEmailAddresses": ["a@example.com"],
                    },
                    {
                        "notificationType": "FORECASTED",
                        "threshold": 100,
                        "subscriberEmailAddresses": ["a@example.com"],
                    },
                ]
            }
        },
        [],
    ),
    (
        "a-second-service-budget",
        {},
        [
            synthetic(
                account.BUDGET,
                "ec2-budget",
                {"budgetType": "USAGE", "timeUnit": "DAILY", "notifications": []},
            )
        ],
    ),
]


@pytest.mark.parametrize(("changes", "extra"), [c[1:] for c in PASSING], ids=[c[0] for c in PASSING])
def test_what_looks_like_a_violation_but_is_not(changes, extra):
    assert fired(build(changes, extra=extra)) == {}


def test_rule_thresholds_come_from_the_policy_config():
    length, reuse = RULES["iam-password-policy-length"], RULES["iam-password-policy-reuse"]
    assert isinstance(length, ResourceRule) and isinstance(reuse, ResourceRule)
    props = {"minimumPasswordLength": 12, "passwordReusePrevention": 5}
    assert validate_resource(length, account.PASSWORD_POLICY, props, config={"minimumLength": 12}) == []
    assert validate_resource(length, account.PASSWORD_POLICY, props) != []
    assert validate_resource(reuse, account.PASSWORD_POLICY, props, config={"minimumRemembered": 5}) == []
    assert length.defaults == {"minimumLength": 14} and reuse.defaults == {"minimumRemembered": 24}


COVERED_RULES = {r.name for r in ACCOUNT_RULES}
"""Every account rule: the healthy baseline is each one's passing case, FAILING its failing ones."""


def test_every_account_rule_has_a_failing_case():
    assert {c[1] for c in FAILING} == COVERED_RULES
