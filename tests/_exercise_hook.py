"""Readable results for the coursework (``pc_numpy.tools.exercises``); plugged in by ``conftest.py``.

In a student copy, an exercise not done yet raises
``NotImplementedError("Exercise NAME: <function>, equation (k); see tutorials/NN_....py")`` when
a test calls it.  For such a failure this plugin adds to the report a line

    Exercise NAME not done yet: implement <function> (equation (k)) ...

and, at the end of the run, one line per exercise not done yet with the number of tests it made
fail.  A grading test that fails for another reason gets a line naming its exercise and equation.

In a student copy only (made by ``python -m pc_numpy.tools.exercises build``):

- a failure that belongs to an exercise is reported in a few lines instead of a traceback: the
  message (variable, time step, relative error, tolerance, worst element), Hypothesis' smallest
  failing example on one line (its sizes and scalars; arrays left out), and the exercise line; ``python -m pytest
  --full-trace`` (or running in the solution) shows the usual traceback;
- the Hypothesis profile runs without its ``explain`` phase (a stub fails for every input, and
  explaining that costs ~10 s a test) and with ``print_blob=False``; shrinking is kept.

When ``PC_GRADE_REPORT`` names a file (``exercises grade`` sets it), one JSON line per grading test
is appended to it: the test, its outcome, and the worst comparison of ``strategies.assert_close``
(relative error, tolerance, variable) or the failure's message and smallest example.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

_STUB = re.compile(r"Exercise ([\w-]+): ([\w.]+), (.+?); see (\S+)")
_EXAMPLE = re.compile(r"^(Falsifying example|Failing test case)[^:]*:\s*", re.S)
_not_done: Dict[str, Tuple[str, List[str]]] = {}        # name -> (the line, failing test ids)
_graded_by_cache: Optional[Dict[str, object]] = None
_ROOT = Path(__file__).resolve().parent.parent
_student = False


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


def _key(ex) -> str:
    from pc_numpy.tools.exercises import exercise_key
    return exercise_key(ex)


def _elide_arrays(text: str) -> str:
    """``array([[...]])`` -> ``array(...)``, ``tensor(...)`` likewise: the example's sizes and
    scalars stay readable."""
    out, i = [], 0
    while True:
        m = re.compile(r"\b(array|tensor)\(").search(text, i)
        if m is None:
            out.append(text[i:])
            return "".join(out)
        j = m.start()
        out.append(text[i:j] + m.group(1) + "(...)")
        depth, k = 0, j + len(m.group(1))
        while k < len(text):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            k += 1
            if depth == 0:
                break
        i = k


def _first_error(exc: BaseException) -> BaseException:
    while getattr(exc, "exceptions", None):                 # an ExceptionGroup: its first member
        exc = exc.exceptions[0]
    return exc


def _summary(exc: BaseException) -> Tuple[str, str]:
    """(the failure's first message line, Hypothesis' smallest example on one line or '')."""
    notes = list(getattr(exc, "__notes__", None) or [])
    inner = _first_error(exc)
    notes += [n for n in getattr(inner, "__notes__", None) or [] if n not in notes]
    message = (str(inner).strip().splitlines() or [type(inner).__name__])[0]
    if not message.startswith(type(inner).__name__) and not isinstance(inner, AssertionError):
        message = f"{type(inner).__name__}: {message}"
    example = ""
    for note in notes:
        if _EXAMPLE.match(note):
            body = _EXAMPLE.sub("", note)
            body = re.sub(r"^\w+\(\s*", "", body.strip())    # test_name( ... ) -> its arguments
            body = re.sub(r",?\s*\)$", "", body)
            example = " ".join(_elide_arrays(body).split())
            # leave out the arrays (and records of arrays): the sizes and scalars remain
            short = re.sub(r"\w+=(array|tensor)\(\.\.\.\)(, )?", "", example)
            short = re.sub(r"\w+=\w+\(((array|tensor)\(\.\.\.\)(, )?)+\)(, )?", "", short)
            short = re.sub(r"\w+=\w+\(((\w+=)?(array|tensor)\(\.\.\.\)(, )?)+\)(, )?", "", short)
            short = re.sub(r"\w+=\w+\(\)(, )?", "", short)
            short = re.sub(r", \)", ")", short)
            example = short + (" (arrays left out)" if short != example else "")
            break
    return message, example


def pytest_configure(config):
    global _student
    try:
        from hypothesis import Phase, settings
        from pc_numpy.tools.exercises import is_student_copy
    except Exception:
        return
    _student = is_student_copy(_ROOT)
    if _student:
        current = settings.default
        settings.register_profile("exercises", parent=current, print_blob=False,
                                  phases=[p for p in current.phases if p != Phase.explain])
        settings.load_profile("exercises")


def pytest_runtest_setup(item):
    tracker = getattr(sys.modules.get("strategies"), "WORST", None)
    if tracker is not None:
        tracker.clear()


def _write_grade_report(entry: dict) -> None:
    path = os.environ.get("PC_GRADE_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when not in ("setup", "call"):
        return
    ex = _graded_by().get(item.nodeid.split("[")[0])
    if ex is not None and report.when == "call" and report.passed:
        tracker = getattr(sys.modules.get("strategies"), "WORST", {}) or {}
        worst = {k: tracker[k] for k in ("rel", "rtol", "variable") if k in tracker} or None
        _write_grade_report({"test": item.nodeid, "outcome": "passed", "worst": worst,
                             "checks": tracker.get("checks")})
    if not report.failed or call.excinfo is None:
        return
    m = _stub_match(call.excinfo.value)
    if m:
        name, function, ref, tutorial = m.group(1), m.group(2), m.group(3), m.group(4)
        line = (f"Exercise {name} not done yet: implement {function} ({ref}); "
                f"read {tutorial}; check it with: python -m pc_numpy.tools.exercises grade {name}")
        _not_done.setdefault(name, (line, []))[1].append(item.nodeid)
        if _student and not item.config.getoption("fulltrace", False):
            report.longrepr = line
        else:
            report.sections.append(("exercise", line))
        if ex is not None:
            _write_grade_report({"test": item.nodeid, "outcome": "failed", "not_done": True,
                                 "message": line})
        return
    if ex is None:
        return
    message, example = _summary(call.excinfo.value)
    about = (f"This test grades exercise {_key(ex)}: {ex.function} in {ex.module}, {ex.ref}:\n"
             f"    {ex.equation}")
    if _student and not item.config.getoption("fulltrace", False):
        report.longrepr = "\n".join(
            [message] + ([f"smallest failing example: {example[:600]}"] if example else []) + [about])
    else:
        report.sections.append((
            "exercise",
            f"{about}\nThe message names the variable (and the time step) that differs from the "
            f"reference; see {ex.tutorial} and tutorials/EXERCISES.md."))
    _write_grade_report({"test": item.nodeid, "outcome": "failed", "message": message,
                         "example": example})


def pytest_terminal_summary(terminalreporter):
    if not _not_done:
        return
    tr = terminalreporter
    tr.write_sep("=", "exercises not done yet")
    for name in _not_done:
        line, tests = _not_done[name]
        tr.write_line(f"{line}  [{len(tests)} failing test{'s' if len(tests) != 1 else ''}]")
