"""Coursework: exercises made from the solution code, graded by the property tests.

Every exercise is a function body of ``pc_numpy`` between two comment lines, ``BEGIN SOLUTION``
and ``END SOLUTION`` (each a comment alone on its line, exactly as in ``pc_numpy/generative.py``).
``build`` copies the project and replaces each marked body by

    raise NotImplementedError("Exercise NAME: <function>, equation (k); see tutorials/NN_....py")

at the marker's indentation; everything else is copied byte for byte.  The student then writes
the bodies back, and the same property tests that verify the solution against the PyTorch
autograd twin grade the student's code.  An exercise is named after its equation (``eq1``,
``eq4``, ``eq8-softmax``, ``bptt-step``, ``adam``); its number (1, 2, ...) works too.

    python -m pc_numpy.tools.exercises list                        # every exercise, 100 columns
    python -m pc_numpy.tools.exercises build DIR [--only NAME ...] # a student copy of the project
    python -m pc_numpy.tools.exercises grade NAME [--root DIR]     # run one exercise's grading tests
    python -m pc_numpy.tools.exercises grade all [--root DIR]      # every exercise, one line each

``grade`` runs ``python -m pytest <the exercise's tests>`` in the project root (the parent of
the ``pc_numpy`` package imported, or ``--root``); arguments after ``--`` go to pytest, e.g.
``grade eq4 -- -x --hypothesis-seed=0``.  It prints a few lines: per grading test the verdict
with the worst relative error against the reference and the tolerance (on a failure the
variable, the time step and Hypothesis' smallest failing example, from the report that
``tests/_exercise_hook.py`` writes).  Its exit status is pytest's: 0 when every grading test
passes.  The grading tests call the exercise's function directly (or with the functions it calls
replaced by reference versions), so that one exercise can be graded before the others are done.

The registry ``EXERCISES`` below is checked against the markers in the source: every marked body
must be registered and every registered exercise must have its marked body
(``tests/test_exercises.py``).  The exercise sheet is ``tutorials/EXERCISES.md``.
Standard library only: importing this module needs neither NumPy nor pytest.
"""
from __future__ import annotations

import argparse
import ast
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

# What a student copy holds: these folders (whole, less caches) and these files (when present):
# everything the project's own test suite reads, so that a solved copy passes its whole suite.
PACKAGE_DIRS = ("pc_numpy", "pc_torch", "tests", "tutorials")
EXTRA_DIRS = ("docs", "benchmarks", ".ci")
TOP_FILES = ("setup.cfg", "pyproject.toml", "README.md", ".gitignore")
IGNORED = ("__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints",
           "_figures_out", "*.ipynb")
SHEET = "tutorials/EXERCISES.md"
# The first line of the EXERCISES.md that ``build`` writes at the top of a student copy.
STUDENT_COPY_STAMP = "<!-- student copy made by: python -m pc_numpy.tools.exercises build -->"

_BEGIN = "# BEGIN" + " SOLUTION"      # spelled in two parts so that this file holds no marker
_END = "# END" + " SOLUTION"
_NEAR_MISS = re.compile(r"#\s*(begin|end)\s*solution\s*$", re.IGNORECASE)


class Exercise(NamedTuple):
    """One exercise: a marked function body and the tests that grade it."""
    number: int
    title: str                # a few words
    ref: str                  # the equation's label, as the stub's message says it
    equation: str             # the equation as text (docs/model.md §2-§3)
    module: str               # the file, relative to the project root
    function: str             # its qualified name in that file (``Adam._update``)
    tests: Tuple[str, ...]    # pytest node ids, relative to the project root
    tutorial: str             # the tutorial that teaches it (found by its number, see tutorial_path)
    key: str = ""             # its name on the command line, after its equation: ``eq4``, ``bptt-step``
                              # (empty: derived, see exercise_key)


EXERCISES: Tuple[Exercise, ...] = (
    Exercise(1, "hidden prior", "equation (1)",
             "(1) h_prior = (1 - 1/tau) h_post_prev"
             " + (1/tau)(tanh(h_post_prev) @ w_r.T + c_prev @ w_c.T + b_r)",
             "pc_numpy/generative.py", "hidden_prior",
             ("tests/test_equations.py::test_hidden_prior_1",),
             "tutorials/01_generative_model.py", key="eq1"),
    Exercise(2, "prediction", "equation (2)",
             "(2) x_pred = tanh(h_prior) @ w_o.T + b_o",
             "pc_numpy/generative.py", "prediction",
             ("tests/test_equations.py::test_prediction_2",),
             "tutorials/01_generative_model.py", key="eq2"),
    Exercise(3, "hidden posterior", "equation (4)",
             "(4) h_post = h_prior - alpha_x (1 - tanh(h_prior)**2) * (error @ w_o)",
             "pc_numpy/inference.py", "hidden_posterior",
             ("tests/test_equations.py::test_hidden_posterior_4",),
             "tutorials/02_prediction_error.py", key="eq4"),
    Exercise(4, "causes, bottom-up", "equation (6)",
             "(6) c = c_prev - alpha_h (error_h @ w_c)",
             "pc_numpy/inference.py", "causes_bottom_up",
             ("tests/test_equations.py::test_causes_bottom_up_6",),
             "tutorials/03_hidden_causes.py", key="eq6"),
    Exercise(5, "responsibilities (stable softmax)", "equation (8), r(c)",
             "(8) r(c) = softmax_k(-||c - mus[k]||**2 / (2 sigma_c**2)), stable: subtract the row max",
             "pc_numpy/prior.py", "responsibilities",
             ("tests/test_equations.py::test_responsibilities_8",
              "tests/test_exercise_units.py::test_responsibilities_far_from_every_mean"),
             "tutorials/04_mixture_prior.py", key="eq8-softmax"),
    Exercise(6, "prior gradient", "equation (8), g(c)",
             "(8) g(c) = -sum_k r_k(c) (c - mus[k]) / (2 sigma_c**2) = -(c - r(c) @ mus) / (2 sigma_c**2)",
             "pc_numpy/prior.py", "prior_gradient",
             ("tests/test_exercise_units.py::test_prior_gradient_alone",),
             "tutorials/04_mixture_prior.py", key="eq8-grad"),
    Exercise(7, "causes, prior", "equation (8)",
             "(8) c[t] = c + alpha_c g(c)",
             "pc_numpy/prior.py", "causes_prior",
             ("tests/test_exercise_units.py::test_causes_prior_alone",),
             "tutorials/04_mixture_prior.py", key="eq8"),
    Exercise(8, "BPTT step", "the BPTT step of docs/model.md §3",
             "(BPTT) g[t] = (d_error[t] @ w_o) * (1 - a[t]**2)"
             " + (1 - k) g[t+1] + ((k g[t+1]) @ w_r) * (1 - a[t]**2),  k = 1/tau",
             "pc_numpy/bptt.py", "step_backward",
             ("tests/test_bptt.py::test_step_backward_matches_autograd",),
             "tutorials/05_bptt_by_hand.py", key="bptt-step"),
    Exercise(9, "BPTT loop", "the BPTT loop of docs/model.md §3",
             "(BPTT) g[T] = 0;  for t = T-1 down to 0: g[t] = step_backward(d_error[t], g[t+1], a[t])",
             "pc_numpy/bptt.py", "backward",
             ("tests/test_exercise_units.py::test_backward_loop_alone",),
             "tutorials/05_bptt_by_hand.py", key="bptt-loop"),
    Exercise(10, "Adam step", "the Adam step of docs/model.md §3",
             "(Adam) d = d_p + wd p;  m = b1 m + (1-b1) d;  v = b2 v + (1-b2) d**2;"
             "  p = p - lr/(1-b1**t) m / (sqrt(v)/sqrt(1-b2**t) + eps)",
             "pc_numpy/adam.py", "Adam._update",
             ("tests/test_adam.py::test_adam_first_step_matches_torch",
              "tests/test_adam.py::test_adam_matches_pc_torch_adam"),
             "tutorials/06_training_with_adam.py", key="adam"),
    # PC-RNN-HC-M, the multiplicative model (docs/hcm.md)
    Exercise(11, "HC-M hidden prior", "equation (1m)",
             "(1m) h_prior = (1 - 1/tau) h_post_prev"
             " + (1/tau)(((tanh(h_post_prev) @ w_pd) * (c_prev @ w_cd)) @ w_fd.T + b_r)",
             "pc_numpy/hcm/equations.py", "hidden_prior",
             ("tests/test_hcm.py::test_hcm_hidden_prior_1m",),
             "docs/hcm.md", key="eq1m"),
    Exercise(12, "HC-M causes, bottom-up", "equation (6m)",
             "(6m) c = c_prev - alpha_h (((tanh(h_post_prev) @ w_pd) * (error_h @ w_fd)) @ w_cd.T)",
             "pc_numpy/hcm/equations.py", "causes_bottom_up",
             ("tests/test_hcm.py::test_hcm_causes_bottom_up_6m",
              "tests/test_hcm.py::test_hcm_causes_bottom_up_is_a_gradient_step"),
             "docs/hcm.md", key="eq6m"),
    Exercise(13, "HC-M BPTT step", "the HC-M BPTT step of docs/hcm.md",
             "(BPTT, 1m) g[t] = (d_error[t] @ w_o) * (1 - a[t]**2) + (1 - k) g[t+1]"
             " + ((((k g[t+1]) @ w_fd) * (c @ w_cd)) @ w_pd.T) * (1 - a[t]**2),  k = 1/tau",
             "pc_numpy/hcm/bptt.py", "step_backward",
             ("tests/test_hcm.py::test_hcm_step_backward_matches_autograd",),
             "docs/hcm.md", key="hcm-bptt-step"),
    Exercise(14, "local rule", "the local rule of docs/model.md §3b",
             "(local) d_w_o = sum_t error[t].T @ tanh(h_prior[t]);  d_b_o = sum_t sum_b error[t];"
             "  d_w_c = sum_t error_h[t].T @ c[t];  d_w_r = sum_{t>=1} error_h[t].T @ tanh(h_post[t-1]);"
             "  d_b_r = sum_t sum_b error_h[t]",
             "pc_numpy/local.py", "local_deltas",
             ("tests/test_local.py::test_output_deltas_are_the_output_error_gradients",
              "tests/test_local.py::test_recurrent_deltas_are_tau_times_the_hidden_error_gradients",
              "tests/test_local.py::test_causes_delta_uses_the_causes_after_the_update"),
             "tutorials/10_local_learning.py", key="local"),
)


class ExerciseError(Exception):
    """A problem the command line reports in one line (exit status 2), never as a traceback."""


class MarkerError(ExerciseError):
    """A marker problem, naming the file and the line."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line = path, line


class Marker(NamedTuple):
    """One marked body: the ``BEGIN`` line and the ``END`` line (1-based) of ``path``."""
    path: str          # relative to the project root, with forward slashes
    function: str      # qualified name of the function it is in
    begin: int
    end: int
    indent: str        # the markers' indentation (the stub's)


# ------------------------------------------------------------------------------ the project
def project_root() -> Path:
    """The project root: the folder that holds the ``pc_numpy`` package imported."""
    return Path(__file__).resolve().parents[2]           # pc_numpy/tools/exercises.py -> the root


def check_project(root: Path, need: Sequence[str] = ("pc_numpy", "tests", "tutorials")) -> Path:
    """``root`` resolved, or an error naming what is missing there."""
    root = Path(root).resolve()
    missing = [name for name in need if not (root / name).is_dir()]
    if missing:
        raise ExerciseError(
            f"{', '.join(n + '/' for n in missing)} not found in {root}: the exercises need the "
            f"whole project (a source checkout with pc_numpy/, tests/ and tutorials/), not only "
            f"the installed package; pass --root DIR")
    return root


def tutorial_path(exercise: Exercise, root: Optional[Path] = None) -> str:
    """The tutorial of an exercise: the registry's file if ``root`` has it, else the one file
    ``tutorials/NN_*.py`` with the same number there, else the registry's name."""
    if root is not None:
        root = Path(root)
        if (root / exercise.tutorial).is_file():
            return exercise.tutorial
        number = Path(exercise.tutorial).name.split("_")[0]
        found = sorted((root / "tutorials").glob(f"{number}_*.py"))
        if len(found) == 1:
            return f"tutorials/{found[0].name}"
    return exercise.tutorial


def exercise_key(ex: Exercise) -> str:
    """The exercise's name: ``ex.key``, or else made from its equation's label (``equation (1m)``
    -> ``eq1m``), or else from its function (``Adam._update`` -> ``adam-update``)."""
    if ex.key:
        return ex.key
    m = re.fullmatch(r"equation \((\w+)\)", ex.ref)
    if m:
        return "eq" + m.group(1)
    return re.sub(r"[^a-z0-9]+", "-", ex.function.lower()).strip("-")


def exercise(which) -> Exercise:
    """The exercise named ``which``: its key (``eq4``) or its number (``3`` or ``"3"``)."""
    text = str(which).strip()
    for ex in EXERCISES:
        if text == exercise_key(ex) or text == str(ex.number):
            return ex
    raise ExerciseError(f"no exercise {which}: the exercises are "
                        f"{', '.join(exercise_key(e) for e in EXERCISES)} (or their numbers "
                        f"1-{len(EXERCISES)})")


def stub_message(ex: Exercise, root: Optional[Path] = None) -> str:
    return f"Exercise {exercise_key(ex)}: {ex.function}, {ex.ref}; see {tutorial_path(ex, root)}"


def grading_command(ex: Exercise) -> str:
    return f"python -m pc_numpy.tools.exercises grade {exercise_key(ex)}"


def pytest_command(ex: Exercise) -> str:
    return "python -m pytest " + " ".join(ex.tests)


# ------------------------------------------------------------------------------ the markers
def _functions(tree: ast.AST) -> List[Tuple[str, int, int]]:
    """``(qualified name, first line, last line)`` of every function in a module."""
    found: List[Tuple[str, int, int]] = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                found.append((name, child.lineno, child.end_lineno))
                visit(child, name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _marker_comments(text: str, rel: str) -> List[Tuple[int, str]]:
    """``(line, "BEGIN" or "END")`` of every marker comment; only real comments alone on their
    line count (a string or docstring that mentions a marker does not)."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.COMMENT or tok.line.strip() != tok.string.strip():
                continue
            comment = tok.string.strip()
            if comment == _BEGIN:
                found.append((tok.start[0], "BEGIN"))
            elif comment == _END:
                found.append((tok.start[0], "END"))
            elif _NEAR_MISS.match(comment):
                raise MarkerError(rel, tok.start[0], f"malformed marker {comment!r}: write exactly "
                                  f"{_BEGIN!r} or {_END!r}")
    except (tokenize.TokenError, SyntaxError) as err:
        line = getattr(err, "lineno", None) or (err.args[1][0] if len(err.args) > 1 else 1)
        raise MarkerError(rel, line, f"cannot read the file as Python: {err.args[0]}") from None
    return found


def markers_in_text(text: str, rel: str) -> List[Marker]:
    """The marked bodies of one file's text (``rel`` names it in errors)."""
    if "SOLUTION" not in text.upper():
        return []
    comments = _marker_comments(text, rel)
    if not comments:
        return []
    lines = text.splitlines()
    pairs = []
    open_line = None
    for line, kind in comments:
        if kind == "BEGIN":
            if open_line is not None:
                raise MarkerError(rel, line, f"nested markers: BEGIN SOLUTION inside the block "
                                  f"opened at line {open_line} (close it with END SOLUTION first)")
            open_line = line
        else:
            if open_line is None:
                raise MarkerError(rel, line, "unmatched END SOLUTION: no BEGIN SOLUTION before it")
            pairs.append((open_line, line))
            open_line = None
    if open_line is not None:
        raise MarkerError(rel, open_line, "unterminated marker: BEGIN SOLUTION without "
                          "END SOLUTION before the end of the file")
    try:
        functions = _functions(ast.parse(text))
    except SyntaxError as err:
        raise MarkerError(rel, err.lineno or 1, f"cannot parse the file: {err.msg}") from None
    markers = []
    for begin, end in pairs:
        indent = re.match(r"[ \t]*", lines[begin - 1]).group(0)
        if re.match(r"[ \t]*", lines[end - 1]).group(0) != indent:
            raise MarkerError(rel, end, f"END SOLUTION is not indented like its BEGIN SOLUTION "
                              f"(line {begin})")
        body = [s for s in lines[begin:end - 1] if s.strip() and not s.strip().startswith("#")]
        if not body:
            raise MarkerError(rel, begin, "empty marked body: nothing between BEGIN SOLUTION and "
                              f"END SOLUTION (line {end})")
        shallow = next((begin + 1 + i for i, s in enumerate(lines[begin:end - 1])
                        if s.strip() and not s.startswith(indent)), None)
        if shallow is not None:
            raise MarkerError(rel, shallow, "a line of the marked body is indented less than "
                              "the markers: the body must be a block at the markers' level")
        inside = [(first, name) for name, first, last in functions if first < begin <= last]
        if not inside:
            raise MarkerError(rel, begin, "marker outside any function: mark a function's body")
        name = max(inside)[1]                                    # the innermost function
        if any(m.function == name for m in markers):
            raise MarkerError(rel, begin, f"a second marked body in {name}: one per function")
        markers.append(Marker(rel, name, begin, end, indent))
    return markers


def stub_text(text: str, markers: Sequence[Marker], messages: Dict[Tuple[str, str], str]) -> str:
    """``text`` with every marked body in ``messages`` (keyed by ``(path, function)``) replaced
    by ``raise NotImplementedError(message)``; the markers of the others are removed, their
    bodies kept.  Line endings and every other byte are kept."""
    lines = text.splitlines(keepends=True)
    for m in sorted(markers, key=lambda m: m.begin, reverse=True):
        newline = lines[m.begin - 1][len(lines[m.begin - 1].rstrip("\r\n")):] or "\n"
        message = messages.get((m.path, m.function))
        if message is None:                                     # keep the solution, drop markers
            lines[m.begin - 1:m.end] = lines[m.begin:m.end - 1]
        else:
            literal = '"' + message.replace("\\", "\\\\").replace('"', '\\"') + '"'
            lines[m.begin - 1:m.end] = [f"{m.indent}raise NotImplementedError({literal}){newline}"]
    out = "".join(lines)
    try:
        compile(out, markers[0].path if markers else "<text>", "exec", dont_inherit=True)
    except SyntaxError as err:
        path = markers[0].path if markers else "<text>"
        raise MarkerError(path, err.lineno or 1, "replacing the marked bodies leaves invalid "
                          f"Python ({err.msg}): a marked body must be a whole block") from None
    return out


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def source_files(root: Path) -> List[Path]:
    """Every ``.py`` file of the package folders, sorted, caches left out."""
    files = []
    for name in PACKAGE_DIRS:
        base = Path(root) / name
        if base.is_dir():
            files += [p for p in base.rglob("*.py")
                      if not any(part in ("__pycache__", ".ipynb_checkpoints") for part in p.parts)]
    return sorted(files)


def find_markers(root: Optional[Path] = None) -> List[Marker]:
    """Every marked body under ``root`` (the project root by default), checked: each must be
    whole, and replacing it by a stub must leave valid Python."""
    root = Path(root or project_root()).resolve()
    markers = []
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        text = _read(path)
        found = markers_in_text(text, rel)
        if found:
            stub_text(text, found, {(m.path, m.function): "stub" for m in found})
        markers += found
    return markers


def check_registry(markers: Sequence[Marker]) -> Dict[int, Marker]:
    """``{exercise number: its marker}``; an error unless registry and markers match one to one."""
    by_key = {(m.path, m.function): m for m in markers}
    problems = []
    for ex in EXERCISES:
        if (ex.module, ex.function) not in by_key:
            problems.append(f"exercise {ex.number} ({ex.module}: {ex.function}) has no marked body")
    registered = {(ex.module, ex.function) for ex in EXERCISES}
    for m in markers:
        if (m.path, m.function) not in registered:
            problems.append(f"{m.path}:{m.begin}: the marked body of {m.function} is not in "
                            f"pc_numpy.tools.exercises.EXERCISES")
    numbers = [ex.number for ex in EXERCISES]
    if len(set(numbers)) != len(numbers):
        problems.append(f"exercise numbers repeat: {numbers}")
    keys = [exercise_key(ex) for ex in EXERCISES]
    if len(set(keys)) != len(keys):
        problems.append(f"exercise names repeat: {keys}")
    bad = [k for k in keys if not re.fullmatch(r"[a-z][a-z0-9-]*", k) or k.isdigit() or k == "all"]
    if bad:
        problems.append(f"exercise names must be lower-case words with '-' (not 'all'): {bad}")
    if problems:
        raise ExerciseError("the exercise registry does not match the markers:\n  "
                            + "\n  ".join(problems))
    return {ex.number: by_key[(ex.module, ex.function)] for ex in EXERCISES}


# ------------------------------------------------------------------------------ build
def is_student_copy(root: Path) -> bool:
    """True for a copy made by ``build`` (its ``EXERCISES.md`` starts with the stamp)."""
    sheet = Path(root) / "EXERCISES.md"
    try:
        with open(sheet, encoding="utf-8") as f:
            return f.readline().strip() == STUDENT_COPY_STAMP
    except OSError:
        return False


def _copy_readme(root: Path, stubbed: Sequence[Exercise]) -> str:
    done = [ex for ex in EXERCISES if ex not in stubbed]
    lines = [STUDENT_COPY_STAMP, "", "# Exercises", "",
             f"This copy of the project has {len(stubbed)} function bodies to write: each raises "
             "`NotImplementedError` until you replace it by the equation it names. The sheet, "
             f"with the equations, shapes and hints, is [{SHEET}]({SHEET}).", "",
             "    python -m pc_numpy.tools.exercises list       # what to do, where, and how it is checked",
             "    python -m pc_numpy.tools.exercises grade eq4  # run one exercise's tests (a name below)",
             "    python -m pc_numpy.tools.exercises grade all  # one verdict per exercise",
             "    python -m pytest                        # the whole test suite", "",
             "```", format_table(root), "```", ""]
    if done:
        lines += ["Given (not stubbed in this copy): "
                  + ", ".join(f"{exercise_key(ex)} ({ex.function})" for ex in done) + ".", ""]
    return "\n".join(lines)


def build(dst, *, root: Optional[Path] = None, only: Optional[Iterable[int]] = None) -> Path:
    """Write a student copy of the project to ``dst`` (which must not exist, or be empty).

    ``only``: the exercises to stub, by name or number (default: all; ``[]``: none, the markers
    are still removed).  The copy is written in a temporary folder next to ``dst`` and renamed into
    place, so ``dst`` is either complete or absent.  Returns ``dst``.
    """
    root = check_project(Path(root or project_root()))
    by_number = check_registry(find_markers(root))
    stubbed = list(EXERCISES) if only is None else sorted({exercise(n) for n in only},
                                                         key=lambda e: e.number)
    dst = Path(dst).absolute()
    if dst.exists() and (not dst.is_dir() or any(dst.iterdir())):
        raise ExerciseError(f"{dst} exists and is not an empty folder: choose a new one")
    for name in PACKAGE_DIRS:
        if dst == root or (root / name).resolve() in (dst.resolve(), *dst.resolve().parents):
            raise ExerciseError(f"{dst} is inside the project's {name}/: choose a folder outside it")
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.tmp-", dir=dst.parent))
    try:
        for name in PACKAGE_DIRS + EXTRA_DIRS:
            if (root / name).is_dir():
                shutil.copytree(root / name, tmp / name, ignore=shutil.ignore_patterns(*IGNORED))
        for name in TOP_FILES:
            if (root / name).is_file():
                shutil.copy2(root / name, tmp / name)
        messages = {(ex.module, ex.function): stub_message(ex, root) for ex in stubbed}
        per_file: Dict[str, List[Marker]] = {}
        for m in by_number.values():
            per_file.setdefault(m.path, []).append(m)
        for rel, markers in per_file.items():
            text = stub_text(_read(root / rel), markers, messages)
            with open(tmp / rel, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        with open(tmp / "EXERCISES.md", "w", encoding="utf-8") as f:
            f.write(_copy_readme(root, stubbed))
        if dst.exists():
            dst.rmdir()                                         # empty (checked above)
        os.rename(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dst


# ------------------------------------------------------------------------------ list and grade
WIDTH = 100          # ``list`` and ``grade`` print lines of at most this many characters


def format_table(root: Optional[Path] = None) -> str:
    """Every exercise in a few lines of at most ``WIDTH`` characters: its name (after its
    equation), number, function and file, tutorial; the equation; the tests behind ``grade``."""
    import textwrap

    out = ["NAME         #   FUNCTION (FILE)                              TUTORIAL", ""]
    for ex in EXERCISES:
        where = f"{ex.function} ({ex.module})"
        out.append(f"{exercise_key(ex):<12} {ex.number:<3} {where:<44} {tutorial_path(ex, root)}"
                   .rstrip())
        out += textwrap.wrap(ex.equation, WIDTH, initial_indent="    ",
                             subsequent_indent="        ", break_on_hyphens=False)
        out += textwrap.wrap("tests: " + " ".join(ex.tests), WIDTH, initial_indent="    ",
                             subsequent_indent="           ", break_long_words=False)
    out += ["", "Check one:  python -m pc_numpy.tools.exercises grade NAME   (or its number: grade 3)",
            "Check all:  python -m pc_numpy.tools.exercises grade all"]
    return "\n".join(out)


def _pytest_env(root: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH")) if p)
    return env


def _short(text: str, lines: int = 3, indent: str = "   ") -> str:
    """``text`` after ``indent`` on at most ``lines`` lines of at most ``WIDTH`` characters
    (continued lines indented four more, the rest cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(" ".join(str(text).split()), WIDTH, max_lines=lines,
                                   initial_indent=indent, subsequent_indent=indent + "    ",
                                   placeholder=" ..."))


def _run_graded(ex: Exercise, root: Path, pytest_args: Sequence[str]):
    """Run ex's grading tests; ``(pytest exit status, its output, [one dict per test])``; the
    dicts are written by ``tests/_exercise_hook.py`` (see ``GRADE_REPORT_ENV``)."""
    import json

    fd, report = tempfile.mkstemp(prefix="pc-grade-", suffix=".jsonl")
    os.close(fd)
    try:
        env = _pytest_env(root)
        env[GRADE_REPORT_ENV] = report
        cmd = [sys.executable, "-m", "pytest", "-q", "--no-header", "-p", "no:cacheprovider",
               *ex.tests, *pytest_args]
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
        with open(report, encoding="utf-8") as f:
            results = [json.loads(line) for line in f if line.strip()]
    finally:
        os.unlink(report)
    return done.returncode, done.stdout + done.stderr, results


# The hook writes one JSON line per grading test to the file this variable names.
GRADE_REPORT_ENV = "PC_GRADE_REPORT"


def _result_lines(result: dict) -> List[str]:
    name = result["test"].split("::")[-1]
    if result["outcome"] == "passed":
        worst = result.get("worst")
        if worst:
            return [_short(f"{name}: passed: worst relative error {worst['rel']:.1e} "
                           f"(tolerance {worst['rtol']:.0e}, {worst['variable']}"
                           f"{', ' + str(result.get('checks')) + ' comparisons' if result.get('checks') else ''})")]
        return [f"{name}: passed"]
    if result.get("not_done"):
        return [_short(f"{name}: not done yet, the stub still raises NotImplementedError")]
    lines = [_short(f"{name} FAILED: {result.get('message', '')}")]
    if result.get("example"):
        lines.append(_short(f"smallest failing example: {result['example']}", 2, "     "))
    return lines


def grade(which, *, root: Optional[Path] = None, pytest_args: Sequence[str] = (),
          quiet: bool = False) -> int:
    """Run one exercise's grading tests (pytest, a subprocess, in ``root``) and print a few lines:
    per test its verdict with the relative error and the tolerance (on a failure: the variable,
    the time step, the smallest failing example), then a verdict.  ``quiet``: the verdict only.
    Returns pytest's exit status (0: every grading test passes)."""
    root = check_project(Path(root or project_root()), need=("pc_numpy", "tests"))
    ex = exercise(which)
    key = exercise_key(ex)
    rc, output, results = _run_graded(ex, root, pytest_args)
    if not quiet:
        print(_short(f"== {key} (exercise {ex.number}): {ex.function} in {ex.module}, {ex.ref}",
                     2, ""), flush=True)
        for result in results:
            for line in _result_lines(result):
                print(line)
    failed = [r for r in results if r["outcome"] != "passed"]
    if rc == 0:
        verdict = f"PASSED: {len(results)} of {len(results)} grading tests"
    elif rc == 1 and results:
        verdict = (f"NOT YET: {len(failed)} of {len(results)} grading tests fail; read "
                   f"{tutorial_path(ex, root)}")
    else:
        verdict = f"ERROR: pytest exited with status {rc} (tests not run as asked)"
        tail = [line for line in output.splitlines() if line.strip()][-15:]
        print("\n".join("   | " + line for line in tail))
    print(_short(f"== {key} {verdict}", 2, ""), flush=True)
    if rc == 1 and not quiet:
        print(_short(f"hints: {SHEET}; full report: python -m pytest {' '.join(ex.tests)}"))
    return rc


def grade_all(*, root: Optional[Path] = None, pytest_args: Sequence[str] = ()) -> int:
    """Every exercise in turn, one line each.  0 if all pass."""
    root = check_project(Path(root or project_root()), need=("pc_numpy", "tests"))
    codes = []
    for ex in EXERCISES:
        rc, output, results = _run_graded(ex, root, pytest_args)
        codes.append(rc)
        if rc == 0:
            worst = max((r["worst"] for r in results if r.get("worst")),
                        key=lambda w: w["rel"] / w["rtol"], default=None)
            word = "passed" + (f", worst relative error {worst['rel']:.1e} (tolerance "
                               f"{worst['rtol']:.0e})" if worst else "")
        elif rc == 1 and results:
            word = ("not done yet" if all(r.get("not_done") for r in results if r["outcome"] != "passed")
                    else f"not yet: {sum(r['outcome'] != 'passed' for r in results)} of "
                         f"{len(results)} tests fail")
        else:
            word = f"error (pytest status {rc})"
        print(f"  {exercise_key(ex):<12} {ex.number:>2}  {ex.function:<18} {word}"[:WIDTH], flush=True)
    return 0 if all(rc == 0 for rc in codes) else 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pc_numpy.tools.exercises",
        description="Coursework: exercises made from the solution code, graded by the property "
                    "tests (sheet: tutorials/EXERCISES.md).")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="every exercise: equation, function, grading command, tutorial")
    p_list.add_argument("--root", type=Path, help="project root (default: the one of this pc_numpy)")
    p_build = sub.add_parser("build", help="write a student copy of the project to DIR")
    p_build.add_argument("dir", type=Path, help="a new (or empty) folder")
    p_build.add_argument("--only", nargs="+", metavar="NAME",
                         help="stub only these exercises, by name or number (default: all)")
    p_build.add_argument("--root", type=Path, help="project to copy (default: the one of this pc_numpy)")
    p_grade = sub.add_parser("grade", help="run an exercise's grading tests (NAME, number, or 'all')",
                             description="Run an exercise's grading tests with pytest; arguments "
                                         "after -- go to pytest. Exit status: pytest's.")
    p_grade.add_argument("number", metavar="NAME", help="the exercise's name (eq4) or number (3), or 'all'")
    p_grade.add_argument("--root", type=Path, help="project root (default: the one of this pc_numpy)")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: List[str] = []
    if "--" in argv:                                    # grade N -- PYTEST_ARGS
        argv, extra = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    args = parser.parse_args(argv)
    if extra and args.command != "grade":
        parser.error("arguments after -- are for 'grade' only")
    try:
        if args.command == "list":
            print(format_table(args.root or project_root()))
            return 0
        if args.command == "build":
            dst = build(args.dir, root=args.root, only=args.only)
            stubbed = [exercise_key(ex) for ex in EXERCISES] if args.only is None else \
                [exercise_key(exercise(n)) for n in args.only]
            print(f"student copy written to {dst}: {len(stubbed)} exercises stubbed "
                  f"({', '.join(stubbed)}); start with {dst / 'EXERCISES.md'}")
            return 0
        if args.number == "all":
            return grade_all(root=args.root, pytest_args=extra)
        return grade(args.number, root=args.root, pytest_args=extra)
    except ExerciseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
