"""ior_like stonewalling end to end: -D, -O stoneWallingWearOut=1 and the
status file (issue 9). A deadline is hit mid-phase (a 0.2 s -D against a
block far larger than 0.2 s of 1 KiB transfers can fill), in independent
(POSIX) and collective (-a MPIIO -c) mode at 1, 2 and 4 ranks: no hang,
counts agreed, the bytes on disk are the bytes in the document, and the
content verifies up to the agreed count. Sizes stay small: at 1 KiB per
transfer a rank moves at most a few hundred MiB in 0.2 s on /dev/shm.
"""
import json
import os
import signal
import time
import unittest

import faultfs
import pfsb

TOOL = "ior_like"
KiB = 1024
DEADLINE = ["-D", "0.2"]


def rank_file(path, rank):
    return f"{path}.{rank:08d}"


class Stonewall(unittest.TestCase):

    def run_ok(self, np, args, doc_path):
        return pfsb.run_ok(self, TOOL, np, args, doc_path, timeout=240)

    def check_pattern(self, path, seed, offset, length):
        with open(path, "rb") as f:
            f.seek(offset)
            self.assertEqual(f.read(length), pfsb.Pattern(seed).expected(offset, length), f"{path} at {offset}")

    def check_agreed(self, phase, np, expect_hit=True):
        details = phase["details"]
        sw = details["stonewall"]
        self.assertEqual(sw["deadline_hit"], expect_hit)
        n = details["transfers_per_rank"]["min"]
        self.assertEqual(details["transfers_per_rank"]["max"], n, "wear-out/collective: every rank does the same count")
        self.assertEqual(phase["ops"], n * np)
        self.assertEqual(phase["bytes"], n * np * KiB)
        self.assertLessEqual(sw["transfers_at_stonewall"]["max"], n)
        self.assertEqual(sw["bytes_at_stonewall"] % KiB, 0)
        self.assertGreater(sw["stonewall_duration_s"], 0)
        self.assertGreaterEqual(phase["duration_s"], sw["stonewall_duration_s"])
        self.assertAlmostEqual(sw["stonewall_bandwidth_bytes_per_s"],
                               sw["bytes_at_stonewall"] / sw["stonewall_duration_s"], delta=1.0)
        return n

    def check_verified(self, doc, bytes_expected):
        self.assertEqual(doc["verification"]["status"], "passed")
        for check in doc["verification"]["checks"]:
            self.assertEqual(check["bytes"], bytes_expected, check)

    def test_independent_wear_out_then_status_file_read(self):
        """POSIX -F: each rank stops at its own deadline, wear-out brings all
        to the largest count; the status file carries it to a later -r run."""
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                path, status = os.path.join(d, "f"), os.path.join(d, "status")
                common = ["-F", "-b", "2g", "-t", "1k", "-G", "7", "-o", path, "-O",
                          f"stoneWallingStatusFile={status}"]
                w = self.run_ok(np, ["-w", "-W", "-k", *DEADLINE, "-O", "stoneWallingWearOut=1", *common],
                                os.path.join(d, "w.json"))
                write = w.doc["phases"][0]
                n = self.check_agreed(write, np)
                self.assertLess(n, 2 * 1024 * 1024, "the deadline stopped the phase before -b")
                self.assertIsNotNone(write["details"]["stonewall"]["wear_out_duration_s"])
                with open(status) as f:
                    self.assertEqual(f.read().strip(), str(n))
                on_disk = sum(os.path.getsize(rank_file(path, r)) for r in range(np))
                self.assertEqual(on_disk, write["bytes"], "bytes on disk = bytes in the document")
                self.check_verified(w.doc, write["bytes"])
                for rank in range(np):  # first and last transfer, checked independently of the C++ code
                    seed = pfsb.ior_fpp_seed(7, rank)
                    self.check_pattern(rank_file(path, rank), seed, 0, KiB)
                    self.check_pattern(rank_file(path, rank), seed, (n - 1) * KiB, KiB)

                r = self.run_ok(np, ["-r", "-R", *common], os.path.join(d, "r.json"))
                read = r.doc["phases"][0]
                self.assertEqual(read["bytes"], write["bytes"], "the read reads the status file's count")
                self.assertIsNone(read["details"]["stonewall"])
                self.assertEqual(read["details"]["transfers_per_rank"], {"min": n, "max": n})
                self.check_verified(r.doc, write["bytes"])
                self.assertEqual(r.doc["config"]["stonewall_status_file"], status)

    def test_collective_deadline_stops_all_ranks_on_one_index(self):
        """-a MPIIO -c on a shared file: the deadline goes through the
        collective stop decision, so no rank is left in a collective call."""
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                path, status = os.path.join(d, "f"), os.path.join(d, "status")
                # -b == -t: the shared file is contiguous, count x ranks x 1 KiB.
                common = ["-a", "MPIIO", "-c", "-b", "1k", "-t", "1k", "-s", "100000000", "-o", path,
                          "-O", f"stoneWallingStatusFile={status}"]
                w = self.run_ok(np, ["-w", "-W", "-k", *DEADLINE, "-O", "stoneWallingWearOut=1", *common],
                                os.path.join(d, "w.json"))
                write = w.doc["phases"][0]
                n = self.check_agreed(write, np)
                sw = write["details"]["stonewall"]
                self.assertEqual(sw["transfers_at_stonewall"], {"min": n, "max": n}, "lockstep: equal at the stonewall")
                self.assertEqual(os.path.getsize(path), write["bytes"])
                self.check_verified(w.doc, write["bytes"])
                self.check_pattern(path, 0, 0, KiB)
                self.check_pattern(path, 0, write["bytes"] - KiB, KiB)
                r = self.run_ok(np, ["-r", "-R", *common], os.path.join(d, "r.json"))
                self.assertEqual(r.doc["phases"][0]["bytes"], write["bytes"])
                self.check_verified(r.doc, write["bytes"])

    def test_deadline_past_the_end_changes_nothing(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = self.run_ok(2, ["-w", "-r", "-W", "-R", "-D", "600", "-b", "64k", "-t", "4k", "-o",
                                os.path.join(d, "f")], os.path.join(d, "d.json"))
            for phase in r.doc["phases"]:
                sw = phase["details"]["stonewall"]
                self.assertFalse(sw["deadline_hit"])
                self.assertEqual(phase["bytes"], 2 * 64 * KiB)
                self.assertEqual(sw["bytes_at_stonewall"], phase["bytes"])
                self.assertEqual(sw["transfers_at_stonewall"], {"min": 16, "max": 16})
                self.assertIsNone(sw["wear_out_duration_s"])
            self.check_verified(r.doc, 2 * 64 * KiB)

    def test_without_wear_out_each_rank_keeps_its_count(self):
        """No wear-out: counts may differ; the read phase of the same run
        reads each rank's own count back, and -W/-R verify exactly that.
        --check-apart: -R's check inside the timed read (IOR's way) would
        make the read slower than the write, and -D would then cut it."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = self.run_ok(2, ["-w", "-r", "-W", "-R", "--check-apart", "-k", "-F", *DEADLINE, "-b", "2g", "-t", "1k",
                                "-o", path],
                            os.path.join(d, "d.json"))
            write, read = r.doc["phases"]
            self.assertTrue(write["details"]["stonewall"]["deadline_hit"])
            self.assertEqual(write["details"]["stonewall"]["transfers_at_stonewall"],
                             write["details"]["transfers_per_rank"])
            on_disk = sum(os.path.getsize(rank_file(path, rank)) for rank in range(2))
            self.assertEqual(on_disk, write["bytes"])
            # The read has its own -D: under load it can be cut before the
            # end of the written count, never past it.
            if read["details"]["stonewall"]["deadline_hit"]:
                self.assertLessEqual(read["bytes"], write["bytes"])
            else:
                self.assertEqual(read["bytes"], write["bytes"])
            # -W checks what was written, -R what was read.
            self.assertEqual(r.doc["verification"]["status"], "passed")
            for check in r.doc["verification"]["checks"]:
                self.assertIn(check["bytes"], (write["bytes"], read["bytes"]), check)


class UnbalancedWearOut(unittest.TestCase):
    """Rank 1's file is a symlink into faultfs (FUSE, no faults: each 1 KiB
    write is a round trip to the daemon), rank 0's is on /dev/shm, so rank 1
    reaches a small fraction of rank 0's count by the deadline and wears out
    for seconds after it."""

    def prepare(self, m, d, extra):
        """(test file path, document path, argv) with rank 1's file on FUSE."""
        path = os.path.join(d, "f")
        os.symlink(m.path("slow"), rank_file(path, 1))
        args = ["-w", "-F", "-k", "-O", "stoneWallingWearOut=1", "-b", "2g", "-t", "1k", "-o", path, "--quiet", *extra]
        return path, os.path.join(d, "d.json"), args

    def start(self, m, d, extra):
        path, doc_path, args = self.prepare(m, d, extra)
        return path, doc_path, pfsb.start_tool(TOOL, 2, args, doc_path)

    def test_unbalanced_wear_out_is_warned_and_completes(self):
        with faultfs.mounted(self) as m, pfsb.temp_dir(pfsb.SHM) as d:
            path, doc_path, proc = self.start(m, d, DEADLINE)
            try:
                out, err = proc.communicate(timeout=240)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.assertEqual(proc.returncode, 0, err)
            with open(doc_path) as f:
                doc = json.load(f)
            pfsb.assert_valid(self, doc)
            details = doc["phases"][0]["details"]
            sw = details["stonewall"]
            self.assertGreater(sw["transfers_at_stonewall"]["max"], 2 * sw["transfers_at_stonewall"]["min"])
            n = sw["transfers_at_stonewall"]["max"]
            self.assertEqual(details["transfers_per_rank"], {"min": n, "max": n}, "wear-out to the largest count")
            self.assertGreater(sw["wear_out_duration_s"], 0)
            self.assertTrue(any("wear-out is unbalanced" in w for w in doc["warnings"]), doc["warnings"])
            self.assertIn("wear-out is unbalanced", err)
            self.assertEqual(os.path.getsize(rank_file(path, 0)), n * KiB)
            self.assertEqual(os.path.getsize(m.backing_path("slow")), n * KiB)

    def test_a_rank_with_nothing_at_the_deadline_still_wears_out(self):
        """-D 0.0001 (100 us): rank 1's create through FUSE usually outlasts the
        deadline, so it has done nothing at its stonewall; the wear-out
        tail (which has no deadline) must still bring it to rank 0's count."""
        with faultfs.mounted(self) as m, pfsb.temp_dir(pfsb.SHM) as d:
            path, doc_path, proc = self.start(m, d, ["-D", "0.0001"])
            try:
                out, err = proc.communicate(timeout=240)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            self.assertEqual(proc.returncode, 0, err)
            with open(doc_path) as f:
                details = json.load(f)["phases"][0]["details"]
            n = details["transfers_per_rank"]["max"]
            self.assertEqual(details["transfers_per_rank"]["min"], n, details)
            self.assertEqual(details["stonewall"]["transfers_at_stonewall"]["max"], n)
            self.assertEqual(os.path.getsize(m.backing_path("slow")), n * KiB)
            self.assertEqual(os.path.getsize(rank_file(path, 0)), n * KiB)

    def test_sigterm_during_wear_out(self):
        """Two iterations; SIGTERM while iteration 1's slow rank wears out
        (rank 0's file no longer changes, rank 1's still does): exit 4, no
        hang, the finished phase kept in the final document."""
        with faultfs.mounted(self) as m, pfsb.temp_dir(pfsb.SHM) as d:
            path, doc_path, args = self.prepare(m, d, ["-D", "0.5", "-i", "2"])
            fast, slow = rank_file(path, 0), m.backing_path("slow")

            def mtime(p):
                try:
                    return os.stat(p).st_mtime_ns
                except OSError:
                    return 0

            def in_wear_out():
                # The fast rank is idle (waiting for the slow one) for 0.3 s
                # while the slow one still writes.
                f0, s0 = mtime(fast), mtime(slow)
                time.sleep(0.3)
                return f0 != 0 and mtime(fast) == f0 and mtime(slow) != s0

            rc, err, doc = pfsb.sigterm_after_checkpoint(self, TOOL, 2, args, doc_path, phases=1,
                                                         ready=in_wear_out)
            self.assertEqual(rc, 4, err)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "interrupted")
            self.assertEqual([(p["name"], p["iteration"]) for p in doc["phases"]], [("write", 0)],
                             "the finished phase is kept")
            self.assertTrue(any("SIGTERM" in e["message"] for e in doc["errors"]), doc["errors"])
            self.assertFalse(any(w.startswith("checkpoint") for w in doc["warnings"]), "final document, not a checkpoint")


class StonewallErrors(unittest.TestCase):

    def run_refused(self, args, d, np=2):
        doc_path = os.path.join(d, "e.json")
        r = pfsb.run_tool(TOOL, np, args, doc_path, timeout=120)
        self.assertEqual(r.returncode, 2, r)
        return r

    def test_missing_status_file_is_one_usage_error(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                status = os.path.join(d, "nothere")
                r = self.run_refused(["-r", "-o", os.path.join(d, "f"), "-O", f"stoneWallingStatusFile={status}"], d,
                                     np)
                self.assertIn(f"-O stoneWallingStatusFile {status}: cannot use the stonewall status file, it cannot "
                              "be read", r.stderr)
                self.assertIn("No such file", r.stderr)
                self.assertEqual(r.doc["status"], "failed")
                self.assertEqual(r.doc["phases"], [])
                self.assertEqual(sorted(os.listdir(d)), ["e.json"], "nothing written")

    def test_corrupt_status_file_is_one_usage_error(self):
        for text in ("12abc\n", "", "99999999\n"):
            with self.subTest(text=text), pfsb.temp_dir(pfsb.SHM) as d:
                status = os.path.join(d, "status")
                with open(status, "w") as f:
                    f.write(text)
                r = self.run_refused(["-r", "-b", "64k", "-t", "1k", "-o", os.path.join(d, "f"), "-O",
                                      f"stoneWallingStatusFile={status}"], d, 4)
                expected = ("says 99999999 transfers per rank, more than the 64 of this run's -b/-t/-s"
                            if text.startswith("9") else "it must hold one count of transfers per rank")
                self.assertIn(expected, r.stderr)
                self.assertEqual(r.doc["phases"], [])
                self.assertEqual(sorted(os.listdir(d)), ["e.json", "status"], "nothing written")

    def test_unknown_o_key_is_refused_by_name(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = self.run_refused(["-w", "-o", os.path.join(d, "f"), "-O", "noSuchKey=1"], d)
            self.assertIn("unknown or not implemented key 'noSuchKey'", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "f")))


if __name__ == "__main__":
    unittest.main()
