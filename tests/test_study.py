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

from hypothesis import given, settings, strategies as st

from pc_numpy.protocols.study import (BUDGETS, at_seconds, budgets_up_to, effective_n, over_seeds,
                                      over_seeds_share, parse_seeds, per_letter, t_975, wilson)
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


def test_wilson_interval_matches_hand_computations():
    # by hand, z = 1.959964: p = 0.5, n = 100: centre 0.5, half = z sqrt(0.0025 + z^2/40000) / (1 + z^2/100)
    #   = 1.959964 * 0.0509513 / 1.0384146 = 0.0961685 -> 0.4038315 - 0.5961685
    lo, hi = wilson(0.5, 100)
    assert (float(lo), float(hi)) == pytest.approx((0.4038315, 0.5961685), abs=1e-6)
    # 200 right of 200: (1 + z^2/400) / (1 + z^2/200) -/+ (z^2/400) / (1 + z^2/200):
    #   lower = 1 / (1 + 3.841459/200) = 0.9811547, upper 1: the ceiling does not vanish
    lo, hi = wilson(1.0, 200)
    assert float(lo) == pytest.approx(0.9811547, abs=1e-6) and float(hi) == 1.0
    lo, hi = wilson(0.0, 200)
    assert float(lo) == 0.0 and float(hi) == pytest.approx(1 - 0.9811547, abs=1e-6)


def test_effective_n_from_the_spread_over_seeds():
    # seeds all at 1 (no spread): the pooled count, 10 seeds x 20 answers
    assert float(effective_n(np.ones((10, 1)), 20)[0]) == 200
    # by hand: shares 0.8, 1.0 (2 seeds of 20): p 0.9, s^2 = 0.02, var of the mean 0.01,
    # n_eff = 0.09 / 0.01 = 9 (< 40 counted): the seeds disagree far beyond binomial counts
    assert float(effective_n(np.array([[0.8], [1.0]]), 20)[0]) == pytest.approx(9.0, abs=1e-12)
    cell = over_seeds_share([0.8, 1.0], 20)
    lo, hi = wilson(0.9, 9.0)
    assert cell["ci95"] == pytest.approx([float(lo), float(hi)], abs=1e-15) and cell["n_eff"] == pytest.approx(9.0)
    assert cell["count"] == 40 and cell["per_seed"] == [0.8, 1.0]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 40), st.data())
def test_share_intervals_stay_in_0_1_and_contain_the_mean(k, m, data):
    """Any k seeds of m answers each: the interval lies in [0, 1], contains the pooled share,
    is never narrower than the binomial interval of all k m answers, and n_eff <= k m."""
    correct = data.draw(st.lists(st.integers(0, m), min_size=k, max_size=k))
    shares = [c / m for c in correct]
    cell = over_seeds_share(shares, m)
    lo, hi = cell["ci95"]
    p = sum(correct) / (k * m)
    assert 0.0 <= lo <= p + 1e-12 and p - 1e-12 <= hi <= 1.0, (shares, cell)
    blo, bhi = wilson(p, k * m)
    assert lo <= float(blo) + 1e-12 and hi >= float(bhi) - 1e-12, (shares, cell)
    assert 0 < cell["n_eff"] <= k * m


def test_reading_a_curve_at_cpu_seconds():
    curve, cpu = np.array([0.1, 0.5, 0.9]), np.array([1.0, 2.0, 3.0])
    got = at_seconds(curve, cpu, [0.5, 1.0, 1.5, 2.99, 3.0, 10.0])
    np.testing.assert_array_equal(got, [0.0, 0.1, 0.1, 0.5, 0.9, 0.9])   # nothing finished yet: 0


def test_random_search_with_cpu_seconds_draws_on_and_keeps_its_first_draws():
    import pc_numpy as pcn
    from pc_numpy.protocols.baselines import random_search
    data, labels = pcn.letters()
    data = data[:3, ::6]
    model = pcn.train(data, labels[:3], states_dim=6, iterations=5, seed=0, progress=False).model
    plain = random_search(model, data, restarts=2, trials=4, seed=1, progress=False)
    longer = random_search(model, data, restarts=2, trials=4, seed=1, progress=False,
                           cpu_seconds=1e9, max_trials=11)
    assert plain.rollouts == 4 and longer.rollouts == 11 and len(longer.trial_cpu_seconds) == 11
    np.testing.assert_array_equal(longer.generation_error[:4], plain.generation_error)
    np.testing.assert_array_equal(longer.answer_accuracy[:4], plain.answer_accuracy)
    assert np.all(np.diff(longer.trial_cpu_seconds) >= 0)


TINY = ["--iterations", "20", "--trials", "5", "--restarts", "2", "--states", "8"]


def _study(out, seeds, *extra, workers="2"):
    env = dict(os.environ, PYTHONPATH=ROOT, MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-m", "pc_numpy", "study", "--seeds", seeds, *TINY, *extra,
                           "--workers", workers, "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    return proc


def test_study_end_to_end_through_the_command_line(tmp_path):
    out = tmp_path / "s"
    proc = _study(out, "0-1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(" done (") == 2                      # one progress line per seed
    s = json.loads((out / "study.json").read_text())
    for key in ("methods", "paired_difference", "final_loss", "numpy", "blas", "timing", "seeds", "ci",
                "per_letter", "counts", "settings", "data_sha256", "process"):
        assert key in s, key
    assert s["numpy"] == np.__version__ and set(s["blas"]) == {"name", "version"}
    assert s["seeds"] == [0, 1] and s["timing"]["seconds"] > 0
    assert set(s["methods"]) == {"run", "answer", "random_search", "exhaustive"}
    count = dict(run=40, answer=20, random_search=20)            # 20 letters, 2 restarts
    for method in ("run", "answer", "random_search"):
        by = s["methods"][method]["by_budget"]
        assert list(by) == ["5"], method
        cell = by["5"]
        assert set(cell) == {"mean", "ci95", "n_eff", "count", "min", "max", "per_seed"}, method
        assert len(cell["per_seed"]) == 2 and all(0 <= v <= 1 for v in cell["per_seed"])
        assert cell["min"] == min(cell["per_seed"]) and cell["max"] == max(cell["per_seed"])
        assert cell["mean"] == pytest.approx(np.mean(cell["per_seed"]), abs=1e-15)
        assert cell["count"] == 2 * count[method], method
        lo, hi = wilson(cell["mean"], effective_n(np.array(cell["per_seed"])[:, None], count[method])[0])
        assert cell["ci95"] == pytest.approx([float(lo), float(hi)], abs=1e-15), method
        assert 0 <= cell["ci95"][0] <= cell["mean"] <= cell["ci95"][1] <= 1, method
    # the paired difference at equal rollouts, per seed, with its t interval over seeds
    d = s["paired_difference"]["by_budget"]["5"]
    want = [a - r for a, r in zip(s["methods"]["answer"]["by_budget"]["5"]["per_seed"],
                                  s["methods"]["random_search"]["by_budget"]["5"]["per_seed"])]
    assert d["per_seed"] == pytest.approx(want, abs=1e-15)
    half = 12.706 * np.std(want, ddof=1) / math.sqrt(2)
    assert d["ci95"] == pytest.approx([np.mean(want) - half, np.mean(want) + half], abs=1e-12)
    # cost: CPU seconds and rollouts per method and seed; equal CPU seconds, paired
    t = s["timing"]
    assert t["cost"]["inference"]["rollouts_per_run"] == 10
    assert all(n >= 10 for n in t["cost"]["random_search"]["rollouts_per_run"])
    assert t["cost"]["exhaustive"]["rollouts_per_target"] == 20
    for method in ("inference", "random_search", "exhaustive"):
        assert len(t["cost"][method]["cpu_seconds"]["per_seed"]) == 2, method
    eq = t["equal_seconds"]
    assert len(eq["cpu_seconds"]) == len(eq["answer"]) == len(eq["random_search"]) == len(eq["difference"]) == 1
    assert eq["difference"][0]["per_seed"] == pytest.approx(
        [a - r for a, r in zip(eq["answer"][0]["per_seed"], eq["random_search"][0]["per_seed"])], abs=1e-15)
    assert len(s["methods"]["exhaustive"]["per_seed"]) == 2
    assert len(s["final_loss"]["per_seed"]) == 2 and all(v > 0 for v in s["final_loss"]["per_seed"])
    for png in ("study_accuracy.png", "study_seconds.png"):
        assert (out / png).read_bytes()[:8] == PNG, png
    assert (out / "per_letter.md").read_text().startswith("# Per memory")
    assert not [p for p in os.listdir(out) if p.endswith(".tmp")]
    for seed in (0, 1):                                           # each seed's curves, written as it finished
        one = json.loads((out / "seeds" / f"seed_{seed}.json").read_text())
        assert one["seed"] == seed and len(one["answer"]) == len(one["answer_cpu"]) == 5
        assert len(one["random_search"]) == len(one["random_search_cpu"]) >= 10
        assert one["random_search_cpu"][-1] >= one["answer_cpu"][-1]      # at least inference's seconds
        assert one["answer"][-1] == s["methods"]["answer"]["by_budget"]["5"]["per_seed"][seed]


def test_study_split_over_seeds_then_merged_equals_one_run(tmp_path):
    """``study --seeds 0-2`` against ``--seeds 0`` and ``--seeds 1-2`` merged: the same study.json
    but for its ``timing`` (the clock: CPU seconds and what is compared at equal seconds), the
    same figure at equal rollouts byte for byte, the same per-letter table."""
    for name, seeds in (("all", "0-2"), ("a", "0"), ("b", "1-2")):
        proc = _study(tmp_path / name, seeds, "--quiet")
        assert proc.returncode == 0, (name, proc.stderr)
    assert main(["study", "merge", str(tmp_path / "b"), str(tmp_path / "a"), "--out", str(tmp_path / "m")]) == 0
    one = json.loads((tmp_path / "all" / "study.json").read_text())
    merged = json.loads((tmp_path / "m" / "study.json").read_text())
    assert set(one) == set(merged)
    for key in one:
        if key != "timing":
            assert merged[key] == one[key], key
    assert merged["seeds"] == [0, 1, 2]
    for seed in (0, 1, 2):                                        # the seeds travel with it
        assert (tmp_path / "m" / "seeds" / f"seed_{seed}.json").read_text() == \
            (tmp_path / ("a" if seed == 0 else "b") / "seeds" / f"seed_{seed}.json").read_text()
    for f in ("per_letter.md", "study_accuracy.png"):
        assert (tmp_path / "m" / f).read_bytes() == (tmp_path / "all" / f).read_bytes(), f
    assert (tmp_path / "m" / "study_seconds.png").read_bytes()[:8] == PNG


def test_seeds_in_stacks_give_what_one_seed_at_a_time_gives(tmp_path):
    """``--stack 3`` (the three seeds' models as one stack, ``protocols.stacked``) and ``--stack 1``
    (one seed at a time): the same study.json but for ``timing``, in float32 (the default) and in
    float64; ``--dtype`` is a setting, recorded (so runs of two dtypes are never merged)."""
    for dtype in ("float32", "float64"):
        for stack in ("1", "3"):
            proc = _study(tmp_path / f"{dtype}_{stack}", "0-2", "--quiet", "--stack", stack,
                          "--dtype", dtype, workers="1")
            assert proc.returncode == 0, (dtype, stack, proc.stderr)
        one = json.loads((tmp_path / f"{dtype}_1" / "study.json").read_text())
        stacked = json.loads((tmp_path / f"{dtype}_3" / "study.json").read_text())
        assert one["settings"]["dtype"] == dtype
        for key in one:
            if key != "timing":
                assert stacked[key] == one[key], (dtype, key)
        records = [json.loads((tmp_path / f"{dtype}_3" / "seeds" / f"seed_{s}.json").read_text()) for s in range(3)]
        assert [r["stacked"] for r in records] == [3, 3, 3]
    f32 = json.loads((tmp_path / "float32_1" / "study.json").read_text())
    f64 = json.loads((tmp_path / "float64_1" / "study.json").read_text())
    assert f32["final_loss"]["per_seed"] != f64["final_loss"]["per_seed"]    # really another precision


def test_merge_refuses_runs_that_differ_and_names_what(tmp_path, capsys):
    assert _study(tmp_path / "a", "0", "--quiet").returncode == 0
    assert _study(tmp_path / "b", "1", "--quiet", "--cue-noise", "0.1").returncode == 0
    with pytest.raises(SystemExit) as exc:
        main(["study", "merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "m")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "settings.cue_noise" in err and "0.1" in err
    with pytest.raises(SystemExit):                               # a seed in two runs
        main(["study", "merge", str(tmp_path / "a"), str(tmp_path / "a"), "--out", str(tmp_path / "m")])
    assert "seed 0 is in both" in capsys.readouterr().err
    # other data: the same settings on another data file
    data = tmp_path / "d.npy"
    import pc_numpy as pcn
    np.save(data, pcn.letters()[0][:, :, ::-1])
    assert _study(tmp_path / "c", "1", "--quiet", "--data", str(data)).returncode == 0
    with pytest.raises(SystemExit):
        main(["study", "merge", str(tmp_path / "a"), str(tmp_path / "c"), "--out", str(tmp_path / "m")])
    assert "data_sha256" in capsys.readouterr().err
    with pytest.raises(SystemExit):                               # not a study
        main(["study", "merge", str(tmp_path / "a"), str(tmp_path), "--out", str(tmp_path / "m")])
    assert "study.json" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()                          # nothing written on refusal


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
    (["--stack", "0"], "--stack"),
    (["--dtype", "float16"], "--dtype"),
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
