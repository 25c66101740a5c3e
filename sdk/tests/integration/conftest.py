"""The SDK's integration tests run against a live Bastion server over real HTTP on
127.0.0.1 (fixtures in live_support.py). They are skipped when the server package is
not installed next to the SDK.
"""

from __future__ import annotations

import importlib.util
import os

import pytest
from live_support import bastion, demo, make_app, public_client, start_bastion

__all__ = ["bastion", "demo", "make_app", "public_client", "start_bastion"]

if importlib.util.find_spec("bastion") is None:
    collect_ignore_glob = ["test_*.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if f"{os.sep}integration{os.sep}" in str(item.path):
            item.add_marker(pytest.mark.integration)
