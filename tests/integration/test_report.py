"""scripts/report: one self-contained HTML page from results directories,
checked in a real browser (Debian's chromium, headless).

Guards: a page that fetches anything or runs a script (it must open
offline, as a file handed to a customer), an image that does not decode,
a console error, a failed run shown as if it were fine, and a missing
section (runs, comparison with intervals, per-tool plots, provenance).
The browser check is itself checked on a page with a broken image and a
script error, so a browser that shows nothing cannot pass it.

Issue 19 (the report as an acceptance document): the first screen says
what was compared (for an A/B what A and B were), the verdicts and the
acceptance spec's result; every warning of every document is in the page,
beside the rows of its runs, and such a row is never green; failed runs
are listed as failed. The figures are checked as matplotlib made them
(report_plots.FIGURES), not as pixels: axis labels with units, fonts of
11 px or more at 100% zoom, images no wider than the page; and the plot
rules (log axis past a decade, interquartile spread with the values drawn
when n < 10, latency of every iteration, no partial time-series bucket)
are checked on data with a known answer."""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import pfsb
from pfsbench_results import accept, compare, documents, project, report, report_plots as rp

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
REPORT = os.path.join(pfsb.ROOT, "scripts", "report")

ALL_TOOLS = '''
[[run]]
name = "ior"
tool = "ior_like"
args = ["-b", "256k", "-t", "64k", "-i", "2", "-o", "{dir}/f"]
[[run]]
name = "md"
tool = "mdtest_like"
args = ["-n", "50", "-i", "2", "-w", "512", "-e", "512", "-W", "5", "-d", "{dir}/md"]
[[run]]
name = "dio"
tool = "dio_batch"
args = ["--engine", "libaio", "--bs", "4k", "--iodepth", "8", "--size", "4m", "--interval", "2ms", "-o", "{dir}/dio"]
[[run]]
name = "mmap"
tool = "mmap_read"
args = ["--size", "4m", "--threads", "1,2", "--cache", "warm", "-o", "{dir}/mmap"]
[[run]]
name = "broken"
tool = "ior_like"
args = ["-b", "256k", "-t", "64k", "-o", "{dir}/no/such/dir/f"]
'''

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000"]

# Injected into a copy of the page: counts images that did not decode and
# errors (script errors and failed loads, caught in the capture phase), and
# writes the counts into the title, which --dump-dom prints.
CHECK = """<script>
var pfsbErrors = 0;
window.addEventListener('error', function () { pfsbErrors++; }, true);
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var bad = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); }).length;
  document.title = 'CHECK images=' + imgs.length + ' undecoded=' + bad + ' errors=' + pfsbErrors;
});
</script>"""


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browse(path):
    """(dumped DOM, console lines) of `path` after load in headless Chromium."""
    profile = tempfile.mkdtemp(prefix="pfsb-chromium-")
    try:
        r = subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                            "file://" + os.path.abspath(path)], capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l]
    return r.stdout, console


def check_in_browser(testcase, html_path):
    """Loads the page as it is (no console message) and a copy with the
    CHECK script; returns (images, undecoded, errors)."""
    dom, console = browse(html_path)
    testcase.assertIn("<body", dom, "chromium did not load the page")
    checked = html_path + ".check.html"
    with open(html_path) as f:
        text = f.read()
    with open(checked, "w") as f:
        f.write(text.replace("<head>", "<head>" + CHECK, 1))
    dom2, _ = browse(checked)
    m = re.search(r"CHECK images=(\d+) undecoded=(\d+) errors=(\d+)", dom2)
    testcase.assertIsNotNone(m, f"the check did not run: {dom2[:300]}")
    return console, int(m.group(1)), int(m.group(2)), int(m.group(3))


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._d = pfsb.temp_dir(pfsb.SHM)
        cls.dir = cls._d.__enter__()
        suite = os.path.join(cls.dir, "all.toml")
        with open(suite, "w") as f:
            f.write(ALL_TOOLS)
        target = os.path.join(cls.dir, "t")
        os.mkdir(target)
        cls.one, cls.two = os.path.join(cls.dir, "one"), os.path.join(cls.dir, "two")
        cls.runs = [subprocess.run([sys.executable, SUITE, suite, "--target", target, "--out", out, *extra],
                                   capture_output=True, text=True, timeout=300)
                    for out, extra in ((cls.one, ["--label", "one"]),
                                       (cls.two, ["--label", "two", "--ab", "--a-setup", "true", "--b-setup", "true"]))]
        cls.html = os.path.join(cls.dir, "report.html")
        cls.report = subprocess.run([sys.executable, REPORT, cls.one, cls.two, "-o", cls.html],
                                    capture_output=True, text=True, timeout=300)
        # The same report built in-process, for its figure registry.
        cls.page = report.build([cls.one, cls.two])
        cls.figures = list(rp.FIGURES)

    @classmethod
    def tearDownClass(cls):
        cls._d.__exit__(None, None, None)

    def test_page_content(self):
        for r in self.runs:
            self.assertEqual(r.returncode, 1, r.stderr)  # the broken run fails, the others are ok
        self.assertEqual(self.report.returncode, 0, self.report.stderr)
        with open(self.html) as f:
            page = f.read()
        self.assertNotIn("<script", page.lower())
        self.assertIsNone(re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page), "nothing is fetched")
        imgs = re.findall(r"<img [^>]*src=\"([^\"]*)\"", page)
        self.assertGreaterEqual(len(imgs), 8)
        self.assertTrue(all(src.startswith("data:image/png;base64,") for src in imgs))
        for section in ("<h2 id='runs'>Runs and provenance</h2>", "<h2>Before / after: two B against one</h2>",
                        *(f"<h2>{tool}</h2>" for tool in project.tools() if tool != "find_like"),
                        "<h3>Environments</h3>", "95% CI", "<h3>Bandwidth</h3>", "<h3>Metadata rates</h3>",
                        "<h3>Latency</h3>", "mmap_read: thread scaling", "bandwidth over time",
                        "latency of every iteration", "time per rank", "<h3>Stonewall</h3>",
                        "<th>items_at_stonewall_total</th>"):
            self.assertTrue(section in page, section)
        for series in ("one", "two A", "two B"):
            self.assertIn(f"<td>{series}</td>", page)
        self.assertIn("two B against one", page)
        # the failed run in the runs table, as failed, with its command line
        self.assertTrue(re.search(r'<tr class="bad"><td>broken.json</td><td>ior_like</td>(<td>[^<]*</td>){3}'
                                  r'<td><b>failed</b></td>', page))
        # with the whole launch: mpirun, its options, the tool and its options
        self.assertTrue(re.search(r"<tr class='cmd'><td colspan='13'>\$ mpirun [^<]*-np 2 \S*ior_like [^<]*"
                                  r"no/such/dir/f", page))
        # provenance: the filesystem, the CPU, the memory, the kernel
        self.assertIn("<td>tmpfs at /dev/shm from tmpfs</td>", page)
        for what in ("CPU", "memory", "kernel", "mount options", "pfsbench", "MPI"):
            self.assertIn(f"<tr><td>{what}</td>", page)

    def test_renders_in_chromium(self):
        if not chromium():
            self.skipTest("chromium is not installed (apt-get install chromium; scripts/test installs it)")
        console, images, undecoded, errors = check_in_browser(self, self.html)
        self.assertEqual(console, [], "the page logs to the console")
        self.assertGreaterEqual(images, 8)
        self.assertEqual((undecoded, errors), (0, 0))

    def test_browser_check_sees_broken_pages(self):
        if not chromium():
            self.skipTest("chromium is not installed (apt-get install chromium; scripts/test installs it)")
        bad = os.path.join(self.dir, "bad.html")
        with open(bad, "w") as f:
            f.write("<!DOCTYPE html><html><head><title>x</title></head><body>"
                    "<img src='data:image/png;base64,AAAAbroken'><img src='data:image/png;base64,"
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='>"
                    "<script>undefined_function();</script></body></html>")
        console, images, undecoded, errors = check_in_browser(self, bad)
        self.assertTrue(any("undefined_function" in l for l in console), console)
        self.assertEqual((images, undecoded), (2, 1))
        self.assertGreaterEqual(errors, 1)

    def test_first_screen_says_what_was_compared_and_the_verdicts(self):
        page = self.page
        first = page[:page.index("<h2>Before / after")]
        self.assertIn("What was compared, and the verdict", first)
        # the A/B directory says what A and B were: their setup commands, rounds and seed
        self.assertIn("<b>A</b> = the runs after <code>true</code>; <b>B</b> = the runs after <code>true</code>", first)
        seed = json_load(os.path.join(self.two, "manifest.json"))["ab"]["seed"]
        self.assertIn(f"(seed {seed})", first)
        for series in ("one", "two A", "two B"):
            self.assertIn(f"<td>{series}</td>", first)
        self.assertIn("<td>tmpfs on /dev/shm (tmpfs)</td>", first)
        self.assertIn("Verdict per tool and phase: two B against one", first)
        self.assertIn("Verdict per tool and phase: two A against one", first)
        # the failed run is listed as failed on the first screen
        self.assertIn('<tr class="bad"><td>one</td><td>broken.json</td><td>failed</td>', first)
        self.assertIn("run(s) did not end ok</b> and are not samples", first)

    def test_acceptance_result_is_on_the_first_screen(self):
        spec_path = os.path.join(self.dir, "spec.toml")
        for bound, expect in (('"1 MiB/s"', "PASSED"), ('"1000 TiB/s"', "FAILED")):
            with open(spec_path, "w") as f:
                f.write(f'title = "tiny"\n[[require]]\nname = "ior write"\ntool = "ior_like"\nphase = "write"\n'
                        f'at_least = {bound}\n[require.workload]\niterations = 2\n')
            page = report.build([self.one], spec=accept.load(spec_path))
            first = page[:page.index("<h2 id='warnings'>")]
            self.assertTrue(re.search(rf"Acceptance: <b>tiny</b> \([^)]*\): <b>{expect}</b>", first), expect)
            self.assertLess(page.index(expect), page.index("<h2>Acceptance</h2>"))
        # a requirement met by runs that carry warnings says so (dio_batch on tmpfs: O_DIRECT not direct)
        with open(spec_path, "w") as f:
            f.write('title = "dio"\n[[require]]\nname = "dio write"\ntool = "dio_batch"\nphase = "write"\n'
                    'at_least = "1 MiB/s"\n')
        page = report.build([self.one], spec=accept.load(spec_path))
        self.assertTrue(re.search(r"<p class='big warn'>Acceptance: <b>dio</b> [^<]*<b>PASSED</b>, 1 of 1 requirements "
                                  r"met; met with warnings of their runs: dio write", page))
        self.assertTrue(re.search(r'<tr class="warn"><td>dio write</td>.*?pass, with warnings.*?O_DIRECT on tmpfs is '
                                  r'not direct', page))
        # several series: each evaluated on its own runs, never pooled
        with open(spec_path, "w") as f:
            f.write('title = "tiny"\n[[require]]\nname = "ior write"\ntool = "ior_like"\nphase = "write"\n'
                    'at_least = "1000 TiB/s"\n[require.workload]\niterations = 2\n')
        page = report.build([self.one, self.two], spec=accept.load(spec_path))
        for name in ("one", "two A", "two B"):
            self.assertTrue(re.search(rf"<p class='big bad'>{name}: Acceptance: <b>tiny</b> [^<]*<b>FAILED</b>", page),
                            name)
            self.assertTrue(re.search(rf"<p>{name}: tiny \(", page[page.index("<h2>Acceptance</h2>"):]), name)

    def test_every_warning_of_every_document_is_in_the_page(self):
        docs = [d for p in (self.one, self.two) for d in documents.RunDir(p).docs]
        warnings = [(d, w) for d in docs for w in d.data.get("warnings") or []]
        # dio_batch on tmpfs warns that O_DIRECT is not direct: the check is not vacuous
        self.assertTrue(any("not direct" in w for _, w in warnings), warnings)
        for d, w in warnings:
            self.assertIn(html.escape(documents.printable(w)), self.page, (d.path, w))
            # in the list of all warnings, with its document
            self.assertIn(f"<td>{html.escape(d.record['document'])}</td><td>{d.tool}</td><td>{d.status}</td>"
                          f"<td>{html.escape(w)}</td>", self.page)
        # beside the comparison rows of its runs, and such a row is never green
        ratio_rows = re.findall(r"<tr( class=\"\w+\")?><td>dio_batch \(dio\)</td><td>write</td><td>bandwidth, [^<]*</td>"
                                r"(.*?)</tr>", self.page)
        self.assertGreaterEqual(len(ratio_rows), 2)  # two B and two A against one
        for cls, rest in ratio_rows:
            self.assertIn("O_DIRECT on tmpfs is not direct", rest)
            self.assertNotEqual(cls, ' class="ok"')
        verdict_rows = re.findall(r"<tr( class=\"\w+\")?><td>dio_batch \(dio\)</td><td>write</td><td>bandwidth</td>"
                                  r"(.*?)</tr>",
                                  self.page)
        self.assertEqual(len(verdict_rows), 2)
        for cls, rest in verdict_rows:
            self.assertIn("O_DIRECT on tmpfs is not direct", rest)
            self.assertNotEqual(cls, ' class="ok"')

    def test_figures_have_axis_labels_with_units_and_readable_fonts(self):
        kinds = {f["kind"] for f in self.figures}
        self.assertTrue({"headline", "per_rank", "latency", "time_series", "ratios", "scaling"} <= kinds, kinds)
        unit = re.compile(r", (" + "|".join(re.escape(u) for u in rp.UNITS) + r")( \(log scale\))?$")
        for f in self.figures:
            self.assertGreaterEqual(f["min_font_px"], rp.MIN_FONT_PX, f["title"])
            self.assertLessEqual(f["width_px"], rp.MAX_WIDTH_PX, f["title"])
            for ax in f["axes"]:
                self.assertTrue(ax["xlabel"].strip() and ax["ylabel"].strip(), (f["title"], ax))
                value_label = ax["ylabel"] if ax["value_axis"] == "y" else ax["xlabel"]
                self.assertRegex(value_label, unit, f["title"])
                self.assertNotIn("_bytes_per_s", value_label + ax["title"])
                log = ax["yscale" if ax["value_axis"] == "y" else "xscale"] == "log"
                self.assertEqual(log, "(log scale)" in value_label, (f["title"], value_label))
        # the page shows each image at its own size, so the fonts keep theirs
        for w, h in re.findall(r'<img alt="[^"]*" width="(\d+)" height="(\d+)"', self.page):
            self.assertLessEqual(int(w), rp.MAX_WIDTH_PX)
        self.assertEqual(len(re.findall(r"<img ", self.page)), len(self.figures))

    def test_bad_input(self):
        r = subprocess.run([sys.executable, REPORT, "/nonexistent", "-o", os.path.join(self.dir, "x.html")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent is not a directory", r.stderr)
        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty, exist_ok=True)
        r = subprocess.run([sys.executable, REPORT, empty, "-o", os.path.join(self.dir, "x.html")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("holds no pfsbench result document", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.html")))


def json_load(path):
    import json
    with open(path) as f:
        return json.load(f)


class FakeDoc(documents.Doc):
    """A document with the given phases (what the plot rules read)."""

    def __init__(self, phases, tool="ior_like", status="ok"):
        super().__init__(f"/fake/{id(self)}.json", {"tool": tool, "status": status, "phases": phases,
                                                    "environment": {"ranks": 2}, "config": {}},
                         {"name": tool, "document": f"{id(self)}.json"})


def phase(name, bw, iteration=0, p50=None, p99=None, ts=None, duration=1.0):
    lat = None if p50 is None else {"percentiles": [{"p": 50.0, "latency_ns": p50}, {"p": 99.0, "latency_ns": p99}]}
    det = {"complete": True}
    if ts is not None:
        det["time_series"] = ts
    return {"name": name, "iteration": iteration, "bandwidth_bytes_per_s": bw, "ops_per_s": bw / 2**20,
            "duration_s": duration, "rank_duration_s": {"min": 0.5, "median": 0.7, "max": duration},
            "latency": lat, "details": det}


class Series:
    def __init__(self, name, docs):
        self.name, self.docs = name, docs

    def tool_docs(self, tool):
        return [d for d in self.docs if d.tool == tool]


class PlotRules(unittest.TestCase):
    """The rules of the plots on data with a known answer."""

    def setUp(self):
        rp.reset()

    def test_log_axis_only_past_a_decade(self):
        self.assertFalse(rp.spans_decade([1.0, 10.0]))
        self.assertTrue(rp.spans_decade([1.0, 10.01]))
        self.assertFalse(rp.spans_decade([]))
        within = [FakeDoc([phase("write", 1e9), phase("read", 9e9)])]
        across = [FakeDoc([phase("write", 1e9), phase("read", 30e9)])]
        rp.headline_panels("ior_like", [Series("s", within)])
        rp.headline_panels("ior_like", [Series("s", across)])
        self.assertEqual([f["axes"][0]["yscale"] for f in rp.FIGURES], ["linear", "log"])
        self.assertEqual([f["axes"][0]["ylabel"] for f in rp.FIGURES],
                         ["bandwidth, GiB/s", "bandwidth, GiB/s (log scale)"])

    def test_spread_is_the_interquartile_range_with_points_below_ten(self):
        self.assertEqual(rp.quartiles([1, 2, 3, 4, 5]), (2, 3, 4))
        self.assertEqual(rp.quartiles([7]), (7, 7, 7))
        self.assertEqual(rp.quartiles([1, 2, 3, 4, 100]), (2, 3, 4))  # not min..max
        few = [FakeDoc([phase("write", 2**30 * (1 + i / 10), iteration=i)]) for i in range(9)]
        many = [FakeDoc([phase("write", 2**30 * (1 + i / 10), iteration=i)]) for i in range(10)]
        rp.headline_panels("ior_like", [Series("few", few)])
        rp.headline_panels("ior_like", [Series("many", many)])
        self.assertEqual([f["axes"][0]["point_sets"] for f in rp.FIGURES], [1, 0])

    def test_latency_of_every_iteration_first_apart(self):
        doc = FakeDoc([phase("write", 1e9, iteration=i, p50=1000 * (10 if i == 0 else 1), p99=5000) for i in range(3)])
        pts = rp.latency_points([doc], "write", 50.0)
        self.assertEqual(pts, [(True, 10000), (False, 1000), (False, 1000)])
        rows = rp.latency_rows("ior_like", [Series("s", [doc])])
        # median of all three iterations, and of the steady state (iterations after the first)
        self.assertEqual(rows, [["s", "write", "1.0", "-", "5.0", "-", "1.0", "-", "5.0", "-", 3]])
        rp.latency_panels("ior_like", [Series("s", [doc])])
        self.assertIn("every iteration", rp.FIGURES[0]["title"])

    def test_time_series_drops_the_partial_last_bucket(self):
        ts = {"interval_s": 0.1, "unit": "bytes_per_s", "values": [5.0, 6.0, 7.0, 1.0]}
        self.assertEqual(rp.full_buckets(ts, 0.35), [5.0, 6.0, 7.0])
        self.assertEqual(rp.full_buckets(ts, 0.4), [5.0, 6.0, 7.0, 1.0])
        self.assertEqual(rp.full_buckets(ts, 0.05), [])
        doc = FakeDoc([phase("write", 1e9, ts=ts, duration=0.35)], tool="dio_batch")
        rp.time_series_panel("dio_batch", [Series("s", [doc])], "time_series")
        ax = rp.FIGURES[0]["axes"][0]
        self.assertEqual([(c["label"], c["points"]) for c in ax["curves"]], [("write", 3)])
        self.assertIn("partial last buckets dropped (1)", rp.FIGURES[0]["title"])
        # a phase shorter than one bucket: no figure, a note that says why
        rp.reset()
        short = FakeDoc([phase("write", 1e9, ts=ts, duration=0.05)], tool="dio_batch")
        text = rp.time_series_panel("dio_batch", [Series("short", [short])], "time_series")
        self.assertEqual(rp.FIGURES, [])
        self.assertIn("no time series of short", text)

    def test_per_rank_panel_shows_first_and_last_finisher(self):
        doc = FakeDoc([phase("write", 1e9, duration=2.0), phase("read", 1e9, duration=3.0)])
        rp.per_rank_panel("ior_like", [Series("s", [doc])])
        f = rp.FIGURES[0]
        self.assertIn("first finisher", f["title"])
        self.assertIn("last finisher", f["title"])
        self.assertEqual(f["axes"][0]["xlabel"], "time per rank in the phase, s")
        self.assertEqual(rp.rank_spread([doc], "read"), (0.5, 0.7, 3.0))

    def test_a_workload_with_a_failed_run_or_a_warning_is_never_green(self):
        ok = [FakeDoc([phase("write", 2e9)]) for _ in range(5)]
        failed = FakeDoc([phase("write", 1e9)], status="failed")
        warned = FakeDoc([phase("write", 2e9)])
        warned.data["warnings"] = ["the cache was not defeated"]
        base = [FakeDoc([phase("write", 1e9)]) for _ in range(5)]
        row = {"tool": "ior_like", "run": "ior_like", "point": None, "headline": True, "verdict": "improvement"}
        for new, cls in ((ok, "ok"), (ok + [failed], "bad"), (ok + [warned], "warn")):
            sides = [report.Series("base", None, base, []), report.Series("new", None, new, [])]
            warns, bad = report.concerns(sides, "ior_like", "ior_like", None)
            self.assertEqual(report.row_class(row, warns, bad), cls)
        self.assertEqual(report.row_class(dict(row, verdict="regression"), [], []), "bad")
        # a run that left no document counts as not ok too
        sides = [report.Series("new", None, ok, [{"tool": "ior_like", "name": "ior_like", "status": "interrupted"}])]
        self.assertEqual(report.concerns(sides, "ior_like", "ior_like", None)[1], [("new", "ior_like", "interrupted")])

    def test_failed_runs_are_not_drawn_as_samples(self):
        ok = FakeDoc([phase("write", 1e9)])
        failed = FakeDoc([phase("write", 50e9)], status="failed")
        rp.headline_panels("ior_like", [Series("s", [ok, failed])])
        self.assertEqual(rp.FIGURES[0]["axes"][0]["yscale"], "linear")  # the failed 50 GB/s is not there
        self.assertEqual(compare.samples([ok], "write", "bandwidth_bytes_per_s"), [1e9])


if __name__ == "__main__":
    unittest.main()
