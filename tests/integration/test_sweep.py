"""scripts/suite sweeps (--np 1,2,4; a run's sweep key) and what reads them.

Guards: a sweep point that does not run with its own rank count or option
value, a point not recorded in the manifest and the document, runs of
different points paired as samples of one workload by the comparison, a
report whose scaling figure does not draw one curve per phase with every
point, and bad sweep input that is not refused (exit 2) before any run."""
import json
import os
import subprocess
import sys
import unittest

import pfsb
from pfsbench_results import compare, documents, report, report_plots

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")

SWEEP = '''
[[run]]
name = "ior"
tool = "ior_like"
args = ["-w", "-r", "-b", "128k", "-t", "32k", "-i", "2", "-o", "{dir}/f"]
[[run]]
name = "dio"
tool = "dio_batch"
args = ["--engine", "libaio", "--bs", "4k", "--iodepth", "4", "--size", "256k", "-o", "{dir}/d"]
sweep = { option = "--iodepth", values = ["1", "4"] }
'''


def run_suite(*args, timeout=300):
    return subprocess.run([sys.executable, SUITE, *args], capture_output=True, text=True, timeout=timeout)


class Sweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._d = pfsb.temp_dir(pfsb.SHM)
        cls.dir = cls._d.__enter__()
        cls.suite = os.path.join(cls.dir, "sweep.toml")
        with open(cls.suite, "w") as f:
            f.write(SWEEP)
        cls.target = os.path.join(cls.dir, "t")
        os.mkdir(cls.target)
        cls.out = os.path.join(cls.dir, "out")
        cls.proc = run_suite(cls.suite, "--target", cls.target, "--np", "1,2,4", "--out", cls.out)
        with open(os.path.join(cls.out, "manifest.json")) as f:
            cls.manifest = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls._d.__exit__(None, None, None)

    def test_every_point_runs_with_its_ranks_and_option(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        m = self.manifest
        self.assertEqual(m["np"], [1, 2, 4])
        self.assertIn({"run": "ior", "parameter": "ranks", "values": [1, 2, 4]}, m["sweep"])
        self.assertIn({"run": "dio", "parameter": "--iodepth", "values": ["1", "4"]}, m["sweep"])
        ior = [r for r in m["runs"] if r["name"] == "ior"]
        dio = [r for r in m["runs"] if r["name"] == "dio"]
        self.assertEqual([r["sweep"] for r in ior], [{"ranks": 1}, {"ranks": 2}, {"ranks": 4}])
        self.assertEqual(len(dio), 6)  # 3 rank counts x 2 iodepths
        for r in ior + dio:
            doc = documents.load_document(os.path.join(self.out, r["document"]))
            self.assertEqual(doc.status, "ok")
            # the document ran as the point says, and carries the point as a tag
            self.assertEqual(doc.data["environment"]["ranks"], r["sweep"]["ranks"])
            self.assertEqual(r["np"], r["sweep"]["ranks"])
            tag = ",".join(f"{k}:{v}" for k, v in r["sweep"].items())
            self.assertEqual(doc.data["tags"]["sweep"], tag)
            if r["name"] == "dio":
                self.assertEqual(doc.data["config"]["iodepth"], int(r["sweep"]["--iodepth"]))
        self.assertEqual(sorted({r["document"] for r in m["runs"]}), sorted(r["document"] for r in m["runs"]))

    def test_comparison_never_pairs_different_points(self):
        docs = documents.RunDir(self.out).docs
        groups = compare.group(docs)
        self.assertEqual(len(groups), 3 + 6, "one workload per point")
        res = compare.compare(docs, docs, force=True)
        ior_rows = [r for r in res["rows"] if r["tool"] == "ior_like" and r["headline"]]
        self.assertEqual(len(ior_rows), 3 * 2)  # 3 points x (write, read)
        for r in res["rows"]:
            self.assertEqual((r["n_base"], r["n_new"]), (1, 1), "one run per point: points are not pooled")
            self.assertIsNotNone(r["point"])
        self.assertEqual({compare.row_label(r) for r in ior_rows},
                         {f"ior_like (ior) at ranks {n}" for n in (1, 2, 4)})

    def test_report_draws_one_curve_per_phase(self):
        report.build([self.out])
        scaling = [f for f in report_plots.FIGURES if f["kind"] == "scaling"]
        ior = [f for f in scaling if f["axes"][0].get("run") == "ior"]
        self.assertEqual(len(ior), 1)
        ax = ior[0]["axes"][0]
        self.assertEqual(ax["parameter"], "ranks")
        self.assertEqual([c["label"] for c in ax["curves"]], ["write", "read"])
        self.assertEqual([c["points"] for c in ax["curves"]], [3, 3])
        # dio: one figure per rank count, a curve over --iodepth with both values
        dio = [f for f in scaling if f["axes"][0].get("run") == "dio"]
        self.assertEqual(len(dio), 3)
        for f in dio:
            self.assertEqual(f["axes"][0]["parameter"], "--iodepth")
            self.assertEqual([(c["label"], c["points"]) for c in f["axes"][0]["curves"]], [("write", 2)])

    def test_bad_sweeps_are_refused_before_any_run(self):
        cases = [
            (["--np", "1,x"], None, "'x' is not a rank count"),
            (["--np", "2,2"], None, "2 is given twice"),
            (["--np", "0,1"], None, "give 1 or more ranks"),
            (["--tag", "sweep=1"], None, "--tag sweep= is set by the suite driver"),
            ([], 'sweep = { ranks = [1] }', "two or more distinct values"),
            ([], 'sweep = { ranks = [0, 1] }', "rank counts >= 1"),
            ([], 'sweep = { option = "t", values = ["1", "2"] }', "not an option such as -t"),
            ([], 'sweep = { option = "--json", values = ["a", "b"] }', "set by the suite driver"),
            ([], 'sweep = { option = "-t", values = ["1m", "a b"] }', "not a plain word"),
            ([], 'sweep = { option = "-t" }', "sweep has keys option"),
            ([], 'sweep = "ranks"', "sweep is not a table"),
            ([], 'sweep = { option = "--no-such-flag", values = ["1", "2"] }', "ior_like has no --no-such-flag"),
        ]
        for i, (args, sweep_line, message) in enumerate(cases):
            path = os.path.join(self.dir, f"bad{i}.toml")
            with open(path, "w") as f:
                f.write('[[run]]\nname = "ior"\ntool = "ior_like"\nargs = ["-b", "64k", "-t", "32k", "-o", '
                        '"{dir}/f"]\n' + (sweep_line + "\n" if sweep_line else ""))
            out = os.path.join(self.dir, f"bad-out{i}")
            r = run_suite(path, "--target", self.target, "--out", out, *args)
            self.assertEqual(r.returncode, 2, (args, sweep_line, r.stderr))
            self.assertIn(message, r.stderr, (args, sweep_line))
            self.assertFalse(os.path.exists(out), "nothing ran")


if __name__ == "__main__":
    unittest.main()
