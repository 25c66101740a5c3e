"""The hosted pages have one route table at the origin root, under paths no app slug can
take; names are unique and each handler lives in bastion/ui/pages."""

from __future__ import annotations

from starlette.routing import Route

from bastion.domain.apps import RESERVED_SLUGS
from bastion.ui.routes import ROUTES


def test_ui_routes_are_unique_reserved_and_in_their_folder() -> None:
    routes = [r for r in ROUTES if isinstance(r, Route)]
    names = [r.name for r in routes]
    assert len(names) == len(set(names))
    for route in routes:
        assert route.endpoint.__module__.startswith("bastion.ui.pages."), route.path
        assert route.path.split("/")[1] in RESERVED_SLUGS, route.path
    assert {r.path for r in routes} >= {"/oidc/device", "/login/{interaction_id}"}
