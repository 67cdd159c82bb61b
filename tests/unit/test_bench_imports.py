"""Every benchmark module imports: a bench that no longer matches the code fails here, not in
``make bench``."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bench


@pytest.mark.parametrize("name", sorted(module.name for module in
                                        pkgutil.iter_modules(bench.__path__)))
def test_bench_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    entry = "run_pages" if name == "pages" else "main"  # bench.api --pages runs bench.pages
    assert callable(getattr(module, entry, None)), f"bench.{name} has no {entry}()"
