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
