"""The groundwork policy pack, as the Pulumi CLI runs it:

    pulumi preview --stack prod --policy-pack policies --policy-pack-config policies/config/prod.json

The CLI starts this file from inside `policies/` with the pack's own virtualenv (pulumi,
pulumi-policy; see requirements.txt). It only builds the pack: every rule lives in
`rules/` beside this file (put on sys.path here), where
`groundwork check` and the tests use the same objects. `PolicyPack()` starts a gRPC server and
blocks: never import this module.
"""

import sys
from pathlib import Path

# The pack runs in its own virtualenv, where groundwork is not installed: the rules are a
# self-contained package next to this file (relative imports only), importable as `rules` here
# and as `groundwork.policies.rules` in-process.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import rules  # type: ignore[import-not-found]
from pulumi_policy import PolicyPack

PolicyPack(
    name="groundwork",
    enforcement_level=rules.DEFAULT_ENFORCEMENT,
    policies=[
        rules.network.ec2_default_security_group_closed,
        rules.network.ec2_vpc_flow_logs,
        rules.network.ec2_subnet_no_public_ip,
        rules.network.ec2_no_world_ingress,
        rules.load_balancer.elb_http_redirects_to_https,
        rules.load_balancer.elb_http_only_listener,
        rules.load_balancer.elb_drop_invalid_headers,
        rules.load_balancer.elb_access_logs,
        rules.load_balancer.elb_deletion_protection,
        rules.load_balancer.elb_desync_mitigation,
        rules.load_balancer.elb_multi_az,
        rules.load_balancer.elb_tls_policy,
        rules.compute.ecs_no_public_ip,
        rules.compute.ecs_no_host_pid,
        rules.compute.ecs_not_privileged,
        rules.compute.ecs_read_only_root,
        rules.compute.ecs_no_secrets_in_environment,
        rules.compute.ecs_logging,
        rules.compute.ecs_non_root_user,
        rules.compute.ecs_fargate_latest_platform,
        rules.compute.ecs_container_insights,
        rules.compute.ec2_imdsv2_required,
        rules.compute.ec2_ebs_encrypted,
        rules.data.rds_not_public,
        rules.data.rds_encrypted,
        rules.data.rds_multi_az,
        rules.data.rds_enhanced_monitoring,
        rules.data.rds_deletion_protection,
        rules.data.rds_log_exports,
        rules.data.rds_iam_auth,
        rules.data.rds_backup_retention,
        rules.data.rds_minor_upgrades,
        rules.data.rds_copy_tags_to_snapshot,
        rules.data.rds_non_default_port,
        rules.data.rds_custom_admin_username,
        rules.data.rds_managed_master_password,
        rules.data.rds_force_ssl,
        rules.data.elasticache_backups,
        rules.data.elasticache_minor_upgrades,
        rules.data.elasticache_automatic_failover,
        rules.data.elasticache_encrypted_at_rest,
        rules.data.elasticache_encrypted_in_transit,
        rules.data.elasticache_auth,
        rules.data.elasticache_subnet_group,
        rules.security.kms_key_rotation,
        rules.security.kms_key_not_public,
        rules.security.secretsmanager_rotation,
        rules.security.sns_topic_encrypted,
        rules.security.s3_block_public_access,
        rules.security.s3_tls_only,
        rules.security.s3_acls_disabled,
        rules.security.required_tags,
        rules.security.prod_stateful_protected,
        rules.security.no_plaintext_secrets,
        rules.observability.cloudwatch_alarm_has_action,
        rules.observability.cloudwatch_alarm_actions_enabled,
        rules.observability.cloudwatch_log_retention,
        rules.observability.cloudwatch_log_group_encrypted,
    ],
)
