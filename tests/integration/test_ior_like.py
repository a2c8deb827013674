"""ior_like end to end under mpiexec: documents, files, errors, signals.

Each test says what it guards. Sizes are small: the whole file runs in
about a minute on 2 cores.
"""
import contextlib
import json
import os
import signal
import stat
import subprocess
import time
import unittest

import pfsb

TOOL = "ior_like"
KiB, MiB = 1024, 1024 * 1024


def phase_names(doc):
    return [(p["name"], p["iteration"]) for p in doc["phases"]]


class IorLikeRuns(unittest.TestCase):
    """Good runs: the document and the file agree with the layout."""

    def check_shared_run(self, base, np):
        with pfsb.temp_dir(base) as d:
            path = os.path.join(d, "f")
            doc_path = os.path.join(d, "r.json")
            b, t, s = 256 * KiB, 64 * KiB, 2
            r = pfsb.run_tool(TOOL, np, ["-w", "-r", "-W", "-R", "-k", "-b", "256k", "-t", "64k", "-s", "2",
                                         "-i", "2", "-o", path], doc_path)
            self.assertEqual(r.returncode, 0, r)
            doc = r.doc
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "ok")
            self.assertEqual(phase_names(doc), [("write", 0), ("read", 0), ("write", 1), ("read", 1)])
            for p in doc["phases"]:
                self.assertEqual(p["bytes"], np * b * s)
                self.assertEqual(p["ops"], np * s * (b // t))
                # Bandwidth and ops share the headline denominator.
                self.assertAlmostEqual(p["bandwidth_bytes_per_s"], p["bytes"] / p["duration_s"], delta=1e-6 * p["bandwidth_bytes_per_s"])
                self.assertAlmostEqual(p["ops_per_s"], p["ops"] / p["duration_s"], delta=1e-6 * p["ops_per_s"])
                self.assertLessEqual(p["details"]["io_duration_s"], p["duration_s"] + 1e-9)
                self.assertLessEqual(p["rank_duration_s"]["max"], p["duration_s"] + 1e-6)
                self.assertEqual(p["latency"]["count"], p["ops"])
            self.assertEqual(doc["verification"]["status"], "passed")
            self.assertEqual(len(doc["verification"]["checks"]), 4)
            self.assertEqual(doc["environment"]["ranks"], np)
            self.assertEqual(doc["config"]["block_size_bytes"], b)
            # The file: exact size, exact contents (Python's own pattern).
            self.assertEqual(os.path.getsize(path), np * b * s)
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(data, pfsb.Pattern(0).expected(0, len(data)))

    def test_shared_file_on_disk_1_2_4_ranks(self):
        for np in (1, 2, 4):
            with self.subTest(np=np):
                self.check_shared_run(pfsb.DISK_TMP, np)

    def test_shared_file_on_tmpfs_1_2_4_ranks(self):
        for np in (1, 2, 4):
            with self.subTest(np=np):
                self.check_shared_run(pfsb.SHM, np)

    def test_file_per_process_layout_and_contents(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 2, ["-w", "-r", "-R", "-F", "-k", "-e", "-b", "128k", "-t", "32k", "-s", "3",
                                        "-G", "7", "-o", path], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["phases"][0]["details"]["files"], 2)
            self.assertIsNotNone(r.doc["phases"][0]["details"]["fsync_duration_s"])
            for rank in range(2):
                f = f"{path}.{rank:08d}"
                self.assertEqual(os.path.getsize(f), 3 * 128 * KiB)
                with open(f, "rb") as fh:
                    data = fh.read()
                self.assertEqual(data, pfsb.Pattern(pfsb.ior_fpp_seed(7, rank)).expected(0, len(data)), f)

    def test_files_removed_without_k_but_preexisting_file_kept(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 2, ["-b", "64k", "-t", "16k", "-o", path], os.path.join(d, "a.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertFalse(os.path.exists(path), "the file this run created must be removed without -k")
            with open(path, "wb") as f:
                f.write(b"user data")
            r = pfsb.run_tool(TOOL, 2, ["-b", "64k", "-t", "16k", "-o", path], os.path.join(d, "b.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertTrue(os.path.exists(path), "a file that existed before the run must not be removed")
            self.assertTrue(any("existed before the run" in w for w in r.doc["warnings"]), r.doc["warnings"])

    def test_read_orders_and_one_node_warning(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            for flag, order in (("-C", "next_node"), ("-Z", "random")):
                r = pfsb.run_tool(TOOL, 4, ["-w", "-r", "-R", flag, "-b", "64k", "-t", "16k", "-o", path],
                                  os.path.join(d, "r.json"))
                self.assertEqual(r.returncode, 0, r)
                pfsb.assert_valid(self, r.doc)
                read = [p for p in r.doc["phases"] if p["name"] == "read"][0]
                self.assertEqual(read["details"]["read_order"], order)
                self.assertEqual(r.doc["verification"]["status"], "passed")
                if flag == "-C":
                    self.assertTrue(any("one node" in w for w in r.doc["warnings"]), r.doc["warnings"])

    def test_json_to_stdout_is_only_json(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-b", "64k", "-t", "16k", "-o", os.path.join(d, "f"), "--json", "-"])
            self.assertEqual(r.returncode, 0, r)
            doc = json.loads(r.stdout)
            pfsb.assert_valid(self, doc)
            self.assertIn("bw(MiB/s)", r.stderr, "the table goes to stderr under --json -")

    def test_label_and_tags_land_in_the_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["-b", "64k", "-t", "16k", "-o", os.path.join(d, "f"), "--label", "base",
                                        "--tag", "prefetch=off", "--tag", "dioSmallSeqWriteBatching=yes", "--quiet"],
                              os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.doc["label"], "base")
            self.assertEqual(r.doc["tags"], {"prefetch": "off", "dioSmallSeqWriteBatching": "yes"})
            self.assertEqual(r.stdout, "", "--quiet prints no table")

    def test_null_backend_creates_nothing(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 2, ["-a", "null", "-k", "-b", "1m", "-t", "64k", "-o", path],
                              os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.doc["phases"][0]["details"]["api"], "null")
            self.assertFalse(os.path.exists(path))

    def test_progress_lines_on_stderr(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-w", "-b", "8m", "-t", "64k", "-o", os.path.join(d, "f"),
                                        "--progress-interval", "0.001"])
            self.assertEqual(r.returncode, 0, r)
            self.assertRegex(r.stderr, r"write iteration 1/1: \d+% of rank 0's share")
            self.assertNotIn("% of rank 0's share", r.stdout, "progress goes to stderr")

    def test_help_and_version(self):
        r = subprocess.run(pfsb.mpi_cmd(TOOL, 1, ["--help"]), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("-b,--block-size", r.stdout)
        self.assertIn("Exit codes", r.stdout)
        r = subprocess.run(pfsb.mpi_cmd(TOOL, 1, ["--version"]), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("ior_like (pfsbench)", r.stdout)


class IorLikeErrors(unittest.TestCase):
    """Bad input and faults: exit code, one clear message, nothing lost."""

    def usage(self, args, needle, np=2):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, np, args + ["-o", path])
            self.assertEqual(r.returncode, 2, r)
            lines = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(lines), 1, f"one message from rank 0 expected: {r.stderr}")
            self.assertIn(needle, lines[0])
            self.assertEqual(os.listdir(d), [], "a usage error must create no file")

    def test_transfer_not_dividing_block(self):
        self.usage(["-b", "1m", "-t", "300k"], "-t 300k does not divide -b 1m")

    def test_zero_and_junk_sizes(self):
        self.usage(["-b", "0"], "-b,--block-size")
        self.usage(["-t", "4kk"], "invalid size '4kk' for -t,--transfer-size")

    def test_unknown_flag(self):
        self.usage(["--frobnicate"], "--frobnicate")

    def test_unimplemented_ior_flag(self):
        self.usage(["-m"], "-m (multiple files) is not implemented by ior_like")

    def test_odirect_alignment_is_checked_before_io(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            # 1001 bytes is no multiple of any O_DIRECT alignment (512 or more).
            r = pfsb.run_tool(TOOL, 2, ["-B", "-w", "-b", "3003", "-t", "1001", "-o", os.path.join(d, "f")],
                              os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 2, r)
            errs = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn("-t 1001 is not a multiple of the O_DIRECT offset alignment", errs[0])
            self.assertIn("drop -B", errs[0])
            self.assertEqual(os.listdir(d), ["r.json"], "no test file before the check")
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(r.doc["errors"][0]["kind"], "usage")

    def test_missing_directory(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            missing = os.path.join(d, "no", "such", "dir")
            doc_path = os.path.join(d, "r.json")
            r = pfsb.run_tool(TOOL, 2, ["-o", os.path.join(missing, "f")], doc_path)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn(missing, r.stderr)
            self.assertIn("does not exist", r.stderr)
            errs = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(errs), 1, f"one message for the ranks that failed alike: {r.stderr}")
            self.assertIn("ranks 0-1: access failed", errs[0])
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(r.doc["phases"], [])

    def test_read_only_directory(self):
        with pfsb.small_mount(self, "tmpfs", "1m", "ro") as mnt, pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-o", os.path.join(mnt, "f")], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 1, r)
            self.assertIn(mnt, r.stderr)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(os.listdir(mnt), [])

    def test_enospc_on_one_rank_stops_all_ranks(self):
        # 1 MiB tmpfs, file per process: rank 0's 256 KiB fits, rank 1's does not
        # fit beside it... both ranks write 768 KiB, so at least one fails.
        with pfsb.small_mount(self, "tmpfs", "1m") as mnt, pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "r.json")
            r = pfsb.run_tool(TOOL, 2, ["-w", "-F", "-b", "768k", "-t", "64k", "-o", os.path.join(mnt, "f")],
                              doc_path, timeout=120)
            self.assertEqual(r.returncode, 1, r)
            msg = [l for l in r.stderr.splitlines() if "ENOSPC" in l]
            self.assertTrue(msg, r.stderr)
            self.assertRegex(msg[0], r"rank \d: write failed on '.*/f\.0000000\d' at offset \d+")
            self.assertIn("No space left on device", msg[0])
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            self.assertTrue(any("ENOSPC" in e["message"] for e in r.doc["errors"]))
            self.assertEqual(os.listdir(mnt), [], "the files this run created are removed after a failure")

    def test_enospc_mid_run_keeps_finished_phases(self):
        # A long run on a 1 MiB tmpfs; once iterations have finished, a filler
        # takes every free byte (also the space the run frees between
        # iterations), so a later write fails with ENOSPC. The phases that
        # finished must be in the document.
        with pfsb.small_mount(self, "tmpfs", "1m") as mnt, pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "r.json")
            proc = pfsb.start_tool(TOOL, 2, ["-w", "-r", "-i", "100000", "-b", "128k", "-t", "32k", "--quiet",
                                             "-o", os.path.join(mnt, "f")], doc_path)
            try:
                self.assertTrue(pfsb.wait_for(lambda: len(pfsb.checkpoint_phases(doc_path)) >= 2, 120),
                                "no checkpoint document appeared")
                with open(os.path.join(mnt, "filler"), "wb", buffering=0) as filler:
                    while proc.poll() is None:
                        try:
                            filler.write(b"x" * 4096)
                        except OSError:
                            time.sleep(0.001)
                out, err = proc.communicate(timeout=120)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.assertEqual(proc.returncode, 1, err)
            self.assertIn("No space left on device (ENOSPC)", err)
            with open(doc_path) as f:
                doc = json.load(f)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "failed")
            self.assertGreaterEqual(len(doc["phases"]), 2, "finished phases must be kept")
            self.assertTrue(any("ENOSPC" in e["message"] for e in doc["errors"]), doc["errors"])
            self.assertEqual(sorted(os.listdir(mnt)), ["filler"], "the run removes only its own file")

    def test_verify_mismatch_reports_the_offset(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 2, ["-w", "-k", "-b", "256k", "-t", "64k", "-o", path], os.path.join(d, "w.json"))
            self.assertEqual(r.returncode, 0, r)
            bad = 300 * KiB + 17  # in rank 1's block
            with open(path, "r+b") as f:
                f.seek(bad)
                old = f.read(1)
                f.seek(bad)
                f.write(bytes([old[0] ^ 0xFF]))
            doc_path = os.path.join(d, "r.json")
            r = pfsb.run_tool(TOOL, 2, ["-r", "-R", "-o", path, "-b", "256k", "-t", "64k"], doc_path)
            self.assertEqual(r.returncode, 3, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "verify_failed")
            m = r.doc["verification"]["first_mismatch"]
            self.assertEqual(m["offset_bytes"], bad)
            self.assertEqual(m["found"], old[0] ^ 0xFF)
            self.assertEqual(m["expected"], old[0])
            self.assertEqual(m["mismatched_bytes"], 1)
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["read"], "the measured read is kept")
            self.assertTrue(os.path.exists(path), "a read-only run never removes the file")

    def test_read_of_missing_file(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-r", "-o", os.path.join(d, "absent")], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("write it first", r.stderr)
            self.assertEqual(r.doc["status"], "failed")

    def test_sigterm_keeps_finished_phases(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "r.json")
            rc, err, doc = pfsb.sigterm_after_checkpoint(
                self, TOOL, 2, ["-w", "-r", "-i", "100000", "-b", "4m", "-t", "256k", "-o", os.path.join(d, "f"),
                                "--quiet"], doc_path)
            self.assertEqual(rc, 4, err)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "interrupted")
            self.assertGreaterEqual(len(doc["phases"]), 2)
            self.assertTrue(any("SIGTERM" in e["message"] for e in doc["errors"]), doc["errors"])
            self.assertFalse(any(w.startswith("checkpoint") for w in doc["warnings"]), "final document, not a checkpoint")
            self.assertEqual(os.listdir(d), ["r.json"], "the test file is removed (no -k)")


    def test_signal_helper_finds_only_its_own_runs_ranks(self):
        """ctest runs test files side by side: the SIGTERM above must reach
        this run's ranks and nothing of another run (pgrep -f on the binary
        path once signalled a concurrent test's mpiexec, which crashed)."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            procs = [pfsb.start_tool(TOOL, 2, ["-w", "-i", "100000", "-b", "1m", "-t", "256k", "-o",
                                               os.path.join(d, f"f{k}"), "--quiet"]) for k in (0, 1)]
            try:
                found = [[], []]

                def both_running():
                    found[0], found[1] = (pfsb.rank_pids(TOOL, p.pid) for p in procs)
                    return len(found[0]) == 2 and len(found[1]) == 2
                self.assertTrue(pfsb.wait_for(both_running, 60), found)
                self.assertFalse(set(found[0]) & set(found[1]), found)
                for k in (0, 1):
                    self.assertNotIn(procs[1 - k].pid, found[k])
            finally:
                for p in procs:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(p.pid, signal.SIGKILL)
                    p.communicate()


if __name__ == "__main__":
    unittest.main()
