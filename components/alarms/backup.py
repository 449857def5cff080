"""`BackupNotices`: AWS Backup's failed jobs, to the critical topic.

AWS Backup publishes no alarm of its own on a failed job: it sends a job-state event to
EventBridge (source `aws.backup`, best effort, about every 5 minutes; AWS Backup developer
guide, "Monitoring AWS Backup events using Amazon EventBridge"). One EventBridge rule per
notice key of the catalog (components/alarm_names.py `EVENT_NOTICES`, docs/alarms.md):

- `backup-job-failed`: "Backup Job State Change", `state` FAILED, ABORTED, EXPIRED or PARTIAL,
  `backupVaultArn` one of the plan's vaults;
- `copy-job-failed`: "Copy Job State Change", `state` FAILED or PARTIAL, `sourceBackupVaultArn`
  one of the plan's vaults;
- `restore-job-failed`: "Restore Job State Change", `status` FAILED or ABORTED, `iamRoleArn`
  one of the restore roles.

The detail-types and field names are AWS's example events (a restore job reports `status`,
backup and copy jobs `state`, "consistent with the AWS Backup API"); the state values are the
API's enums (botocore `BackupJobState`, `CopyJobState`, `RestoreJobStatus`). A failed restore's
event carries no vault (AWS's FAILED example has only `iamRoleArn`), so restores are scoped by
the role that ran them: the plan's role, which its restore-testing plan uses.

Each rule's target is the critical topic, with an input transformer that sends the catalog's
meaning, first step and runbook anchor with the whole event (`<aws.events.event.json>`, a
predefined variable: nothing can be missing from it, so the transform can't fail on an event
that lacks a field). Deploy-time traps (a mock passes them all): the target must be in the
rule's region (the stack's: copy jobs run in the source region, so the DR region needs no rule);
the topic's policy must let `events.amazonaws.com` publish (`NotificationsArgs.event_rule_names`)
and its KMS key must let EventBridge use it (`EncryptionKeySettings.eventbridge_publishes`), or
the target's invocations fail silently (FailedInvocations on the rule).

`BackupNotices(name, BackupNoticesArgs(vault_arns=[...], topic_arn=..., restore_role_arns=[...]))`.
Rules are named `<prefix>-<name>-<key>` (at most 64 characters, EventBridge's limit).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from groundwork.components.alarm_names import EVENT_NOTICES, AlarmKind
from groundwork.components.args import ComponentArgs, Input
from groundwork.components.base import Naming, child_opts, component_naming, require

EVENT_SOURCE = "aws.backup"
RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
"""EventBridge's rule-name rule (PutRule: 1-64 of letters, digits, `.`, `-`, `_`)."""
INPUT_TEMPLATE_MAX = 8192
"""EventBridge's limit on an input template."""
RUNBOOK = "docs/alarms.md"


@dataclass(frozen=True)
class BackupEvent:
    """What one notice matches: the event's detail-type, the detail field holding the job's state
    and the failure states, and the detail field that scopes it to this environment."""

    key: str
    detail_type: str
    state_field: str
    states: tuple[str, ...]
    scope_field: str
    """`backupVaultArn`/`sourceBackupVaultArn` (matched against the vault ARNs) or `iamRoleArn`
    (matched against the restore roles)."""


BACKUP_EVENTS: tuple[BackupEvent, ...] = (
    BackupEvent("backup-job-failed", "Backup Job State Change", "state",
                ("FAILED", "ABORTED", "EXPIRED", "PARTIAL"), "backupVaultArn"),
    BackupEvent("copy-job-failed", "Copy Job State Change", "state", ("FAILED", "PARTIAL"),
                "sourceBackupVaultArn"),
    BackupEvent("restore-job-failed", "Restore Job State Change", "status",
                ("FAILED", "ABORTED"), "iamRoleArn"),
)
"""One per `EVENT_NOTICES` key (a test keeps them in step)."""


def event_pattern(event: BackupEvent, scope_values: Sequence[str], *,
                  account_id: str) -> dict[str, Any]:
    """The rule's event pattern (pure): AWS Backup's `event.detail_type` events of this account
    whose state is a failure and whose scope field is one of `scope_values` (the vault ARNs, or
    the restore roles). An empty `scope_values` drops the scope filter (every such job of the
    account and region)."""
    detail: dict[str, Any] = {event.state_field: list(event.states)}
    if scope_values:
        detail[event.scope_field] = list(scope_values)
    return {"source": [EVENT_SOURCE], "account": [account_id],
            "detail-type": [event.detail_type], "detail": detail}


def input_template(kind: AlarmKind, *, runbook_url: str | None = None) -> str:
    """The message the critical topic gets (pure): the catalog's severity, meaning, first step
    and runbook anchor, the rule's name, and the whole event. Only predefined variables, so no
    input path can be missing from an event."""
    body = {
        "notice": kind.key,
        "severity": kind.severity,
        "meaning": kind.meaning,
        "first_step": kind.first_step,
        "runbook": f"{runbook_url or RUNBOOK}#{kind.key}",
        "rule": "<aws.events.rule-name>",
        "event": "__EVENT__",
    }
    for text in (kind.meaning, kind.first_step):
        if "<" in text or ">" in text:  # pragma: no cover - the catalog test keeps them out
            raise ValueError(f"{kind.key}: '<' and '>' start input-template placeholders")
    # the event goes in as JSON, unquoted (what `aws.events.event.json` requires)
    template = json.dumps(body).replace('"__EVENT__"', "<aws.events.event.json>")
    if len(template) > INPUT_TEMPLATE_MAX:  # pragma: no cover - the catalog's texts are short
        raise ValueError(f"{kind.key}: input template over {INPUT_TEMPLATE_MAX} characters")
    return template


def rule_names(naming: Naming) -> dict[str, str]:
    """Notice key -> rule name, `<prefix>-<key>` within 64 characters (pure)."""
    return {e.key: naming.name(e.key, max_length=64) for e in BACKUP_EVENTS}


def notices_naming(name: str, name_prefix: str = "") -> Naming:
    """The naming of the `BackupNotices` named `name` built with `name_prefix` (what the
    component derives), so the topic policy can name the rules before they exist."""
    return component_naming("BackupNotices", name, ComponentArgs(name_prefix=name_prefix))


class BackupNoticesArgs(ComponentArgs):
    """Everything `BackupNotices` takes: which vaults and roles, and the topic."""

    vault_arns: Sequence[Input[str]] = ()
    """ARNs of the vaults whose backup and copy jobs are watched (no default: required, at least
    one, e.g. `[BackupPlan.vault_arn]`; the DR vault's own jobs run in the DR region and are not
    seen here)."""
    restore_role_arns: Sequence[Input[str]] = ()
    """Roles whose restore jobs are watched (default none: every restore job of the account and
    region), e.g. `BackupPlan.role_arn`, the role its restore-testing plan restores with."""
    topic_arn: Input[str] | None = None
    """The SNS topic the rules notify (required): the critical topic, whose policy lets
    EventBridge publish for these rules (`NotificationsArgs.event_rule_names`)."""
    account_id: Input[str] | None = None
    """The account whose events are matched (required: the pattern pins `account`)."""
    runbook_url: str | None = None
    """Base URL of the runbook each message links as `<runbook_url>#<key>` (default:
    docs/alarms.md)."""


class BackupNotices(pulumi.ComponentResource):
    """EventBridge rules on AWS Backup's failed jobs, to the critical topic.

    Outputs: `rules` (key -> aws.cloudwatch.EventRule), `targets` (key -> EventTarget),
    `rule_names` (key -> name), `rule_arns`.
    """

    def __init__(self, name: str, args: BackupNoticesArgs | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        args = args if args is not None else BackupNoticesArgs()
        naming = component_naming("BackupNotices", name, args)
        require("BackupNotices", name, args, {
            "topic_arn": "the critical topic's ARN, e.g. Notifications.critical.arn",
            "account_id": "the account id whose AWS Backup events are matched"})
        vaults = list(args.vault_arns)
        if not vaults:
            raise ValueError(f"BackupNotices {name!r}: BackupNoticesArgs.vault_arns is empty; name "
                             "the plan's vault ARN(s), e.g. [BackupPlan.vault_arn]")
        if {e.key for e in BACKUP_EVENTS} != set(EVENT_NOTICES):  # pragma: no cover
            raise RuntimeError("BACKUP_EVENTS and the catalog's EVENT_NOTICES differ")
        names = rule_names(naming)
        for rule_name in names.values():
            if not RULE_NAME.match(rule_name):  # pragma: no cover - Naming keeps to the rule
                raise ValueError(f"BackupNotices {name!r}: rule name {rule_name!r} is not an "
                                 "EventBridge rule name")
        super().__init__("groundwork:monitoring:BackupNotices", name, None, opts)
        self.args = args
        roles = list(args.restore_role_arns)
        self.rules: dict[str, aws.cloudwatch.EventRule] = {}
        self.targets: dict[str, aws.cloudwatch.EventTarget] = {}
        for event in BACKUP_EVENTS:
            kind = EVENT_NOTICES[event.key]
            scope = roles if event.scope_field == "iamRoleArn" else vaults

            def pattern(values: list[Any], e: BackupEvent = event) -> str:
                return json.dumps(event_pattern(e, values[1:], account_id=values[0]))

            physical = names[event.key]
            rule = aws.cloudwatch.EventRule(
                f"{name}-{event.key}",
                name=physical,
                description=f"[{kind.severity}] {kind.meaning}"[:512],
                event_pattern=pulumi.Output.all(args.account_id, *scope).apply(pattern),
                state="ENABLED",
                tags=naming.tagged(physical, Component="backup-notices", AlarmKey=event.key,
                                   Severity=kind.severity),
                opts=child_opts(self),
            )
            self.targets[event.key] = aws.cloudwatch.EventTarget(
                f"{name}-{event.key}-target",
                rule=rule.name,
                target_id="critical-topic",
                arn=args.topic_arn,
                input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                    input_template=input_template(kind, runbook_url=args.runbook_url)),
                opts=child_opts(self),
            )
            self.rules[event.key] = rule
        self.rule_names: dict[str, str] = names
        self.rule_arns: dict[str, pulumi.Output[str]] = {k: r.arn for k, r in self.rules.items()}
        self.register_outputs({"rule_names": names})
