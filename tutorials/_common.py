"""Shared by every tutorial: fast mode, where figures go, and one way to save them.

    import _common as tc          # after putting tutorials/ on sys.path
    if tc.FAST: ...               # PC_FAST=1: smaller sizes, fewer iterations (each tutorial < 60 s)
    tc.savefig(fig, "01_tau")     # -> figure_dir() / "01_tau.png", written atomically

Figures go to ``$PC_FIGURES`` when it is set, else to ``tutorials/figures`` (next to this file).
Outside IPython/Jupyter matplotlib uses the Agg backend, so running a tutorial as a script never
opens a window; inside a notebook the figures are also shown inline.
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

# pc_numpy is normally installed (``pip install -e .``); if not, use the repository next door.
try:
    import pc_numpy  # noqa: F401
except ImportError:
    try:
        _root = Path(os.path.dirname(os.path.abspath(__file__))).parent
    except NameError:
        _root = Path.cwd().parent
    sys.path.insert(0, str(_root))

FAST = os.environ.get("PC_FAST") == "1"
DPI = 80


def in_ipython() -> bool:
    """True inside IPython / Jupyter (a notebook or an IPython shell)."""
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


import matplotlib  # noqa: E402

if not in_ipython():
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402,F401  (re-exported for the tutorials)


def figure_dir() -> Path:
    """Where figures are saved: ``$PC_FIGURES`` if set, else ``tutorials/figures``.

    In a notebook ``__file__`` may be missing; then the current directory's ``figures``."""
    env = os.environ.get("PC_FIGURES")
    if env:
        d = Path(env)
    else:
        try:
            d = Path(os.path.dirname(os.path.abspath(__file__))) / "figures"
        except NameError:
            d = Path.cwd() / "figures"
    d.mkdir(parents=True, exist_ok=True)
    return d


def savefig(fig, name: str, dpi: int = DPI) -> Path:
    """Save ``fig`` as ``<figure_dir()>/<name>.png`` (atomic write) and print the path.

    Inside a notebook the figure is also displayed; in a script it is closed after saving."""
    from pc_numpy.tools.files import atomic_write

    path = figure_dir() / f"{name}.png"
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    data = buf.getvalue()
    atomic_write(path, lambda f: f.write(data))
    print(f"saved {path}")
    if in_ipython():
        plt.show()
    else:
        plt.close(fig)
    return path
