"""scripts/compare: matching by workload, one sample per run, the ratio of
medians with its bootstrap interval and Mann-Whitney p (paired rounds and
Wilcoxon for an --ab directory), the verdicts and the --gate exit code.

The gate is checked on synthetic documents whose answer is known: a 10%
drop with 1% noise fails --gate 5, the same drop inside 30% noise does not,
identical inputs pass, two runs a side give no verdict however many
iterations they have, and for durations (lower is better) the direction is
reversed. Real ior_like runs check the matching and the table. The
statistics' error rates on simulated data and the fail-closed cases are in
test_decisions.py."""
import json
import math
import os
import random
import subprocess
import unittest

import pfsb
from pfsbench_results import stats
from test_scripts import minimal_document

COMPARE = os.path.join(pfsb.ROOT, "scripts", "compare")


def compare(*args):
    return subprocess.run([pfsb.sys.executable, COMPARE, *args], capture_output=True, text=True, timeout=120)


def synthetic(bandwidths, config_hash="fnv1a64:00000000000000aa", side=None):
    """An ior_like document whose write phase has these bandwidths, one per
    iteration (1 GiB each, so duration = 1 GiB / bandwidth)."""
    doc = minimal_document(tool="ior_like")
    doc["config"]["variant"] = config_hash  # a different hash stands for a different configuration
    doc["config_hash"] = config_hash
    if side:
        doc["tags"]["side"] = side
    doc["phases"] = [{"name": "write", "iteration": i, "bytes": 2**30, "ops": 1024, "duration_s": 2**30 / bw,
                      "bandwidth_bytes_per_s": bw, "ops_per_s": 1024 / (2**30 / bw), "rank_duration_s": None,
                      "latency": None, "details": {}} for i, bw in enumerate(bandwidths)]
    return doc


def noisy(center, rel_noise, n, seed):
    rng = random.Random(seed)
    return [center * (1 + rel_noise * rng.uniform(-1, 1)) for _ in range(n)]


def runs(center, rel_noise, n, seed, iterations=2):
    """n runs' bandwidths, one list of iterations per run."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        level = center * (1 + rel_noise * rng.uniform(-1, 1))
        out.append([level * (1 + 0.002 * rng.uniform(-1, 1)) for _ in range(iterations)])
    return out


class Gate(unittest.TestCase):
    def setUp(self):
        self._d = pfsb.temp_dir(pfsb.SHM)
        self.dir = self._d.__enter__()

    def tearDown(self):
        self._d.__exit__(None, None, None)

    def write(self, name, doc):
        path = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def side(self, name, run_values, **kw):
        """A directory of documents, one per run (the sample is a run)."""
        for i, values in enumerate(run_values):
            self.write(os.path.join(name, f"r{i}.json"), synthetic(values, **kw))
        return os.path.join(self.dir, name)

    def pair(self, base, new, **kw):
        return self.side("base", base, **kw), self.side("new", new, **kw)

    def rows(self, r, metric="bandwidth_bytes_per_s"):
        self.assertIn(r.returncode, (0, 1), r.stderr)
        out = json.loads(r.stdout)
        return [x for x in out["rows"] if x["metric"] == metric]

    def test_parameters_a_newer_version_records_unset_still_match(self):
        """A CI history made by an older pfsbench: the newer document records
        parameters the older one lacked, all unset (null, false, an object of
        unset values). Its config_hash differs, the workload is the same:
        the runs are compared. A parameter that is set is a different
        workload, and the message names it."""
        old = synthetic([1e9] * 2)
        new = synthetic([1e9] * 2)
        new["config"].update({"random_offsets": False, "num_tasks": None, "hdf5": {"no_fill": False}})
        new["config_hash"] = "fnv1a64:00000000000000cc"
        for i in range(5):
            self.write(f"base/{i}.json", old)
            self.write(f"new/{i}.json", new)
        base_path, new_path = os.path.join(self.dir, "base"), os.path.join(self.dir, "new")
        r = compare(base_path, new_path, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("differ", r.stderr)
        self.assertEqual(self.rows(r)[0]["verdict"], "no significant change")
        new["config"]["random_offsets"] = True
        self.write("new/0.json", new)
        r = compare(base_path, os.path.join(self.dir, "new", "0.json"))
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("ior_like: the sides ran different workloads (random_offsets: unset vs on)", r.stderr)

    def test_ten_percent_drop_with_low_noise_fails_the_gate(self):
        base, new = self.pair(runs(1e9, 0.01, 10, 1), runs(0.9e9, 0.01, 10, 2))
        r = compare(base, new, "--gate", "5", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        bw = self.rows(r)[0]
        self.assertEqual(bw["verdict"], "regression")
        self.assertTrue(bw["headline"])
        self.assertEqual((bw["n_base"], bw["n_new"]), (10, 10), "one sample per run, not per iteration")
        self.assertAlmostEqual(bw["ratio"], 0.9, delta=0.02)
        self.assertLess(bw["ci_high"], 0.95)
        self.assertLess(bw["ci_low"], bw["ratio"])
        self.assertLess(bw["p_value"], 0.001)
        # durations: lower is better, so the longer duration is the regression; shown, not counted
        dur = self.rows(r, "duration_s")[0]
        self.assertEqual((dur["verdict"], dur["headline"]), ("regression", False))
        self.assertGreater(dur["ci_low"], 1 / 0.95)
        out = json.loads(r.stdout)
        self.assertEqual(out["regressions"], 1, "one measurement, one verdict")
        self.assertEqual([f["cause"] for f in out["gate"]["failures"]], ["regression"])
        self.assertEqual([(v["phase"], v["verdict"]) for v in out["verdicts"]], [("write", "regression")])
        # the text table gives the same exit code and says so
        r = compare(base, new, "--gate", "5")
        self.assertEqual(r.returncode, 1)
        self.assertIn("gate 5%: FAILED (1 cause(s))", r.stdout)
        self.assertIn("compare: gate failed: ior_like write: significant regression of bandwidth_bytes_per_s, "
                      "ratio 0.9", r.stderr)
        self.assertIn("(regression; not counted)", r.stdout)

    def test_ten_percent_drop_inside_the_noise_passes(self):
        base, new = self.pair(runs(1e9, 0.3, 10, 3), runs(0.9e9, 0.3, 10, 4))
        r = compare(base, new, "--gate", "5", "--json")
        self.assertEqual(r.returncode, 0, r.stdout)
        bw = self.rows(r)[0]
        self.assertEqual(bw["verdict"], "no significant change")
        self.assertGreater(bw["ci_high"], 0.95)
        self.assertGreater(bw["p_value"], 0.05)

    def test_identical_inputs_pass(self):
        values = runs(1e9, 0.05, 8, 5)
        base, new = self.pair(values, values)
        r = compare(base, new, "--gate", "5", "--json")
        self.assertEqual(r.returncode, 0, r.stdout)
        for row in json.loads(r.stdout)["rows"]:
            self.assertEqual(row["ratio"], 1.0)
            self.assertEqual(row["verdict"], "no significant change")
            self.assertLessEqual(row["ci_low"], 1.0)
            self.assertGreaterEqual(row["ci_high"], 1.0)

    def test_improvement_is_not_a_regression(self):
        base, new = self.pair(runs(1e9, 0.01, 10, 6), runs(1.2e9, 0.01, 10, 7))
        r = compare(base, new, "--gate", "5", "--json", "--metric", "duration_s")
        self.assertEqual(r.returncode, 0, r.stdout)
        rows = json.loads(r.stdout)["rows"]
        self.assertEqual([x["metric"] for x in rows], ["bandwidth_bytes_per_s", "duration_s"],
                         "--metric picks the metrics shown beside the headline")
        self.assertEqual([x["verdict"] for x in rows], ["improvement"] * 2)
        self.assertAlmostEqual(rows[1]["ratio"], 1 / 1.2, delta=0.02)

    def test_few_runs_give_no_verdict(self):
        """Two runs a side: the smallest p Mann-Whitney can give is 0.333,
        so no verdict; many iterations per run do not make more samples."""
        base, new = self.pair(runs(1e9, 0.01, 2, 1, iterations=10), runs(0.5e9, 0.01, 2, 2, iterations=10))
        r = compare(base, new, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.rows(r)[0]["verdict"], "too few runs (n = 2)")
        self.assertIn("ior_like: too few runs (n = 2, --min-runs 5)", r.stderr)
        base, new = self.pair(runs(1e9, 0.01, 5, 1), runs(0.5e9, 0.01, 5, 2))
        r = compare(base, new, "--json")
        self.assertNotIn("too few", r.stderr)
        self.assertEqual(self.rows(r)[0]["verdict"], "regression")
        r = compare(base, new, "--json", "--min-runs", "6")
        self.assertEqual(self.rows(r)[0]["verdict"], "too few runs (n = 5)")

    def test_ab_directory_pairs_its_rounds(self):
        # A results directory as scripts/suite --ab writes it: side A and B documents and a manifest.
        ab = os.path.join(self.dir, "ab")
        os.mkdir(ab)
        recs = []
        rng = random.Random(9)
        for rep in range(8):
            level = 1e9 * (1 + 0.3 * rng.uniform(-1, 1))  # the round's conditions, shared by A and B
            for side, truth in (("A", 1.0), ("B", 0.8)):
                name = f"ior.{side}.r{rep + 1}.json"
                with open(os.path.join(ab, name), "w") as f:
                    json.dump(synthetic(noisy(level * truth, 0.01, 2, rep * 2 + (side == "B")), side=side), f)
                recs.append({"index": len(recs) + 1, "name": "ior", "tool": "ior_like", "side": side,
                             "repetition": rep + 1, "document": name, "status": "ok"})
        with open(os.path.join(ab, "manifest.json"), "w") as f:
            json.dump({"schema": "pfsbench-manifest", "schema_version": 1, "suite": "x", "ab": {"a_setup": "true"},
                       "label": None, "runs": recs}, f)
        r = compare(ab, "--gate", "5", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        bw = self.rows(r)[0]
        self.assertEqual((bw["mode"], bw["n_pairs"], bw["n_base"], bw["n_new"]), ("paired", 8, 8, 8))
        self.assertAlmostEqual(bw["ratio"], 0.8, delta=0.01)
        self.assertEqual(bw["verdict"], "regression")
        self.assertAlmostEqual(bw["p_value"], 2 / 2**8, msg="every round B < A: the exact Wilcoxon p")
        self.assertIn("paired", compare(ab).stdout)
        # The same runs unpaired: the rounds' 30% spread hides the 20% drop.
        a_dir, b_dir = os.path.join(self.dir, "a"), os.path.join(self.dir, "b")
        for d, side in ((a_dir, "A"), (b_dir, "B")):
            os.mkdir(d)
            for rec in recs:
                if rec["side"] == side:
                    os.link(os.path.join(ab, rec["document"]), os.path.join(d, rec["document"]))
        r = compare(a_dir, b_dir, "--json")
        self.assertEqual(self.rows(r)[0]["mode"], "unpaired")
        self.assertEqual(self.rows(r)[0]["verdict"], "no significant change")
        # Given as one side, an A/B directory is never merged into one.
        r = compare(a_dir, ab)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{ab} holds both sides of an A/B run; compare it alone", r.stderr)

    def run_dir(self, name, runs):
        """A results directory with a manifest: runs = [(run name, config_hash, bandwidths)]."""
        d = os.path.join(self.dir, name)
        os.mkdir(d)
        recs = []
        for i, (run, h, values) in enumerate(runs):
            with open(os.path.join(d, f"{run}.json"), "w") as f:
                json.dump(synthetic(values, config_hash=h), f)
            recs.append({"index": i + 1, "name": run, "tool": "ior_like", "side": None, "repetition": 1,
                         "document": f"{run}.json", "status": "ok"})
        with open(os.path.join(d, "manifest.json"), "w") as f:
            json.dump({"schema": "pfsbench-manifest", "schema_version": 1, "suite": "s", "ab": None,
                       "label": name, "runs": recs}, f)
        return d

    def test_forced_match_pairs_runs_of_the_same_name(self):
        # Two ior_like runs per side, every workload different: --force pairs
        # shared with shared and fpp with fpp, by the suite's run name.
        base = self.run_dir("ext4", [("shared", "h:1", [1e9] * 5), ("fpp", "h:2", [2e9] * 5)])
        new = self.run_dir("xfs", [("fpp", "h:4", [3e9] * 5), ("shared", "h:3", [0.5e9] * 5)])
        r = compare(base, new, "--force", "--json", "--metric", "bandwidth_bytes_per_s")
        self.assertEqual(r.returncode, 0, r.stderr)
        ratios = {(x["run"], x["phase"]): x["ratio"] for x in json.loads(r.stdout)["rows"]}
        self.assertEqual(ratios, {("shared", "write"): 0.5, ("fpp", "write"): 1.5})
        r = compare(base, new, "--force")
        self.assertRegex(r.stdout, r"ior_like \(fpp\) +write")

    def test_different_workloads_are_refused_unless_forced(self):
        base = self.write("base.json", synthetic([1e9] * 5))
        new = self.write("new.json", synthetic([1e9] * 5, config_hash="fnv1a64:00000000000000bb"))
        r = compare(base, new)
        self.assertEqual(r.returncode, 2)
        self.assertIn("ior_like: the sides ran different workloads (variant: fnv1a64:00000000000000aa vs "
                      "fnv1a64:00000000000000bb)", r.stderr)
        self.assertIn("--force", r.stderr)
        self.assertEqual(r.stdout, "")
        r = compare(base, new, "--force", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("compared anyway (--force)", r.stderr)
        self.assertEqual(self.rows(r)[0]["ratio"], 1.0)

    def test_bad_input(self):
        junk = os.path.join(self.dir, "x.json")
        with open(junk, "w") as f:
            f.write('{"hello": 1}')
        good = self.write("good.json", synthetic([1e9] * 5))
        plain = os.path.join(self.dir, "plain")
        os.mkdir(plain)
        with open(os.path.join(plain, "a.json"), "w") as f:
            json.dump(synthetic([1e9] * 5), f)
        for args, message in (([junk, good], "not a pfsbench result document"),
                              ([good, os.path.join(self.dir, "missing.json")], "missing.json does not exist"),
                              ([good], "give BASE and NEW"),
                              ([plain], "not an A/B results directory"),
                              ([good, good, "--gate", "120"], "--gate 120.0: give a percentage"),
                              ([good, good, "--min-runs", "0"], "--min-runs 0: give 1 or more")):
            with self.subTest(args=args):
                r = compare(*args)
                self.assertEqual(r.returncode, 2, r)
                self.assertIn(message, r.stderr)


class WorkloadIdentity(unittest.TestCase):
    """--io-timeout (config io_timeout_s, in every document since the I/O
    watchdog) guards a run and does not change its work: documents from
    before it, or with another limit, match the same configuration; any
    other set parameter still tells configurations apart."""

    def test_io_timeout_is_not_part_of_the_workload(self):
        from pfsbench_results.documents import Doc
        base = {"tool": "ior_like", "config": {"block_bytes": 4096, "transfer_bytes": 4096}}
        older = Doc("a", base)
        newer = Doc("b", {**base, "config": {**base["config"], "io_timeout_s": 600}})
        other_limit = Doc("c", {**base, "config": {**base["config"], "io_timeout_s": 30}})
        bigger = Doc("d", {**base, "config": {**base["config"], "block_bytes": 8192, "io_timeout_s": 600}})
        self.assertEqual(older.config_key, newer.config_key)
        self.assertEqual(newer.config_key, other_limit.config_key)
        self.assertNotEqual(newer.config_key, bigger.config_key)


class Stats(unittest.TestCase):
    """The statistics on inputs whose answer is exact."""

    def test_interval_of_constant_sides_is_the_ratio(self):
        self.assertEqual(stats.bootstrap_ratio_ci([2.0] * 5, [3.0] * 7), (1.5, 1.5))

    def test_interval_is_seeded_and_brackets_the_ratio(self):
        base, new = noisy(100, 0.1, 9, 1), noisy(80, 0.1, 9, 2)
        ci = stats.bootstrap_ratio_ci(base, new, seed=3)
        self.assertEqual(ci, stats.bootstrap_ratio_ci(base, new, seed=3))
        self.assertLess(ci[0], stats.median(new) / stats.median(base))
        self.assertGreater(ci[1], stats.median(new) / stats.median(base))

    def test_degenerate_inputs(self):
        self.assertIsNone(stats.bootstrap_ratio_ci([], [1.0]))
        self.assertIsNone(stats.bootstrap_ratio_ci([0.0, 0.0], [1.0]))
        self.assertIsNone(stats.mann_whitney_p([1.0, 1.0], [1.0]))
        self.assertIsNone(stats.mann_whitney_p([], [1.0]))

    def test_mann_whitney_separated_samples(self):
        # 5 vs 5, every new value above every base value: the exact two-sided p is 2 / C(10, 5).
        self.assertAlmostEqual(stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 2 / 252)


class RealRuns(unittest.TestCase):
    def test_compare_two_runs(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            a, b, c = (os.path.join(d, n) for n in ("a.json", "b.json", "c.json"))
            args = ["-b", "256k", "-t", "64k", "-i", "2", "--quiet", "-o", os.path.join(d, "f")]
            for path, extra in ((a, ["--tag", "flag=off"]), (b, ["--tag", "flag=on"]), (c, ["-s", "2"])):
                r = pfsb.run_tool("ior_like", 2, args + extra, path)
                self.assertEqual(r.returncode, 0, r)
            # runs that differ only in --tag share the workload; the tags are shown as what differs
            r = compare(a, b, "--metric", "bandwidth_bytes_per_s", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("differ", r.stderr)
            tags = [x for x in json.loads(r.stdout)["differences"] if x["what"] == "tags"][0]
            self.assertEqual((tags["base"], tags["new"], tags["differs"]), (["flag=off"], ["flag=on"], True))
            docs = []
            for p in (a, b):
                with open(p) as f:
                    docs.append(json.load(f))
            out = json.loads(r.stdout)
            write = [x for x in out["rows"] if x["phase"] == "write"][0]
            meds = [sorted(p["bandwidth_bytes_per_s"] for p in doc["phases"] if p["name"] == "write") for doc in docs]
            self.assertAlmostEqual(write["median_base"], sum(meds[0]) / 2)
            self.assertAlmostEqual(write["ratio"], (sum(meds[1]) / 2) / (sum(meds[0]) / 2))
            self.assertTrue(write["ci_low"] <= write["ratio"] <= write["ci_high"] or math.isclose(
                write["ci_low"], write["ci_high"]))
            # the table: one line per phase and metric
            r = compare(a, b)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len([l for l in r.stdout.splitlines() if l.startswith("ior_like")]), 6)
            self.assertIn("too few runs (n = 1)", r.stdout)
            r = compare(a, c)
            self.assertEqual(r.returncode, 2)
            self.assertIn("ior_like: the sides ran different workloads (segments: 1 vs 2)", r.stderr)


if __name__ == "__main__":
    unittest.main()
