"""`Queue`: an SQS queue with its dead-letter queue, encrypted with the data key, TLS only.

Always on, not configurable:
- a dead-letter queue of the same type (FIFO -> FIFO, standard -> standard: SQS refuses a
  redrive to a queue of the other type), named `<queue>-dlq`, in the same account and region;
- both queues encrypted with the given customer-managed key (`kms_master_key_id`, FSBP SQS.1;
  never together with `sqs_managed_sse_enabled`, which AWS refuses as a conflict);
- redrive as separate resources, as the SDK advises (`sqs.RedrivePolicy` on the main queue with
  an integer `maxReceiveCount`, `sqs.RedriveAllowPolicy` on the DLQ letting only the main queue
  redrive into it): inline `redrive_policy` next to them would fight over the same attribute,
  and the two queues naming each other inline would be a dependency cycle;
- a queue policy on BOTH queues that denies every SQS action to everyone without TLS
  (`aws:SecureTransport` false), with `"Version": "2012-10-17"` (without it the SQS API call
  hangs until the provider times out);
- the DLQ keeps messages longer than the main queue (for a standard queue a message's expiry
  counts from its first enqueue, so a DLQ with the same retention would drop a message moved
  there late in its life).

The visibility timeout is checked against the consumer's declared job time
(`max_job_seconds`, `consumer`): a message whose job outlives its visibility timeout is received
again by another consumer, runs twice, and after `max_receive_count` receives lands in the DLQ
although nothing failed. `required_visibility_timeout` says what the timeout must be.

Access is by intent: `connection()` hands a service `<NAME>_QUEUE_URL`, and
`allow_from(service, send=..., receive=...)` grants its task role exactly the SQS actions on
this queue's ARN and the KMS actions on the data key that SQS performs for it
(`kms:ViaService` sqs.<region>).
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, Literal

import pulumi
import pulumi_aws as aws
from pydantic import Field, model_validator

from groundwork.components.args import ArgsModel, ComponentArgs, Input
from groundwork.components.base import (
    AccountContext,
    account_for,
    checked_id,
    child_opts,
    component_naming,
    require,
    task_role_of,
    tls_only_statement,
)
from groundwork.components.service import ServiceWiring

MAX_RETENTION_SECONDS = 1_209_600
"""SQS's longest retention: 14 days."""
VISIBILITY_MARGIN_SECONDS = 30
"""A worker's visibility timeout must cover its job plus this margin (or 20 % of the job, if
larger): the time between the receive and the job's start, the delete call, retries of that
call."""
LAMBDA_VISIBILITY_FACTOR = 6
"""AWS: "set the source queue's visibility timeout to at least six times the timeout that you
configure on your function" (Lambda retries a throttled batch within that window)."""
MIN_AGE_THRESHOLD_SECONDS = 900
"""The oldest-message alarm never fires below 15 minutes (a short backlog is not news)."""
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
FIFO_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
_NAME_RULE = ("SQS queue name (1-80 characters of letters, digits, hyphens and underscores; a "
              "FIFO queue's ends in .fifo)")
DLQ_SUFFIX = "-dlq"


class QueueSettings(ArgsModel):
    """The queue's tunables. Encryption with the data key, the dead-letter queue, redrive and the
    TLS-only policy are always on and not settings."""

    fifo: bool = False
    """FIFO queue (and DLQ): ordered, exactly-once (default false: a standard queue, nearly
    unlimited throughput; jobs should be idempotent anyway)."""
    content_based_deduplication: bool = False
    """FIFO only: deduplicate on a SHA-256 of the body instead of a MessageDeduplicationId
    (default false: producers send the id)."""
    fifo_high_throughput: bool = False
    """FIFO only: deduplicate and throttle per message group (default false: per queue, the
    300 messages/s FIFO limit)."""
    max_job_seconds: Annotated[int, Field(ge=1, le=43200)] = 60
    """Longest time one consumer holds a message, from receive to delete, a whole received batch
    included (default 60 s: a short web-triggered job); for a Lambda consumer, its function
    timeout. The visibility timeout is validated against it."""
    consumer: Literal["worker", "lambda"] = "worker"
    """What consumes the queue (default worker: an ECS task). A worker's visibility timeout must
    cover max_job_seconds plus a margin; a Lambda's must be 6x its timeout (AWS's guidance)."""
    visibility_timeout_seconds: Annotated[int, Field(ge=0, le=43200)] = 300
    """How long a received message stays hidden from other consumers (default 300 s, room for
    jobs of up to 4 minutes); at least what max_job_seconds and consumer require."""
    message_retention_seconds: Annotated[int, Field(ge=60, le=MAX_RETENTION_SECONDS)] = 345600
    """How long an unconsumed message is kept (default 345600 s = 4 days, AWS's default; below
    the 14-day maximum so the DLQ can keep messages longer)."""
    dlq_retention_seconds: Annotated[int, Field(ge=60, le=MAX_RETENTION_SECONDS)] = MAX_RETENTION_SECONDS
    """How long the DLQ keeps a failed message (default 1209600 s = 14 days, the maximum: two
    weeks to inspect and redrive); must exceed message_retention_seconds."""
    max_receive_count: Annotated[int, Field(ge=1, le=1000)] = 5
    """Receives before a message moves to the DLQ (default 5: a transient failure is retried, a
    poison message stops being)."""
    receive_wait_time_seconds: Annotated[int, Field(ge=0, le=20)] = 20
    """Long-polling wait of ReceiveMessage (default 20 s, the maximum: fewer empty receives,
    fewer requests billed)."""
    delay_seconds: Annotated[int, Field(ge=0, le=900)] = 0
    """Delay before a new message becomes visible (default 0: a job can start as soon as it is
    sent; a producer that needs a delay sets it per message)."""
    max_message_size: Annotated[int, Field(ge=1024, le=1048576)] = 262144
    """Largest message in bytes (default 262144 = 256 KiB; SQS allows up to 1 MiB)."""
    kms_data_key_reuse_period_seconds: Annotated[int, Field(ge=60, le=86400)] = 300
    """How long SQS reuses a data key before calling KMS again (default 300 s, AWS's default:
    a longer period means fewer KMS requests billed, a shorter one less data under one key)."""

    @model_validator(mode="after")
    def _coherent(self) -> QueueSettings:
        problems = settings_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def required_visibility_timeout(self) -> int:
        """The least visibility timeout the declared consumer needs."""
        return required_visibility_timeout(self.max_job_seconds, self.consumer)


def required_visibility_timeout(max_job_seconds: int, consumer: str) -> int:
    """A Lambda consumer: 6 x its timeout (AWS). A worker: its job plus the larger of 30 s and
    20 % of the job."""
    if consumer == "lambda":
        return LAMBDA_VISIBILITY_FACTOR * max_job_seconds
    return max_job_seconds + max(VISIBILITY_MARGIN_SECONDS, math.ceil(max_job_seconds / 5))


def settings_problems(s: QueueSettings) -> list[str]:
    """Every way the settings contradict each other or AWS (pure)."""
    problems = []
    need = s.required_visibility_timeout
    if s.visibility_timeout_seconds < need:
        how = (f"{LAMBDA_VISIBILITY_FACTOR} x the function timeout" if s.consumer == "lambda"
               else f"the job plus max({VISIBILITY_MARGIN_SECONDS} s, 20 %)")
        problems.append(
            f"visibility_timeout_seconds {s.visibility_timeout_seconds} is shorter than a "
            f"{s.consumer} consumer with max_job_seconds {s.max_job_seconds} needs ({need}: {how}); "
            "a message would be received again while its job still runs")
        if need > 43200:
            problems.append(f"max_job_seconds {s.max_job_seconds} needs a visibility timeout of "
                            f"{need} s, above SQS's maximum of 43200")
    if s.message_retention_seconds >= MAX_RETENTION_SECONDS:
        problems.append(
            "message_retention_seconds is at SQS's 14-day maximum, so the dead-letter queue can't "
            "keep messages longer (a standard queue's message expires by its first enqueue time); "
            "lower it, e.g. to 345600 (4 days)")
    elif s.dlq_retention_seconds <= s.message_retention_seconds:
        problems.append(
            f"dlq_retention_seconds {s.dlq_retention_seconds} must exceed "
            f"message_retention_seconds {s.message_retention_seconds} (AWS's advice: a message "
            "moved to the DLQ keeps its original enqueue time)")
    if not s.fifo:
        if s.content_based_deduplication:
            problems.append("content_based_deduplication applies to FIFO queues only (fifo: true)")
        if s.fifo_high_throughput:
            problems.append("fifo_high_throughput applies to FIFO queues only (fifo: true)")
    return problems


def oldest_message_threshold(s: QueueSettings) -> int:
    """Seconds of ApproximateAgeOfOldestMessage that mean nobody consumes in time: older than a
    message spends on every retry (`max_receive_count` visibility timeouts, plus its delay), and
    never below 15 minutes; capped at half the retention, so the alarm fires while there is half
    the retention left before messages expire unread."""
    retries = s.max_receive_count * s.visibility_timeout_seconds + s.delay_seconds
    return min(max(retries, MIN_AGE_THRESHOLD_SECONDS), s.message_retention_seconds // 2)


class QueueArgs(ComponentArgs, QueueSettings):
    """Everything `Queue` takes: its settings plus the key it encrypts with."""

    data_key_arn: Input[str] | None = None
    """Customer-managed KMS key of both queues (required, e.g. `EnvironmentKeys.data`: its policy
    lets SQS use it for the account's principals)."""
    queue_name: str = ""
    """AWS name of the main queue (default "": `<prefix>-<name>`, with `.fifo` for a FIFO
    queue); the DLQ is that name with `-dlq` before any `.fifo`. Set it only to keep a queue
    created before: a new name is a new queue, and messages in flight stay in the old one."""
    protect: bool = False
    """Pulumi `protect` on both queues (default false: a queue holds work in flight, not
    records; the stacks protect prod's so `pulumi destroy` can't drop unprocessed jobs)."""
    account: AccountContext | None = None
    """Region, partition and account id (default none: looked up through the provider)."""


_REQUIRED = {"data_key_arn": "a customer-managed KMS key ARN both queues are encrypted with"}


def queue_names(base: str, fifo: bool) -> tuple[str, str]:
    """(main, dead-letter) AWS names from the main queue's name without `.fifo`."""
    suffix = ".fifo" if fifo else ""
    return f"{base}{suffix}", f"{base}{DLQ_SUFFIX}{suffix}"


def tls_only_policy(queue_arn: str) -> dict[str, Any]:
    """The queue policy: deny every SQS action to everyone when the request is not over TLS."""
    return {"Version": "2012-10-17", "Statement": [tls_only_statement("sqs:*", queue_arn)]}


SEND_ACTIONS = ("sqs:SendMessage",)
RECEIVE_ACTIONS = ("sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "sqs:ReceiveMessage")
SEND_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")
"""A producer: SQS generates a data key for it (and decrypts a cached one)."""
RECEIVE_KEY_ACTIONS = ("kms:Decrypt",)


def access_policy(*, queue_arn: str, key_arn: str, region: str, dns_suffix: str = "amazonaws.com",
                  send: bool, receive: bool) -> dict[str, Any]:
    """A task role's grant on one queue: the SQS actions of its intents on the queue's ARN and
    the KMS actions they need on the data key, only through SQS."""
    actions: list[str] = []
    key_actions: set[str] = set()
    if send:
        actions += SEND_ACTIONS
        key_actions |= set(SEND_KEY_ACTIONS)
    if receive:
        actions += RECEIVE_ACTIONS
        key_actions |= set(RECEIVE_KEY_ACTIONS)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "QueueAccess", "Effect": "Allow", "Action": sorted(actions),
             "Resource": queue_arn},
            {"Sid": "QueueKey", "Effect": "Allow", "Action": sorted(key_actions),
             "Resource": key_arn,
             "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.{dns_suffix}"}}},
        ],
    }


def env_name(name: str) -> str:
    """`<NAME>_QUEUE_URL` of a queue component named `name` (`jobs` -> JOBS_QUEUE_URL)."""
    return f"{name.upper().replace('-', '_')}_QUEUE_URL"



class Queue(pulumi.ComponentResource):
    """An SQS queue and its dead-letter queue, KMS-encrypted, TLS only, with redrive.

    `Queue(name, QueueArgs(data_key_arn=...), opts)`. Outputs: `url`, `arn`, `name` (the main
    queue's; `name` is the CloudWatch QueueName dimension), `dlq_url`, `dlq_arn`, `dlq_name`.
    `queue` and `dead_letter_queue` are the `aws.sqs.Queue` resources.
    """

    def __init__(self, name: str, args: QueueArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else QueueArgs()
        # Everything is checked before the component registers anything.
        naming = component_naming("Queue", name, args)
        require("Queue", name, args, _REQUIRED)
        base = args.queue_name or naming.name(max_length=80 - len(DLQ_SUFFIX) - len(".fifo"))
        if args.fifo and base.endswith(".fifo"):
            base = base.removesuffix(".fifo")
        elif args.queue_name and base.endswith(".fifo"):
            raise ValueError(f"Queue {name!r}: QueueArgs.queue_name {args.queue_name!r} ends in "
                             ".fifo but fifo is false (a standard queue's name can't)")
        pattern = FIFO_QUEUE_NAME if args.fifo else QUEUE_NAME
        main_name, dlq_name = queue_names(base, args.fifo)
        checked_id("Queue", name, "QueueArgs.queue_name", main_name, pattern, _NAME_RULE)
        checked_id("Queue", name, "the dead-letter queue's name", dlq_name, pattern,
                   f"{_NAME_RULE}; the DLQ adds {DLQ_SUFFIX!r}")
        super().__init__("groundwork:data:Queue", name, None, opts)
        self.args = args
        self._name = name
        self._naming = naming
        self._grants: dict[str, tuple[bool, bool, aws.iam.RolePolicy]] = {}
        self._account = account_for(args.account, self)

        common: dict[str, Any] = dict(
            fifo_queue=True if args.fifo else None,
            kms_master_key_id=args.data_key_arn,
            kms_data_key_reuse_period_seconds=args.kms_data_key_reuse_period_seconds,
            visibility_timeout_seconds=args.visibility_timeout_seconds,
            receive_wait_time_seconds=args.receive_wait_time_seconds,
            max_message_size=args.max_message_size,
        )
        if args.fifo:
            common["content_based_deduplication"] = args.content_based_deduplication
            if args.fifo_high_throughput:
                common.update(deduplication_scope="messageGroup",
                              fifo_throughput_limit="perMessageGroupId")
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            name=dlq_name,
            message_retention_seconds=args.dlq_retention_seconds,
            tags=naming.tagged(dlq_name, Component="queue", Role="dead-letter"),
            opts=child_opts(self, protect=args.protect),
            **common,
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=main_name,
            message_retention_seconds=args.message_retention_seconds,
            delay_seconds=args.delay_seconds,
            tags=naming.tagged(main_name, Component="queue"),
            opts=child_opts(self, protect=args.protect),
            **common,
        )
        self.redrive_policy = aws.sqs.RedrivePolicy(
            f"{name}-redrive",
            queue_url=self.queue.url,
            redrive_policy=self.dead_letter_queue.arn.apply(lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": int(args.max_receive_count)})),
            opts=child_opts(self),
        )
        self.redrive_allow_policy = aws.sqs.RedriveAllowPolicy(
            f"{name}-redrive-allow",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=self.queue.arn.apply(lambda arn: json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [arn]})),
            opts=child_opts(self),
        )
        self.queue_policy = aws.sqs.QueuePolicy(
            f"{name}-policy",
            queue_url=self.queue.url,
            policy=self.queue.arn.apply(lambda arn: json.dumps(tls_only_policy(arn))),
            opts=child_opts(self),
        )
        self.dlq_policy = aws.sqs.QueuePolicy(
            f"{name}-dlq-policy",
            queue_url=self.dead_letter_queue.url,
            policy=self.dead_letter_queue.arn.apply(lambda arn: json.dumps(tls_only_policy(arn))),
            opts=child_opts(self),
        )

        self.url: pulumi.Output[str] = self.queue.url
        self.arn: pulumi.Output[str] = self.queue.arn
        self.name: pulumi.Output[str] = self.queue.name
        self.dlq_url: pulumi.Output[str] = self.dead_letter_queue.url
        self.dlq_arn: pulumi.Output[str] = self.dead_letter_queue.arn
        self.dlq_name: pulumi.Output[str] = self.dead_letter_queue.name
        self.register_outputs({
            "url": self.url, "arn": self.arn, "name": self.name,
            "dlq_url": self.dlq_url, "dlq_arn": self.dlq_arn, "dlq_name": self.dlq_name,
        })

    @property
    def env_name(self) -> str:
        """The variable `connection()` sets: `<NAME>_QUEUE_URL`."""
        return env_name(self._name)

    def connection(self) -> ServiceWiring:
        """What a service needs to use the queue: `<NAME>_QUEUE_URL` (no secret: access is the
        task role's IAM grant, `allow_from`)."""
        return ServiceWiring(environment={self.env_name: self.url})

    def allow_from(self, service: Any, *, send: bool = False, receive: bool = False) -> aws.iam.RolePolicy:
        """Grant `service` (an `aws.iam.Role`, or anything with `.task_role` such as a
        `FargateService`) what its intents need: `send` SendMessage, `receive` ReceiveMessage,
        DeleteMessage, ChangeMessageVisibility and GetQueueAttributes, on this queue's ARN only,
        and the data key's KMS actions through SQS only. One inline policy per service; calling
        it again with the same intents returns that policy. Returns the RolePolicy it created,
        as every store's `allow_from` does; never None here: SQS is reached through its API, so
        there is no security-group flow, and every call grants IAM."""
        if not (send or receive):
            raise ValueError(f"Queue {self._name!r}: allow_from needs send=True, receive=True or "
                             "both (what should the service do with the queue?)")
        role = task_role_of("Queue.allow_from", service)
        key = str(getattr(service, "pulumi_resource_name", None) or role.pulumi_resource_name)
        if key in self._grants:
            had_send, had_receive, policy = self._grants[key]
            if (had_send, had_receive) != (bool(send), bool(receive)):
                raise ValueError(
                    f"Queue {self._name!r}: allow_from({key}) was already called with "
                    f"send={had_send}, receive={had_receive}; call it once with every intent")
            return policy
        account = self._account
        policy_name = self._naming.name("access", max_length=128, lower=False)
        policy = aws.iam.RolePolicy(
            f"{self._name}-{key}-access",
            name=policy_name,
            role=role.id,
            policy=pulumi.Output.all(self.arn, self.args.data_key_arn).apply(
                lambda a: json.dumps(access_policy(
                    queue_arn=a[0], key_arn=a[1], region=account.region,
                    dns_suffix=account.dns_suffix, send=send, receive=receive))),
            opts=child_opts(self),
        )
        self._grants[key] = (bool(send), bool(receive), policy)
        return policy
