"""Simulated comparisons with a known truth, run through the real code
(pfsbench_results.compare on in-memory documents), for the statistical
tests of test_decisions.py and for measuring rates by hand:

    python3 tests/integration/simulate.py      # prints the rates

The model of one side's run r (r = 0 .. runs-1, round r of an A/B series):

    value(iteration i) = center * truth * drift(r) * order(r) * run_effect(r) * noise(r, i)

- run_effect: lognormal, shared by the iterations of one run (what makes
  pooling iterations wrong);
- noise: lognormal per iteration;
  run_effect and noise split the log-variance of a single measurement
  equally, whose coefficient of variation is `cv`;
- drift: a slow trend over the rounds, exp(drift * r / runs), shared by
  both sides of a round (the two runs of a round run back to back);
- order: whoever runs second in its round is (1 + order_bias) faster;
- truth: 1 on side A; `ratio` on side B.
Each run has `iterations` iterations. Paired: one --ab directory whose
round order is drawn as scripts/suite draws it (runner.ab_orders);
unpaired: the same runs as two directories."""
import copy
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts"))
from pfsbench_results import compare, documents, runner  # noqa: E402

CENTER = 1e9


EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(HERE)), "results", "examples", "ior_like.json")


def base_document():
    """The shipped ior_like example (a real, valid document) as the template."""
    with open(EXAMPLE) as f:
        doc = json.load(f)
    doc["summary"] = []  # the summary of the example's own phases
    return doc


def phases(template, values):
    """Write phases with these bandwidths, the example's write phase otherwise."""
    proto = next(p for p in template["phases"] if p["name"] == "write")
    out = []
    for i, v in enumerate(values):
        p = dict(proto, iteration=i, duration_s=proto["bytes"] / v, bandwidth_bytes_per_s=v,
                 ops_per_s=proto["ops"] / (proto["bytes"] / v))
        out.append(p)
    return out


class _Suite:
    def __init__(self):
        self.runs = [type("Spec", (), {"name": "ior"})()]


def simulate(rng, runs=10, iterations=3, cv=0.2, ratio=1.0, drift=0.1, order_bias=0.0, order="random",
             order_seed=0, template=None):
    """(side A docs, side B docs) of one simulated A/B series."""
    sigma = math.sqrt(math.log(1 + cv * cv))
    s_run, s_it = sigma / math.sqrt(2), sigma / math.sqrt(2)
    if order == "random":
        orders = runner.ab_orders(_Suite(), runs, order_seed)["ior"]
    else:
        orders = [order] * runs
    template = template or base_document()
    out = {"A": [], "B": []}
    for r in range(runs):
        for pos, side in enumerate(orders[r]):
            truth = ratio if side == "B" else 1.0
            level = CENTER * truth * math.exp(drift * r / runs) * (1 + order_bias if pos == 1 else 1.0)
            level *= math.exp(rng.normal(0, s_run))
            vals = [level * math.exp(rng.normal(0, s_it)) for _ in range(iterations)]
            doc = copy.copy(template)
            doc["phases"] = phases(template, vals)
            doc["tags"] = {"side": side}
            rec = {"name": "ior", "tool": "ior_like", "side": side, "repetition": r + 1, "status": "ok"}
            out[side].append(documents.Doc(f"ior.{side}.r{r + 1}.json", doc, rec))
    return out["A"], out["B"]


def trial(rng, paired, gate_pct=5.0, min_runs=compare.MIN_RUNS, seed=0, **kw):
    """(verdict, ratio, gate passed) of one simulated comparison."""
    a, b = simulate(rng, order_seed=int(rng.integers(2**31)), **kw)
    res = compare.compare(compare.Side("A", a), compare.Side("B", b), ("bandwidth_bytes_per_s",), gate_pct,
                          paired=paired, seed=seed, min_runs=min_runs)
    row = res["verdicts"][0]
    return row["verdict"], row["ratio"], res["gate"]["passed"]


def rates(n, paired, seed=1, **kw):
    """Over n trials: {"gate_failed", "significant", "regression", "mean_log_ratio"}."""
    rng = np.random.default_rng(seed)
    gate_failed = significant = regression = 0
    logs = []
    for _ in range(n):
        v, ratio, passed = trial(rng, paired, **kw)
        gate_failed += not passed
        significant += v in ("improvement", "regression")
        regression += v == "regression"
        logs.append(math.log(ratio))
    return {"gate_failed": gate_failed / n, "significant": significant / n, "regression": regression / n,
            "mean_log_ratio": float(np.mean(logs)), "n": n}


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    for paired in (True, False):
        mode = "paired" if paired else "unpaired"
        print(mode, "A/A cv 20%:", rates(1000, paired, cv=0.2))
        print(mode, "power 10% drop cv 10%:", rates(1000, paired, cv=0.1, ratio=0.9, seed=2))
    print("order bias 10%, random order:", rates(1000, True, cv=0.2, order_bias=0.1, seed=3))
    print("order bias 10%, always A first:", rates(1000, True, cv=0.2, order_bias=0.1, order="AB", seed=3))
