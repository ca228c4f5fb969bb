"""``python -m pc_numpy study`` and its statistics (docs/model.md §4c): the schema of study.json
key by key, the t interval against a hand computation, bad arguments named before any work."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from pc_numpy.protocols.study import (BUDGETS, budgets_up_to, over_seeds, parse_seeds,
                                      per_letter, t_975)
from pc_numpy.tools.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG = b"\x89PNG\r\n\x1a\n"


def test_t_interval_matches_a_hand_computation():
    v = [0.7, 0.8, 0.9, 0.6, 1.0]
    # by hand: mean 0.8; sd (n-1) = sqrt(0.1 / 4) = 0.158114; t_{0.975,4} = 2.776;
    # half = 2.776 * 0.158114 / sqrt(5) = 0.196293
    s = over_seeds(v)
    assert s["mean"] == pytest.approx(0.8, abs=1e-12)
    assert s["ci95"][0] == pytest.approx(0.8 - 0.196293, abs=1e-6)
    assert s["ci95"][1] == pytest.approx(0.8 + 0.196293, abs=1e-6)
    assert (s["min"], s["max"], s["per_seed"]) == (0.6, 1.0, v)
    assert over_seeds([0.5])["ci95"] == [None, None]
    assert over_seeds([0.5, 0.5])["ci95"] == [0.5, 0.5]


def test_t_quantile_table_and_fallback():
    assert t_975(1) == 12.706 and t_975(9) == 2.262 and t_975(30) == 2.042
    # beyond the table: the expansion against published values (df 40: 2.021, 60: 2.000, 120: 1.980)
    for df, want in ((40, 2.0211), (60, 2.0003), (120, 1.9799)):
        assert abs(t_975(df) - want) < 3e-4, df
    assert all(t_975(d) > t_975(d + 1) for d in range(1, 200))    # decreasing towards 1.96
    with pytest.raises(ValueError, match="df"):
        t_975(0)


def test_seeds_and_budgets():
    assert parse_seeds("0-9") == list(range(10))
    assert parse_seeds("3") == [3]
    assert parse_seeds("0,2,5-7") == [0, 2, 5, 6, 7]
    for bad in ("3-1", "a", "-2", "1,1", "1-"):
        with pytest.raises(ValueError, match="--seeds"):
            parse_seeds(bad)
    assert budgets_up_to(1000) == list(BUDGETS)
    assert budgets_up_to(120) == [10, 25, 50, 100]
    assert budgets_up_to(5) == [5]


def test_per_letter_counts_failures_and_confusions():
    results = [dict(labels=("a", "b"), target_ids=np.array([0, 1]), final_answers=np.array([0, 0])),
               dict(labels=("a", "b"), target_ids=np.array([0, 1]), final_answers=np.array([1, 0]))]
    table = per_letter(results)
    assert table == {"a": dict(shown=2, wrong=1, confused_with={"b": 1}),
                     "b": dict(shown=2, wrong=2, confused_with={"a": 2})}


def test_study_end_to_end_through_the_command_line(tmp_path):
    out = tmp_path / "s"
    env = dict(os.environ, PYTHONPATH=ROOT, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "pc_numpy", "study", "--seeds", "0-1", "--iterations", "20",
                           "--trials", "5", "--restarts", "2", "--states", "8", "--workers", "2",
                           "--out", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(" done (") == 2                      # one progress line per seed
    s = json.loads((out / "study.json").read_text())
    for key in ("methods", "final_loss", "numpy", "blas", "seconds", "seeds", "ci", "per_letter"):
        assert key in s, key
    assert s["numpy"] == np.__version__ and set(s["blas"]) == {"name", "version"}
    assert s["seeds"] == [0, 1] and s["seconds"] > 0
    assert set(s["methods"]) == {"run", "answer", "random_search", "exhaustive"}
    for method in ("run", "answer", "random_search"):
        by = s["methods"][method]["by_budget"]
        assert list(by) == ["5"], method
        cell = by["5"]
        assert set(cell) == {"mean", "ci95", "min", "max", "per_seed"}, method
        assert len(cell["per_seed"]) == 2 and all(0 <= v <= 1 for v in cell["per_seed"])
        assert cell["min"] == min(cell["per_seed"]) and cell["max"] == max(cell["per_seed"])
        assert cell["mean"] == pytest.approx(np.mean(cell["per_seed"]), abs=1e-15)
        half = 12.706 * np.std(cell["per_seed"], ddof=1) / math.sqrt(2)
        assert cell["ci95"] == pytest.approx([cell["mean"] - half, cell["mean"] + half], abs=1e-12)
    assert len(s["methods"]["exhaustive"]["per_seed"]) == 2
    assert len(s["final_loss"]["per_seed"]) == 2 and all(v > 0 for v in s["final_loss"]["per_seed"])
    assert (out / "study_accuracy.png").read_bytes()[:8] == PNG
    assert (out / "per_letter.md").read_text().startswith("# Per memory")
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
    for seed in (0, 1):                                           # each seed's curves, written as it finished
        one = json.loads((out / "seeds" / f"seed_{seed}.json").read_text())
        assert one["seed"] == seed and len(one["answer"]) == 5 and len(one["random_search"]) == 10
        assert one["answer"][-1] == s["methods"]["answer"]["by_budget"]["5"]["per_seed"][seed]


def test_a_seed_gives_the_same_numbers_in_a_worker_as_in_process(tmp_path, capsys, monkeypatch):
    """Each seed's numbers depend on the seed only, not on the process that ran it."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    args = ["study", "--seeds", "4", "--iterations", "10", "--trials", "3", "--restarts", "1",
            "--states", "6", "--quiet"]
    assert main(args + ["--workers", "1", "--out", str(tmp_path / "a")]) == 0
    assert main(["study", "--seeds", "3-4", "--iterations", "10", "--trials", "3", "--restarts", "1",
                 "--states", "6", "--quiet", "--workers", "2", "--out", str(tmp_path / "b")]) == 0
    a = json.loads((tmp_path / "a" / "study.json").read_text())
    b = json.loads((tmp_path / "b" / "study.json").read_text())
    for m in ("run", "answer", "random_search"):
        assert a["methods"][m]["by_budget"]["3"]["per_seed"][0] == b["methods"][m]["by_budget"]["3"]["per_seed"][1]
    assert a["final_loss"]["per_seed"][0] == b["final_loss"]["per_seed"][1]


@pytest.mark.parametrize("argv, word", [
    (["--seeds", "3-1"], "--seeds"),
    (["--seeds", "x"], "--seeds"),
    (["--workers", "0"], "--workers"),
    (["--trials", "0"], "--trials"),
    (["--cue-steps", "61"], "--cue-steps"),
    (["--cue-noise", "-1"], "--cue-noise"),
    (["--variants", "1", "--data", "x.npy"], "--variants"),
])
def test_bad_arguments_are_named_with_exit_code_2(argv, word, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["study", "--out", str(tmp_path / "o"), "--quiet"] + argv)
    assert exc.value.code == 2
    assert word in capsys.readouterr().err


def test_out_below_a_file_is_named(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    for out in (f, f / "sub"):                                    # a file; a folder that cannot be made
        with pytest.raises(SystemExit) as exc:
            main(["study", "--out", str(out), "--quiet"])
        assert exc.value.code == 2
        assert "--out" in capsys.readouterr().err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_out_is_named(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(SystemExit) as exc:
            main(["study", "--out", str(locked / "sub"), "--quiet"])
        assert exc.value.code == 2
        assert "--out" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            main(["study", "--out", str(locked), "--quiet"])
        assert "not writable" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(SystemExit):
        main(["study", "--out", str(f), "--quiet"])
    assert "not a folder" in capsys.readouterr().err


def test_train_keep_best_returns_the_lowest_loss_iterate():
    import pc_numpy as pcn
    data, labels = pcn.letters()
    data = data[:4, ::6]
    best = pcn.train(data, labels[:4], states_dim=8, iterations=40, lr=0.1, seed=0, keep="best", progress=False)
    last = pcn.train(data, labels[:4], states_dim=8, iterations=40, lr=0.1, seed=0, progress=False)
    np.testing.assert_array_equal(best.losses, last.losses)            # the same path
    x = data.transpose(1, 0, 2)
    loss, _ = pcn.loss_and_grads(best.model.params, x, best.model.mus, best.model.h0, tau=best.model.tau)
    # the same computation on the same values as the recorded loss: equal to rounding (1e-12 rel.)
    assert abs(loss - best.losses.min()) <= 1e-12 * best.losses.min()
    with pytest.raises(ValueError, match="keep"):
        pcn.train(data, labels[:4], iterations=2, keep="first", progress=False)
