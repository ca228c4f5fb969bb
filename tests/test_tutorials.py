"""Every tutorial runs, writes its figures, and has the shape docs/conventions.md asks for.

Each ``tutorials/NN_*.py`` (found by glob, so new tutorials are picked up) is

- run as a plain script in a subprocess, from the repository root, with ``PC_FAST=1`` (small
  sizes: each tutorial takes well under a minute), ``MPLBACKEND=Agg`` and
  ``PC_FIGURES=<a temporary directory>`` (so the committed figures are not overwritten); it must
  exit with status 0 within 120 s and write at least one PNG there;
- read as a jupytext percent-format file: a YAML header with ``formats: py:percent``, at least
  one ``# %% [markdown]`` cell, an ``assert`` in a code cell (a check of what the text claims),
  and a "Summary" and an "Exercises" section.

A tutorial run is skipped only when matplotlib (all tutorials) or torch (the tutorials that
import it) is not installed.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
TIMEOUT_S = 120

# Keep the test from passing vacuously if the tutorials directory moves or empties.
assert TUTORIALS, f"no tutorials found under {ROOT / 'tutorials'}"


def cells(source: str):
    """Split a percent-format script into ``(kind, text)`` cells; kind is 'markdown' or 'code'.

    The text before the first ``# %%`` (the YAML header) is not a cell.
    """
    out = []
    kind, lines = None, []
    for line in source.splitlines():
        if line.startswith("# %%"):
            if kind is not None:
                out.append((kind, "\n".join(lines)))
            kind = "markdown" if re.match(r"# %%.*\[markdown\]", line) else "code"
            lines = []
        else:
            lines.append(line)
    if kind is not None:
        out.append((kind, "\n".join(lines)))
    return out


def ids(paths):
    return [p.stem for p in paths]


def has(module: str) -> bool:
    """True if ``module`` can be imported (an optional extra check, never a reason to skip)."""
    try:
        __import__(module)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("path", TUTORIALS, ids=ids(TUTORIALS))
def test_tutorial_structure(path: Path):
    source = path.read_text(encoding="utf-8")
    header = re.match(r"# ---\n(# .*\n|#\n)*?# ---\n", source)
    assert header, f"{path.name}: no jupytext YAML header (# --- ... # ---) at the top"
    assert "jupytext:" in header.group(0) and "formats: py:percent" in header.group(0), (
        f"{path.name}: the header lacks 'jupytext:' / 'formats: py:percent'")
    parsed = cells(source)
    markdown = [text for kind, text in parsed if kind == "markdown"]
    code = [text for kind, text in parsed if kind == "code"]
    assert markdown, f"{path.name}: no '# %% [markdown]' cell"
    assert code, f"{path.name}: no '# %%' code cell"
    assert any(re.search(r"^\s*assert\b", text, re.M) for text in code), (
        f"{path.name}: no assert in any code cell (a check cell proving what the text claims)")
    prose = "\n".join(markdown)
    for section in ("Summary", "Exercises"):
        assert re.search(rf"^#\s*#+\s*{section}\b", prose, re.M), (
            f"{path.name}: no '{section}' heading in a markdown cell")
    if has("jupytext"):                         # the same cells as jupytext reads them
        import jupytext
        notebook = jupytext.reads(source, fmt="py:percent")
        kinds = {cell.cell_type for cell in notebook.cells}
        assert {"markdown", "code"} <= kinds, f"{path.name}: jupytext sees cells of kinds {kinds}"


@pytest.mark.parametrize("path", TUTORIALS, ids=ids(TUTORIALS))
def test_tutorial_runs_fast(path: Path, tmp_path: Path):
    pytest.importorskip("matplotlib")
    source = path.read_text(encoding="utf-8")
    if re.search(r"^\s*(import torch|import pc_torch|from pc_torch|from torch)\b", source, re.M):
        pytest.importorskip("torch")
    figures = tmp_path / "figures"
    env = dict(os.environ, PC_FAST="1", MPLBACKEND="Agg", PC_FIGURES=str(figures))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    try:
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-2000:]
        tail = tail.decode(errors="replace") if isinstance(tail, bytes) else tail
        pytest.fail(f"{path.name} did not finish within {TIMEOUT_S} s with PC_FAST=1; "
                    f"stderr tail:\n{tail}")
    assert proc.returncode == 0, (
        f"{path.name} exited with status {proc.returncode}; stderr tail:\n{proc.stderr[-3000:]}")
    pngs = sorted(figures.glob("*.png")) if figures.is_dir() else []
    assert pngs, (f"{path.name} wrote no PNG under PC_FIGURES={figures}; "
                  f"stdout tail:\n{proc.stdout[-1500:]}")
