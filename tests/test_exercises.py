"""The coursework machinery (``pc_numpy.tools.exercises``): registry, student copies, grading.

(a) the registry and the markers in the source match one to one;
(b) ``build`` writes a student copy that imports and has a stub per exercise;
(c) everything outside the marked bodies is copied byte for byte (checked by putting the bodies
    back, with a scanner written here, independent of the module's);
(d) for each exercise N, in a copy with only N stubbed, N's grading tests fail (with the
    "Exercise N not done yet" line) and every other exercise's grading tests still pass (the
    grading tests isolate their exercise); in a copy with nothing stubbed, all pass;
(e) in the full student copy ``python -m pytest -q`` reports failures (exit 1), not collection
    errors (exit 2), at least one per exercise;
(f) malformed markers, a non-empty target folder: an error naming file and line, exit 2;
(g) ``list`` prints every exercise; ``grade N`` runs its tests and says so.

Every copy is built once, from a snapshot of the project taken at the start (so that edits made
to the working tree while the tests run cannot make them flaky).  The pytest runs in copies are
subprocesses with the ``dev`` hypothesis profile, run two at a time.  This module is skipped in
a student copy (it checks the solution's markers).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pc_numpy.tools import exercises as ex

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(ex.is_student_copy(ROOT),
                                reason="a student copy: the exercise machinery is checked on the solution")

BEGIN, END = "# BEGIN" + " SOLUTION", "# END" + " SOLUTION"
STUB = re.compile(r'^([ \t]*)raise NotImplementedError\("Exercise ([\w-]+): ([\w.]+), [^"]*"\)(\r?\n)?$')
NUMBERS = [e.number for e in ex.EXERCISES]
KEY = {e.number: ex.exercise_key(e) for e in ex.EXERCISES}
TIMEOUT_S = 300


def _env(copy: Path) -> dict:
    env = dict(os.environ, HYPOTHESIS_PROFILE="dev", PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _run(args, cwd: Path, timeout: int = TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, env=_env(cwd), capture_output=True,
                          text=True, timeout=timeout)


def _pytest(copy: Path, *args) -> subprocess.CompletedProcess:
    return _run(["-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *args], copy)


def _outcomes(done: subprocess.CompletedProcess) -> dict:
    """``{node id: "PASSED" | "FAILED" | "ERROR"}`` from the ``-rA`` short summary."""
    found = {}
    for line in done.stdout.splitlines():
        m = re.match(r"(PASSED|FAILED|ERROR) (\S+)", line)
        if m:
            found[m.group(2)] = m.group(1)
    return found


def _all_grading_tests():
    return [t for e in ex.EXERCISES for t in e.tests]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def snapshot(tmp_path_factory) -> Path:
    """The project's files as they are now (what ``build`` copies)."""
    snap = tmp_path_factory.mktemp("snapshot") / "project"
    snap.mkdir()
    for name in ex.PACKAGE_DIRS + ex.EXTRA_DIRS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, snap / name, ignore=shutil.ignore_patterns(*ex.IGNORED))
    for name in ex.TOP_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, snap / name)
    return snap


@pytest.fixture(scope="module")
def full_copy(snapshot, tmp_path_factory) -> Path:
    return ex.build(tmp_path_factory.mktemp("full") / "student", root=snapshot)


@pytest.fixture(scope="module")
def runs(snapshot, full_copy, tmp_path_factory):
    """Every pytest subprocess of (d) and (e), run two at a time:

    - key N (an exercise number): a copy with only N stubbed, every grading test run there;
    - key 0: the same in a copy with nothing stubbed;
    - key "full": ``python -m pytest -q`` in the full student copy (less the notebook runs).
    """
    base = tmp_path_factory.mktemp("only")
    copies = {n: ex.build(base / f"only_{n}", root=snapshot, only=[n] if n else [])
              for n in [0] + NUMBERS}
    tests = _all_grading_tests()
    with ThreadPoolExecutor(max_workers=2) as pool:
        # the tutorials as notebooks are left out: in a stubbed copy they stop at the first stub
        # (a kernel start each, for nothing this test counts); (h) runs one in a solved copy
        futures = {"full": pool.submit(_run, ["-m", "pytest", "-q", "-p", "no:cacheprovider",
                                              "-k", "not runs_as_a_notebook"], full_copy,
                                       2 * TIMEOUT_S)}
        futures.update({n: pool.submit(_pytest, copy, *tests) for n, copy in copies.items()})
        return {key: f.result() for key, f in futures.items()}


# ----------------------------------------------------------------------------- (a)
def test_registry_matches_markers():
    markers = ex.find_markers(ROOT)
    by_number = ex.check_registry(markers)          # raises, listing every mismatch
    assert len(markers) == len(ex.EXERCISES) >= 8
    assert {(m.path, m.function) for m in markers} == {(e.module, e.function) for e in ex.EXERCISES}
    for e in ex.EXERCISES:
        m = by_number[e.number]
        lines = (ROOT / m.path).read_text(encoding="utf-8").splitlines()
        assert lines[m.begin - 1].strip() == BEGIN and lines[m.end - 1].strip() == END
    assert NUMBERS == list(range(1, len(NUMBERS) + 1)), "exercises are numbered 1, 2, 3, ..."


def test_registry_entries_are_complete():
    """Every grading test exists; every tutorial exists; equations given as text."""
    for e in ex.EXERCISES:
        assert e.tests, f"exercise {e.number} has no grading tests"
        for node in e.tests:
            path, _, name = node.partition("::")
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {re.escape(name)}\(", source, re.M), \
                f"exercise {e.number}: grading test {node} not found"
        assert (ROOT / ex.tutorial_path(e, ROOT)).is_file(), \
            f"exercise {e.number}: tutorial {ex.tutorial_path(e, ROOT)} not found"
        assert e.equation.startswith("(") and "=" in e.equation


def test_marker_text_in_strings_and_docstrings_is_not_a_marker():
    text = f'"""\n    {BEGIN}\n"""\nX = "{END}"\n\ndef f():\n    {BEGIN}\n    return 1\n    {END}\n'
    assert [(m.function, m.begin, m.end) for m in ex.markers_in_text(text, "t.py")] == [("f", 7, 9)]


# ----------------------------------------------------------------------------- (b)
def test_student_copy_imports_and_has_the_stubs(full_copy):
    stubs = {}
    for path in sorted(full_copy.rglob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            m = STUB.match(line)
            if m:
                stubs[m.group(2)] = (path.relative_to(full_copy).as_posix(), m.group(3))
    assert len(stubs) >= 8
    assert stubs == {KEY[e.number]: (e.module, e.function) for e in ex.EXERCISES}
    for path in full_copy.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert BEGIN not in text.splitlines() and "SOLUTION" not in "".join(
            s for s in text.splitlines() if s.strip() in (BEGIN, END)), f"marker left in {path}"
    done = _run(["-c", "import pc_numpy, pc_torch; print(pc_numpy.__file__)"], full_copy, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve().parent == (full_copy / "pc_numpy").resolve()
    assert ex.is_student_copy(full_copy)
    for name in ("setup.cfg", "pyproject.toml", "EXERCISES.md", "tutorials/EXERCISES.md"):
        assert (full_copy / name).is_file(), f"{name} missing from the student copy"
    assert not [p for p in full_copy.parent.iterdir() if p.name != full_copy.name], \
        "build left a temporary folder next to the copy"


# ----------------------------------------------------------------------------- (c)
def _solution_blocks(text: str):
    """The marked blocks of a solution file (BEGIN..END lines, inclusive), in order."""
    lines = text.splitlines(keepends=True)
    blocks, start = [], None
    for i, line in enumerate(lines):
        if line.strip() == BEGIN:
            start = i
        elif line.strip() == END and start is not None:
            blocks.append("".join(lines[start:i + 1]))
            start = None
    return blocks


def test_everything_outside_the_markers_is_identical(snapshot, full_copy):
    ignored = {"__pycache__"}
    src = {p.relative_to(snapshot) for p in snapshot.rglob("*") if p.is_file()
           and not ignored & set(p.parts)}
    dst = {p.relative_to(full_copy) for p in full_copy.rglob("*") if p.is_file()
           and not ignored & set(p.parts)}
    assert dst - src == {Path("EXERCISES.md")}, f"extra files in the copy: {dst - src}"
    assert src == dst - {Path("EXERCISES.md")}, f"files not copied: {src - dst}"
    changed = 0
    for rel in sorted(src):
        want = (snapshot / rel).read_bytes()
        got = (full_copy / rel).read_bytes()
        if got == want:
            assert BEGIN.encode() not in want or rel.suffix != ".py" or not _solution_blocks(
                want.decode("utf-8")), f"{rel}: marked bodies were not replaced"
            continue
        changed += 1
        blocks = iter(_solution_blocks(want.decode("utf-8")))
        rebuilt = []
        for line in got.decode("utf-8").splitlines(keepends=True):
            rebuilt.append(next(blocks) if STUB.match(line) else line)
        assert "".join(rebuilt).encode("utf-8") == want, \
            f"{rel}: the copy differs from the solution outside the marked bodies"
        assert next(blocks, None) is None, f"{rel}: a marked body has no stub"
    assert changed == len({e.module for e in ex.EXERCISES})


def test_only_none_removes_the_markers_and_keeps_every_body(snapshot, tmp_path):
    copy = ex.build(tmp_path / "solution", root=snapshot, only=[])
    for module in {e.module for e in ex.EXERCISES}:
        want = [s for s in (snapshot / module).read_text(encoding="utf-8").splitlines(keepends=True)
                if s.strip() not in (BEGIN, END)]
        assert (copy / module).read_text(encoding="utf-8").splitlines(keepends=True) == want


# ----------------------------------------------------------------------------- (d)
def test_grading_tests_pass_with_nothing_stubbed(runs):
    done = runs[0]
    outcomes = _outcomes(done)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    for test in _all_grading_tests():
        assert outcomes.get(test) == "PASSED", f"{test}: {outcomes.get(test)}\n{done.stdout[-3000:]}"


@pytest.mark.parametrize("number", NUMBERS)
def test_only_exercise_n_stubbed_fails_its_grading_tests_alone(runs, number):
    done = runs[number]
    e = ex.exercise(number)
    outcomes = _outcomes(done)
    assert done.returncode == 1, f"pytest exit {done.returncode}\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    for test in e.tests:
        assert outcomes.get(test) == "FAILED", f"{test} should fail with exercise {number} stubbed"
    assert f"Exercise {KEY[number]} not done yet: implement {e.function}" in done.stdout
    for other in ex.EXERCISES:
        if other.number == number:
            continue
        for test in other.tests:
            assert outcomes.get(test) == "PASSED", (
                f"{test} (grading exercise {other.number}) does not pass with only exercise "
                f"{number} stubbed: it is not isolated from {e.function}")


# ----------------------------------------------------------------------------- (e)
def test_full_student_copy_fails_tests_not_collection(runs):
    """Exit 1 (tests failed), not 2 (collection errors): the stubs raise when called, never at
    import.  (Fixtures that call a stub give errors at setup: those are fine.)"""
    done = runs["full"]
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 1, f"expected test failures (exit 1), got exit {done.returncode}\n{tail}"
    assert "during collection" not in done.stdout, tail
    failed = int(re.search(r"(\d+) failed", done.stdout).group(1))
    assert failed >= max(8, len(ex.EXERCISES)), tail
    for e in ex.EXERCISES:
        assert f"Exercise {KEY[e.number]} not done yet: implement {e.function}" in done.stdout, \
            f"no 'not done yet' line for exercise {KEY[e.number]}"


# ----------------------------------------------------------------------------- (f)
def _fake_project(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "project"
    for name in ("pc_numpy", "tests", "tutorials"):
        (root / name).mkdir(parents=True)
    (root / "pc_numpy" / "bad.py").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("text, line, words", [
    (f"def f():\n    {BEGIN}\n    return 1\n", 2, "unterminated"),
    (f"def f():\n    {BEGIN}\n    x = 1\n    {BEGIN}\n    return x\n    {END}\n", 4, "nested"),
    (f"def f():\n    return 1\n    {END}\n", 3, "unmatched"),
    (f"{BEGIN}\nX = 1\n{END}\n", 1, "outside any function"),
    (f"def f():\n    {BEGIN}\n    {END}\n    return 1\n", 2, "empty"),
    ("def f():\n    # begin solution\n    return 1\n", 2, "malformed"),
    (f"def f():\n    if True:\n        {BEGIN}\n        x = 1\n    {END}\n    return 1\n", 5, "indented"),
], ids=["unterminated", "nested", "unmatched", "outside", "empty", "malformed", "indentation"])
def test_bad_markers_name_file_and_line(tmp_path, text, line, words):
    root = _fake_project(tmp_path, text)
    with pytest.raises(ex.MarkerError) as info:
        ex.find_markers(root)
    assert (info.value.path, info.value.line) == ("pc_numpy/bad.py", line)
    assert words in str(info.value)
    assert str(info.value).startswith(f"pc_numpy/bad.py:{line}: ")


def test_bad_markers_on_the_command_line_exit_2_without_traceback(tmp_path):
    root = _fake_project(tmp_path, f"def f():\n    x = 1\n    {BEGIN}\n    return x\n")
    done = _run(["-m", "pc_numpy.tools.exercises", "build", str(tmp_path / "out"), "--root", str(root)],
                ROOT, timeout=60)
    assert done.returncode == 2
    assert "pc_numpy/bad.py:3:" in done.stderr and "unterminated" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["project"], "a temporary folder was left behind"


def test_build_refuses_a_non_empty_folder(snapshot, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ex.ExerciseError, match="not an empty folder"):
        ex.build(target, root=snapshot)
    done = _run(["-m", "pc_numpy.tools.exercises", "build", str(target), "--root", str(snapshot)],
                ROOT, timeout=60)
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def test_missing_tests_folder_is_named(tmp_path):
    (tmp_path / "pc_numpy").mkdir()
    with pytest.raises(ex.ExerciseError, match=r"tests/, tutorials/ not found"):
        ex.build(tmp_path / "out", root=tmp_path)


# ----------------------------------------------------------------------------- (g)
def test_exercise_names_follow_the_equations():
    names = [ex.exercise_key(e) for e in ex.EXERCISES]
    assert len(set(names)) == len(names)
    for e in ex.EXERCISES:
        label = re.fullmatch(r"equation \((\w+)\)(, .*)?", e.ref)
        if label:                      # an equation's exercise is named after its number
            assert ex.exercise_key(e).startswith("eq" + label.group(1)), (e.ref, ex.exercise_key(e))
        assert ex.exercise(ex.exercise_key(e)) is e and ex.exercise(e.number) is e \
            and ex.exercise(str(e.number)) is e
    assert [ex.exercise_key(ex.exercise(n)) for n in (1, 3, 5, 8)] == ["eq1", "eq4", "eq8-softmax",
                                                                      "bptt-step"]
    derived = ex.Exercise(99, "t", "equation (1m)", "(1m) x", "m.py", "f", ("t",), "t.py")
    assert ex.exercise_key(derived) == "eq1m"
    with pytest.raises(ex.ExerciseError, match="no exercise eq99"):
        ex.exercise("eq99")


def test_list_prints_every_exercise_in_100_columns():
    done = _run(["-m", "pc_numpy.tools.exercises", "list"], ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    too_wide = [line for line in lines if len(line) > 100]
    assert not too_wide, f"lines over 100 columns: {too_wide}"
    for e in ex.EXERCISES:
        row = next((line for line in lines if line.split()[:2] == [KEY[e.number], str(e.number)]), None)
        assert row is not None, f"exercise {KEY[e.number]} not listed"
        for cell in (e.function, e.module, ex.tutorial_path(e, ROOT)):
            assert cell in row, f"exercise {KEY[e.number]}: {cell!r} not in {row!r}"
        assert " ".join(e.equation.split()) in " ".join(done.stdout.split())
        for test in e.tests:
            assert test in done.stdout


def _grade(copy: Path, *args, timeout: int = TIMEOUT_S):
    return _run(["-m", "pc_numpy.tools.exercises", "grade", *args, "--", "-p", "no:cacheprovider"],
                copy, timeout=timeout)


def test_grade_runs_the_grading_tests(full_copy):
    done = _grade(full_copy, "eq2")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "test_prediction_2: not done yet" in done.stdout
    assert "== eq2 NOT YET: 1 of 1 grading tests fail" in done.stdout
    assert len(done.stdout.splitlines()) <= 5, done.stdout
    same = _grade(full_copy, "2")                                   # the number works too
    assert same.returncode == 1 and "== eq2 NOT YET" in same.stdout
    done = _run(["-m", "pc_numpy.tools.exercises", "grade", "99"], full_copy, timeout=60)
    assert done.returncode == 2 and "no exercise 99" in done.stderr


def test_grade_reports_a_wrong_body_and_a_pass_in_a_few_lines(snapshot, tmp_path):
    """A wrong sign in (6): grade names the variable, the relative error against the tolerance
    and the smallest failing example, in a few lines of at most 100 columns; a pass (eq1, given
    in this copy) states the worst relative error and the tolerance."""
    copy = ex.build(tmp_path / "wrong", root=snapshot, only=["eq6"])
    module = copy / "pc_numpy" / "inference.py"
    text = module.read_text(encoding="utf-8")
    stub = next(line for line in text.splitlines() if "Exercise eq6" in line)
    indent = stub[:len(stub) - len(stub.lstrip())]
    module.write_text(text.replace(stub, f"{indent}return c_prev + alpha_h * (error_h @ params.w_c)"),
                      encoding="utf-8")
    with ThreadPoolExecutor(max_workers=2) as pool:
        wrong, right = pool.map(lambda name: _grade(copy, name), ["eq6", "eq1"])
    assert wrong.returncode == 1, wrong.stdout[-3000:] + wrong.stderr[-2000:]
    out = wrong.stdout
    assert "test_causes_bottom_up_6 FAILED: c (after (6)): relative error" in out, out
    assert "> rtol 1.0e-10" in out and "smallest failing example: k=namespace(d=Dims(" in out, out
    assert "== eq6 NOT YET: 1 of 1 grading tests fail" in out
    assert len(out.splitlines()) <= 10 and max(map(len, out.splitlines())) <= 100, out
    assert right.returncode == 0, right.stdout[-3000:]
    line = next(line for line in right.stdout.splitlines() if "test_hidden_prior_1" in line)
    m = re.search(r"passed: worst relative error (\S+) \(tolerance 1e-10, h_prior", line)
    assert m and float(m.group(1)) <= 1e-10, right.stdout
    assert "== eq1 PASSED: 1 of 1 grading tests" in right.stdout
    assert len(right.stdout.splitlines()) <= 4, right.stdout


# ----------------------------------------------------------------------------- (h)
# Where a student copy must not show a solution: everything a student reads but the marked
# modules (pc_torch is the reference and stays, as a compiled library would in a course).
NO_SOLUTION_IN = ("tutorials", "tests", "docs", "README.md", "EXERCISES.md")
TEXT_SUFFIXES = {".py", ".md", ".txt", ".cfg", ".toml", ".rst", ".ipynb", ""}
MIN_FRAGMENT = 12      # characters (spaces removed): "k=1.0/tau" (9) is arithmetic, not a solution


def _code(line: str) -> str:
    """A line of code without its comment and without any white space."""
    return re.sub(r"\s+", "", line.split("#", 1)[0])


def _solution_fragments(root: Path):
    """``{fragment: exercise}``: every line of every marked body, and the right-hand side of each
    (after ``return`` or the first ``=``), as code without spaces, when at least MIN_FRAGMENT long."""
    found = {}
    by_number = ex.check_registry(ex.find_markers(root))
    for number, m in by_number.items():
        lines = (root / m.path).read_text(encoding="utf-8").splitlines()[m.begin:m.end - 1]
        for line in lines:
            code = _code(line)
            rhs = re.sub(r"^return", "", code) if code.startswith("return") else \
                (code.split("=", 1)[1] if re.match(r"^[\w.\[\], ]+=[^=]", code) else code)
            for fragment in {code, rhs}:
                if len(fragment) >= MIN_FRAGMENT:
                    found[fragment] = KEY[number]
    return found


def _put_solutions_back(snapshot: Path, copy: Path) -> None:
    for module in {e.module for e in ex.EXERCISES}:
        blocks = iter(_solution_blocks((snapshot / module).read_text(encoding="utf-8")))
        lines = (copy / module).read_text(encoding="utf-8").splitlines(keepends=True)
        (copy / module).write_text("".join(next(blocks) if STUB.match(line) else line
                                           for line in lines), encoding="utf-8")


def test_student_copy_holds_no_solution_and_solved_passes(snapshot, full_copy, tmp_path):
    """(h) No line of any solution body, nor its right-hand side, appears in the copy's tutorials,
    tests or docs; a tutorial run in the stubbed copy uses the copy's pc_numpy (it stops at the
    first stub even with the solution on PYTHONPATH); with the solutions put back the copy passes
    a representative part of its own suite, a tutorial run as a notebook among it."""
    fragments = _solution_fragments(snapshot)
    assert len(fragments) >= len(ex.EXERCISES), fragments
    leaks = []
    for name in NO_SOLUTION_IN:
        base = full_copy / name
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file()) \
            if base.is_dir() else []
        for path in files:
            if path.suffix not in TEXT_SUFFIXES:
                continue
            for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = _code(line) if path.suffix == ".py" else re.sub(r"\s+", "", line)
                leaks += [f"{path.relative_to(full_copy)}:{no}: {line.strip()}  (solution of "
                          f"{key})" for fragment, key in fragments.items() if fragment in code]
    assert not leaks, "solution lines in the student copy:\n" + "\n".join(leaks)

    # the tutorials import the copy's pc_numpy, even when another one comes first on the path
    env = dict(_env(full_copy), PC_FAST="1", MPLBACKEND="Agg", PC_FIGURES=str(tmp_path / "figs"),
               PYTHONPATH=str(snapshot))
    done = subprocess.run([sys.executable, "01_generative_model.py"], cwd=full_copy / "tutorials",
                          env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    assert f"using pc_numpy from {(full_copy / 'pc_numpy').resolve()}" in done.stdout, done.stdout
    assert done.returncode != 0 and "NotImplementedError: Exercise eq1: hidden_prior" in done.stderr, \
        done.stderr[-2000:]

    solved = tmp_path / "solved"
    shutil.copytree(full_copy, solved)
    _put_solutions_back(snapshot, solved)
    assert not [p for p in solved.rglob("*.py") if any(STUB.match(s) for s in
                                                       p.read_text(encoding="utf-8").splitlines())]
    assert ex.is_student_copy(solved)
    done = _pytest(solved, "tests/test_readme.py", "tests/test_equations.py",
                   "tests/test_exercise_units.py", "tests/test_adam.py", "tests/test_exercises.py",
                   "tests/test_tutorials.py::test_tutorial_runs_as_a_notebook[01_generative_model]")
    outcomes = _outcomes(done)
    tail = done.stdout[-3000:] + done.stderr[-2000:]
    assert done.returncode == 0, tail
    assert outcomes.get("tests/test_tutorials.py::test_tutorial_runs_as_a_notebook"
                        "[01_generative_model]") == "PASSED", tail
    assert all(outcomes.get(t) == "PASSED" for t in ("tests/test_readme.py::test_ci_runs_exactly_the"
                                                     "_readme_test_command",)), tail
    assert re.search(r"\d+ skipped", done.stdout), "test_exercises.py is skipped in a copy"
