"""`groundwork bootstrap-state` against moto: one bucket and one key however often it runs,
configured as documented, and hands off buckets and keys it did not create."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from groundwork.bootstrap import KEY_TAG, STATE_TAG, BootstrapError, bootstrap_state
from groundwork.cli import app

REGION = "us-east-1"
BUCKET = "acme-pulumi-state"
ALIAS = "alias/pulumi-groundwork"


@pytest.fixture
def aws(monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(var, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


def _keys(session) -> list[str]:
    return [k["KeyId"] for k in session.client("kms").list_keys()["Keys"]]


def test_two_runs_leave_one_bucket_and_one_key(aws):
    first = bootstrap_state(BUCKET, REGION, session=aws)
    second = bootstrap_state(BUCKET, REGION, session=aws)
    assert first.created_bucket and first.created_key
    assert not second.created_bucket and not second.created_key and second.adopted == []
    assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]] == [BUCKET]
    assert len(_keys(aws)) == 1
    aliases = [a for a in aws.client("kms").list_aliases()["Aliases"] if a["AliasName"] == ALIAS]
    assert len(aliases) == 1 and first.key_arn == second.key_arn


def test_the_bucket_is_configured_as_documented(aws):
    result = bootstrap_state(BUCKET, REGION, noncurrent_days=30, session=aws)
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    [rule] = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": result.key_arn}
    assert rule["BucketKeyEnabled"] is True
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                     "RestrictPublicBuckets": True}
    assert s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    [statement] = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}
    assert set(statement["Resource"]) == {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"}
    [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle["Status"] == "Enabled"
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert STATE_TAG in tags


def test_the_key_rotates_and_is_tagged(aws):
    result = bootstrap_state(BUCKET, REGION, session=aws)
    kms = aws.client("kms")
    key_id = kms.describe_key(KeyId=ALIAS)["KeyMetadata"]["KeyId"]
    assert result.key_arn.endswith(key_id)
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    assert KEY_TAG in {t["TagKey"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}


def test_a_bucket_it_did_not_create_is_refused_untouched(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(BootstrapError, match=r"without the groundwork:state-bucket tag.*--adopt"):
        bootstrap_state(BUCKET, REGION, session=aws)
    assert "Status" not in s3.get_bucket_versioning(Bucket=BUCKET)  # nothing was changed
    assert _keys(aws) == []  # not even the key was created


def test_adopt_takes_the_bucket_over_and_keeps_its_tags(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [{"Key": "Owner", "Value": "ops"}]})
    result = bootstrap_state(BUCKET, REGION, adopt=True, session=aws)
    assert result.adopted == [f"bucket {BUCKET}"] and not result.created_bucket
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags["Owner"] == "ops" and STATE_TAG in tags
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    again = bootstrap_state(BUCKET, REGION, session=aws)  # now ours: no --adopt needed
    assert again.adopted == []


def test_a_key_alias_it_did_not_create_is_refused(aws):
    kms = aws.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=ALIAS, TargetKeyId=key)
    with pytest.raises(BootstrapError, match="has no groundwork:secrets-key tag"):
        bootstrap_state(BUCKET, REGION, session=aws)
    assert aws.client("s3").list_buckets()["Buckets"] == []


def test_other_regions_get_a_location_constraint(aws):
    session = boto3.session.Session(region_name="eu-west-1")
    result = bootstrap_state(BUCKET, "eu-west-1", session=session)
    location = session.client("s3").get_bucket_location(Bucket=BUCKET)["LocationConstraint"]
    assert location == "eu-west-1" and ":eu-west-1:" in result.key_arn
    with pytest.raises(BootstrapError, match="is in eu-west-1, not us-east-1"):
        bootstrap_state(BUCKET, REGION, session=aws)


@pytest.mark.parametrize("bucket", ["Acme_State", "ab", "192.168.0.1", "a..b"])
def test_bad_bucket_names_are_refused_before_any_call(aws, bucket):
    with pytest.raises(ValueError, match="--bucket"):
        bootstrap_state(bucket, REGION, session=aws)


def test_cli_prints_the_login_and_secrets_provider_lines_and_exit_codes(aws):
    runner = CliRunner()
    ok = runner.invoke(app, ["bootstrap-state", "--bucket", BUCKET, "--region", REGION])
    assert ok.exit_code == 0, ok.output
    assert f"pulumi login 's3://{BUCKET}?region={REGION}&awssdk=v2'" in ok.output
    assert f"--secrets-provider 'awskms://{ALIAS}?region={REGION}'" in ok.output
    bad = runner.invoke(app, ["bootstrap-state", "--bucket", "Bad_Name", "--region", REGION])
    assert bad.exit_code == 2
    aws.client("s3").create_bucket(Bucket="someone-elses-bucket")
    refused = runner.invoke(app, ["bootstrap-state", "--bucket", "someone-elses-bucket", "--region", REGION])
    assert refused.exit_code == 1 and "--adopt" in refused.output
