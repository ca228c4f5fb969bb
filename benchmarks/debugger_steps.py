"""How far a student steps in a debugger before reaching the math, counted as pdb's ``s`` stops.

Every ``call``, ``line`` and ``return`` event of ``sys.settrace`` in Python code is one stop of
pdb's ``s``.  Measured in a fresh process (cold) and again on a second call (warm):

1. from calling ``pcn.rollout(...)`` (inference rates on) to the first line inside
   ``hidden_prior``: with plain ``s`` (every event), and with the door's check stepped over
   (``n`` on its line: the events inside ``doors.rollout_args`` and what it calls not counted);
2. the share of the events of one retrieval (``pcn.retrieve``, a few trials) and of one
   training run (``pcn.train``, a few iterations) that run in the model's own functions (the
   modules params, generative, inference, prior, rollout, bptt, adam, hcm, local), the doors'
   checks stepped over;
3. how many times one training iteration calls ``step``.

    python benchmarks/debugger_steps.py            # prints a JSON object
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = ("params", "generative", "inference", "prior", "rollout", "bptt", "adam", "local", "hcm")


def _in_model(filename: str) -> bool:
    path = filename.replace("\\", "/")
    if "/pc_numpy/" not in path:
        return False
    rest = path.split("/pc_numpy/", 1)[1]
    return rest.split("/")[0].removesuffix(".py") in MODEL


def count_to_first_line(call, target: str, skip_door: bool) -> int:
    """Events from ``call()`` until the first line event inside function ``target``."""
    state = dict(n=0, done=False, depth_in_door=0)

    def tracer(frame, event, arg):
        if state["done"]:
            return None
        name = frame.f_code.co_name
        if event == "line" and name == target:
            state["done"] = True
            return None
        in_door = skip_door and "/tools/doors.py" in frame.f_code.co_filename.replace("\\", "/")
        if event == "call" and in_door:
            state["depth_in_door"] += 1
            if state["depth_in_door"] == 1:
                state["n"] += 1                   # stepping over the door's line: one stop
            return tracer
        if state["depth_in_door"]:
            if event == "return" and in_door:
                state["depth_in_door"] -= 1
            return tracer
        state["n"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    return state["n"]


def _is_check(code) -> bool:
    """A door's check: anything in ``tools/doors.py`` or ``tools/checks.py``, or a protocol's
    ``check_*`` function (``check_model``, ``check_retrieval_args``...)."""
    path = code.co_filename.replace("\\", "/")
    return "/tools/doors.py" in path or "/tools/checks.py" in path or code.co_name.startswith("check_")


def model_share(call) -> dict:
    """Events of ``call()``: in the model's own functions, elsewhere; the doors' checks (and what
    they call) stepped over, as ``n`` on their line would."""
    counts = dict(model=0, other=0, door=0)
    depth = [0]

    def tracer(frame, event, arg):
        path = frame.f_code.co_filename
        in_door = _is_check(frame.f_code)
        if event == "call" and in_door:
            depth[0] += 1
        if depth[0]:
            counts["door"] += 1
            if event == "return" and in_door:
                depth[0] -= 1
            return tracer
        counts["model" if _in_model(path) else "other"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    total = counts["model"] + counts["other"]
    return dict(counts, share_in_model=round(counts["model"] / total, 3))


def measure() -> dict:
    import numpy as np
    import pc_numpy as pcn

    rng = np.random.default_rng(0)
    data, labels = pcn.letters()
    params = pcn.init_params(2, 50, 2, rng)
    x = np.ascontiguousarray(data[:4].transpose(1, 0, 2))                                 # (T, B, O)
    mus = rng.standard_normal((4, 2))
    kwargs = dict(tau=50.0, alpha_x=0.1, alpha_h=0.019, alpha_c=0.0085, sigma_r=2.6,
                  sigma_c=0.096, mus=mus, rng=rng)

    def call():
        return pcn.rollout(params, x, rng.standard_normal((4, 2)), np.zeros(50), **kwargs)

    out = {}
    out["rollout_to_hidden_prior_cold_s"] = count_to_first_line(call, "hidden_prior", False)
    out["rollout_to_hidden_prior_warm_s"] = count_to_first_line(call, "hidden_prior", False)
    out["rollout_to_hidden_prior_door_stepped_over"] = count_to_first_line(call, "hidden_prior", True)
    model = pcn.train(data[:3], labels[:3], iterations=2, states_dim=8, progress=False).model
    out["retrieval"] = model_share(lambda: pcn.retrieve(model, data[:3], trials=3, restarts=2,
                                                          progress=False))
    out["training"] = model_share(lambda: pcn.train(data[:3], labels[:3], iterations=3,
                                                      states_dim=8, progress=False))
    calls = [0]
    module = sys.modules["pc_numpy.rollout"]       # (the package's attribute is the function)
    original = module.step

    def counting(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    module.step = counting
    try:
        pcn.train(data[:3], labels[:3], iterations=1, states_dim=8, progress=False)
    finally:
        module.step = original
    out["step_calls_per_training_iteration"] = calls[0]
    out["T"] = int(data.shape[1])
    return out


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(measure()))
    else:                      # a fresh process, so that "cold" is the first call ever
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child"], env=env,
                              capture_output=True, text=True, check=True)
        print(json.dumps(json.loads(done.stdout), indent=2))
