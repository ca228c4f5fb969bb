"""The shape of the code itself: what a reader stepping through it relies on.

- no import cycle among ``pc_numpy``'s modules, and no model module imports torch;
- every equation's function takes the math's arguments only (no speed-only ``a``, ``drive``,
  ``out``, ``workspace`` parameter);
- one implementation of each equation, called everywhere: one training iteration calls
  ``hidden_prior`` at every step, one retrieval trial calls ``step`` at every step;
- each model module is short enough to read in one sitting (at most 250 lines), and the HC-A
  core (params, generative, inference, prior, rollout, bptt, adam) at most 650 lines in all;
- the model is its math (issue 22): no model function has a ``check`` parameter or a decorator;
  the equations, ``step``, ``step_backward``, ``backward`` and ``Adam.step`` call no check; each
  entry point of a model module makes at most one call to its door (``doors.*``); no ``pc_torch``
  model module imports ``pc_numpy``;
- a student stepping into ``rollout`` reaches the first line of ``hidden_prior`` within 40
  debugger stops with the door's check stepped over, 300 without (``benchmarks/debugger_steps.py``);
- the repository refers to its own documents only (never to a design file outside it).
"""
from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

import pc_numpy as pcn

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pc_numpy"
# The model a student derives: the equations, the step and rollout, BPTT, Adam (and, when they
# are there, HC-M and the local rule).  Everything else in pc_numpy is machinery in subpackages.
MODEL_MODULES = ["params", "generative", "inference", "prior", "rollout", "bptt", "adam",
                 "hcm", "local"]
EQUATIONS = ["hidden_prior", "prediction", "output_error", "hidden_posterior", "hidden_error",
             "causes_bottom_up", "causes_noise", "prior_logits", "responsibilities",
             "prior_gradient", "causes_prior", "step_backward"]
SPEED_ONLY = {"a", "drive", "out", "workspace", "buffer"}
MAX_MODEL_LINES = 250
HCA_CORE = ["params", "generative", "inference", "prior", "rollout", "bptt", "adam"]
MAX_CORE_LINES = 650
TORCH = ROOT / "pc_torch"
TORCH_MODEL_MODULES = ["params", "generative", "inference", "prior", "rollout", "bptt", "adam",
                       "local", "hcm"]
# functions that are formulas and nothing else: they call no check and no door
BARE = {"hidden_prior", "prediction", "output_error", "hidden_posterior", "hidden_error",
        "causes_bottom_up", "causes_noise", "prior_logits", "responsibilities", "prior_gradient",
        "causes_prior", "log_prior", "step", "step_backward", "backward", "forward",
        "local_deltas", "apply_local_update", "free_energy", "_update"}


def _module_files():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set:
    """The pc_numpy modules that ``path`` imports at module level or inside functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("pc_numpy"):
                found.add(target)
                for alias in node.names:           # "from . import plots" imports a module
                    found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pc_numpy"))
    modules = {_module_name(p) for p in _module_files()}
    return {m for m in found if m in modules and m != name}


def test_no_import_cycle_among_pc_numpy_modules():
    """Depth-first search over the import graph (package __init__ files left out: importing a
    submodule runs its package's __init__ by Python's rules, not by the module's choice)."""
    graph = {_module_name(p): _imports(p) for p in _module_files() if p.name != "__init__.py"}
    graph = {m: {d for d in deps if d in graph} for m, deps in graph.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                cycle = stack[stack.index(d):] + [d]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)


def _model_paths():
    paths = []
    for name in MODEL_MODULES:
        single, package = PACKAGE / f"{name}.py", PACKAGE / name
        if single.exists():
            paths.append(single)
        elif package.is_dir():
            paths.extend(sorted(package.glob("*.py")))
    return paths


@pytest.mark.parametrize("path", _model_paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_model_module_is_short_and_imports_no_torch(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODEL_LINES, f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_MODEL_LINES})"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        assert not any(n.split(".")[0] in ("torch", "pc_torch", "matplotlib") for n in names), \
            f"{path.relative_to(ROOT)} imports {names} (the model needs NumPy alone)"


def _function_defs(paths):
    """``(path, FunctionDef)`` of every function (and method) defined in ``paths``."""
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path, node


def _calls(node) -> list:
    """The names of the functions ``node``'s body calls (``f(...)`` -> f, ``a.b.f(...)`` -> a.b.f)."""
    names = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            parts, f = [], sub.func
            while isinstance(f, ast.Attribute):
                parts.append(f.attr)
                f = f.value
            if isinstance(f, ast.Name):
                parts.append(f.id)
            names.append(".".join(reversed(parts)))
    return names


def _torch_model_paths():
    paths = []
    for name in TORCH_MODEL_MODULES:
        single, package = TORCH / f"{name}.py", TORCH / name
        paths += [single] if single.exists() else sorted(package.glob("*.py"))
    return paths


def test_the_hca_core_is_short():
    lines = {name: (PACKAGE / f"{name}.py").read_text(encoding="utf-8").count("\n") for name in HCA_CORE}
    assert sum(lines.values()) <= MAX_CORE_LINES, f"the HC-A core has {sum(lines.values())} lines: {lines}"


@pytest.mark.parametrize("path", _model_paths() + _torch_model_paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_model_functions_have_no_check_parameter_no_decorator_and_one_door_call(path):
    for _, fn in _function_defs([path]):
        where = f"{path.relative_to(ROOT)}: {fn.name}"
        args = [a.arg for a in fn.args.args + fn.args.kwonlyargs]
        assert "check" not in args, f"{where} has a check parameter"
        assert not fn.decorator_list, f"{where} wears a decorator"
        calls = _calls(fn)
        door_calls = [c for c in calls if c.startswith("doors.")]
        assert len(door_calls) <= 1, f"{where} calls its door {len(door_calls)} times: {door_calls}"
        if fn.name in BARE:
            checks = [c for c in calls if "check" in c or c.startswith("doors.") or "overflow" in c]
            assert not checks and not door_calls, f"{where} is a formula but calls {checks or door_calls}"


@pytest.mark.parametrize("path", _torch_model_paths(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_pc_torch_model_module_imports_pc_numpy(path):
    """The reference is independent: its model modules share no code with pc_numpy (their doors,
    ``pc_torch/doors.py``, may share pc_numpy's machinery)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        assert not any(n.split(".")[0] == "pc_numpy" for n in names), \
            f"{path.relative_to(ROOT)} imports {names}"


def test_pc_torch_mirrors_pc_numpy_function_by_function():
    """``pc_torch/X.py`` defines the model functions of ``pc_numpy/X.py`` (a reader can diff them)."""
    for name in ["generative", "inference", "prior", "rollout", "local", "hcm/equations", "hcm/rollout"]:
        ours = {fn.name for _, fn in _function_defs([PACKAGE / f"{name}.py"]) if not fn.name.startswith("_")}
        theirs = {fn.name for _, fn in _function_defs([TORCH / f"{name}.py"]) if not fn.name.startswith("_")}
        assert ours <= theirs, f"pc_torch/{name}.py lacks {sorted(ours - theirs)}"


def test_a_debugger_reaches_the_math_in_a_few_steps():
    """Counted as pdb's ``s`` stops (call, line and return events), in a fresh process."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "debugger_steps.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    found = json.loads(out.stdout)
    assert found["rollout_to_hidden_prior_door_stepped_over"] <= 40, found
    assert found["rollout_to_hidden_prior_cold_s"] <= 300, found
    assert found["rollout_to_hidden_prior_warm_s"] <= 300, found
    assert found["retrieval"]["share_in_model"] >= 0.6, found
    assert found["training"]["share_in_model"] >= 0.6, found
    assert found["step_calls_per_training_iteration"] >= found["T"], found


def _equation_functions():
    found = []
    for mod_name in ("pc_numpy", "pc_numpy.hcm"):
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        found += [(f"{mod_name}.{f}", getattr(mod, f)) for f in EQUATIONS if hasattr(mod, f)]
    return found


@pytest.mark.parametrize("name, fn", _equation_functions(), ids=lambda v: v if isinstance(v, str) else "")
def test_equation_functions_take_the_math_arguments_only(name, fn):
    params = set(inspect.signature(fn).parameters)
    assert not params & SPEED_ONLY, f"{name} has speed-only parameters {sorted(params & SPEED_ONLY)}"


def test_rollout_and_loss_and_grads_take_no_buffers():
    for fn in (pcn.rollout, pcn.loss_and_grads):
        params = set(inspect.signature(fn).parameters)
        assert not params & SPEED_ONLY, f"{fn.__name__} has buffer parameters {sorted(params & SPEED_ONLY)}"


class _Counter:
    """Wraps a function of a module and counts its calls (the wrapped function still runs)."""

    def __init__(self, monkeypatch, module, name):
        self.calls, original = 0, getattr(module, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(module, name, counted)


@pytest.mark.parametrize("kind", ["hc-a", "hc-m"])
def test_a_training_iteration_calls_step_at_every_step(monkeypatch, kind):
    """``train`` for one iteration on 3 letters of T steps: ``step`` runs T times (the forward
    pass is ``rollout``, one loop for every mode), so a breakpoint in ``step`` is hit."""
    data = pcn.letters()[0][:3, :12]                                                      # (3, 12, 2)
    module = importlib.import_module("pc_numpy.rollout" if kind == "hc-a" else "pc_numpy.hcm.rollout")
    count = _Counter(monkeypatch, module, "step")
    pcn.train(data, states_dim=6, causes_dim=2, tau=5.0, iterations=1, progress=False, kind=kind,
              factor_dim=4 if kind == "hc-m" else None)
    assert count.calls >= data.shape[1], f"step ran {count.calls} times in one iteration of T = {data.shape[1]}"


def test_a_retrieval_trial_calls_step_at_every_step(monkeypatch):
    """``retrieve`` for one trial: ``step`` (1)-(8) runs at every step of the inference rollout."""
    data = pcn.letters()[0][:3, :12]
    model = pcn.train(data, states_dim=6, causes_dim=2, tau=5.0, iterations=2, progress=False).model
    rollout_module = importlib.import_module("pc_numpy.rollout")
    count = _Counter(monkeypatch, rollout_module, "step")
    pcn.retrieve(model, data, restarts=1, trials=1, progress=False)
    assert count.calls >= data.shape[1], f"step ran {count.calls} times in one trial of T = {data.shape[1]}"


def test_the_repository_refers_to_its_own_documents_only():
    """No tracked text file mentions a design file or folder outside the repository."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not files:                                     # not a git checkout (e.g. a student copy)
        files = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    bad = []
    for f in files:
        path = ROOT / f
        if path.suffix not in (".py", ".md", ".cfg", ".toml", ".txt", ".json", "") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for word in ("DESIGN" + ".md", "DESIGN" + " §", "../" + "shared"):
            if word in text:
                bad.append(f"{f}: {word}")
    assert not bad, "references outside the repository: " + "; ".join(bad)


def test_docs_sections_referred_to_exist():
    """Every ``docs/<file>.md §N`` named in the code and tutorials is a heading of that file."""
    import re
    pattern = re.compile(r"docs/([a-z_]+\.md)\s+§\s*([0-9]+[a-z]?)")
    missing = set()
    for path in list(PACKAGE.rglob("*.py")) + list((ROOT / "tutorials").glob("*.py")) + list((ROOT / "pc_torch").rglob("*.py")):
        for doc, section in pattern.findall(path.read_text(encoding="utf-8")):
            target = ROOT / "docs" / doc
            if not target.exists():
                missing.add(f"docs/{doc} (from {path.relative_to(ROOT)})")
                continue
            headings = [line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
            if not any(re.search(rf"§\s*{section}\b", h) for h in headings):
                missing.add(f"docs/{doc} §{section} (from {path.relative_to(ROOT)})")
    assert not missing, "missing: " + "; ".join(sorted(missing))
