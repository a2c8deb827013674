"""One self-contained HTML report of one or more results directories: the
acceptance document a storage team hands on.

Order of the page: first what was compared (the sides, their labels,
targets and filesystems; for an A/B what A and B were), the verdict per
tool and phase, the acceptance spec's result and the runs that failed;
then the before/after ratios grouped as bandwidth, metadata rates and
latency (each row with the warnings of its runs); every warning of every
document; one section per tool (report_plots: honest plots); scaling
curves of sweeps; the runs with their provenance (command line, sizes,
ranks, nodes, hosts, CPU, memory, kernel, filesystem and mount options,
versions, start time).

Plots are matplotlib PNGs embedded as data: URIs; the page has no script
and fetches nothing. A run that did not end ok is never a sample: it is
listed as failed or interrupted, and a workload with one is never shown
as a plain (green) improvement."""
import datetime
import html
import json
import os

from . import UsageError, accept, compare, documents
from . import report_plots as rp

STATUS_CLASS = {"ok": "ok", "failed": "bad", "verify_failed": "bad", "usage_error": "bad", "setup_failed": "bad",
                "interrupted": "warn", "not_run": "warn", "pending": "warn"}
CSS = """body{font-family:sans-serif;font-size:15px;margin:1.2em 2em;max-width:1180px;color:#222}
table{border-collapse:collapse;margin:0.4em 0 1.2em}td,th{border:1px solid #ccc;padding:0.2em 0.45em;text-align:left;
vertical-align:top}th{background:#eee}td{max-width:30em;overflow-wrap:break-word}.ok{background:#dfd}.bad{background:#fcc}
.warn{background:#ffd}img{max-width:100%;height:auto;display:block;margin:0.5em 0}h2{border-bottom:2px solid #444;
margin-top:1.4em}.note{color:#555}.big{font-size:1.25em}code{font-size:0.92em;overflow-wrap:anywhere}
.wl{color:#7a4b00;font-size:0.92em}ul.wl{margin:0.2em 0;padding-left:1.2em}td.cmd{max-width:34em;font-family:monospace;
font-size:0.85em}tr.cmd td{font-family:monospace;font-size:0.82em;color:#444;border-top:none;max-width:none}"""
GROUPS = (("Bandwidth", "bandwidth"), ("Metadata rates", "metadata"), ("Latency", "latency"))
METADATA_TOOLS = {"mdtest_like", "find_like"}
COMPARED_METRICS = ("bandwidth_bytes_per_s", "ops_per_s", "latency_p50_ns", "latency_p99_ns")


def esc(v):
    return html.escape("-" if v is None else documents.printable(v))


def table(header, rows, classes=None, raw_cols=()):
    """An HTML table; cells are escaped except the columns in raw_cols
    (already HTML)."""
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = "".join(f"<td>{c if j in raw_cols else esc(c)}</td>" for j, c in enumerate(row))
        out.append(f"<tr{cls}>{cells}</tr>")
    return "".join(out) + "</table>"


# --- series ------------------------------------------------------------------
class Series:
    """The documents of one label (and one side of an A/B directory), and
    its runs that left no document."""

    def __init__(self, name, run_dir, docs, records, side=None):
        self.name, self.run_dir, self.docs, self.records, self.side = name, run_dir, docs, records, side

    def tool_docs(self, tool):
        return [d for d in self.docs if d.tool == tool]

    @property
    def missing(self):
        have = {id(d.record) for d in self.docs}
        return [r for r in self.records if id(r) not in have and r.get("status") not in ("pending",)]


def series_of(run_dirs):
    series, seen = [], {}
    for rd in run_dirs:
        label = documents.printable(rd.label)  # bytes that are not UTF-8 as \xNN, in the page and in the plots
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        if rd.is_ab():
            for side in ("A", "B"):
                series.append(Series(f"{label} {side}", rd, [d for d in rd.docs if d.side == side],
                                     [r for r in rd.records if r.get("side") == side], side))
        else:
            series.append(Series(label, rd, rd.docs, rd.records))
    return series


def doc_name(d):
    return d.record.get("document") or os.path.basename(d.path)


def warnings_of(d):
    return [documents.printable(w) for w in d.data.get("warnings") or []]


def errors_of(d):
    return [documents.printable(e.get("message", e)) if isinstance(e, dict) else documents.printable(e)
            for e in d.data.get("errors") or []]


def same_workload(d, tool, run, point):
    return d.tool == tool and d.record.get("name", d.tool) in (run, None) and \
        (d.record.get("sweep") or None) == (point or None)


def concerns(series_list, tool, run, point):
    """(warnings, runs not ok) of the documents of one workload in these
    series: [(series, document, text)], [(series, document or run, status)]."""
    warns, bad = [], []
    for s in series_list:
        for d in s.docs:
            if not same_workload(d, tool, run or tool, point):
                continue
            warns += [(s.name, doc_name(d), w) for w in warnings_of(d)]
            if d.status != "ok":
                bad.append((s.name, doc_name(d), d.status))
        for r in s.missing:
            if r.get("tool") == tool and r.get("name") in (run or tool,) and (r.get("sweep") or None) == point:
                bad.append((s.name, r.get("name"), r.get("status")))
    return warns, bad


def concern_html(warns, bad):
    items = [f"<li><b>{esc(st)}</b>: {esc(s)} {esc(n)} (not a sample)</li>" for s, n, st in bad]
    seen = set()
    for s, n, w in warns:
        if w in seen:
            continue
        seen.add(w)
        count = sum(1 for _, _, x in warns if x == w)
        items.append(f"<li>{esc(w)} <span class='note'>({count} run{'s' if count > 1 else ''}, e.g. "
                     f"{esc(s)} {esc(n)})</span></li>")
    return f"<ul class='wl'>{''.join(items)}</ul>" if items else ""


# --- comparisons -------------------------------------------------------------
def comparisons(series):
    """[(base, other, result or UsageError text, paired)]: each series
    against the first; the two sides of an --ab directory paired."""
    out = []
    if len(series) < 2:
        return out
    base = series[0]
    for other in series[1:]:
        paired = other.run_dir is base.run_dir and base.run_dir.is_ab()
        try:
            res = compare.compare(compare.Side(base.name, base.docs, base.missing),
                                  compare.Side(other.name, other.docs, other.missing),
                                  COMPARED_METRICS, None, force=True, paired=paired)
        except UsageError as e:
            res = str(e)
        out.append((base, other, res, paired))
    return out


def group_of(row):
    """bandwidth, metadata or latency; None for a row left out of the
    groups (a metadata phase's bytes/s, an ops/s beside a bandwidth)."""
    if row["metric"].startswith("latency_"):
        return "latency"
    if row["metric"] == "bandwidth_bytes_per_s":
        return "bandwidth" if row["tool"] not in METADATA_TOOLS else None
    if row["metric"] == "ops_per_s" and (row["tool"] in METADATA_TOOLS or row["headline"]):
        return "metadata" if row["tool"] in METADATA_TOOLS else "bandwidth"
    return None  # ops/s beside a bandwidth: the same denominator, the same ratio


def row_class(row, warns, bad):
    if bad:
        return "bad"
    if not row["headline"]:
        return None
    if warns:
        return "warn"
    return {"regression": "bad", "improvement": "ok"}.get(row["verdict"])


def verdict_text(row, warns, bad):
    v = row["verdict"] if row["headline"] else f"({row['verdict']}; not counted)"
    if bad:
        v += f"; {len(bad)} run(s) did not end ok"
    if warns and row["headline"]:
        v += "; read with the warnings"
    return v


def ratio_rows(base, other, res, group):
    rows, classes = [], []
    for r in res["rows"]:
        if group_of(r) != group:
            continue
        warns, bad = concerns([base, other], r["tool"], r.get("run"), r.get("point"))
        vals = [r["median_base"], r["median_new"]]
        if r["metric"].startswith("latency_"):
            div, unit = 1e3, "us"
        else:
            div, unit = rp.metric_unit(r["metric"], vals)
        ci = "-" if r["ci_low"] is None else f"[{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
        rows.append([esc(compare.row_label(r)), esc(r["phase"]), esc(f"{rp.human(r['metric'])}, {unit}"),
                     esc(rp.fmt(r["median_base"] / div)), esc(rp.fmt(r["median_new"] / div)),
                     "-" if r["ratio"] is None else f"<b>{r['ratio']:.3g}</b>", esc(ci),
                     esc("-" if r["p_value"] is None else f"{r['p_value']:.3g}"),
                     esc(f"{r['n_base']}/{r['n_new']}"), esc(verdict_text(r, warns, bad)), concern_html(warns, bad)])
        classes.append(row_class(r, warns, bad))
    return rows, classes


def verdicts_table(base, other, res):
    rows, classes = [], []
    for r in res["rows"]:
        if not r["headline"]:
            continue
        warns, bad = concerns([base, other], r["tool"], r.get("run"), r.get("point"))
        ci = "" if r["ci_low"] is None else f" [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
        rows.append([esc(compare.row_label(r)), esc(r["phase"]), esc(rp.human(r["metric"])),
                     esc("-" if r["ratio"] is None else f"{r['ratio']:.3g}x{ci}"),
                     f"<b>{esc(verdict_text(r, warns, bad))}</b>", concern_html(warns, bad)])
        classes.append(row_class(r, warns, bad))
    return table(["tool (run)", "phase", "metric", f"{other.name} / {base.name} [95% CI]", "verdict",
                  "warnings and failed runs"],
                 rows, classes, raw_cols=range(6))


def ab_sentence(rd):
    m = rd.manifest or {}
    ab = m.get("ab") or {}
    reps = m.get("repeat")
    def cmd(c):
        return f"<code>{esc(c)}</code>" if c else "no setup command"
    return (f"<p class='big'>A/B of suite <b>{esc(m.get('suite'))}</b> on <code>{esc(m.get('target'))}</code>: "
            f"{esc(reps)} round(s), each runs every workload on both sides back to back, which side first drawn per "
            f"round (seed {esc(ab.get('seed'))}). <b>A</b> = the runs after {cmd(ab.get('a_setup'))}; "
            f"<b>B</b> = the runs after {cmd(ab.get('b_setup'))}. Everything else (binaries, options, target) is "
            f"the same; B is compared against A, paired by round.</p>")


def fs_of(docs):
    out = []
    for d in docs:
        tgt = (d.data.get("environment") or {}).get("target") or {}
        mount = tgt.get("mount") or {}
        t = f"{tgt.get('fs_type')} on {mount.get('mount_point')} ({mount.get('source')})"
        if t not in out:
            out.append(t)
    return out


def time_range(docs):
    starts = sorted(d.data.get("started_at") for d in docs if d.data.get("started_at"))
    ends = sorted(d.data.get("finished_at") for d in docs if d.data.get("finished_at"))
    if not starts:
        return "-"
    return f"{starts[0].replace('T', ' ')[:19]} .. {(ends[-1] if ends else starts[-1]).replace('T', ' ')[:19]} UTC"


def status_counts(s):
    counts = {}
    for d in s.docs:
        counts[d.status] = counts.get(d.status, 0) + 1
    for r in s.missing:
        counts[r.get("status")] = counts.get(r.get("status"), 0) + 1
    return ", ".join(f"{n} {st}" for st, n in sorted(counts.items(), key=lambda kv: str(kv[0])))


def compared_table(series):
    rows, classes = [], []
    for s in series:
        m = s.run_dir.manifest or {}
        what = (f"side {s.side} of an A/B" if s.side else f"suite {m.get('suite')}" if m else "documents")
        labels = sorted({d.data.get("label") for d in s.docs if d.data.get("label")})
        tags = sorted({f"{k}={v}" for d in s.docs for k, v in (d.data.get("tags") or {}).items()
                       if k not in ("suite", "side", "sweep")})
        rows.append([s.name, what, ", ".join(labels) or "-", m.get("target") or "-", "; ".join(fs_of(s.docs)),
                     ", ".join(tags) or "-", status_counts(s), time_range(s.docs)])
        bad = any(d.status != "ok" for d in s.docs) or s.missing
        classes.append("bad" if bad else None)
    return table(["series", "what", "label", "target", "filesystem (mount point, source)", "tags", "runs",
                  "when"], rows, classes)


def summary_section(series, comps, acc):
    out = ["<h2 id='summary'>What was compared, and the verdict</h2>"]
    for rd in dict.fromkeys(s.run_dir for s in series):
        if rd.is_ab():
            out.append(ab_sentence(rd))
    out.append(compared_table(series))
    for name, res in acc or []:
        failed = [r for r in res["lines"] if not r["passed"]]
        warned = [r for r in res["lines"] if r["passed"] and r.get("warnings")]
        who = f"{esc(name)}: " if len(acc) > 1 else ""
        cls = "bad" if not res["passed"] else "warn" if warned else "ok"
        out.append(f"<p class='big {cls}'>{who}Acceptance: <b>{esc(res['title'])}</b> "
                   f"({esc(res['spec'])}): <b>{'PASSED' if res['passed'] else 'FAILED'}</b>, "
                   f"{len(res['lines']) - len(failed)} of {len(res['lines'])} requirements met"
                   + (": failed " + esc(", ".join(r["name"] for r in failed)) if failed else "")
                   + (f"; met with warnings of their runs: {esc(', '.join(r['name'] for r in warned))}"
                      if warned else "")
                   + " (<a href='#acceptance'>details</a>)</p>")
    if not comps:
        out.append("<p class='note'>One series only: nothing is compared, so there is no verdict. The figures "
                   "below give its values.</p>")
    for base, other, res, paired in comps:
        out.append(f"<h3>Verdict per tool and phase: {esc(other.name)} against {esc(base.name)}"
                   f"{' (paired rounds)' if paired else ''}</h3>")
        if isinstance(res, str):
            out.append(f"<p class='bad'>Not compared: {esc(res)}</p>")
            continue
        out.append(verdicts_table(base, other, res))
        out.append(f"<p class='note'>A verdict needs p &lt; 0.05, a 95% interval that excludes 1 and at least "
                   f"{res['min_runs']} runs a side (one sample per run: the median of its iterations); "
                   f"yellow rows carry warnings of their runs, red rows a regression or runs that did not end "
                   f"ok.</p>")
    problems = [(s.name, doc_name(d), d.status, "; ".join(errors_of(d)[:2])) for s in series for d in s.docs
                if d.status != "ok"]
    problems += [(s.name, r.get("name"), r.get("status"), "; ".join(r.get("schema_errors") or [])
                  or "no document") for s in series for r in s.missing]
    n_warn = sum(len(warnings_of(d)) for s in series for d in s.docs)
    if problems:
        out.append(f"<p class='bad big'><b>{len(problems)} run(s) did not end ok</b> and are not samples:</p>"
                   + table(["series", "run", "status", "errors"], problems, ["bad"] * len(problems)))
    out.append(f"<p>{n_warn} warning(s) in the documents: <a href='#warnings'>all warnings</a>; each is also shown "
               f"beside the rows it concerns.</p>" if n_warn else "<p>No document carries a warning.</p>")
    return "".join(out)


def before_after_section(comps):
    out = []
    for base, other, res, paired in comps:
        if isinstance(res, str):
            continue
        out.append(f"<h2>Before / after: {esc(other.name)} against {esc(base.name)}</h2>")
        # At a glance: the verdict rows and the p99 latency; the tables below have every row.
        groups = []
        for title, key in GROUPS:
            groups.append((title, [r for r in res["rows"] if group_of(r) == key
                                   and (r["headline"] or r["metric"] == "latency_p99_ns")]))
        out.append(rp.ratio_panel(groups, base.name, other.name,
                                  lambda r: any(concerns([base, other], r["tool"], r.get("run"), r.get("point")))))
        mode = ("paired by round: ratio = exp(median per-round log ratio), Wilcoxon signed-rank p" if paired else
                "ratio of the medians over runs, percentile bootstrap 95% interval, Mann-Whitney U p")
        out.append(f"<p class='note'>{esc(mode)}. Latency: lower is better, so a ratio below 1 is an improvement."
                   f"</p>")
        for title, key in GROUPS:
            rows, classes = ratio_rows(base, other, res, key)
            if not rows:
                continue
            out.append(f"<h3>{esc(title)}</h3>")
            out.append(table(["tool (run)", "phase", "metric", base.name, other.name, "ratio", "95% CI", "p", "n runs",
                              "verdict", "warnings and failed runs of this workload"], rows, classes,
                             raw_cols=range(11)))
        if res["warnings"]:
            out.append("<p>Notes of the comparison:</p><ul class='note'>" +
                       "".join(f"<li>{esc(w)}</li>" for w in res["warnings"]) + "</ul>")
    return "".join(out)


def acceptance_section(spec, series):
    """The acceptance spec evaluated on each series on its own (an
    acceptance is of one system: two filesystems, or the sides of an A/B,
    are never pooled): (html, [(series name, result)])."""
    if spec is None:
        return "", None
    results, out = [], ["<a id='acceptance'></a><h2>Acceptance</h2>"]
    for s in series:
        res = accept.evaluate(spec, s.docs)
        results.append((s.name, res))
        rows, classes = [], []
        for line, r in zip(spec["lines"], res["lines"]):
            # A requirement met by runs that carry warnings (O_DIRECT that was not direct, a cache
            # not defeated) is shown as such: the spec's verdict stands, the reader sees why to doubt it.
            r["warnings"] = [(s.name, doc_name(d), w) for d in s.docs if accept.applies(line, d)
                             for w in warnings_of(d)]
            op = ">=" if r["bound"] == "at_least" else "<="
            rows.append([esc(r["name"]), esc(r["tool"]), esc(r["phase"]), esc(r["metric"]),
                         esc(f"{op} {accept.show_value(r['metric'], r['required'])}"), esc(r["statistic"]),
                         esc("-" if r["value"] is None else accept.show_value(r["metric"], r["value"])),
                         esc(r["runs"]), ("pass" if r["passed"] else "FAIL") + (", with warnings" if r["warnings"]
                                                                                 else ""),
                         esc(r["message"]) + concern_html(r["warnings"], [])])
            classes.append(("warn" if r["warnings"] else "ok") if r["passed"] else "bad")
        head = "passed" if res["passed"] else "FAILED"
        who = f"{esc(s.name)}: " if len(series) > 1 else ""
        out.append(f"<p>{who}{esc(res['title'])} ({esc(res['spec'])}): <b>{head}</b>. Each run gives one value, the "
                   f"median of its iterations.</p>" +
                   table(["requirement", "tool", "phase", "metric", "required", "statistic", "measured", "runs",
                          "result", "detail"], rows, classes, raw_cols=range(10)))
    return "".join(out), results


def warnings_section(series):
    rows = []
    for s in series:
        for d in s.docs:
            for w in warnings_of(d):
                rows.append([s.name, doc_name(d), d.tool, d.status, w])
    if not rows:
        return "<h2 id='warnings'>Warnings</h2><p>No document carries a warning.</p>"
    return ("<h2 id='warnings'>Warnings</h2><p class='note'>Every warning of every document, as the tool wrote it."
            "</p>" + table(["series", "document", "tool", "status", "warning"], rows, ["warn"] * len(rows)))


# --- per tool ----------------------------------------------------------------
def stonewall_table(tool, series):
    rows, keys = [], []
    for s in series:
        for d in s.tool_docs(tool):
            for p in d.phases():
                sw = (p.get("details") or {}).get("stonewall")
                if sw:
                    keys = sorted(sw)
                    rows.append([s.name, p["name"], p["iteration"], *(sw.get(k) for k in keys)])
    if not rows:
        return ""
    return "<h3>Stonewall</h3>" + table(["series", "phase", "iteration", *keys], rows)


def tool_warnings(tool, series):
    warns = [(s.name, doc_name(d), w) for s in series for d in s.tool_docs(tool) for w in warnings_of(d)]
    bad = [(s.name, doc_name(d), d.status) for s in series for d in s.tool_docs(tool) if d.status != "ok"]
    bad += [(s.name, r.get("name"), r.get("status")) for s in series for r in s.missing if r.get("tool") == tool]
    h = concern_html(warns, bad)
    return f"<div class='warn'><p><b>Warnings and runs not ok of {esc(tool)}:</b></p>{h}</div>" if h else ""


def threads_panel(series):
    """mmap_read: bandwidth over readers (ranks x threads), median and IQR."""
    points = {}
    for s in series:
        for d in s.tool_docs("mmap_read"):
            if d.status != "ok":
                continue
            for p in d.phases():
                det = p.get("details") or {}
                if p.get("bandwidth_bytes_per_s") is not None and "threads_per_rank" in det and compare.complete(p):
                    points.setdefault((s.name, det.get("api", "mmap"), det["threads_per_rank"] * det.get("ranks", 1)),
                                      []).append(p["bandwidth_bytes_per_s"])
    if not points:
        return ""
    return rp.readers_panel(points)


def tool_section(tool, series):
    present = [s for s in series if s.tool_docs(tool) or any(r.get("tool") == tool for r in s.missing)]
    if not present:
        return ""
    parts = [f"<h2>{esc(tool)}</h2>", tool_warnings(tool, present), rp.headline_panels(tool, present),
             rp.per_rank_panel(tool, present), rp.latency_panels(tool, present)]
    lrows = rp.latency_rows(tool, present)
    if lrows:
        parts.append("<p class='note'>Latency per operation, us: the median over every iteration of every run that "
                     "ended ok, and over the iterations after the first (steady state; '-' with one iteration).</p>")
        parts.append(table(["series", "phase", "p50", "p90", "p99", "p99.9", "p50 steady", "p90 steady",
                            "p99 steady", "p99.9 steady", "iterations"], lrows))
    if tool == "mdtest_like":
        parts.append(rp.time_series_panel(tool, present, "rate_series"))
    if tool == "dio_batch":
        parts.append(rp.time_series_panel(tool, present, "time_series"))
    if tool == "mmap_read":
        parts.append(threads_panel(present))
    parts.append(stonewall_table(tool, present))
    return "".join(parts)


# --- sweeps ------------------------------------------------------------------
def scaling_section(series):
    """One figure per series and swept run: a curve per phase over the
    swept parameter (the other swept parameters fixed per figure)."""
    out = []
    for s in series:
        runs = {}
        for d in s.docs:
            point = d.record.get("sweep")
            if point:
                runs.setdefault((d.record.get("name"), d.tool), []).append(d)
        for (run, tool), docs in runs.items():
            params = list(dict.fromkeys(k for d in docs for k in d.record["sweep"]))
            x = "ranks" if "ranks" in params and len(params) == 1 else next(p for p in params if p != "ranks") \
                if len(params) > 1 else params[0]
            others = [p for p in params if p != x]
            fixed_groups = {}
            for d in docs:
                key = tuple((p, d.record["sweep"].get(p)) for p in others)
                fixed_groups.setdefault(key, []).append(d)
            for key, gdocs in fixed_groups.items():
                values = list(dict.fromkeys(d.record["sweep"].get(x) for d in gdocs))
                points = [(v, [d for d in gdocs if d.record["sweep"].get(x) == v]) for v in values]
                fixed = ", ".join(f"{p} {v}" for p, v in key)
                out.append(rp.scaling_panel(s.name, run, tool, x, points, fixed))
    if not out:
        return ""
    return ("<h2>Scaling</h2><p class='note'>A sweep's points are separate workloads (ranks and options are part "
            "of a workload's identity): they are never paired as samples of one another.</p>" + "".join(out))


# --- runs and provenance ------------------------------------------------------
def sizes_of(config):
    """The sizes and counts that say how much work a run did, for the table."""
    out = []
    for k, v in documents.flatten(config or {}).items():
        if v is None or isinstance(v, bool):
            continue
        leaf = k.rsplit(".", 1)[-1]
        if leaf.endswith("_bytes") or leaf.endswith("_bytes_per_rank") or "bytes_per_rank" in leaf:
            if isinstance(v, (int, float)) and v:
                out.append(f"{leaf}={compare.show(leaf if leaf.endswith('_bytes') else leaf + '_bytes', v)}")
        elif leaf in ("iterations", "items_per_rank", "iodepth", "threads_per_rank", "segments", "runtime_s"):
            out.append(f"{leaf}={v}")
    return ", ".join(out)


def env_key(d):
    env = d.data.get("environment") or {}
    sysm = env.get("system") or {}
    sw = env.get("software") or {}
    tgt = env.get("target") or {}
    mount = tgt.get("mount") or {}
    mem = sysm.get("memory_bytes")
    return (("CPU", f"{sysm.get('cpu_model')} ({sysm.get('cpus_online')} CPUs online, {sysm.get('machine')})"),
            ("memory", f"{mem / 2**30:.1f} GiB" if mem else "not recorded"),
            ("kernel", sysm.get("kernel")),
            ("filesystem", f"{tgt.get('fs_type')} at {mount.get('mount_point')} from {mount.get('source')}"),
            ("mount options", mount.get("options")),
            ("block size, O_DIRECT alignment", f"{tgt.get('block_size_bytes')} B; " +
             (f"mem {tgt.get('dio_mem_align_bytes')} B, offset {tgt.get('dio_offset_align_bytes')} B"
              if tgt.get("dio_offset_align_bytes") is not None else "alignment not reported (no STATX_DIOALIGN)")),
            ("pfsbench", f"{sw.get('pfsbench_version')} (git {sw.get('git_revision')}, {sw.get('build_type')}, "
             f"{sw.get('compiler')})"),
            ("MPI", sw.get("mpi_library")),
            ("clock", (env.get("clock") or {}).get("source")))


def runs_table(header, rows, classes, cmds):
    """The runs, each followed by a row with its command line."""
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for row, cls, cmd in zip(rows, classes, cmds):
        c = f' class="{cls}"' if cls else ""
        out.append(f"<tr{c}>" + "".join(f"<td>{x}</td>" for x in row) + "</tr>")
        out.append(f"<tr class='cmd'><td colspan='{len(header)}'>$ {esc(' '.join(cmd)) if cmd else 'no command line'}"
                   f"</td></tr>")
    return "".join(out) + "</table>"


def provenance_section(series):
    envs, out = [], ["<h2 id='runs'>Runs and provenance</h2><p class='note'>Every run, as its document and the "
                     "suite's manifest record it. The environments (E1, ...) follow the table.</p>"]
    for s in series:
        m = s.run_dir.manifest or {}
        head = f"<h3>{esc(s.name)}: {esc(s.run_dir.path)}</h3>"
        if m:
            head += (f"<p>suite {esc(m.get('suite'))} on <code>{esc(m.get('target'))}</code>, launcher "
                     f"{esc(m.get('launcher'))} (<code>{esc(' '.join(m.get('launch_prefix') or []))}</code>), "
                     f"status <b>{esc(m.get('status'))}</b>, started {esc(m.get('created_at'))}"
                     + (f", Slurm job {esc(m.get('slurm_job_id'))}" if m.get("slurm_job_id") else "")
                     + f"; driver: <code>{esc(' '.join(m.get('command_line') or []))}</code></p>")
        out.append(head)
        rows, classes, cmds = [], [], []
        for d in s.docs:
            env = d.data.get("environment") or {}
            key = env_key(d)
            if key not in envs:
                envs.append(key)
            rec = d.record
            notes = concern_html([(s.name, doc_name(d), w) for w in warnings_of(d)], []) + \
                ("<ul class='wl'>" + "".join(f"<li><b>error</b>: {esc(e)}</li>" for e in errors_of(d)) + "</ul>"
                 if errors_of(d) else "")
            point = rec.get("sweep")
            rows.append([esc(doc_name(d)), esc(d.tool), esc(rec.get("side") or "-"), esc(rec.get("repetition") or "-"),
                         esc(", ".join(f"{k} {v}" for k, v in point.items()) if point else "-"), f"<b>{esc(d.status)}</b>",
                         esc((d.data.get("started_at") or "").replace("T", " ")), esc(rec.get("duration_s")),
                         esc(f"{env.get('ranks')} ranks, {env.get('nodes')} node(s)"),
                         esc(", ".join(env.get("hosts") or [])), esc(sizes_of(d.data.get("config"))),
                         f"E{envs.index(key) + 1}", notes])
            classes.append(STATUS_CLASS.get(d.status, "bad") if d.status != "ok" else ("warn" if warnings_of(d)
                                                                                        else None))
            # the suite's record has the whole launch (mpirun/srun and its options), the document the tool's argv
            cmds.append(rec.get("command_line") or d.data.get("command_line") or [])
        for r in s.missing:
            rows.append([esc(r.get("name")), esc(r.get("tool")), esc(r.get("side") or "-"),
                         esc(r.get("repetition") or "-"), esc(json.dumps(r.get("sweep")) if r.get("sweep") else "-"),
                         f"<b>{esc(r.get('status'))}</b>", esc(r.get("started_at")), esc(r.get("duration_s")), "-", "-",
                         "-", "-", esc("; ".join(r.get("schema_errors") or []) or f"no document; see {r.get('log')}")])
            classes.append(STATUS_CLASS.get(r.get("status"), "bad"))
            cmds.append(r.get("command_line") or [])
        out.append(runs_table(["document", "tool", "side", "rep.", "sweep point", "status", "started (UTC)", "seconds",
                               "ranks, nodes", "hosts", "sizes", "env.", "warnings and errors"], rows, classes, cmds))
    if envs:
        names = [k for k, _ in envs[0]]
        hdf5 = sorted({f"{sw.get('hdf5_version')} (parallel: {sw.get('hdf5_parallel')})" for s in series for d in s.docs
                       for sw in [(d.data.get("environment") or {}).get("software") or {}] if sw.get("hdf5_version")})
        out.append("<h3>Environments</h3>" + table(["", *[f"E{i + 1}" for i in range(len(envs))]],
                                                   [[n, *[dict(e)[n] for e in envs]] for n in names]))
        if hdf5:
            out.append(f"<p>HDF5 (recorded by ior_like): {esc(', '.join(hdf5))}</p>")
    return "".join(out)


def io500_section(run_dirs):
    """The IO500 score and its phases, for results directories of scripts/io500."""
    out = []
    for rd in run_dirs:
        io = (rd.manifest or {}).get("io500")
        if not io:
            continue
        sc = io["score"]
        verdict = "valid" if io["valid"] else "INVALID"
        out.append(f"<h2>IO500 score: {esc(rd.label)}</h2><p><b>TOTAL {sc['total']:f}</b> ({esc(verdict)}): "
                   f"Bandwidth {sc['bandwidth_gib_per_s']:f} GiB/s, IOPS {sc['iops_kiops']:f} kIOPS; "
                   f"{esc(io['version'])}, stonewall {esc(io['stonewall_s'])} s, {esc(io['result_dir'])}</p>")
        rows = [[p["name"], p["group"] or "not scored", f"{p['score']:f}", p["unit"], f"{p['time_s']:.3f}",
                 "; ".join(p["invalid"]) or "valid"] for p in io["phases"]]
        out.append(table(["phase", "score group", "score", "unit", "time [s]", "validity"], rows,
                         [None if not p["invalid"] else "bad" for p in io["phases"]]))
    return "".join(out)


def build(paths, title=None, spec=None):
    """The HTML text of the report of these results directories; the
    figures drawn are described in report_plots.FIGURES."""
    rp.reset()
    run_dirs = [documents.RunDir(p) for p in paths]
    series = series_of(run_dirs)
    tools = []
    for s in series:
        for t in [d.tool for d in s.docs] + [r.get("tool") for r in s.missing]:
            if t and t not in tools:
                tools.append(t)
    title = title or "pfsbench report: " + " vs ".join(s.name for s in series)
    acc_html, acc = acceptance_section(spec, series)
    comps = comparisons(series)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    dirs = "directory" if len(run_dirs) == 1 else "directories"
    body = [f"<h1>{esc(title)}</h1><p class='note'>generated {stamp} UTC from {len(run_dirs)} results {dirs}: "
            f"{esc(', '.join(rd.path for rd in run_dirs))}</p>",
            summary_section(series, comps, acc), io500_section(run_dirs), before_after_section(comps), acc_html,
            warnings_section(series)]
    body += [tool_section(t, series) for t in tools]
    body.append(scaling_section(series))
    body.append(provenance_section(series))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
