"""pc_torch on a device: every tensor and every draw on the device of the parameters.

On this CPU-only machine the device logic is tested as far as it can be: the same code paths run
with ``device="cpu"`` given explicitly, a generator on another device is refused by name, and
every tensor that pc_torch creates names its device (read from the source).  Where a GPU is
present (``torch.cuda.is_available()``), the same tests run with ``device="cuda"`` too and must
equal pc_numpy in float64; they are skipped, saying so, where there is none.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pc_numpy as pcn  # noqa: E402
import pc_torch as pct  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device on this machine"))]
DATA, LABELS = pcn.letters()
# float64 on both sides, the same operations in the same order: rounding differences only
# (a few ulps per step, over 60 steps and a few iterations)
ATOL = 1e-10


@pytest.mark.parametrize("device", DEVICES)
def test_rollout_on_device_equals_pc_numpy(device):
    rng = np.random.default_rng(0)
    params = pcn.init_params(2, 8, 2, rng)
    x = DATA[:3].transpose(1, 0, 2)                                                       # (T, B, O)
    c0, h0, mus = rng.standard_normal((3, 2)), rng.standard_normal(8), rng.standard_normal((4, 2))
    xi = rng.standard_normal((x.shape[0], 3, 2))
    kw = dict(tau=5.0, alpha_x=0.1, alpha_h=0.02, alpha_c=0.01, sigma_r=0.5, sigma_c=0.3, xi=xi)
    want = pcn.rollout(params, x, c0, h0, mus=mus, **kw)
    got = pct.rollout(pct.params.from_numpy(params, device=device), x, c0, h0, mus=mus, **kw)
    for name, w, g in zip(want._fields, want, got):
        assert g.device.type == device, f"trace.{name} is on {g.device}, not {device}"
        np.testing.assert_allclose(g.cpu().numpy(), w, rtol=0, atol=ATOL, err_msg=f"trace.{name}")


@pytest.mark.parametrize("device", DEVICES)
def test_train_and_retrieve_run_on_device(device):
    ours = pcn.train(DATA[:3], LABELS[:3], iterations=4, states_dim=8, seed=1, progress=False)
    theirs = pct.train(DATA[:3], LABELS[:3], iterations=4, states_dim=8, seed=1, progress=False,
                       device=device)
    np.testing.assert_allclose(theirs.losses, ours.losses, rtol=1e-10, err_msg="losses")
    result = pct.retrieve(theirs.model, DATA[:3], trials=3, restarts=2, progress=False, device=device)
    assert result.c_path.shape == (4, 6, 2) and np.isfinite(result.c_path).all()


def test_a_generator_on_another_device_is_refused_by_name():
    model = pcn.train(DATA[:3], LABELS[:3], iterations=2, states_dim=6, progress=False).model
    with pytest.raises(ValueError, match="rng"):
        pct.retrieve(model, DATA[:3], trials=1, progress=False, device="meta",
                     rng=torch.Generator(device="cpu"))


TENSOR_FACTORIES = {"randn", "zeros", "ones", "empty", "full", "rand", "arange", "eye", "tensor"}


def test_every_tensor_pc_torch_creates_names_its_device():
    """``torch.randn(...)``, ``torch.zeros(...)`` and the like, anywhere in pc_torch, pass
    ``device=`` (a tensor made without it lands on the CPU whatever the parameters' device)."""
    missing = []
    for path in sorted((ROOT / "pc_torch").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"
                    and node.func.attr in TENSOR_FACTORIES):
                if not any(k.arg == "device" or k.arg is None for k in node.keywords):
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno} torch.{node.func.attr}")
    assert not missing, "tensors made without a device: " + "; ".join(missing)
