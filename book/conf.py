"""Sphinx configuration of the book: the README, docs/, the executed tutorials, the API reference.

Built by ``python book/build.py`` (read that file first: it sets the environment this file reads).
The source directory is the repository root, so that the README's and docs/' relative links
(``docs/model.md``, ``tutorials/05_bptt_by_hand.py``) resolve as they do on a repository page;
``include_patterns`` keeps everything else (the code, the tests) out of the book.

Why Sphinx + myst-nb: myst-nb reads the tutorials' jupytext percent scripts directly
(``nb_custom_formats``: the scripts stay the one source, no .ipynb is committed), executes them
at build time through jupyter-cache (a tutorial whose code did not change is not executed again),
fails the build on any cell error (``nb_execution_raise_on_error``), and renders the MyST
markdown of the README and docs/ with the same parser; Sphinx's autodoc turns the docstrings into
the API reference. MathJax is served from the build's own folder (``BOOK_MATHJAX``), never a CDN.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))            # autodoc imports this copy's pc_numpy

project = "PC-RNN-HC, by hand"
author = "the PC-RNN-HC project"
copyright = "the PC-RNN-HC project, MIT licence"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax", "sphinx.ext.viewcode"]

root_doc = "README"
include_patterns = ["README.md", "docs/*.md", "tutorials/[0-9][0-9]_*.py", "tutorials/EXERCISES.md",
                    "book/api/*.md"]
exclude_patterns = ["book/_build/**", ".venv/**", "**/.ipynb_checkpoints"]

# ---------------------------------------------------------------- MyST and the tutorials
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3                 # README/docs links such as model.md#the-local-rule
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
nb_execution_mode = "cache"
nb_execution_cache_path = os.environ.get("BOOK_CACHE", str(ROOT / "book" / "_build" / "cache"))
nb_execution_in_temp = False             # run in tutorials/, as Jupyter would (import _common)
nb_execution_timeout = int(os.environ.get("BOOK_CELL_TIMEOUT", "900"))
nb_execution_raise_on_error = True       # a failing cell fails the build
nb_execution_show_tb = True
nb_merge_streams = True

# ---------------------------------------------------------------- HTML
html_theme = "furo"
html_title = "PC-RNN-HC, by hand"
html_static_path = [p for p in [os.environ.get("BOOK_STATIC")] if p]
html_extra_path = [str(ROOT / "book" / "extra")]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None
# MathJax 3 from the npm package, copied into _static/mathjax by build.py: no CDN
mathjax_path = "mathjax/tex-chtml.js"
mathjax3_config = {"options": {"enableMenu": False}}

# ---------------------------------------------------------------- the API reference
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_typehints = "none"               # the docstrings give the shapes
autodoc_mock_imports = ["torch", "optuna", "matplotlib"]

suppress_warnings = ["myst.header", "misc.highlighting_failure"]

TOC = """

```{toctree}
:hidden:
:caption: Tutorials
:glob:

tutorials/[0-9][0-9]_*
tutorials/EXERCISES
```

```{toctree}
:hidden:
:caption: Reference

docs/model
docs/hcm
docs/results
docs/command_line
docs/testing
docs/speed
docs/retrieval_results
docs/conventions
docs/README
book/api/index
```
"""


def add_toc(app, docname, source):
    """The README is the home page; on a repository page it has no toctree, here it gets one."""
    if docname == root_doc:
        source[0] = source[0] + TOC


def notebook_link(app, docname, source):
    """Each tutorial page opens with a link to its executed notebook (copied by build.py)."""
    if re.fullmatch(r"tutorials/\d\d_.*", docname):
        name = docname.split("/")[-1]
        link = (f"# %% [markdown]\n# <p class=\"notebook-download\"><a href=\"../_notebooks/{name}.ipynb\" "
                f"download>Download this tutorial as an executed notebook ({name}.ipynb)</a></p>\n\n")
        text = source[0]
        first = text.find("# %% [markdown]")
        # after the title cell: the second cell boundary
        second = text.find("\n# %%", first + 1)
        source[0] = text[:second + 1] + link + text[second + 1:]


def setup(app):
    app.connect("source-read", add_toc)
    app.connect("source-read", notebook_link)
