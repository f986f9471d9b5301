"""The house rules of docs/ARCHITECTURE.md, enforced."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
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


def _module_names(root: Path) -> dict[str, Path]:
    """``{dotted module name: file}`` for the package at ``root`` (a package is its ``__init__``)."""
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at top level and inside functions, but not in the
    body of ``if TYPE_CHECKING:`` (its ``else`` does run)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from _runtime_imports(ast.Module(body=child.orelse, type_ignores=[]))
        else:
            yield from _runtime_imports(child)


def _imported_modules(module: str, path: Path, node: ast.Import | ast.ImportFrom, modules: dict) -> set[str]:
    """The modules of ``modules`` that ``node`` (in ``module``, at ``path``) imports: relative
    imports resolved, ``from pkg import mod`` the module ``pkg.mod``, a name the nearest module
    holding it; the module itself and its own packages (run before it anyway) left out."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if path.name == "__init__.py" else module.rpartition(".")[0]
            parts = package.split(".")
            prefix = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{prefix}.{base}" if node.module else prefix
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
    found = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module and not module.startswith(name + "."):
            found.add(name)
    return found


def import_cycles(root: Path) -> list[list[str]]:
    """Circles of imports among the modules of the package at ``root``, each as the modules on
    it, the first again at the end (``[a, b, a]``); at least one per tangle of modules."""
    modules = _module_names(root)
    graph = {
        module: {
            t
            for node in _runtime_imports(ast.parse(path.read_text()))
            for t in _imported_modules(module, path, node, modules)
        }
        for module, path in modules.items()
    }
    cycles: list[list[str]] = []
    done: set[str] = set()
    trail: list[str] = []  # the modules being visited, each importing the next

    def visit(module: str) -> None:
        trail.append(module)
        for target in sorted(graph[module]):
            if target in trail:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in done:
                visit(target)
        trail.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return cycles


def test_no_module_imports_itself_through_others():
    """No import circle between modules of rlcli, inside one package or across packages, and
    none hidden in a function: each module's imports point one way."""
    assert import_cycles(PACKAGE) == []


def test_the_cycle_check_finds_a_function_level_circle(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg import b\n\n    return b\n")
    (package / "b.py").write_text("from . import a\n")
    # A TYPE_CHECKING-only import is no circle at run time.
    (package / "c.py").write_text("from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from pkg.d import D\n")
    (package / "d.py").write_text("import pkg.c\n\nclass D: ...\n")
    assert import_cycles(package) == [["pkg.a", "pkg.b", "pkg.a"]]


def _stated_imports(doc: str, own: str) -> tuple[set[str], set[str]]:
    """What a package's docstring says it may import, and what it says it never imports. Two
    forms: "Imports everything up to ``P``" (every package ranked at most P's) or "Imports the
    base, ``a`` and ``b``"; then "never ``X``"."""
    doc = " ".join(doc.split())
    match = re.search(r"\bimports ([^.;]*)", doc, re.I)
    assert match, f"{own}: its docstring says nothing of what it imports"
    sentence = match.group(1)
    named = set(re.findall(r"``(\w+)``", sentence))
    never = set(re.findall(r"never ``(\w+)``", doc))
    if (up_to := re.search(r"everything up to ``(\w+)``", sentence)) is not None:
        stated = {p for p, rank in LAYERS.items() if rank <= LAYERS[up_to.group(1)] and p != own}
    else:
        assert "base" in sentence, f"{own}: {sentence!r} names neither 'the base' nor 'everything up to'"
        stated = {"base"} | named
    return stated - never, never


def test_every_core_package_says_truly_what_it_may_import():
    """Each ``core/<package>/__init__.py`` names what it may import: within the dependency order,
    and covering every core package its modules really import (an import the docstring does not
    allow, or a docstring that allows more than the order, fails)."""
    for init in sorted((PACKAGE / "core").glob("*/__init__.py")):
        own = init.parent.name
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        stated, never = _stated_imports(doc, own)
        assert stated <= {p for p, rank in LAYERS.items() if rank < LAYERS[own]}, f"{own} may import {stated}"
        imported = {_package(m) for path in init.parent.rglob("*.py") for m in _core_imports(path)} - {own}
        assert imported <= stated, f"{own} imports {imported - stated}, which its docstring does not allow"
        assert not imported & never, f"{own} imports {imported & never}, which its docstring says it never does"


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


def test_no_two_test_files_share_a_name():
    """The test folders are not packages, so pytest imports each test file by its base name: two
    files of one name (tests/unit/x.py, tests/integration/x.py) fail the whole run with 'import
    file mismatch' when both are collected, as in `make test`, but not when either runs alone."""
    tests = Path(__file__).parents[1]
    names = [p.name for p in tests.rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
