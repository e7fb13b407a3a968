"""template.yaml's REST routes and the Chalice apps' routes are exactly the same set."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from runtime_support import ROOT

from licita_local.template import load_template


def chalice_routes(code_uri: Path, name: str) -> set[tuple[str, str]]:
    spec = importlib.util.spec_from_file_location(f"_parity_{name}", code_uri / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    app = getattr(module, "app", None)
    if app is None or not hasattr(app, "routes"):
        return set()
    return {(path, method) for path, methods in app.routes.items() for method in methods}


def test_template_routes_equal_chalice_routes() -> None:
    tpl = load_template(ROOT / "template.yaml", {"JwtSecret": "x" * 40}, env={})
    template_routes: set[tuple[str, str]] = set()
    app_routes: set[tuple[str, str]] = set()
    for fn in tpl.functions.values():
        routes = {(e.path, e.method) for e in fn.api_events}
        template_routes |= routes
        found = chalice_routes(fn.code_uri, fn.logical_id)
        if routes or found:
            assert found == routes, f"{fn.logical_id}: only in template {routes - found}, only in app {found - routes}"
        app_routes |= found
    assert template_routes == app_routes
    assert ("/auth/login", "POST") in template_routes
