"""Shared by every tutorial: which pc_numpy, fast mode, where figures go, and checks CS231n style.

    import _common as tc          # after putting tutorials/ on sys.path
    if tc.FAST: ...               # PC_FAST=1: smaller sizes, fewer iterations (each tutorial < 60 s)
    tc.savefig(fig, "01_tau")     # -> figure_dir() / "01_tau.png", written atomically
    tc.check("h_prior, equation (1)", mine, tc.reference("hidden_prior", h, c, params, tau=tau))

**Which pc_numpy.** Importing this module puts the folder above ``tutorials/`` first on
``sys.path`` and prints ``using pc_numpy from <path>``: a tutorial always runs the ``pc_numpy``
of the copy it belongs to (in a student copy, the student's code), never another one that
happens to be installed.

**Figures** go to ``$PC_FIGURES`` when it is set; else, with ``PC_REFRESH_FIGURES=1``, to the
committed ``tutorials/figures/``; else to ``tutorials/_figures_out/`` (ignored by git), so that
running a tutorial never overwrites the committed figures.  Outside IPython/Jupyter matplotlib
uses the Agg backend (a script never opens a window); inside a notebook figures are also shown.

**Checks.** ``check(name, mine, ref, tol)`` prints the relative error of your result against the
reference on every run, pass or fail, then asserts it is within ``tol``; ``reference(name, ...)``
calls the function of the same name in ``pc_torch`` (the PyTorch autograd twin) in float64 on
NumPy inputs and returns NumPy.
"""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

try:
    HERE = Path(os.path.dirname(os.path.abspath(__file__)))
except NameError:                                   # pasted into a notebook cell
    HERE = Path.cwd()
ROOT = HERE.parent                                  # the copy of the project this tutorial is in

if str(ROOT) in sys.path:
    sys.path.remove(str(ROOT))
sys.path.insert(0, str(ROOT))
_stale = sys.modules.get("pc_numpy")
if _stale is not None and Path(_stale.__file__).resolve().parent.parent != ROOT.resolve():
    raise ImportError(f"pc_numpy was already imported from {Path(_stale.__file__).parent}, not from "
                      f"{ROOT / 'pc_numpy'}: restart the kernel and import _common first")
import pc_numpy  # noqa: E402

print(f"using pc_numpy from {Path(pc_numpy.__file__).resolve().parent}")

FAST = os.environ.get("PC_FAST") == "1"
DPI = 80
# A tutorial's own checks (float64, same algebra as pc_torch, a few dozen operations deep):
# rounding differences are ~1e-15 relative; any slip in a formula gives 1e-3 or more.
TOL = 1e-10


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
    """Where figures are saved: ``$PC_FIGURES`` if set; ``tutorials/figures`` (the committed
    ones) with ``PC_REFRESH_FIGURES=1``; else ``tutorials/_figures_out`` (git ignores it)."""
    env = os.environ.get("PC_FIGURES")
    if env:
        d = Path(env)
    elif os.environ.get("PC_REFRESH_FIGURES") == "1":
        d = HERE / "figures"
    else:
        d = HERE / "_figures_out"
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


# ------------------------------------------------------------------------------ checks
def rel_error(mine, ref) -> float:
    """``max|mine - ref| / max|ref|`` (0 for empty arrays; ``inf`` if the shapes differ)."""
    import numpy as np

    mine, ref = np.asarray(mine, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if mine.shape != ref.shape:
        return float("inf")
    if ref.size == 0:
        return 0.0
    return float(np.max(np.abs(mine - ref)) / max(float(np.max(np.abs(ref))), np.finfo(float).tiny))


def check(name: str, mine, ref, tol: float = TOL) -> float:
    """Print ``name: relative error E (tolerance tol)`` with a verdict, then assert ``E <= tol``."""
    import numpy as np

    err = rel_error(mine, ref)
    shape = "" if np.shape(mine) == np.shape(ref) else \
        f" -- shape {np.shape(mine)}, expected {np.shape(ref)}"
    verdict = "ok" if err <= tol else "WRONG"
    print(f"{name}: relative error {err:.1e} (tolerance {tol:.0e}) {verdict}{shape}")
    assert err <= tol, f"{name}: relative error {err:.1e} > {tol:.0e}{shape}"
    return err


def reference(name: str, *args, **kwargs):
    """``pc_torch.<name>(*args, **kwargs)`` on float64 tensors of the NumPy arguments (a
    ``pc_numpy.Params`` becomes ``pc_torch``'s), returned as NumPy: the autograd twin's value."""
    import numpy as np
    import torch

    import pc_torch

    def to_torch(v):
        if isinstance(v, pc_numpy.Params):
            return pc_torch.from_numpy(v)
        if isinstance(v, np.ndarray):
            return torch.as_tensor(v, dtype=torch.float64)
        return v

    out = getattr(pc_torch, name)(*map(to_torch, args), **{k: to_torch(v) for k, v in kwargs.items()})
    return out.detach().numpy() if hasattr(out, "detach") else out
