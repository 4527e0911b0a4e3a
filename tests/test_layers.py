"""The house reads one way: readers → model → store → services → faces (issue 15). Checked
over every import statement of the source, at the top of a module or inside a function —
a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
PACKAGE = SRC / "jixiao"
# the services and the faces: the store may know none of them
ABOVE_THE_STORE = ("jixiao.audit", "jixiao.evaluation", "jixiao.compare", "jixiao.versions",
                   "jixiao.bulk", "jixiao.library", "jixiao.web", "jixiao.cli")
FACES = {"jixiao.cli": "jixiao.cli", "jixiao.web": "jixiao.web"}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from a import b` gives a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package up
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules(under: str) -> list[Path]:
    root = PACKAGE.joinpath(*under.split(".")[1:])
    return sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    out = {}
    for path in paths:
        bad = sorted(n for n in imports(path) if any(within(n, f) for f in forbidden))
        if bad:
            out[module_name(path)] = bad
    return out


def test_the_store_imports_no_service_and_no_face() -> None:
    assert modules("jixiao.store"), "the store's modules were not found"
    assert offending(modules("jixiao.store"), ABOVE_THE_STORE) == {}


def test_readers_import_no_store() -> None:
    assert offending(modules("jixiao.readers"), ("jixiao.store",)) == {}


@pytest.mark.parametrize("face", sorted(FACES))
def test_no_face_imports_another_face(face: str) -> None:
    others = tuple(f for f in FACES if f != face)
    assert offending(modules(face), others) == {}


def test_the_webs_modules_do_not_import_its_app() -> None:
    """web/app.py builds the app from the routers; a module it imports that imports it back
    makes a circle (once worked around with a lazy import)."""
    pages = [p for p in modules("jixiao.web") if p.name not in ("app.py", "__init__.py")]
    assert offending(pages, ("jixiao.web.app",)) == {}


@pytest.mark.parametrize("face", sorted(FACES))
def test_faces_query_no_table(face: str) -> None:
    """The faces ask the store (its functions and the Store object); the table shapes are
    the store's own business."""
    assert offending(modules(face), ("jixiao.store.schema",)) == {}


def test_the_check_sees_what_it_must() -> None:
    """The walk finds lazy and relative imports, so the tests above can fail."""
    sample = PACKAGE / "store" / "store.py"
    assert "jixiao.store.repository" in imports(sample)
    assert any(within(n, "jixiao.readers") for n in imports(sample))  # inside a method
