"""Acceptance specs: absolute requirements on measured figures, as a TOML file.

    title = "..."                      # optional
    statistic = "median"               # default of the lines: "median" or "ci"
    [[require]]
    name = "ior write"                 # optional; shown in the results
    tool = "ior_like"
    phase = "write"
    metric = "bandwidth_bytes_per_s"   # optional: the phase's headline metric
    at_least = "30 GiB/s"              # or at_most (durations, latencies)
    statistic = "ci"                   # optional: overrides the default
    [require.workload]                 # optional: the runs it applies to
    ranks = 384
    block_size_bytes = "256g"

A line is evaluated on the runs (documents that ended ok) of its tool whose
workload (Doc.workload, the parameters scripts/compare matches on) has the
given values. Each run gives one value, the median of its iterations; the
tested statistic is the median over runs ("median"), or the end of the 95%
bootstrap interval of that median on the side of the requirement ("ci":
the lower end for at_least, the upper end for at_most; it needs 2 runs).
A line fails when no run matches, when a matching run failed or was
interrupted, or when the statistic misses the requirement."""
import re
import tomllib

from . import UsageError, compare, stats

SPEC_KEYS = {"title", "statistic", "require"}
LINE_KEYS = {"name", "tool", "phase", "metric", "at_least", "at_most", "statistic", "workload"}
STATISTICS = {"median": "median over runs", "ci": "end of the 95% interval of the median"}
VALUE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)\s*([kmgtp]?)(i?)(b?)\s*(/s|ops/s)?\s*$", re.I)
PREFIX = " kmgtp"


def parse_value(text, where):
    """A number, or a number with a unit: '30 GiB/s' (binary), '3.2M ops/s' or
    '3.2M' (decimal), '64m' as a size (binary, as the tools read sizes)."""
    if isinstance(text, bool):
        raise UsageError(f"{where}: {text!r} is not a number")
    if isinstance(text, (int, float)):
        return float(text)
    m = VALUE_RE.match(str(text))
    if not m:
        raise UsageError(f"{where}: '{text}' is not a value; write a number, e.g. 30 GiB/s, 3.2M ops/s, 256g")
    num, prefix, binary, byte, _rate = m.groups()
    power = PREFIX.index(prefix.lower() or " ")
    # Bytes and bare size suffixes (256g) are binary; ops and 'M' with 'ops/s' are decimal.
    base = 1024 if (binary or byte or (prefix and not _rate)) else 1000
    return float(num) * base ** power


def show_value(metric, value):
    if metric == "bandwidth_bytes_per_s":
        return f"{value / 2**30:.3g} GiB/s"
    if metric == "ops_per_s":
        return f"{value / 1e6:.3g} M ops/s" if value >= 1e6 else f"{value:.4g} ops/s"
    if metric == "duration_s":
        return f"{value:.4g} s"
    return f"{value / 1e3:.4g} us"


class Line:
    def __init__(self, name, tool, phase, metric, bound, value, statistic, workload):
        self.name, self.tool, self.phase, self.metric = name, tool, phase, metric
        self.bound, self.value, self.statistic, self.workload = bound, value, statistic, workload


def load(path):
    """Parses and checks a spec; UsageError names the file and the key."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"cannot read acceptance spec {path}: {e}")
    unknown = set(data) - SPEC_KEYS
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; a spec has "
                         f"{', '.join(sorted(SPEC_KEYS))}")
    default = data.get("statistic", "median")
    if default not in STATISTICS:
        raise UsageError(f"{path}: statistic '{default}' is not one of {', '.join(STATISTICS)}")
    lines = data.get("require")
    if not isinstance(lines, list) or not lines:
        raise UsageError(f"{path}: no [[require]] table; a spec lists its requirements as [[require]] tables")
    out = []
    for i, r in enumerate(lines):
        where = f"{path}: requirement {i + 1}"
        if not isinstance(r, dict):
            raise UsageError(f"{where}: not a table")
        unknown = set(r) - LINE_KEYS
        if unknown:
            raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a requirement has "
                             f"{', '.join(sorted(LINE_KEYS))}")
        for k in ("tool", "phase"):
            if not isinstance(r.get(k), str):
                raise UsageError(f"{where}: '{k}' is missing; name the tool and the phase")
        metric = r.get("metric")
        if metric is not None and metric not in compare.METRICS:
            raise UsageError(f"{where}: metric '{metric}' is not one of {', '.join(compare.METRICS)}")
        if ("at_least" in r) == ("at_most" in r):
            raise UsageError(f"{where}: give one of at_least and at_most")
        bound = "at_least" if "at_least" in r else "at_most"
        statistic = r.get("statistic", default)
        if statistic not in STATISTICS:
            raise UsageError(f"{where}: statistic '{statistic}' is not one of {', '.join(STATISTICS)}")
        workload = r.get("workload", {})
        if not isinstance(workload, dict):
            raise UsageError(f"{where}: workload must be a table of parameter = value")
        workload = {k: parse_value(v, f"{where} workload.{k}") if k.endswith("_bytes") and isinstance(v, str) else v
                    for k, v in workload.items()}
        name = r.get("name") or f"{r['tool']} {r['phase']}"
        out.append(Line(name, r["tool"], r["phase"], metric, bound, parse_value(r[bound], f"{where} {bound}"),
                        statistic, workload))
    return {"path": path, "title": data.get("title") or path, "lines": out}


def same(have, want):
    """A workload value against a spec's: unset parameters are left out of
    the workload (false, null), so false matches absent; sizes compare as numbers."""
    if want is False or want is None:
        return have in (None, False)
    if isinstance(want, float) and isinstance(have, (int, float)) and not isinstance(have, bool):
        return float(have) == want
    return have == want


def applies(line, doc):
    if doc.tool != line.tool:
        return False
    w = doc.workload
    return all(same(w.get(k), v) for k, v in line.workload.items())


def evaluate(spec, docs, seed=0):
    """{"title", "passed", "lines": [...]}: each line's statistic, runs and verdict."""
    results = []
    for line in spec["lines"]:
        mine = [d for d in docs if applies(line, d)]
        ok = [d for d in mine if d.status == "ok"]
        bad = [d for d in mine if d.status != "ok"]
        metric = line.metric or (compare.headline(line.tool, ok, line.phase) if ok else "bandwidth_bytes_per_s")
        runs = [x for x in (compare.run_value(d, line.phase, metric) for d in ok) if x]
        values = [x["value"] for x in runs]
        op = ">=" if line.bound == "at_least" else "<="
        want = f"{op} {show_value(metric, line.value)}"
        stat_name = ("median" if line.statistic == "median" else
                     "lower end of the 95% interval" if line.bound == "at_least" else "upper end of the 95% interval")
        res = {"name": line.name, "tool": line.tool, "phase": line.phase, "metric": metric, "bound": line.bound,
               "required": line.value, "statistic": stat_name, "workload": line.workload, "runs": len(values),
               "failed_runs": [d.path for d in bad], "value": None, "passed": False}
        where = f"{line.name} ({line.tool} {line.phase} {metric}{workload_text(line.workload)})"
        if bad:
            res["message"] = (f"{where}: {len(bad)} matching run(s) did not end ok "
                              f"({', '.join(d.path for d in bad[:3])}); required {want}")
        elif not values:
            res["message"] = f"{where}: no run of this workload with a complete {line.phase} phase; required {want}"
        else:
            if line.statistic == "median":
                value = stats.median(values)
            else:
                ci = stats.bootstrap_median_ci(values, seed=seed) if len(values) >= 2 else None
                value = None if ci is None else (ci[0] if line.bound == "at_least" else ci[1])
            if value is None:
                res["message"] = f"{where}: the interval needs 2 runs or more, there are {len(values)}; required {want}"
            else:
                res["value"] = value
                res["passed"] = value >= line.value if line.bound == "at_least" else value <= line.value
                res["message"] = (f"{where}: {stat_name} {show_value(metric, value)} over {len(values)} run(s), "
                                  f"required {want}")
        results.append(res)
    return {"title": spec["title"], "spec": spec["path"], "passed": all(r["passed"] for r in results),
            "lines": results}


def workload_text(workload):
    return "".join(f", {k}={compare.show(k, v)}" for k, v in workload.items())


def print_text(result, out=None):
    import sys
    out = out or sys.stdout
    print(f"acceptance: {result['title']} ({result['spec']})", file=out)
    for r in result["lines"]:
        print(f"  {'PASS' if r['passed'] else 'FAIL'}  {r['message']}", file=out)
    n_fail = sum(not r["passed"] for r in result["lines"])
    print(f"acceptance: {'passed' if result['passed'] else 'FAILED'} ({len(result['lines']) - n_fail} of "
          f"{len(result['lines'])} requirement(s) met)", file=out)
