"""CloudWatch rules (FSBP CloudWatch.15/16/17): alarms that notify, log groups that expire and
are encrypted."""

from __future__ import annotations

from collections.abc import Iterator

from ._base import (
    ALARMS,
    LOG_GROUP,
    get,
    is_false,
    number,
    present,
    resource_rule,
)


@resource_rule(
    "cloudwatch-alarm-has-action",
    control="CloudWatch.15",
    description="Every alarm notifies someone when it fires.",
    fix="set alarm_actions=[<the critical or warning SNS topic ARN>] (and ok_actions)",
    types=ALARMS,
)
def cloudwatch_alarm_has_action(props, args, config) -> Iterator[str]:
    if not present(props, "alarmActions"):
        yield "has no alarm action"


@resource_rule(
    "cloudwatch-alarm-actions-enabled",
    control="CloudWatch.17",
    description="Alarm actions are not switched off.",
    fix="remove actions_enabled=False (it defaults to true)",
    types=ALARMS,
)
def cloudwatch_alarm_actions_enabled(props, args, config) -> Iterator[str]:
    if is_false(get(props, "actionsEnabled")):
        yield "has its actions disabled (actionsEnabled false)"


@resource_rule(
    "cloudwatch-log-retention",
    control="CloudWatch.16",
    description="Log groups expire after an explicit retention of at least `minimumDays` "
                "(prod 365, dev 1).",
    fix="set retention_in_days (flow_logs.retention_days, cluster.log_retention_days)",
    types=[LOG_GROUP],
    defaults={"minimumDays": 365},
    properties={"minimumDays": {"type": "integer", "minimum": 1}},
)
def cloudwatch_log_retention(props, args, config) -> Iterator[str]:
    days = number(get(props, "retentionInDays"), 0) or 0
    minimum = int(config["minimumDays"])
    if days <= 0:
        yield "never expires (retentionInDays unset)"
    elif days < minimum:
        yield f"keeps logs {int(days)} days; at least {minimum} required"


@resource_rule(
    "cloudwatch-log-group-encrypted",
    control="CloudWatch Logs KMS (CKV_AWS_158)",
    description="Log groups are encrypted with a customer-managed KMS key.",
    fix="set kms_key_id=<the environment's logs key ARN> (its policy must allow "
        "logs.<region>.amazonaws.com)",
    types=[LOG_GROUP],
)
def cloudwatch_log_group_encrypted(props, args, config) -> Iterator[str]:
    if not present(props, "kmsKeyId"):
        yield "is not encrypted with a customer key"
