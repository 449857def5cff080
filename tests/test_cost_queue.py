"""`groundwork cost` for SQS queues: requests (assumed, per main queue, never the dead-letter
queue) and the KMS requests SQS makes for an encrypted queue, pinned on hand-computed plans and
on the committed prod stack."""

from __future__ import annotations

import json
from typing import Any

import pytest

from groundwork import cost
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import load_environment

STACK_URN = "urn:pulumi:t::groundwork::pulumi:pulumi:Stack::groundwork-t"
ARN = "arn:aws:sqs:us-east-1:123456789012:{}"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k"


def _plan(*records: tuple[str, str, dict[str, Any], dict[str, Any]]) -> PlanResult:
    env = load_environment({"profile": "dev", "tags": {"Owner": "t"}}, stack="t", region="us-east-1")
    comp = "urn:pulumi:t::groundwork::groundwork:data:Queue::jobs"
    out = [ResourceRecord("pulumi:pulumi:Stack", "groundwork-t", STACK_URN, "", False, {}, {}),
           ResourceRecord("groundwork:data:Queue", "jobs", comp, STACK_URN, False, {}, {})]
    for typ, name, inputs, outputs in records:
        out.append(ResourceRecord(typ, name, f"urn:{typ}::{name}", comp, True, inputs,
                                  {**inputs, **outputs}, id=name))
    return PlanResult(stack="t", project="groundwork", config=env, resources=out,
                      stack_outputs={}, log=[])


def _queue(name: str, **inputs: Any) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    return (cost.SQS_QUEUE, name, {"name": name, **inputs}, {"arn": ARN.format(name)})


def _grant(role: str, queue: str, *actions: str) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    doc = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": list(actions), "Resource": ARN.format(queue)}]}
    return (cost.ROLE_POLICY, f"{role}-grant", {"role": role, "policy": json.dumps(doc)}, {})


def _lines(plan: PlanResult, **assume: Any) -> dict[str, cost.CostLine]:
    est = cost.estimate(plan, cost.Assumptions(**assume))
    return {f"{line.resource}: {line.item}": line for line in est.lines}


def test_a_standard_queue_costs_its_assumed_requests_and_its_kms_requests():
    plan = _plan(_queue("jobs", kmsMasterKeyId=KEY, kmsDataKeyReusePeriodSeconds=300),
                 _grant("api", "jobs", "sqs:SendMessage"),
                 _grant("worker", "jobs", "sqs:ReceiveMessage", "sqs:DeleteMessage"))
    lines = _lines(plan)
    sqs = lines["jobs: SQS standard requests (assumed)"]
    assert (sqs.quantity, sqs.unit, sqs.unit_price) == (1.0, "million requests", 0.40)
    [kms] = [v for k, v in lines.items() if "KMS requests" in k]
    assert "1 producer(s), 1 consumer(s)" in kms.item
    # (2 x 1 producer + 1 consumer) x 730 h x 3600 s / 300 s = 26,280 requests = 2.628 x 10k
    assert kms.quantity == pytest.approx(2.628) and kms.unit_price == 0.03
    assert kms.monthly == pytest.approx(0.07884)


def test_requests_follow_the_assumption_and_fifo_is_dearer():
    plan = _plan(_queue("jobs.fifo", fifoQueue=True))
    [line] = _lines(plan, sqs_requests_millions_per_queue=25).values()
    assert line.item == "SQS FIFO requests (assumed)"
    assert (line.quantity, line.unit, line.unit_price) == (25, "million requests", 0.50)
    assert line.monthly == pytest.approx(25 * 0.50)


def test_a_fifo_name_alone_is_priced_as_fifo():
    """A record whose fifoQueue input is absent (an imported queue, or one read back) but whose
    name ends in .fifo is a FIFO queue: AWS refuses the suffix on a standard queue."""
    [line] = _lines(_plan(_queue("jobs.fifo"))).values()
    assert (line.item, line.unit_price) == ("SQS FIFO requests (assumed)", 0.50)


def test_the_dead_letter_queue_is_not_priced():
    plan = _plan(_queue("jobs"), _queue("jobs-dlq"),
                 (cost.SQS_REDRIVE, "jobs-redrive", {"redrivePolicy": json.dumps(
                     {"deadLetterTargetArn": ARN.format("jobs-dlq"), "maxReceiveCount": 5})}, {}))
    assert [line.resource for line in cost.estimate(plan).lines] == ["jobs"]


def test_more_principals_and_a_longer_reuse_period_change_the_kms_line():
    plan = _plan(_queue("jobs", kmsMasterKeyId=KEY, kmsDataKeyReusePeriodSeconds=3600),
                 _grant("a", "jobs", "sqs:SendMessage"), _grant("b", "jobs", "sqs:SendMessage"),
                 _grant("c", "jobs", "sqs:ReceiveMessage"), _grant("d", "other", "sqs:SendMessage"))
    [kms] = [v for k, v in _lines(plan).items() if "KMS requests" in k]
    assert "2 producer(s), 1 consumer(s)" in kms.item  # d's grant is on another queue
    assert kms.quantity == pytest.approx((2 * 2 + 1) * 730 * 3600 / 3600 / 10_000)


def test_an_unencrypted_queue_has_no_kms_line_and_an_ungranted_one_assumes_one_each():
    assert [line.item for line in cost.estimate(_plan(_queue("jobs"))).lines] == [
        "SQS standard requests (assumed)"]
    [kms] = [line for line in cost.estimate(_plan(_queue("jobs", kmsMasterKeyId=KEY))).lines
             if "KMS" in line.item]
    assert "1 producer(s), 1 consumer(s)" in kms.item


def test_the_assumption_is_printed():
    est = cost.estimate(_plan(_queue("jobs")), cost.Assumptions(sqs_requests_millions_per_queue=3))
    assert any(a.startswith("SQS: 3 million requests per queue per month") for a in est.assumptions)


def test_prod_prices_the_jobs_queue_with_its_real_grants(prod):
    est = cost.estimate(prod)
    lines = [line for line in est.lines if line.component == "jobs"]
    assert {line.resource for line in lines} == {"jobs-queue"}  # not jobs-dlq
    items = sorted(line.item for line in lines)
    assert items == ["KMS requests for SQS (1 producer(s), 1 consumer(s), data key reused 300 s)",
                     "SQS standard requests (assumed)"]
