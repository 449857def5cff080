"""The `documents` section: Amazon DocumentDB (the `DocumentDatabase` component's settings, with
their validators) plus `enabled`. Off unless a stack turns it on; services reach it with
`use_documents`."""

from __future__ import annotations

from groundwork.components.document_database import DocumentDatabaseSettings
from groundwork.stacks.config._base import _Strict

__all__ = ["DocumentsConfig"]


class DocumentsConfig(_Strict, DocumentDatabaseSettings):
    """DocumentDB cluster (the `DocumentDatabase` component's settings). Storage encryption on
    the data key, TLS enforced by its parameter group, audit and profiler logs exported and the
    managed master password are always on and not configurable."""

    enabled: bool = False
    """Create the cluster (default false: the committed stacks have none)."""
