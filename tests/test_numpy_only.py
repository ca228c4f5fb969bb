"""pc_numpy needs NumPy alone (README): with torch and matplotlib made unimportable, importing
it, a rollout with every rate non-zero and ``loss_and_grads`` all work, and neither module has
been imported afterwards.  Runs in a fresh interpreter (``sys.executable``), since this process
has torch loaded already."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent("""
    import importlib.abc, sys

    BLOCKED = ("torch", "matplotlib")

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked: pc_numpy must not need it")
            return None

    sys.meta_path.insert(0, Block())
    for name in BLOCKED:                       # the blocker really blocks
        try:
            __import__(name)
        except ImportError:
            pass
        else:
            raise SystemExit(f"could not block {name}")

    import numpy as np
    import pc_numpy as pcn

    rng = np.random.default_rng(0)
    T, B, O, S, C, P = 6, 3, 2, 5, 2, 4
    params = pcn.init_params(C, S, O, rng)
    x = rng.standard_normal((T, B, O))
    c0, h0 = rng.standard_normal((B, C)), rng.standard_normal(S)
    trace = pcn.rollout(params, x, c0, h0, tau=5.0, alpha_x=0.1, alpha_h=0.05, alpha_c=0.01,
                        sigma_r=0.5, sigma_c=0.3, mus=rng.standard_normal((P, C)), rng=rng)
    assert all(np.isfinite(v).all() for v in trace), "non-finite trace"
    assert np.any(trace.c[-1] != c0), "the causes did not move"
    loss, grads = pcn.loss_and_grads(params, x, c0, h0, tau=5.0)
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in grads)
    opt = pcn.Adam(dict(params._asdict(), c0=c0))
    opt.step(dict(grads._asdict()))
    pcn.generate(params, c0, h0, tau=5.0, steps=T)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    assert not loaded, f"imported: {loaded}"
    print("numpy-only OK")
""")


def test_pc_numpy_runs_without_torch_and_matplotlib():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "numpy-only OK" in done.stdout
