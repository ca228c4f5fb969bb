"""Every tutorial runs, writes its figures, and has the shape docs/conventions.md asks for.

Each ``tutorials/NN_*.py`` (found by glob, so new tutorials are picked up) is

- run as a plain script, ``python tutorials/NN_*.py`` from the repository root with
  ``PC_FAST=1`` (what the tutorials tell a reader to do), exit status 0;
- run as a notebook: converted by jupytext in memory and executed by nbclient under the Python
  kernel of the running interpreter (ipykernel), in ``tutorials/`` as Jupyter would, with
  ``PC_FAST=1`` (small sizes: each tutorial takes well under a minute), ``MPLBACKEND=Agg`` and
  ``PC_FIGURES=<a temporary directory>`` (so the committed figures are not overwritten); every
  cell must run without error within 120 s, the tutorial must print that it uses this copy's
  ``pc_numpy`` and write at least one PNG;
- read as a jupytext percent-format file: a YAML header with ``formats: py:percent``, at least
  one ``# %% [markdown]`` cell, an ``assert`` in a code cell (a check of what the text claims),
  and a "Summary" and an "Exercises" section.

A tutorial run is skipped only when a module it needs is not installed: matplotlib, jupytext,
nbclient, nbformat, ipykernel (all in the ``test`` extra), torch for the tutorials that use it.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
TIMEOUT_S = 300          # per cell (nbclient): a loaded 2-core machine ran one of 06 in over 120 s
TOTAL_S = 600            # per tutorial: the ~60 s of PC_FAST=1, with room for a loaded CI machine

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
def test_tutorial_runs_as_a_notebook(path: Path, tmp_path: Path, monkeypatch):
    """The tutorial, converted by jupytext in memory, executed cell by cell by nbclient under the
    Python kernel of this interpreter (ipykernel), started in ``tutorials/`` as Jupyter does."""
    for module in ("matplotlib", "jupytext", "nbclient", "nbformat", "ipykernel"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e .[test])")
    source = path.read_text(encoding="utf-8")
    if re.search(r"^\s*(import torch|import pc_torch|from pc_torch|from torch)\b", source, re.M) \
            or "tc.reference(" in source:
        pytest.importorskip("torch")
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    figures = tmp_path / "figures"
    # the kernel is a child process: it inherits these (and never writes the committed figures)
    monkeypatch.setenv("PC_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PC_FIGURES", str(figures))
    monkeypatch.delenv("PC_REFRESH_FIGURES", raising=False)
    notebook = jupytext.reads(source, fmt="py:percent")
    client = NotebookClient(notebook, kernel_name="python3", timeout=TIMEOUT_S,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed when run as a notebook:\n{str(err)[-3000:]}")
    elapsed = time.monotonic() - start
    assert elapsed < TOTAL_S, f"{path.name} took {elapsed:.0f} s as a notebook with PC_FAST=1"
    printed = "".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    used = re.search(r"using pc_numpy from (.+)", printed)
    assert used, f"{path.name} does not print which pc_numpy it uses (import _common first)"
    assert Path(used.group(1).strip()).resolve() == (ROOT / "pc_numpy").resolve(), (
        f"{path.name} ran {used.group(1)!r}, not this copy's pc_numpy")
    pngs = sorted(figures.glob("*.png")) if figures.is_dir() else []
    assert pngs, f"{path.name} wrote no PNG under PC_FIGURES={figures}; output tail:\n{printed[-1500:]}"


@pytest.mark.parametrize("path", TUTORIALS, ids=ids(TUTORIALS))
def test_tutorial_runs_as_a_script(path: Path, tmp_path: Path):
    """``python tutorials/NN_*.py`` from the repository root, as a reader would run it (PC_FAST=1):
    a plain Python script (a markdown line that lost its ``# `` is a SyntaxError here, while
    jupytext would have read it as markdown), exit status 0, this copy's pc_numpy, a PNG written."""
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (pip install -e .[test])")
    source = path.read_text(encoding="utf-8")
    if re.search(r"^\s*(import torch|import pc_torch|from pc_torch|from torch)\b", source, re.M) \
            or "tc.reference(" in source:
        pytest.importorskip("torch")
    import os
    import subprocess
    import sys

    compile(source, str(path), "exec")                 # a syntax error named by line, before running
    figures = tmp_path / "figures"
    env = {k: v for k, v in os.environ.items() if k not in ("PC_REFRESH_FIGURES", "PYTHONPATH")}
    env.update(PC_FAST="1", MPLBACKEND="Agg", PC_FIGURES=str(figures))
    try:
        done = subprocess.run([sys.executable, str(path.relative_to(ROOT))], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=TOTAL_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name} ran over {TOTAL_S} s as a script with PC_FAST=1")
    assert done.returncode == 0, (
        f"python {path.relative_to(ROOT)} exited {done.returncode}:\n{(done.stdout + done.stderr)[-3000:]}")
    used = re.search(r"using pc_numpy from (.+)", done.stdout)
    assert used and Path(used.group(1).strip()).resolve() == (ROOT / "pc_numpy").resolve(), (
        f"{path.name} as a script did not use this copy's pc_numpy: {done.stdout[:300]!r}")
    assert sorted(figures.glob("*.png")), f"{path.name} as a script wrote no PNG under {figures}"


def test_figures_go_to_an_ignored_folder_unless_refreshing(tmp_path: Path):
    """A tutorial run never overwrites the committed figures: by default they go to
    tutorials/_figures_out/ (ignored by git); PC_REFRESH_FIGURES=1 writes tutorials/figures/;
    PC_FIGURES=DIR wins over both. And _common prints the pc_numpy it puts first on sys.path."""
    pytest.importorskip("matplotlib")
    import subprocess
    import sys

    code = "import _common as tc; print('DIR', tc.figure_dir().resolve())"
    base = {k: v for k, v in __import__("os").environ.items()
            if k not in ("PC_FIGURES", "PC_REFRESH_FIGURES")}
    found = {}
    for name, extra in [("default", {}), ("refresh", {"PC_REFRESH_FIGURES": "1"}),
                        ("explicit", {"PC_REFRESH_FIGURES": "1", "PC_FIGURES": str(tmp_path / "f")})]:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "tutorials",
                              env=dict(base, MPLBACKEND="Agg", **extra), capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"using pc_numpy from {(ROOT / 'pc_numpy').resolve()}" in done.stdout, done.stdout
        found[name] = Path(done.stdout.split("DIR ", 1)[1].strip())
    assert found == {"default": (ROOT / "tutorials" / "_figures_out").resolve(),
                     "refresh": (ROOT / "tutorials" / "figures").resolve(),
                     "explicit": (tmp_path / "f").resolve()}
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "tutorials/_figures_out/" in ignored, "tutorials/_figures_out/ is not in .gitignore"
