"""scripts/suite: suite files, the results directory and its manifest,
failures that do not stop the suite, --resume, A/B interleaving with setup
commands, and bad input refused with exit 2 before any run.

Suites here are tiny TOML files written by the tests (a few seconds each);
the shipped suites are parsed and checked against the tools' --help."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

import pfsb
from pfsbench_results import project, runner, suites

SUITE = os.path.join(pfsb.ROOT, "scripts", "suite")

TINY = '''
description = "two tiny runs"
[[run]]
name = "ior"
tool = "ior_like"
args = ["-b", "256k", "-t", "64k", "-i", "2", "-o", "{dir}/f"]
space_per_rank = "256k"
[[run]]
name = "md"
tool = "mdtest_like"
args = ["-n", "20", "-i", "1", "-d", "{dir}/md"]
'''

FAILING = TINY + '''
[[run]]
name = "ior_fails"
tool = "ior_like"
args = ["-b", "256k", "-t", "64k", "-o", "{dir}/no/such/dir/f"]
'''


def run_suite(*args, timeout=300):
    return subprocess.run([sys.executable, SUITE, *args], capture_output=True, text=True, timeout=timeout)


def manifest(out):
    with open(os.path.join(out, "manifest.json")) as f:
        return json.load(f)


class SuiteTest(unittest.TestCase):
    def setUp(self):
        self._dir = pfsb.temp_dir(pfsb.SHM)
        self.dir = self._dir.__enter__()
        self.target = os.path.join(self.dir, "target")
        os.mkdir(self.target)

    def tearDown(self):
        self._dir.__exit__(None, None, None)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


class Runs(SuiteTest):
    def test_failure_is_recorded_and_the_suite_goes_on_then_resume(self):
        suite = self.write("fail.toml", FAILING)
        out = os.path.join(self.dir, "out")
        r = run_suite(suite, "--target", self.target, "--out", out, "--tag", "flag=x", "--label", "tiny")
        self.assertEqual(r.returncode, 1, r.stderr)
        m = manifest(out)
        self.assertEqual(m["schema"], "pfsbench-manifest")
        self.assertEqual((m["suite"], m["target"], m["np"], m["launcher"], m["status"]),
                         ("fail", self.target, 2, "mpirun", "failed"))
        self.assertEqual([(x["name"], x["status"], x["exit_code"]) for x in m["runs"]],
                         [("ior", "ok", 0), ("md", "ok", 0), ("ior_fails", "failed", 1)])
        for rec in m["runs"]:
            self.assertTrue(rec["started_at"] <= rec["finished_at"], rec)
            self.assertIn(pfsb.tool_path(rec["tool"]), rec["command_line"])
            with open(os.path.join(out, rec["document"])) as f:
                doc = json.load(f)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["config_hash"], rec["config_hash"])
            self.assertEqual(doc["tags"], {"suite": "fail", "flag": "x"})
            self.assertEqual(doc["label"], "tiny")
            self.assertEqual(doc["status"], rec["status"])
        # progress on stderr: run i of n, elapsed, what is left
        self.assertIn("suite: run 1 of 3: ior", r.stderr)
        self.assertRegex(r.stderr, r"run 3 of 3: ior_fails .*elapsed 0:00:\d\d, about 0:\d\d:\d\d left")
        self.assertEqual(os.listdir(self.target), [], "every run's directory is removed")
        # --resume runs only what did not end ok
        first = {x["name"]: x["started_at"] for x in m["runs"]}
        r = run_suite(suite, "--target", self.target, "--out", out, "--resume")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("run 1 of 1: ior_fails", r.stderr)
        m2 = manifest(out)
        self.assertEqual([x["started_at"] for x in m2["runs"][:2]], [first["ior"], first["md"]])
        self.assertNotEqual(m2["runs"][2]["started_at"], first["ior_fails"])
        self.assertEqual(len(m2["resumed_at"]), 1)

    def test_resume_never_reads_an_earlier_document(self):
        # -t not dividing -b: a usage error found while parsing, so the run writes no document.
        suite = self.write("usage.toml", TINY.replace('"-t", "64k"', '"-t", "100k"'))
        out = os.path.join(self.dir, "out")
        r = run_suite(suite, "--target", self.target, "--out", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        rec = manifest(out)["runs"][0]
        self.assertEqual((rec["status"], rec["exit_code"], rec["document"]), ("usage_error", 2, None))
        self.assertIn("does not divide -b", r.stderr, "the tool's message reaches the user")
        with open(os.path.join(out, "ior.log")) as f:
            self.assertIn("does not divide -b", f.read(), "and the run's log")
        # A document left at the run's path (an earlier attempt's) is not taken for the rerun's.
        with open(os.path.join(out, "md.json")) as src, open(os.path.join(out, "ior.json"), "w") as dst:
            dst.write(src.read())
        r = run_suite(suite, "--target", self.target, "--out", out, "--resume")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("run 1 of 1: ior", r.stderr)
        rec = manifest(out)["runs"][0]
        self.assertEqual((rec["status"], rec["document"], rec["config_hash"]), ("usage_error", None, None))
        self.assertFalse(os.path.exists(os.path.join(out, "ior.json")))

    def test_ab_rounds_in_a_seeded_random_order_with_setup_commands(self):
        suite = self.write("tiny.toml", TINY)
        out = os.path.join(self.dir, "ab")
        log = os.path.join(self.dir, "setup.log")
        r = run_suite(suite, "--target", self.target, "--out", out, "--ab", "--repeat", "2", "--seed", "7",
                      "--a-setup", f"echo A >> {log}; echo setting A", "--b-setup", f"echo B >> {log}")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = manifest(out)
        self.assertEqual(m["ab"]["seed"], 7, "the seed is recorded")
        order = [(x["name"], x["side"], x["repetition"]) for x in m["runs"]]
        # Rounds: per repetition, per run of the suite, both sides back to back.
        rounds = [order[i:i + 2] for i in range(0, len(order), 2)]
        self.assertEqual([(a[0], a[2]) for a, _ in rounds], [("ior", 1), ("md", 1), ("ior", 2), ("md", 2)])
        for a, b in rounds:
            self.assertEqual({a[1], b[1]}, {"A", "B"})
            self.assertEqual((a[0], a[2]), (b[0], b[2]))
        # Balanced: each run goes A-first in one of its two rounds, B-first in the other.
        for name in ("ior", "md"):
            self.assertEqual(sorted(a[1] for a, _ in rounds if a[0] == name), ["A", "B"])
        with open(log) as f:
            self.assertEqual(f.read().split(), [x[1] for x in order], "a side's setup runs before each of its runs")
        times = [x["started_at"] for x in m["runs"]]
        self.assertEqual(times, sorted(times))
        for rec in m["runs"]:
            self.assertEqual(rec["setup"]["exit_code"], 0)
            if rec["side"] == "A":
                self.assertEqual(rec["setup"]["output"], "setting A\n")
            with open(os.path.join(out, rec["document"])) as f:
                self.assertEqual(json.load(f)["tags"]["side"], rec["side"])
        self.assertEqual(len({x["config_hash"] for x in m["runs"] if x["name"] == "ior"}), 1,
                         "the side is a tag: A and B share the configuration")

    def test_ab_order_is_drawn_from_the_seed(self):
        """The plan is a function of the seed; over many rounds both orders
        come up equally often per run, and seeds differ in their plans."""
        suite = suites.load(self.write("tiny.toml", TINY), tools=["ior_like", "mdtest_like"])
        plans = {seed: runner.ab_orders(suite, 10, seed) for seed in range(20)}
        self.assertEqual(plans[3], runner.ab_orders(suite, 10, 3))
        for p in plans.values():
            for orders in p.values():
                self.assertEqual(sorted(orders), ["AB"] * 5 + ["BA"] * 5)
        self.assertGreater(len({json.dumps(p) for p in plans.values()}), 15)
        first_a = sum(runner.ab_orders(suite, 1, seed)["ior"] == ["AB"] for seed in range(200))
        self.assertTrue(60 < first_a < 140, first_a)  # an odd round is drawn, not always A first

    def test_failing_setup_stops_the_suite(self):
        suite = self.write("tiny.toml", TINY)
        out = os.path.join(self.dir, "ab")
        flag = os.path.join(self.dir, "fixed")
        b_setup = f"test -e {flag} || {{ echo no such flag >&2; exit 3; }}"
        r = run_suite(suite, "--target", self.target, "--out", out, "--ab", "--a-setup", "true",
                      "--b-setup", b_setup)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("side B's setup command failed with exit 3", r.stderr)
        self.assertIn("no such flag", r.stderr)
        m = manifest(out)
        self.assertEqual(m["status"], "setup_failed")
        first_b = [x["side"] for x in m["runs"]].index("B")  # the order is drawn per round
        self.assertEqual([x["status"] for x in m["runs"]],
                         ["ok"] * first_b + ["setup_failed"] + ["not_run"] * (3 - first_b))
        self.assertEqual(m["runs"][first_b]["setup"]["output"], "no such flag\n")
        # --resume keeps the order drawn when the suite started (the seed is in the manifest)
        open(flag, "w").close()
        r = run_suite(suite, "--target", self.target, "--out", out, "--resume", "--ab", "--a-setup", "true",
                      "--b-setup", b_setup)
        self.assertEqual(r.returncode, 0, r.stderr)
        m2 = manifest(out)
        self.assertEqual([(x["name"], x["side"]) for x in m2["runs"]], [(x["name"], x["side"]) for x in m["runs"]])
        self.assertEqual(m2["ab"]["seed"], m["ab"]["seed"])
        self.assertEqual([x["status"] for x in m2["runs"]], ["ok"] * 4)

    def test_sigterm_to_the_driver_keeps_the_run_and_stops(self):
        suite = self.write("long.toml", '''
[[run]]
name = "md"
tool = "mdtest_like"
args = ["-n", "400000", "-F", "-C", "-d", "{dir}/md"]
[[run]]
name = "ior"
tool = "ior_like"
args = ["-b", "256k", "-t", "64k", "-o", "{dir}/f"]
''')
        out = os.path.join(self.dir, "out")
        p = subprocess.Popen([sys.executable, SUITE, suite, "--target", self.target, "--out", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        doc = os.path.join(out, "md.json")
        self.assertTrue(pfsb.wait_for(lambda: pfsb.checkpoint_phases(doc), 60), "no checkpoint")
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 4, err)
        m = manifest(out)
        self.assertEqual(m["status"], "interrupted")
        self.assertEqual([x["status"] for x in m["runs"]], ["interrupted", "not_run"])
        with open(doc) as f:
            d = json.load(f)
        self.assertEqual(d["status"], "interrupted")
        self.assertTrue(d["phases"], "the finished phases are kept")


class BadInput(SuiteTest):
    def assert_refused(self, args, message, out=None):
        out = out or os.path.join(self.dir, "never")
        r = run_suite(*args, "--out", out) if "--out" not in args else run_suite(*args)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn(message, r.stderr)
        self.assertNotIn("suite: run 1", r.stderr)
        return r

    def test_bad_suites(self):
        cases = [("key", TINY + "\nbogus = 1\n", "unknown key(s) bogus"),
                 ("runkey", TINY.replace('tool = "mdtest_like"', 'tool = "mdtest_like"\nnp = 4'), "unknown key(s) np"),
                 ("tool", TINY.replace('"mdtest_like"', '"fio"'), "unknown tool 'fio'; the tools are ior_like"),
                 ("arg", TINY.replace('"-i", "1"', '"--bogus", "1"'), "md: mdtest_like has no --bogus"),
                 ("placeholder", TINY.replace("{dir}/md", "{target}/md"), "unknown placeholder {target}"),
                 ("json", TINY.replace('"-i", "1"', '"--json", "x"'), "--json is set by the suite driver"),
                 ("toml", "[[run]\n", "cannot read suite"),
                 ("empty", "description = 'x'\n", "no [[run]] table")]
        for name, text, message in cases:
            with self.subTest(name):
                self.assert_refused([self.write(f"{name}.toml", text), "--target", self.target], message)
        self.assert_refused(["nosuchsuite", "--target", self.target], "no suite 'nosuchsuite'")
        self.assertFalse(os.path.exists(os.path.join(self.dir, "never")))

    def test_bad_target_space_and_out(self):
        tiny = self.write("tiny.toml", TINY)
        self.assert_refused([tiny, "--target", "/nonexistent/dir"], "target /nonexistent/dir is not a directory")
        big = self.write("big.toml", TINY.replace('space_per_rank = "256k"', 'space_per_rank = "900t"'))
        self.assert_refused([big, "--target", self.target], "the suite needs 1887436800 MiB")
        mine = os.path.join(self.dir, "mine")
        os.mkdir(mine)
        with open(os.path.join(mine, "notes.txt"), "w") as f:
            f.write("precious")
        self.assert_refused([tiny, "--target", self.target, "--out", mine], "is not empty and has no pfsbench manifest")
        self.assert_refused([tiny, "--target", self.target, "--out", mine, "--resume"], "has no pfsbench manifest")
        with open(os.path.join(mine, "notes.txt")) as f:
            self.assertEqual(f.read(), "precious")
        self.assert_refused([tiny, "--target", self.target, "--tag", "side=A"], "--tag side= is set by the suite driver")
        self.assert_refused([tiny, "--target", self.target, "--a-setup", "true"], "--a-setup/--b-setup need --ab")
        self.assert_refused([tiny, "--target", self.target, "--seed", "1"], "--seed needs --ab")
        busy = os.path.join(self.target, "pfsbench-suite-tiny")
        os.mkdir(busy)
        self.assert_refused([tiny, "--target", self.target], f"{busy} exists: another suite is running")
        os.rmdir(busy)
        self.assertEqual(os.listdir(self.target), [])

    def test_finished_out_needs_resume(self):
        tiny = self.write("tiny.toml", TINY)
        out = os.path.join(self.dir, "done")
        self.assertEqual(run_suite(tiny, "--target", self.target, "--out", out).returncode, 0)
        self.assert_refused([tiny, "--target", self.target, "--out", out], "already holds a suite run; add --resume")
        r = self.assert_refused([tiny, "--target", self.target, "--out", out, "--resume", "--repeat", "2"],
                                "holds another plan")


class ShippedSuites(unittest.TestCase):
    def test_shipped_suites_parse_and_match_the_tools(self):
        for name in ("quick", "acceptance", "io500-like"):
            with self.subTest(name):
                s = suites.load(name)
                self.assertTrue(s.description)
                self.assertGreater(s.space_needed(2), 0)
                if name != "io500-like":
                    suites.check_options(s)

    def test_io500_like_needs_the_stonewall_flags(self):
        """With tools that lack IO500's stonewall flags the suite is refused,
        naming them, before anything is written; with tools that have them,
        every option of the suite is one the tools accept. The suite itself
        is never run here: its sizes are IO500's (GiB per rank, -D 300)."""
        s = suites.load("io500-like")
        lacking = {t: suites.unknown_options([a for r in s.runs if r.tool == t for a in r.args],
                                             suites.help_options(t)) for t in ("ior_like", "mdtest_like")}
        if not any(lacking.values()):
            suites.check_options(s)  # raises on an option a tool does not have
            return
        with pfsb.temp_dir(pfsb.SHM) as d:
            out = os.path.join(d, "never")
            r = run_suite("io500-like", "--target", d, "--out", out)
            self.assertEqual(r.returncode, 2, r.stderr)
            for tool, flags in lacking.items():
                for flag in flags:
                    self.assertRegex(r.stderr, rf"{tool} has no [^;]*{flag}")
            self.assertFalse(os.path.exists(out), "a refused suite writes nothing")

    def test_launcher_detection_and_prefix(self):
        self.assertEqual(runner.detect_launcher({"SLURM_JOB_ID": "42", "PATH": "/bin"}), "srun")
        self.assertEqual(runner.detect_launcher({"PATH": "/bin"}), "mpirun")
        self.assertEqual(runner.launch_prefix("srun", 8), ["srun", "--mpi=pmix", "-n", "8"])
        self.assertEqual(runner.launch_prefix("mpirun", 3), ["mpirun", *project.mpirun_flags(), "-np", "3"])

    def test_help_parsing_skips_refused_flags(self):
        text = ("Options:\n  -h,--help  Print\n  -b,--block-size SIZE=1m  Bytes\n"
                "  --posix.odirect  O_DIRECT\nNot implemented (IOR/mdtest flags refused with an error):\n"
                "  -D TEXT  not implemented: stonewalling deadline\n")
        self.assertEqual(suites.parse_help(text), {"-h", "--help", "-b", "--block-size", "--posix.odirect"})
        self.assertEqual(suites.unknown_options(["-b64m", "--block-size=1m", "-D", "300", "-1"],
                                                suites.parse_help(text)), ["-D"])


if __name__ == "__main__":
    unittest.main()
