"""The control catalog: every security control that applies to what groundwork builds, whether
a preview can judge it, and which rule of the policy pack enforces it.

The pack's rules name their control in `rule.control` (`"EC2.18/EC2.19"`); this catalog is the
other direction: for each control that applies to a resource groundwork creates (the dev and
prod stacks, the account program, and the public components a program may add), it says where
the control stands. `docs/policies.md`'s control table is generated from it (`make docs`), and
tests/test_controls.py holds the catalog and the pack to each other:

- every `checkable` control has at least one rule, and every such rule is mandatory in prod;
- every control a rule names is in the catalog (no typo goes unnoticed);
- the counts in the README and in docs/policies.md are the ones computed here.

Statuses:
- `enforced`: judged from the program's inputs by the named rules.
- `runtime`: needs the live account (a resource's state, history or behaviour): `groundwork verify`
  or Security Hub report it; a preview can't.
- `deviation`: a preview could judge it, and groundwork deliberately does not satisfy it; the
  note says why and what compensates. Deviations count against the enforced total.

Standards: `FSBP` (AWS Foundational Security Best Practices), `CIS` (CIS AWS Foundations
Benchmark), `NIST` (NIST SP 800-53 r5 in Security Hub), `groundwork` (the target
architecture's own guardrails). The FSBP titles are Security Hub's (as mapped by
turbot/steampipe-mod-aws-compliance, foundational_security/*.pp).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ENFORCED, RUNTIME, DEVIATION = "enforced", "runtime", "deviation"


@dataclass(frozen=True)
class Control:
    id: str
    standard: str
    title: str
    applies_to: str
    """What groundwork builds that the control judges."""
    status: str = ENFORCED
    note: str = ""
    """Why it is runtime-only or a deviation; for enforced controls, the tested evasions."""

    @property
    def checkable(self) -> bool:
        return self.status != RUNTIME


def _c(id: str, standard: str, title: str, applies_to: str, status: str = ENFORCED,
       note: str = "") -> Control:
    return Control(id, standard, title, applies_to, status, note)


F, CIS, NIST, GW = "FSBP", "CIS", "NIST", "groundwork"

CONTROLS: tuple[Control, ...] = (
    # --- account (the account program) ----------------------------------------------------
    _c("Account.1", F, "Security contact information should be provided for an AWS account",
       "account program: AccountSettings"),
    _c("CloudTrail.1", F, "CloudTrail should be enabled and configured with at least one "
       "multi-Region trail that includes read and write management events", "account program: AuditTrail"),
    _c("CloudTrail.2", F, "CloudTrail should have encryption at rest enabled", "account program: AuditTrail"),
    _c("CloudTrail.4", F, "CloudTrail log file validation should be enabled", "account program: AuditTrail"),
    _c("CloudTrail.5", F, "CloudTrail trails should be integrated with Amazon CloudWatch Logs",
       "account program: AuditTrail"),
    _c("CloudTrail.6", CIS, "Ensure the S3 bucket used to store CloudTrail logs is not publicly accessible",
       "account program: AuditTrail bucket"),
    _c("CloudTrail.7", CIS, "Ensure S3 bucket access logging is enabled on the CloudTrail S3 bucket",
       "account program: AuditTrail bucket"),
    _c("Config.1", F, "AWS Config should be enabled and use the service-linked role for resource recording",
       "account program: ConfigRecorder"),
    _c("GuardDuty.1", F, "GuardDuty should be enabled", "account program: ThreatDetection"),
    _c("GuardDuty.10", F, "GuardDuty S3 Protection should be enabled", "account program: ThreatDetection"),
    _c("GuardDuty.11", F, "GuardDuty Runtime Monitoring should be enabled",
       "account program: ThreatDetection"),
    _c("GuardDuty.12", F, "GuardDuty ECS Runtime Monitoring should be enabled",
       "account program: ThreatDetection"),
    _c("GuardDuty.6", F, "GuardDuty Lambda Protection should be enabled", "account program: ThreatDetection"),
    _c("GuardDuty.9", F, "GuardDuty RDS Protection should be enabled", "account program: ThreatDetection"),
    _c("EC2.7", F, "EBS default encryption should be enabled", "account program: AccountSettings"),
    _c("S3.1", F, "S3 general purpose buckets should have block public access settings enabled "
       "(account level)", "account program: AccountSettings; every bucket (S3.8)"),
    _c("IAM.7", F, "Password policies for IAM users should have strong configurations",
       "account program: AccountSettings"),
    _c("IAM.15", CIS, "Ensure IAM password policy requires minimum password length of 14 or greater",
       "account program: AccountSettings"),
    _c("IAM.16", CIS, "Ensure IAM password policy prevents password reuse",
       "account program: AccountSettings"),
    _c("Security Hub FSBP", GW, "Security Hub is enabled with the FSBP standard (no Security Hub control "
       "checks Security Hub itself)", "account program: SecurityHub"),
    _c("Budget alerts", GW, "A monthly cost budget alerts on actual and forecasted spend",
       "account program: Budget"),
    # --- network ------------------------------------------------------------------------------
    _c("EC2.2", F, "VPC default security groups should not allow inbound or outbound traffic", "Network"),
    _c("EC2.6", F, "VPC flow logging should be enabled in all VPCs", "Network"),
    _c("EC2.10", F, "Amazon EC2 should be configured to use VPC endpoints that are created for the "
       "Amazon EC2 service", "Network"),
    _c("EC2.15", F, "EC2 subnets should not automatically assign public IP addresses", "Network"),
    _c("EC2.16", F, "Unused network access control lists should be removed", "Network", RUNTIME,
       "whether a NACL is associated is AWS's state; groundwork manages only the default NACL"),
    _c("EC2.18", F, "Security groups should only allow unrestricted incoming traffic for authorized ports",
       "SecurityGroups, every security group"),
    _c("EC2.19", F, "Security groups should not allow unrestricted access to ports with high risk",
       "SecurityGroups, every security group"),
    _c("EC2.21", F, "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
       "Network (default NACL)"),
    _c("EC2.172", F, "EC2 VPC Block Public Access settings should block internet gateway traffic",
       "account program: AccountSettings (block-ingress); Network excludes its public subnets"),
    *(_c(cid, NIST, f"VPCs should be configured with an interface endpoint for {svc}", "Network",
         DEVIATION, "AWS lists it for NIST SP 800-53 r5 (third-party mappings also place it under "
         "FSBP, UNCONFIRMED); an interface endpoint costs about $7.30 a month per AZ, and the tasks "
         "reach the service through the NAT path, so it stays opt-in (`network.endpoints.interface`)")
      for cid, svc in (("EC2.55", "ECR API"), ("EC2.56", "Docker Registry"), ("EC2.57", "Systems Manager"))),
    # --- EC2 instances (the NAT instance of network.nat: instance) ----------------------------
    _c("EC2.3", F, "Attached EBS volumes should be encrypted at rest", "NAT instance"),
    _c("EC2.8", F, "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)", "NAT instance"),
    _c("EC2.9", F, "EC2 instances should not have a public IPv4 address", "NAT instance",
       note="advisory in dev only: a NAT instance forwards through its public address by "
            "definition, and `network.nat: instance` is a dev-cost option the prod floor refuses"),
    _c("EC2.4", F, "Stopped EC2 instances should be removed after a specified time period", "NAT instance",
       RUNTIME, "whether an instance is stopped, and for how long, is the instance's state in AWS"),
    # --- load balancer ------------------------------------------------------------------------
    _c("ELB.1", F, "Application Load Balancer should be configured to redirect all HTTP requests to HTTPS",
       "LoadBalancer"),
    _c("ELB.4", F, "Application Load Balancer should be configured to drop invalid http headers",
       "LoadBalancer"),
    _c("ELB.5", F, "Application and Classic Load Balancers logging should be enabled", "LoadBalancer"),
    _c("ELB.6", F, "Application Load Balancer deletion protection should be enabled", "LoadBalancer"),
    _c("ELB.12", F, "Application Load Balancers should be configured with defensive or strictest desync "
       "mitigation mode", "LoadBalancer"),
    _c("ELB.13", F, "Application, Network, and Gateway Load Balancers should span multiple Availability "
       "Zones", "LoadBalancer"),
    _c("ELB.17", F, "Application and Network Load Balancers with listeners should use recommended "
       "security policies", "LoadBalancer"),
    _c("ELB.18", F, "Application and Network Load Balancer listeners should use secure protocols to "
       "encrypt data in transit", "LoadBalancer", DEVIATION,
       "the port-80 listener exists only to redirect to HTTPS (ELB.1, enforced: it never forwards, "
       "also through listener rules); without it a user typing http:// gets no answer at all"),
    _c("ACM.1", F, "Imported and ACM-issued certificates should be renewed after a specified time period",
       "LoadBalancer certificate", RUNTIME, "expiry is the certificate's state; ACM renews the "
       "DNS-validated certificates groundwork requests"),
    _c("ACM.2", F, "RSA certificates managed by ACM should use a key length of at least 2,048 bits",
       "LoadBalancer certificate"),
    # --- the edge: WAF and CloudFront ------------------------------------------------------------
    _c("WAF.10", F, "AWS WAF web ACLs should have at least one rule or rule group",
       "WebFirewall (REGIONAL and CLOUDFRONT web ACLs)",
       note="evasions tested: an empty `rules` list, no rules at all, `ruleJson` '[]' or not JSON; "
            "a standalone WebAclRule / WebAclRuleGroupAssociation naming the ACL counts, one "
            "naming another ACL doesn't"),
    _c("WAF.11", NIST, "AWS WAF web ACL logging should be enabled", "WebFirewall",
       note="the destination must be named aws-waf-logs-... (AWS refuses others); listed by "
            "Security Hub under NIST SP 800-53 r5, not FSBP"),
    _c("WAF.12", F, "AWS WAF rules should have CloudWatch metrics enabled",
       "WebFirewall (every rule, the ACL itself), any rule group or standalone rule",
       note="evasions tested: one rule of many off, a missing visibilityConfig, the string "
            "'false', a ruleJson rule off"),
    _c("WAF log redaction", GW, "WAF logs redact the Authorization and Cookie headers",
       "WebFirewall logging configuration"),
    _c("ELB.16", NIST, "Application Load Balancers should be associated with an AWS WAF web ACL",
       "LoadBalancer (internet-facing), WebFirewall",
       note="also Checkov CKV2_AWS_28; WAFv2 only (Security Hub also accepts WAF Classic); advisory in "
            "dev, which runs without the WAF (`edge.waf.enabled` false: a web ACL costs $5 a month "
            "plus $1 per rule and request charges for a stack with no public traffic); an internal "
            "ALB behind a CloudFront VPC origin is exempt, the distribution's web ACL is "
            "CloudFront.6"),
    _c("CloudFront.1", F, "CloudFront distributions should have a default root object configured",
       "CloudFrontDistribution (S3 origins only; the ALB origin passes)"),
    _c("CloudFront.3", F, "CloudFront distributions should require encryption in transit",
       "CloudFrontDistribution"),
    _c("CloudFront.4", F, "CloudFront distributions should have origin failover configured",
       "CloudFrontDistribution", DEVIATION,
       "the distribution has one origin, the internal ALB, and no second copy of the application "
       "to fail over to; CloudFront fails over only GET/HEAD/OPTIONS, so an origin group would not "
       "protect an API's writes. The ALB spans two AZs (ELB.13) and the services run in both"),
    _c("CloudFront.5", F, "CloudFront distributions should have logging enabled", "CloudFrontDistribution",
       note="legacy logging_config or standard logging v2 (an ACCESS_LOGS LogDeliverySource plus a "
            "LogDelivery); Security Hub's Config rule (cloudfront-accesslogs-enabled) reads the "
            "legacy setting only, so a v2-only distribution can still show FAILED there"),
    _c("CloudFront.6", F, "CloudFront distributions should have AWS WAF enabled", "CloudFrontDistribution"),
    _c("CloudFront.7", F, "CloudFront distributions should use custom SSL/TLS certificates",
       "CloudFrontDistribution"),
    _c("CloudFront.8", F, "CloudFront distributions should use SNI to serve HTTPS requests",
       "CloudFrontDistribution"),
    _c("CloudFront.9", F, "CloudFront distributions should encrypt traffic to custom origins",
       "CloudFrontDistribution, its VpcOrigin"),
    _c("CloudFront.10", F, "CloudFront distributions should not use deprecated SSL protocols between edge "
       "locations and custom origins", "CloudFrontDistribution, its VpcOrigin",
       note="stricter than Security Hub (SSLv3 only): TLSv1 and TLSv1.1 are refused too"),
    _c("CloudFront.12", F, "CloudFront distributions should not point to non-existent S3 origins",
       "CloudFrontDistribution", RUNTIME,
       "whether an origin's bucket exists is S3's state; groundwork's distribution has no S3 origin"),
    _c("CloudFront.13", F, "CloudFront distributions should use origin access control",
       "CloudFrontDistribution (S3 origins only)"),
    _c("CloudFront.15", F, "CloudFront distributions should use the recommended TLS security policy",
       "CloudFrontDistribution"),
    # --- ECS ----------------------------------------------------------------------------------
    _c("ECS.2", F, "ECS services should not have public IP addresses assigned to them automatically",
       "FargateService"),
    _c("ECS.3", F, "ECS task definitions should not share the host's process namespace", "FargateService"),
    _c("ECS.4", F, "ECS containers should run as non-privileged", "FargateService"),
    _c("ECS.5", F, "ECS containers should be limited to read-only access to root filesystems",
       "FargateService"),
    _c("ECS.8", F, "Secrets should not be passed as container environment variables", "FargateService"),
    _c("ECS.9", F, "ECS task definitions should have a logging configuration", "FargateService"),
    _c("ECS.10", F, "ECS Fargate services should run on the latest Fargate platform version",
       "FargateService"),
    _c("ECS.12", F, "ECS clusters should use Container Insights", "EcsCluster"),
    _c("ECS.20", F, "ECS task definitions should configure non-root users in Linux container definitions",
       "FargateService"),
    _c("ECS container health check", GW, "Every container of every task definition has a health "
       "check (CMD or CMD-SHELL with a command; interval, timeout and retries written)",
       "FargateService (app container and tracing sidecar)"),
    _c("ECS blue/green tested", GW, "A BLUE_GREEN, CANARY or LINEAR service has a test listener "
       "rule and a Lambda hook before production traffic shifts", "FargateService (deployment)"),
    _c("ECS infrastructure role scoped", GW, "The ECS infrastructure role of a blue/green service "
       "may re-weight and register into only that service's rules and target groups",
       "FargateService (deployment)"),
    _c("ALB test rule restricted", GW, "A blue/green test listener rule admits only the CIDRs the "
       "hook calls from, never the internet", "LoadBalancer test rules"),
    _c("ECS essential container", GW, "A task definition's essential containers include the app, not "
       "only sidecars, and every dependsOn names a container of the task with a condition ECS "
       "accepts", "FargateService"),
    # --- ECR ----------------------------------------------------------------------------------
    _c("ECR.1", F, "ECR private repositories should have image scanning configured", "ServiceImage"),
    _c("ECR.2", F, "ECR private repositories should have tag immutability configured", "ServiceImage"),
    _c("ECR.3", F, "ECR repositories should have at least one lifecycle policy configured", "ServiceImage"),
    # --- RDS ----------------------------------------------------------------------------------
    _c("RDS.2", F, "RDS DB instances should prohibit public access", "PostgresDatabase"),
    _c("RDS.3", F, "RDS DB instances should have encryption at rest enabled", "PostgresDatabase"),
    _c("RDS.5", F, "RDS DB instances should be configured with multiple Availability Zones",
       "PostgresDatabase"),
    _c("RDS.6", F, "Enhanced monitoring should be configured for RDS DB instances", "PostgresDatabase"),
    _c("RDS.8", F, "RDS DB instances should have deletion protection enabled", "PostgresDatabase"),
    _c("RDS.9", F, "RDS DB instances should publish logs to CloudWatch Logs", "PostgresDatabase"),
    _c("RDS.10", F, "IAM authentication should be configured for RDS instances", "PostgresDatabase"),
    _c("RDS.11", F, "RDS instances should have automatic backups enabled", "PostgresDatabase"),
    _c("RDS.13", F, "RDS automatic minor version upgrades should be enabled", "PostgresDatabase"),
    _c("RDS.17", F, "RDS DB instances should be configured to copy tags to snapshots", "PostgresDatabase"),
    _c("RDS.18", F, "RDS instances should be deployed in a VPC", "PostgresDatabase"),
    _c("RDS.20", F, "RDS event notification subscriptions should be configured for critical database "
       "instance events", "EnvironmentAlarms (RDS event subscription)"),
    _c("RDS.21", F, "An RDS event notifications subscription should be configured for critical database "
       "parameter group events", "EnvironmentAlarms (RDS event subscription)"),
    _c("RDS.22", F, "An RDS event notifications subscription should be configured for critical database "
       "security group events", "EnvironmentAlarms (RDS event subscription)"),
    _c("RDS.23", F, "RDS instances should not use a database engine default port", "PostgresDatabase",
       DEVIATION, "the seed's applications connect on 5432; the rule is advisory in both "
                  "environments, and a stack that sets `database.port` passes it"),
    _c("RDS.24", F, "RDS database clusters should use a custom administrator username",
       "PostgresDatabase (the rule covers clusters too; groundwork builds none)"),
    _c("RDS.25", F, "RDS database instances should use a custom administrator username", "PostgresDatabase"),
    _c("RDS.36", F, "RDS for PostgreSQL DB instances should publish logs to CloudWatch Logs",
       "PostgresDatabase"),
    _c("RDS.1", F, "RDS snapshots should be private", "PostgresDatabase snapshots", RUNTIME,
       "snapshots are made by RDS and AWS Backup, not declared by the program"),
    _c("RDS.4", F, "RDS cluster snapshots and database snapshots should be encrypted at rest",
       "PostgresDatabase snapshots", RUNTIME,
       "snapshots inherit the instance's encryption (RDS.3, enforced); none is declared"),
    _c("RDS.38", NIST, "RDS for PostgreSQL DB instances should be encrypted in transit", "PostgresDatabase"),
    # --- ElastiCache --------------------------------------------------------------------------
    _c("ElastiCache.1", F, "ElastiCache (Redis OSS) clusters should have automatic backups scheduled",
       "RedisCache"),
    _c("ElastiCache.2", F, "ElastiCache clusters should have automatic minor version upgrades enabled",
       "RedisCache"),
    _c("ElastiCache.3", F, "ElastiCache replication groups should have automatic failover enabled",
       "RedisCache"),
    _c("ElastiCache.4", F, "ElastiCache replication groups should be encrypted at rest", "RedisCache"),
    _c("ElastiCache.5", F, "ElastiCache replication groups should be encrypted in transit", "RedisCache"),
    _c("ElastiCache.6", F, "ElastiCache (Redis OSS) replication groups of earlier versions should have "
       "Redis OSS AUTH enabled", "RedisCache"),
    _c("ElastiCache.7", F, "ElastiCache clusters should not use the default subnet group", "RedisCache"),
    # --- SQS ------------------------------------------------------------------------------------
    _c("SQS.1", F, "Amazon SQS queues should be encrypted at rest", "Queue (both queues)",
       note="stricter than Security Hub: a customer-managed key (kms_master_key_id); SSE-SQS "
            "and alias/aws/sqs pass only with allowSqsManagedSse. Evasions tested: no key, "
            "sqsManagedSseEnabled alone, both at once, the AWS-managed alias, a non-string key"),
    _c("SQS.3", F, "SQS queue access policies should not allow public access",
       "Queue (both queues), any sqs.QueuePolicy",
       note="inline Queue.policy and sqs.QueuePolicy; Principal '*' / {AWS: '*'} / a list "
            "holding '*' / Allow+NotPrincipal without an account, org, source-ARN or VPC "
            "condition; a TLS deny is not public"),
    _c("SQS TLS only", GW, "Every SQS queue's policy denies all SQS actions without TLS "
       "(aws:SecureTransport false), as S3.5 asks of buckets", "Queue (both queues)"),
    # --- OpenSearch Service ------------------------------------------------------------------
    _c("Opensearch.1", F, "OpenSearch domains should have encryption at rest enabled", "SearchDomain"),
    _c("Opensearch.2", F, "OpenSearch domains should not be publicly accessible", "SearchDomain"),
    _c("Opensearch.3", F, "OpenSearch domains should encrypt data sent between nodes", "SearchDomain"),
    _c("Opensearch.4", F, "OpenSearch domain error logging to CloudWatch Logs should be enabled",
       "SearchDomain"),
    _c("Opensearch.5", F, "OpenSearch domains should have audit logging enabled", "SearchDomain"),
    _c("Opensearch.6", F, "OpenSearch domains should have at least three data nodes", "SearchDomain"),
    _c("Opensearch.7", F, "OpenSearch domains should have fine-grained access control enabled",
       "SearchDomain"),
    _c("Opensearch.8", F, "Connections to OpenSearch domains should be encrypted using the latest TLS "
       "security policy", "SearchDomain"),
    _c("Opensearch.10", F, "OpenSearch domains should have the latest software update installed",
       "SearchDomain"),
    _c("Opensearch.11", F, "OpenSearch domains should have at least three dedicated primary nodes",
       "SearchDomain"),
    # --- DocumentDB ------------------------------------------------------------------------------
    _c("DocumentDB.1", F, "Amazon DocumentDB clusters should be encrypted at rest", "DocumentDatabase"),
    _c("DocumentDB.2", F, "Amazon DocumentDB clusters should have an adequate backup retention period",
       "DocumentDatabase"),
    _c("DocumentDB.3", F, "Amazon DocumentDB manual cluster snapshots should not be public",
       "DocumentDatabase snapshots (rds.ClusterSnapshot / rds.ClusterSnapshotCopy)",
       note="docdb.ClusterSnapshot has no sharing argument; the declared way to publish a "
            "DocumentDB snapshot is the RDS API's shared_accounts=['all'], which the rule refuses. "
            "Sharing done later from the console or CLI is runtime (Security Hub)."),
    _c("DocumentDB.4", F, "Amazon DocumentDB clusters should publish audit logs to CloudWatch Logs",
       "DocumentDatabase"),
    _c("DocumentDB.5", F, "Amazon DocumentDB clusters should have deletion protection enabled",
       "DocumentDatabase"),
    _c("DocumentDB.6", F, "Amazon DocumentDB clusters should be encrypted in transit", "DocumentDatabase"),
    # --- Amazon MSK (Kafka) and MSK Connect ------------------------------------------------------
    _c("MSK.1", F, "MSK clusters should be encrypted in transit among broker nodes", "Kafka (provisioned)",
       note="evasions tested: inCluster false; an omitted value is AWS's default (true)"),
    _c("MSK.2", NIST, "MSK clusters should have enhanced monitoring configured", "Kafka (provisioned)",
       note="PER_TOPIC_PER_BROKER or finer, as the Config rule msk-enhanced-monitoring-enabled asks; "
            "unset means DEFAULT and fails"),
    _c("MSK.3", F, "MSK Connect connectors should be encrypted in transit",
       "MSK Connect connectors a program adds (groundwork creates none)"),
    _c("MSK.4", F, "MSK clusters should have public access disabled", "Kafka (provisioned)"),
    _c("MSK.5", F, "MSK connectors should have logging enabled",
       "MSK Connect connectors a program adds (groundwork creates none)"),
    _c("MSK.6", F, "MSK clusters should disable unauthenticated access", "Kafka (provisioned, serverless)",
       note="unauthenticated must be explicitly false: MSK enables it when no client authentication "
            "is given"),
    _c("MSK client TLS", GW, "MSK clusters accept clients over TLS only (client_broker TLS)",
       "Kafka (provisioned)"),
    _c("MSK customer key", GW, "MSK clusters encrypt data at rest with a customer-managed KMS key",
       "Kafka (provisioned; serverless has only AWS-owned encryption)"),
    # --- KMS, IAM, Secrets Manager, SNS, Lambda -------------------------------------------------
    _c("KMS.1", F, "IAM customer managed policies should not allow decryption actions on all KMS keys",
       "every IAM policy (service roles, CI roles)"),
    _c("KMS.2", F, "IAM principals should not have IAM inline policies that allow decryption actions on "
       "all KMS keys", "every IAM inline policy"),
    _c("KMS.3", F, "AWS KMS keys should not be deleted unintentionally", "EncryptionKey", RUNTIME,
       "a pending deletion is the key's state; keys keep a 30-day deletion window"),
    _c("KMS.4", F, "AWS KMS key rotation should be enabled", "EncryptionKey"),
    _c("KMS.5", F, "KMS keys should not be publicly accessible", "EncryptionKey, every key policy"),
    _c("IAM.1", F, "IAM policies should not allow full \"*\" administrative privileges", "every IAM policy"),
    _c("IAM.21", F, "IAM customer managed policies that you create should not allow wildcard actions for "
       "services", "every IAM policy"),
    _c("SecretsManager.1", F, "Secrets Manager secrets should have automatic rotation enabled",
       "RedisCache auth token, every secret"),
    _c("SecretsManager.2", F, "Secrets Manager secrets configured with automatic rotation should rotate "
       "successfully", "RedisCache auth token", RUNTIME, "rotation results exist only in AWS"),
    _c("SecretsManager.3", F, "Remove unused Secrets Manager secrets", "every secret", RUNTIME,
       "when a secret was last read is known only to AWS (its LastAccessedDate)"),
    _c("SecretsManager.4", F, "Secrets Manager secrets should be rotated within a specified number of days",
       "RedisCache auth token, every secret"),
    _c("SNS.1", F, "SNS topics should be encrypted at-rest using AWS KMS", "Notifications"),
    _c("SNS.4", F, "SNS topic access policies should not allow public access", "Notifications, Budget"),
    _c("Lambda.1", F, "Lambda function policies should prohibit public access", "RedisCache token rotation"),
    _c("Lambda.2", F, "Lambda functions should use supported runtimes", "RedisCache token rotation"),
    _c("Lambda.5", F, "VPC Lambda functions should operate in multiple Availability Zones",
       "FargateService pre-traffic hook"),
    # --- S3 -------------------------------------------------------------------------------------
    _c("S3.2", F, "S3 general purpose buckets should block public read access", "every bucket"),
    _c("S3.3", F, "S3 general purpose buckets should block public write access", "every bucket"),
    _c("S3.5", F, "S3 general purpose buckets should require requests to use SSL", "every bucket"),
    _c("S3.6", F, "S3 general purpose bucket policies should restrict access to other AWS accounts",
       "every bucket"),
    _c("S3.8", F, "S3 general purpose buckets should block public access", "every bucket"),
    _c("S3.9", F, "S3 general purpose buckets should have server access logging enabled", "every bucket"),
    _c("S3.10", F, "S3 general purpose buckets with versioning enabled should have Lifecycle configurations",
       "every versioned bucket"),
    _c("S3.12", F, "ACLs should not be used to manage user access to S3 general purpose buckets",
       "every bucket"),
    _c("S3.13", F, "S3 general purpose buckets should have Lifecycle configurations", "every bucket"),
    _c("S3.14", NIST, "S3 general purpose buckets should have versioning enabled", "every bucket",
       note="listed by Security Hub under NIST SP 800-53 r5 (not in the FSBP list; UNCONFIRMED for "
       "other standards); AWS Backup for S3 also needs it"),
    _c("S3.17", NIST, "S3 general purpose buckets should be encrypted at rest with AWS KMS keys",
       "AssetBucket, every bucket that holds data (log destinations and replicas excepted)",
       note="stricter than Security Hub: a customer-managed key, not alias/aws/s3; log buckets "
       "keep SSE-S3 because S3 server access logging and ALB access logs can't write to SSE-KMS "
       "buckets (told apart by what writes into them, never by a tag); NIST SP 800-53 r5 in "
       "Security Hub, not FSBP (UNCONFIRMED for other standards)"),
    _c("S3 lifecycle transitions", GW, "Lifecycle transitions are ones S3 accepts (IA >= 30 days, "
       "down the storage-class waterfall, 30 days in IA first, expiration after the last "
       "transition)", "AssetBucket, every bucket"),
    # --- AWS Backup --------------------------------------------------------------------------
    _c("Backup.1", F, "AWS Backup recovery points should be encrypted at rest", "BackupPlan",
       note="mapped as AWS encrypts them: RDS, Aurora and DocumentDB recovery points inherit the "
       "store's encryption (the covered store must be encrypted), S3, EFS and DynamoDB ones take "
       "the vault's key (the rule keeps every plan's target vault in the stack, and "
       "`backup-vault-customer-key` holds it to a customer key)"),
    _c("Backup plan coverage", GW, "Prod's data stores are in a backup plan, selected by their "
       "`Backup` tag", "BackupPlan, PostgresDatabase, DocumentDatabase, AssetBucket"),
    _c("Backup vault CMK", GW, "Backup vaults use a customer-managed KMS key",
       "BackupPlan (vault and DR vault)"),
    _c("Backup retention floor", GW, "Backup rules and copies keep recovery points at least the "
       "configured floor (prod 30 days), within AWS's continuous and cold-storage limits", "BackupPlan"),
    _c("Backup vault lock", GW, "Prod's backup vaults are locked, with a retention range that "
       "admits every rule", "BackupPlan (vault and DR vault)"),
    _c("Backup delete guard", GW, "The vault policy denies deleting recovery points to all but "
       "break-glass roles", "BackupPlan (vault and DR vault)"),
    _c("Backup cross-region copy", GW, "Prod's backup rules copy every recovery point to a vault "
       "in another region", "BackupPlan"),
    _c("Backup continuous retention matches RDS", GW, "An RDS database under a continuous-backup "
       "rule keeps the rule's retention (or ignores changes to it): AWS Backup refuses another",
       "PostgresDatabase (continuous_backup_retention_days), BackupPlan"),
    # --- CloudWatch (NIST in Security Hub) and groundwork's own guardrails ---------------------
    _c("CloudWatch.15", NIST, "CloudWatch alarms should have specified actions configured",
       "EnvironmentAlarms"),
    _c("CloudWatch.16", NIST, "CloudWatch log groups should be retained for a specified time period",
       "every log group"),
    _c("CloudWatch.17", NIST, "CloudWatch alarm actions should be activated", "EnvironmentAlarms"),
    _c("CKV_AWS_158", GW, "CloudWatch log groups are encrypted with a customer-managed KMS key (Checkov)",
       "every log group"),
    _c("CKV_AWS_45/46", GW, "No secrets in plain inputs (Checkov)", "every resource"),
    _c("Tagging", GW, "Project, Environment, ManagedBy and Owner tags on every taggable resource",
       "every resource"),
    _c("Protect stateful resources", GW, "Prod's databases, caches and buckets are protected from "
       "`pulumi destroy`", "prod's stateful resources"),
    _c("RDS master secret", GW, "The RDS master password is managed by RDS in Secrets Manager, never "
       "in the program", "PostgresDatabase"),
)

_CONTROL_ID = re.compile(r"(?<![A-Za-z0-9_.])[A-Z][A-Za-z0-9]*\.\d+(?![0-9])")


def _mentions(field: str, control_id: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(control_id)}(?![0-9])", field) is not None


def control_ids(control_field: str) -> list[str]:
    """The catalog ids a rule's `control` field names (`"EC2.18/EC2.19"` -> both)."""
    return [c.id for c in CONTROLS if _mentions(control_field, c.id)]


def unknown_ids(control_field: str) -> list[str]:
    """Control-like ids (`EC2.99`) a rule names that the catalog doesn't know."""
    known = {c.id for c in CONTROLS}
    return [cid for cid in _CONTROL_ID.findall(control_field) if cid not in known]


def by_id() -> dict[str, Control]:
    return {c.id: c for c in CONTROLS}


@dataclass(frozen=True)
class Standing:
    control: Control
    rules: tuple[str, ...]
    dev: str
    """The weakest level among the rules in dev (`mandatory`, `advisory`, `-` without a rule)."""
    prod: str


def standings(rules: Iterable[object], dev_levels: Mapping[str, str],
              prod_levels: Mapping[str, str]) -> list[Standing]:
    """Each control with the rules that enforce it and their levels."""
    by_control: dict[str, list[str]] = {}
    for rule in rules:
        for cid in control_ids(str(rule.control)):  # type: ignore[attr-defined]
            by_control.setdefault(cid, []).append(str(rule.name))  # type: ignore[attr-defined]

    def weakest(names: list[str], levels: Mapping[str, str]) -> str:
        if not names:
            return "-"
        return "advisory" if any(levels.get(n) != "mandatory" for n in names) else "mandatory"

    return [Standing(c, tuple(by_control.get(c.id, ())), weakest(by_control.get(c.id, []), dev_levels),
                     weakest(by_control.get(c.id, []), prod_levels)) for c in CONTROLS]


@dataclass(frozen=True)
class Counts:
    applicable: int
    checkable: int
    enforced: int
    """Checkable controls whose rules are all mandatory in prod."""
    fsbp_applicable: int
    fsbp_checkable: int
    fsbp_enforced: int


def counts(table: list[Standing]) -> Counts:
    def tally(rows: list[Standing]) -> tuple[int, int, int]:
        checkable = [s for s in rows if s.control.checkable]
        enforced = [s for s in checkable if s.control.status == ENFORCED and s.prod == "mandatory"]
        return len(rows), len(checkable), len(enforced)

    every = tally(table)
    fsbp = tally([s for s in table if s.control.standard == F])
    return Counts(*every, *fsbp)


def render(table: list[Standing], evidenced: Iterable[str] = ()) -> str:
    """The control table of docs/policies.md (between its `controls` markers); `evidenced`: the
    rules the doc's "Tested evasions" section lists (their rows link to it)."""
    listed = set(evidenced)
    n = counts(table)
    out = [
        f"{n.enforced} of {n.checkable} checkable controls are enforced (mandatory in prod); "
        f"{n.applicable - n.checkable} more apply but need the live account. Of AWS Foundational "
        f"Security Best Practices alone: {n.fsbp_enforced} of {n.fsbp_checkable} checkable "
        f"({n.fsbp_applicable} applicable). Deviations are stated in the table.",
        "",
        "| control | standard | applies to | rule | dev | prod | tested evasions / notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in table:
        rules = ", ".join(f"`{r}`" for r in s.rules) or "-"
        status = "" if s.control.status == ENFORCED else f"**{s.control.status}**: "
        note = s.control.note
        if s.control.status == ENFORCED and listed & set(s.rules):
            note = "; ".join(filter(None, [note, "[tested evasions](#tested-evasions)"]))
        out.append(f"| {s.control.id} | {s.control.standard} | {s.control.applies_to} | {rules} | "
                   f"{s.dev} | {s.prod} | {status}{note} |")
    return "\n".join(out) + "\n"


START, END = "<!-- controls:start (generated: make docs) -->", "<!-- controls:end -->"


def splice(document: str, table: str) -> str:
    """`document` with the text between the markers replaced by `table`."""
    head, sep, rest = document.partition(START)
    if not sep:
        raise ValueError(f"docs/policies.md has no {START!r} marker")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise ValueError(f"docs/policies.md has no {END!r} marker")
    return f"{head}{START}\n{table}{END}{tail}"
