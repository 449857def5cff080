"""Helpers for the `groundwork verify` tests: the data services, created in moto the way the
stack would create them (from a plan's inputs where moto models the service).

Two moto 5.2 SQS gaps that `sqs_as_aws` closes, so the checks read what was set:
- a queue's RedriveAllowPolicy is stored but never returned by GetQueueAttributes (it is not
  in `Queue.BASE_ATTRIBUTES`): it is returned, as SQS does;
- a SetQueueAttributes call without `Policy` clears the queue's policy (`_set_attributes` ends
  with `self.policy = attributes.get("Policy")`): the policy is kept, as SQS does.
"""

from __future__ import annotations

import json
from typing import Any

from groundwork.engine import PlanResult

REGION = "us-east-1"

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE = "aws:sqs/redrivePolicy:RedrivePolicy"
REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"

_SQS_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId", "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "messageRetentionSeconds": "MessageRetentionPeriod", "maxMessageSize": "MaximumMessageSize",
    "delaySeconds": "DelaySeconds", "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
}
"""aws.sqs.Queue input -> the SQS attribute CreateQueue takes."""


def sqs_as_aws(monkeypatch: Any) -> None:
    """moto's SQS keeps a queue's policy and returns its RedriveAllowPolicy (see the docstring)."""
    from moto.sqs.models import Queue

    attributes_property: property = Queue.__dict__["attributes"]
    original = attributes_property.fget
    assert original is not None
    set_attributes = Queue._set_attributes

    def keep_policy(self: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        policy = getattr(self, "policy", None)
        set_attributes(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = policy

    def attributes(self: Any) -> dict[str, Any]:
        result = original(self)
        allow = getattr(self, "redrive_allow_policy", None)
        if allow:
            result["RedriveAllowPolicy"] = allow if isinstance(allow, str) else json.dumps(allow)
        return result

    monkeypatch.setattr(Queue, "attributes", property(attributes))
    monkeypatch.setattr(Queue, "_set_attributes", keep_policy)


def _attribute(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def replay_queues(plan: PlanResult, sqs: Any) -> None:
    """Create every queue of the plan in moto with its planned attributes, then its queue
    policy, redrive and redrive-allow policies (the separate resources the Queue component uses),
    at the URLs the plan's outputs name."""
    for queue in plan.of_type(QUEUE):  # declared DLQ first: the redrive target exists
        attributes = {api: _attribute(queue.inputs[k]) for k, api in _SQS_ATTRIBUTES.items()
                      if queue.inputs.get(k) is not None}
        sqs.create_queue(QueueName=queue.inputs["name"], Attributes=attributes)
    for type_, key, attribute in ((QUEUE_POLICY, "policy", "Policy"),
                                  (REDRIVE, "redrivePolicy", "RedrivePolicy"),
                                  (REDRIVE_ALLOW, "redriveAllowPolicy", "RedriveAllowPolicy")):
        for record in plan.of_type(type_):
            sqs.set_queue_attributes(QueueUrl=record.inputs["queueUrl"],
                                     Attributes={attribute: record.inputs[key]})


def tls_only(arn: str) -> str:
    """The queue policy the Queue component writes."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
        "Resource": arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def hardened_queue(sqs: Any, name: str, key_arn: str, *, max_receive: int = 5) -> dict[str, str]:
    """A queue and its DLQ as the Queue component builds them; the `queues.<name>` output."""
    key = {"KmsMasterKeyId": key_arn}
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq", Attributes=key)["QueueUrl"]
    url = sqs.create_queue(QueueName=name, Attributes=key)["QueueUrl"]
    arn, dlq_arn = (sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn"])
                    ["Attributes"]["QueueArn"] for u in (url, dlq_url))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": tls_only(arn),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive})})
    sqs.set_queue_attributes(QueueUrl=dlq_url, Attributes={
        "Policy": tls_only(dlq_arn),
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})})
    return {"url": url, "arn": arn, "name": name, "dlq_url": dlq_url, "dlq_arn": dlq_arn}


BUCKET = "aws:s3/bucket:Bucket"
_BUCKET_CALLS = {
    # plan record type -> (S3 call, how the record's inputs become the call's arguments)
    "aws:s3/bucketVersioning:BucketVersioning": ("put_bucket_versioning", lambda i: {
        "VersioningConfiguration": {"Status": i["versioningConfiguration"]["status"]}}),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "put_bucket_encryption", lambda i: {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": r["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
                **({"KMSMasterKeyID": r["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]}
                   if r["applyServerSideEncryptionByDefault"].get("kmsMasterKeyId") else {})},
             "BucketKeyEnabled": bool(r.get("bucketKeyEnabled"))} for r in i["rules"]]}}),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ("put_public_access_block", lambda i: {
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": i["blockPublicAcls"], "IgnorePublicAcls": i["ignorePublicAcls"],
            "BlockPublicPolicy": i["blockPublicPolicy"],
            "RestrictPublicBuckets": i["restrictPublicBuckets"]}}),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": ("put_bucket_ownership_controls",
                                                               lambda i: {"OwnershipControls": {
        "Rules": [{"ObjectOwnership": i["rule"]["objectOwnership"]}]}}),
    "aws:s3/bucketPolicy:BucketPolicy": ("put_bucket_policy", lambda i: {
        "Policy": i["policy"] if isinstance(i["policy"], str) else json.dumps(i["policy"])}),
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": ("put_bucket_replication", lambda i: {
        "ReplicationConfiguration": {"Role": i["role"], "Rules": [{
            "ID": r["id"], "Status": r["status"], "Priority": r["priority"],
            "Filter": {"Prefix": r["filter"].get("prefix", "")},
            "DeleteMarkerReplication": {"Status": r["deleteMarkerReplication"]["status"]},
            "Destination": {"Bucket": r["destination"]["bucket"],
                            "StorageClass": r["destination"]["storageClass"]},
        } for r in i["rules"]]}}),
}
"""What `replay_buckets` applies (lifecycle and logging are not read by `verify`)."""


def replay_buckets(plan: PlanResult, s3_of: Any, prefix: str) -> None:
    """Create the plan's buckets whose logical name starts with `prefix` in moto, then their
    versioning, encryption, public access block, ownership, policy and replication, each
    through `s3_of(record)`: the S3 client of the record's region (its provider's)."""
    buckets = [b for b in plan.of_type(BUCKET) if b.name.startswith(prefix)]
    for bucket in buckets:
        s3 = s3_of(bucket)
        region = s3.meta.region_name
        s3.create_bucket(Bucket=bucket.inputs["bucket"], **(
            {} if region == REGION else {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    names = {b.inputs["bucket"] for b in buckets}
    for kind, (call, arguments) in _BUCKET_CALLS.items():  # versioning first: replication needs it
        for record in plan.of_type(kind):
            if record.inputs["bucket"] in names:
                getattr(s3_of(record), call)(Bucket=record.inputs["bucket"], **arguments(record.inputs))


def hardened_bucket(s3: Any, name: str, key_arn: str) -> dict[str, str]:
    """A bucket as `secure_bucket` makes it on `key_arn` (versioned, SSE-KMS with the Bucket
    Key, public access blocked, ACLs off, TLS only); its `assets.<name>` output."""
    arn = f"arn:aws:s3:::{name}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
         "BucketKeyEnabled": True}]})
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    return {"bucket_name": name, "arn": arn}
