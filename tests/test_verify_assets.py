"""`groundwork verify`'s `assets` check against prod's planned asset bucket and its replica,
replayed in moto (5.2) from the plan's inputs (tests/verify_support.py `replay_buckets`).

What moto models: the bucket and its versioning, default encryption (algorithm, key, Bucket
Key), public access block, ownership controls, bucket policy and replication configuration are
stored and returned as S3 does; the replica is created through a us-west-2 client (moto keeps
one bucket namespace per partition, as S3 does). What it doesn't: S3 never checks that the
replication role may read the source or that the replica's key exists, so a replication that
would fail at run time still "configures"; the check reads the configuration, as it would on AWS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from verify_support import replay_buckets

from groundwork import verify

REGION, DR = "us-east-1", "us-west-2"
OTHERS = frozenset(c for c in verify.STACK_CHECKS if c != "assets")


@dataclass
class Deployed:
    outputs: dict[str, Any]
    expect: verify.Expectations
    s3: Any
    dr_s3: Any

    @property
    def bucket(self) -> str:
        return str(self.outputs["assets"]["assets"]["bucket_name"])

    @property
    def replica(self) -> str:
        return str(self.outputs["assets"]["assets"]["replica_bucket_name"])

    def run(self, **changes: Any) -> verify.CheckResult:
        """The `assets` row of the one asset bucket; `changes` replace keys of its output."""
        outputs = {**self.outputs, "assets": {"assets": {**self.outputs["assets"]["assets"],
                                                         **changes}}}
        clients = {"s3": self.s3}
        [row] = [r for r in verify.Verifier(outputs, self.expect, clients=lambda n: clients[n],
                                            dr_clients=lambda n: self.dr_s3).run()
                 if r.check == "assets"]
        return row


@pytest.fixture
def deployed(prod) -> Iterator[Deployed]:
    """prod's asset bucket, its replica and their settings, as `pulumi up` would leave them."""
    with mock_aws():
        s3, dr_s3 = boto3.client("s3", region_name=REGION), boto3.client("s3", region_name=DR)
        replay_buckets(prod, lambda r: dr_s3 if "aws-dr" in r.provider.split("::")[-1] else s3,
                       "assets-")
        from groundwork.stacks.loader import environment_from_file

        expect = replace(verify.Expectations.from_config(environment_from_file("prod")), skip=OTHERS)
        yield Deployed(prod.stack_outputs, expect, s3, dr_s3)


def test_prod_expects_its_replicated_asset_bucket(deployed):
    assert deployed.expect.assets == (verify.AssetExpectation("assets", replicate=True),)
    out = deployed.outputs["assets"]["assets"]
    assert out["replica_region"] == DR and out["replica_arn"] == f"arn:aws:s3:::{deployed.replica}"


def test_the_planned_bucket_passes(deployed):
    row = deployed.run()
    assert (row.status, row.target) == ("PASS", deployed.bucket), row.detail
    assert row.detail == ("versioned, SSE-KMS with the data key and Bucket Key, public access "
                          f"blocked, ACLs disabled, TLS only, replicated to {deployed.replica} ({DR})")


def test_versioning_suspended_fails(deployed):
    deployed.s3.put_bucket_versioning(Bucket=deployed.bucket,
                                      VersioningConfiguration={"Status": "Suspended"})
    row = deployed.run()
    assert row.status == "FAIL" and "versioning Suspended, not Enabled" in row.detail


def _encrypt(deployed: Deployed, default: dict[str, str], bucket_key: bool = True) -> None:
    deployed.s3.put_bucket_encryption(Bucket=deployed.bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": bucket_key}]})


def test_sse_s3_another_key_or_no_bucket_key_fails(deployed):
    data_key = deployed.outputs["kms_key_arns"]["data"]
    _encrypt(deployed, {"SSEAlgorithm": "AES256"})
    assert "default encryption AES256, not SSE-KMS" in deployed.run().detail
    other = "arn:aws:kms:us-east-1:123456789012:key/other"
    _encrypt(deployed, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": other})
    row = deployed.run()
    assert row.status == "FAIL" and f"with {other}, not the data key {data_key}" in row.detail
    _encrypt(deployed, {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": data_key}, bucket_key=False)
    row = deployed.run()
    assert row.status == "FAIL" and row.detail == "S3 Bucket Key off (one KMS request per object)"
    deployed.s3.delete_bucket_encryption(Bucket=deployed.bucket)
    assert deployed.run().status == "FAIL"  # moto then answers no configuration (AWS: SSE-S3)


def test_each_public_access_switch_off_fails_naming_it(deployed):
    for switch in verify._PUBLIC_ACCESS_SWITCHES:
        config = {k: k != switch for k in verify._PUBLIC_ACCESS_SWITCHES}
        deployed.s3.put_public_access_block(Bucket=deployed.bucket,
                                            PublicAccessBlockConfiguration=config)
        row = deployed.run()
        assert row.status == "FAIL" and row.detail == f"Block Public Access off: {switch}"
    deployed.s3.delete_public_access_block(Bucket=deployed.bucket)
    assert "Block Public Access off: BlockPublicAcls, IgnorePublicAcls" in deployed.run().detail


def test_acls_enabled_fails(deployed):
    deployed.s3.put_bucket_ownership_controls(Bucket=deployed.bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert "ObjectOwnership ObjectWriter, not BucketOwnerEnforced" in deployed.run().detail
    deployed.s3.delete_bucket_ownership_controls(Bucket=deployed.bucket)
    assert "ObjectOwnership unset" in deployed.run().detail


def test_a_policy_without_the_tls_statement_fails(deployed):
    policy = json.loads(deployed.s3.get_bucket_policy(Bucket=deployed.bucket)["Policy"])
    tls = [s for s in policy["Statement"] if s.get("Sid") == "DenyInsecureTransport"]
    assert tls, policy  # the planned policy has it (the pass case reads it)
    narrowed = {**policy, "Statement": [
        {**s, "Resource": s["Resource"][0]} if s.get("Sid") == "DenyInsecureTransport" else s
        for s in policy["Statement"]]}  # the bucket only, not its objects
    deployed.s3.put_bucket_policy(Bucket=deployed.bucket, Policy=json.dumps(narrowed))
    assert "doesn't deny s3:* without TLS" in deployed.run().detail
    deployed.s3.delete_bucket_policy(Bucket=deployed.bucket)
    row = deployed.run()
    assert row.status == "FAIL" and "doesn't deny s3:* without TLS" in row.detail


def test_replication_missing_or_elsewhere_fails(deployed):
    config = deployed.s3.get_bucket_replication(Bucket=deployed.bucket)["ReplicationConfiguration"]
    elsewhere = {**config, "Rules": [{**r, "Destination": {**r["Destination"],
                                                           "Bucket": "arn:aws:s3:::someone-elses"}}
                                     for r in config["Rules"]]}
    deployed.s3.put_bucket_replication(Bucket=deployed.bucket, ReplicationConfiguration=elsewhere)
    replica_arn = deployed.outputs["assets"]["assets"]["replica_arn"]
    assert f"no enabled replication rule to the replica {replica_arn}" in deployed.run().detail
    disabled = {**config, "Rules": [{**r, "Status": "Disabled"} for r in config["Rules"]]}
    deployed.s3.put_bucket_replication(Bucket=deployed.bucket, ReplicationConfiguration=disabled)
    assert "no enabled replication rule" in deployed.run().detail
    deployed.s3.delete_bucket_replication(Bucket=deployed.bucket)
    assert "no replication configuration" in deployed.run().detail


def test_a_missing_or_unversioned_replica_fails(deployed):
    deployed.dr_s3.put_bucket_versioning(Bucket=deployed.replica,
                                         VersioningConfiguration={"Status": "Suspended"})
    assert f"the replica {deployed.replica} is not versioned" in deployed.run().detail
    row = deployed.run(replica_bucket_name="groundwork-prod-assets-replica-gone")
    assert row.status == "FAIL"
    assert f"the replica groundwork-prod-assets-replica-gone does not exist in {DR}" in row.detail


def test_a_missing_bucket_or_output_is_named(deployed):
    row = deployed.run(bucket_name="groundwork-prod-assets-gone")
    assert (row.status, row.target) == ("FAIL", "groundwork-prod-assets-gone")
    assert "bucket groundwork-prod-assets-gone" in row.detail
    # replicate_to_dr in the config but no replica exported: SKIP naming the key
    row = deployed.run(replica_arn=None)
    assert (row.status, row.detail) == ("SKIP", "SKIP: output assets.assets.replica_arn missing")
    outputs = {k: v for k, v in deployed.outputs.items() if k != "assets"}
    [row] = [r for r in verify.Verifier(outputs, deployed.expect, clients=lambda n: None).run()
             if r.check == "assets"]
    assert (row.target, row.detail) == ("assets", "SKIP: output assets.assets.bucket_name/arn missing")


def test_dev_checks_its_unreplicated_bucket_only(dev):
    """dev: one asset bucket, no replication expected or exported."""
    from groundwork.stacks.loader import environment_from_file

    expect = verify.Expectations.from_config(environment_from_file("dev"))
    assert expect.assets == (verify.AssetExpectation("assets", replicate=False),)
    assert set(dev.stack_outputs["assets"]["assets"]) == {"bucket_name", "arn"}
