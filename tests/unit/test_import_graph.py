"""No import cycle anywhere in the project's packages, function-local imports included."""

from __future__ import annotations

import grimp

PACKAGES = ("domain", "projections", "consumers", "infra")


def test_no_module_imports_itself_through_others() -> None:
    """For every direct import A -> B, there is no chain of imports from B back to A."""
    graph = grimp.build_graph(*PACKAGES)
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if imported == importer or imported.startswith(f"{importer}."):
                continue
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None and not importer.startswith(f"{imported}."):
                cycles.append(" -> ".join((importer, *back)))
    assert cycles == [], "import cycles:\n" + "\n".join(cycles[:10])
