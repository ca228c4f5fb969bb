"""Build the book: the README, docs/, every tutorial executed with its outputs, the API reference.

    python3 -m venv .venv && .venv/bin/pip install -q -e ".[book]" && .venv/bin/python book/build.py
    PC_FAST=1 .venv/bin/python book/build.py        # the quick variant: the same pages, small sizes

The last line printed is the path of the built ``index.html`` (``book/_build/full/html/``, or
``book/_build/fast/html/`` for ``PC_FAST=1``). What it does, in order:

1. MathJax: ``npm install mathjax@3.2.2`` into ``book/_build/npm`` the first time (the npm
   registry is the only download), copied into the site's ``_static/mathjax``: the pages typeset
   their equations with no network.
2. Sphinx with myst-nb (configuration: ``book/conf.py``), source directory the repository root.
   Every tutorial is executed as a notebook in ``tutorials/`` through jupyter-cache; a failing
   cell fails the build (exit status 1). The cache is kept per mode (fast or full) and per
   fingerprint of ``pc_numpy/`` and ``tutorials/_common.py``: a tutorial whose code cells did not
   change is not executed again while the library is unchanged; change the library and every
   tutorial runs again (so no page shows outputs of an older library). A changed ``book/conf.py``
   or ``book/api/`` makes Sphinx read every page again, from the same cache. ``--fresh`` empties the
   cache first.
3. The executed notebooks are copied to ``_notebooks/NN_*.ipynb`` in the site; each tutorial
   page links its own.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "book" / "_build"
MATHJAX_VERSION = "3.2.2"


def fingerprint(files) -> str:
    """A hash of these files' names and contents."""
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def library_files():
    """What the tutorials run: every file of pc_numpy/ and tutorials/_common.py. A change here
    executes every tutorial again."""
    return sorted((ROOT / "pc_numpy").rglob("*.py")) + [ROOT / "tutorials" / "_common.py"]


def book_files():
    """The book's configuration (book/conf.py, book/api/): a change here reads every page again
    (Sphinx's incremental build does not notice a changed autodoc layout in an unchanged page),
    but the executed tutorials are kept."""
    return [ROOT / "book" / "conf.py"] + sorted((ROOT / "book" / "api").glob("*.md"))


def vendor_mathjax() -> Path:
    """``book/_build/static/mathjax`` holding MathJax's es5 build, from the npm package."""
    static = BUILD / "static"
    target = static / "mathjax"
    if (target / "tex-chtml.js").is_file():
        return static
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("book/build.py: npm is not installed; it fetches MathJax (npm install "
                 f"mathjax@{MATHJAX_VERSION}) so that the pages typeset equations offline. "
                 "Install Node.js and npm (Debian: apt-get install npm).")
    prefix = BUILD / "npm"
    prefix.mkdir(parents=True, exist_ok=True)
    es5 = prefix / "node_modules" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        subprocess.run([npm, "install", "--prefix", str(prefix), "--no-save", "--no-audit",
                        "--no-fund", "--no-package-lock", f"mathjax@{MATHJAX_VERSION}"], check=True)
    tmp = static / "mathjax.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(es5, tmp, ignore=shutil.ignore_patterns("sre", "*-full*.js", "*-speech*.js"))
    tmp.rename(target)
    return static


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="empty the execution cache first")
    args = parser.parse_args(argv)

    fast = os.environ.get("PC_FAST") == "1"
    mode = "fast" if fast else "full"
    outdir = BUILD / mode / "html"
    state = BUILD / mode / "state"
    key, pages_key = fingerprint(library_files()), fingerprint(book_files())
    if args.fresh:
        shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True, exist_ok=True)
    for old in state.iterdir():                     # caches of an older library are dropped
        if old.name != key:
            shutil.rmtree(old, ignore_errors=True)
    work = state / key
    doctrees = work / f"doctrees-{pages_key}"
    if work.is_dir():
        for old in work.glob("doctrees-*"):         # and pages read with an older configuration
            if old != doctrees:
                shutil.rmtree(old, ignore_errors=True)

    static = vendor_mathjax()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)                     # the notebooks show figures inline
    env.update(BOOK_CACHE=str(work / "cache"), BOOK_STATIC=str(static),
               PC_FIGURES=str(work / "figures"), PYTHONHASHSEED="0")
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(ROOT / "book"),
           "-d", str(doctrees), "--keep-going", str(ROOT), str(outdir)]
    print(f"building the {mode} book: {' '.join(cmd)}", flush=True)
    done = subprocess.run(cmd, cwd=ROOT, env=env)
    if done.returncode != 0:
        print(f"book/build.py: the build failed (sphinx exit status {done.returncode})", file=sys.stderr)
        return 1

    # The executed notebooks, from the execution cache: each tutorial read as jupytext reads it,
    # with the outputs of its cached execution merged in. (Not the copies myst-nb writes to
    # jupyter_execute/: on a cache hit myst-nb 1.4 writes the notebook without its outputs.)
    import jupytext
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(work / "cache"))
    notebooks = outdir / "_notebooks"
    shutil.rmtree(notebooks, ignore_errors=True)
    notebooks.mkdir()
    tutorials = sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
    for tutorial in tutorials:
        notebook = jupytext.read(tutorial, fmt="py:percent")
        try:
            _, executed = cache.merge_match_into_notebook(notebook)
        except KeyError:
            print(f"book/build.py: no executed notebook of {tutorial.name} in the cache", file=sys.stderr)
            return 1
        outputs = sum(len(cell.get("outputs", [])) for cell in executed.cells if cell.cell_type == "code")
        if outputs == 0:
            print(f"book/build.py: the executed {tutorial.name} has no outputs", file=sys.stderr)
            return 1
        target = notebooks / f"{tutorial.stem}.ipynb"
        target.write_text(nbformat.writes(executed), encoding="utf-8")
    print(f"{len(tutorials)} executed notebooks in {notebooks}")
    print(outdir / "index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
