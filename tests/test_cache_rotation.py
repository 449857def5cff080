"""The cache token's rotation function (components/cache_rotation.py), offline.

Secrets Manager is moto (staging labels, versions, GetRandomPassword as AWS's API defines them).
ElastiCache is a real boto3 client under botocore's `Stubber`: moto's ModifyReplicationGroup
ignores `AuthToken` and `AuthTokenUpdateStrategy` and never changes `AuthTokenLastModifiedDate`
or the status, so it could not show ROTATE, SET or the waits. The Stubber checks every call's
parameters and every answer against botocore's model of the ElastiCache API, so a misspelt
parameter or an enum value AWS doesn't have fails here. The entry point `handler` itself runs
once against moto's ElastiCache too (testSecret needs only DescribeReplicationGroups).

moto's RotateSecret only starts a rotation when it can invoke a Lambda (Docker), so
`start_rotation` puts the secret in the state RotateSecret leaves before it calls createSecret:
rotation enabled and an AWSPENDING version with the request token and no value yet.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from groundwork.components import cache_rotation
from groundwork.components.cache_rotation import Rotation, RotationError

REGION = "us-east-1"
GROUP = "groundwork-prod-cache"
FIRST_TOKEN = "F1rstT0kenFromPulumi-" + "x" * 43
REQUEST = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


@dataclass
class Env:
    sm: Any
    ec: Any
    stub: Stubber
    arn: str
    slept: list[float] = field(default_factory=list)
    remaining: list[int] = field(default_factory=lambda: [900_000])

    def rotation(self) -> Rotation:
        return Rotation(self.sm, self.ec, GROUP, wait_seconds=5,
                        remaining_ms=lambda: self.remaining[0], sleep=self.slept.append)

    def stages(self) -> dict[str, list[str]]:
        return {v: sorted(s) for v, s in
                self.sm.describe_secret(SecretId=self.arn)["VersionIdsToStages"].items()}

    def created(self, token: str = REQUEST) -> datetime:
        # GetSecretValue's CreatedDate, as the function reads it (moto's ListSecretVersionIds
        # answers the time of the call instead of the version's)
        return self.sm.get_secret_value(SecretId=self.arn, VersionId=token)["CreatedDate"]

    def value(self, token: str = REQUEST) -> str:
        return self.sm.get_secret_value(SecretId=self.arn, VersionId=token)["SecretString"]

    def current(self) -> str:
        return next(v for v, s in self.stages().items() if "AWSCURRENT" in s)

    # -- what ElastiCache answers ------------------------------------------------------
    def group(self, *, status: str = "available", pending: str | None = None,
              changed: datetime | None = None, auth: bool = True) -> None:
        group: dict[str, Any] = {"ReplicationGroupId": GROUP, "Status": status,
                                 "AuthTokenEnabled": auth, "PendingModifiedValues": {}}
        if pending:
            group["PendingModifiedValues"] = {"AuthTokenStatus": pending}
        if changed is not None:
            group["AuthTokenLastModifiedDate"] = changed
        self.stub.add_response("describe_replication_groups", {"ReplicationGroups": [group]},
                               {"ReplicationGroupId": GROUP})

    def modify(self, strategy: str, token: str = REQUEST) -> None:
        self.stub.add_response(
            "modify_replication_group", {"ReplicationGroup": {"ReplicationGroupId": GROUP}},
            {"ReplicationGroupId": GROUP, "AuthToken": self.value(token),
             "AuthTokenUpdateStrategy": strategy, "ApplyImmediately": True})


def start_rotation(sm: Any, arn: str, token: str = REQUEST) -> None:
    """What RotateSecret does before it invokes createSecret (see the module docstring)."""
    from moto.secretsmanager.models import secretsmanager_backends

    secret = secretsmanager_backends["123456789012"][REGION].secrets[arn]
    secret.remove_version_stages_from_old_versions(["AWSPENDING"])
    secret.versions[token] = {"createdate": int(time.time()), "version_id": token,
                              "version_stages": ["AWSPENDING"]}
    secret.rotation_requested = secret.rotation_enabled = True
    secret.auto_rotate_after_days = 30


@pytest.fixture(scope="module")
def secretsmanager() -> Iterator[Any]:
    """One moto account for the module (clients are slow to build); each test has its own
    secret."""
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def env(secretsmanager: Any, request: pytest.FixtureRequest) -> Iterator[Env]:
    name = f"groundwork-prod-cache-auth-{request.node.name}"[:120].replace("[", "-").replace("]", "")
    arn = secretsmanager.create_secret(Name=name.replace(" ", "-"), SecretString=FIRST_TOKEN)["ARN"]
    ec = boto3.client("elasticache", region_name=REGION)
    with Stubber(ec) as stub:
        e = Env(sm=secretsmanager, ec=ec, stub=stub, arn=arn)
        start_rotation(secretsmanager, arn)
        yield e
        stub.assert_no_pending_responses()  # every answer a test set up was asked for


def created_and_set(env: Env) -> tuple[datetime, datetime]:
    """createSecret run; (pending version's creation, a moment after it)."""
    env.rotation().run("createSecret", env.arn, REQUEST)
    created = env.created()
    return created, created + timedelta(seconds=30)


# -- createSecret ------------------------------------------------------------------------


def test_create_secret_puts_a_token_elasticache_accepts_as_awspending(env):
    first = env.current()
    env.rotation().run("createSecret", env.arn, REQUEST)
    token = env.value()
    # ElastiCache's AuthToken rule, written out: 16-128 printable ASCII, none of / " @ (or %),
    # symbols only from ! & # $ ^ < > -; and the component's own: no quoting in a URL
    assert 16 <= len(token) <= 128 and token.isprintable() and token.isascii()
    assert not set(token) & set('/"@%')
    assert token.isalnum() and len(token) == 64
    assert token != FIRST_TOKEN
    assert env.stages() == {first: ["AWSCURRENT"], REQUEST: ["AWSPENDING"]}


def test_create_secret_again_keeps_the_pending_token(env):
    env.rotation().run("createSecret", env.arn, REQUEST)
    token = env.value()
    env.rotation().run("createSecret", env.arn, REQUEST)  # Secrets Manager retries the step
    assert env.value() == token
    assert len(env.stages()) == 2  # no third version


def test_each_rotation_draws_a_new_token(env):
    env.rotation().run("createSecret", env.arn, REQUEST)
    other = "1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9"
    start_rotation(env.sm, env.arn, other)
    env.rotation().run("createSecret", env.arn, other)
    assert env.value(other) != env.value(REQUEST)


# -- setSecret ---------------------------------------------------------------------------


def test_set_secret_rotates_the_group_and_waits_until_it_is_available(env):
    created, later = created_and_set(env)
    env.group(changed=created - timedelta(days=30))       # the token from before this rotation
    env.modify("ROTATE")                                  # old and new both valid
    env.group(status="modifying", pending="ROTATING", changed=created - timedelta(days=30))
    env.group(status="available", changed=later)
    env.rotation().run("setSecret", env.arn, REQUEST)
    assert env.slept == [5]


def test_set_secret_first_waits_for_a_change_already_in_flight(env):
    created, later = created_and_set(env)
    env.group(status="modifying", changed=created - timedelta(days=1))
    env.group(changed=created - timedelta(days=1))
    env.modify("ROTATE")
    env.group(changed=later)
    env.rotation().run("setSecret", env.arn, REQUEST)
    assert env.slept == [5]


def test_set_secret_retried_after_it_ran_does_not_rotate_again(env):
    _, later = created_and_set(env)
    env.group(changed=later)  # the group took a token after the pending version was created
    env.rotation().run("setSecret", env.arn, REQUEST)  # no modify_replication_group answer set up


def test_set_secret_retried_while_its_rotate_is_applying_waits_without_rotating_again(env):
    created, later = created_and_set(env)
    env.group(status="modifying", pending="ROTATING", changed=created - timedelta(days=30))
    env.group(changed=later)
    env.rotation().run("setSecret", env.arn, REQUEST)


def test_set_secret_gives_up_before_the_lambda_timeout(env):
    created, _ = created_and_set(env)
    env.group(changed=created - timedelta(days=30))
    env.modify("ROTATE")
    env.group(status="modifying", pending="ROTATING", changed=created - timedelta(days=30))
    env.remaining[0] = 20_000  # less than the safety margin: fail now, Secrets Manager retries
    with pytest.raises(RotationError, match=r"still 'modifying'.*ROTATING.*retries"):
        env.rotation().run("setSecret", env.arn, REQUEST)
    assert env.slept == []


# -- testSecret --------------------------------------------------------------------------


def test_test_secret_passes_once_the_group_took_the_token(env):
    _, later = created_and_set(env)
    env.group(changed=later)
    env.rotation().run("testSecret", env.arn, REQUEST)


@pytest.mark.parametrize("state, words", [
    ({"status": "modifying", "pending": "ROTATING"}, "is 'modifying' with auth token 'ROTATING'"),
    ({"auth": False}, "has AUTH disabled"),
    ({"changed": "before"}, "has not taken a token since version"),
    ({"changed": None}, "has not taken a token since version"),
])
def test_test_secret_fails_when_the_group_did_not_take_it(env, state, words):
    created, later = created_and_set(env)
    when = {"before": created - timedelta(seconds=1), None: None}.get(state.get("changed"), later)
    env.group(**{**state, "changed": when})
    with pytest.raises(RotationError, match=words):
        env.rotation().run("testSecret", env.arn, REQUEST)
    assert env.stages()[REQUEST] == ["AWSPENDING"]  # nothing moved: apps keep the old token


# -- finishSecret ------------------------------------------------------------------------


def seen_at_modify(env: Env) -> list[dict[str, list[str]]]:
    """The secret's staging labels at the moment each ModifyReplicationGroup is sent."""
    seen: list[dict[str, list[str]]] = []
    # before-parameter-build: every handler runs (the Stubber answers on before-call, which
    # stops at the first answer)
    env.ec.meta.events.register("before-parameter-build.elasticache.ModifyReplicationGroup",
                                lambda **_: seen.append(env.stages()))
    return seen


def test_finish_secret_makes_it_current_then_sets_it_alone(env):
    old = env.current()
    _, later = created_and_set(env)
    seen = seen_at_modify(env)
    env.group(changed=later)
    env.modify("SET")  # the old token stops working
    env.group(status="modifying", pending="SETTING", changed=later)
    env.group(changed=later + timedelta(minutes=1))
    env.rotation().run("finishSecret", env.arn, REQUEST)
    # AWSCURRENT moved before SET: a reader never gets a token the group already refuses
    assert seen == [{old: ["AWSPREVIOUS"], REQUEST: ["AWSCURRENT", "AWSPENDING"]}]
    assert env.stages() == {old: ["AWSPREVIOUS"], REQUEST: ["AWSCURRENT"]}


def test_finish_secret_retried_after_it_finished_does_nothing(env):
    _, later = created_and_set(env)
    env.group(changed=later)
    env.modify("SET")
    env.group(changed=later)
    env.rotation().run("finishSecret", env.arn, REQUEST)
    before = env.stages()
    env.rotation().run("finishSecret", env.arn, REQUEST)  # no ElastiCache answers left
    assert env.stages() == before


def test_finish_secret_retried_after_the_label_moved_but_before_set_still_sets(env):
    old = env.current()
    _, later = created_and_set(env)
    env.sm.update_secret_version_stage(SecretId=env.arn, VersionStage="AWSCURRENT",
                                       MoveToVersionId=REQUEST, RemoveFromVersionId=old)
    env.group(changed=later)
    env.modify("SET")
    env.group(changed=later)
    env.rotation().run("finishSecret", env.arn, REQUEST)
    assert env.stages() == {old: ["AWSPREVIOUS"], REQUEST: ["AWSCURRENT"]}


def test_finish_secret_retried_while_set_applies_does_not_set_twice(env):
    """SET is allowed only after ROTATE: once ElastiCache accepted it, a retry (the wait
    outlasted the Lambda) must not send it again."""
    old = env.current()
    _, later = created_and_set(env)
    env.group(changed=later)
    env.modify("SET")
    env.group(status="modifying", pending="SETTING", changed=later)
    env.remaining[0] = 20_000
    with pytest.raises(RotationError, match="SETTING"):
        env.rotation().run("finishSecret", env.arn, REQUEST)
    assert env.stages() == {old: ["AWSPREVIOUS"], REQUEST: ["AWSCURRENT"]}
    env.rotation().run("finishSecret", env.arn, REQUEST)  # the retry: no ElastiCache call


def test_a_failed_set_leaves_awspending_so_the_retry_sets_again(env):
    _, later = created_and_set(env)
    env.group(changed=later)
    env.stub.add_client_error("modify_replication_group", "InvalidReplicationGroupState",
                              http_status_code=400)
    with pytest.raises(env.ec.exceptions.InvalidReplicationGroupStateFault):
        env.rotation().run("finishSecret", env.arn, REQUEST)
    assert env.stages()[REQUEST] == ["AWSCURRENT", "AWSPENDING"]
    env.group(changed=later)
    env.modify("SET")
    env.group(changed=later)
    env.rotation().run("finishSecret", env.arn, REQUEST)
    assert env.stages()[REQUEST] == ["AWSCURRENT"]


# -- the whole rotation, and what every step refuses --------------------------------------


def test_a_whole_rotation_rotate_then_set(env):
    old = env.current()
    rotation = env.rotation()
    rotation.run("createSecret", env.arn, REQUEST)
    created = env.created()
    env.group(changed=created - timedelta(days=30))
    env.modify("ROTATE")
    env.group(changed=created + timedelta(seconds=10))
    rotation.run("setSecret", env.arn, REQUEST)
    env.group(changed=created + timedelta(seconds=10))
    rotation.run("testSecret", env.arn, REQUEST)
    env.group(changed=created + timedelta(seconds=10))
    env.modify("SET")
    env.group(changed=created + timedelta(seconds=40))
    rotation.run("finishSecret", env.arn, REQUEST)
    assert env.stages() == {old: ["AWSPREVIOUS"], REQUEST: ["AWSCURRENT"]}
    assert env.value(old) == FIRST_TOKEN and env.value() != FIRST_TOKEN


def test_steps_refuse_what_is_not_a_rotation_of_this_secret(env):
    rotation = env.rotation()
    with pytest.raises(RotationError, match="invalid step 'deleteSecret'"):
        rotation.run("deleteSecret", env.arn, REQUEST)
    with pytest.raises(RotationError, match="has no stage for rotation"):
        rotation.run("createSecret", env.arn, "9" * 36)
    previous = next(v for v, s in env.stages().items() if "AWSCURRENT" in s)
    rotation.run("setSecret", env.arn, previous)  # already current: nothing to do
    plain = env.sm.create_secret(Name=f"not-rotating-{REQUEST}", SecretString="x" * 32)["ARN"]
    with pytest.raises(RotationError, match="is not enabled for rotation"):
        rotation.run("createSecret", plain, REQUEST)


def test_a_version_neither_pending_nor_current_is_refused(env):
    old = env.current()
    created_and_set(env)
    env.sm.update_secret_version_stage(SecretId=env.arn, VersionStage="AWSPENDING",
                                       RemoveFromVersionId=REQUEST)
    with pytest.raises(RotationError, match="is not AWSPENDING"):
        env.rotation().run("setSecret", env.arn, REQUEST)
    assert env.current() == old


# -- the entry point, and what the file may import -----------------------------------------


def test_the_lambda_entry_point_against_moto(secretsmanager, monkeypatch):
    """`handler(event, context)` as Lambda calls it: clients from boto3, the group from the
    environment; createSecret and testSecret end to end on moto (no stubs)."""
    arn = secretsmanager.create_secret(Name="entry-point", SecretString=FIRST_TOKEN)["ARN"]
    start_rotation(secretsmanager, arn)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("REPLICATION_GROUP_ID", GROUP)
    cache_rotation.handler({"Step": "createSecret", "SecretId": arn,
                            "ClientRequestToken": REQUEST}, None)
    assert secretsmanager.describe_secret(SecretId=arn)["VersionIdsToStages"][REQUEST] == ["AWSPENDING"]
    event = {"Step": "testSecret", "SecretId": arn, "ClientRequestToken": REQUEST}
    ec = boto3.client("elasticache", region_name=REGION)
    with pytest.raises(ec.exceptions.ReplicationGroupNotFoundFault):
        cache_rotation.handler(event, None)
    ec.create_replication_group(
        ReplicationGroupId=GROUP, ReplicationGroupDescription="d", Engine="valkey",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=1, AuthToken="B" * 64,
        TransitEncryptionEnabled=True)  # moto stamps AuthTokenLastModifiedDate: now
    cache_rotation.handler(event, None)


def test_the_function_file_needs_only_what_the_lambda_runtime_has():
    """The Lambda gets this one file: it may import the standard library and boto3/botocore
    (in the python3.12 runtime), never groundwork or anything else."""
    tree = ast.parse(Path(cache_rotation.__file__).read_text())
    imported = {(n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
                for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)
                for a in (n.names if isinstance(n, ast.Import) else [n])}
    assert imported <= {"__future__", "logging", "os", "time", "collections", "datetime",
                        "typing", "boto3", "botocore"}, imported
    assert callable(cache_rotation.handler)


def test_services_using_the_cache_may_reread_exactly_its_rotating_token(prod):
    """After a rotation's SET, a running task's injected token is dead: its task role may read
    the new one (exactly that secret, through Secrets Manager only)."""
    import json

    [secret] = [r for r in prod.of_type("secretsmanager.Secret") if "cache" in r.name]
    policies = {r.name: json.loads(r.inputs["policy"]) for r in prod.of_type("iam.RolePolicy")
                if r.name.endswith("-task-secrets-policy")}
    assert set(policies) == {"api-task-secrets-policy", "worker-task-secrets-policy"}
    for doc in policies.values():
        read, decrypt = doc["Statement"]
        assert read["Action"] == "secretsmanager:GetSecretValue"
        assert read["Resource"] == [secret.outputs["arn"]]
        assert decrypt["Action"] == "kms:Decrypt"
        assert decrypt["Condition"]["StringEquals"]["kms:ViaService"].startswith("secretsmanager.")
