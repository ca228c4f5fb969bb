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

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax"]

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
html_static_path = [str(ROOT / "book" / "static")] + [p for p in [os.environ.get("BOOK_STATIC")] if p]
html_css_files = ["book.css"]
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

highlight_language = "text"               # a fence without a language is output, not Python
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

TOC = """

```{toctree}
:hidden:
:caption: Tutorials
:glob:

docs/tutorials
tutorials/[0-9][0-9]_*
tutorials/EXERCISES
docs/coursework
```

```{toctree}
:hidden:
:caption: Results and reference

docs/results
docs/equations
docs/model
docs/hcm
docs/command_line
docs/data
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


# ---------------------------------------------------------------- links to the code
API_MODULES = sorted({m for page in (ROOT / "book" / "api").glob("*.md")
                      for m in re.findall(r"automodule:: (\S+)", page.read_text(encoding="utf-8"))})
LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|`[^`]*`)+)\]\(([^()\s]+)\)")


def _title(text: str) -> str:
    return text.replace("`", "").replace("<", "").replace(">", "").strip() or text


def code_links(app, docname, source):
    """A repository page links the code files (``pc_numpy/bptt.py``); the book has their API
    pages instead: a link to a documented module becomes a cross-reference to its API entry (to
    the function itself when the link's text names one), a link to another file or folder of the
    repository that is not a page of the book (a test, a benchmark, a folder) becomes its text
    alone, and a link to the docs/ folder goes to docs/README."""
    path = ROOT / docname
    if not (path.with_suffix(".md").is_file()):
        return                                        # tutorials: no markdown links to code
    here = path.parent

    def replace(match):
        text, target = match.group(1), match.group(2)
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            return match.group(0)
        file = (here / target.split("#")[0]).resolve()
        try:
            rel = file.relative_to(ROOT).as_posix()
        except ValueError:
            return match.group(0)
        if rel == "docs":
            return f"[{text}]({os.path.relpath(ROOT / 'docs' / 'README.md', here)})"
        if rel.endswith(".md") or re.fullmatch(r"tutorials/\d\d_.*\.py", rel) or \
                rel.endswith((".png", ".svg", ".jpg")):
            return match.group(0)
        module = rel[:-3].replace("/", ".").removesuffix(".__init__") if rel.endswith(".py") \
            else rel.replace("/", ".")
        if module in API_MODULES:
            name = _title(text)
            if re.fullmatch(r"[A-Za-z_]\w*", name):
                try:
                    obj = getattr(__import__(module, fromlist=[name]), name)
                except (ImportError, AttributeError):
                    obj = None
                if obj is not None and getattr(obj, "__module__", None) == module:
                    return f"{{py:obj}}`{name} <{module}.{name}>`"
            return f"{{py:mod}}`{_title(text)} <{module}>`"
        if file.exists():                             # a test, a benchmark, a folder: its name
            return text
        return match.group(0)                         # not in the repository: Sphinx warns

    source[0] = LINK.sub(replace, source[0])


# ---------------------------------------------------------------- docstrings as written
def literal_docstring(app, what, name, obj, options, lines):
    """The docstrings are plain text (formulas in ASCII, shapes in columns), not reStructuredText:
    shown as written, in a plain-text block (no syntax colours), rather than reflowed into wrong markup (only the
    reStructuredText quotes ``name`` are dropped: in a literal block they would show)."""
    if lines:
        plain = [re.sub(r"``([^`]+)``", r"\1", line) for line in lines]   # ``x`` is markup, not text
        lines[:] = [".. code-block:: text", ""] + ["    " + line for line in plain] + [""]


def skip_member(app, what, name, obj, skip, options):
    doc = getattr(obj, "__doc__", None) or ""
    if doc.startswith("Alias for field number"):       # a NamedTuple's fields: listed in its docstring
        return True
    return None


def setup(app):
    app.connect("source-read", add_toc)
    app.connect("source-read", notebook_link)
    app.connect("source-read", code_links)
    app.connect("autodoc-process-docstring", literal_docstring)
    app.connect("autodoc-skip-member", skip_member)
