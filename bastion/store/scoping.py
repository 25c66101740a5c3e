"""The single place that adds the tenant filter to a query.

Repositories never write ``where(Model.workspace_id == ...)`` themselves: they call
:func:`scoped`, so a query that forgot its tenant is easy to spot (it does not call this).
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Delete, Select, Update

from bastion.domain.tenancy import Tenant

Stmt = TypeVar("Stmt", Select[Any], Update, Delete)


def tenant_filter(model: Any, tenant: Tenant) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [model.workspace_id == tenant.workspace_id]
    if tenant.app_id is not None:
        if not hasattr(model, "app_id"):
            raise TypeError(f"{model.__name__} is not app-scoped")
        clauses.append(model.app_id == tenant.app_id)
    return clauses


def scoped(stmt: Stmt, model: Any, tenant: Tenant) -> Stmt:
    return stmt.where(*tenant_filter(model, tenant))
