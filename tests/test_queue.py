"""`Queue` (components/queue.py): the settings' AWS limits and the visibility rule (pure), the
component standalone under mocks (queues, redrive, TLS policies, grants, wiring), refused Args
before anything is registered, the committed dev and prod stacks' `jobs` queue (the api sends,
the worker receives and scales on it, its QueueBacklog alarm watches it), the config's queue
wiring, and the plan's queues replayed in moto (a message that keeps failing lands in the DLQ).
Every value is compared with the output of the resource it refers to."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from conftest import stand_in_task_roles
from pydantic import ValidationError

from groundwork.components.alarm_names import ALARMS, SEED_RULES
from groundwork.components.alarms import AlarmTargets, QueueTarget, ServiceTarget, alarm_specs
from groundwork.components.queue import (
    Queue,
    QueueArgs,
    QueueSettings,
    env_name,
    oldest_message_threshold,
    required_visibility_timeout,
)
from groundwork.components.service import FargateServiceSettings
from groundwork.engine import PlanResult, ResourceRecord
from groundwork.stacks.config import ConfigError, load_environment
from groundwork.testing import plan_function

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
REDRIVE = "aws:sqs/redrivePolicy:RedrivePolicy"
REDRIVE_ALLOW = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPONENT = "groundwork:data:Queue"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REGION = "us-east-1"


def doc(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    value = record.inputs[key]
    return json.loads(value) if isinstance(value, str) else value


# --------------------------------------------------------------------------------------------
# settings (pure)
# --------------------------------------------------------------------------------------------


def test_defaults_are_valid_and_long_polling():
    s = QueueSettings()
    assert (s.receive_wait_time_seconds, s.visibility_timeout_seconds, s.max_receive_count) == (20, 300, 5)
    assert s.dlq_retention_seconds == 1209600 > s.message_retention_seconds == 345600


@pytest.mark.parametrize(("job", "consumer", "need"), [
    (60, "worker", 90), (100, "worker", 130), (150, "worker", 180), (1000, "worker", 1200),
    (60, "lambda", 360), (900, "lambda", 5400),
])
def test_required_visibility_timeout(job, consumer, need):
    assert required_visibility_timeout(job, consumer) == need
    assert QueueSettings(max_job_seconds=job, consumer=consumer,
                         visibility_timeout_seconds=need).visibility_timeout_seconds == need
    with pytest.raises(ValidationError, match=f"needs \\({need}"):
        QueueSettings(max_job_seconds=job, consumer=consumer, visibility_timeout_seconds=need - 1)


@pytest.mark.parametrize(("settings", "fragment"), [
    ({"max_job_seconds": 40000, "visibility_timeout_seconds": 43200}, "above SQS's maximum"),
    ({"message_retention_seconds": 1209600}, "14-day maximum"),
    ({"message_retention_seconds": 86400, "dlq_retention_seconds": 86400}, "must exceed"),
    ({"content_based_deduplication": True}, "FIFO queues only"),
    ({"fifo_high_throughput": True}, "FIFO queues only"),
    ({"visibility_timeout_seconds": 43201}, "less than or equal to 43200"),
    ({"receive_wait_time_seconds": 21}, "less than or equal to 20"),
    ({"delay_seconds": 901}, "less than or equal to 900"),
    ({"max_message_size": 1023}, "greater than or equal to 1024"),
    ({"max_message_size": 1048577}, "less than or equal to 1048576"),
    ({"message_retention_seconds": 59}, "greater than or equal to 60"),
    ({"kms_data_key_reuse_period_seconds": 59}, "greater than or equal to 60"),
    ({"kms_data_key_reuse_period_seconds": 86401}, "less than or equal to 86400"),
    ({"max_receive_count": 0}, "greater than or equal to 1"),
    ({"consumer": "cron"}, "'worker' or 'lambda'"),
    ({"visibility_timeout_seconds": "three"}, "valid integer"),
])
def test_settings_outside_aws_limits_or_contradicting_each_other_are_refused(settings, fragment):
    with pytest.raises(ValidationError, match=fragment):
        QueueSettings(**settings)


def test_the_oldest_message_threshold_follows_retries_floor_and_retention():
    assert oldest_message_threshold(QueueSettings()) == 5 * 300  # every retry of a message
    assert oldest_message_threshold(QueueSettings(visibility_timeout_seconds=100)) == 900  # floor
    assert oldest_message_threshold(QueueSettings(delay_seconds=60)) == 5 * 300 + 60
    # never later than half the retention: messages would start expiring unread
    assert oldest_message_threshold(QueueSettings(message_retention_seconds=1200,
                                                  dlq_retention_seconds=3600)) == 600
    assert oldest_message_threshold(QueueSettings(max_receive_count=100,
                                                  visibility_timeout_seconds=3600)) == 345600 // 2


def test_env_names():
    assert env_name("jobs") == "JOBS_QUEUE_URL"
    assert env_name("image-jobs") == "IMAGE_JOBS_QUEUE_URL"


# --------------------------------------------------------------------------------------------
# the component standalone, under mocks
# --------------------------------------------------------------------------------------------


def _standalone() -> None:
    api, worker = stand_in_task_roles()
    jobs = Queue("jobs", QueueArgs(data_key_arn=KEY, max_receive_count=3, tags={"Owner": "t"}))
    jobs.allow_from(api, send=True)
    first = jobs.allow_from(worker, receive=True)
    assert jobs.allow_from(worker, receive=True) is first  # idempotent per service
    both = Queue("events", QueueArgs(data_key_arn=KEY, fifo=True, content_based_deduplication=True,
                                     fifo_high_throughput=True, delay_seconds=30))
    both.allow_from(worker, send=True, receive=True)
    pulumi.export("jobs_env", jobs.connection().environment)
    pulumi.export("events_env", both.connection().environment)
    for attr in ("url", "arn", "name", "dlq_url", "dlq_arn", "dlq_name"):
        pulumi.export(f"jobs_{attr}", getattr(jobs, attr))


@pytest.fixture(scope="module")
def standalone() -> PlanResult:
    return plan_function(_standalone, stack="test", project="q")


def queues_of(plan: PlanResult, name: str) -> tuple[ResourceRecord, ResourceRecord]:
    component = plan.one(COMPONENT, name)
    return (plan.one(QUEUE, f"{name}-queue", parent=component),
            plan.one(QUEUE, f"{name}-dlq", parent=component))


def test_a_queue_and_its_dlq_are_named_encrypted_and_long_polled(standalone):
    queue, dlq = queues_of(standalone, "jobs")
    assert (queue.inputs["name"], dlq.inputs["name"]) == ("q-test-jobs", "q-test-jobs-dlq")
    for q in (queue, dlq):
        assert q.inputs["kmsMasterKeyId"] == KEY
        assert "sqsManagedSseEnabled" not in q.inputs  # conflicts with the customer key
        assert q.inputs["kmsDataKeyReusePeriodSeconds"] == 300
        assert q.inputs["receiveWaitTimeSeconds"] == 20
        assert q.inputs["visibilityTimeoutSeconds"] == 300
        assert "fifoQueue" not in q.inputs and "redrivePolicy" not in q.inputs
        assert q.inputs["tags"]["Owner"] == "t" and q.inputs["tags"]["Name"] == q.inputs["name"]
    assert queue.inputs["messageRetentionSeconds"] == 345600
    assert dlq.inputs["messageRetentionSeconds"] == 1209600


def test_redrive_goes_to_the_dlq_which_admits_only_its_queue(standalone):
    queue, dlq = queues_of(standalone, "jobs")
    redrive = standalone.one(REDRIVE, "jobs-redrive")
    assert redrive.inputs["queueUrl"] == queue.outputs["url"]
    policy = json.loads(redrive.inputs["redrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq.outputs["arn"], "maxReceiveCount": 3}
    assert isinstance(policy["maxReceiveCount"], int)  # "3" is refused by SQS
    allow = standalone.one(REDRIVE_ALLOW, "jobs-redrive-allow")
    assert allow.inputs["queueUrl"] == dlq.outputs["url"]
    assert json.loads(allow.inputs["redriveAllowPolicy"]) == {
        "redrivePermission": "byQueue", "sourceQueueArns": [queue.outputs["arn"]]}


def test_both_queues_deny_everything_without_tls(standalone):
    queue, dlq = queues_of(standalone, "jobs")
    policies = {p.inputs["queueUrl"]: doc(p) for p in standalone.of_type(QUEUE_POLICY)
                if p.parent == standalone.one(COMPONENT, "jobs").urn}
    assert set(policies) == {queue.outputs["url"], dlq.outputs["url"]}
    for q in (queue, dlq):
        d = policies[q.outputs["url"]]
        assert d["Version"] == "2012-10-17"  # without it the SQS call hangs
        assert d["Statement"] == [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
            "Resource": q.outputs["arn"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]


def test_a_fifo_queue_has_a_fifo_dlq(standalone):
    queue, dlq = queues_of(standalone, "events")
    assert (queue.inputs["name"], dlq.inputs["name"]) == ("q-test-events.fifo", "q-test-events-dlq.fifo")
    for q in (queue, dlq):
        assert q.inputs["fifoQueue"] is True and q.inputs["contentBasedDeduplication"] is True
        assert (q.inputs["deduplicationScope"], q.inputs["fifoThroughputLimit"]) == (
            "messageGroup", "perMessageGroupId")
    # the delay is the main queue's (a message moved to the DLQ is visible there at once)
    assert queue.inputs["delaySeconds"] == 30 and not dlq.inputs.get("delaySeconds")


def _grant_of(plan: PlanResult, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    statements = {s["Sid"]: s for s in doc(plan.one(ROLE_POLICY, name))["Statement"]}
    assert set(statements) == {"QueueAccess", "QueueKey"}
    return statements["QueueAccess"], statements["QueueKey"]


def test_allow_from_grants_each_intent_exactly(standalone):
    queue, _ = queues_of(standalone, "jobs")
    via = {"StringEquals": {"kms:ViaService": f"sqs.{REGION}.amazonaws.com"}}
    send, send_key = _grant_of(standalone, "jobs-api-task-access")
    assert send == {"Sid": "QueueAccess", "Effect": "Allow", "Action": ["sqs:SendMessage"],
                    "Resource": queue.outputs["arn"]}
    assert send_key["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert send_key["Resource"] == KEY and send_key["Condition"] == via
    receive, receive_key = _grant_of(standalone, "jobs-worker-access")
    assert receive["Action"] == ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage",
                                 "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]
    assert receive["Resource"] == queue.outputs["arn"]
    assert receive_key["Action"] == ["kms:Decrypt"] and receive_key["Condition"] == via
    events, _ = queues_of(standalone, "events")
    both, _ = _grant_of(standalone, "events-worker-access")
    assert both["Resource"] == events.outputs["arn"]
    assert "sqs:SendMessage" in both["Action"] and "sqs:ReceiveMessage" in both["Action"]


def test_grants_land_on_the_task_roles_once_each(standalone):
    roles = {r.name: r for r in standalone.of_type("aws:iam/role:Role")}
    on = {p.name: p.inputs["role"] for p in standalone.of_type(ROLE_POLICY)}
    assert on == {"jobs-api-task-access": roles["api-task"].id,
                  "jobs-worker-access": roles["worker-task"].id,
                  "events-worker-access": roles["worker-task"].id}
    assert standalone.one(ROLE_POLICY, "jobs-worker-access").inputs["name"] == "q-test-jobs-access"


def test_connection_and_outputs_are_the_queues_outputs(standalone):
    queue, dlq = queues_of(standalone, "jobs")
    out = standalone.stack_outputs
    assert out["jobs_env"] == {"JOBS_QUEUE_URL": queue.outputs["url"]}
    assert out["events_env"] == {"EVENTS_QUEUE_URL": queues_of(standalone, "events")[0].outputs["url"]}
    assert (out["jobs_url"], out["jobs_arn"], out["jobs_name"]) == (
        queue.outputs["url"], queue.outputs["arn"], queue.outputs["name"])
    assert (out["jobs_dlq_url"], out["jobs_dlq_arn"], out["jobs_dlq_name"]) == (
        dlq.outputs["url"], dlq.outputs["arn"], dlq.outputs["name"])


# --------------------------------------------------------------------------------------------
# refused Args: an error naming the field, before anything is registered
# --------------------------------------------------------------------------------------------

BAD_ARGS: list[tuple[str, dict[str, Any], str]] = [
    ("jobs", {}, "QueueArgs.data_key_arn is required"),
    ("Jobs", {"data_key_arn": KEY}, "name 'Jobs' must be 1-40 characters"),
    ("jobs", {"data_key_arn": KEY, "queue_name": "a" * 81}, "QueueArgs.queue_name"),
    ("jobs", {"data_key_arn": KEY, "queue_name": "jobs.v2"}, "QueueArgs.queue_name"),
    ("jobs", {"data_key_arn": KEY, "queue_name": "jobs.fifo"}, "fifo is false"),
    ("jobs", {"data_key_arn": KEY, "queue_name": "a" * 78}, "the dead-letter queue's name"),
    ("jobs", {"data_key_arn": KEY, "fifo": True, "queue_name": "a" * 72}, "the dead-letter queue's name"),
]


def _bad_args() -> None:
    errors = []
    for name, args, _ in BAD_ARGS:
        try:
            Queue(name, QueueArgs(**args))
        except ValueError as exc:
            errors.append(str(exc))
    api, _ = stand_in_task_roles()
    queue = Queue("ok", QueueArgs(data_key_arn=KEY))
    for call in (lambda: queue.allow_from(api),
                 lambda: queue.allow_from(object(), send=True)):
        try:
            call()
        except (ValueError, TypeError) as exc:
            errors.append(str(exc))
    queue.allow_from(api, send=True)
    try:
        queue.allow_from(api, receive=True)
    except ValueError as exc:
        errors.append(str(exc))
    pulumi.export("errors", errors)


def test_bad_args_are_refused_before_any_resource_is_registered():
    plan = plan_function(_bad_args, stack="test", project="q")
    errors = plan.stack_outputs["errors"]
    assert len(errors) == len(BAD_ARGS) + 3
    for (_, _, fragment), error in zip(BAD_ARGS, errors, strict=False):
        assert fragment in error, (fragment, error)
    assert "allow_from needs send=True, receive=True or both" in errors[len(BAD_ARGS)]
    assert "neither an aws.iam.Role nor something with a .task_role" in errors[len(BAD_ARGS) + 1]
    assert "already called with send=True, receive=False" in errors[len(BAD_ARGS) + 2]
    # only the one good queue (and the role) exist: the refused ones registered nothing
    assert [r.name for r in plan.of_type(COMPONENT)] == ["ok"]
    assert sorted(r.name for r in plan.of_type(QUEUE)) == ["ok-dlq", "ok-queue"]
    assert [r.name for r in plan.of_type(ROLE_POLICY)] == ["ok-api-task-access"]


def test_the_args_refuse_bad_settings_and_unknown_arguments():
    with pytest.raises(ValidationError, match="shorter than a worker consumer"):
        QueueArgs(data_key_arn=KEY, visibility_timeout_seconds=30)
    with pytest.raises(ValidationError, match="did you mean 'max_receive_count'"):
        QueueArgs(data_key_arn=KEY, max_receives=3)


# --------------------------------------------------------------------------------------------
# alarms (pure): one QueueBacklog alarm per queue, never two
# --------------------------------------------------------------------------------------------


class _Output:
    """Stands in for a queue's `name` Output (no Pulumi runtime in a pure test)."""

    def __init__(self, value: str):
        self.value = value


def _worker_target(queue_name: Any) -> ServiceTarget:
    settings = FargateServiceSettings(kind="worker", image="a/b:1", scaling={"queue_metric": {}})
    return ServiceTarget(name="worker", settings=settings, cluster_name="c", service_name="s",
                         queue_dimensions={"QueueName": queue_name})


def test_a_queue_no_worker_scales_on_gets_queue_depth_and_one_that_is_gets_none():
    name = _Output("p-jobs")  # an Output, as the stacks wire it (matched by identity)
    queue = QueueTarget(name="jobs", queue_name=name, dlq_name="p-jobs-dlq", settings=QueueSettings())
    alone = alarm_specs(AlarmTargets(region=REGION, queues=[queue]))
    assert [s.key for s in alone] == ["queue-oldest-message", "queue-dlq-not-empty", "queue-depth"]
    depth = alone[-1]
    assert depth.threshold == 1000 and depth.metric.dimensions == {"QueueName": name}
    assert ALARMS["queue-depth"].seed_rule == "QueueBacklog"
    assert SEED_RULES["QueueBacklog"] == "queue-backlog"
    scaled = alarm_specs(AlarmTargets(region=REGION, queues=[queue], services=[_worker_target(name)]))
    keys = [s.key for s in scaled]
    assert "queue-depth" not in keys and keys.count("queue-backlog") == 1
    # another queue's name output (or another string) does not count as this queue's
    other = alarm_specs(AlarmTargets(region=REGION, queues=[queue],
                                     services=[_worker_target(_Output("p-jobs"))]))
    assert [s.key for s in other].count("queue-depth") == 1


def test_queue_alarm_specs_are_sized_from_the_settings():
    s = QueueSettings(max_receive_count=4, visibility_timeout_seconds=600)
    queue = QueueTarget(name="jobs", queue_name="q", dlq_name="q-dlq", settings=s)
    specs = {sp.key: sp for sp in alarm_specs(AlarmTargets(region=REGION, queues=[queue]))}
    age, dlq = specs["queue-oldest-message"], specs["queue-dlq-not-empty"]
    assert (age.metric.name, age.metric.stat, age.threshold) == (
        "ApproximateAgeOfOldestMessage", "Maximum", 2400)
    assert age.metric.dimensions == {"QueueName": "q"}
    assert (dlq.metric.name, dlq.comparison, dlq.threshold) == ("ApproximateNumberOfMessagesVisible", ">", 0)
    assert dlq.metric.dimensions == {"QueueName": "q-dlq"}
    assert {sp.treat_missing_data for sp in specs.values()} == {"notBreaching"}


# --------------------------------------------------------------------------------------------
# the committed stacks: the jobs queue, sent to by the api, consumed and scaled on by the worker
# --------------------------------------------------------------------------------------------


def data_key_arn(plan: PlanResult) -> str:
    # the stack's data key (prod also has the DR region's, kms-dr-data-key)
    [key] = [k for k in plan.of_type("aws:kms/key:Key") if k.name == "kms-data-key"]
    return key.outputs["arn"]


def containers(plan: PlanResult, service: str) -> dict[str, Any]:
    task = plan.one("aws:ecs/taskDefinition:TaskDefinition", f"{service}-task")
    return json.loads(task.inputs["containerDefinitions"])[0]  # the app (prod adds the tracing sidecar)


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_stacks_have_the_jobs_queue_on_the_data_key(stack, request):
    plan = request.getfixturevalue(stack)
    queue, dlq = queues_of(plan, "jobs")
    assert (queue.inputs["name"], dlq.inputs["name"]) == (
        f"groundwork-{stack}-jobs", f"groundwork-{stack}-jobs-dlq")
    assert queue.inputs["kmsMasterKeyId"] == dlq.inputs["kmsMasterKeyId"] == data_key_arn(plan)
    assert queue.inputs["visibilityTimeoutSeconds"] == 300
    assert queue.protect is (stack == "prod") and dlq.protect is (stack == "prod")
    assert {p.inputs["queueUrl"] for p in plan.of_type(QUEUE_POLICY)} == {
        queue.outputs["url"], dlq.outputs["url"]}
    # the data key's policy lets SQS use it for the account's principals (kms:ViaService)
    key = plan.one("aws:kms/key:Key", "kms-data-key")  # not the DR region's kms-dr-data-key
    assert f"sqs.{REGION}.amazonaws.com" in json.dumps(doc(key))


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_the_api_sends_and_the_worker_receives_with_the_url_wired(stack, request):
    plan = request.getfixturevalue(stack)
    queue, _ = queues_of(plan, "jobs")
    for service in ("api", "worker"):
        env = {e["name"]: e["value"] for e in containers(plan, service)["environment"]}
        assert env["JOBS_QUEUE_URL"] == queue.outputs["url"]
    roles = {r.name: r for r in plan.of_type("aws:iam/role:Role")}
    api, api_key = _grant_of(plan, "jobs-api-access")
    worker, _ = _grant_of(plan, "jobs-worker-access")
    assert plan.one(ROLE_POLICY, "jobs-api-access").inputs["role"] == roles["api-task-role"].id
    assert plan.one(ROLE_POLICY, "jobs-worker-access").inputs["role"] == roles["worker-task-role"].id
    assert api["Action"] == ["sqs:SendMessage"] and api["Resource"] == queue.outputs["arn"]
    assert api_key["Resource"] == data_key_arn(plan)
    assert "sqs:ReceiveMessage" in worker["Action"] and "sqs:SendMessage" not in worker["Action"]
    assert worker["Resource"] == queue.outputs["arn"]


def test_prod_worker_scales_on_the_jobs_queue_and_its_backlog_alarm_watches_it(prod):
    queue, dlq = queues_of(prod, "jobs")
    policy = prod.one("aws:appautoscaling/policy:Policy", "worker-scale-queue")
    config = policy.inputs["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 100
    backlog = next(m for m in config["customizedMetricSpecification"]["metrics"] if m["id"] == "backlog")
    assert backlog["metricStat"]["metric"]["dimensions"] == [
        {"name": "QueueName", "value": queue.outputs["name"]}]
    target = prod.one("aws:appautoscaling/target:Target", "worker-scaling")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 20)
    alarms = {a.inputs["tags"]["AlarmKey"]: a for a in prod.of_type(ALARM)
              if "QueueName" in (a.inputs.get("dimensions") or {})}
    assert set(alarms) == {"queue-backlog", "queue-oldest-message", "queue-dlq-not-empty"}
    worker_backlog = alarms["queue-backlog"]
    assert worker_backlog.inputs["name"] == "groundwork-prod-alarms-worker-queue-backlog"
    assert worker_backlog.inputs["dimensions"] == {"QueueName": queue.outputs["name"]}
    assert worker_backlog.inputs["threshold"] == 1000
    assert worker_backlog.inputs["tags"]["SeedRule"] == "QueueBacklog"
    age = alarms["queue-oldest-message"]
    assert age.inputs["name"] == "groundwork-prod-alarms-jobs-queue-oldest-message"
    assert age.inputs["dimensions"] == {"QueueName": queue.outputs["name"]}
    assert age.inputs["threshold"] == 5 * 300
    dead = alarms["queue-dlq-not-empty"]
    assert dead.inputs["dimensions"] == {"QueueName": dlq.outputs["name"]}
    assert (dead.inputs["threshold"], dead.inputs["treatMissingData"]) == (0, "notBreaching")
    # the dimensions are the queues' outputs, not names recomputed to the same string: the
    # alarm's dimensions depend on the very queue they name
    for alarm, watched in ((worker_backlog, queue), (age, queue), (dead, dlq)):
        assert alarm.property_dependencies["dimensions"] == [watched.urn], alarm.name


def test_dev_worker_scales_small_on_the_same_queue(dev):
    queue, _ = queues_of(dev, "jobs")
    target = dev.one("aws:appautoscaling/target:Target", "worker-scaling")
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (1, 2)
    [backlog] = [a for a in dev.of_type(ALARM) if a.inputs["tags"]["AlarmKey"] == "queue-backlog"]
    assert backlog.inputs["dimensions"] == {"QueueName": queue.outputs["name"]}
    assert not [a for a in dev.of_type(ALARM) if a.inputs["tags"]["AlarmKey"] == "queue-depth"]


# --------------------------------------------------------------------------------------------
# the config's queue wiring
# --------------------------------------------------------------------------------------------

IMAGE = "ghcr.io/your-org/app:1.0.0"


def _env(**raw: Any):
    return load_environment({"profile": "dev", "tags": {"Owner": "t"}, **raw}, stack="dev")


@pytest.mark.parametrize(("raw", "fragment"), [
    ({"queues": [{"name": "jobs"}], "services": [{"name": "api", "image": IMAGE, "send_to": ["jbos"]}]},
     "groundwork:services[api].send_to: unknown queue(s) 'jbos'; groundwork:queues has jobs"),
    ({"services": [{"name": "w", "image": IMAGE, "receive_from": ["jobs"]}]},
     "groundwork:services[w].receive_from: unknown queue(s) 'jobs'; groundwork:queues has no queue"),
    ({"queues": [{"name": "jobs"}],
      "services": [{"name": "w", "image": IMAGE, "receive_from": ["jobs", "jobs"]}]},
     "groundwork:services[w].receive_from: jobs listed twice"),
    ({"queues": [{"name": "jobs"}, {"name": "jobs"}]}, "duplicate queue name(s) jobs"),
    ({"queues": [{"name": "Jobs"}]}, "groundwork:queues[Jobs].name"),
    ({"queues": [{"name": "a--b"}]}, "double hyphen"),
    ({"queues": [{"name": "jobs", "visibility_timeout_seconds": 60}]},
     "groundwork:queues[jobs]: visibility_timeout_seconds 60 is shorter"),
    ({"queues": [{"name": "jobs"}, {"name": "mail"}],
      "services": [{"name": "w", "image": IMAGE, "receive_from": ["jobs", "mail"],
                    "scaling": {"queue_metric": {}}}]},
     "unless the worker has exactly one receive_from queue (it has 2)"),
    ({"services": [{"name": "w", "image": IMAGE, "scaling": {"queue_metric": {}}}]},
     "(it has 0)"),
    ({"queues": [{"name": "jobs"}],
      "services": [{"name": "w", "image": IMAGE, "send_to": ["jobs"],
                    "environment": {"JOBS_QUEUE_URL": "x"}}]},
     "JOBS_QUEUE_URL are wired by the stack"),
])
def test_queue_config_errors_name_the_key(raw, fragment):
    with pytest.raises(ConfigError) as exc:
        _env(**raw)
    assert any(fragment in p for p in exc.value.problems), exc.value.problems


def test_explicit_dimensions_still_work_without_receive_from():
    env = _env(services=[{"name": "w", "image": IMAGE,
                          "scaling": {"queue_metric": {"dimensions": {"QueueName": "x"}}}}])
    assert env.services[0].scaling.queue_metric.dimensions == {"QueueName": "x"}


# --------------------------------------------------------------------------------------------
# moto: the plan's queues, created through the SQS API, dead-letter a failing message
# --------------------------------------------------------------------------------------------


def test_the_prod_queues_replayed_in_moto_keep_their_settings_and_dead_letter(prod):
    import boto3
    from moto import mock_aws

    queue, dlq = queues_of(prod, "jobs")
    redrive = prod.one(REDRIVE, "jobs-redrive")
    allow = prod.one(REDRIVE_ALLOW, "jobs-redrive-allow")
    policies = {p.inputs["queueUrl"]: p.inputs["policy"] for p in prod.of_type(QUEUE_POLICY)}

    def attributes(record: ResourceRecord) -> dict[str, str]:
        i = record.inputs
        return {"KmsMasterKeyId": i["kmsMasterKeyId"],
                "KmsDataKeyReusePeriodSeconds": str(i["kmsDataKeyReusePeriodSeconds"]),
                "MessageRetentionPeriod": str(i["messageRetentionSeconds"]),
                "VisibilityTimeout": str(i["visibilityTimeoutSeconds"]),
                "ReceiveMessageWaitTimeSeconds": str(i["receiveWaitTimeSeconds"]),
                "MaximumMessageSize": str(i["maxMessageSize"])}

    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName=dlq.inputs["name"], Attributes=attributes(dlq))["QueueUrl"]
        url = sqs.create_queue(QueueName=queue.inputs["name"], Attributes=attributes(queue))["QueueUrl"]
        # the plan's URLs and ARNs are the ones AWS (moto, same account) gives these names
        assert (url, dlq_url) == (queue.outputs["url"], dlq.outputs["url"])
        # what the RedrivePolicy, RedriveAllowPolicy and QueuePolicy resources call. (moto drops
        # a queue's Policy when RedrivePolicy is set after it, which AWS does not: policy last.)
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive.inputs["redrivePolicy"]})
        sqs.set_queue_attributes(QueueUrl=dlq_url,
                                 Attributes={"RedriveAllowPolicy": allow.inputs["redriveAllowPolicy"]})
        for q_url in (url, dlq_url):
            sqs.set_queue_attributes(QueueUrl=q_url, Attributes={"Policy": policies[q_url]})
        got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert got["QueueArn"] == queue.outputs["arn"]
        assert got["KmsMasterKeyId"] == data_key_arn(prod)
        assert json.loads(got["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.outputs["arn"],
                                                    "maxReceiveCount": 5}
        tls = json.loads(got["Policy"])["Statement"][0]
        assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
        assert got["MessageRetentionPeriod"] == "345600"
        dlq_got = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
        assert dlq_got["MessageRetentionPeriod"] == "1209600"
        assert json.loads(dlq_got["Policy"])["Statement"][0]["Resource"] == dlq.outputs["arn"]

        # a job that fails every time: received maxReceiveCount times, then it is in the DLQ
        sqs.send_message(QueueUrl=url, MessageBody="poison")
        counts = []
        for _ in range(5):
            [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, WaitTimeSeconds=0,
                                            AttributeNames=["ApproximateReceiveCount"])["Messages"]
            counts.append(int(message["Attributes"]["ApproximateReceiveCount"]))
        assert counts == [1, 2, 3, 4, 5]
        assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
        [dead] = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0)["Messages"]
        assert dead["Body"] == "poison"
