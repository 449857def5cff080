"""The `assets` section: a list of named S3 asset buckets (the `AssetBucket` component's
settings, components/asset_bucket.py, plus their `name`). Services use them by name:
`read_assets` / `write_assets` on a service (stacks/config/compute.py) wire
`<NAME>_BUCKET` and the task role's IAM grant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from groundwork.components.asset_bucket import AssetBucketSettings, env_name
from groundwork.stacks.config._base import _single_hyphens, _Strict

__all__ = ["ASSET_BUCKET_NAME", "AssetBucketConfig", "asset_env_name"]

ASSET_BUCKET_NAME = r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$|^[a-z]$"
"""An asset bucket's name: lowercase letters, digits and single hyphens, <= 24 characters (it is
the component's name; the bucket's global S3 name adds the prefix, the account and the region
within S3's 63)."""

asset_env_name = env_name
"""`assets` -> `ASSETS_BUCKET`: what a service that reads or writes it gets."""


class AssetBucketConfig(_Strict, AssetBucketSettings):
    """One asset bucket (the `AssetBucket` component's settings): versioned, on the data key,
    TLS only, private, access-logged, with a lifecycle to Glacier checked against AWS's
    minimums; `replicate_to_dr` copies it to the `backup.copy_to_region` region."""

    name: Annotated[str, Field(pattern=ASSET_BUCKET_NAME)]
    """Bucket name (required): the component's name, so `assets` is `ASSETS_BUCKET` in the
    services that use it."""

    @field_validator("name")
    @classmethod
    def _single_hyphens(cls, v: str) -> str:
        return _single_hyphens(v)
