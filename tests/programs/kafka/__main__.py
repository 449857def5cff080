"""`Kafka` on its own, outside the stacks (tests/test_kafka.py), one case per run (`kafka:case`).

- standalone: the SecurityGroups component with a `kafka` store group, a provisioned cluster
  over three subnets with six brokers (two per AZ), and a serverless one over two; `allow_from`
  an app group with a plain role (produce; twice, the second call a no-op, and once with other
  intents, refused) and with an object carrying `.task_role` (consume);
  the alarms over both.
- bad_args: what the constructor refuses; the errors are exported, and nothing named `bad-*`
  may be registered.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components.alarms import AlarmTargets, EnvironmentAlarms, EnvironmentAlarmsArgs
from groundwork.components.kafka import Kafka, KafkaArgs
from groundwork.components.security_groups import SecurityGroups, SecurityGroupsArgs

case = pulumi.Config().require("case")
region = pulumi.Config("aws").require("region")
TAGS = {"Owner": "tests", "Environment": "test"}
VPC_ID, VPC_CIDR = "vpc-0a1b2c3d4e5f60718", "172.31.0.0/16"
SUBNETS = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"]
DATA_KEY = "arn:aws:kms:us-east-1:123456789012:key/data"
LOGS_KEY = "arn:aws:kms:us-east-1:123456789012:key/logs"
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


class _Consumer:
    """Anything with `.task_role` (what FargateService offers)."""

    def __init__(self, role: aws.iam.Role):
        self.task_role = role


def groups() -> SecurityGroups:
    return SecurityGroups("security-groups", SecurityGroupsArgs(
        tags=TAGS, vpc_id=VPC_ID, vpc_cidr=VPC_CIDR, stores={"kafka": 9098}))


if case == "standalone":
    sg = groups()
    app = aws.ec2.SecurityGroup("app", vpc_id=VPC_ID, description="the application")
    producer = aws.iam.Role("producer", assume_role_policy=TRUST)
    consumer = aws.iam.Role("consumer", assume_role_policy=TRUST)
    events = Kafka("events", KafkaArgs(
        tags=TAGS, security_group=sg, subnet_ids=SUBNETS, number_of_broker_nodes=6,
        instance_type="kafka.m5.large", volume_size_gb=100, log_retention_days=30,
        data_key_arn=DATA_KEY, logs_key_arn=LOGS_KEY, protect=False,
        az_ids=["use1-az1", "use1-az2", "use1-az4"]))
    first = events.allow_from(app, role=producer, produce=True)
    # idempotent: the same call again adds nothing; other intents for that role are refused
    pulumi.export("grant_again_is_same", events.allow_from(app, role=producer, produce=True) is first)
    try:
        events.allow_from(app, role=producer, consume=True)
    except ValueError as exc:
        pulumi.export("other_intents", str(exc))
    stream = Kafka("stream", KafkaArgs(
        tags=TAGS, mode="serverless", security_group=sg, subnet_ids=SUBNETS[:2], protect=False))
    stream.allow_from(app, role=_Consumer(consumer), consume=True)
    EnvironmentAlarms("alarms", EnvironmentAlarmsArgs(
        tags=TAGS, targets=AlarmTargets.from_components(region=region, kafkas=[events, stream]),
        critical_topic_arn="arn:aws:sns:us-east-1:123456789012:critical",
        warning_topic_arn="arn:aws:sns:us-east-1:123456789012:warning"))
    pulumi.export("events_connection", events.connection().environment)

elif case == "bad_args":
    sg = groups()
    ok = {"tags": TAGS, "security_group": sg, "subnet_ids": SUBNETS[:2],
          "data_key_arn": DATA_KEY, "logs_key_arn": LOGS_KEY}
    attempts = {
        "one_subnet": {"subnet_ids": SUBNETS[:1]},
        "four_subnets": {"subnet_ids": [*SUBNETS, "subnet-0ddddddddddddddd4"]},
        "same_subnet_twice": {"subnet_ids": [SUBNETS[0], SUBNETS[0]]},
        "brokers_not_multiple": {"number_of_broker_nodes": 3},
        "no_data_key": {"data_key_arn": None},
        "no_logs_key": {"logs_key_arn": None},
        "no_subnets": {"subnet_ids": None},
        "no_group": {"security_group": None},
        "az3": {"az_ids": ["use1-az1", "use1-az3"]},
        "same_az": {"az_ids": ["use1-az1", "use1-az1"]},
        "bad_name": {"cluster_name": "9-starts-with-a-digit"},
        "serverless_with_key": {"mode": "serverless"},
        "output_subnets_no_count": {"subnet_ids": pulumi.Output.from_input(SUBNETS[:2])},
        "factor_above_brokers": {"default_replication_factor": 3},
    }
    errors: dict[str, str] = {}
    for label, change in attempts.items():
        try:
            Kafka(f"bad-{label.replace('_', '-')}", KafkaArgs(**{**ok, **change}))  # type: ignore[arg-type]
        except (ValueError, TypeError) as exc:
            errors[label] = str(exc)
    try:  # a grant with no role to put it on
        Kafka("plain", KafkaArgs(**ok)).allow_from(  # type: ignore[arg-type]
            aws.ec2.SecurityGroup("peer", vpc_id=VPC_ID, description="peer"), produce=True)
    except (ValueError, TypeError) as exc:
        errors["produce_without_role"] = str(exc)
    pulumi.export("errors", errors)
