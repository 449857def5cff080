"""`groundwork bootstrap-state`: the S3 bucket Pulumi keeps state in, and the KMS key that
encrypts both that state and the stacks' secrets (`awskms://`). Run once per account, by a human
with admin rights, before the first `pulumi login`; safe to run again (it converges, never
duplicates), and it refuses a bucket or key it did not create unless told `--adopt`.

The bucket: versioning (every state write is a new version: a bad `pulumi up` can be rolled back
by restoring the previous object), SSE-KMS with the groundwork key and an S3 Bucket Key, all four
public-access blocks, ACLs disabled (BucketOwnerEnforced), a policy refusing any request not made
over TLS, a lifecycle rule expiring non-current versions after N days (and aborting stale
multipart uploads), and the `groundwork:state-bucket` tag that marks it as ours.

Why SSE-KMS rather than SSE-S3 (AES256): state holds every resource's inputs and outputs and the
ciphertext of every secret. With SSE-KMS, reading it takes `kms:Decrypt` on a key whose policy we
control as well as `s3:GetObject`, so an over-broad read-only S3 role doesn't expose it, and
CloudTrail records every decryption. The Bucket Key keeps KMS request charges negligible, and the
key is the same one the `awskms://` secrets provider uses, so it costs nothing extra ($1/month).

Locking: Pulumi's S3 backend writes a lock object under `.pulumi/locks/` for each update, so two
concurrent `pulumi up`s of one stack are refused without a DynamoDB table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from groundwork.components.base import tls_only_statement

STATE_TAG = "groundwork:state-bucket"
"""Tag that marks a bucket as created (or adopted) by groundwork for Pulumi state."""
KEY_TAG = "groundwork:secrets-key"
"""Tag that marks the KMS key as created (or adopted) by groundwork."""
DEFAULT_ALIAS = "alias/pulumi-groundwork"
DEFAULT_NONCURRENT_DAYS = 90
BUCKET_NAME = re.compile(
    r"^(?!xn--)(?!sthree-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class BootstrapError(Exception):
    """Refused: the bucket or key exists and is not ours (or is elsewhere)."""


@dataclass
class BootstrapResult:
    bucket: str
    region: str
    alias: str
    key_arn: str
    created_bucket: bool = False
    created_key: bool = False
    adopted: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def login_command(self) -> str:
        return f"pulumi login 's3://{self.bucket}?region={self.region}&awssdk=v2'"

    def stack_init_command(self, stack: str = "<stack>") -> str:
        return (f"pulumi stack init {stack} --secrets-provider "
                f"'awskms://{self.alias}?region={self.region}'")


def validate(bucket: str, region: str, alias: str, noncurrent_days: int) -> list[str]:
    """Problems with the arguments, one line each (empty when fine)."""
    problems = []
    if not BUCKET_NAME.match(bucket):
        problems.append(f"--bucket: {bucket!r} is not a valid S3 bucket name (3-63 characters: "
                        "lowercase letters, digits, dots and hyphens; starts and ends with a letter "
                        "or digit)")
    if not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-\d$", region):
        problems.append(f"--region: {region!r} is not an AWS region such as us-east-1")
    if not re.match(r"^alias/[A-Za-z0-9/_-]{1,250}$", alias) or alias.startswith("alias/aws/"):
        problems.append(f"--kms-alias: {alias!r} must look like alias/pulumi-groundwork "
                        "(alias/aws/ is reserved for AWS-managed keys)")
    if not 1 <= noncurrent_days <= 3650:
        problems.append(f"--noncurrent-days: {noncurrent_days} must be between 1 and 3650")
    return problems


def tls_only_policy(bucket: str, partition: str = "aws") -> dict[str, Any]:
    arn = f"arn:{partition}:s3:::{bucket}"
    return {"Version": "2012-10-17",
            "Statement": [tls_only_statement("s3:*", [arn, f"{arn}/*"])]}


def bootstrap_state(bucket: str, region: str, *, kms_alias: str = DEFAULT_ALIAS, adopt: bool = False,
                    noncurrent_days: int = DEFAULT_NONCURRENT_DAYS, session: Any = None) -> BootstrapResult:
    """Create or converge the state bucket and the secrets key. Raises BootstrapError when either
    exists without groundwork's tag and `adopt` is false (before changing anything), ValueError
    for bad arguments."""
    problems = validate(bucket, region, kms_alias, noncurrent_days)
    if problems:
        raise ValueError("\n".join(problems))
    if session is None:
        import boto3

        session = boto3.session.Session(region_name=region)
    s3 = session.client("s3", region_name=region)
    kms = session.client("kms", region_name=region)

    # Look first, change nothing until both are known to be ours (or adopted).
    bucket_state = _bucket_state(s3, bucket, region)
    key = _existing_key(kms, kms_alias)
    if bucket_state == "foreign" and not adopt:
        raise BootstrapError(f"bucket {bucket} exists without the {STATE_TAG} tag: groundwork did not "
                             "create it. Re-run with --adopt to take it over (its configuration will "
                             "be replaced), or choose another --bucket.")
    if key is not None and not _key_is_ours(kms, key["KeyId"]) and not adopt:
        raise BootstrapError(f"{kms_alias} points to key {key['KeyId']}, which has no {KEY_TAG} tag: "
                             "groundwork did not create it. Re-run with --adopt to use it, or choose "
                             "another --kms-alias.")

    result = BootstrapResult(bucket=bucket, region=region, alias=kms_alias, key_arn="")
    result.key_arn = _ensure_key(kms, kms_alias, key, result)
    if bucket_state == "missing":
        kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
        if region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        result.created_bucket = True
        result.steps.append(f"created bucket {bucket}")
    elif bucket_state == "foreign":
        result.adopted.append(f"bucket {bucket}")
    _converge_bucket(s3, bucket, result.key_arn, noncurrent_days, result)
    return result


def _bucket_state(s3: Any, bucket: str, region: str) -> str:
    """missing | ours | foreign; BootstrapError if it belongs to another account or region."""
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in {"404", "NoSuchBucket", "NotFound"}:
            return "missing"
        if code in {"403", "AccessDenied", "Forbidden"}:
            raise BootstrapError(f"bucket {bucket} exists but this account can't access it (another "
                                 "account owns the name, or you lack s3:ListBucket); choose another "
                                 "--bucket") from None
        raise
    location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
    if location != region:
        raise BootstrapError(f"bucket {bucket} is in {location}, not {region}; pass --region {location}")
    return "ours" if STATE_TAG in _bucket_tags(s3, bucket) else "foreign"


def _bucket_tags(s3: Any, bucket: str) -> dict[str, str]:
    try:
        tags = s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"NoSuchTagSet", "NoSuchTagSetError"}:
            return {}
        raise
    return {t["Key"]: t["Value"] for t in tags}


def _existing_key(kms: Any, alias: str) -> dict[str, Any] | None:
    try:
        return kms.describe_key(KeyId=alias)["KeyMetadata"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NotFoundException":
            return None
        raise


def _key_is_ours(kms: Any, key_id: str) -> bool:
    tags = kms.list_resource_tags(KeyId=key_id).get("Tags", [])
    return any(t["TagKey"] == KEY_TAG for t in tags)


def _ensure_key(kms: Any, alias: str, key: dict[str, Any] | None, result: BootstrapResult) -> str:
    if key is None:
        key = kms.create_key(
            Description="Pulumi state and secrets (groundwork bootstrap-state)",
            KeyUsage="ENCRYPT_DECRYPT",
            KeySpec="SYMMETRIC_DEFAULT",
            Tags=[{"TagKey": KEY_TAG, "TagValue": alias}, {"TagKey": "ManagedBy", "TagValue": "groundwork"}],
        )["KeyMetadata"]
        kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        result.created_key = True
        result.steps.append(f"created KMS key {key['KeyId']} as {alias}")
    else:
        if key.get("KeyState") != "Enabled":
            raise BootstrapError(f"{alias} points to key {key['KeyId']} in state {key.get('KeyState')}; "
                                 "enable it (or cancel its deletion) first")
        if not _key_is_ours(kms, key["KeyId"]):
            kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": KEY_TAG, "TagValue": alias}])
            result.adopted.append(f"key {alias}")
    if not kms.get_key_rotation_status(KeyId=key["KeyId"]).get("KeyRotationEnabled"):
        kms.enable_key_rotation(KeyId=key["KeyId"])
        result.steps.append("enabled yearly key rotation")
    return key["Arn"]


def _converge_bucket(s3: Any, bucket: str, key_arn: str, noncurrent_days: int,
                     result: BootstrapResult) -> None:
    """Apply the whole configuration (every call is idempotent)."""
    partition = key_arn.split(":")[1] if key_arn.startswith("arn:") else "aws"
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
        "BucketKeyEnabled": True}]})
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket, partition)))
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": "expire-old-state-versions",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_days},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }]})
    tags = {**_bucket_tags(s3, bucket), STATE_TAG: "pulumi-state", "ManagedBy": "groundwork"}
    s3.put_bucket_tagging(Bucket=bucket,
                          Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    result.steps.append(f"configured bucket {bucket}: versioning, SSE-KMS + bucket key, public access "
                        f"blocked, ACLs disabled, TLS-only policy, non-current versions expire after "
                        f"{noncurrent_days} days")
