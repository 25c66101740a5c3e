"""How the hot-path PostgreSQL connections are opened and read status lines (no server needed;
tests/store/test_postgres_direct.py runs them against one)."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bastion.settings import Settings
from bastion.store.postgres_direct import DirectPostgres, _rows_changed


def test_they_connect_as_the_engine_does() -> None:
    url = make_url(
        Settings.model_validate(
            {
                "database_url": "postgresql://app:s3cret@db.internal:6432/bastion"
                "?ssl=require&prepared_statement_cache_size=0"
            }
        ).effective_database_url
    )
    direct = DirectPostgres(url, create_async_engine(url).dialect, size=2)
    assert direct._options == {
        "host": "db.internal",
        "port": 6432,
        "user": "app",
        "password": "s3cret",
        "database": "bastion",
        "ssl": "require",
        "statement_cache_size": 0,  # what the engine's option means for asyncpg (PgBouncer)
    }


def test_command_status_lines_give_the_rows_changed() -> None:
    assert _rows_changed("UPDATE 1") == 1
    assert _rows_changed("UPDATE 0") == 0
    assert _rows_changed("INSERT 0 3") == 3
    assert _rows_changed("DELETE 12") == 12
    assert _rows_changed("BEGIN") == 0
