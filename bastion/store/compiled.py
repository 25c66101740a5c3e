"""Core statements compiled once for the hot paths' own connections (``sqlite3`` on SQLite,
asyncpg on PostgreSQL), which take SQL text and positional values rather than statements: what
the engine would send, without the engine."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Rows = Sequence[Sequence[Any]]
Step = tuple[str, Rows]  # SQL in the dialect's placeholders, one parameter tuple per execution
# Steps that stand or fall together inside a transaction that may carry several groups, and
# whether they are guarded (the rest is skipped when the first step changes no row).
Group = tuple[Sequence[Step], bool]
Source = Callable[[Mapping[str, Any]], Any]  # a placeholder's value, from the parameters


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    """A Core statement compiled for one dialect and one set of parameter names: its SQL and,
    for each positional placeholder (``?`` on SQLite, ``$n`` on PostgreSQL), where its value
    comes from (a parameter, a value fixed in the statement, or a column's Python-side
    default) and the bind type's conversion of it."""

    sql: str
    slots: tuple[tuple[Source, Callable[[Any], Any] | None], ...]

    @classmethod
    def build(
        cls, statement: Executable, keys: Collection[str], dialect: Dialect
    ) -> CompiledStatement | None:
        """None when the engine would do more than bind values: expand lists, call a function
        for a bound value, or compute a column default that needs the execution context."""
        if not isinstance(statement, ClauseElement):
            return None
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
            return None
        defaults: dict[str, Source] = {}
        for columns, attribute in (
            (compiled.insert_prefetch, "default"),
            (compiled.update_prefetch, "onupdate"),
        ):
            for column in columns:
                source = _default_source(getattr(column, attribute))
                if source is None:
                    return None
                defaults[column.key] = source
        slots = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            if bind.expanding or bind.callable is not None:
                return None
            source = _param_source(name) if name in keys else defaults.get(name)
            if source is None:
                if bind.required:
                    return None
                source = _fixed_source(bind.value)
            slots.append((source, bind.type.dialect_impl(dialect).bind_processor(dialect)))
        return cls(str(compiled), tuple(slots))

    def values(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for source, processor in self.slots:
            value = source(params)
            out.append(value if processor is None else processor(value))
        return tuple(out)


def _param_source(name: str) -> Source:
    return lambda params: params[name]


def _fixed_source(value: Any) -> Source:
    return lambda _params: value


def _default_source(default: Any) -> Source | None:
    """A column default's value maker, for a scalar or a function of no arguments (which
    SQLAlchemy wraps to take the execution context and ignore it); None for anything else
    (a function of the context, a sequence, an SQL expression)."""
    if default is None:
        return None
    if default.is_scalar:
        return _fixed_source(default.arg)
    if default.is_callable and getattr(default.arg, "__wrapped__", None) is not None:
        make = default.arg
        return lambda _params: make(None)
    return None
