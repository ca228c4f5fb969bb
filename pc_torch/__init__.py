"""PC-RNN-HC-A in PyTorch: the same names and signatures as ``pc_numpy``, gradients by autograd.

It is the reference that verifies ``pc_numpy`` (float64), and a backend that can run on a GPU.
"""
from .params import Params, init_params, from_numpy
from .generative import hidden_prior, prediction, output_error
from .inference import hidden_posterior, hidden_error, causes_bottom_up, causes_noise
from .prior import prior_logits, responsibilities, prior_gradient, causes_prior, log_prior
from .rollout import Step, Trace, step, rollout, generate
from .bptt import Grads, loss, loss_and_grads
from .adam import Adam
from . import hcm                  # PC-RNN-HC-M (mirrors pc_numpy.hcm)
from .local import LocalDeltas, local_deltas, apply_local_update, free_energy
from .protocols.train import train
from .protocols.retrieval import retrieve

__all__ = [
    "Params", "init_params", "from_numpy",
    "hidden_prior", "prediction", "output_error",
    "hidden_posterior", "hidden_error", "causes_bottom_up", "causes_noise",
    "prior_logits", "responsibilities", "prior_gradient", "causes_prior", "log_prior",
    "Step", "Trace", "step", "rollout", "generate",
    "Grads", "loss", "loss_and_grads",
    "Adam", "hcm", "train", "retrieve",
    "LocalDeltas", "local_deltas", "apply_local_update", "free_energy",
]
