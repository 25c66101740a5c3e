"""Every face has one route table; names are unique and handlers live in their face's folder
(STYLE.md S2). The inventory printed on failure is the map from URL to code."""

from __future__ import annotations

import importlib
import pkgutil

from starlette.routing import Route

import bastion.faces


def face_tables() -> dict[str, list[Route]]:
    tables: dict[str, list[Route]] = {}
    for info in pkgutil.iter_modules(bastion.faces.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"bastion.faces.{info.name}.routes")
        except ModuleNotFoundError:
            continue
        tables[info.name] = [r for r in module.ROUTES if isinstance(r, Route)]
    return tables


def test_every_face_has_a_route_table() -> None:
    tables = face_tables()
    assert {"oidc", "operations"} <= tables.keys()
    assert all(tables.values())


def test_route_names_are_unique_and_handlers_stay_in_their_face() -> None:
    inventory = []
    for face, routes in face_tables().items():
        names = [r.name for r in routes]
        assert len(names) == len(set(names)), (face, names)
        for route in routes:
            module = route.endpoint.__module__
            inventory.append(f"{face:12} {route.path:45} {module}")
            assert module.startswith(f"bastion.faces.{face}."), "\n".join(inventory)
