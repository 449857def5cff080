"""The account baseline (components/account/) and the account program (account/): planned
offline once, then read. Each test names the AWS behaviour it guards."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from groundwork.engine import ACCOUNT_ID, ProgramError
from groundwork.stacks.account import ACCOUNT_PROJECT_DIR, load_account
from groundwork.stacks.config import ConfigError
from groundwork.testing import PlanResult, ResourceRecord, plan_function, plan_stack

REGION = "us-east-1"
CONTACT = {"name": "Security team", "title": "Security", "email": "security@example.com",
           "phone": "+1 555 0100"}
BUCKET = "aws:s3/bucket:Bucket"


# `account`: the session fixture of tests/conftest.py (account/ with its Pulumi.main.yaml, as
# `groundwork plan --project-dir account main` runs it)


PIECE_TYPES = {
    "audit_trail": "aws:cloudtrail/trail:Trail",
    "config_recorder": "aws:cfg/recorder:Recorder",
    "threat_detection": "aws:guardduty/detector:Detector",
    "security_hub": "aws:securityhub/account:Account",
    "account_settings": "aws:iam/accountPasswordPolicy:AccountPasswordPolicy",
    "budget": "aws:budgets/budget:Budget",
}


@pytest.fixture(scope="module")
def switched() -> PlanResult:
    """One program, seven baselines: `full` with every piece, and `no-<piece>` without one each
    (so it also proves that several baselines in one program don't collide)."""
    from groundwork.components import AccountBaseline, AccountBaselineArgs

    def body() -> None:
        settings = {"security_contact": CONTACT}
        AccountBaseline("full", AccountBaselineArgs(account_settings=settings))
        for piece in PIECE_TYPES:
            # Config's service-linked role exists once per account: only `full` creates it
            # (the engine reports a second one as a name clash, as AWS would refuse it).
            AccountBaseline(f"no-{piece.replace('_', '-')}", AccountBaselineArgs(
                account_settings=settings, config_recorder={"create_service_linked_role": False},
                **{f"{piece}_enabled": False}))

    return plan_function(body, project="groundwork-account", stack="main")


def doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    found = [s for s in document["Statement"] if s.get("Sid") == sid]
    assert len(found) == 1, f"no single statement {sid}: {[s.get('Sid') for s in document['Statement']]}"
    return found[0]


def trail_bucket(plan: PlanResult) -> ResourceRecord:
    return plan.one(BUCKET, "baseline-trail-bucket")


def referring(plan: PlanResult, type_: str, bucket: ResourceRecord) -> list[ResourceRecord]:
    return [r for r in plan.of_type(type_) if r.inputs.get("bucket") == bucket.outputs["bucket"]]


# --- CloudTrail --------------------------------------------------------------------------------


def test_trail_is_multi_region_validated_and_encrypted_with_its_key(account):
    trail = account.one("cloudtrail.Trail")
    key = account.one("kms.Key", "baseline-trail-key")
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs["kmsKeyId"] == key.outputs["arn"]
    assert trail.inputs["s3BucketName"] == trail_bucket(account).outputs["bucket"]
    assert trail.inputs["cloudWatchLogsGroupArn"].endswith(":*")


def test_trail_waits_for_the_bucket_policy_and_the_key(account):
    """CreateTrail checks the bucket policy (InsufficientS3BucketPolicyException) and the key."""
    trail = account.one("cloudtrail.Trail")
    policy = account.one("s3.BucketPolicy", "baseline-trail-bucket-policy")
    key = account.one("kms.Key", "baseline-trail-key")
    assert {policy.urn, key.urn} <= set(trail.depends_on)


def test_trail_key_lets_cloudtrail_encrypt_for_this_trail_only(account):
    trail = account.one("cloudtrail.Trail")
    arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/{trail.inputs['name']}"
    policy = doc(account.one("kms.Key", "baseline-trail-key"))
    encrypt = statement(policy, "AllowCloudTrailEncryptLogs")
    assert encrypt["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": arn}
    assert encrypt["Condition"]["StringLike"] == {
        "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{ACCOUNT_ID}:trail/*"}
    decrypt = statement(policy, "AllowAccountDecryptLogs")
    assert decrypt["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}
    assert decrypt["Condition"]["StringEquals"] == {"kms:CallerAccount": ACCOUNT_ID}
    # the trail's log group is encrypted with it, so CloudWatch Logs is named too
    logs = statement(policy, "CloudWatchLogsUseKey")
    assert logs["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    assert account.one("kms.Key", "baseline-trail-key").inputs["enableKeyRotation"] is True


def test_trail_bucket_has_object_lock_versioning_and_sse_kms(account):
    bucket = trail_bucket(account)
    assert bucket.inputs["objectLockEnabled"] is True
    assert bucket.protect
    (lock,) = referring(account, "s3.BucketObjectLockConfiguration", bucket)
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "GOVERNANCE", "days": 365}
    (versioning,) = referring(account, "s3.BucketVersioning", bucket)
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (sse,) = referring(account, "s3.BucketServerSideEncryptionConfiguration", bucket)
    default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms"
    assert default["kmsMasterKeyId"] == account.one("kms.Key", "baseline-trail-key").outputs["arn"]
    (owner,) = referring(account, "s3.BucketOwnershipControls", bucket)
    assert owner.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    (pab,) = referring(account, "s3.BucketPublicAccessBlock", bucket)
    assert all(pab.inputs[f] is True for f in ("blockPublicAcls", "blockPublicPolicy",
                                               "ignorePublicAcls", "restrictPublicBuckets"))


def test_trail_bucket_policy_is_tls_only_and_lets_this_trail_write(account):
    bucket = trail_bucket(account)
    arn = bucket.outputs["arn"]
    trail = account.one("cloudtrail.Trail")
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT_ID}:trail/{trail.inputs['name']}"
    (policy,) = referring(account, "s3.BucketPolicy", bucket)
    document = doc(policy)
    deny = statement(document, "DenyInsecureTransport")
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert sorted(deny["Resource"]) == sorted([arn, f"{arn}/*"])
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    acl = statement(document, "AWSCloudTrailAclCheck")
    assert acl["Action"] == "s3:GetBucketAcl" and acl["Resource"] == arn
    assert acl["Condition"]["StringEquals"]["aws:SourceArn"] == trail_arn
    write = statement(document, "AWSCloudTrailWrite")
    assert write["Resource"] == f"{arn}/AWSLogs/{ACCOUNT_ID}/*"
    assert write["Condition"]["StringEquals"] == {"s3:x-amz-acl": "bucket-owner-full-control",
                                                  "aws:SourceArn": trail_arn}


def test_trail_bucket_logs_access_to_a_separate_hardened_sse_s3_bucket(account):
    bucket, logs = trail_bucket(account), account.one(BUCKET, "baseline-trail-access-logs")
    (logging,) = referring(account, "s3.BucketLogging", bucket)
    assert logging.inputs["targetBucket"] == logs.outputs["bucket"] != bucket.outputs["bucket"]
    # server access logging can't write to SSE-KMS buckets, nor to one with a default retention
    (sse,) = referring(account, "s3.BucketServerSideEncryptionConfiguration", logs)
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    assert not referring(account, "s3.BucketObjectLockConfiguration", logs)
    assert "objectLockEnabled" not in logs.inputs
    (policy,) = referring(account, "s3.BucketPolicy", logs)
    delivery = statement(doc(policy), "S3ServerAccessLogsPolicy")
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    assert statement(doc(policy), "DenyInsecureTransport")["Effect"] == "Deny"


def test_trail_bucket_lifecycle_archives_then_expires_after_the_lock(account):
    (lifecycle,) = referring(account, "s3.BucketLifecycleConfiguration", trail_bucket(account))
    (rule,) = lifecycle.inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["transitions"] == [{"days": 90, "storageClass": "GLACIER_IR"}]
    assert rule["expiration"]["days"] == 2557 > 365
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 30


def test_trail_cloudwatch_role_trust_has_no_source_condition(account):
    """CloudTrail doesn't send aws:SourceArn / aws:SourceAccount when it assumes the CloudWatch
    Logs role ("Confused deputy prevention is not applicable to the role policy for CloudWatch
    Logs monitoring"): a condition on either fails CreateTrail with
    InvalidCloudWatchLogsRoleArnException ("Check the trust relationships for your role")."""
    role = account.one("iam.Role", "baseline-trail-cloudwatch-role")
    (trust,) = doc(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert "Condition" not in trust
    group = account.one("cloudwatch.LogGroup", "baseline-trail-log-group")
    delivery = account.one("iam.RolePolicy", "baseline-trail-cloudwatch-delivery")
    (allow,) = doc(delivery)["Statement"]
    assert sorted(allow["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert allow["Resource"] == f"{group.outputs['arn']}:log-stream:*"
    assert delivery.urn in account.one("cloudtrail.Trail").depends_on


def test_trail_bucket_does_not_use_an_s3_bucket_key(account):
    """With an S3 Bucket Key, S3 decrypts the bucket-level key as the writer, so CloudTrail
    would need kms:Decrypt (AWS: "If you are using an existing S3 bucket with an S3 Bucket Key,
    kms:Decrypt permissions are required to create or update a trail with SSE-KMS"), and the
    key is generated under the bucket's encryption context, not the trail's that the key policy
    requires. CloudTrail's own KMS calls are not billed, so a bucket key saves nothing here."""
    (sse,) = referring(account, "s3.BucketServerSideEncryptionConfiguration", trail_bucket(account))
    assert sse.inputs["rules"][0].get("bucketKeyEnabled") is not True
    policy = doc(account.one("kms.Key", "baseline-trail-key"))
    cloudtrail = [s for s in policy["Statement"]
                  if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}]
    assert not [s for s in cloudtrail if "kms:Decrypt" in json.dumps(s["Action"])]


@pytest.mark.parametrize("plan_name", ["account", "switched"])
def test_every_server_access_log_target_has_its_policy_before_logging_points_at_it(
        request, plan_name):
    """S3 delivers server access logs only with the target's bucket policy (and ownership
    controls) in place: each BucketLogging waits for its target's BucketPolicy, whichever
    component built the target (the trail's log bucket also receives the Config bucket's)."""
    plan = request.getfixturevalue(plan_name)
    policies = {p.inputs["bucket"]: p for p in plan.of_type("s3.BucketPolicy")}
    loggings = plan.of_type("s3.BucketLogging")
    assert loggings
    for logging in loggings:
        target = policies[logging.inputs["targetBucket"]]
        assert target.urn in logging.depends_on, (logging.name, target.name)


def test_trail_key_names_cloudtrail_by_its_one_principal_in_china_too():
    """AWS's aws-cn key policy names `cloudtrail.amazonaws.com` (not `.amazonaws.com.cn`), as
    the trail bucket policy already does; CloudWatch Logs keeps its regional China name."""
    from groundwork.components.account.audit_trail import (
        cloudwatch_logs_trust,
        trail_key_statements,
    )

    statements = trail_key_statements(account_id=ACCOUNT_ID, region="cn-north-1", trail_name="t",
                                      partition="aws-cn", dns_suffix="amazonaws.com.cn",
                                      cloudwatch_logs=True)
    services = {s["Sid"]: s["Principal"].get("Service") for s in statements}
    assert services["AllowCloudTrailEncryptLogs"] == "cloudtrail.amazonaws.com"
    assert services["AllowCloudTrailDescribeKey"] == "cloudtrail.amazonaws.com"
    assert services["CloudWatchLogsUseKey"] == "logs.cn-north-1.amazonaws.com.cn"
    assert cloudwatch_logs_trust()["Statement"][0]["Principal"] == {
        "Service": "cloudtrail.amazonaws.com"}


def test_trail_retention_must_outlast_the_object_lock():
    from groundwork.components import AuditTrailArgs

    with pytest.raises(ValidationError, match=r"retention_days .* must be longer than object_lock_days"):
        AuditTrailArgs(object_lock_days=400, retention_days=365)
    with pytest.raises(ValidationError, match="archive_after_days"):
        AuditTrailArgs(archive_after_days=3000)
    with pytest.raises(ValidationError, match="not a KMS key ARN"):
        AuditTrailArgs(kms_key_arn="alias/trail")
    with pytest.raises(ValidationError, match="CloudWatch Logs retention"):
        AuditTrailArgs(cloudwatch_retention_days=42)


# --- Config --------------------------------------------------------------------------------------


def test_config_records_everything_with_the_service_linked_role(account):
    recorder = account.one("cfg.Recorder")
    group = recorder.inputs["recordingGroup"]
    assert group["allSupported"] is True and group["includeGlobalResourceTypes"] is True
    assert recorder.inputs["roleArn"] == (
        f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
    assert account.one("iam.ServiceLinkedRole").inputs["awsServiceName"] == "config.amazonaws.com"
    status = account.one("cfg.RecorderStatus")
    assert status.inputs["isEnabled"] is True and status.inputs["name"] == recorder.inputs["name"]
    channel = account.one("cfg.DeliveryChannel")
    assert channel.urn in status.depends_on
    assert recorder.urn in channel.depends_on


def test_config_delivers_to_a_hardened_bucket_logging_into_the_trails_log_bucket(account):
    bucket = account.one(BUCKET, "baseline-config-bucket")
    assert account.one("cfg.DeliveryChannel").inputs["s3BucketName"] == bucket.outputs["bucket"]
    (policy,) = referring(account, "s3.BucketPolicy", bucket)
    document = doc(policy)
    assert statement(document, "DenyInsecureTransport")["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}
    delivery = statement(document, "AWSConfigBucketDelivery")
    assert delivery["Resource"] == f"{bucket.outputs['arn']}/AWSLogs/{ACCOUNT_ID}/Config/*"
    assert delivery["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT_ID
    (logging,) = referring(account, "s3.BucketLogging", bucket)
    assert logging.inputs["targetBucket"] == account.one(
        BUCKET, "baseline-trail-access-logs").outputs["bucket"]
    assert [r.name for r in account.of_type(BUCKET)].count("baseline-config-access-logs") == 0
    # the same helper built both: the same hardening children, by name
    for suffix in ("public-access", "ownership", "encryption", "versioning", "lifecycle", "policy"):
        account.one(_type_of(suffix), f"baseline-config-bucket-{suffix}")
        account.one(_type_of(suffix), f"baseline-trail-bucket-{suffix}")


def _type_of(suffix: str) -> str:
    return {"public-access": "s3.BucketPublicAccessBlock", "ownership": "s3.BucketOwnershipControls",
            "encryption": "s3.BucketServerSideEncryptionConfiguration",
            "versioning": "s3.BucketVersioning", "lifecycle": "s3.BucketLifecycleConfiguration",
            "policy": "s3.BucketPolicy"}[suffix]


def test_config_with_a_managed_policy_role():
    from groundwork.components import ConfigRecorder, ConfigRecorderArgs

    plan = plan_function(lambda: ConfigRecorder("config", ConfigRecorderArgs(role="managed-policy")))
    role = plan.one("iam.Role")
    assert doc(role, "assumeRolePolicy")["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}
    assert plan.one("iam.RolePolicyAttachment").inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole")
    assert plan.one("cfg.Recorder").inputs["roleArn"] == role.outputs["arn"]
    assert not plan.of_type("iam.ServiceLinkedRole")
    # no log bucket given: it makes its own
    assert plan.one(BUCKET, "config-access-logs")


# --- GuardDuty, Security Hub -----------------------------------------------------------------------


def test_guardduty_runs_s3_protection_and_ecs_runtime_monitoring(account):
    detector = account.one("guardduty.Detector")
    assert detector.inputs["enable"] is True
    assert detector.inputs["findingPublishingFrequency"] == "FIFTEEN_MINUTES"
    features = {f.inputs["name"]: f for f in account.of_type("guardduty.DetectorFeature")}
    assert {f.inputs["detectorId"] for f in features.values()} == {detector.id}
    assert features["S3_DATA_EVENTS"].inputs["status"] == "ENABLED"
    runtime = features["RUNTIME_MONITORING"].inputs
    assert runtime["status"] == "ENABLED"
    extra = {c["name"]: c["status"] for c in runtime["additionalConfigurations"]}
    assert extra == {"ECS_FARGATE_AGENT_MANAGEMENT": "ENABLED", "EC2_AGENT_MANAGEMENT": "DISABLED",
                     "EKS_ADDON_MANAGEMENT": "DISABLED"}
    assert features["EKS_AUDIT_LOGS"].inputs["status"] == "DISABLED"  # managed, not left implicit


def test_security_hub_subscribes_fsbp(account):
    hub = account.one("securityhub.Account")
    assert hub.inputs["enableDefaultStandards"] is False
    (fsbp,) = account.of_type("securityhub.StandardsSubscription")
    assert fsbp.inputs["standardsArn"] == (
        f"arn:aws:securityhub:{REGION}::standards/aws-foundational-security-best-practices/v/1.0.0")
    assert hub.urn in fsbp.depends_on


def test_security_hub_adds_cis_when_asked():
    from groundwork.components import SecurityHub, SecurityHubArgs

    plan = plan_function(lambda: SecurityHub("hub", SecurityHubArgs(cis_version="3.0.0")))
    arns = sorted(s.inputs["standardsArn"] for s in plan.of_type("securityhub.StandardsSubscription"))
    hub = f"arn:aws:securityhub:{REGION}::standards"
    assert arns == [f"{hub}/aws-foundational-security-best-practices/v/1.0.0",
                    f"{hub}/cis-aws-foundations-benchmark/v/3.0.0"]


# --- account settings --------------------------------------------------------------------------------


def test_password_policy_has_cis_values(account):
    policy = account.one("iam.AccountPasswordPolicy").inputs
    assert policy["minimumPasswordLength"] == 14
    assert policy["passwordReusePrevention"] == 24
    assert policy["maxPasswordAge"] == 90
    assert all(policy[k] is True for k in ("requireSymbols", "requireNumbers",
                                            "requireUppercaseCharacters", "requireLowercaseCharacters"))


def test_ebs_default_encryption_and_account_public_access_block(account):
    assert account.one("ebs.EncryptionByDefault").inputs["enabled"] is True
    pab = account.one("s3.AccountPublicAccessBlock").inputs
    assert all(pab[f] is True for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))


def test_vpc_block_public_access_blocks_ingress_account_wide(account):
    """FSBP EC2.172: internet-gateway ingress blocked in the region; the env stacks' Network
    excludes its public subnets (tests/test_network.py), NAT egress keeps working."""
    assert account.one("ec2.VpcBlockPublicAccessOptions").inputs == {
        "internetGatewayBlockMode": "block-ingress"}


def test_vpc_block_public_access_can_be_left_off_or_refused_when_misspelt():
    from groundwork.components.account.account_settings import AccountSettingsSettings

    assert AccountSettingsSettings(vpc_block_public_access="off").vpc_block_public_access == "off"
    with pytest.raises(ValueError, match="vpc_block_public_access"):
        AccountSettingsSettings(vpc_block_public_access="block")


def test_alternate_security_contact(account):
    contact = account.one("account.AlternativeContact").inputs
    assert contact["alternateContactType"] == "SECURITY"
    assert contact["emailAddress"] == "security@example.com"
    assert {contact["name"], contact["title"], contact["phoneNumber"]} == {
        "Security team", "Security", "+1 555 0100"}


def test_account_settings_refuse_weak_or_missing_values():
    from groundwork.components import AccountSettingsArgs

    with pytest.raises(ValidationError, match="security_contact needs name, title, email, phone"):
        AccountSettingsArgs()
    with pytest.raises(ValidationError, match="security_contact needs phone"):
        AccountSettingsArgs(security_contact={**CONTACT, "phone": " "})
    with pytest.raises(ValidationError, match="not an email address"):
        AccountSettingsArgs(security_contact={**CONTACT, "email": "security"})
    with pytest.raises(ValidationError, match="greater than or equal to 14"):
        AccountSettingsArgs(security_contact=CONTACT, password_policy={"minimum_length": 8})
    assert AccountSettingsArgs(security_contact_enabled=False).security_contact.missing()


# --- budget ----------------------------------------------------------------------------------------


def test_budget_alerts_actual_and_forecast_to_its_topic(account):
    budget = account.one("budgets.Budget").inputs
    topic = account.one("sns.Topic")
    assert (budget["budgetType"], budget["timeUnit"], budget["limitAmount"], budget["limitUnit"]) == (
        "COST", "MONTHLY", "500.00", "USD")
    got = sorted((n["notificationType"], n["threshold"]) for n in budget["notifications"])
    assert got == [("ACTUAL", 80), ("ACTUAL", 100), ("FORECASTED", 100)]
    for n in budget["notifications"]:
        assert n["subscriberSnsTopicArns"] == [topic.outputs["arn"]]
        assert (n["comparisonOperator"], n["thresholdType"]) == ("GREATER_THAN", "PERCENTAGE")
    assert account.one("sns.TopicSubscription").inputs["endpoint"] == "finops@example.com"


def test_budget_topic_and_key_let_budgets_publish(account):
    topic = account.one("sns.Topic")
    key = account.one("kms.Key", "baseline-budget-key")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    source_arn = f"arn:aws:budgets::{ACCOUNT_ID}:*"
    publish = statement(doc(account.one("sns.TopicPolicy")), "AWSBudgetsSNSPublishingPermissions")
    assert publish["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert publish["Action"] == "SNS:Publish" and publish["Resource"] == topic.outputs["arn"]
    assert publish["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                                    "ArnLike": {"aws:SourceArn": source_arn}}
    use = statement(doc(key), "BudgetsEncryptAndDecryptBudgetsNotifications")
    assert use["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert sorted(use["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert use["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    assert use["Condition"]["ArnLike"] == {"aws:SourceArn": source_arn}


def test_budget_refuses_bad_thresholds():
    from groundwork.components import Budget, BudgetArgs

    with pytest.raises(ValidationError, match="repeats a threshold"):
        BudgetArgs(actual_thresholds=(80, 80))
    with pytest.raises(ValidationError, match="not email addresses"):
        BudgetArgs(alert_emails=("finops",))
    with pytest.raises(ValueError, match=r"actual_thresholds and forecast_thresholds are both empty"):
        plan_function(lambda: Budget("budget", BudgetArgs(actual_thresholds=(), forecast_thresholds=())))


# --- switches, names, the program ---------------------------------------------------------------------


@pytest.mark.parametrize("piece", sorted(PIECE_TYPES))
def test_each_piece_switched_off_leaves_its_resources_out(switched, piece):
    off = f"no-{piece.replace('_', '-')}"
    types_ = {r.type for r in switched.descendants(off) if r.custom}
    full = {r.type for r in switched.descendants("full") if r.custom}
    assert PIECE_TYPES[piece] in full
    assert PIECE_TYPES[piece] not in types_
    suffix = {"audit_trail": "trail", "config_recorder": "config", "threat_detection": "guardduty",
              "security_hub": "securityhub", "account_settings": "settings", "budget": "budget"}[piece]
    assert not [r for r in switched.resources if r.name.startswith(f"{off}-{suffix}")]
    assert len(list(switched.descendants(off))) < len(list(switched.descendants("full")))


def test_config_without_a_trail_makes_its_own_log_bucket(switched):
    names = {r.name for r in switched.descendants("no-audit-trail")}
    assert "no-audit-trail-config-access-logs" in names


def test_several_baselines_in_one_program_do_not_collide(switched):
    """Every physical name comes from the component's name (no duplicate URN, no AWS name
    clash between the seven baselines)."""
    assert switched.name_clashes == []
    trails = [r.inputs["name"] for r in switched.of_type("cloudtrail.Trail")]
    assert len(trails) == len(set(trails)) == 6


def test_baseline_name_too_long_is_refused_before_anything():
    from groundwork.components import AccountBaseline, AccountBaselineArgs

    with pytest.raises(ValueError, match="too long"):
        plan_function(lambda: AccountBaseline("a" * 30, AccountBaselineArgs(
            account_settings_enabled=False)))


def test_account_program_tags_everything_through_its_provider(account):
    provider = account.one("provider.aws")
    tags = json.loads(provider.inputs["defaultTags"])["tags"] if isinstance(
        provider.inputs["defaultTags"], str) else provider.inputs["defaultTags"]["tags"]
    assert tags["Owner"] == "platform-team" and tags["ManagedBy"] == "pulumi"
    assert {r.provider for r in account.custom_resources
            if not r.type.startswith("pulumi:providers")} == {f"{provider.urn}::{provider.id}"}
    assert account.stack_outputs["enabled"] == list(PIECE_TYPES)


def test_account_program_passes_the_policy_pack(account):
    from groundwork.check import check_plan

    result = check_plan(account)
    assert result.mandatory == [], [f"{v.policy}: {v.message}" for v in result.mandatory]
    assert result.resources > 40


def test_account_program_cost_names_the_usage_based_services(account):
    from groundwork.cost import estimate

    est = estimate(account)
    usage = {line.item.split(" (")[0] for line in est.lines if line.unit == "usage-based"}
    assert usage == {"CloudTrail", "AWS Config", "GuardDuty", "Security Hub", "AWS Budgets"}
    assert all(line.monthly == 0 for line in est.lines if line.unit == "usage-based")
    assert est.total == pytest.approx(2 * 1.0 + 0.5 + 1.0 * 0.03 * 365 * 24 / 730, rel=0.01)


# --- config ----------------------------------------------------------------------------------------


GOOD = {"tags": {"Owner": "me"}, "account_settings": {"security_contact": CONTACT}}


@pytest.mark.parametrize(("raw", "expected"), [
    ({}, "groundwork-account:tags: missing required tag Owner"),
    ({**GOOD, "budgett": {}}, "groundwork-account:budgett: unknown key; allowed: name, "),
    ({**GOOD, "budget": {"limit_usd": "lots"}}, "groundwork-account:budget.limit_usd: "),
    ({**GOOD, "audit_trail": {"retension_days": 3000}},
     "groundwork-account:audit_trail.retension_days: unknown key; allowed: "),
    ({**GOOD, "audit_trail": {"object_lock_days": 400, "retention_days": 365}},
     "groundwork-account:audit_trail: retention_days (365) must be longer than object_lock_days"),
    ({**GOOD, "account_settings": {"security_contact": {**CONTACT, "email": "x"}}},
     "groundwork-account:account_settings.security_contact.email: 'x' is not an email address"),
    ({"tags": {"Owner": "me"}},
     "groundwork-account:account_settings.security_contact needs name, title, email, phone"),
    ({**GOOD, "security_hub": {"cis_version": "2.0.0"}}, "groundwork-account:security_hub.cis_version"),
])
def test_bad_config_names_the_key(raw, expected):
    with pytest.raises(ConfigError) as caught:
        load_account(raw, stack="main")
    assert any(p.startswith(expected) or expected in p for p in caught.value.problems), caught.value.problems


def test_config_maps_onto_the_baseline_args():
    config = load_account({**GOOD, "budget": {"limit_usd": 42, "enabled": False},
                           "audit_trail": {"object_lock_mode": "COMPLIANCE"}}, stack="eu", region="eu-west-1")
    args = config.baseline_args()
    assert args.budget_enabled is False and args.budget.limit_usd == 42
    assert args.audit_trail.object_lock_mode == "COMPLIANCE"
    assert args.name_prefix == "groundwork-eu"
    assert args.tags["Owner"] == "me" and args.tags["Project"] == "groundwork"


def test_the_program_refuses_bad_config_before_any_resource():
    with pytest.raises(ProgramError, match=r"groundwork-account:budget.limit_usd"):
        plan_stack("main", project_dir=ACCOUNT_PROJECT_DIR, overrides={"budget": {"limit_usd": -1}})
