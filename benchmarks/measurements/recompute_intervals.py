"""Recompute the published accuracy intervals (95% Student-t over 10 seeds, which left [0, 1] and
vanished at the ceiling) as the study now computes them: Wilson with an effective number of
answers (pc_numpy.protocols.study.SHARE_CI_METHOD).

The t interval was mean +- t_{0.975,9} s / sqrt(10), so its half-width gives the spread of the
seeds back: var of the mean = (half / 2.262)^2, and n_eff = p (1 - p) / that, at most 10 m
(m answers per seed: 20 letters for an answer accuracy, 20 x 4 restarts = 80 runs for a run
accuracy).  The published numbers are rounded to 3 decimals, so the recomputed bounds can be off
by about 0.002; the study's own tables are computed from the per-seed values.

    python benchmarks/measurements/recompute_intervals.py README.md           # print the lines changed
    python benchmarks/measurements/recompute_intervals.py README.md --write   # rewrite them in place

Every "p (lo–hi; min–max)" cell of an accuracy is recomputed (a table's column header or the words
before a cell in prose say whether it is a run accuracy (80 per seed) or an answer accuracy or a
match (20 per seed)); losses (4 decimals) and other numbers are left alone.  Run it once: on
already recomputed intervals it would treat them as t intervals.
"""
import re
import sys

from pc_numpy.protocols.study import t_975, wilson

CELL = re.compile(r"(\d\.\d{2,3}) \((\d\.\d{2,3})–(\d\.\d{2,3}); (\d\.\d{2,3})–(\d\.\d{2,3})\)")


def recompute(p, lo, hi, per_seed, seeds=10):
    """Wilson (effective n) bounds from a mean and its t interval over ``seeds`` seeds."""
    half = (hi - lo) / 2
    var_mean = (half / t_975(seeds - 1)) ** 2
    pooled = seeds * per_seed
    n = pooled if var_mean <= 0 else min(pooled, p * (1 - p) / var_mean) if 0 < p < 1 else pooled
    a, b = wilson(p, n)
    return float(a), float(b), n


def per_seed_count(kind_text):
    """80 runs per seed for a run accuracy, 20 answers for an answer accuracy or a match."""
    return 80 if "run" in kind_text else 20


def main(path, write=False):
    header, lines = [], []
    for line in open(path, encoding="utf-8"):
        lines.append(line)
        if line.startswith("|") and not CELL.search(line) and "---" not in line:
            header = [c.strip() for c in line.strip().strip("|").split("|")]
        if not CELL.search(line):
            continue
        if line.startswith("|"):
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            out = []
            for i, c in enumerate(cols):
                kind = cols[0] if not re.search(r"\brun\b|answer", header[i] if i < len(header) else "") \
                    else header[i]
                kind = "run" if re.search(r"\brun\b", kind) else "answer"
                out.append(CELL.sub(lambda m: fmt(m, per_seed_count(kind)), c))
            lines[-1] = "| " + " | ".join(out) + " |\n"
        else:
            pieces, last = [], 0
            for m in CELL.finditer(line):
                before = line[:m.start()]
                r, a = before.rfind("run accuracy"), max(before.rfind("answer accuracy"), before.rfind("exhaustive"))
                pieces.append(line[last:m.start()] + fmt(m, per_seed_count("run" if r > a else "answer")))
                last = m.end()
            lines[-1] = "".join(pieces) + line[last:]
        print(lines[-1], end="")
    if write:
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(lines))


def fmt(m, per_seed):
    p, lo, hi, mn, mx = (float(g) for g in m.groups())
    a, b, n = recompute(p, lo, hi, per_seed)
    d = len(m.group(1).split(".")[1])
    return f"{p:.{d}f} ({a:.{d}f}–{b:.{d}f}; {mn:.{d}f}–{mx:.{d}f})"


if __name__ == "__main__":
    main(sys.argv[1], write="--write" in sys.argv[2:])
