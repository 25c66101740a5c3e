"""The benchmark's PostgreSQL: PostgreSQL's own durability defaults (the tests' server turns
them off for speed), and the list of its processes whose CPU time counts as Bastion's."""

from __future__ import annotations

import re

import asyncpg

from bench.servers import process_tree
from tests.support.postgres import PostgresServer


async def test_the_durable_server_keeps_fsync_and_synchronous_commits() -> None:
    durable, fast = PostgresServer(durable=True), PostgresServer()
    durable.start()
    fast.start()
    try:
        for server, expected in ((durable, "on"), (fast, "off")):
            conn = await asyncpg.connect(
                server.create_database("probe").replace("postgresql", "postgres", 1)
            )
            try:
                for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                    assert await conn.fetchval(f"SHOW {setting}") == expected, setting
                # The backend serving this connection is counted, beside the postmaster and
                # its background processes (checkpointer, WAL writer...).
                pids = process_tree(server.postmaster_pid())
                assert await conn.fetchval("SELECT pg_backend_pid()") in pids
                assert len(pids) >= 4
            finally:
                await conn.close()
        assert re.fullmatch(r"\d+(\.\d+)+", durable.version())  # "15.8", no distribution suffix
    finally:
        durable.stop()
        fast.stop()
    assert durable.postmaster_pid() is None and fast.postmaster_pid() is None
