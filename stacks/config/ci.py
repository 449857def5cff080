"""The `ci` section: the GitHub Actions deploy role (OIDC, no static keys): the
`GithubDeployRole` component's settings (components/github_deploy_role.py)."""

from __future__ import annotations

from groundwork.components.github_deploy_role import (
    GIT_REF_PATTERN,
    GITHUB_OIDC_PROVIDER_ARN,
    GITHUB_REPOSITORY,
    GithubDeployRoleSettings,
)
from groundwork.stacks.config._base import _Strict

__all__ = ["GITHUB_OIDC_PROVIDER_ARN", "GITHUB_REPOSITORY", "GIT_REF_PATTERN", "CiConfig"]


class CiConfig(_Strict, GithubDeployRoleSettings):
    """The GitHub Actions deploy role (OIDC: no static AWS keys anywhere).

    Only workflows of one repository, on the given branches or GitHub environments, can assume
    it, for at most an hour; pull requests of that repository get a separate read-only preview
    role (`preview`). See docs/operations.md."""

    repository: str
    """`owner/name` of the repository whose workflows may deploy (required; no wildcards)."""
