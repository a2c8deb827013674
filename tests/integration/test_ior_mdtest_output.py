"""IOR- and mdtest-compatible output (issue 19, What 4): the one-liners that
site parsers run on IOR's and mdtest's output return ior_like's and
mdtest_like's numbers, and those numbers are the document's.

The expected structure (column names and order, JSON keys, operation names)
was taken from a real IOR/mdtest (hpc/ior 5fcf0ba, 2026-04) run on the same
small lines and is written here as expectations; these tests never need the
real programs.

Guards against (the symptoms of issue 19):
  - `grep 'Max Write:'` / `grep -A3 'Summary of all tests:'` finding nothing;
  - `awk '/^write/{print $10}'` returning close(s) instead of total(s);
  - the summary's StdDev being the sample SD where IOR prints the population SD
    (and mdtest's Std Dev being anything but mdtest's sample SD);
  - `-O summaryFormat=JSON` writing pfsbench's document (no `.summary[]`,
    no `.tests[0].Results`) or CSV being refused;
  - pfsbench's own tables adding rows that IOR/mdtest parsers pick up.
"""
import csv
import io
import json
import os
import statistics
import subprocess
import unittest

import pfsb

IOR = "ior_like"
MDTEST = "mdtest_like"
MIB = 1024.0 * 1024.0

# IOR's per-iteration table and its "Summary of all tests:" header, in order.
IOR_TABLE_COLUMNS = ["access", "bw(MiB/s)", "IOPS", "Latency(s)", "block(KiB)", "xfer(KiB)", "open(s)", "wr/rd(s)",
                     "close(s)", "total(s)", "iter"]
IOR_SUMMARY_COLUMNS = ["Operation", "Max(MiB)", "Min(MiB)", "Mean(MiB)", "StdDev", "Max(OPs)", "Min(OPs)",
                       "Mean(OPs)", "StdDev", "Mean(s)", "Stonewall(s)", "Stonewall(MiB)", "Test#", "#Tasks", "tPN",
                       "reps", "fPP", "reord", "reordoff", "reordrand", "seed", "segcnt", "blksiz", "xsize",
                       "aggs(MiB)", "API", "RefNum"]
IOR_JSON_TOP = ["Version", "Began", "Command line", "Machine", "tests", "summary", "Finished"]
IOR_JSON_RESULT = ["access", "bwMiB", "blockKiB", "xferKiB", "iops", "latency", "openTime", "wrRdTime", "closeTime",
                   "totalTime"]
IOR_JSON_SUMMARY = ["operation", "API", "TestID", "ReferenceNumber", "segmentCount", "blockSize", "transferSize",
                    "numTasks", "tasksPerNode", "repetitions", "filePerProc", "reorderTasks", "taskPerNodeOffset",
                    "reorderTasksRandom", "reorderTasksRandomSeed", "bwMaxMIB", "bwMinMIB", "bwMeanMIB", "bwStdMIB",
                    "OPsMax", "OPsMin", "OPsMean", "OPsSD", "MeanTime", "xsizeMiB"]
IOR_CSV_COLUMNS = ["access", "bw(MiB/s)", "IOPS", "Latency", "block(KiB)", "xfer(KiB)", "open(s)", "wr/rd(s)",
                   "close(s)", "total(s)", "numTasks", "iter"]
# mdtest's SUMMARY block: the header's words and its operation names by phase.
MDTEST_HEADER = ["Operation", "Max", "Min", "Mean", "Std", "Dev"]
MDTEST_NAMES = {"dir_create": "Directory creation", "dir_stat": "Directory stat", "dir_remove": "Directory removal",
                "file_create": "File creation", "file_stat": "File stat", "file_read": "File read",
                "file_remove": "File removal", "tree_create": "Tree creation", "tree_remove": "Tree removal"}


def sh(cmd, text):
    """Runs a shell one-liner (grep, awk) on `text`, as a site script would."""
    return subprocess.run(["sh", "-c", cmd], input=text, capture_output=True, text=True, check=False).stdout


def values(doc, phase, key):
    return [p[key] for p in doc["phases"] if p["name"] == phase]


def doc_summary(doc, phase, metric):
    return next(s for s in doc["summary"] if s["phase"] == phase and s["metric"] == metric)


class IorConsole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = pfsb.temp_dir(pfsb.SHM)
        d = cls.dir.__enter__()
        cls.res = pfsb.run_tool(IOR, 2, ["-w", "-r", "-b", "64k", "-t", "4k", "-i", "3", "-o", os.path.join(d, "f")],
                                os.path.join(d, "doc.json"))

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__(None, None, None)

    def setUp(self):
        self.assertEqual(self.res.returncode, 0, self.res)
        pfsb.assert_valid(self, self.res.doc)
        self.doc = self.res.doc

    def test_grep_max_write_and_read(self):
        for op, label in (("write", "Max Write:"), ("read", "Max Read:")):
            line = sh(f"grep '{label}'", self.res.stdout).splitlines()
            self.assertEqual(len(line), 1, self.res.stdout)
            words = line[0].split()
            best = max(values(self.doc, op, "bandwidth_bytes_per_s"))
            # "Max Write: X MiB/sec (Y MB/sec)"
            self.assertEqual([words[0], words[1], words[3], words[5]], ["Max", label.split()[1], "MiB/sec", "MB/sec)"])
            self.assertAlmostEqual(float(words[2]), best / MIB, delta=0.006)
            self.assertAlmostEqual(float(words[4].lstrip("(")), best / 1e6, delta=0.006)

    def test_summary_of_all_tests_columns_are_the_documents(self):
        block = sh("grep -A3 'Summary of all tests:'", self.res.stdout).splitlines()
        self.assertEqual(len(block), 4, self.res.stdout)
        header = block[1].split()
        self.assertEqual(header, IOR_SUMMARY_COLUMNS)
        for line, op in zip(block[2:], ("write", "read")):
            cells = line.split()
            self.assertEqual(len(cells), len(header), line)
            self.assertEqual(cells[0], op)
            col = {}
            for i, name in enumerate(header):  # the two StdDev: bandwidth's, then OPs'
                col[name if name not in col else name + "#2"] = cells[i]
            bw = values(self.doc, op, "bandwidth_bytes_per_s")
            ops = values(self.doc, op, "ops_per_s")
            s_bw = doc_summary(self.doc, op, "bandwidth_bytes_per_s")
            s_ops = doc_summary(self.doc, op, "ops_per_s")
            s_t = doc_summary(self.doc, op, "duration_s")
            self.assertAlmostEqual(float(col["Max(MiB)"]), s_bw["max"] / MIB, delta=0.006)
            self.assertAlmostEqual(float(col["Min(MiB)"]), s_bw["min"] / MIB, delta=0.006)
            self.assertAlmostEqual(float(col["Mean(MiB)"]), s_bw["mean"] / MIB, delta=0.006)
            # IOR's StdDev is the population one, not the document's sample SD.
            self.assertAlmostEqual(float(col["StdDev"]), statistics.pstdev(bw) / MIB, delta=0.006)
            self.assertAlmostEqual(float(col["Max(OPs)"]), s_ops["max"], delta=0.006)
            self.assertAlmostEqual(float(col["Min(OPs)"]), s_ops["min"], delta=0.006)
            self.assertAlmostEqual(float(col["Mean(OPs)"]), s_ops["mean"], delta=0.006)
            self.assertAlmostEqual(float(col["StdDev#2"]), statistics.pstdev(ops), delta=0.006)
            self.assertAlmostEqual(float(col["Mean(s)"]), s_t["mean"], delta=0.000006)
            self.assertEqual([col["Stonewall(s)"], col["Stonewall(MiB)"]], ["NA", "NA"])
            self.assertEqual(col["#Tasks"], "2")
            self.assertEqual(col["reps"], "3")
            self.assertEqual(col["fPP"], "0")
            self.assertEqual(col["segcnt"], "1")
            self.assertEqual(col["blksiz"], str(65536))
            self.assertEqual(col["xsize"], str(4096))
            self.assertAlmostEqual(float(col["aggs(MiB)"]), values(self.doc, op, "bytes")[0] / MIB, delta=0.06)
            self.assertEqual(col["API"], "POSIX")

    def test_per_iteration_rows_have_iors_columns(self):
        lines = self.res.stdout.splitlines()
        at = lines.index(next(line for line in lines if line.startswith("access")))
        self.assertEqual(lines[at].split(), IOR_TABLE_COLUMNS)
        rows = [line.split() for line in lines[at + 2:at + 8]]
        phases = [p for p in self.doc["phases"]]
        self.assertEqual([(r[0], int(r[-1])) for r in rows], [(p["name"], p["iteration"]) for p in phases])
        for r, p in zip(rows, phases):
            c = dict(zip(IOR_TABLE_COLUMNS, r))
            self.assertAlmostEqual(float(c["bw(MiB/s)"]), p["bandwidth_bytes_per_s"] / MIB,
                                   delta=max(0.006, 0.5e-2 * p["bandwidth_bytes_per_s"] / MIB))
            self.assertEqual(float(c["block(KiB)"]), 64.0)
            self.assertEqual(float(c["xfer(KiB)"]), 4.0)
            self.assertAlmostEqual(float(c["total(s)"]), p["duration_s"], delta=0.006)
            self.assertAlmostEqual(float(c["open(s)"]), p["details"]["open_duration_s"], delta=0.006)
            self.assertAlmostEqual(float(c["wr/rd(s)"]), p["details"]["io_duration_s"], delta=0.006)
            self.assertAlmostEqual(float(c["close(s)"]), p["details"]["close_duration_s"], delta=0.006)

    def test_awk_column_10_of_write_rows_is_total_seconds(self):
        # As with IOR, /^write/ matches the per-iteration rows and then the
        # summary's write row; the first are total(s) (column 10).
        got = sh("awk '/^write/{print $10}'", self.res.stdout).split()
        totals = values(self.doc, "write", "duration_s")
        self.assertEqual(len(got), len(totals) + 1, self.res.stdout)
        for text, total in zip(got, totals):
            self.assertAlmostEqual(float(text), total, delta=0.000006 if total < 1 else 0.006)
        self.assertAlmostEqual(float(got[-1]), doc_summary(self.doc, "write", "duration_s")["mean"], delta=0.00001,
                               msg="the summary row's column 10 is Mean(s), as in IOR")

    def test_only_iors_rows_start_with_write_or_read(self):
        starts = [line.split()[0] for line in self.res.stdout.splitlines() if line.startswith(("write", "read"))]
        self.assertEqual(starts, ["write", "read"] * 3 + ["write", "read"])


class IorOwnTables(unittest.TestCase):
    def test_pfsbench_tables_come_after_and_add_no_ior_rows(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(IOR, 2, ["-b", "64k", "-t", "4k", "-W", "-o", os.path.join(d, "f"),
                                       "--pfsbench-tables"])
            self.assertEqual(r.returncode, 0, r)
            out = r.stdout
            self.assertIn("lat_p99(ms)", out)
            self.assertGreater(out.index("lat_p99(ms)"), out.index("Summary of all tests:"))
            self.assertEqual(len(sh("awk '/^write/'", out).splitlines()), 2, out)
            self.assertEqual(len(sh("grep -A3 'Summary of all tests:' | awk 'NR>2'", out).splitlines()), 2)
            self.assertIn("check write_check passed", out)
            r = pfsb.run_tool(IOR, 1, ["-b", "64k", "-t", "4k", "-o", os.path.join(d, "f")])
            self.assertNotIn("lat_p99(ms)", r.stdout, "our table is behind the flag")


class IorSummaryFormats(unittest.TestCase):
    def check_json(self, ior, doc):
        self.assertEqual(list(ior), IOR_JSON_TOP)
        self.assertEqual(len(ior["tests"]), 1)
        test = ior["tests"][0]
        for key in ("TestID", "StartTime", "Path", "Parameters", "Options", "Results", "max"):
            self.assertIn(key, test)
        results = test["Results"]
        self.assertEqual(len(results), len(doc["phases"]))
        for res, p in zip(results, doc["phases"]):
            self.assertEqual(list(res), IOR_JSON_RESULT)
            self.assertEqual(res["access"], p["name"])
            self.assertAlmostEqual(res["bwMiB"], p["bandwidth_bytes_per_s"] / MIB, places=6)
            self.assertAlmostEqual(res["totalTime"], p["duration_s"], places=9)
            self.assertAlmostEqual(res["iops"], p["details"]["io_ops_per_s"], places=6)
            self.assertAlmostEqual(res["wrRdTime"], p["details"]["io_duration_s"], places=9)
            self.assertAlmostEqual(res["latency"], p["latency"]["mean_ns"] / 1e9, places=12)
        self.assertEqual([s["operation"] for s in ior["summary"]], ["write", "read"])
        for s in ior["summary"]:
            self.assertEqual(list(s), IOR_JSON_SUMMARY)
            op = s["operation"]
            bw = values(doc, op, "bandwidth_bytes_per_s")
            ops = values(doc, op, "ops_per_s")
            self.assertAlmostEqual(s["bwMaxMIB"], doc_summary(doc, op, "bandwidth_bytes_per_s")["max"] / MIB, places=6)
            self.assertAlmostEqual(s["bwMinMIB"], doc_summary(doc, op, "bandwidth_bytes_per_s")["min"] / MIB, places=6)
            self.assertAlmostEqual(s["bwMeanMIB"], doc_summary(doc, op, "bandwidth_bytes_per_s")["mean"] / MIB,
                                   places=6)
            self.assertAlmostEqual(s["bwStdMIB"], statistics.pstdev(bw) / MIB, places=6)
            self.assertAlmostEqual(s["OPsMax"], doc_summary(doc, op, "ops_per_s")["max"], places=6)
            self.assertAlmostEqual(s["OPsSD"], statistics.pstdev(ops), places=6)
            self.assertAlmostEqual(s["MeanTime"], doc_summary(doc, op, "duration_s")["mean"], places=9)
            self.assertEqual(s["numTasks"], 2)
            self.assertEqual(s["repetitions"], 2)
            self.assertEqual(s["blockSize"], 65536)
            self.assertEqual(s["transferSize"], 4096)
            self.assertEqual(s["API"], "POSIX")
            self.assertEqual(ior["tests"][0]["max"][op + "MiB"], s["bwMaxMIB"])

    def test_json_on_stdout_is_iors_and_equals_the_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(IOR, 2, ["-b", "64k", "-t", "4k", "-i", "2", "-o", os.path.join(d, "f"), "-O",
                                       "summaryFormat=JSON"], os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.check_json(json.loads(r.stdout), r.doc)
            self.assertIn("Summary of all tests:", r.stderr, "the human text moves to stderr")

    def test_json_in_summary_file(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "ior.json")
            r = pfsb.run_tool(IOR, 2, ["-b", "64k", "-t", "4k", "-i", "2", "-o", os.path.join(d, "f"), "-O",
                                       f"summaryFile={path},summaryFormat=JSON"], os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            with open(path) as f:
                self.check_json(json.load(f), r.doc)
            self.assertIn("Max Write:", r.stdout, "the human text stays on stdout")

    def test_csv_is_iors_and_equals_the_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "ior.csv")
            r = pfsb.run_tool(IOR, 2, ["-b", "64k", "-t", "4k", "-i", "2", "-o", os.path.join(d, "f"), "-O",
                                       f"summaryFile={path}", "-O", "summaryFormat=CSV"], os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 0, r)
            with open(path) as f:
                rows = list(csv.reader(f))
            self.assertEqual(rows[0], IOR_CSV_COLUMNS)
            self.assertEqual(len(rows) - 1, len(r.doc["phases"]))
            for row, p in zip(rows[1:], r.doc["phases"]):
                c = dict(zip(IOR_CSV_COLUMNS, row))
                self.assertEqual((c["access"], int(c["iter"]), int(c["numTasks"])), (p["name"], p["iteration"], 2))
                self.assertAlmostEqual(float(c["bw(MiB/s)"]), p["bandwidth_bytes_per_s"] / MIB, delta=1e-6)
                self.assertAlmostEqual(float(c["total(s)"]), p["duration_s"], delta=1e-6)
                self.assertAlmostEqual(float(c["IOPS"]), p["details"]["io_ops_per_s"], delta=1e-6)
            # On stdout: nothing but the CSV.
            r = pfsb.run_tool(IOR, 1, ["-b", "64k", "-t", "4k", "-o", os.path.join(d, "f"), "-O",
                                       "summaryFormat=CSV"])
            self.assertEqual(r.returncode, 0, r)
            rows = list(csv.reader(io.StringIO(r.stdout)))
            self.assertEqual(rows[0], IOR_CSV_COLUMNS)
            self.assertEqual([row[0] for row in rows[1:]], ["write", "read"])

    def test_default_format_in_summary_file(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "ior.txt")
            r = pfsb.run_tool(IOR, 1, ["-b", "64k", "-t", "4k", "-o", os.path.join(d, "f"), "--quiet", "-O",
                                       f"summaryFile={path}"], os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 0, r)
            with open(path) as f:
                text = f.read()
            best = max(values(r.doc, "write", "bandwidth_bytes_per_s"))
            self.assertAlmostEqual(float(sh("grep 'Max Write:' | awk '{print $3}'", text)), best / MIB, delta=0.006)
            self.assertEqual(sh("grep -A1 'Summary of all tests:' | tail -1", text).split(), IOR_SUMMARY_COLUMNS)

    def test_stdout_claimed_twice_is_a_usage_error(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(IOR, 1, ["-b", "64k", "-t", "4k", "-o", os.path.join(d, "f"), "-O",
                                       "summaryFormat=JSON", "--json", "-"])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("ior_like: error: --json - and -O summaryFormat=JSON both want stdout", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "f")), "nothing ran")

    def test_unwritable_summary_file_fails_and_keeps_the_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "missing", "ior.json")
            r = pfsb.run_tool(IOR, 2, ["-b", "64k", "-t", "4k", "-o", os.path.join(d, "f"), "-O",
                                       f"summaryFile={path}", "-O", "summaryFormat=JSON"], os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 1, r)
            self.assertIn(path, r.stderr)
            self.assertIn("ior_like: error:", r.stderr)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["write", "read"], "nothing measured is lost")
            self.assertIn("Max Write:", r.stdout)


class MdtestSummary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = pfsb.temp_dir(pfsb.SHM)
        d = cls.dir.__enter__()
        cls.res = pfsb.run_tool(MDTEST, 2, ["-n", "10", "-i", "3", "-P", "-d", os.path.join(d, "md")],
                                os.path.join(d, "doc.json"))

    @classmethod
    def tearDownClass(cls):
        cls.dir.__exit__(None, None, None)

    def setUp(self):
        self.assertEqual(self.res.returncode, 0, self.res)
        pfsb.assert_valid(self, self.res.doc)
        self.doc = self.res.doc

    def block(self, title):
        lines = self.res.stdout.splitlines()
        at = next(i for i, line in enumerate(lines) if line.startswith(title))
        self.assertEqual(lines[at + 1].split(), MDTEST_HEADER)
        rows = []
        for line in lines[at + 3:]:
            if not line.startswith("   "):
                break
            rows.append(line)
        return rows

    def check_rows(self, rows, metric):
        phases = list(dict.fromkeys(p["name"] for p in self.doc["phases"]))
        names = [MDTEST_NAMES[p] for p in phases]
        order = list(MDTEST_NAMES.values())
        got = [" ".join(r.split()[:2]) for r in rows]
        self.assertEqual(got, sorted(names, key=order.index), "mdtest's names in mdtest's order")
        for row in rows:
            name = " ".join(row.split()[:2])
            phase = next(p for p, n in MDTEST_NAMES.items() if n == name)
            s = doc_summary(self.doc, phase, metric)
            # mdtest's Std Dev is the sample one (n-1), the document's.
            per_iter = values(self.doc, phase, metric)
            self.assertAlmostEqual(s["stddev"], statistics.stdev(per_iter), delta=1e-9 * max(1.0, s["stddev"]))
            self.assertEqual(row[26:].split(), [f"{s[k]:.3f}" for k in ("max", "min", "mean", "stddev")],
                             "the first figure starts at column 27, as in mdtest")

    def test_summary_rate_rows_are_the_documents(self):
        self.check_rows(self.block("SUMMARY rate (in ops/sec): (of 3 iterations)"), "ops_per_s")

    def test_summary_time_rows_are_the_documents(self):
        self.check_rows(self.block("SUMMARY time"), "duration_s")

    def test_grep_file_creation_awk(self):
        # As with mdtest -P: one rate row, one time row; $3 is Max, $4 Min.
        lines = sh("grep 'File creation'", self.res.stdout).splitlines()
        self.assertEqual(len(lines), 2, self.res.stdout)
        rate = doc_summary(self.doc, "file_create", "ops_per_s")
        self.assertEqual(sh("grep 'File creation' | head -1 | awk '{print $3}'", self.res.stdout).strip(),
                         f"{rate['max']:.3f}")
        self.assertEqual(sh("grep 'File creation' | head -1 | awk '{print $4}'", self.res.stdout).strip(),
                         f"{rate['min']:.3f}")
        tree = doc_summary(self.doc, "tree_create", "ops_per_s")
        self.assertEqual(sh("grep 'Tree creation' | head -1 | awk '{print $5}'", self.res.stdout).strip(),
                         f"{tree['mean']:.3f}")

    def test_own_tables_behind_the_flag_add_no_mdtest_rows(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(MDTEST, 2, ["-F", "-n", "5", "-d", os.path.join(d, "md"), "--pfsbench-tables"])
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("p99.9", r.stdout)
            self.assertGreater(r.stdout.index("p99.9"), r.stdout.index("SUMMARY rate"))
            self.assertEqual(len(sh("grep 'File creation'", r.stdout).splitlines()), 1, r.stdout)
            self.assertNotIn("p99.9", self.res.stdout, "our table is behind the flag")


class SizeSuffixes(unittest.TestCase):
    """docs/command-line.md, Sizes: k m g t p, optionally followed by b or ib, any case, all binary;
    IOR reads '1GB' as 1 GiB too (it looks at the first letter only). IOR
    ignores what follows; we refuse it."""

    def test_gb_is_binary_as_in_ior_and_junk_is_an_error(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            for given in ("1MB", "1mib", "1M", "1m"):
                r = pfsb.run_tool(IOR, 1, ["-w", "-b", given, "-t", "256k", "-o", os.path.join(d, "f"), "--quiet"],
                                  os.path.join(d, "doc.json"))
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(r.doc["config"]["block_size_bytes"], 1048576, given)
            for junk in ("1MX", "1x", "1mbps", "1 m"):
                r = pfsb.run_tool(IOR, 1, ["-w", "-b", junk, "-t", "256k", "-o", os.path.join(d, "g")])
                self.assertEqual(r.returncode, 2, r)
                self.assertIn("ior_like: error:", r.stderr)
                self.assertFalse(os.path.exists(os.path.join(d, "g")))


if __name__ == "__main__":
    unittest.main()
