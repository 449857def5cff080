"""worker-service: a queue worker on Fargate, scaled on the depth of its SQS queue.

Network + ECS cluster + one `FargateService` of kind `worker` (no load balancer, no port), in
its own security group from `SecurityGroups` (443 out only), consuming a KMS-encrypted SQS
queue with a dead-letter queue. Autoscaling holds the backlog per running task near a target.
"""

import json

import pulumi
import pulumi_aws as aws

from groundwork.components.base import AccountContext, Naming
from groundwork.components.cluster import EcsCluster
from groundwork.components.kms import EnvironmentKeys
from groundwork.components.network import Network
from groundwork.components.security_groups import SecurityGroups
from groundwork.components.service import FargateService, ServiceWiring
from groundwork.stacks.config import (
    ClusterConfig,
    FlowLogsConfig,
    NetworkConfig,
    QueueMetricConfig,
    ScalingConfig,
    ServiceConfig,
)

region = pulumi.Config("aws").require("region")
project, stack = pulumi.get_project(), pulumi.get_stack()
naming = Naming(prefix=f"{project}-{stack}",
                tags={"Owner": "platform-team", "Project": project, "Environment": stack,
                      "ManagedBy": "pulumi"})
account = AccountContext.current(region)
# The two keys this program uses: logs (log groups, flow logs) and data (the queues).
keys = EnvironmentKeys(naming=naming, account=account, purposes=("logs", "data"))
logs_key, data_key = keys.require("logs"), keys.require("data")

# The default seed layout (public / compute / data / messaging /24 tiers) over 2 AZs, one NAT.
network = Network("network",
                  NetworkConfig(cidr="10.30.0.0/16", az_count=2, nat="single",
                                flow_logs=FlowLogsConfig(retention_days=30)),
                  naming=naming, account=account, logs_key_arn=logs_key.arn)

# The work queue, encrypted with the environment's data key, and its dead-letter queue. Both are
# auto-named (`jobs-<random>`): the scaling metric reads the name from the queue's output below.
dead_letters = aws.sqs.Queue(
    "jobs-dlq",
    kms_master_key_id=data_key.arn,
    message_retention_seconds=14 * 24 * 3600,
    tags=naming.tagged(naming.name("jobs-dlq")),
)
queue = aws.sqs.Queue(
    "jobs",
    kms_master_key_id=data_key.arn,
    kms_data_key_reuse_period_seconds=300,  # fewer KMS calls (and a smaller KMS bill)
    visibility_timeout_seconds=300,  # longer than the slowest job, or it runs twice
    redrive_policy=dead_letters.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
    tags=naming.tagged(naming.name("jobs")),
)

# The service's config model: a worker has no port and no load balancer. Scaling holds about
# 50 visible messages per running task, between 1 and 10 tasks (at least 1: the backlog-per-task
# math divides by the running task count). The metric's QueueName is known only at deploy time,
# so the config leaves `dimensions` out and FargateService gets it as `queue_dimensions`.
worker = ServiceConfig(
    name="worker",
    kind="worker",
    image="ghcr.io/your-org/app:1.0.0",  # your image: a version tag or a digest, never :latest
    command=["python", "-m", "app.worker"],
    cpu=512,
    memory=1024,
    use_database=False,
    use_cache=False,
    scaling=ScalingConfig(
        min_count=1,
        max_count=10,
        queue_metric=QueueMetricConfig(target_per_task=50),
    ),
)

# Security groups from the matrix: the worker's own group, no inbound, HTTPS out only.
groups = SecurityGroups("security-groups", vpc_id=network.outputs.vpc_id,
                        vpc_cidr=network.outputs.vpc_cidr, services=[worker],
                        load_balancer=False, database_port=None, cache_port=None, naming=naming)

cluster = EcsCluster("cluster", ClusterConfig(log_retention_days=30), naming=naming,
                     logs_key_arn=logs_key.arn)

service = FargateService(
    "worker",
    worker,
    naming=naming,
    account=account,
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("worker").id],
    logs_key_arn=logs_key.arn,
    log_retention_days=30,
    # The queue's auto-generated name, as the scaling metric's dimension (an Output).
    queue_dimensions={"QueueName": queue.name},
    # Values known only at deploy time reach the container through the wiring.
    wiring=ServiceWiring(environment={"QUEUE_URL": queue.url}),
    # No EnvironmentAlarms in this program, so no deployment alarms to roll back on (the
    # circuit breaker still rolls back failed deployments).
    deployment_alarms=False,
)

# The task role starts with no permissions: grant exactly what the worker does with the queue.
aws.iam.RolePolicy(
    "worker-consumes-jobs",
    role=service.task_role.id,
    policy=pulumi.Output.all(queue.arn, data_key.arn).apply(lambda a: json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ConsumeJobs", "Effect": "Allow",
             "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                        "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
             "Resource": a[0]},
            {"Sid": "DecryptJobs", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": a[1],
             "Condition": {"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}}},
        ],
    })),
)

pulumi.export("queue_url", queue.url)
pulumi.export("queue_name", queue.name)
pulumi.export("dead_letter_queue_url", dead_letters.url)
pulumi.export("cluster_name", cluster.name)
pulumi.export("service_name", service.service_name)
pulumi.export("log_group_name", service.log_group_name)
pulumi.export("task_role_arn", service.task_role.arn)
