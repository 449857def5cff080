"""The `queues` section: a list of named SQS queues, each the `Queue` component's settings
(components/queue.py) plus its `name`. Services use them by name: `send_to` / `receive_from`
on a service (stacks/config/compute.py) wire `<NAME>_QUEUE_URL` and the task role's IAM grant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from groundwork.components.queue import QueueSettings, env_name
from groundwork.stacks.config._base import _single_hyphens, _Strict

__all__ = ["QUEUE_NAME", "QueueConfig", "queue_env_name"]

QUEUE_NAME = r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$"
"""A queue's name: lowercase letters, digits and single hyphens, <= 40 characters (it is the
component's name: its AWS names are `<prefix>-<name>` and `<prefix>-<name>-dlq`)."""

queue_env_name = env_name
"""`jobs` -> `JOBS_QUEUE_URL`: what a service that sends to or receives from it gets."""


class QueueConfig(_Strict, QueueSettings):
    """One SQS queue with its dead-letter queue (the `Queue` component's settings). Encryption
    with the data key, redrive and the TLS-only queue policy are always on and not
    configurable."""

    name: Annotated[str, Field(pattern=QUEUE_NAME)]
    """Queue name (required): the component's name, so `jobs` is `<prefix>-jobs` in AWS and
    `JOBS_QUEUE_URL` in the services that use it."""

    @field_validator("name")
    @classmethod
    def _single_hyphens(cls, v: str) -> str:
        return _single_hyphens(v)
