"""scripts/validate_result.py as users and CI call it: exit 0 for valid
documents, 1 (with the failing path on stderr) for invalid or unreadable
ones, 2 without arguments. The documents are generated here, tool-free, so
the validator is tested on its own.

Guards: a validator that passes everything (then every 'assert_valid' in the
suite is vacuous), and NaN/Infinity, which Python's json reads as numbers
and JSON Schema then accepts although the contract forbids them."""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import pfsb

VALIDATOR = os.path.join(pfsb.ROOT, "scripts", "validate_result.py")


def minimal_document(tool="mmap_read", status="ok"):
    """The smallest document the schema accepts: no phases, since each
    tool's phase details are defined (and tested) by that tool."""
    fs = {"probed_path": "/dev/shm", "fs_type": "tmpfs", "fs_magic": "0x1021994", "mount": None,
          "block_size_bytes": 4096, "total_bytes": 1 << 30, "free_bytes": 1 << 29, "free_inodes": 1000,
          "dio_mem_align_bytes": None, "dio_offset_align_bytes": None}
    doc = {
        "schema": "pfsbench-result", "schema_version": 1, "tool": tool, "tool_version": "0.1.0",
        "run_id": "20261121T140643Z-9f3a0c1e", "status": status,
        "started_at": "2026-11-21T14:06:43.123Z", "finished_at": "2026-11-21T14:06:44Z",
        "label": None, "tags": {"prefetch": "off"}, "command_line": [tool], "config": {"size_bytes": 4096},
        "config_hash": "fnv1a64:0123456789abcdef",
        "environment": {
            "launcher": {"kind": "mpirun", "slurm_job_id": None, "slurm_step_id": None, "slurm_nodelist": None},
            "ranks": 2, "nodes": 1, "ranks_per_node": 2, "hosts": ["n1"],
            "clock": {"source": "CLOCK_MONOTONIC", "max_abs_offset_s": 0.0, "max_uncertainty_s": 1e-6},
            "target": fs,
            "system": {"kernel": "Linux 6.1", "machine": "x86_64", "cpu_model": "cpu", "cpus_online": 2,
                       "memory_bytes": 1 << 33},
            "software": {"mpi_library": "Open MPI v4.1.4", "compiler": "GCC 12", "build_type": "Release",
                         "git_revision": "abc", "pfsbench_version": "0.1.0"}},
        "phases": [],
        "summary": [],
        "verification": {"enabled": False, "status": "not_run", "checks": [], "first_mismatch": None},
        "warnings": [], "errors": [] if status == "ok" else [{"kind": "runtime", "message": "rank 1: boom"}],
    }
    return doc


def with_phase(doc):
    """`doc` plus one phase and its summary row (details left empty: the
    checks below look for their own error line, whatever the tool's details
    schema says besides)."""
    doc["phases"] = [{"name": "read", "iteration": 0, "bytes": 4096, "ops": 1, "duration_s": 0.5,
                      "bandwidth_bytes_per_s": 8192.0, "ops_per_s": 2.0,
                      "rank_duration_s": {"min": 0.25, "median": 0.375, "max": 0.5},
                      "latency": None, "details": {}}]
    doc["summary"] = [{"phase": "read", "metric": "duration_s", "count": 1, "min": 0.5, "max": 0.5, "mean": 0.5,
                       "median": 0.5, "stddev": None}]
    return doc


class ValidateResult(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pfsb-scripts-")

    def tearDown(self):
        for f in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, f))
        os.rmdir(self.dir)

    def write(self, name, doc=None, text=None):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text if text is not None else json.dumps(doc))  # json.dumps writes NaN as NaN
        return path

    def run_validator(self, *paths):
        return subprocess.run([sys.executable, VALIDATOR, *paths], capture_output=True, text=True, timeout=120)

    def test_valid_documents_exit_0(self):
        paths = [self.write("ok.json", minimal_document()),
                 self.write("failed.json", minimal_document(status="failed")),
                 self.write("interrupted.json", minimal_document(status="interrupted"))]
        r = self.run_validator(*paths)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count(": valid (mmap_read, status "), 3, r.stdout)
        # The tracked examples (real runs, with phases) are valid through the CLI too.
        examples = sorted(glob.glob(os.path.join(pfsb.ROOT, "results", "examples", "*.json")))
        if examples:
            r = self.run_validator(*examples)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.count(": valid ("), len(examples), r.stdout)

    def test_schema_violations_exit_1_naming_file_and_path(self):
        cases = []
        d = with_phase(minimal_document())
        d["phases"][0]["bytes"] = -1
        cases.append(("negative bytes", d, "phases/0/bytes"))
        d = minimal_document()
        del d["config_hash"]
        cases.append(("missing field", d, "<root>: 'config_hash' is a required property"))
        d = with_phase(minimal_document())
        d["phases"][0]["bandwidth_bytes_per_s"] = "1 GB/s"
        cases.append(("rate as a string", d, "phases/0/bandwidth_bytes_per_s"))
        d = minimal_document(status="failed")
        d["errors"] = []
        cases.append(("failed without an error record", d, "errors: [] is too short"))
        d = with_phase(minimal_document())
        d["summary"][0]["metric"] = "MiB/s"
        cases.append(("unknown summary metric", d, "summary/0/metric"))
        for name, doc, where in cases:
            with self.subTest(name):
                path = self.write("bad.json", doc)
                r = self.run_validator(path)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(f"{path}: {where}", r.stderr)

    def test_nan_and_infinity_are_rejected(self):
        for field, value in [("duration_s", float("nan")), ("bandwidth_bytes_per_s", float("inf")),
                             ("ops_per_s", float("-inf"))]:
            with self.subTest(field):
                d = with_phase(minimal_document())
                d["phases"][0][field] = value
                path = self.write("nan.json", d)
                r = self.run_validator(path)
                self.assertEqual(r.returncode, 1, r.stdout)
                self.assertIn(f"phases/0/{field}: NaN/Infinity is not allowed", r.stderr)
        # Nested in tool details too, which the schema leaves open.
        d = with_phase(minimal_document())
        d["phases"][0]["details"] = {"series": [1.0, float("nan")]}
        r = self.run_validator(self.write("nan2.json", d))
        self.assertEqual(r.returncode, 1)
        self.assertIn("phases/0/details/series/1", r.stderr)
        # The library function that pfsb.assert_valid uses sees it as well.
        errs = pfsb.validate_result.errors_of(d, pfsb.validator())
        self.assertTrue(any("details/series/1" in e for e in errs), errs)

    def test_unreadable_and_mixed(self):
        good = self.write("good.json", minimal_document())
        truncated = self.write("truncated.json", text=json.dumps(minimal_document())[:200])
        missing = os.path.join(self.dir, "missing.json")
        r = self.run_validator(good, truncated, missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{good}: valid", r.stdout)
        self.assertIn(f"{truncated}: not a readable JSON document", r.stderr)
        self.assertIn(f"{missing}: not a readable JSON document", r.stderr)

    def test_no_arguments_is_usage(self):
        r = self.run_validator()
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage", r.stderr)

    def test_generator_is_not_vacuous(self):
        # Every required top-level field matters: dropping any one fails.
        base = minimal_document()
        for key in list(base):
            with self.subTest(key):
                d = copy.deepcopy(base)
                del d[key]
                self.assertTrue(pfsb.validate_result.errors_of(d, pfsb.validator()))



class ScriptArguments(unittest.TestCase):
    """scripts/run, scripts/test and bench-dio-vs-fio answer --help, and
    refuse a bad argument with exit 2 before installing or building
    anything: scripts/run once took '--help' for the directory to test."""

    def script(self, name, *args):
        return subprocess.run([os.path.join(pfsb.ROOT, "scripts", name), *args], capture_output=True, text=True,
                              timeout=60)

    def runs(self):
        d = os.path.join(pfsb.ROOT, "results", "runs")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def test_help(self):
        for name, usage in (("run", "scripts/run [TARGET_PARENT_DIR]"), ("test", "scripts/test [CTEST_ARGS...]"),
                            ("bench-dio-vs-fio", "scripts/bench-dio-vs-fio [TARGET_PARENT_DIR]")):
            with self.subTest(script=name):
                r = self.script(name, "--help")
                self.assertEqual(r.returncode, 0, r)
                self.assertIn(usage, r.stdout)
                self.assertNotIn("Built target", r.stdout, "--help must not build")

    def test_bad_arguments_are_refused_before_anything_runs(self):
        before = self.runs()
        for name, args, message in (("run", ["--bogus"], "unknown option '--bogus'"),
                                    ("run", ["/nonexistent/dir"], "'/nonexistent/dir' is not a writable directory"),
                                    ("run", ["a", "b"], "one TARGET_PARENT_DIR at most"),
                                    ("bench-dio-vs-fio", ["-x"], "unexpected arguments")):
            with self.subTest(script=name, args=args):
                r = self.script(name, *args)
                self.assertEqual(r.returncode, 2, r)
                self.assertIn(message, r.stderr)
                self.assertNotIn("Built target", r.stdout + r.stderr)
        self.assertEqual(self.runs(), before, "no results directory was made")
        self.assertFalse(os.path.exists(os.path.join(os.getcwd(), "--bogus")))


if __name__ == "__main__":
    unittest.main()
