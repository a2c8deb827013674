"""scripts/report: one self-contained HTML page from results directories,
checked in a real browser (Debian's chromium, headless).

Guards: a page that fetches anything or runs a script (it must open
offline, as a file handed to a customer), an image that does not decode,
a console error, a failed run shown as if it were fine, and a missing
section (runs, comparison with intervals, per-tool plots, provenance).
The browser check is itself checked on a page with a broken image and a
script error, so a browser that shows nothing cannot pass it."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import pfsb

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
args = ["--engine", "libaio", "--bs", "4k", "--iodepth", "8", "--size", "1m", "-o", "{dir}/dio"]
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
        for section in ("<h2>Runs</h2>", "<h2>Comparison</h2>", "<h2>ior_like</h2>", "<h2>mdtest_like</h2>",
                        "<h2>dio_batch</h2>", "<h2>mmap_read</h2>", "<h2>Provenance</h2>", "95% CI",
                        "mmap_read: thread scaling", "rate over time", "latency percentiles",
                        "<h3>Stonewall</h3>", "<th>items_at_stonewall_total</th>"):
            self.assertTrue(section in page, section)
        for series in ("one", "two A", "two B"):
            self.assertIn(f"<td>{series}</td>", page)
        self.assertIn("two B against one", page)
        self.assertRegex(page, r'<tr class="bad"><td>broken</td><td>ior_like</td>(<td>[^<]*</td>){2}<td>failed</td>')
        self.assertIn("<td>tmpfs</td>", page)  # provenance: the filesystem

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


if __name__ == "__main__":
    unittest.main()
