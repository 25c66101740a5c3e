"""What the tests watch a container's database engine do."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bastion.container import Container


def engine_statements(container: Container) -> list[str]:
    """A list that fills with every SQL statement the engine sends from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(container.db.engine.sync_engine, "before_cursor_execute", record)
    return seen
