"""The tenant key every tenant-owned row and query carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tenant:
    """A workspace, optionally narrowed to one of its apps."""

    workspace_id: str
    app_id: str | None = None
