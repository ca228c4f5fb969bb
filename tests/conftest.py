"""Shared pytest/hypothesis configuration of the foundation test suite.

Hypothesis profiles (choose one with the environment variable ``HYPOTHESIS_PROFILE``):

- ``ci`` (the default): ``max_examples=40``, no deadline.  The whole foundation suite
  (equations, rollout, BPTT, Adam, facts, bad input, numpy-only) runs in well under a minute on
  two cores.  Tests that are costly per example (finite differences, 20+ Adam steps, rollouts)
  set their own budget with ``strategies.examples(n)``, which scales with the profile.
- ``dev``: ``max_examples=10``, for a quick edit-test loop.
- ``thorough``: ``max_examples=500``, for a long local run before a release.

``deadline=None`` everywhere: the first call into torch in a process costs far more than the
later ones, and a wall-clock deadline would turn that into spurious failures.
"""
from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

# ``python -m pytest`` puts the repository root on sys.path; a bare ``pytest`` does not.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", max_examples=40, **_COMMON)
settings.register_profile("dev", max_examples=10, **_COMMON)
settings.register_profile("thorough", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
pytest_plugins = ["_exercise_hook"]   # coursework: readable "Exercise N not done yet" failures
