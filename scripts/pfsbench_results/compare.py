"""Matching the runs of two sides, comparing them phase by phase, the
verdicts and the gate.

Workload identity: runs match on the tool and the workload (Doc.workload:
the config without where it ran, plus ranks, nodes and ranks per node).
Where it ran (filesystem, mount, device, target, tags, versions, hosts)
may differ and is shown in "what differs between the sides".

The sample is a run: each document that ended `ok` gives one value per
phase and metric, the median of its complete iterations (their min..max
shown beside it). Iterations of one run share its conditions (page cache,
placement, the neighbours' load), so pooling them would make intervals too
narrow. A run that did not end ok, and an iteration of a phase that did
not complete (details.complete false), are never samples; they are listed.

Unpaired (two directories): ratio of medians new/base, its percentile
bootstrap 95% interval, Mann-Whitney U. Paired (one scripts/suite --ab
directory): the rounds are paired, per round log(B/A); the ratio is
exp(median), with a bootstrap interval over rounds and the Wilcoxon
signed-rank p.

Verdicts: one per tool (workload) and phase, on the phase's headline
metric. "improvement"/"regression" only when p < 0.05 and the interval
excludes 1 and each side has >= min_runs runs; else "no significant
change" or "too few runs (n = k)". Other metrics are shown, not counted.

The gate (gate_pct not None) fails closed: on a significant regression
larger than PCT, a failed or interrupted matched run, a phase of the base
side missing on the new side, a workload of the base side without runs on
the new side, nothing matched, or too few runs."""

import json

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
# The metric a tool's phases are judged by; default: bandwidth when the
# phase has one, else ops/s. Metadata phases move few bytes: ops/s.
HEADLINE = {"mdtest_like": "ops_per_s"}
MIN_RUNS = 5


def metric_value(phase, metric):
    if metric.startswith("latency_p"):
        p = float(metric[len("latency_p"):-len("_ns")])
        lat = phase.get("latency") or {}
        for row in lat.get("percentiles", []):
            if row["p"] == p:
                return row["latency_ns"]
        return None
    return phase.get(metric)


def complete(phase):
    return (phase.get("details") or {}).get("complete") is not False


def samples(docs, phase_name, metric):
    """Every complete iteration's value of this phase in these documents
    (for plots of the spread; comparisons use run_value)."""
    out = []
    for d in docs:
        for p in d.phases(phase_name):
            v = metric_value(p, metric)
            if v is not None and complete(p):
                out.append(float(v))
    return out


def run_value(doc, phase_name, metric):
    """One run's sample of a phase and metric: {"value": median of its
    complete iterations, "min", "max", "iterations"}, or None."""
    vals = samples([doc], phase_name, metric)
    if not vals:
        return None
    return {"path": doc.path, "value": stats.median(vals), "min": min(vals), "max": max(vals),
            "iterations": len(vals)}


def phase_names(docs):
    names = []
    for d in docs:
        for p in d.phases():
            if p["name"] not in names:
                names.append(p["name"])
    return names


def headline(tool, docs, phase):
    m = HEADLINE.get(tool)
    if m:
        return m
    vals = [metric_value(p, "bandwidth_bytes_per_s") for d in docs for p in d.phases(phase)]
    return "bandwidth_bytes_per_s" if vals and all(v for v in vals) else "ops_per_s"


class Side:
    """The documents of one side, and the runs of its results directory
    that left no document (manifest records)."""

    def __init__(self, name, docs, missing=()):
        self.name, self.docs, self.missing = name, list(docs), list(missing)


# --- workload identity -------------------------------------------------------
def group(docs):
    """{workload_key: [docs]} in first-seen order."""
    groups = {}
    for d in docs:
        groups.setdefault(d.workload_key, []).append(d)
    return groups


def show(name, value):
    """A parameter's value for a message: sizes in binary units."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)) and name.endswith("_bytes") and value >= 1024:
        for unit, f in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
            if value >= f:
                return f"{value / f:g} {unit}"
    return str(value)


def differing(bw, nw):
    """'name: base vs new' for each parameter that differs."""
    out = []
    for k in sorted(set(bw) | set(nw)):
        b, n = bw.get(k), nw.get(k)
        if b != n:
            out.append(f"{k}: {show(k, b)} vs {show(k, n)}")
    return out


def run_name(docs):
    return ", ".join(sorted({d.record.get("name") for d in docs} - {None})) or None


def match(base_docs, new_docs, force=False):
    """(pairs, missing, warnings): pairs of (base docs, new docs) of one
    workload; `missing` lists base workloads with no run on the new side.
    A workload of the base side that the new side ran only with other
    parameters raises UsageError naming the differing parameters, unless
    `force` (then matched by the suite's run name, else the closest)."""
    bg, ng = group(base_docs), group(new_docs)
    pairs, missing, warnings = [], [], []
    for key, bdocs in bg.items():
        if key in ng:
            pairs.append((bdocs, ng[key]))
            continue
        others = [k for k in ng if k[0] == key[0] and k not in bg]
        if not others:
            missing.append(bdocs)
            continue
        names = {d.record.get("name") for d in bdocs} - {None}
        bw = bdocs[0].workload
        pick = next((k for k in others if names & {d.record.get("name") for d in ng[k]}), None) or \
            min(others, key=lambda k: len(differing(bw, ng[k][0].workload)))
        diff = differing(bw, ng[pick][0].workload)
        if not force:
            raise UsageError(f"{key[0]}: the sides ran different workloads ({'; '.join(diff)}); compare runs of "
                             f"one workload (where they ran may differ), or add --force to compare them anyway")
        warnings.append(f"{key[0]}: the workloads differ ({'; '.join(diff)}); compared anyway (--force)")
        pairs.append((bdocs, ng[pick]))
    matched_new = {id(d) for _, nd in pairs for d in nd}
    for key, ndocs in ng.items():
        if not any(id(d) in matched_new for d in ndocs):
            warnings.append(f"{key[0]}{' (' + run_name(ndocs) + ')' if run_name(ndocs) else ''} has no run on "
                            f"the base side; not compared")
    return pairs, missing, warnings


# --- what differs --------------------------------------------------------------
def _env(doc, *path):
    v = doc.data.get("environment") or {}
    for p in path:
        v = (v or {}).get(p) if isinstance(v, dict) else None
    return v


DIFF_FIELDS = (
    ("filesystem type", lambda d: _env(d, "target", "fs_type")),
    ("mount options", lambda d: _env(d, "target", "mount", "options")),
    ("device", lambda d: " ".join(str(x) for x in (_env(d, "target", "mount", "source"),
                                                   _env(d, "target", "mount", "device")) if x) or None),
    ("mount point", lambda d: _env(d, "target", "mount", "mount_point")),
    ("target", lambda d: _env(d, "target", "probed_path")),
    ("tags", lambda d: ", ".join(f"{k}={v}" for k, v in sorted((d.data.get("tags") or {}).items())) or None),
    ("label", lambda d: d.data.get("label")),
    ("pfsbench", lambda d: " ".join(str(x) for x in (_env(d, "software", "pfsbench_version"),
                                                     _env(d, "software", "git_revision")) if x) or None),
    ("MPI", lambda d: _env(d, "software", "mpi_library")),
    ("HDF5", lambda d: _env(d, "software", "hdf5_version")),
    ("hosts", lambda d: ", ".join(_env(d, "hosts") or []) or None),
    ("kernel", lambda d: _env(d, "system", "kernel")),
)


def differences(base_docs, new_docs):
    """What may differ between the sides, each with the values of each side
    and whether they differ: [{"what", "base": [...], "new": [...], "differs"}]."""
    out = []
    for what, get in DIFF_FIELDS:
        b = sorted({str(v) for v in map(get, base_docs) if v is not None})
        n = sorted({str(v) for v in map(get, new_docs) if v is not None})
        out.append({"what": what, "base": b, "new": n, "differs": b != n})
    return out


# --- rows, verdicts ----------------------------------------------------------------
def pair_key(doc):
    return (doc.record.get("name"), doc.record.get("repetition"))


def compare_pair(bdocs, ndocs, metrics, paired=False, seed=0, min_runs=MIN_RUNS):
    """Rows of one matched workload: per phase of the base side and metric,
    each side's runs, the ratio, its interval, the p-value and the verdict
    (counted only on the phase's headline metric)."""
    tool = bdocs[0].tool
    run = run_name(bdocs)
    rows = []
    for phase in phase_names(bdocs):
        head = headline(tool, bdocs, phase)
        for metric in dict.fromkeys([head, *metrics]):
            if metric not in METRICS:
                continue
            rb = [x for x in (run_value(d, phase, metric) for d in bdocs) if x]
            rn = [x for x in (run_value(d, phase, metric) for d in ndocs) if x]
            if not rb or not rn:
                continue
            b, n = [x["value"] for x in rb], [x["value"] for x in rn]
            mb, mn = stats.median(b), stats.median(n)
            if mb == 0:
                continue
            row = {"tool": tool, "run": run, "point": point_of(bdocs), "phase": phase, "metric": metric, "headline": metric == head,
                   "higher_is_better": METRICS[metric][0] > 0, "n_base": len(b), "n_new": len(n),
                   "median_base": mb, "median_new": mn, "spread_base": spread(rb), "spread_new": spread(rn),
                   "runs_base": rb, "runs_new": rn}
            if paired:
                bv = {pair_key(d): x["value"] for d, x in ((d, run_value(d, phase, metric)) for d in bdocs) if x}
                nv = {pair_key(d): x["value"] for d, x in ((d, run_value(d, phase, metric)) for d in ndocs) if x}
                keys = [k for k in bv if k in nv]
                pb, pn = [bv[k] for k in keys], [nv[k] for k in keys]
                ci = stats.bootstrap_paired_ci(pb, pn, seed=seed)
                row.update({"mode": "paired", "test": "wilcoxon signed-rank", "n_pairs": len(keys),
                            "ratio": stats.paired_ratio(pb, pn), "p_value": stats.wilcoxon_p(pb, pn)})
                n_runs = len(keys)
            else:
                ci = stats.bootstrap_ratio_ci(b, n, seed=seed)
                row.update({"mode": "unpaired", "test": "mann-whitney U", "ratio": mn / mb,
                            "p_value": stats.mann_whitney_p(b, n)})
                n_runs = min(len(b), len(n))
            row["ci_low"], row["ci_high"] = (ci if ci else (None, None))
            row["verdict"] = verdict(row, n_runs, min_runs)
            rows.append(row)
    return rows


def spread(runs):
    """The largest min..max range of a run's iterations, relative to its median."""
    vals = [(x["max"] - x["min"]) / x["value"] for x in runs if x["value"]]
    return max(vals) if vals else None


def significant(row):
    return (row["p_value"] is not None and row["p_value"] < stats.ALPHA and row["ci_low"] is not None
            and (row["ci_low"] > 1 or row["ci_high"] < 1))


def verdict(row, n_runs, min_runs=MIN_RUNS):
    if n_runs < min_runs:
        return f"too few runs (n = {n_runs})"
    if row["ratio"] is None or not significant(row):
        return "no significant change"
    better = (row["ratio"] > 1) == row["higher_is_better"]
    return "improvement" if better else "regression"


def point_of(docs):
    """The sweep point of these runs (scripts/suite's record "sweep", e.g.
    {"ranks": 4}), or None outside a sweep."""
    points = {json.dumps(d.record.get("sweep") or {}, sort_keys=True) for d in docs}
    return json.loads(points.pop()) or None if len(points) == 1 else None


def row_label(row):
    """tool, plus the suite run's name when it says more (ior_like (ior_like_fpp)),
    plus the sweep point (ior_like (ior) at ranks 4)."""
    label = row["tool"] if row.get("run") in (None, row["tool"]) else f"{row['tool']} ({row['run']})"
    if row.get("point"):
        label += " at " + ", ".join(f"{k} {v}" for k, v in row["point"].items())
    return label


def beyond_gate(row, gate_pct):
    """A significant regression larger than gate_pct percent."""
    if row["verdict"] != "regression":
        return False
    limit = 1 - gate_pct / 100
    return row["ratio"] < limit if row["higher_is_better"] else row["ratio"] > 1 / limit


# --- the whole comparison ------------------------------------------------------
def not_samples(side_name, side):
    """The runs of a side that are not samples, and incomplete phases."""
    out = []
    for d in side.docs:
        if d.status != "ok":
            errs = "; ".join(e.get("message", "") for e in d.data.get("errors", [])[:2])
            out.append({"side": side_name, "tool": d.tool, "run": d.record.get("name"), "path": d.path,
                        "status": d.status, "what": "run", "reason": errs or f"status {d.status}"})
            continue
        for p in d.phases():
            if not complete(p):
                out.append({"side": side_name, "tool": d.tool, "run": d.record.get("name"), "path": d.path,
                            "status": d.status, "what": f"phase {p['name']} iteration {p['iteration']}",
                            "reason": "the phase did not complete"})
    for rec in side.missing:
        out.append({"side": side_name, "tool": rec.get("tool"), "run": rec.get("name"),
                    "path": rec.get("document") or rec.get("log"), "status": rec.get("status"), "what": "run",
                    "reason": "; ".join(rec.get("schema_errors") or []) or f"status {rec.get('status')}, no document"})
    return out


def compare(base, new, metrics=DEFAULT_METRICS, gate_pct=None, force=False, seed=0, paired=False,
            min_runs=MIN_RUNS):
    """The whole comparison of two Sides (or lists of documents):
    {"rows", "verdicts", "differences", "not_samples", "warnings", "gate", "regressions"}."""
    base = base if isinstance(base, Side) else Side("base", base)
    new = new if isinstance(new, Side) else Side("new", new)
    pairs, missing, warnings = match(base.docs, new.docs, force)
    rows, failures = [], []
    for bdocs, ndocs in pairs:
        ok_b = [d for d in bdocs if d.status == "ok"]
        ok_n = [d for d in ndocs if d.status == "ok"]
        label = f"{bdocs[0].tool}" + (f" ({run_name(bdocs)})" if run_name(bdocs) not in (None, bdocs[0].tool) else "")
        for side, docs in (("base", bdocs), ("new", ndocs)):
            bad = [d for d in docs if d.status != "ok"]
            if bad:
                failures.append({"cause": "failed_run", "message": (
                    f"{label}: {len(bad)} run(s) on the {side} side did not end ok "
                    f"({', '.join(f'{d.path}: {d.status}' for d in bad[:3])}); a failed or interrupted run is "
                    f"not a sample, and the gate does not pass without it")})
        if not ok_b or not ok_n:
            continue
        new_phases = set(phase_names(ok_n))
        for ph in phase_names(ok_b):
            if ph not in new_phases or not any(run_value(d, ph, headline(d.tool, ok_b, ph)) for d in ok_n):
                failures.append({"cause": "missing_phase", "message": (
                    f"{label}: phase {ph} ran on the base side but has no complete result on the new side")})
        rows += compare_pair(ok_b, ok_n, metrics, paired, seed, min_runs)
    # Runs of a results directory that left no document: their workload is
    # unknown, so they count against the gate whatever they would have matched.
    for side, s in (("base", base), ("new", new)):
        if s.missing:
            failures.append({"cause": "failed_run", "message": (
                f"{len(s.missing)} run(s) on the {side} side left no document "
                f"({', '.join(str(r.get('name')) + ': ' + str(r.get('status')) for r in s.missing[:3])})")})
    for bdocs in missing:
        failures.append({"cause": "missing_workload", "message": (
            f"{bdocs[0].tool}{' (' + run_name(bdocs) + ')' if run_name(bdocs) else ''} ran on the base side "
            f"but not on the new side")})
    if not pairs:
        failures.append({"cause": "nothing_matched", "message": (
            f"nothing matched: no workload ran on both sides (base: "
            f"{', '.join(sorted({d.tool for d in base.docs})) or 'none'}; new: "
            f"{', '.join(sorted({d.tool for d in new.docs})) or 'none'})")})
    verdicts = [r for r in rows if r["headline"]]
    few = {}
    for r in verdicts:
        n = r["n_pairs"] if r["mode"] == "paired" else min(r["n_base"], r["n_new"])
        if n < min_runs:
            few[row_label(r)] = min(few.get(row_label(r), n), n)
    for label, n in few.items():
        failures.append({"cause": "too_few_runs", "message": (
            f"{label}: too few runs (n = {n}, --min-runs {min_runs}); run scripts/suite with --repeat {min_runs} "
            f"or more")})
    regressions = [r for r in verdicts if r["verdict"] == "regression"]
    if gate_pct is not None:
        for r in verdicts:
            if beyond_gate(r, gate_pct):
                failures.insert(0, {"cause": "regression", "message": (
                    f"{row_label(r)} {r['phase']}: significant regression of {r['metric']}, ratio {r['ratio']:.3f} "
                    f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}], p = {r['p_value']:.3g}, beyond {gate_pct:g}%")})
    for f in failures:
        if gate_pct is None and f["cause"] != "regression":
            warnings.append(f["message"])
    gate = None if gate_pct is None else {"pct": gate_pct, "passed": not failures, "failures": failures}
    return {"mode": "paired" if paired else "unpaired", "min_runs": min_runs, "gate_pct": gate_pct, "gate": gate,
            "rows": rows, "verdicts": [{k: r[k] for k in ("tool", "run", "phase", "metric", "ratio", "ci_low",
                                                           "ci_high", "p_value", "n_base", "n_new", "verdict")}
                                       for r in verdicts],
            "differences": differences(base.docs, new.docs), "not_samples": not_samples("base", base) +
            not_samples("new", new), "warnings": warnings, "regressions": len(regressions)}
