"""`groundwork verify account` against a fake AWS account in moto: a healthy baseline passes every
check, and each control switched off fails its own check and nothing else.

What moto (5.2) models and what it doesn't, and how it's handled:
- CloudTrail (trails, status, event selectors), AWS Config (recorder, status, delivery channel),
  GuardDuty (detector status; `Features` are stored and echoed back as given, not validated),
  EC2 EBS default encryption, S3 Control account Block Public Access, the IAM password policy,
  Account alternate contacts and Budgets (budgets and their notifications): real moto calls.
- Security Hub: moto has `describe_hub` but no `get_enabled_standards`, so the securityhub client
  is a `botocore.stub.Stubber` in every test that runs that check (the CLI tests skip it).
- VPC Block Public Access: moto has no model of it; that one EC2 call is a Stubber (the other
  EC2 calls go to moto), and the CLI tests skip the check.
- Budgets: moto has no `describe_subscribers_for_notification`; the check doesn't call it (AWS
  refuses a notification without subscribers, so a notification is enough).
- Errors that mean "can't look" (AccessDenied) are stubbed: they give UNKNOWN, which exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner

from groundwork import verify
from groundwork.cli import app
from groundwork.stacks.account import ACCOUNT_PROJECT_DIR, account_from_file, load_account

REGION = "us-east-1"
ACCT = "123456789012"  # moto's account
FSBP = f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0"
CONFIG_ROLE = f"arn:aws:iam::{ACCT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
TRAIL = "groundwork-main-trail"
FEATURES = [
    {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
    {"Name": "RDS_LOGIN_EVENTS", "Status": "ENABLED"},
    {"Name": "LAMBDA_NETWORK_LOGS", "Status": "ENABLED"},
    {
        "Name": "RUNTIME_MONITORING",
        "Status": "ENABLED",
        "AdditionalConfiguration": [
            {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "ENABLED"},
            {"Name": "EC2_AGENT_MANAGEMENT", "Status": "DISABLED"},
        ],
    },
]
PASSWORD = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "MaxPasswordAge": 90,
    "PasswordReusePrevention": 24,
}
ALL_ON = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


_CLIENTS: dict[str, Any] = {}


def c(name: str) -> Any:
    """One client per service for the module (creating one costs more than most moto calls; moto
    intercepts every client while a mock is active, whenever it was created)."""
    if name not in _CLIENTS:
        _CLIENTS[name] = boto3.client(name, region_name=REGION)
    return _CLIENTS[name]


@pytest.fixture
def aws(monkeypatch) -> Iterator[None]:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # 6 s per test otherwise; no AMI is used
    with mock_aws():
        yield


def budget_notification(kind: str, threshold: float) -> dict[str, Any]:
    return {
        "Notification": {
            "NotificationType": kind,
            "ComparisonOperator": "GREATER_THAN",
            "Threshold": threshold,
            "ThresholdType": "PERCENTAGE",
        },
        "Subscribers": [
            {"SubscriptionType": "SNS", "Address": f"arn:aws:sns:{REGION}:{ACCT}:groundwork-main-budget"}
        ],
    }


def healthy_account() -> dict[str, str]:
    """What the account program (every piece on) leaves behind; returns a few ids."""
    c("s3").create_bucket(Bucket="groundwork-main-trail-logs")
    c("s3").create_bucket(Bucket="groundwork-main-config-logs")
    key = c("kms").create_key()["KeyMetadata"]["Arn"]
    ct = c("cloudtrail")
    ct.create_trail(
        Name=TRAIL,
        S3BucketName="groundwork-main-trail-logs",
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key,
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCT}:log-group:/aws/cloudtrail:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{ACCT}:role/trail-to-logs",
    )
    ct.start_logging(Name=TRAIL)
    ct.put_event_selectors(
        TrailName=TRAIL, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    )

    cfg = c("config")
    cfg.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": CONFIG_ROLE,
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    cfg.put_delivery_channel(
        DeliveryChannel={"name": "default", "s3BucketName": "groundwork-main-config-logs"}
    )
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")

    detector = c("guardduty").create_detector(
        Enable=True, FindingPublishingFrequency="FIFTEEN_MINUTES", Features=FEATURES
    )["DetectorId"]
    c("ec2").enable_ebs_encryption_by_default()
    c("s3control").put_public_access_block(AccountId=ACCT, PublicAccessBlockConfiguration=ALL_ON)
    c("iam").update_account_password_policy(**{k: v for k, v in PASSWORD.items()})
    c("account").put_alternate_contact(
        AlternateContactType="SECURITY",
        Name="Security team",
        Title="Security",
        EmailAddress="security@example.com",
        PhoneNumber="+15555550100",
    )
    c("budgets").create_budget(
        AccountId=ACCT,
        Budget={
            "BudgetName": "groundwork-main-monthly",
            "BudgetLimit": {"Amount": "500", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        NotificationsWithSubscribers=[
            budget_notification("ACTUAL", 80),
            budget_notification("FORECASTED", 100),
        ],
    )
    return {"detector": detector, "key": key}


def securityhub_stub(*, enabled: bool = True, standards: list[dict[str, Any]] | None = None) -> Any:
    """A securityhub client answering describe_hub and get_enabled_standards (moto has no standards)."""
    client = boto3.client("securityhub", region_name=REGION)
    stub = Stubber(client)
    if not enabled:
        stub.add_client_error(
            "describe_hub", "InvalidAccessException", "Account is not subscribed to AWS Security Hub"
        )
    else:
        stub.add_response(
            "describe_hub",
            {
                "HubArn": f"arn:aws:securityhub:{REGION}:{ACCT}:hub/default",
                "SubscribedAt": "2026-01-01T00:00:00.000Z",
            },
        )
        if standards is None:
            standards = [
                {
                    "StandardsSubscriptionArn": f"arn:aws:securityhub:{REGION}:{ACCT}:subscription/"
                    "aws-foundational-security-best-practices/v/1.0.0",
                    "StandardsArn": FSBP,
                    "StandardsInput": {},
                    "StandardsStatus": "READY",
                }
            ]
        stub.add_response("get_enabled_standards", {"StandardsSubscriptions": standards})
    stub.activate()
    return client


class _Ec2WithBlockPublicAccess:
    """moto's EC2 client, plus VPC Block Public Access, which moto doesn't model: that one call
    is answered by a Stubber (so the answer is checked against botocore's model of the API)."""

    def __init__(self, mode: str):
        self._bpa = boto3.client("ec2", region_name=REGION)
        stub = Stubber(self._bpa)
        stub.add_response("describe_vpc_block_public_access_options", {
            "VpcBlockPublicAccessOptions": {"AwsRegion": REGION, "InternetGatewayBlockMode": mode,
                                            "State": "update-complete"}}, {})
        stub.activate()

    def describe_vpc_block_public_access_options(self, **kwargs: Any) -> Any:
        return self._bpa.describe_vpc_block_public_access_options(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(c("ec2"), name)


def ec2_with_bpa(mode: str = "block-ingress") -> Any:
    return _Ec2WithBlockPublicAccess(mode)


def clients(overrides: dict[str, Any] | None = None) -> Callable[[str], Any]:
    found = {"securityhub": securityhub_stub(), "ec2": ec2_with_bpa(), **(overrides or {})}

    def factory(name: str) -> Any:
        return found[name] if name in found else c(name)

    return factory


def run(
    expect: verify.AccountExpectations | None = None, **overrides: Any
) -> dict[str, verify.AccountResult]:
    verifier = verify.AccountVerifier(
        expect or verify.AccountExpectations(region=REGION), clients=clients(overrides)
    )
    return {r.check: r for r in verifier.run()}


def not_passing(results: dict[str, verify.AccountResult]) -> dict[str, tuple[str, str]]:
    return {k: (r.status, r.detail) for k, r in results.items() if r.status != "PASS"}


# --------------------------------------------------------------------------------------------
# healthy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "status"), [("block-ingress", "PASS"), ("block-bidirectional", "PASS"),
                                            ("off", "FAIL")])
def test_vpc_block_public_access_must_block_internet_gateway_traffic(aws, mode, status):
    healthy_account()
    results = run(ec2=ec2_with_bpa(mode))
    assert results["vpc_block_public_access"].status == status
    assert not_passing(results) == ({} if status == "PASS" else {
        "vpc_block_public_access": ("FAIL", "VPC Block Public Access is off")})


def test_a_healthy_account_passes_every_check(aws):
    ids = healthy_account()
    results = run()
    assert list(results) == list(verify.ACCOUNT_CHECKS)
    assert not_passing(results) == {}
    assert results["cloudtrail"].target.endswith(f":trail/{TRAIL}")
    assert results["guardduty"].target == ids["detector"]
    assert results["budget"].target == "groundwork-main-monthly"
    assert results["securityhub"].detail == "enabled, FSBP standard READY"


# --------------------------------------------------------------------------------------------
# each control switched off fails that check alone
# --------------------------------------------------------------------------------------------


def _selectors(selectors: list[dict[str, Any]], advanced: bool = False) -> Callable[[], None]:
    key = "AdvancedEventSelectors" if advanced else "EventSelectors"
    return lambda: c("cloudtrail").put_event_selectors(TrailName=TRAIL, **{key: selectors})


def _features(features: list[dict[str, Any]]) -> Callable[[], None]:
    def change() -> None:
        gd = c("guardduty")
        gd.update_detector(DetectorId=gd.list_detectors()["DetectorIds"][0], Features=features)

    return change


def _password(**changes: Any) -> Callable[[], None]:
    return lambda: c("iam").update_account_password_policy(**{**PASSWORD, **changes})


def _delete_guardduty() -> None:
    gd = c("guardduty")
    gd.delete_detector(DetectorId=gd.list_detectors()["DetectorIds"][0])


def _replace_budget(notifications: list[dict[str, Any]], time_unit: str = "MONTHLY") -> Callable[[], None]:
    def change() -> None:
        b = c("budgets")
        b.delete_budget(AccountId=ACCT, BudgetName="groundwork-main-monthly")
        b.create_budget(
            AccountId=ACCT,
            Budget={
                "BudgetName": "groundwork-main-monthly",
                "BudgetLimit": {"Amount": "500", "Unit": "USD"},
                "TimeUnit": time_unit,
                "BudgetType": "COST",
            },
            NotificationsWithSubscribers=notifications,
        )

    return change


MOTO_FAULTS: list[tuple[str, str, Callable[[], None], str]] = [
    ("trail-stopped", "cloudtrail", lambda: c("cloudtrail").stop_logging(Name=TRAIL), "not logging"),
    (
        "trail-single-region",
        "cloudtrail",
        lambda: c("cloudtrail").update_trail(Name=TRAIL, IsMultiRegionTrail=False),
        "not multi-Region",
    ),
    (
        "trail-no-validation",
        "cloudtrail",
        lambda: c("cloudtrail").update_trail(Name=TRAIL, EnableLogFileValidation=False),
        "validation off",
    ),
    (
        "trail-write-only",
        "cloudtrail",
        _selectors([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}]),
        "no read management events",
    ),
    (
        "trail-no-management",
        "cloudtrail",
        _selectors([{"ReadWriteType": "All", "IncludeManagementEvents": False}]),
        "no read/write management events",
    ),
    (
        "trail-excludes-kms",
        "cloudtrail",
        _selectors(
            [
                {
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "ExcludeManagementEventSources": ["kms.amazonaws.com"],
                }
            ]
        ),
        "excludes kms.amazonaws.com",
    ),
    (
        "trail-advanced-data-only",
        "cloudtrail",
        _selectors(
            [
                {
                    "Name": "data",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    ],
                }
            ],
            advanced=True,
        ),
        "no read/write management events",
    ),
    ("trail-deleted", "cloudtrail", lambda: c("cloudtrail").delete_trail(Name=TRAIL), "no trail"),
    (
        "config-stopped",
        "config",
        lambda: c("config").stop_configuration_recorder(ConfigurationRecorderName="default"),
        "not recording",
    ),
    (
        "config-custom-role",
        "config",
        lambda: c("config").put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCT}:role/my-config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        ),
        "not the service-linked role",
    ),
    (
        "config-no-global",
        "config",
        lambda: c("config").put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": CONFIG_ROLE,
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": False},
            }
        ),
        "global resource types",
    ),
    (
        "config-deleted",
        "config",
        lambda: (
            c("config").stop_configuration_recorder(ConfigurationRecorderName="default"),
            c("config").delete_delivery_channel(DeliveryChannelName="default"),
            c("config").delete_configuration_recorder(ConfigurationRecorderName="default"),
        ),
        "no configuration recorder",
    ),
    (
        "guardduty-suspended",
        "guardduty",
        lambda: c("guardduty").update_detector(
            DetectorId=c("guardduty").list_detectors()["DetectorIds"][0], Enable=False
        ),
        "detector DISABLED",
    ),
    (
        "guardduty-s3-disabled",
        "guardduty",
        _features([{**f, "Status": "DISABLED"} if f["Name"] == "S3_DATA_EVENTS" else f for f in FEATURES]),
        "S3_DATA_EVENTS DISABLED",
    ),
    (
        "guardduty-ecs-agent-off",
        "guardduty",
        _features(
            [
                *FEATURES[:3],
                {
                    "Name": "RUNTIME_MONITORING",
                    "Status": "ENABLED",
                    "AdditionalConfiguration": [
                        {"Name": "ECS_FARGATE_AGENT_MANAGEMENT", "Status": "DISABLED"}
                    ],
                },
            ]
        ),
        "ECS_FARGATE_AGENT_MANAGEMENT DISABLED",
    ),
    (
        "guardduty-rds-missing",
        "guardduty",
        _features([f for f in FEATURES if f["Name"] != "RDS_LOGIN_EVENTS"]),
        "RDS_LOGIN_EVENTS not configured",
    ),
    ("guardduty-deleted", "guardduty", _delete_guardduty, "no GuardDuty detector"),
    ("ebs-default-off", "ebs_encryption", lambda: c("ec2").disable_ebs_encryption_by_default(), "off"),
    (
        "pab-one-off",
        "s3_public_access_block",
        lambda: c("s3control").put_public_access_block(
            AccountId=ACCT, PublicAccessBlockConfiguration={**ALL_ON, "RestrictPublicBuckets": False}
        ),
        "RestrictPublicBuckets off",
    ),
    (
        "pab-deleted",
        "s3_public_access_block",
        lambda: c("s3control").delete_public_access_block(AccountId=ACCT),
        "no account-level Block Public Access",
    ),
    ("password-13", "password_policy", _password(MinimumPasswordLength=13), "minimum length 13 < 14"),
    (
        "password-reuse-23",
        "password_policy",
        _password(PasswordReusePrevention=23),
        "reuse prevention 23 < 24",
    ),
    ("password-no-symbols", "password_policy", _password(RequireSymbols=False), "RequireSymbols off"),
    (
        "password-deleted",
        "password_policy",
        lambda: c("iam").delete_account_password_policy(),
        "no password policy",
    ),
    (
        "contact-deleted",
        "security_contact",
        lambda: c("account").delete_alternate_contact(AlternateContactType="SECURITY"),
        "no alternate SECURITY contact",
    ),
    (
        "contact-billing-instead",
        "security_contact",
        lambda: (
            c("account").delete_alternate_contact(AlternateContactType="SECURITY"),
            c("account").put_alternate_contact(
                AlternateContactType="BILLING",
                Name="Finance",
                Title="Finance",
                EmailAddress="f@example.com",
                PhoneNumber="+1",
            ),
        ),
        "no alternate SECURITY contact",
    ),
    (
        "budget-deleted",
        "budget",
        lambda: c("budgets").delete_budget(AccountId=ACCT, BudgetName="groundwork-main-monthly"),
        "no monthly cost budget",
    ),
    (
        "budget-actual-only",
        "budget",
        _replace_budget([budget_notification("ACTUAL", 80)]),
        "no FORECASTED alert",
    ),
    (
        "budget-annual",
        "budget",
        _replace_budget(
            [budget_notification("ACTUAL", 80), budget_notification("FORECASTED", 100)], "ANNUALLY"
        ),
        "no monthly cost budget",
    ),
]


@pytest.mark.parametrize(
    ("check", "fault", "fragment"), [m[1:] for m in MOTO_FAULTS], ids=[m[0] for m in MOTO_FAULTS]
)
def test_each_control_switched_off_fails_that_check_alone(aws, check, fault, fragment):
    healthy_account()
    fault()
    failing = not_passing(run())
    assert list(failing) == [check], failing
    status, detail = failing[check]
    assert status == "FAIL" and fragment in detail, detail


@pytest.mark.parametrize(
    ("case", "stub", "fragment"),
    [
        ("not-enabled", lambda: securityhub_stub(enabled=False), "Security Hub is not enabled"),
        (
            "no-fsbp",
            lambda: securityhub_stub(
                standards=[
                    {
                        "StandardsSubscriptionArn": "arn:sub",
                        "StandardsInput": {},
                        "StandardsStatus": "READY",
                        "StandardsArn": "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
                    }
                ]
            ),
            "FSBP standard not enabled",
        ),
        (
            "fsbp-incomplete",
            lambda: securityhub_stub(
                standards=[
                    {
                        "StandardsSubscriptionArn": "arn:sub",
                        "StandardsInput": {},
                        "StandardsStatus": "INCOMPLETE",
                        "StandardsArn": FSBP,
                    }
                ]
            ),
            "FSBP standard INCOMPLETE",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and not v.startswith(("FSBP", "Security")) else None,
)
def test_security_hub_off_or_without_fsbp_fails_securityhub_alone(aws, case, stub, fragment):
    """Stubbed: moto has no Security Hub standards API (see the module docstring)."""
    healthy_account()
    client = stub()
    assert not_passing(run(securityhub=client)) == {"securityhub": ("FAIL", fragment)}


def test_an_access_error_is_unknown_not_pass_or_fail(aws):
    healthy_account()
    iam = boto3.client("iam", region_name=REGION)
    stub = Stubber(iam)
    stub.add_client_error("get_account_password_policy", "AccessDenied", "not authorized")
    with stub:
        results = run(iam=iam)
    assert not_passing(results) == {
        "password_policy": (
            "UNKNOWN",
            "can't tell: get_account_password_policy: AccessDenied: not authorized",
        )
    }
    assert verify.account_failures(results.values()) == [results["password_policy"]]


def test_an_empty_account_fails_every_check(aws):
    results = run(securityhub=securityhub_stub(enabled=False), ec2=ec2_with_bpa("off"))
    assert {k: r.status for k, r in results.items()} == dict.fromkeys(verify.ACCOUNT_CHECKS, "FAIL")


# --------------------------------------------------------------------------------------------
# skipping what Organizations or Control Tower provides
# --------------------------------------------------------------------------------------------


def test_skip_names_are_checks_or_account_program_sections():
    assert verify.resolve_skips(["guardduty,securityhub", "audit-trail"]) == {
        "guardduty",
        "securityhub",
        "cloudtrail",
    }
    assert verify.resolve_skips(["account_settings"]) == {
        "ebs_encryption",
        "s3_public_access_block",
        "vpc_block_public_access",
        "password_policy",
        "security_contact",
    }
    with pytest.raises(ValueError, match="--skip gaurdduty: unknown"):
        verify.resolve_skips(["gaurdduty"])


def test_skipped_checks_are_not_run_even_when_the_service_is_off(aws):
    healthy_account()
    _delete_guardduty()
    expect = verify.AccountExpectations(region=REGION).skipping(["guardduty", "securityhub"], "--skip")
    ec2 = ec2_with_bpa()
    # no securityhub stub needed: it is skipped
    verifier = verify.AccountVerifier(expect, clients=lambda name: ec2 if name == "ec2" else c(name))
    results = {r.check: r for r in verifier.run()}
    assert not_passing(results) == {
        "guardduty": ("SKIP", "SKIP: --skip"),
        "securityhub": ("SKIP", "SKIP: --skip"),
    }
    assert not verify.account_failures(results.values())


def test_the_account_programs_config_decides_what_is_expected(aws):
    """A Control Tower account: CloudTrail and Config come from the organization, GuardDuty has
    RDS protection off; the password policy asks for 16 characters."""
    config = load_account(
        {
            "tags": {"Owner": "platform"},
            "audit_trail": {"enabled": False},
            "config_recorder": {"enabled": False},
            "threat_detection": {"rds_login_events": False},
            "account_settings": {
                "password_policy": {"minimum_length": 16},
                "security_contact": {
                    "name": "Sec",
                    "title": "Sec",
                    "email": "s@example.com",
                    "phone": "+1 555 0100",
                },
            },
        },
        stack="main",
        region=REGION,
    )
    expect = verify.AccountExpectations.from_config(config)
    assert set(expect.skip) == {"cloudtrail", "config"}
    assert ("RDS_LOGIN_EVENTS", None) not in expect.guardduty_features
    assert ("RUNTIME_MONITORING", "ECS_FARGATE_AGENT_MANAGEMENT") in expect.guardduty_features
    healthy_account()
    c("cloudtrail").delete_trail(Name=TRAIL)
    _features([f for f in FEATURES if f["Name"] != "RDS_LOGIN_EVENTS"])()
    results = run(expect)
    assert {k: r.status for k, r in results.items() if r.status != "PASS"} == {
        "cloudtrail": "SKIP",
        "config": "SKIP",
        "password_policy": "FAIL",
    }
    assert "minimum length 14 < 16" in results["password_policy"].detail


def test_the_repositorys_account_program_expects_every_piece():
    expect = verify.AccountExpectations.from_config(account_from_file("main", ACCOUNT_PROJECT_DIR))
    assert expect.skip == {} and expect.region == REGION
    assert expect.trail_cloudwatch_logs and expect.password_min_length == 14 and expect.password_reuse == 24
    assert set(expect.guardduty_features) >= {
        ("S3_DATA_EVENTS", None),
        ("RUNTIME_MONITORING", None),
        ("RUNTIME_MONITORING", "ECS_FARGATE_AGENT_MANAGEMENT"),
    }


# --------------------------------------------------------------------------------------------
# the CLI: exit codes and JSON (in-process)
# --------------------------------------------------------------------------------------------


def test_cli_exit_codes_json_and_skip(aws, tmp_path: Path):
    healthy_account()
    runner = CliRunner()
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    out = tmp_path / "verify.json"
    base = [
        "verify",
        "account",
        "--no-account-config",
        "--region",
        REGION,
        "--skip",
        "securityhub,vpc_block_public_access",
        "--json",
        str(out),
    ]
    ok = runner.invoke(app, base, env=env)
    assert ok.exit_code == 0, ok.output
    assert "PASSED" in ok.output
    report = json.loads(out.read_text())
    assert report["passed"] is True and report["region"] == REGION and report["stack"] == "account"
    assert [r["check"] for r in report["results"]] == list(verify.ACCOUNT_CHECKS)
    assert {r["status"] for r in report["results"]} == {"PASS", "SKIP"}
    assert set(report["results"][0]) == {"check", "target", "status", "detail"}

    c("ec2").disable_ebs_encryption_by_default()
    bad = runner.invoke(app, base, env=env)
    assert bad.exit_code == 1 and "FAILED: ebs_encryption" in bad.output, bad.output
    assert json.loads(out.read_text())["passed"] is False

    skipped = runner.invoke(app, [*base, "--skip", "ebs_encryption"], env=env)
    assert skipped.exit_code == 0, skipped.output

    unknown = runner.invoke(app, [*base, "--skip", "nope"], env=env)
    assert unknown.exit_code == 2 and "--skip nope: unknown" in unknown.output


def test_cli_reads_the_account_programs_config_by_default(aws, tmp_path: Path, monkeypatch):
    """The repository's account/Pulumi.main.yaml turns every piece on: an empty account fails.
    Which file is read, and that its sections decide what is expected, are shown apart: every
    piece on is also what `--no-account-config` expects."""
    import yaml

    from groundwork.stacks import account as account_module

    read: list[tuple[str, Path]] = []
    real = account_module.account_from_file

    def spy(stack: str, project_dir: Path = ACCOUNT_PROJECT_DIR) -> Any:
        read.append((stack, project_dir))
        return real(stack, project_dir)

    monkeypatch.setattr(account_module, "account_from_file", spy)
    env = {"COLUMNS": "200", "NO_COLOR": "1"}
    result = CliRunner().invoke(
        app, ["verify", "account", "--skip", "securityhub,vpc_block_public_access", "--json",
              str(tmp_path / "v.json")], env=env
    )
    assert result.exit_code == 1, result.output
    assert read == [("main", ACCOUNT_PROJECT_DIR)]
    statuses = {r["check"]: r["status"] for r in json.loads((tmp_path / "v.json").read_text())["results"]}
    assert statuses["securityhub"] == "SKIP" and statuses["cloudtrail"] == "FAIL"
    # an account whose organization provides the trail and GuardDuty: its stack file says so
    project = tmp_path / "account"
    project.mkdir()
    (project / "Pulumi.yaml").write_text((ACCOUNT_PROJECT_DIR / "Pulumi.yaml").read_text())
    stack_file = yaml.safe_load((ACCOUNT_PROJECT_DIR / "Pulumi.main.yaml").read_text())
    stack_file["config"]["groundwork-account:audit_trail"] = {"enabled": False}
    stack_file["config"]["groundwork-account:threat_detection"] = {"enabled": False}
    (project / "Pulumi.org.yaml").write_text(yaml.safe_dump(stack_file))
    result = CliRunner().invoke(
        app,
        ["verify", "account", "--project-dir", str(project), "--account-stack", "org",
         "--skip", "securityhub,vpc_block_public_access", "--json", str(tmp_path / "org.json")],
        env=env,
    )
    assert result.exit_code == 1, result.output
    assert read[-1] == ("org", project.resolve())
    statuses = {r["check"]: r["status"] for r in json.loads((tmp_path / "org.json").read_text())["results"]}
    assert {k for k, v in statuses.items() if v == "SKIP"} == {"cloudtrail", "guardduty", "securityhub",
                                                              "vpc_block_public_access"}
    assert statuses["config"] == "FAIL"
    missing = CliRunner().invoke(app, ["verify", "account", "--account-stack", "nope"])
    assert missing.exit_code == 2
