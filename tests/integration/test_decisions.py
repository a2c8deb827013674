"""Decisions from scripts/compare and scripts/accept: workload identity,
the gate failing closed (each cause exits 1 with its own message),
and acceptance specs; the real runs on this machine and the README recipes
are in test_decisions_real.py.

Documents are the shipped examples (real, valid documents) with their
values, status, workload or place changed, so each case has a known answer.
Guards: a gate that passes when the benchmark did not run, one that
passes on one or two runs, a cross-filesystem comparison that needs
--force, a workload mismatch named by hashes, a spec line that passes
without a matching run."""
import copy
import json
import os
import random
import subprocess
import sys
import unittest

import pfsb

COMPARE = os.path.join(pfsb.ROOT, "scripts", "compare")
ACCEPT = os.path.join(pfsb.ROOT, "scripts", "accept")
SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")
REPORT = os.path.join(pfsb.ROOT, "scripts", "report")
DESY = os.path.join(pfsb.ROOT, "scripts", "specs", "desy-ior.toml")
EXAMPLES = os.path.join(pfsb.ROOT, "results", "examples")


def run(script, *args):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, timeout=600)


def example(tool):
    with open(os.path.join(EXAMPLES, f"{tool}.json")) as f:
        return json.load(f)


def scaled(doc, factor, phases=None, status="ok"):
    """The document with every phase's rates multiplied by `factor` (the
    durations divided), only `phases` kept when given, and this status."""
    d = copy.deepcopy(doc)
    d["phases"] = [p for p in d["phases"] if phases is None or p["name"] in phases]
    for p in d["phases"]:
        for k in ("bandwidth_bytes_per_s", "ops_per_s"):
            if p.get(k) is not None:
                p[k] *= factor
        p["duration_s"] /= factor
    d["summary"] = []
    d["status"] = status
    if status != "ok":
        d["errors"] = [{"kind": "runtime" if status == "failed" else "interrupted", "message": "rank 1: boom"}]
    return d


class Docs(unittest.TestCase):
    def setUp(self):
        self._d = pfsb.temp_dir(pfsb.SHM)
        self.dir = self._d.__enter__()

    def tearDown(self):
        self._d.__exit__(None, None, None)

    def write(self, rel, doc):
        pfsb.assert_valid(self, doc)
        path = os.path.join(self.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def side(self, name, tools=("ior_like", "mdtest_like"), n=6, factor=1.0, noise=0.02, seed=0, edit=None):
        """A directory of n runs of each tool; edit(doc, tool, i) may change a document."""
        rng = random.Random(seed)
        for tool in tools:
            for i in range(n):
                d = scaled(example(tool), factor * (1 + noise * rng.uniform(-1, 1)))
                if edit:
                    d = edit(d, tool, i) or d
                self.write(f"{name}/{tool}.r{i}.json", d)
        return os.path.join(self.dir, name)


class Identity(Docs):
    def test_same_workload_on_two_filesystems_matches_without_force(self):
        def on_tmpfs(d, tool, i):
            t = d["environment"]["target"]
            t.update({"fs_type": "tmpfs", "fs_magic": "0x1021994", "probed_path": "/dev/shm/x"})
            t["mount"] = {"device": "0:26", "fstype": "tmpfs", "mount_point": "/dev/shm", "options": "rw,size=1g",
                          "source": "tmpfs"}
            key = {"ior_like": "test_file", "mdtest_like": "directory"}[tool]
            d["config"][key] = f"/dev/shm/elsewhere/{key}"
            d["config_hash"] = "fnv1a64:1111111111111111"
            d["tags"] = {"fs": "tmpfs"}
            d["label"] = "tmpfs"
        base = self.side("ext4")
        new = self.side("tmpfs", factor=2.0, seed=1, edit=on_tmpfs)
        r = run(COMPARE, base, new, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        diff = {d["what"]: d for d in out["differences"]}
        self.assertEqual((diff["filesystem type"]["base"], diff["filesystem type"]["new"]), (["ext4"], ["tmpfs"]))
        for what in ("filesystem type", "mount options", "device", "mount point", "target", "tags", "label"):
            self.assertTrue(diff[what]["differs"], what)
        for what in ("MPI", "hosts", "pfsbench"):
            self.assertFalse(diff[what]["differs"], what)
        self.assertEqual({v["tool"] for v in out["verdicts"]}, {"ior_like", "mdtest_like"})
        self.assertTrue(all(v["verdict"] == "improvement" for v in out["verdicts"]), out["verdicts"])
        r = run(COMPARE, base, new)
        self.assertRegex(r.stdout, r"filesystem type +ext4 +\| +tmpfs")

    def test_rank_count_and_parameters_tell_workloads_apart(self):
        def one_rank(d, tool, i):
            d["environment"].update({"ranks": 1, "ranks_per_node": 1})
        def bigger(d, tool, i):
            d["config"]["block_size_bytes"] = 2**30
        base = self.side("base", tools=("ior_like",))
        r = run(COMPARE, base, self.side("one", tools=("ior_like",), edit=one_rank))
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("ior_like: the sides ran different workloads (ranks: 4 vs 1; ranks_per_node: 4 vs 1)",
                      r.stderr)
        r = run(COMPARE, base, self.side("big", tools=("ior_like",), edit=bigger))
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn("(block_size_bytes: 16 MiB vs 1 GiB)", r.stderr)


class FailClosed(Docs):
    """Each cause of What 5: exit 1 under --gate with its own message (and
    in --json as a cause); without --gate the comparison is shown, exit 0."""

    def gate(self, base, new, cause, message, *extra):
        r = run(COMPARE, base, new, "--gate", "5", *extra)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"compare: gate failed: {message}", r.stderr)
        self.assertIn("gate 5%: FAILED", r.stdout)
        r = run(COMPARE, base, new, "--gate", "5", "--json", *extra)
        self.assertEqual(r.returncode, 1)
        g = json.loads(r.stdout)["gate"]
        self.assertFalse(g["passed"])
        self.assertIn(cause, [f["cause"] for f in g["failures"]])
        r = run(COMPARE, base, new, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_a_clean_comparison_passes(self):
        r = run(COMPARE, self.side("a"), self.side("b", seed=1), "--gate", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("gate 5%: passed", r.stdout)

    def test_significant_regression_beyond_the_gate(self):
        self.gate(self.side("a"), self.side("b", factor=0.8, seed=1), "regression",
                  "ior_like write: significant regression of bandwidth_bytes_per_s, ratio 0.8")

    def test_a_small_significant_regression_is_within_the_gate(self):
        r = run(COMPARE, self.side("a", noise=0.002), self.side("b", factor=0.98, noise=0.002, seed=1), "--gate", "5",
                "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("regression", [v["verdict"] for v in json.loads(r.stdout)["verdicts"]])

    def test_failed_or_interrupted_run(self):
        for status in ("failed", "interrupted"):
            with self.subTest(status=status):
                new = self.side(f"new-{status}", seed=1)
                self.write(f"new-{status}/ior_like.bad.json", scaled(example("ior_like"), 0.5, ["write"], status))
                r = self.gate(self.side(f"base-{status}"), new, "failed_run",
                              "ior_like: 1 run(s) on the new side did not end ok")
                self.assertIn(f"new: ior_like run {new}/ior_like.bad.json ({status}): rank 1: boom", r.stdout)
                self.assertIn(f"({new}/ior_like.bad.json: {status})", r.stderr)

    def test_a_run_that_left_no_document(self):
        base = self.side("base")
        new = self.side("new", seed=1)
        recs = [{"index": i + 1, "name": os.path.basename(p)[:-5], "tool": p.split(".")[0], "side": None,
                 "repetition": 1, "document": p, "status": "ok"} for i, p in enumerate(sorted(os.listdir(new)))]
        with open(os.path.join(new, "manifest.json"), "w") as f:
            recs.append({"index": len(recs) + 1, "name": "ior_like.r9", "tool": "ior_like", "side": None,
                         "repetition": 1, "document": None, "status": "failed", "schema_errors": []})
            json.dump({"schema": "pfsbench-manifest", "schema_version": 1, "suite": "s", "ab": None, "label": None,
                       "runs": recs}, f)
        self.gate(base, new, "failed_run", "1 run(s) on the new side left no document (ior_like.r9: failed)")

    def test_phase_missing_on_the_new_side(self):
        def write_only(d, tool, i):
            return scaled(d, 1.0, ["write"])
        self.gate(self.side("a", tools=("ior_like",)), self.side("b", tools=("ior_like",), seed=1, edit=write_only),
                  "missing_phase", "ior_like: phase read ran on the base side but has no complete result on the new "
                  "side")

    def test_incomplete_phase_is_not_a_sample(self):
        def incomplete(d, tool, i):  # dio_batch: interrupted, the phase holds what finished
            d["phases"][0]["details"]["complete"] = False
        r = self.gate(self.side("a", tools=("dio_batch",)),
                      self.side("b", tools=("dio_batch",), seed=1, edit=incomplete), "missing_phase",
                      "dio_batch: phase write ran on the base side but has no complete result on the new side")
        self.assertIn("phase write iteration 0", r.stdout)
        self.assertIn("the phase did not complete", r.stdout)

    def test_workload_missing_on_the_new_side(self):
        self.gate(self.side("a"), self.side("b", tools=("ior_like",), seed=1), "missing_workload",
                  "mdtest_like ran on the base side but not on the new side")

    def test_nothing_matched(self):
        self.gate(self.side("a", tools=("ior_like",)), self.side("b", tools=("mdtest_like",)), "nothing_matched",
                  "nothing matched: no workload ran on both sides (base: ior_like; new: mdtest_like)")

    def test_too_few_runs(self):
        r = self.gate(self.side("a", n=2), self.side("b", n=2, factor=0.5, seed=1), "too_few_runs",
                      "ior_like: too few runs (n = 2, --min-runs 5)")
        self.assertIn("too few runs (n = 2)", r.stdout)
        self.gate(self.side("c"), self.side("d", seed=1), "too_few_runs", "ior_like: too few runs (n = 6, "
                  "--min-runs 8)", "--min-runs", "8")


class Accept(Docs):
    def desy_runs(self, name, write_gib, read_gib, n=3, status="ok"):
        """n runs of the DESY line on 384 ranks with these bandwidths."""
        base = example("ior_like")
        base["config"].update({"block_size_bytes": 256 * 2**30, "transfer_size_bytes": 16 * 2**20,
                               "iterations": 2, "keep": True, "read_order": "random", "task_per_node_offset": None})
        base["environment"].update({"ranks": 384, "nodes": 12, "ranks_per_node": 32})
        for i in range(n):
            d = scaled(base, 1.0, status=status)
            for p in d["phases"]:
                gib = write_gib if p["name"] == "write" else read_gib
                p["bandwidth_bytes_per_s"] = gib * 2**30 * (1 + 0.01 * (i - 1))
                p["ops_per_s"] = p["bandwidth_bytes_per_s"] / 2**24
            self.write(f"{name}/ior.{i}.json", d)
        return os.path.join(self.dir, name)

    def test_desy_spec_pass_and_fail(self):
        good = self.desy_runs("good", 31, 64)
        r = run(ACCEPT, DESY, good)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("PASS  ior write 30 GiB/s (ior_like write bandwidth_bytes_per_s, ranks=384", r.stdout)
        self.assertIn("median 31 GiB/s over 3 run(s), required >= 30 GiB/s", r.stdout)
        self.assertIn("acceptance: passed (2 of 2 requirement(s) met)", r.stdout)
        slow = self.desy_runs("slow", 31, 60)
        r = run(ACCEPT, DESY, slow, "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        out = json.loads(r.stdout)
        self.assertFalse(out["passed"])
        self.assertEqual([(x["name"], x["passed"], x["statistic"]) for x in out["lines"]],
                         [("ior write 30 GiB/s", True, "median"), ("ior read 62 GiB/s", False, "median")])
        self.assertAlmostEqual(out["lines"][1]["value"], 60 * 2**30)
        self.assertIn("accept: requirement failed: ior read 62 GiB/s", r.stderr)

    def test_the_interval_statistic_and_no_matching_run(self):
        spec = os.path.join(self.dir, "ci.toml")
        with open(DESY) as f:
            text = f.read().replace('statistic = "median"', 'statistic = "ci"')
        with open(spec, "w") as f:
            f.write(text)
        runs = self.desy_runs("close", 30.2, 64)  # median above 30, the interval's lower end below
        r = run(ACCEPT, spec, runs)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("FAIL  ior write 30 GiB/s", r.stdout)
        self.assertIn("lower end of the 95% interval 29.9 GiB/s over 3 run(s)", r.stdout)
        # a run of another workload (the example: 4 ranks) is not evidence for the 384-rank contract
        other = self.side("other", tools=("ior_like",), factor=100)
        r = run(ACCEPT, DESY, other)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no run of this workload with a complete write phase", r.stdout)
        # a matching run that failed fails the line
        self.desy_runs("close", 40, 70, n=1, status="failed")
        r = run(ACCEPT, DESY, runs)
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 matching run(s) did not end ok", r.stdout)

    def test_compare_require_and_report_section(self):
        base, new = self.desy_runs("base", 31, 64), self.desy_runs("new", 31, 60)
        r = run(COMPARE, base, new, "--require", DESY)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("FAIL  ior read 62 GiB/s", r.stdout)
        self.assertIn("compare: requirement failed: ior read 62 GiB/s", r.stderr)
        html = os.path.join(self.dir, "r.html")
        r = run(REPORT, new, "-o", html, "--require", DESY)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(html) as f:
            page = f.read()
        self.assertIn("<h2>Acceptance</h2>", page)
        self.assertIn("<b>FAILED</b>", page)
        self.assertIn('<tr class="bad"><td>ior read 62 GiB/s</td>', page)
        # met, by runs whose document warns that -C -Q 1 did not defeat the cache: shown as such
        self.assertIn('<tr class="warn"><td>ior write 30 GiB/s</td>', page)
        self.assertIn("pass, with warnings", page)

    def test_bad_specs(self):
        runs = self.desy_runs("x", 31, 64, n=1)
        for text, message in (("[[require]]\ntool='ior_like'\nphase='write'\nat_least=1\nat_most=2\n",
                               "give one of at_least and at_most"),
                              ("[[require]]\ntool='ior_like'\nphase='write'\nat_least='fast'\n",
                               "'fast' is not a value"),
                              ("bogus = 1\n", "unknown key(s) bogus"),
                              ("[[require]]\ntool='ior_like'\nphase='write'\nat_least=1\nstatistic='mean'\n",
                               "statistic 'mean' is not one of median, ci"),
                              ("title = 'x'\n", "no [[require]] table")):
            with self.subTest(message=message):
                spec = os.path.join(self.dir, "bad.toml")
                with open(spec, "w") as f:
                    f.write(text)
                r = run(ACCEPT, spec, runs)
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertIn(f"accept: error: {spec}", r.stderr)
                self.assertIn(message, r.stderr)


if __name__ == "__main__":
    unittest.main()
