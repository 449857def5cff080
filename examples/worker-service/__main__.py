"""worker-service: a queue worker on Fargate, scaled on the depth of its SQS queue.

Network + ECS cluster + one `FargateService` of kind `worker` (no load balancer, no port), in
its own security group from `SecurityGroups` (443 out only), consuming a KMS-encrypted SQS
queue with a dead-letter queue. Autoscaling holds the backlog per running task near a target.

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import json

import pulumi
import pulumi_aws as aws

from groundwork.components import (
    EcsCluster,
    EcsClusterArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    FargateService,
    FargateServiceArgs,
    Network,
    NetworkArgs,
    QueueMetricSettings,
    ScalingSettings,
    SecurityGroups,
    SecurityGroupsArgs,
    ServicePeer,
    ServiceWiring,
)

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
image = config.require("image")  # your image: a version tag or a digest, never :latest
# Tags on every resource the components create (besides Name and what each one is). Every AWS
# name starts with <project>-<stack>-<component name>: the default name_prefix.
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# The two keys this program uses: logs (log groups, flow logs) and data (the queues).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(purposes=("logs", "data"), tags=tags))
logs_key, data_key = keys.require("logs"), keys.require("data")

# The seed layout (public / compute / data / messaging /24 tiers) over 2 AZs, one NAT, and no
# RDS / ElastiCache subnet groups (database_tier=None): nothing here stores data in the VPC.
network = Network("network", NetworkArgs(cidr="10.30.0.0/16", az_count=2, nat="single",
                                         database_tier=None, logs_key_arn=logs_key.arn,
                                         tags=tags))

# The work queue, encrypted with the data key, and its dead-letter queue. Both are auto-named
# (`jobs-<random>`): the scaling metric reads the name from the queue's output below.
dead_letters = aws.sqs.Queue(
    "jobs-dlq",
    kms_master_key_id=data_key.arn,
    message_retention_seconds=14 * 24 * 3600,
    tags={**tags, "Name": "jobs-dlq"},
)
queue = aws.sqs.Queue(
    "jobs",
    kms_master_key_id=data_key.arn,
    kms_data_key_reuse_period_seconds=300,  # fewer KMS calls (and a smaller KMS bill)
    visibility_timeout_seconds=300,  # longer than the slowest job, or it runs twice
    redrive_policy=dead_letters.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})),
    tags={**tags, "Name": "jobs"},
)

# Security groups from the matrix: the worker's own group, no inbound, HTTPS out only (a
# ServicePeer's defaults: kind worker, no port, no database, no cache).
groups = SecurityGroups("security-groups", SecurityGroupsArgs(
    vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
    services=(ServicePeer(name="worker"),), tags=tags))

cluster = EcsCluster("cluster", EcsClusterArgs(tags=tags))  # Container Insights enhanced

# A worker has no port and no load balancer. Scaling holds about 50 visible messages per
# running task, between 1 and 10 tasks (at least 1: the backlog-per-task math divides by the
# running task count). The metric's QueueName is known only at deploy time, so the settings
# leave `dimensions` out and the Args give it as `queue_dimensions`.
service = FargateService("worker", FargateServiceArgs(
    kind="worker",
    image=image,
    command=["python", "-m", "app.worker"],
    cpu=512,
    memory=1024,
    scaling=ScalingSettings(min_count=1, max_count=10,
                            queue_metric=QueueMetricSettings(target_per_task=50)),
    cluster=cluster,
    subnet_ids=network.outputs.subnet_ids["compute"],
    security_group_ids=[groups.for_service("worker").id],
    logs_key_arn=logs_key.arn,
    # The queue's auto-generated name, as the scaling metric's dimension (an Output).
    queue_dimensions={"QueueName": queue.name},
    # Values known only at deploy time reach the container through the wiring.
    wiring=ServiceWiring(environment={"QUEUE_URL": queue.url}),
    # No EnvironmentAlarms in this program, so no deployment alarms to roll back on (the
    # circuit breaker still rolls back failed deployments).
    deployment_alarm_names=[],
    tags=tags,
))

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
