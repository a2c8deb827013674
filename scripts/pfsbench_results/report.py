"""One self-contained HTML report of one or more results directories.

Plots are matplotlib PNGs embedded as data: URIs; the page has no script
and fetches nothing. Several directories are shown side by side, labelled
by the suite's --label, the documents' label or the filesystem type; an
A/B directory shows its two sides and their comparison (scripts/compare's
interval). Failed and interrupted runs are listed as such."""
import base64
import datetime
import html
import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import UsageError, accept, compare, documents  # noqa: E402

STATUS_CLASS = {"ok": "ok", "failed": "bad", "verify_failed": "bad", "usage_error": "bad", "setup_failed": "bad",
                "interrupted": "warn", "not_run": "warn", "pending": "warn"}
CSS = """body{font-family:sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:0.2em 0.5em;text-align:left}
th{background:#eee}td{max-width:22em;overflow-wrap:break-word}.ok{background:#dfd}.bad{background:#fcc}.warn{background:#ffd}
img{max-width:100%;display:block;margin:0.5em 0}h2{border-bottom:2px solid #444}.note{color:#555}"""


class Series:
    """The documents of one label (and one side of an A/B directory)."""

    def __init__(self, name, run_dir, docs):
        self.name, self.run_dir, self.docs = name, run_dir, docs

    def tool_docs(self, tool):
        return [d for d in self.docs if d.tool == tool]


def series_of(run_dirs):
    series, seen = [], {}
    for rd in run_dirs:
        label = rd.label
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        if rd.is_ab():
            for side in ("A", "B"):
                series.append(Series(f"{label} {side}", rd, [d for d in rd.docs if d.side == side]))
        else:
            series.append(Series(label, rd, rd.docs))
    return series


def png(fig):
    """The figure as an <img> with its PNG inline; its title is the alt text."""
    sup = getattr(fig, "_suptitle", None)  # Figure.get_suptitle() is matplotlib >= 3.8; Debian 12 has 3.6
    title = sup.get_text() if sup else fig.axes[0].get_title()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="{esc(title)}" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def num(x):
    """Two decimals, or 4 significant digits for small values (durations in s)."""
    return f"{x:.2f}" if abs(x) >= 100 or x == 0 else f"{x:.4g}"


def esc(v):
    return html.escape("-" if v is None else documents.printable(v))


def table(header, rows, classes=None):
    out = ["<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
    return "".join(out) + "</table>"


def headline(docs):
    """The metric a tool's phases are best read by: bandwidth when every
    phase has one, else the rate (metadata phases move no bytes)."""
    phases = [p for d in docs for p in d.phases()]
    has_bw = phases and all(p.get("bandwidth_bytes_per_s") for p in phases)
    return ("bandwidth_bytes_per_s", 2**20, "MiB/s") if has_bw else ("ops_per_s", 1, "ops/s")


def plot_rates(tool, series):
    docs = [d for s in series for d in s.tool_docs(tool)]
    metric, scale, unit = headline(docs)
    phases = compare.phase_names(docs)
    fig, ax = plt.subplots(figsize=(max(6, 1.2 * len(phases) * max(1, len(series)) / 2), 3.6))
    width = 0.8 / max(1, len(series))
    for i, s in enumerate(series):
        xs, med, lo, hi = [], [], [], []
        for j, ph in enumerate(phases):
            vals = compare.samples(s.tool_docs(tool), ph, metric)
            if vals:
                m = compare.stats.median(vals) / scale
                xs.append(j + (i - (len(series) - 1) / 2) * width)
                med.append(m)
                lo.append(m - min(vals) / scale)
                hi.append(max(vals) / scale - m)
        if xs:
            ax.bar(xs, med, width, yerr=[lo, hi], capsize=3, label=s.name)
    ax.set_xticks(range(len(phases)))
    ax.set_xticklabels(phases, rotation=20, ha="right")
    ax.set_ylabel(unit)
    ax.set_title(f"{tool}: {metric} per phase (bar: median; whiskers: min..max over iterations and runs)")
    ax.legend(fontsize="small")
    return png(fig)


def plot_latency(tool, series):
    """p50 and p99 per phase and series (grouped bars, log scale), and a
    table of every percentile, from each series' first document that has them."""
    rows = []
    phases = compare.phase_names([d for s in series for d in s.tool_docs(tool)])
    values = {}
    for s in series:
        for ph in phases:
            p = next((p for d in s.tool_docs(tool) for p in d.phases(ph) if p.get("latency")), None)
            if p:
                pct = {r["p"]: r["latency_ns"] / 1e3 for r in p["latency"]["percentiles"]}
                values[(s.name, ph)] = pct
                rows.append([s.name, ph] + [f"{pct[k]:.1f}" if k in pct else "-" for k in (50.0, 90.0, 99.0, 99.9)])
    if not rows:
        return ""
    fig, axes = plt.subplots(1, 2, figsize=(max(8, 0.9 * len(phases) * max(1, len(series))), 3.6), sharey=True)
    width = 0.8 / max(1, len(series))
    for ax, pk in zip(axes, (50.0, 99.0)):
        for i, s in enumerate(series):
            pts = [(j, values[(s.name, ph)][pk]) for j, ph in enumerate(phases)
                   if pk in values.get((s.name, ph), {})]
            if pts:
                ax.bar([j + (i - (len(series) - 1) / 2) * width for j, _ in pts], [v for _, v in pts], width,
                       label=s.name)
        ax.set_yscale("log")
        ax.set_xticks(range(len(phases)))
        ax.set_xticklabels(phases, rotation=20, ha="right")
        ax.set_title(f"p{pk:g}")
    axes[0].set_ylabel("latency [us] (first iteration)")
    axes[0].legend(fontsize="small")
    fig.suptitle(f"{tool}: latency percentiles")
    return png(fig) + table(["series", "phase", "p50 [us]", "p90 [us]", "p99 [us]", "p99.9 [us]"], rows)


def plot_series(tool, series, key, phase=None):
    """Rates over time: details[key] of each series' first document."""
    fig, ax, drawn, unit = None, None, 0, ""
    for s in series:
        for d in s.tool_docs(tool):
            p = next((p for p in d.phases(phase) if (p.get("details") or {}).get(key)), None)
            if p:
                ts = p["details"][key]
                if fig is None:
                    fig, ax = plt.subplots(figsize=(7, 3.2))
                scale = 2**20 if ts.get("unit") == "bytes_per_s" else 1
                unit = "MiB/s" if scale > 1 else ts.get("unit", "")
                ax.plot([ts["interval_s"] * (i + 1) for i in range(len(ts["values"]))],
                        [v / scale for v in ts["values"]], marker=".", label=f"{s.name}: {p['name']}")
                drawn += 1
                break
    if not drawn:
        return ""
    ax.set_xlabel("seconds since the phase start")
    ax.set_ylabel(unit)
    ax.set_title(f"{tool}: rate over time ({key}, first run of each)")
    ax.legend(fontsize="small")
    return png(fig)


def plot_threads(series):
    fig, ax = plt.subplots(figsize=(6, 3.4))
    drawn = False
    for s in series:
        points = {}
        for d in s.tool_docs("mmap_read"):
            for p in d.phases():
                det = p.get("details") or {}
                if p.get("bandwidth_bytes_per_s") is not None and "threads_per_rank" in det:
                    points.setdefault((det.get("api", "mmap"), det["threads_per_rank"] * det.get("ranks", 1)),
                                      []).append(p["bandwidth_bytes_per_s"] / 2**20)
        for api in sorted({a for a, _ in points}):
            xs = sorted(r for a, r in points if a == api)
            ax.plot(xs, [compare.stats.median(points[(api, x)]) for x in xs], marker="o", label=f"{s.name} {api}")
            drawn = True
    if not drawn:
        plt.close(fig)
        return ""
    ax.set_xlabel("readers (ranks x threads)")
    ax.set_ylabel("MiB/s (median)")
    ax.set_title("mmap_read: thread scaling")
    ax.legend(fontsize="small")
    return png(fig)


def stonewall_table(tool, series):
    rows = []
    for s in series:
        for d in s.tool_docs(tool):
            for p in d.phases():
                sw = (p.get("details") or {}).get("stonewall")
                if sw:
                    rows.append([s.name, p["name"], p["iteration"], *(sw.get(k) for k in sorted(sw))])
                    keys = sorted(sw)
    if not rows:
        return ""
    return "<h3>Stonewall</h3>" + table(["series", "phase", "iteration", *keys], rows)


def comparison_section(series):
    """Each series against the first (an A/B directory: B against A), with
    scripts/compare's interval; across directories configurations differ
    (paths, filesystems), so runs are matched by tool."""
    if len(series) < 2:
        return ""
    base = series[0]
    out = ["<h2>Comparison</h2><p class='note'>One sample per run (the median of its iterations); ratio = other / "
           "base of the medians over runs; 95% bootstrap interval; Mann-Whitney U p-value. Runs matched by workload "
           "(by tool when the workloads differ). A verdict needs p &lt; 0.05, an interval excluding 1 and "
           f"{compare.MIN_RUNS} runs a side; only the headline metric of a phase is counted.</p>"]
    for other in series[1:]:
        try:
            # The two sides of one --ab directory: its rounds paired (Wilcoxon), as scripts/compare does.
            paired = other.run_dir is base.run_dir and base.run_dir.is_ab()
            res = compare.compare(base.docs, other.docs, compare.DEFAULT_METRICS[:2], None, force=True,
                                  paired=paired)
        except UsageError as e:
            out.append(f"<p>{esc(e)}</p>")
            continue
        rows, classes = [], []
        for r in res["rows"]:
            _, scale, unit = compare.METRICS[r["metric"]]
            ci = "-" if r["ci_low"] is None else f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
            rows.append([compare.row_label(r), r["phase"], f"{r['metric']} [{unit}]", num(r['median_base'] / scale),
                         num(r['median_new'] / scale), "-" if r["ratio"] is None else f"{r['ratio']:.3f}", ci,
                         "-" if r["p_value"] is None else f"{r['p_value']:.3f}", f"{r['n_base']}/{r['n_new']}",
                         r["verdict"] if r["headline"] else f"({r['verdict']}; not counted)"])
            classes.append({"regression": "bad", "improvement": "ok"}.get(r["verdict"]) if r["headline"] else None)
        out.append(f"<h3>{esc(other.name)} against {esc(base.name)}</h3>"
                   + ("<p class='note'>paired: the rounds of the --ab run; ratio = exp(median per-round log ratio), "
                      "Wilcoxon signed-rank p.</p>" if paired else ""))
        out.append(table(["tool", "phase", "metric", base.name, other.name, "ratio", "95% CI", "p (U)", "n", "verdict"],
                         rows, classes))
        if res["warnings"]:
            out.append("<ul class='note'>" + "".join(f"<li>{esc(w)}</li>" for w in res["warnings"]) + "</ul>")
    return "".join(out)


def acceptance_section(spec, run_dirs):
    """The acceptance spec evaluated on the documents of every directory."""
    if spec is None:
        return ""
    docs = [d for rd in run_dirs for d in rd.docs]
    res = accept.evaluate(spec, docs)
    rows, classes = [], []
    for r in res["lines"]:
        op = ">=" if r["bound"] == "at_least" else "<="
        rows.append([r["name"], r["tool"], r["phase"], r["metric"], f"{op} {accept.show_value(r['metric'], r['required'])}",
                     r["statistic"], "-" if r["value"] is None else accept.show_value(r["metric"], r["value"]),
                     r["runs"], "pass" if r["passed"] else "FAIL", r["message"]])
        classes.append("ok" if r["passed"] else "bad")
    head = "passed" if res["passed"] else "FAILED"
    return (f"<h2>Acceptance</h2><p>{esc(res['title'])} ({esc(res['spec'])}): <b>{head}</b>. Each run gives one "
            f"value, the median of its iterations.</p>" +
            table(["requirement", "tool", "phase", "metric", "required", "statistic", "measured", "runs", "result",
                   "detail"], rows, classes))


def provenance_section(series):
    rows = []
    for s in series:
        d = s.docs[0].data if s.docs else None
        if d is None:
            continue
        env = d.get("environment", {})
        tgt = env.get("target") or {}
        mount = tgt.get("mount") or {}
        sw = env.get("software") or {}
        launcher = env.get("launcher") or {}
        align = (f"mem {tgt.get('dio_mem_align_bytes')}, offset {tgt.get('dio_offset_align_bytes')}"
                 if tgt.get("dio_offset_align_bytes") is not None else "not reported")
        tags = {k: v for doc in s.docs for k, v in (doc.data.get("tags") or {}).items()}
        rows.append([s.name, f"{launcher.get('kind')}" + (f" job {launcher.get('slurm_job_id')}"
                                                          if launcher.get("slurm_job_id") else ""),
                     env.get("nodes"), env.get("ranks"), tgt.get("fs_type"), mount.get("mount_point"),
                     (mount.get("options") or "").replace(",", ", "), align,
                     f"pfsbench {sw.get('pfsbench_version')} ({sw.get('git_revision')})",
                     sw.get("mpi_library"), ((env.get("system") or {}).get("kernel")),
                     ", ".join(f"{k}={v}" for k, v in sorted(tags.items()))])
    return "<h2>Provenance</h2>" + table(
        ["series", "launcher", "nodes", "ranks", "filesystem", "mount point", "mount options", "O_DIRECT alignment",
         "version", "MPI", "kernel", "tags"], rows)


def runs_section(run_dirs):
    out = ["<h2>Runs</h2>"]
    for rd in run_dirs:
        m = rd.manifest or {}
        out.append(f"<h3>{esc(rd.label)}: {esc(rd.path)}</h3>")
        if m:
            out.append(f"<p>suite {esc(m.get('suite'))} on {esc(m.get('target'))}, {esc(m.get('np'))} ranks via "
                       f"{esc(m.get('launcher'))}, status <b>{esc(m.get('status'))}</b>"
                       + (f", Slurm job {esc(m.get('slurm_job_id'))}" if m.get("slurm_job_id") else "") + "</p>")
            recs = rd.records
        else:
            recs = [{"name": os.path.basename(d.path), "tool": d.tool, "status": d.status,
                     "document": os.path.basename(d.path)} for d in rd.docs]
        rows = [[r.get("name"), r.get("tool"), r.get("side"), r.get("repetition"), r.get("status"),
                 r.get("exit_code"), r.get("duration_s"), r.get("document")] for r in recs]
        out.append(table(["run", "tool", "side", "repetition", "status", "exit", "seconds", "document"], rows,
                         [STATUS_CLASS.get(r.get("status"), "bad") for r in recs]))
        errors = [(r.get("name"), e["message"]) for r in recs for d in rd.docs if d.record is r
                  for e in d.data.get("errors", [])]
        if errors:
            out.append("<ul>" + "".join(f"<li class='bad'>{esc(n)}: {esc(msg)}</li>" for n, msg in errors) + "</ul>")
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


def tool_section(tool, series):
    present = [s for s in series if s.tool_docs(tool)]
    if not present:
        return ""
    parts = [f"<h2>{esc(tool)}</h2>", plot_rates(tool, present), plot_latency(tool, present)]
    if tool == "mdtest_like":
        parts.append(plot_series(tool, present, "rate_series", "file_create"))
    if tool == "dio_batch":
        parts.append(plot_series(tool, present, "time_series"))
    if tool == "mmap_read":
        parts.append(plot_threads(present))
    parts.append(stonewall_table(tool, present))
    return "".join(parts)


def build(paths, title=None, spec=None):
    """The HTML text of the report of these results directories."""
    run_dirs = [documents.RunDir(p) for p in paths]
    series = series_of(run_dirs)
    tools = []
    for s in series:
        for d in s.docs:
            if d.tool not in tools:
                tools.append(d.tool)
    title = title or "pfsbench report: " + ", ".join(s.name for s in series)
    body = [f"<h1>{esc(title)}</h1><p class='note'>generated {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC "
            f"from {len(run_dirs)} results director{'y' if len(run_dirs) == 1 else 'ies'}.</p>",
            io500_section(run_dirs), runs_section(run_dirs), acceptance_section(spec, run_dirs), comparison_section(series)]
    body += [tool_section(t, series) for t in tools]
    body.append(provenance_section(series))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n")
