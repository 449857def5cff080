"""worker-service: a queue worker on Fargate, scaled on the depth of its SQS queue.

Network + ECS cluster + one `FargateService` of kind `worker` (no load balancer, no port), in
its own security group from `SecurityGroups` (443 out only), consuming a KMS-encrypted SQS
queue with a dead-letter queue. Autoscaling holds the backlog per running task near a target.
"""

import json

import pulumi
import pulumi_aws as aws

from components.base import AccountContext, Naming
from components.cluster import EcsCluster
from components.kms import EnvironmentKeys
from components.network import Network
from components.security_groups import SecurityGroups
from components.service import FargateService, ServiceWiring
from stacks.config import (
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
keys = EnvironmentKeys(naming=naming, account=account)

# The default seed layout (public / compute / data / messaging /24 tiers) over 2 AZs, one NAT.
network = Network("network",
                  NetworkConfig(cidr="10.30.0.0/16", az_count=2, nat="single",
                                flow_logs=FlowLogsConfig(retention_days=30)),
                  naming=naming, account=account, logs_key_arn=keys.logs.arn)

# The work queue, encrypted with the environment's data key. Its name is fixed here (not
# auto-named) because the scaling metric below needs it as a plain string.
queue_name = naming.name("jobs", max_length=80)
dead_letters = aws.sqs.Queue(
    "jobs-dlq",
    name=naming.name("jobs-dlq", max_length=80),
    kms_master_key_id=keys.data.arn,
    message_retention_seconds=14 * 24 * 3600,
    tags=naming.tagged(naming.name("jobs-dlq")),
)
queue = aws.sqs.Queue(
    "jobs",
    name=queue_name,
    kms_master_key_id=keys.data.arn,
    kms_data_key_reuse_period_seconds=300,  # fewer KMS calls (and a smaller KMS bill)
    visibility_timeout_seconds=300,  # longer than the slowest job, or it runs twice
    redrive_policy=dead_letters.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
    tags=naming.tagged(queue_name),
)

# The service's config model: a worker has no port and no load balancer. Scaling holds about
# 50 visible messages per running task, between 1 and 10 tasks (at least 1: the backlog-per-task
# math divides by the running task count).
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
        queue_metric=QueueMetricConfig(dimensions={"QueueName": queue_name}, target_per_task=50),
    ),
)

# Security groups from the matrix: the worker's own group, no inbound, HTTPS out only.
groups = SecurityGroups("security-groups", vpc_id=network.outputs.vpc_id,
                        vpc_cidr=network.outputs.vpc_cidr, services=[worker],
                        load_balancer=False, database_port=None, cache_port=None, naming=naming)

cluster = EcsCluster("cluster", ClusterConfig(log_retention_days=30), naming=naming,
                     logs_key_arn=keys.logs.arn)

service = FargateService(
    "worker",
    worker,
    naming=naming,
    account=account,
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("worker").id],
    logs_key_arn=keys.logs.arn,
    log_retention_days=30,
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
    policy=pulumi.Output.all(queue.arn, keys.data.arn).apply(lambda a: json.dumps({
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
