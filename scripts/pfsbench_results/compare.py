"""Matching the runs of two sides and comparing them metric by metric.

A sample is one phase's value of one iteration of one document: a side's
samples for (tool, config_hash, phase, metric) pool every iteration of
every matching document (suite --repeat and the tools' -i both add). The
gate: a metric regresses when the whole 95% interval of median(new) /
median(base) lies below 1 - PCT/100 (higher is better), or above
1 / (1 - PCT/100) (lower is better: durations, latencies)."""
from . import UsageError, stats

# metric -> (direction: +1 higher is better, -1 lower; scale; unit)
METRICS = {
    "bandwidth_bytes_per_s": (+1, 2**20, "MiB/s"),
    "ops_per_s": (+1, 1, "ops/s"),
    "duration_s": (-1, 1, "s"),
    "latency_p50_ns": (-1, 1e3, "us"),
    "latency_p90_ns": (-1, 1e3, "us"),
    "latency_p99_ns": (-1, 1e3, "us"),
    "latency_p99.9_ns": (-1, 1e3, "us"),
}
DEFAULT_METRICS = ("bandwidth_bytes_per_s", "ops_per_s", "duration_s")
MIN_REPETITIONS = 5


def metric_value(phase, metric):
    if metric.startswith("latency_p"):
        p = float(metric[len("latency_p"):-len("_ns")])
        lat = phase.get("latency") or {}
        for row in lat.get("percentiles", []):
            if row["p"] == p:
                return row["latency_ns"]
        return None
    return phase.get(metric)


def samples(docs, phase_name, metric):
    out = []
    for d in docs:
        for p in d.phases(phase_name):
            v = metric_value(p, metric)
            if v is not None:
                out.append(float(v))
    return out


def phase_names(docs):
    names = []
    for d in docs:
        for p in d.phases():
            if p["name"] not in names:
                names.append(p["name"])
    return names


def group(docs):
    """{(tool, config_key): [docs]}, in first-seen order (Doc.config_key:
    the set parameters of the config, so documents of an older pfsbench
    that lacked a parameter still match)."""
    groups = {}
    for d in docs:
        groups.setdefault((d.tool, d.config_key), []).append(d)
    return groups


def match(base_docs, new_docs, force=False):
    """Pairs of (label, base docs, new docs, warnings). Runs are matched by
    tool and configuration; a tool whose configurations differ between the
    sides raises UsageError unless `force` (then matched by tool). Messages
    name the documents' config_hash."""
    bg, ng = group(base_docs), group(new_docs)
    shown = {key: docs[0].config_hash for key, docs in (*bg.items(), *ng.items())}
    pairs, warnings = [], []
    for key, bdocs in bg.items():
        if key in ng:
            pairs.append((f"{key[0]} {shown[key]}", bdocs, ng[key]))
            continue
        others = [k for k in ng if k[0] == key[0] and k not in bg]
        if not others:
            warnings.append(f"{key[0]} ({shown[key]}) has no run on the new side; not compared")
            continue
        if not force:
            raise UsageError(f"{key[0]}: the sides ran different configurations (config_hash differs: base "
                             f"{shown[key]}, new {', '.join(shown[k] for k in others)}); compare runs of one "
                             f"configuration, or add --force to compare them anyway")
        # Forced: the same suite run name if there is one (acceptance's two
        # ior_like runs each find their own), else the first of the tool.
        names = {d.record.get("name") for d in bdocs} - {None}
        pick = next((k for k in others if names & {d.record.get("name") for d in ng[k]}), others[0])
        warnings.append(f"{key[0]}: config_hash differs (base {shown[key]}, new {shown[pick]}); compared anyway "
                        f"(--force)")
        pairs.append((f"{key[0]} (forced)", bdocs, ng[pick]))
    for key in ng:
        if key not in bg and not any(k[0] == key[0] for k in bg):
            warnings.append(f"{key[0]} ({shown[key]}) has no run on the base side; not compared")
    return pairs, warnings


def compare_pair(bdocs, ndocs, metrics, gate_pct=None, seed=0):
    """Rows of one matched pair: per phase and metric, the medians, the
    ratio new/base, its bootstrap interval, the U test's p and the verdict."""
    rows = []
    # The suite's run name(s) of the base side (None for bare documents).
    run = ", ".join(sorted({d.record.get("name") for d in bdocs} - {None})) or None
    for phase in phase_names(bdocs):
        for metric in metrics:
            b, n = samples(bdocs, phase, metric), samples(ndocs, phase, metric)
            if not b or not n:
                continue
            mb, mn = stats.median(b), stats.median(n)
            if mb == 0:
                continue
            ci = stats.bootstrap_ratio_ci(b, n, seed=seed)
            rows.append({"tool": bdocs[0].tool, "run": run, "phase": phase, "metric": metric,
                         "higher_is_better": METRICS[metric][0] > 0, "n_base": len(b), "n_new": len(n),
                         "median_base": mb, "median_new": mn, "ratio": mn / mb,
                         "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
                         "p_value": stats.mann_whitney_p(b, n), "verdict": verdict(metric, ci, gate_pct)})
    return rows


def row_label(row):
    """tool, plus the suite run's name when it says more (ior_like (ior_like_fpp))."""
    return row["tool"] if row.get("run") in (None, row["tool"]) else f"{row['tool']} ({row['run']})"


def verdict(metric, ci, gate_pct):
    """'regression' when the interval lies wholly on the bad side of the
    gate, 'improvement' wholly on the good side of it, else 'same'.
    Without a gate (gate_pct None) the threshold is 0%."""
    if ci is None:
        return "unknown"
    pct = (gate_pct or 0.0) / 100
    low_bound, high_bound = (1 - pct, 1 / (1 - pct)) if pct < 1 else (0.0, float("inf"))
    better = METRICS[metric][0] > 0
    worse_side = ci[1] < low_bound if better else ci[0] > high_bound
    better_side = ci[0] > high_bound if better else ci[1] < low_bound
    return "regression" if worse_side else "improvement" if better_side else "same"


def compare(base_docs, new_docs, metrics=DEFAULT_METRICS, gate_pct=None, force=False, seed=0):
    """The whole comparison: {"rows": [...], "warnings": [...], "regressions": n}."""
    pairs, warnings = match(base_docs, new_docs, force)
    for side, docs in (("base", base_docs), ("new", new_docs)):
        bad = [d.path for d in docs if d.status != "ok"]
        if bad:
            warnings.append(f"{side}: {len(bad)} run(s) did not finish ok ({', '.join(bad[:3])}); "
                            f"their finished phases are counted")
    rows = []
    for _label, b, n in pairs:
        rows += compare_pair(b, n, metrics, gate_pct, seed)
    few = {}
    for r in rows:
        for side in ("base", "new"):
            if r[f"n_{side}"] < MIN_REPETITIONS:
                key = (r["tool"], side)
                few[key] = min(few.get(key, r[f"n_{side}"]), r[f"n_{side}"])
    for (tool, side), count in sorted(few.items()):
        warnings.append(f"{tool}: the {side} side has {count} repetition(s) of a phase, fewer than "
                        f"{MIN_REPETITIONS}: its intervals are wide or degenerate; use scripts/suite --repeat")
    return {"gate_pct": gate_pct, "rows": rows, "warnings": warnings,
            "regressions": sum(r["verdict"] == "regression" for r in rows)}
