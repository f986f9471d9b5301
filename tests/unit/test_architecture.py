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


def _modules_loaded_by(*argv: str) -> set[str]:
    """The modules ``rlcli ARGV`` (its real entry point, output discarded) has imported when it exits."""
    code = (
        "import contextlib, io, sys\n"
        "from rlcli.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(sys.argv[1:])\n"
        "sys.stderr.write('\\nMODULES ' + ' '.join(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    )
    return set(out.stderr.rpartition("MODULES ")[2].split())


def _loaded(modules: set[str], *names: str) -> list[str]:
    """Those of ``modules`` that are one of ``names`` or inside one."""
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_root_help_imports_only_click_and_the_root_command():
    """``rlcli --help`` lists every command from cli.COMMANDS without importing one: no command
    module, option table, console (rich), YAML or library call is loaded, so it starts fast."""
    modules = _modules_loaded_by("--help")
    assert "rlcli.cli" in modules and "click" in modules
    lazy = ("rlcli.commands", "rlcli.options", "rlcli.train_options", "rlcli.console", "rlcli.api", "rich", "yaml")
    assert _loaded(modules, *lazy, *HEAVY) == []


def test_train_help_imports_its_option_table_and_nothing_heavy():
    """``rlcli train --help`` reads the option table (rlcli.train_options) and builds no inputs:
    neither the experiment builder, the console, YAML, nor Ray/torch/gymnasium is imported."""
    modules = _modules_loaded_by("train", "--help")
    assert {"rlcli.commands.train", "rlcli.train_options"} <= modules
    assert _loaded(modules, "rlcli.core.config", "rlcli.console", "rlcli.api", "rich", "yaml", *HEAVY) == []


def test_core_never_imports_click():
    for path in (PACKAGE / "core").rglob("*.py"):
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
        PACKAGE / "train_options.py",
    ]:
        assert not (_top_level_imports(path) & set(HEAVY)), path


def test_yaml_is_only_read_through_the_safe_loader():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        assert "yaml.load(" not in text or "Loader=SafeLoader" in text, path
        assert "yaml.unsafe_load" not in text and not re.search(r"(?<![.\w])(eval|exec)\(", text), path


#: docs/ARCHITECTURE.md's dependency order: a core package imports its own modules and those of
#: packages with a lower rank; rollout and train share a rank and never import each other.
LAYERS = {
    "base": 0,
    "legacy": 1,
    "rllib": 2,
    "config": 3,
    "store": 4,
    "analysis": 5,
    "rollout": 6,
    "train": 6,
    "deploy": 7,
}


def _package(module: str) -> str:
    """``rlcli.core.rllib.resolve`` → ``rllib``; a module directly in ``rlcli.core`` → ``base``."""
    parts = module.split(".")
    return parts[2] if len(parts) > 3 and parts[2] in LAYERS else "base"


def _core_imports(path: Path) -> set[str]:
    """Every ``rlcli.core`` module ``path`` imports, at top level or inside functions."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rlcli.core"):
            found |= {f"{node.module}.{a.name}" if node.module.count(".") < 2 else node.module for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("rlcli.core")}
    return found


def test_core_dependencies_point_one_way():
    problems = []
    for path in (PACKAGE / "core").rglob("*.py"):
        module = "rlcli." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        own = _package(module)
        for imported in _core_imports(path):
            other = _package(imported)
            if other == own:
                continue
            if LAYERS[other] >= LAYERS[own]:
                problems.append(f"{module} imports {imported} ({own} may not import {other})")
    assert not problems, "\n".join(problems)


def test_every_core_package_says_what_it_holds_and_may_import():
    for init in (PACKAGE / "core").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc.lower(), init


def test_unit_test_modules_import_no_ray():
    """The unit layer is pure core: importing its modules loads neither Ray nor torch."""
    tests = sorted(p.stem for p in Path(__file__).parent.glob("test_*.py"))
    code = (
        "import importlib, sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        f"for name in {tests!r}: importlib.import_module(name)\n"
        "print(','.join(m for m in ('ray', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(Path(__file__).parents[1])],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == ""


def test_no_function_is_more_complex_than_fifteen():
    """ruff's C901 stops at 10 (a few hot loops say why they pass it); radon's count, which also
    counts boolean operators, caps every function at 15."""
    from radon.complexity import cc_visit

    over = [
        f"{path.relative_to(PACKAGE)}:{block.lineno} {block.name} {block.complexity}"
        for path in PACKAGE.rglob("*.py")
        for block in cc_visit(path.read_text())
        if block.complexity > 15
    ]
    assert not over, over
