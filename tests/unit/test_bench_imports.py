"""Every benchmark module imports, and each one run with ``python -m`` has its ``main``: a
bench that no longer matches the code fails here, not in ``make bench``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import bench


@pytest.mark.parametrize("name", sorted(module.name for module in
                                        pkgutil.iter_modules(bench.__path__)))
def test_bench_module_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    if '__name__ == "__main__"' in inspect.getsource(module):
        assert callable(getattr(module, "main", None)), f"bench.{name} has no main()"
