"""The `assets` section: a list of named S3 asset buckets (the `AssetBucket` component's
settings, components/asset_bucket.py, plus their `name`). Services use them by name:
`read_assets` / `write_assets` on a service (stacks/config/compute.py) wire
`<NAME>_BUCKET` and the task role's IAM grant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from groundwork.stacks.config._base import _Strict

__all__ = ["ASSET_BUCKET_NAME", "AssetBucketConfig"]

ASSET_BUCKET_NAME = r"^[a-z][a-z0-9-]{0,22}[a-z0-9]$|^[a-z]$"
"""An asset bucket's name: lowercase letters, digits and single hyphens, <= 24 characters (it is
the component's name; the bucket's global S3 name adds the prefix, the account and the region
within S3's 63)."""


class AssetBucketConfig(_Strict):
    """One asset bucket (lane B makes it `(_Strict, AssetBucketSettings)`)."""

    name: Annotated[str, Field(pattern=ASSET_BUCKET_NAME)]
    """Bucket name (required): the component's name, so `assets` is `ASSETS_BUCKET` in the
    services that use it."""
