"""The `ci` section: the GitHub Actions deploy role (OIDC, no static keys)."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from groundwork.stacks.config._base import _Strict

GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
"""`owner/name` exactly: no wildcard can reach the `sub` condition through the repository."""
GIT_REF_PATTERN = r"^[A-Za-z0-9._/*-]{1,200}$"
GITHUB_OIDC_PROVIDER_ARN = (
    r"^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com$")


class CiConfig(_Strict):
    """The GitHub Actions deploy role (OIDC: no static AWS keys anywhere).

    Only workflows of one repository, on the given branches or GitHub environments, can assume
    it, for at most an hour; pull requests of that repository get a separate read-only preview
    role (`preview`). See docs/operations.md."""

    repository: str
    """`owner/name` of the repository whose workflows may deploy (required; no wildcards)."""
    branches: list[Annotated[str, Field(pattern=GIT_REF_PATTERN)]] = Field(
        default_factory=lambda: ["main"])
    """Branches whose workflows may deploy (default main). `release/*` style patterns are allowed;
    a bare `*` (any branch anyone can push) is not. Jobs that name a GitHub `environment` present
    the environment instead of the branch: list it in `environments`."""
    environments: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9._ -]{1,255}$")]] = Field(
        default_factory=list)
    """GitHub environments whose jobs may deploy (default none). Use one with required reviewers
    for prod: the approval gate is then enforced by AWS too."""
    oidc_provider_arn: Annotated[str, Field(pattern=GITHUB_OIDC_PROVIDER_ARN)] | None = None
    """Existing GitHub OIDC provider (default: create one). An account holds one provider per
    URL: when dev and prod share an account, create it in one stack and pass its ARN to the other."""
    state_bucket: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None = None
    """Pulumi state bucket the role may read and write this stack's state in (default none:
    grant it elsewhere). See `groundwork bootstrap-state`."""
    secrets_key_alias: Annotated[str, Field(pattern=r"^alias/[A-Za-z0-9/_-]{1,250}$")] | None = None
    """KMS alias of the `awskms://` secrets provider the role may use (default none)."""
    preview: bool = True
    """Also create the read-only preview role `<prefix>-github-preview` (default true) that
    pull-request workflows assume for `pulumi preview` (output `ci_preview_role_arn`). It trusts
    only `repo:<repository>:pull_request`, so any branch pusher can assume it from a workflow of
    their own: it may Describe/List/Get what the stack uses, read this stack's state and decrypt
    with `secrets_key_alias`, never write or read a secret value. Forked pull requests get no OIDC
    token at all. False: no preview role."""

    @field_validator("repository")
    @classmethod
    def _repository(cls, v: str) -> str:
        if any(c in v for c in "*?[]"):
            raise ValueError(f"{v!r} has a wildcard; name exactly one repository as owner/name")
        if not re.match(GITHUB_REPOSITORY, v):
            raise ValueError(f"{v!r} is not a GitHub repository as owner/name")
        return v

    @field_validator("branches")
    @classmethod
    def _branches(cls, v: list[str]) -> list[str]:
        broad = [b for b in v if b.strip("*/") == ""]
        if broad:
            raise ValueError(f"{', '.join(broad)} would let any branch deploy; name the branches "
                             "(patterns such as release/* are fine)")
        return v

    @model_validator(mode="after")
    def _someone(self) -> CiConfig:
        if not self.branches and not self.environments:
            raise ValueError("set branches or environments: with neither, no workflow may deploy")
        return self
