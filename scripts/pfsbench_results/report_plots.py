"""The report's figures (matplotlib), drawn to one set of rules, and a
registry of what each figure shows, so tests check the figures themselves
(axes, labels, scales, curves), not pixels.

Rules (issue 19):
- a value axis that spans more than a decade is logarithmic;
- a spread is the interquartile range, never min..max; with fewer than
  MIN_N_WITHOUT_POINTS values every value is drawn as a point too;
- latency comes from every iteration of every run, the first iteration
  marked apart (it may be cold);
- time series drop a partial last bucket and mark phase boundaries;
- fonts at least MIN_FONT_PX at 100% zoom (the PNG is shown at its own
  size, DPI pixels per inch), value axes named with a unit
  ("write bandwidth, GiB/s").

FIGURES holds one record per figure of the last report built (reset()
clears it): {"kind", "title", "width_px", "height_px", "min_font_px",
"axes": [{"title", "xlabel", "ylabel", "xscale", "yscale", "value_axis",
"unit", "curves": [{"label", "points"}], "point_sets": sets of single
values drawn}]}."""
import base64
import html
import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from . import compare, stats  # noqa: E402

DPI = 100
MIN_FONT_PX = 11
MAX_WIDTH_PX = 1150  # the page's column at a 1280 px wide window; wider images would be scaled down
MIN_N_WITHOUT_POINTS = 10
FIG_W = 9.6  # inches at DPI: 960 px plus the labels outside the axes
RC = {"font.size": 11, "axes.titlesize": 11.5, "axes.labelsize": 11, "xtick.labelsize": 10, "ytick.labelsize": 10,
      "legend.fontsize": 10, "figure.titlesize": 12.5, "figure.dpi": DPI}
UNITS = ("GiB/s", "MiB/s", "KiB/s", "ops/s", "k ops/s", "M ops/s", "s", "ms", "us", "ratio")
FIGURES = []


def reset():
    FIGURES.clear()


def esc(text):
    return html.escape(str(text))


# --- names and units ---------------------------------------------------------
def bw_unit(values):
    """(divisor, unit) for bandwidths: GiB/s from 1 GiB/s up, else MiB/s."""
    top = max(values, default=0)
    return (2**30, "GiB/s") if top >= 2**30 else (2**20, "MiB/s")


def rate_unit(values):
    top = max(values, default=0)
    if top >= 1e6:
        return 1e6, "M ops/s"
    if top >= 1e4:
        return 1e3, "k ops/s"
    return 1, "ops/s"


def time_unit(values_s):
    top = max(values_s, default=0)
    if top >= 1:
        return 1, "s"
    if top >= 1e-3:
        return 1e-3, "ms"
    return 1e-6, "us"


def metric_unit(metric, values):
    if metric == "bandwidth_bytes_per_s":
        return bw_unit(values)
    if metric == "ops_per_s":
        return rate_unit(values)
    return 1, ""


METRIC_NAME = {"bandwidth_bytes_per_s": "bandwidth", "ops_per_s": "rate", "duration_s": "phase time",
               "latency_p50_ns": "p50 latency", "latency_p90_ns": "p90 latency", "latency_p99_ns": "p99 latency",
               "latency_p99.9_ns": "p99.9 latency"}


def human(metric, phase=None):
    """'write bandwidth', 'file_create rate', 'p99 latency'."""
    name = METRIC_NAME.get(metric, metric)
    return f"{phase} {name}" if phase else name


def axis_label(name, unit, log=False):
    return f"{name}, {unit}" + (" (log scale)" if log else "")


def spans_decade(values):
    pos = [v for v in values if v and v > 0]
    return bool(pos) and max(pos) / min(pos) > 10


# --- registry and output -----------------------------------------------------
def _min_font_px(fig):
    sizes = [t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return min(sizes) * DPI / 72 if sizes else None


def _png_size(data):
    # PNG: 8-byte signature, IHDR length and type, then width and height (big-endian)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def plain_log_ticks(ax):
    """Log axes labelled 0.5, 1, 2, 5, 10 (not 10^0 alone): a panel that
    spans less than a decade still has readable ticks."""
    for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
        if scale == "log" and getattr(axis, "_pfsb_base2", False) is False:
            lo, hi = sorted(axis.get_view_interval())
            decades = math.log10(hi / lo) if lo > 0 and hi > 0 else 99
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)))
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(NullFormatter())


def wrap_titles(fig):
    """Titles wrapped to the width of the figure (suptitle) or their axes
    (a title wider than the figure would widen the image past the page)."""
    fig_w_px = fig.get_size_inches()[0] * DPI
    texts = [(getattr(fig, "_suptitle", None), fig_w_px)]
    texts += [(ax.title, ax.get_position().width * fig_w_px * 1.15) for ax in fig.axes]
    for t, width_px in texts:
        if t is None or not t.get_text():
            continue
        per_char_px = t.get_fontsize() * DPI / 72 * 0.56
        chars = max(30, int(width_px / per_char_px))
        t.set_text("\n".join(textwrap.fill(line, chars) for line in t.get_text().split("\n")))


def emit(fig, kind, axes_info, title):
    """The figure as an <img> at its own pixel size (so fonts keep their
    size), recorded in FIGURES; closes the figure."""
    for ax in fig.axes:
        plain_log_ticks(ax)
    wrap_titles(fig)
    fig.tight_layout()  # again, with the wrapped titles
    min_px = _min_font_px(fig)
    axes = []
    for ax, info in zip(fig.axes, axes_info):
        curves = [{"label": ln.get_label(), "points": len(ln.get_xdata())}
                  for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        point_sets = sum(1 for ln in ax.get_lines() if ln.get_label() == "_pts")
        axes.append({"title": ax.get_title(), "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel(),
                     "xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "curves": curves,
                     "point_sets": point_sets, **info})
    for _ in range(3):  # long tick labels can push a tight bounding box past the page: shrink to fit
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
        data = buf.getvalue()
        w, h = _png_size(data)
        if w <= MAX_WIDTH_PX:
            break
        fw, fh = fig.get_size_inches()
        fig.set_size_inches(fw - (w - MAX_WIDTH_PX + 10) / DPI, fh)
    plt.close(fig)
    FIGURES.append({"kind": kind, "title": title, "width_px": w, "height_px": h, "min_font_px": min_px,
                    "axes": axes})
    return (f'<img alt="{esc(title)}" width="{w}" height="{h}" '
            f'src="data:image/png;base64,{base64.b64encode(data).decode()}">')


def new_fig(nrows=1, ncols=1, height=3.6, width=FIG_W, **kw):
    with plt.rc_context(RC):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False, **kw)
    return fig, [a for row in axes for a in row]


def styled(fn):
    """Runs a drawing function under the report's font sizes."""
    def run(*a, **kw):
        with plt.rc_context(RC):
            return fn(*a, **kw)
    run.__doc__ = fn.__doc__
    return run


def quartiles(values):
    v = sorted(values)
    if len(v) == 1:
        return v[0], v[0], v[0]
    qs = statistics_quantiles(v)
    return qs[0], stats.median(v), qs[2]


def statistics_quantiles(v):
    import statistics
    return statistics.quantiles(v, n=4, method="inclusive")


def spread_marks(ax, x, values, color, label=None, horizontal=False):
    """Median marker, interquartile bar, and every value as a point when
    there are fewer than MIN_N_WITHOUT_POINTS."""
    q1, med, q3 = quartiles(values)
    if horizontal:
        ax.plot([q1, q3], [x, x], color=color, lw=5, alpha=0.45, solid_capstyle="butt")
        ax.plot([med], [x], marker="D", color=color, ms=7, ls="none", label=label)
    else:
        ax.plot([x, x], [q1, q3], color=color, lw=7, alpha=0.45, solid_capstyle="butt")
        ax.plot([x], [med], marker="D", color=color, ms=7, ls="none", label=label)
    if len(values) < MIN_N_WITHOUT_POINTS:
        n = len(values)
        offs = [(i - (n - 1) / 2) * 0.035 for i in range(n)]
        if horizontal:
            ax.plot(values, [x + o for o in offs], marker="o", ms=3.5, ls="none", color="black", alpha=0.6,
                    label="_pts")
        else:
            ax.plot([x + o for o in offs], values, marker="o", ms=3.5, ls="none", color="black", alpha=0.6,
                    label="_pts")


COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]


def color(i):
    return COLORS[i % len(COLORS)]


SPREAD_NOTE = (f"diamond: median; bar: interquartile range; dots: every value (when n < {MIN_N_WITHOUT_POINTS})")


# --- headline per phase ------------------------------------------------------
@styled
def headline_panels(tool, series):
    """One panel per headline metric (bandwidth; rates): per phase and
    series the complete iterations of the runs that ended ok."""
    ok = {s.name: [d for d in s.tool_docs(tool) if d.status == "ok"] for s in series}
    all_docs = [d for docs in ok.values() for d in docs]
    phases = compare.phase_names(all_docs)
    by_metric = {}
    for ph in phases:
        by_metric.setdefault(compare.headline(tool, all_docs, ph), []).append(ph)
    if not by_metric:
        return ""
    out = []
    for metric, phs in by_metric.items():
        vals = {(s.name, ph): compare.samples(ok[s.name], ph, metric) for s in series for ph in phs}
        flat = [v for vs in vals.values() for v in vs]
        if not flat:
            continue
        div, unit = metric_unit(metric, flat)
        log = spans_decade(flat)
        width = min(FIG_W, max(6.0, 1.1 * len(phs) * max(1, len(series)) ** 0.5 + 2))
        fig, (ax,) = new_fig(width=width, height=3.8)
        step = 0.8 / max(1, len(series))
        for i, s in enumerate(series):
            first = True
            for j, ph in enumerate(phs):
                v = [x / div for x in vals[(s.name, ph)]]
                if v:
                    spread_marks(ax, j + (i - (len(series) - 1) / 2) * step, v, color(i),
                                 s.name if first else None)
                    first = False
        if log:
            ax.set_yscale("log")
        ax.set_xticks(range(len(phs)))
        ax.set_xticklabels(phs, rotation=20 if len(phs) > 3 else 0, ha="right" if len(phs) > 3 else "center")
        ax.set_xlim(-0.6, len(phs) - 0.4)
        ax.set_xlabel("phase")
        name = human(metric, phs[0] if len(phs) == 1 else None)
        ax.set_ylabel(axis_label(name, unit, log))
        n = max((len(v) for v in vals.values()), default=0)
        title = f"{tool}: {human(metric)} per phase, every iteration of the runs that ended ok (n up to {n})"
        ax.set_title(title + "\n" + SPREAD_NOTE, fontsize=11)
        ax.legend(loc="best")
        ax.grid(axis="y", alpha=0.3)
        out.append(emit(fig, "headline", [{"value_axis": "y", "unit": unit, "tool": tool, "metric": metric}],
                        title))
    return "".join(out)


# --- latency -----------------------------------------------------------------
def first_iteration(doc):
    return min((p.get("iteration", 0) for p in doc.phases()), default=0)


def latency_points(docs, phase, p):
    """[(is the run's first iteration, latency_ns)] of every complete
    iteration of these documents' phase."""
    out = []
    for d in docs:
        first = first_iteration(d)
        for ph in d.phases(phase):
            lat = ph.get("latency") or {}
            for row in lat.get("percentiles", []):
                if row["p"] == p and row.get("latency_ns") is not None and compare.complete(ph):
                    out.append((ph.get("iteration", 0) == first, row["latency_ns"]))
    return out


@styled
def latency_panels(tool, series):
    """p50 and p99 latency of every iteration of every run that ended ok:
    the first iteration drawn hollow (it may run on a cold cache), the
    later ones filled, the median over all of them as a bar."""
    ok = {s.name: [d for d in s.tool_docs(tool) if d.status == "ok"] for s in series}
    phases = [ph for ph in compare.phase_names([d for v in ok.values() for d in v])
              if any(latency_points(v, ph, 50.0) for v in ok.values())]
    if not phases:
        return ""
    # Few phases: p50 and p99 side by side; many: one above the other, full width.
    fig, axes = new_fig(1, 2, height=4.0, sharey=True) if len(phases) <= 3 else new_fig(2, 1, height=3.4)
    step = 0.8 / max(1, len(series))
    flat = [v for s in series for ph in phases for pk in (50.0, 99.0) for _, v in latency_points(ok[s.name], ph, pk)]
    div, unit = time_unit([v * 1e-9 for v in flat])
    log = spans_decade(flat)
    info = []
    for ax, pk in zip(axes, (50.0, 99.0)):
        for i, s in enumerate(series):
            for j, ph in enumerate(phases):
                pts = latency_points(ok[s.name], ph, pk)
                if not pts:
                    continue
                x = j + (i - (len(series) - 1) / 2) * step
                vals = [v * 1e-9 / div for _, v in pts]
                med = stats.median(vals)
                ax.plot([x - step * 0.4, x + step * 0.4], [med, med], color=color(i), lw=3,
                        label=s.name if j == 0 else "_m")
                first = [v * 1e-9 / div for is_first, v in pts if is_first]
                later = [v * 1e-9 / div for is_first, v in pts if not is_first]
                ax.plot([x] * len(first), first, ls="none", marker="o", mfc="none", mec=color(i), ms=6,
                        label="_first")
                ax.plot([x] * len(later), later, ls="none", marker="o", color=color(i), ms=4, alpha=0.7,
                        label="_later")
        if log:
            ax.set_yscale("log")
        ax.set_xticks(range(len(phases)))
        ax.set_xticklabels(phases, rotation=20 if len(phases) > 3 else 0, ha="right" if len(phases) > 3 else "center")
        ax.set_xlabel("phase")
        ax.set_title(f"p{pk:g} per operation")
        ax.set_ylabel(axis_label(f"p{pk:g} latency", unit, log))
        ax.grid(axis="y", alpha=0.3)
        info.append({"value_axis": "y", "unit": unit, "tool": tool})
    axes[0].legend(loc="best")
    title = (f"{tool}: latency of every iteration of every run that ended ok; hollow: a run's first iteration (may be cold), "
             f"filled: later iterations; bar: median of all")
    fig.suptitle(title, fontsize=11.5)
    return emit(fig, "latency", info, title)


def latency_rows(tool, series):
    """Table rows: per series and phase the median over every iteration of
    each percentile, and over the iterations after the first (steady state)."""
    rows = []
    for s in series:
        docs = [d for d in s.tool_docs(tool) if d.status == "ok"]
        for ph in compare.phase_names(docs):
            row, steady = [s.name, ph], []
            have = False
            for pk in (50.0, 90.0, 99.0, 99.9):
                pts = latency_points(docs, ph, pk)
                have |= bool(pts)
                row.append(f"{stats.median([v for _, v in pts]) / 1e3:.1f}" if pts else "-")
                later = [v for is_first, v in pts if not is_first]
                steady.append(f"{stats.median(later) / 1e3:.1f}" if later else "-")
            if have:
                n = len(latency_points(docs, ph, 50.0))
                rows.append(row + steady + [n])
    return rows


# --- time series -------------------------------------------------------------
def full_buckets(ts, span_s):
    """The values of the buckets that lie wholly inside the phase's span
    (bucket i covers [i w, (i+1) w) from the earliest start): a partial
    last bucket would show a false cliff."""
    w = ts["interval_s"]
    return [v for i, v in enumerate(ts["values"]) if (i + 1) * w <= span_s * (1 + 1e-9)]


def phase_span(phase):
    det = phase.get("details") or {}
    return det.get("span_s") or phase.get("duration_s") or 0.0


@styled
def time_series_panel(tool, series, key):
    """Per series, the first run that ended ok, its first iteration: its phases
    with a details[key] series laid end to end (the barriers between
    them left out), each boundary marked, partial buckets dropped."""
    rows = []
    for s in series:
        doc = next((d for d in s.tool_docs(tool) if d.status == "ok"
                    and any(full_buckets(p["details"][key], phase_span(p)) for p in d.phases()
                            if (p.get("details") or {}).get(key))), None)
        if doc:
            rows.append((s, doc))
    short = [s.name for s in series if s.name not in {r[0].name for r in rows}]
    note = (f"<p class='note'>{esc(tool)}: no time series of {esc(', '.join(short))}: the phase ended within its "
            f"first bucket (a partial bucket is not drawn).</p>") if short else ""
    if not rows:
        return note
    fig, axes = new_fig(len(rows), 1, height=2.9, sharex=False)
    info, dropped = [], 0
    for i, ((s, doc), ax) in enumerate(zip(rows, axes)):
        t0, bounds, values_all = 0.0, [], []
        phases = [p for p in doc.phases() if p.get("iteration", 0) == first_iteration(doc)
                  and (p.get("details") or {}).get(key)]
        segs = []
        for p in phases:
            ts = p["details"][key]
            span = phase_span(p)
            vals = full_buckets(ts, span)
            dropped += len(ts["values"]) - len(vals)
            w = ts["interval_s"]
            segs.append((t0, w, vals, p["name"], ts.get("unit")))
            values_all += vals
            bounds.append((t0, t0 + span, p["name"]))
            t0 += span
        is_bw = any(u == "bytes_per_s" for *_, u in segs)
        div, unit = bw_unit(values_all) if is_bw else rate_unit(values_all)
        for k, (start, w, vals, name, _) in enumerate(segs):
            xs = [start + w * (j + 0.5) for j in range(len(vals))]
            ax.plot(xs, [v / div for v in vals], marker=".", color=color(k), label=name)
        for start, end, name in bounds:
            ax.axvline(start, color="grey", ls="--", lw=1)
            ax.axvline(end, color="grey", ls="--", lw=1)
        log = spans_decade(values_all)
        if log:
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel("time since the first phase started, s (phases end to end, barriers left out)")
        ax.set_ylabel(axis_label("bandwidth" if is_bw else "rate", unit, log))
        ax.set_title(f"{s.name}: {doc_label(doc)}, first iteration", fontsize=11)
        ax.legend(loc="lower left", ncol=min(4, len(segs)))
        info.append({"value_axis": "y", "unit": unit, "tool": tool})
    title = (f"{tool}: {'bandwidth' if key == 'time_series' else 'rate'} over time in buckets of "
             f"{segs[0][1] * 1e3:g} ms; dashed: phase boundaries; partial last buckets dropped ({dropped})")
    fig.suptitle(title, fontsize=11.5)
    fig.tight_layout()
    return emit(fig, "time_series", info, title) + note


def doc_label(doc):
    return doc.record.get("document") or doc.data.get("tool")


# --- per rank ----------------------------------------------------------------
def rank_spread(docs, phase):
    """Median over the complete iterations of the phase's per-rank time
    distribution: (first finisher, median rank, last finisher), seconds."""
    mins, meds, maxs = [], [], []
    for d in docs:
        for p in d.phases(phase):
            r = p.get("rank_duration_s") or {}
            if compare.complete(p) and r.get("max") is not None:
                mins.append(r["min"])
                meds.append(r["median"])
                maxs.append(r["max"])
    if not maxs:
        return None
    return stats.median(mins), stats.median(meds), stats.median(maxs)


@styled
def per_rank_panel(tool, series):
    """Time per rank in each phase: first finisher, median rank and last
    finisher (the documents carry the distribution over ranks, not each
    rank's time), the median of each over the complete iterations of the
    runs that ended ok; stragglers show as a long bar."""
    items = []
    for s in series:
        docs = [d for d in s.tool_docs(tool) if d.status == "ok"]
        for ph in compare.phase_names(docs):
            r = rank_spread(docs, ph)
            if r:
                items.append((s.name, ph, r))
    if not items:
        return ""
    flat = [v for *_, r in items for v in r if v > 0]
    div, unit = time_unit(flat)
    log = spans_decade(flat)
    fig, (ax,) = new_fig(height=max(2.6, 0.32 * len(items) + 1.4))
    names = list(dict.fromkeys(n for n, _, _ in items))
    for y, (name, ph, (lo, med, hi)) in enumerate(items):
        c = color(names.index(name))
        ax.plot([lo / div, hi / div], [y, y], color=c, lw=3, alpha=0.5, label="_bar")
        ax.plot([lo / div], [y], marker="<", color=c, ms=8, ls="none", label="_first")
        ax.plot([hi / div], [y], marker=">", color=c, ms=8, ls="none", label="_last")
        ax.plot([med / div], [y], marker="|", color="black", ms=12, ls="none", label="_med")
    for i, n in enumerate(names):
        ax.plot([], [], color=color(i), lw=3, label=n)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([f"{n}: {ph}" for n, ph, _ in items])
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(axis_label("time per rank in the phase", unit, log))
    ax.set_ylabel("series: phase")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="best")
    title = (f"{tool}: time per rank, first finisher (<) to last finisher (>), | median rank; median over "
             f"iterations of the runs that ended ok")
    ax.set_title(title, fontsize=11)
    return emit(fig, "per_rank", [{"value_axis": "x", "unit": unit, "tool": tool}], title)


# --- ratios at a glance ------------------------------------------------------
@styled
def ratio_panel(groups, base_name, other_name, flagged=lambda row: False):
    """One dot per compared row with its 95% interval, log scale, grouped
    (bandwidth, metadata rates, latency; a dashed line between groups);
    right of 1 is better for every row (latency ratios are drawn as
    base/new). A row whose runs carry warnings or failed (flagged) is
    amber, never green."""
    rows = [(g, r) for g, rs in groups for r in rs if r["ratio"] is not None]
    if not rows:
        return ""
    fig, (ax,) = new_fig(height=max(2.4, 0.3 * len(rows) + 1.3))
    labels = []
    from matplotlib.transforms import blended_transform_factory
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for g in dict.fromkeys(g for g, _ in rows):
        ys = [y for y, (g2, _) in enumerate(rows) if g2 == g]
        ax.text(1.01, (ys[0] + ys[-1]) / 2, g, transform=trans, va="center", ha="left", fontsize=11,
                fontweight="bold")
        if ys[0] > 0:
            ax.axhline(ys[0] - 0.5, color="grey", ls="--", lw=1)
    for y, (g, r) in enumerate(rows):
        better_up = r["higher_is_better"]
        f = (lambda v: v) if better_up else (lambda v: 1 / v)
        ratio = f(r["ratio"])
        lo, hi = (None, None) if r["ci_low"] is None else sorted((f(r["ci_low"]), f(r["ci_high"])))
        c = {"improvement": "#2a8a2a", "regression": "#c0392b"}.get(r["verdict"], "#666666")
        if flagged(r) and r["verdict"] != "regression":
            c = "#d08c00"
        if lo is not None:
            ax.plot([lo, hi], [y, y], color=c, lw=3, alpha=0.5, label="_ci")
        ax.plot([ratio], [y], marker="o", color=c, ms=7, ls="none", label="_r")
        labels.append(f"{compare.row_label(r)} {r['phase']}: {human(r['metric'])}")
    ax.axvline(1, color="black", lw=1)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(axis_label(f"{other_name} against {base_name}, better to the right", "ratio", True))
    ax.set_ylabel("workload, phase, metric")
    ax.grid(axis="x", alpha=0.3)
    title = (f"{other_name} / {base_name}: ratio of medians with its 95% interval (latency: {base_name} / "
             f"{other_name}); green: improvement, red: regression, grey: no significant change or too few runs, "
             f"amber: its runs carry warnings or failed")
    ax.set_title(title, fontsize=11)
    return emit(fig, "ratios", [{"value_axis": "x", "unit": "ratio"}], title)


# --- scaling -----------------------------------------------------------------
def sweep_x(values):
    """Numeric x positions of sweep values (sizes with k/m/g parsed), and
    whether they are sizes; None when a value is not a number."""
    from .suites import parse_size
    xs = []
    for v in values:
        try:
            xs.append(float(v) if isinstance(v, (int, float)) else float(parse_size(v, "sweep")))
        except Exception:  # noqa: BLE001 - a non-numeric value: categorical axis
            return None
    return xs


@styled
def scaling_panel(series_name, run_name, tool, param, points, fixed):
    """A scaling curve per phase: x = the swept parameter's value, y = the
    phase's headline metric, median and interquartile band over every
    iteration of the runs that ended ok at that point (points: [(value,
    docs)] in sweep order); `fixed` names the other swept values."""
    all_docs = [d for _, docs in points for d in docs if d.status == "ok"]
    phases = compare.phase_names(all_docs)
    if not phases or len(points) < 2:
        return ""
    by_metric = {}
    for ph in phases:
        by_metric.setdefault(compare.headline(tool, all_docs, ph), []).append(ph)
    fig, axes = new_fig(1, len(by_metric), height=3.8, width=FIG_W if len(by_metric) > 1 else 7.5)
    xs = sweep_x([v for v, _ in points])
    info = []
    for ax, (metric, phs) in zip(axes, by_metric.items()):
        flat = [v for _, docs in points for ph in phs
                for v in compare.samples([d for d in docs if d.status == "ok"], ph, metric)]
        div, unit = metric_unit(metric, flat)
        log = spans_decade(flat)
        for k, ph in enumerate(phs):
            px, med, q1s, q3s = [], [], [], []
            for j, (v, docs) in enumerate(points):
                vals = [x / div for x in compare.samples([d for d in docs if d.status == "ok"], ph, metric)]
                if not vals:
                    continue
                q1, m, q3 = quartiles(vals)
                x = xs[j] if xs else j
                px.append(x)
                med.append(m)
                q1s.append(q1)
                q3s.append(q3)
                if len(vals) < MIN_N_WITHOUT_POINTS:
                    ax.plot([x] * len(vals), vals, ls="none", marker="o", ms=3.5, color=color(k), alpha=0.5,
                            label="_pts")
            if px:
                ax.fill_between(px, q1s, q3s, color=color(k), alpha=0.2, label="_iqr")
                ax.plot(px, med, marker="D", color=color(k), label=ph)
        if xs:
            if max(xs) / max(min(xs), 1e-12) >= 8:
                ax.set_xscale("log", base=2)
                ax.xaxis._pfsb_base2 = True  # keeps the sweep values as ticks
            ax.set_xticks(xs)
            ax.set_xticklabels([str(v) for v, _ in points])
            ax.minorticks_off()
        else:
            ax.set_xticks(range(len(points)))
            ax.set_xticklabels([str(v) for v, _ in points])
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("ranks (MPI processes)" if param == "ranks" else f"{param} (tool option)")
        ax.set_ylabel(axis_label(human(metric), unit, log))
        ax.grid(alpha=0.3)
        ax.legend(loc="best", title="phase")
        info.append({"value_axis": "y", "unit": unit, "tool": tool, "run": run_name, "parameter": param})
    title = (f"{series_name}: {run_name} ({tool}) over {param}" + (f", {fixed}" if fixed else "")
             + "; line: median, band: interquartile range over iterations and runs")
    fig.suptitle(title, fontsize=11.5)
    fig.tight_layout()
    return emit(fig, "scaling", info, title)


def fmt(x):
    """A table number: no decimals from 1000, one from 100, else 4 significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 1000:
        return f"{x:.0f}"
    return f"{x:.1f}" if abs(x) >= 100 or x == 0 else f"{x:.4g}"


@styled
def readers_panel(points):
    """mmap_read: bandwidth over readers (ranks x threads) per series and
    api: median line, interquartile band, every value when few.
    points: {(series, api, readers): [bytes/s]}."""
    flat = [v for vs in points.values() for v in vs]
    div, unit = bw_unit(flat)
    log = spans_decade(flat)
    fig, (ax,) = new_fig(width=7.5, height=3.8)
    keys = list(dict.fromkeys((s, a) for s, a, _ in points))
    for k, (s, api) in enumerate(keys):
        xs = sorted(r for s2, a2, r in points if (s2, a2) == (s, api))
        q = [quartiles([v / div for v in points[(s, api, x)]]) for x in xs]
        ax.fill_between(xs, [a for a, _, _ in q], [c for _, _, c in q], color=color(k), alpha=0.2, label="_iqr")
        ax.plot(xs, [m for _, m, _ in q], marker="D", color=color(k), label=f"{s} {api}")
        for x in xs:
            vals = [v / div for v in points[(s, api, x)]]
            if len(vals) < MIN_N_WITHOUT_POINTS:
                ax.plot([x] * len(vals), vals, ls="none", marker="o", ms=3.5, color=color(k), alpha=0.5, label="_pts")
    if log:
        ax.set_yscale("log")
    ax.set_xticks(sorted({r for _, _, r in points}))
    ax.set_xlabel("readers (ranks x threads)")
    ax.set_ylabel(axis_label("read bandwidth", unit, log))
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    title = "mmap_read: thread scaling; line: median, band: interquartile range over iterations and runs"
    ax.set_title(title, fontsize=11)
    return emit(fig, "scaling", [{"value_axis": "y", "unit": unit, "tool": "mmap_read"}], title)
