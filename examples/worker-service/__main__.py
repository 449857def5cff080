"""worker-service: a queue worker on Fargate, scaled on the depth of its SQS queue.

Network + ECS cluster + one `FargateService` of kind `worker` (no load balancer, no port), in
its own security group from `SecurityGroups` (443 out only), consuming a `Queue` (SQS, with its
dead-letter queue, KMS-encrypted, TLS only). Autoscaling holds the backlog per running task near
a target; `queue.allow_from(service, receive=True)` grants the worker exactly what consuming
takes.

The worker writes its results to an `AssetBucket` (S3: versioned, on the data key, TLS only,
private, a lifecycle down to Glacier; docs/assets.md): `assets.allow_from(service,
access="write")` puts exactly the S3 actions on the task role, and `assets.connection()` gives
the container `ASSETS_BUCKET`. A bucket of data is in a backup plan (docs/backup.md): a
`BackupPlan` with AWS Backup for S3 covers it by its `Backup` tag and copies every recovery
point to a vault in the DR region (`drRegion`, default us-west-2).

Only the public API: `from groundwork.components import ...`, each component built as
`Component(name, <Component>Args(...))`.
"""

import pulumi
import pulumi_aws as aws

from groundwork.components import (
    AssetBucket,
    AssetBucketArgs,
    BackupPlan,
    BackupPlanArgs,
    EcsCluster,
    EcsClusterArgs,
    EnvironmentKeys,
    EnvironmentKeysArgs,
    FargateService,
    FargateServiceArgs,
    Network,
    NetworkArgs,
    Queue,
    QueueArgs,
    QueueMetricSettings,
    RestoreTestingSettings,
    ScalingSettings,
    SecurityGroups,
    SecurityGroupsArgs,
    ServicePeer,
    ServiceWiring,
)

config = pulumi.Config()
image = config.require("image")  # your image: a version tag or a digest, never :latest
# Tags on every resource the components create (besides Name and what each one is). Every AWS
# name starts with <project>-<stack>-<component name>: the default name_prefix.
tags = {"Owner": "platform-team", "Project": pulumi.get_project(), "Environment": pulumi.get_stack(),
        "ManagedBy": "pulumi"}

# The two keys this program uses: logs (log groups, flow logs) and data (the queues, the
# bucket, the backup vault).
keys = EnvironmentKeys("kms", EnvironmentKeysArgs(purposes=("logs", "data"), tags=tags))
logs_key, data_key = keys.require("logs"), keys.require("data")

# The seed layout (public / compute / data / messaging /24 tiers) over 2 AZs, one NAT, and no
# RDS / ElastiCache subnet groups (database_tier=None): nothing here stores data in the VPC.
network = Network("network", NetworkArgs(cidr="10.30.0.0/16", az_count=2, nat="single",
                                         database_tier=None, logs_key_arn=logs_key.arn,
                                         tags=tags))

# The work queue and its dead-letter queue (worker-service-dev-jobs, ...-jobs-dlq), encrypted
# with the data key, TLS only, redriven after 5 failed receives. The visibility timeout is
# checked against the longest job: a job that outlives it would run twice. Pulumi `protect`:
# `pulumi destroy` can't drop the jobs nobody has processed yet (the pack's
# prod-stateful-protected).
queue = Queue("jobs", QueueArgs(data_key_arn=data_key.arn, max_job_seconds=240,
                                visibility_timeout_seconds=300, protect=True, tags=tags))

# Backups in a second region (docs/backup.md). A KMS key is regional, so the DR region gets its
# own provider and a data key there: AWS Backup re-encrypts each copy with the DR vault's key.
dr_region = config.get("drRegion") or "us-west-2"
dr = aws.Provider("dr", region=dr_region)
dr_keys = EnvironmentKeys("kms-dr", EnvironmentKeysArgs(purposes=("data",), tags=tags),
                          opts=pulumi.ResourceOptions(providers={"aws": dr}))

# The vault (on the data key, governance lock, deletes denied), the continuous, daily and
# monthly rules, each copied to the DR vault, and the selection of `Backup=<prefix>-backup`.
# s3=True: the role gets AWS's S3 backup and restore policies. No restore test: AWS restore
# testing here restores RDS recovery points, and there is no database.
backup = BackupPlan("backup", BackupPlanArgs(
    data_key_arn=data_key.arn,
    copy_to_region=dr_region,
    dr_provider=dr,
    dr_key_arn=dr_keys.require("data").arn,
    s3=True,
    restore_testing=RestoreTestingSettings(enabled=False),
    protect=True,  # Pulumi `protect` on both vaults (default false)
    tags=tags,
))

# The worker's results (worker-service-dev-assets-<account>-<region>), with an access-log
# bucket of its own. The defaults: Standard-IA after 30 days, Glacier Instant Retrieval after
# 90 (both still answer a GET), `archive/` to Deep Archive after 180, old versions kept a year.
assets = AssetBucket("assets", AssetBucketArgs(
    data_key_arn=data_key.arn,
    backup_tag=backup.selection_tag[1],  # in the plan above
    protect=True,  # `pulumi destroy` can't take the files with it
    tags=tags,
))

# Security groups from the matrix: the worker's own group, no inbound, HTTPS out only (a
# ServicePeer's defaults: kind worker, no port, no database, no cache).
groups = SecurityGroups("security-groups", SecurityGroupsArgs(
    vpc_id=network.outputs.vpc_id, vpc_cidr=network.outputs.vpc_cidr,
    services=(ServicePeer(name="worker"),), tags=tags))

cluster = EcsCluster("cluster", EcsClusterArgs(tags=tags))  # Container Insights enhanced

# A worker has no port and no load balancer. Scaling holds about 50 visible messages per
# running task, between 1 and 10 tasks (at least 1: the backlog-per-task math divides by the
# running task count). The metric's QueueName is the queue's `name` output, so the settings
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
    # The queue's name output, as the scaling metric's dimension.
    queue_dimensions={"QueueName": queue.name},
    # JOBS_QUEUE_URL and ASSETS_BUCKET, known only at deploy time, reach the container through
    # the wiring.
    wiring=ServiceWiring.combine(queue.connection(), assets.connection()),
    # No EnvironmentAlarms in this program, so no deployment alarms to roll back on (the
    # circuit breaker still rolls back failed deployments).
    deployment_alarm_names=[],
    tags=tags,
))

# The task role starts with no permissions: the worker may receive, delete and change the
# visibility of this queue's messages, and decrypt them with the data key through SQS.
queue.allow_from(service, receive=True)
# And may list, read and write the bucket's objects (a delete only adds a delete marker, never
# removes a version), with the data key through S3 only.
assets.allow_from(service, access="write")

pulumi.export("queue_url", queue.url)
pulumi.export("queue_name", queue.name)
pulumi.export("dead_letter_queue_url", queue.dlq_url)
pulumi.export("cluster_name", cluster.name)
pulumi.export("service_name", service.service_name)
pulumi.export("log_group_name", service.log_group_name)
pulumi.export("task_role_arn", service.task_role.arn)
pulumi.export("assets_bucket", assets.bucket_name)
pulumi.export("backup", {"vault_name": backup.vault_name, "dr_vault_name": backup.dr_vault_name,
                         "dr_region": backup.dr_region, "selection_tag": backup.selection_tag[1]})
