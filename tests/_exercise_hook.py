"""Readable failures for the coursework (``pc_numpy.tools.exercises``); plugged in by ``conftest.py``.

In a student copy, an exercise not done yet raises
``NotImplementedError("Exercise N: <function>, equation (k); see tutorials/NN_....py")`` when the
test calls it.  For such a failure this plugin adds to the report a line

    Exercise N not done yet: implement <function> (equation (k)) ...

and, at the end of the run, one line per exercise not done yet with the number of tests it made
fail.  A test that fails for another reason and grades an exercise (one of its grading tests)
gets a line naming that exercise and its equation.  Nothing changes when every test passes.

In a student copy only (made by ``python -m pc_numpy.tools.exercises build``), the active hypothesis
profile is run without its ``explain`` phase: a stub fails for every input, and explaining that
would cost ~10 s per failing test; shrinking (the smallest failing example) is kept.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

_STUB = re.compile(r"Exercise (\d+): ([\w.]+), (.+?); see (\S+)")
_not_done: Dict[int, Tuple[str, List[str]]] = {}        # number -> (the line, failing test ids)
_graded_by_cache: Optional[Dict[str, object]] = None


def _stub_match(exc: BaseException, seen=None) -> Optional[re.Match]:
    """The stub message in ``exc``, its exception-group members, or its cause/context."""
    seen = seen if seen is not None else set()
    if exc is None or id(exc) in seen:
        return None
    seen.add(id(exc))
    if isinstance(exc, NotImplementedError):
        m = _STUB.match(str(exc))
        if m:
            return m
    for inner in list(getattr(exc, "exceptions", ()) or ()) + [exc.__cause__, exc.__context__]:
        m = _stub_match(inner, seen) if isinstance(inner, BaseException) else None
        if m:
            return m
    return None


def _graded_by() -> Dict[str, object]:
    """``{test node id: Exercise}`` from the registry (empty if it cannot be imported)."""
    global _graded_by_cache
    if _graded_by_cache is None:
        try:
            from pc_numpy.tools.exercises import EXERCISES
        except Exception:                                   # an old or broken copy: no hints
            EXERCISES = ()
        _graded_by_cache = {test: ex for ex in EXERCISES for test in ex.tests}
    return _graded_by_cache


def pytest_configure(config):
    try:
        from hypothesis import Phase, settings
        from pc_numpy.tools.exercises import is_student_copy
    except Exception:
        return
    if is_student_copy(Path(__file__).resolve().parent.parent):
        current = settings.default
        settings.register_profile("exercises", parent=current,
                                  phases=[p for p in current.phases if p != Phase.explain])
        settings.load_profile("exercises")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call") or not report.failed or call.excinfo is None:
        return
    m = _stub_match(call.excinfo.value)
    if m:
        number, function, ref, tutorial = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        line = (f"Exercise {number} not done yet: implement {function} ({ref}); "
                f"read {tutorial}; check it with: python -m pc_numpy.tools.exercises grade {number}")
        report.sections.append(("exercise", line))
        _not_done.setdefault(number, (line, []))[1].append(item.nodeid)
        return
    ex = _graded_by().get(item.nodeid.split("[")[0])
    if ex is not None and report.when == "call":
        report.sections.append((
            "exercise",
            f"This test grades exercise {ex.number}: {ex.function} in {ex.module}, {ex.ref}:\n"
            f"    {ex.equation}\n"
            f"The message above names the variable (and the time step) that differs from the "
            f"reference; see {ex.tutorial} and tutorials/EXERCISES.md."))


def pytest_terminal_summary(terminalreporter):
    if not _not_done:
        return
    tr = terminalreporter
    tr.write_sep("=", "exercises not done yet")
    for number in sorted(_not_done):
        line, tests = _not_done[number]
        tr.write_line(f"{line}  [{len(tests)} failing test{'s' if len(tests) != 1 else ''}]")
