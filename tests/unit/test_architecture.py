"""The house rules of docs/ARCHITECTURE.md, enforced."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "rlcli"
HEAVY = ("ray", "torch", "gymnasium")


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_importing_the_cli_loads_no_heavy_module():
    code = f"import sys, rlcli.cli; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_never_imports_click():
    for path in (PACKAGE / "core").glob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not any(m.split(".")[0] == "click" for m in modules), path


def test_commands_import_no_heavy_module_at_top_level():
    for path in [
        *(PACKAGE / "commands").glob("*.py"),
        PACKAGE / "cli.py",
        PACKAGE / "console.py",
        PACKAGE / "options.py",
    ]:
        assert not (_top_level_imports(path) & set(HEAVY)), path


def test_yaml_is_only_read_through_the_safe_loader():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text or "Loader=SafeLoader" in text, path
        assert "yaml.unsafe_load" not in text and not re.search(r"(?<![.\w])(eval|exec)\(", text), path
