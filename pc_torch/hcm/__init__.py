"""PC-RNN-HC-M in PyTorch: the same names and signatures as ``pc_numpy.hcm``, gradients by autograd.

The reference that verifies ``pc_numpy.hcm`` (float64).  (2)-(5), (7), (8) are ``pc_torch``'s own.
"""
from .params import Params, init_params, from_numpy
from .equations import hidden_prior, causes_bottom_up
from .rollout import Step, Trace, step, rollout, generate
from .bptt import Grads, loss, loss_and_grads

__all__ = [
    "Params", "init_params", "from_numpy",
    "hidden_prior", "causes_bottom_up",
    "Step", "Trace", "step", "rollout", "generate",
    "Grads", "loss", "loss_and_grads",
]
