"""`AssetBucket` (components/asset_bucket.py): the lifecycle's AWS minimums (pure, with a
property test over day triples), the component standalone under mocks (encryption with the
data key and Bucket Key, the TLS-only policy, Block Public Access, ownership, versioning, the
lifecycle rules, access logging, the Backup tag, read/write grants, replication to a DR-region
provider), refused Args before anything is registered, two buckets in one program, the config's
asset wiring, and the committed dev and prod stacks' `assets` bucket (the api writes it, the
worker reads it; prod replicates it to the DR region). Values are compared with the outputs of
the resources they refer to."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from conftest import stand_in_task_roles
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from groundwork.components.asset_bucket import (
    AssetBucket,
    AssetBucketArgs,
    AssetBucketSettings,
    access_policy,
    env_name,
    lifecycle_problems,
    lifecycle_rules,
)
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.testing import plan_function

COMPONENT = "groundwork:data:AssetBucket"
BUCKET = "aws:s3/bucket:Bucket"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
LOGGING = "aws:s3/bucketLogging:BucketLogging"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DR_KEY = "arn:aws:kms:us-west-2:123456789012:key/dr000000-12ab-34cd-56ef-1234567890ab"
REGION, DR_REGION = "us-east-1", "us-west-2"


def doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


def refusal(**settings: Any) -> list[tuple[str, str]]:
    """(field, message) of every error the settings raise ([] when accepted)."""
    try:
        AssetBucketSettings(**settings)
    except ValidationError as exc:
        return [(str(e["loc"][0]) if e["loc"] else "", e["msg"]) for e in exc.errors()]
    return []


# --------------------------------------------------------------------------------------------
# the lifecycle (pure)
# --------------------------------------------------------------------------------------------


def test_the_default_lifecycle_keeps_served_objects_readable_and_archives_the_archive_prefix():
    rules = lifecycle_rules(AssetBucketSettings())
    assert rules.minimum_object_size == "all_storage_classes_128K"  # < 128 KB never moves
    by_id = {r.id: r for r in rules.rules}
    assert list(by_id) == ["transitions", "archive", "expire-and-clean-up"]
    served = by_id["transitions"]
    assert (served.prefix, served.larger_than_bytes) == ("", None)
    assert [(t.days, t.storage_class) for t in served.transitions] == [
        (30, "STANDARD_IA"), (90, "GLACIER_IR")]
    assert [(t.days, t.storage_class) for t in served.noncurrent_transitions] == [(30, "GLACIER_IR")]
    archive = by_id["archive"]
    assert archive.prefix == "archive/"
    assert [(t.days, t.storage_class) for t in archive.transitions] == [
        (30, "STANDARD_IA"), (90, "GLACIER_IR"), (180, "DEEP_ARCHIVE")]
    cleanup = by_id["expire-and-clean-up"]
    assert (cleanup.prefix, cleanup.larger_than_bytes, cleanup.transitions) == ("", None, ())
    assert (cleanup.expire_days, cleanup.expired_object_delete_marker) == (None, True)
    assert (cleanup.noncurrent_expire_days, cleanup.abort_multipart_days) == (365, 7)


@pytest.mark.parametrize("overrides", [
    {}, {"glacier_ir_after_days": None}, {"standard_ia_after_days": None},
    {"standard_ia_after_days": 60, "glacier_ir_after_days": 120, "archive_after_days": 400},
    {"archive_prefix": ""}, {"expire_after_days": 3650},
])
def test_a_serving_bucket_never_sends_unprefixed_objects_to_an_unreadable_class(overrides):
    for rule in lifecycle_rules(AssetBucketSettings(**overrides)).rules:
        unreadable = [t for t in rule.transitions if t.storage_class in ("GLACIER", "DEEP_ARCHIVE")]
        assert not unreadable or rule.prefix == "archive/", rule


def test_deep_archive_for_the_whole_bucket_needs_serves_content_false():
    [(key, msg)] = refusal(deep_archive_after_days=400)
    assert key == "deep_archive_after_days" and "InvalidObjectState" in msg
    rules = lifecycle_rules(AssetBucketSettings(serves_content=False, deep_archive_after_days=180))
    assert [r.id for r in rules.rules] == ["transitions", "expire-and-clean-up"]  # no archive rule
    assert [(t.days, t.storage_class) for t in rules.rules[0].transitions] == [
        (30, "STANDARD_IA"), (90, "GLACIER_IR"), (180, "DEEP_ARCHIVE")]
    [(key, msg)] = refusal(serves_content=False, deep_archive_after_days=180, archive_after_days=200)
    assert key == "archive_after_days" and "already sends" in msg


def _accepted(ia: int, gir: int, da: int) -> bool:
    """AWS's rules as the brief states them: IA at >= 30 days, Glacier IR >= 30 days after IA
    (IA's minimum storage), Deep Archive >= 90 days after Glacier IR (its minimum storage)."""
    return ia >= 30 and gir >= ia + 30 and da >= gir + 90


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 800))
def test_day_triples_are_accepted_exactly_when_each_step_waits_out_the_minimums(ia, gir, da):
    problems = refusal(serves_content=False, archive_prefix="", standard_ia_after_days=ia,
                       glacier_ir_after_days=gir, deep_archive_after_days=da)
    assert (problems == []) == _accepted(ia, gir, da), (ia, gir, da, problems)
    keys = {k for k, _ in problems}
    assert keys <= {"standard_ia_after_days", "glacier_ir_after_days", "deep_archive_after_days"}
    if ia < 30:
        assert "standard_ia_after_days" in keys
    elif gir < ia + 30 and gir >= ia:
        assert "glacier_ir_after_days" in keys
    elif gir > ia and ia >= 30 and da < gir + 90 and da >= gir:
        assert "deep_archive_after_days" in keys


@pytest.mark.parametrize(("settings", "key", "fragment"), [
    ({"standard_ia_after_days": 29}, "standard_ia_after_days", "greater than or equal to 30"),
    ({"glacier_ir_after_days": 59}, "glacier_ir_after_days", "must be >= 60"),
    ({"standard_ia_after_days": 100, "glacier_ir_after_days": 60}, "standard_ia_after_days",
     "waterfall"),
    ({"archive_after_days": 179}, "archive_after_days", "must be >= 180"),
    ({"glacier_ir_after_days": None, "archive_after_days": 45}, "archive_after_days",
     "must be >= 60"),
    ({"expire_after_days": 150}, "expire_after_days", "must be >= 180"),
    ({"expire_after_days": 300}, "expire_after_days", "must be >= 360"),  # after Deep Archive
    ({"noncurrent_expire_days": 119}, "noncurrent_expire_days", "must be >= 120"),
    ({"noncurrent_storage_class": "DEEP_ARCHIVE", "noncurrent_expire_days": 200},
     "noncurrent_expire_days", "must be >= 210"),
    ({"noncurrent_storage_class": "STANDARD_IA", "noncurrent_transition_days": 29},
     "noncurrent_transition_days", "at least 30 days"),
    ({"noncurrent_storage_class": "GLACIER"}, "noncurrent_storage_class", "'STANDARD_IA'"),
    ({"min_transition_size_kb": 64}, "min_transition_size_kb", "greater than or equal to 128"),
    ({"archive_prefix": "/archive"}, "archive_prefix", "not an S3 key prefix"),
    ({"abort_multipart_days": 0}, "abort_multipart_days", "greater than or equal to 1"),
])
def test_settings_below_aws_minimums_are_refused_naming_the_key(settings, key, fragment):
    problems = refusal(**settings)
    assert problems, settings
    assert any(k == key and fragment in m for k, m in problems), problems
    with pytest.raises(ValidationError, match=key) as err:
        AssetBucketArgs(data_key_arn=KEY, **settings)
    assert err.value.title == "AssetBucketArgs"


def test_valid_settings_have_no_lifecycle_problems():
    assert lifecycle_problems(AssetBucketSettings()) == []
    assert lifecycle_problems(AssetBucketSettings(
        standard_ia_after_days=30, glacier_ir_after_days=60, archive_after_days=150,
        expire_after_days=330, noncurrent_storage_class="DEEP_ARCHIVE",
        noncurrent_transition_days=1, noncurrent_expire_days=181)) == []


def test_a_larger_size_floor_filters_the_transition_rules_only():
    rules = {r.id: r for r in lifecycle_rules(AssetBucketSettings(min_transition_size_kb=256)).rules}
    assert rules["transitions"].larger_than_bytes == 256 * 1024 - 1
    assert rules["archive"].larger_than_bytes == 256 * 1024 - 1
    # S3 refuses the multipart abort and delete-marker cleanup in a size-filtered rule
    assert rules["expire-and-clean-up"].larger_than_bytes is None


def test_access_policies_are_exact():
    via = {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    arn = "arn:aws:s3:::b"
    read = access_policy(bucket_arn=arn, key_arn=KEY, region=REGION, access="read")
    assert read["Statement"] == [
        {"Sid": "BucketList", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": arn},
        {"Sid": "BucketObjects", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": f"{arn}/*"},
        {"Sid": "BucketKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": KEY,
         "Condition": via}]
    write = access_policy(bucket_arn=arn, key_arn=KEY, region=REGION, access="write")
    assert write["Statement"][1]["Action"] == [
        "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert write["Statement"][2]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert "s3:DeleteObjectVersion" not in json.dumps(write)  # a permanent delete: never


def test_env_names():
    assert env_name("assets") == "ASSETS_BUCKET"
    assert env_name("user-uploads") == "USER_UPLOADS_BUCKET"


# --------------------------------------------------------------------------------------------
# the component standalone, under mocks: one plain, one replicated to aws-dr
# --------------------------------------------------------------------------------------------


def _standalone() -> None:
    api, worker = stand_in_task_roles()
    dr = aws.Provider("aws-dr", region=DR_REGION)
    assets = AssetBucket("assets", AssetBucketArgs(
        data_key_arn=KEY, backup_tag="q-test-backup", tags={"Owner": "t"},
        replicate_to_dr=True, dr_provider=dr, dr_key_arn=DR_KEY))
    first = assets.allow_from(api, "write")
    assert assets.allow_from(api, "write") is first  # idempotent per service
    assets.allow_from(worker, "read")
    reports = AssetBucket("reports", AssetBucketArgs(
        data_key_arn=KEY, access_log_bucket="shared-logs", min_transition_size_kb=256,
        protect=False))
    reports.allow_from(worker, "read")
    pulumi.export("assets_env", assets.connection().environment)
    pulumi.export("reports_env", reports.connection().environment)
    for attr in ("bucket_name", "arn", "access_log_bucket_name", "replica_bucket_name",
                 "replica_arn"):
        pulumi.export(f"assets_{attr}", getattr(assets, attr))
    pulumi.export("reports_unreplicated", reports.replica_bucket_name is None)
    pulumi.export("reports_logs", reports.access_log_bucket_name)


@pytest.fixture(scope="module")
def standalone() -> PlanResult:
    return plan_function(_standalone, stack="test", project="q")


def part(plan: PlanResult, type_: str, name: str) -> ResourceRecord:
    return plan.one(type_, name)


def bucket_of(plan: PlanResult, logical: str) -> ResourceRecord:
    return plan.one(BUCKET, logical)


def provider_region(plan: PlanResult, record: ResourceRecord) -> tuple[str, str]:
    """(provider name, its region) of a record's provider reference (`<urn>::<id>`); ("", "")
    for the default provider."""
    if not record.provider:
        return "", ""
    urn = record.provider.rsplit("::", 1)[0]
    provider = plan.by_urn(urn)
    return provider.name, provider.inputs.get("region", "")


def test_the_bucket_is_named_globally_tagged_and_protected_as_asked(standalone):
    b = bucket_of(standalone, "assets-bucket")
    assert b.inputs["bucket"] == "q-test-assets-123456789012-us-east-1"
    assert b.inputs["tags"]["Backup"] == "q-test-backup"  # the plan's tag selection
    assert b.inputs["tags"]["Owner"] == "t" and b.inputs["tags"]["Component"] == "asset-bucket"
    assert "Backup" not in bucket_of(standalone, "reports-bucket").inputs["tags"]
    assert b.protect is True  # the default: `pulumi destroy` can't take the files with it
    assert bucket_of(standalone, "reports-bucket").protect is False  # asked for


def test_the_bucket_is_sse_kms_with_the_data_key_and_the_bucket_key(standalone):
    b = bucket_of(standalone, "assets-bucket")
    enc = part(standalone, ENCRYPTION, "assets-bucket-encryption")
    assert enc.inputs["bucket"] == b.outputs["bucket"]
    [rule] = enc.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms",
                                                          "kmsMasterKeyId": KEY}
    assert rule["bucketKeyEnabled"] is True
    versioning = part(standalone, VERSIONING, "assets-bucket-versioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    assert versioning.inputs["bucket"] == b.outputs["bucket"]


def test_the_policy_denies_every_request_without_tls_on_bucket_and_objects(standalone):
    b = bucket_of(standalone, "assets-bucket")
    policy = part(standalone, POLICY, "assets-bucket-policy")
    assert policy.inputs["bucket"] == b.outputs["bucket"]
    arn = b.outputs["arn"]
    assert doc(policy)["Statement"] == [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]


def test_public_access_is_blocked_and_acls_are_disabled(standalone):
    for logical in ("assets-bucket", "assets-replica", "assets-access-logs", "reports-bucket"):
        b = bucket_of(standalone, logical)
        block = part(standalone, BLOCK, f"{logical}-public-access")
        assert block.inputs["bucket"] == b.outputs["bucket"]
        assert all(block.inputs[k] is True for k in (
            "blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"))
        ownership = part(standalone, OWNERSHIP, f"{logical}-ownership")
        assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_the_lifecycle_transitions_have_their_days_and_classes(standalone):
    lc = part(standalone, LIFECYCLE, "assets-bucket-lifecycle")
    assert lc.inputs["bucket"] == bucket_of(standalone, "assets-bucket").outputs["bucket"]
    assert lc.inputs["transitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    rules = {r["id"]: r for r in lc.inputs["rules"]}
    assert all(r["status"] == "Enabled" for r in rules.values())
    assert rules["transitions"]["filter"] == {"prefix": ""}
    assert rules["transitions"]["transitions"] == [
        {"days": 30, "storageClass": "STANDARD_IA"}, {"days": 90, "storageClass": "GLACIER_IR"}]
    assert rules["transitions"]["noncurrentVersionTransitions"] == [
        {"noncurrentDays": 30, "storageClass": "GLACIER_IR"}]
    assert rules["archive"]["filter"] == {"prefix": "archive/"}
    assert rules["archive"]["transitions"][-1] == {"days": 180, "storageClass": "DEEP_ARCHIVE"}
    cleanup = rules["expire-and-clean-up"]
    assert cleanup["noncurrentVersionExpiration"] == {"noncurrentDays": 365}
    assert cleanup["expiration"] == {"expiredObjectDeleteMarker": True}
    assert cleanup["abortIncompleteMultipartUpload"] == {"daysAfterInitiation": 7}
    assert part(standalone, VERSIONING, "assets-bucket-versioning").urn in lc.depends_on
    # a size floor above S3's own becomes a filter of the transition rules
    sized = {r["id"]: r for r in part(standalone, LIFECYCLE, "reports-bucket-lifecycle").inputs["rules"]}
    assert sized["transitions"]["filter"] == {"objectSizeGreaterThan": 262143}
    assert sized["archive"]["filter"] == {"and": {"prefix": "archive/",
                                                  "objectSizeGreaterThan": 262143}}
    assert sized["expire-and-clean-up"]["filter"] == {"prefix": ""}


def test_access_logs_go_to_an_sse_s3_bucket_of_its_own_or_the_one_given(standalone):
    logs = bucket_of(standalone, "assets-access-logs")
    logging = part(standalone, LOGGING, "assets-bucket-logging")
    assert logging.inputs["targetBucket"] == logs.outputs["bucket"]
    [rule] = part(standalone, ENCRYPTION, "assets-access-logs-encryption").inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    statements = doc(part(standalone, POLICY, "assets-access-logs-policy"))["Statement"]
    assert statements[1]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert part(standalone, LOGGING, "reports-bucket-logging").inputs["targetBucket"] == "shared-logs"
    assert not standalone.named("reports-access-logs")
    out = standalone.stack_outputs
    assert (out["assets_access_log_bucket_name"], out["reports_logs"]) == (
        logs.outputs["bucket"], "shared-logs")


def _grant(plan: PlanResult, name: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in doc(plan.one(ROLE_POLICY, name))["Statement"]}


def test_allow_from_grants_read_and_write_exactly_on_the_bucket(standalone):
    arn = bucket_of(standalone, "assets-bucket").outputs["arn"]
    via = {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}
    write = _grant(standalone, "assets-api-task-access")
    assert write == {
        "BucketList": {"Sid": "BucketList", "Effect": "Allow", "Action": ["s3:ListBucket"],
                       "Resource": arn},
        "BucketObjects": {"Sid": "BucketObjects", "Effect": "Allow",
                          "Action": ["s3:AbortMultipartUpload", "s3:DeleteObject",
                                     "s3:GetObject", "s3:PutObject"], "Resource": f"{arn}/*"},
        "BucketKey": {"Sid": "BucketKey", "Effect": "Allow",
                      "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": KEY,
                      "Condition": via}}
    read = _grant(standalone, "assets-worker-access")
    assert read["BucketObjects"]["Action"] == ["s3:GetObject"]
    assert read["BucketList"]["Resource"] == arn and read["BucketKey"]["Action"] == ["kms:Decrypt"]
    reports = _grant(standalone, "reports-worker-access")
    assert reports["BucketList"]["Resource"] == bucket_of(standalone, "reports-bucket").outputs["arn"]
    roles = {r.name: r for r in standalone.of_type(ROLE)}
    on = {p.name: p.inputs["role"] for p in standalone.of_type(ROLE_POLICY) if p.name.endswith("-access")}
    assert on == {"assets-api-task-access": roles["api-task"].id,
                  "assets-worker-access": roles["worker-task"].id,
                  "reports-worker-access": roles["worker-task"].id}


def test_the_replica_lives_on_the_dr_provider_hardened_the_same_way(standalone):
    replica = bucket_of(standalone, "assets-replica")
    assert provider_region(standalone, replica) == ("aws-dr", DR_REGION)
    assert replica.inputs["bucket"] == "q-test-assets-replica-123456789012-us-west-2"
    assert provider_region(standalone, bucket_of(standalone, "assets-bucket")) == ("", "")
    for kind, suffix in ((ENCRYPTION, "encryption"), (VERSIONING, "versioning"),
                         (LIFECYCLE, "lifecycle"), (POLICY, "policy"), (BLOCK, "public-access"),
                         (LOGGING, "logging")):
        child = part(standalone, kind, f"assets-replica-{suffix}")
        assert provider_region(standalone, child) == ("aws-dr", DR_REGION), suffix
    [rule] = part(standalone, ENCRYPTION, "assets-replica-encryption").inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == DR_KEY
    logs = bucket_of(standalone, "assets-replica-access-logs")  # same region as the replica
    assert provider_region(standalone, logs) == ("aws-dr", DR_REGION)
    assert part(standalone, LOGGING, "assets-replica-logging").inputs["targetBucket"] == \
        logs.outputs["bucket"]
    ours = part(standalone, LIFECYCLE, "assets-bucket-lifecycle").inputs["rules"]
    assert part(standalone, LIFECYCLE, "assets-replica-lifecycle").inputs["rules"] == ours
    out = standalone.stack_outputs
    assert (out["assets_replica_bucket_name"], out["assets_replica_arn"]) == (
        replica.outputs["bucket"], replica.outputs["arn"])
    assert out["reports_unreplicated"] is True


def test_replication_copies_sse_kms_objects_with_the_dr_key_after_both_are_versioned(standalone):
    source, replica = bucket_of(standalone, "assets-bucket"), bucket_of(standalone, "assets-replica")
    config = part(standalone, REPLICATION, "assets-replication-config")
    role = part(standalone, ROLE, "assets-replication")
    assert config.inputs["bucket"] == source.outputs["bucket"]
    assert config.inputs["role"] == role.outputs["arn"]
    [rule] = config.inputs["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": ""}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert rule["destination"] == {"bucket": replica.outputs["arn"], "storageClass": "STANDARD",
                                   "encryptionConfiguration": {"replicaKmsKeyId": DR_KEY}}
    assert rule["deleteMarkerReplication"] == {"status": "Disabled"}  # docs/assets.md
    for versioning in ("assets-bucket-versioning", "assets-replica-versioning"):
        assert part(standalone, VERSIONING, versioning).urn in config.depends_on
    assert doc(role, "assumeRolePolicy")["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]


def test_the_replication_role_may_do_exactly_what_replication_needs(standalone):
    src, dst = (bucket_of(standalone, n).outputs["arn"] for n in ("assets-bucket", "assets-replica"))
    policy = part(standalone, ROLE_POLICY, "assets-replication-policy")
    assert policy.inputs["role"] == part(standalone, ROLE, "assets-replication").id
    st_ = {s["Sid"]: s for s in doc(policy)["Statement"]}
    assert st_["SourceBucket"]["Resource"] == src
    assert st_["SourceVersions"]["Resource"] == f"{src}/*"
    assert st_["ReplicaObjects"] == {"Sid": "ReplicaObjects", "Effect": "Allow", "Action": [
        "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"], "Resource": f"{dst}/*"}
    decrypt, encrypt = st_["SourceKeyDecrypt"], st_["ReplicaKeyEncrypt"]
    assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", KEY)
    assert decrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert decrypt["Condition"]["StringLike"] == {"kms:EncryptionContext:aws:s3:arn": [src, f"{src}/*"]}
    assert (encrypt["Action"], encrypt["Resource"]) == ("kms:Encrypt", DR_KEY)
    assert encrypt["Condition"]["StringEquals"] == {"kms:ViaService": "s3.us-west-2.amazonaws.com"}
    assert not any(s["Resource"] == "*" for s in st_.values())


def test_two_buckets_in_one_program_get_distinct_names_and_no_clash(standalone):
    assert standalone.name_clashes == []
    names = [b.inputs["bucket"] for b in standalone.of_type(BUCKET)]
    assert len(names) == len(set(names)) == 5 and all(len(n) <= 63 for n in names)
    out = standalone.stack_outputs
    assert out["assets_env"] == {"ASSETS_BUCKET": bucket_of(standalone, "assets-bucket").outputs["bucket"]}
    assert out["reports_env"] == {"REPORTS_BUCKET": bucket_of(standalone, "reports-bucket").outputs["bucket"]}


# --------------------------------------------------------------------------------------------
# refused Args: an error naming the field, before anything is registered
# --------------------------------------------------------------------------------------------

BAD_ARGS: list[tuple[str, dict[str, Any], str]] = [
    ("assets", {}, "AssetBucketArgs.data_key_arn is required"),
    ("Assets", {"data_key_arn": KEY}, "name 'Assets' must be 1-40 characters"),
    ("assets", {"data_key_arn": KEY, "bucket_name": "Bad_Name"}, "AssetBucketArgs.bucket_name"),
    ("assets", {"data_key_arn": KEY, "replicate_to_dr": True}, "AssetBucketArgs.dr_provider is required"),
    ("assets", {"data_key_arn": KEY, "dr_key_arn": DR_KEY}, "replicate_to_dr is false"),
]


def _bad_args() -> None:
    errors = []
    for name, args, _ in BAD_ARGS:
        try:
            AssetBucket(name, AssetBucketArgs(**args))
        except ValueError as exc:
            errors.append(str(exc))
    same = aws.Provider("aws-same", region=REGION)
    try:
        AssetBucket("same", AssetBucketArgs(data_key_arn=KEY, replicate_to_dr=True,
                                            dr_provider=same, dr_key_arn=DR_KEY))
    except ValueError as exc:
        errors.append(str(exc))
    api, _ = stand_in_task_roles()
    bucket = AssetBucket("ok", AssetBucketArgs(data_key_arn=KEY))
    for call in (lambda: bucket.allow_from(api, "admin"),  # type: ignore[arg-type]
                 lambda: bucket.allow_from(object(), "read")):
        try:
            call()
        except (ValueError, TypeError) as exc:
            errors.append(str(exc))
    bucket.allow_from(api, "read")
    try:
        bucket.allow_from(api, "write")
    except ValueError as exc:
        errors.append(str(exc))
    pulumi.export("errors", errors)


def test_bad_args_are_refused_before_any_resource_is_registered():
    plan = plan_function(_bad_args, stack="test", project="q")
    errors = plan.stack_outputs["errors"]
    assert len(errors) == len(BAD_ARGS) + 4
    for (_, _, fragment), error in zip(BAD_ARGS, errors, strict=False):
        assert fragment in error, (fragment, error)
    n = len(BAD_ARGS)
    assert "the bucket's own region" in errors[n] and "AssetBucketArgs.dr_provider" in errors[n]
    assert "must be 'read' or 'write'" in errors[n + 1]
    assert "neither an aws.iam.Role nor something with a .task_role" in errors[n + 2]
    assert "already called with access='read'" in errors[n + 3]
    # the refused ones registered nothing (the same-region one only its component shell)
    assert {r.name for r in plan.of_type(BUCKET)} == {"ok-bucket", "ok-access-logs"}
    assert [r.name for r in plan.of_type(ROLE_POLICY)] == ["ok-api-task-access"]


def test_the_args_refuse_unknown_arguments():
    with pytest.raises(ValidationError, match="did you mean 'replicate_to_dr'"):
        AssetBucketArgs(data_key_arn=KEY, replicate_to_drr=True)


# --------------------------------------------------------------------------------------------
# config: read_assets / write_assets by name, replication needs a DR region
# --------------------------------------------------------------------------------------------

SERVICES = [{"name": "api", "kind": "worker", "image": "a/b:1", "use_database": False,
             "use_cache": False}]


def _env(**raw: Any):
    return load_environment({"profile": "dev", "tags": {"Owner": "t"}, "assets": [{"name": "assets"}],
                             **raw}, stack="dev", region=REGION)


def _problems(**raw: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        _env(**raw)
    return err.value.problems


def test_services_name_known_buckets_and_each_once():
    env = _env(services=[{**SERVICES[0], "write_assets": ["assets"]}])
    assert env.services[0].write_assets == ["assets"]
    [p] = _problems(services=[{**SERVICES[0], "read_assets": ["uploads"]}])
    assert p.startswith("groundwork:services[api].read_assets: unknown asset bucket(s) 'uploads'")
    [p] = _problems(services=[{**SERVICES[0], "read_assets": ["assets"], "write_assets": ["assets"]}])
    assert p.startswith("groundwork:services[api].read_assets:") and "write includes read" in p
    [p] = _problems(services=[{**SERVICES[0], "environment": {"ASSETS_BUCKET": "x"},
                               "write_assets": ["assets"]}])
    assert "ASSETS_BUCKET" in p and "wired by the stack" in p


def test_the_asset_section_reports_on_its_keys():
    [p] = _problems(assets=[{"name": "assets", "glacier_ir_after_days": 40}])
    assert p.startswith("groundwork:assets[assets].glacier_ir_after_days: is 40") and ">= 60" in p
    [p] = _problems(assets=[{"name": "assets", "replicate_to_dr": True}])
    assert p.startswith("groundwork:assets[assets].replicate_to_dr: is true but there is no DR region")
    problems = _problems(assets=[{"name": "assets"}, {"name": "assets"}])
    assert any("duplicate asset bucket name(s) assets" in p for p in problems)
    [p] = _problems(assets=[{"name": "Assets"}])
    assert p.startswith("groundwork:assets[Assets].name")


# --------------------------------------------------------------------------------------------
# the committed stacks
# --------------------------------------------------------------------------------------------


def _task_environment(plan: PlanResult, service: str) -> dict[str, Any]:
    task = plan.one("aws:ecs/taskDefinition:TaskDefinition", f"{service}-task")
    containers = task.inputs["containerDefinitions"]
    containers = json.loads(containers) if isinstance(containers, str) else containers
    return {e["name"]: e["value"] for e in containers[0].get("environment", [])}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stacks_have_the_assets_bucket_the_api_writes_and_the_worker_reads(stack, request):
    plan: PlanResult = request.getfixturevalue(stack)
    bucket = plan.one(BUCKET, "assets-bucket")
    name, arn = bucket.outputs["bucket"], bucket.outputs["arn"]
    assert name == f"groundwork-{stack}-assets-123456789012-us-east-1"
    data_key = plan.one("aws:kms/key:Key", "kms-data-key").outputs["arn"]
    [rule] = plan.one(ENCRYPTION, "assets-bucket-encryption").inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms",
                                                          "kmsMasterKeyId": data_key}
    api = _grant(plan, "assets-api-access")
    assert "s3:PutObject" in api["BucketObjects"]["Action"]
    assert api["BucketObjects"]["Resource"] == f"{arn}/*" and api["BucketKey"]["Resource"] == data_key
    worker = _grant(plan, "assets-worker-access")
    assert worker["BucketObjects"]["Action"] == ["s3:GetObject"]
    roles = {r.name: r.id for r in plan.of_type(ROLE)}
    assert plan.one(ROLE_POLICY, "assets-api-access").inputs["role"] == roles["api-task-role"]
    assert plan.one(ROLE_POLICY, "assets-worker-access").inputs["role"] == roles["worker-task-role"]
    assert _task_environment(plan, "api")["ASSETS_BUCKET"] == name
    assert _task_environment(plan, "worker")["ASSETS_BUCKET"] == name
    assert plan.name_clashes == []


def test_prod_tags_the_bucket_for_its_backup_plan_and_replicates_to_the_dr_region(prod):
    bucket = prod.one(BUCKET, "assets-bucket")
    assert bucket.protect is True
    assert bucket.inputs["tags"]["Backup"] == "groundwork-prod-backup"
    dr_region = prod.config.backup.copy_to_region
    assert dr_region and dr_region != prod.region
    replica = prod.one(BUCKET, "assets-replica")
    assert provider_region(prod, replica) == ("aws-dr", dr_region)
    dr_key = prod.one("aws:kms/key:Key", "kms-dr-data-key")
    assert provider_region(prod, dr_key) == ("aws-dr", dr_region)
    [rule] = prod.one(REPLICATION, "assets-replication-config").inputs["rules"]
    assert rule["destination"]["encryptionConfiguration"] == {
        "replicaKmsKeyId": dr_key.outputs["arn"]}
    assert rule["destination"]["bucket"] == replica.outputs["arn"]


def test_dev_has_no_replica_and_no_backup_tag(dev):
    assert "Backup" not in dev.one(BUCKET, "assets-bucket").inputs["tags"]
    assert not dev.of_type(REPLICATION) and not dev.named("assets-replica")
    assert dev.one(BUCKET, "assets-bucket").protect is False
