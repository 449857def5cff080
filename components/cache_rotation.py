"""Secrets Manager rotation function for a `RedisCache` AUTH token (the code of the Lambda).

`RedisCache` ships this one file as the Lambda's code (`cache_rotation.handler`, python3.12):
it imports only the standard library and boto3/botocore, which the Lambda runtime provides,
never groundwork. Secrets Manager calls it four times per rotation, each time with
`{"Step", "SecretId", "ClientRequestToken"}`; every step may be retried and is idempotent:

- createSecret: a new token as the AWSPENDING version `ClientRequestToken` (nothing if that
  version already exists). 64 letters and digits from `GetRandomPassword`: ElastiCache takes
  16-128 printable characters without `@ " /` (and `%`), and only `! & # $ ^ < > -` as symbols;
  none at all is valid for every rule and needs no quoting in a `rediss://:token@host` URL.
- setSecret: `ModifyReplicationGroup(AuthToken=<pending>, AuthTokenUpdateStrategy=ROTATE,
  ApplyImmediately=True)`, then waits until the group is `available` with no auth-token change
  pending. ROTATE keeps the current token valid next to the new one. Skipped when the group's
  `AuthTokenLastModifiedDate` is already later than the pending version (a retry after it ran).
- testSecret: the group is available, AUTH is enabled, no auth-token change is pending and the
  last token change happened after the pending version was created. This reads the API; it
  does not connect: the cache's subnets have no route to the AWS APIs (docs/data-tier.md).
- finishSecret: moves AWSCURRENT to the pending version, then `SET` with that token (the old
  token stops working). AWSPENDING comes off the version as soon as ElastiCache accepts the
  `SET` (a retry then never sends a second `SET`, which ElastiCache allows only after a
  `ROTATE`), and the step waits for the group to apply it. A retry before the `SET` was
  accepted sends it.

Environment: `REPLICATION_GROUP_ID` (required); `WAIT_SECONDS` (polling interval, default 15).
The token is never logged.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

logger = logging.getLogger()
logger.setLevel(logging.INFO)

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
TOKEN_LENGTH = 64
TOKEN_EXCLUDED = "@\"/%"
"""Characters ElastiCache refuses in an AUTH token (punctuation is excluded altogether)."""
PENDING, CURRENT = "AWSPENDING", "AWSCURRENT"
WAIT_MARGIN_MS = 30_000
"""Stop waiting this long before the Lambda's own timeout, so the step fails cleanly (and
Secrets Manager retries it) instead of being killed."""


class RotationError(Exception):
    """A step can't complete (Secrets Manager records the failure and retries the rotation)."""


class Rotation:
    """The four steps against one secret and one replication group, with injected clients."""

    def __init__(self, secrets: Any, elasticache: Any, group_id: str, *,
                 wait_seconds: float = 15.0,
                 remaining_ms: Callable[[], int] = lambda: 900_000,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.secrets, self.elasticache, self.group_id = secrets, elasticache, group_id
        self.wait_seconds, self.remaining_ms, self.sleep = wait_seconds, remaining_ms, sleep

    # -- Secrets Manager -----------------------------------------------------------------
    def check_version(self, arn: str, token: str) -> dict[str, list[str]]:
        """The secret's versions -> labels, after AWS's template checks: rotation on, the
        version exists and is either already current or pending."""
        meta = self.secrets.describe_secret(SecretId=arn)
        if not meta.get("RotationEnabled"):
            raise RotationError(f"secret {arn} is not enabled for rotation")
        versions: dict[str, list[str]] = meta.get("VersionIdsToStages", {})
        if token not in versions:
            raise RotationError(f"secret version {token} has no stage for rotation of {arn}")
        return versions

    def pending(self, arn: str, token: str) -> dict[str, Any]:
        pending: dict[str, Any] = self.secrets.get_secret_value(
            SecretId=arn, VersionId=token, VersionStage=PENDING)
        return pending

    def pending_created(self, arn: str, token: str) -> datetime:
        """When the pending version was created (what the group's last token change is
        compared with): GetSecretValue's CreatedDate of that version."""
        created: datetime = self.pending(arn, token)["CreatedDate"]
        return created

    def pending_value(self, arn: str, token: str) -> str:
        value: str = self.pending(arn, token)["SecretString"]
        return value

    # -- ElastiCache ---------------------------------------------------------------------
    def group(self) -> dict[str, Any]:
        groups = self.elasticache.describe_replication_groups(
            ReplicationGroupId=self.group_id)["ReplicationGroups"]
        if not groups:
            raise RotationError(f"replication group {self.group_id} not found")
        group: dict[str, Any] = groups[0]
        return group

    @staticmethod
    def settled(group: dict[str, Any]) -> bool:
        """Available, with no auth-token change still pending."""
        pending = group.get("PendingModifiedValues") or {}
        return group.get("Status") == "available" and not pending.get("AuthTokenStatus")

    def wait_settled(self) -> dict[str, Any]:
        while True:
            group = self.group()
            if self.settled(group):
                return group
            if self.remaining_ms() < WAIT_MARGIN_MS + self.wait_seconds * 1000:
                raise RotationError(
                    f"replication group {self.group_id} still {group.get('Status')!r} "
                    f"(auth token {(group.get('PendingModifiedValues') or {}).get('AuthTokenStatus')}); "
                    "the step fails and Secrets Manager retries it")
            self.sleep(self.wait_seconds)

    def modify(self, token_value: str, strategy: str) -> None:
        self.elasticache.modify_replication_group(
            ReplicationGroupId=self.group_id, AuthToken=token_value,
            AuthTokenUpdateStrategy=strategy, ApplyImmediately=True)

    def token_changed_since(self, group: dict[str, Any], when: datetime) -> bool:
        changed = group.get("AuthTokenLastModifiedDate")
        return changed is not None and changed >= when

    # -- the four steps ------------------------------------------------------------------
    def create_secret(self, arn: str, token: str) -> None:
        self.secrets.get_secret_value(SecretId=arn, VersionStage=CURRENT)  # the secret works
        try:
            self.secrets.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)
            logger.info("createSecret: version %s already pending for %s", token, arn)
            return
        except self.secrets.exceptions.ResourceNotFoundException:
            pass
        value = self.secrets.get_random_password(
            PasswordLength=TOKEN_LENGTH, ExcludeCharacters=TOKEN_EXCLUDED,
            ExcludePunctuation=True, IncludeSpace=False,
            RequireEachIncludedType=True)["RandomPassword"]
        self.secrets.put_secret_value(SecretId=arn, ClientRequestToken=token,
                                      SecretString=value, VersionStages=[PENDING])
        logger.info("createSecret: put version %s as %s for %s", token, PENDING, arn)

    def set_secret(self, arn: str, token: str) -> None:
        created = self.pending_created(arn, token)
        group = self.wait_settled()  # a change in flight (a retry's, or anyone's) first
        if self.token_changed_since(group, created):
            logger.info("setSecret: %s already took a token after version %s", self.group_id, token)
            return
        self.modify(self.pending_value(arn, token), "ROTATE")
        logger.info("setSecret: ROTATE on %s with version %s", self.group_id, token)
        self.wait_settled()

    def test_secret(self, arn: str, token: str) -> None:
        group = self.group()
        problems = []
        if not self.settled(group):
            problems.append(f"is {group.get('Status')!r} with auth token "
                            f"{(group.get('PendingModifiedValues') or {}).get('AuthTokenStatus')!r}")
        if not group.get("AuthTokenEnabled"):
            problems.append("has AUTH disabled")
        created = self.pending_created(arn, token)
        if not self.token_changed_since(group, created):
            problems.append(f"has not taken a token since version {token} was created "
                            f"({created.isoformat()}; last token change: "
                            f"{group.get('AuthTokenLastModifiedDate') or 'none'})")
        if problems:
            raise RotationError(f"replication group {self.group_id} " + "; ".join(problems))
        logger.info("testSecret: %s accepted version %s", self.group_id, token)

    def finish_secret(self, arn: str, token: str) -> None:
        versions = self.secrets.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
        current = next((v for v, stages in versions.items() if CURRENT in stages), None)
        if current != token:
            self.secrets.update_secret_version_stage(
                SecretId=arn, VersionStage=CURRENT, MoveToVersionId=token,
                **({"RemoveFromVersionId": current} if current else {}))
            logger.info("finishSecret: %s moved to %s (from %s)", CURRENT, token, current)
        if PENDING not in versions.get(token, []):
            logger.info("finishSecret: version %s already set alone on %s", token, self.group_id)
            return
        self.wait_settled()
        self.modify(self.pending_value(arn, token), "SET")
        # Recorded as soon as ElastiCache took the request, before waiting: a retry (this wait
        # may outlast the Lambda) must not send SET again, which is allowed only after ROTATE.
        self.secrets.update_secret_version_stage(
            SecretId=arn, VersionStage=PENDING, RemoveFromVersionId=token)
        logger.info("finishSecret: SET on %s: the previous token no longer works", self.group_id)
        self.wait_settled()

    def run(self, step: str, arn: str, token: str) -> None:
        if step not in STEPS:
            raise RotationError(f"invalid step {step!r}; expected one of {', '.join(STEPS)}")
        versions = self.check_version(arn, token)
        stages = versions[token]
        if CURRENT in stages and PENDING not in stages:
            logger.info("%s: version %s is already %s of %s", step, token, CURRENT, arn)
            return
        if CURRENT not in stages and PENDING not in stages:
            raise RotationError(f"secret version {token} is not {PENDING} for rotation of {arn}")
        {"createSecret": self.create_secret, "setSecret": self.set_secret,
         "testSecret": self.test_secret, "finishSecret": self.finish_secret}[step](arn, token)


def handler(event: dict[str, Any], context: Any) -> None:
    """The Lambda entry point (`cache_rotation.handler`)."""
    import boto3

    rotation = Rotation(
        boto3.client("secretsmanager"), boto3.client("elasticache"),
        os.environ["REPLICATION_GROUP_ID"],
        wait_seconds=float(os.environ.get("WAIT_SECONDS", "15")),
        remaining_ms=getattr(context, "get_remaining_time_in_millis", lambda: 900_000))
    rotation.run(event["Step"], event["SecretId"], event["ClientRequestToken"])
