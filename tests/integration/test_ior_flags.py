"""ior_like's IOR flags of issue 9 item 2 beyond stonewalling: what each
does, checked on the system calls and the document."""
import datetime
import os
import shutil
import subprocess
import time
import unittest

import pfsb

TOOL = "ior_like"


class FsyncPerWrite(unittest.TestCase):

    def fsync_calls(self, d, extra):
        """fsync calls of a whole np-2 run, counted by strace on mpiexec."""
        trace = os.path.join(d, "trace")
        cmd = ["strace", "-f", "-qq", "-e", "trace=fsync", "-o", trace] + pfsb.mpi_cmd(
            TOOL, 2, ["-w", "-b", "64k", "-t", "4k", "-o", os.path.join(d, "f"), "--quiet", *extra])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(trace) as f:
            return sum(1 for line in f if "fsync(" in line)

    def test_minus_y_fsyncs_every_write(self):
        if not shutil.which("strace"):
            self.skipTest("strace is not installed")
        with pfsb.temp_dir(pfsb.SHM) as d:
            base = self.fsync_calls(d, [])
            with_y = self.fsync_calls(d, ["-Y"])
            self.assertEqual(with_y - base, 2 * 16, "one fsync per 4 KiB transfer of each of the 2 ranks")

    def test_minus_y_is_recorded_and_refused_where_sync_is_collective(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["-w", "-Y", "-b", "16k", "-t", "4k", "-o", os.path.join(d, "f"), "--quiet"],
                              os.path.join(d, "y.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertTrue(r.doc["config"]["fsync_per_write"])
            r = pfsb.run_tool(TOOL, 1, ["-w", "-Y", "-a", "MPIIO", "-o", os.path.join(d, "g")])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("-Y (fsync after every write; its sync is collective) is not supported by the MPIIO", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "g")))



def iso_s(text):
    """Seconds since the epoch of a document's "2026-11-29T00:08:56.624Z"."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


class DelayBetweenIterations(unittest.TestCase):

    def test_minus_d_idles_between_iterations(self):
        """-i 3 -d 2: two idle gaps between the phases, outside them. The
        run's own span (started_at .. finished_at, rank 0's clock) holds the
        three phases and the two gaps, which do not overlap: span >= 4 s +
        the phases' durations, however loaded the machine is. Buggy result:
        the delay inside a timed phase (its duration_s then holds it, and
        the sum no longer fits), or no delay at all."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-w", "-i", "3", "-d", "2", "-b", "16k", "-t", "4k", "-o",
                                        os.path.join(d, "f"), "--quiet"], os.path.join(d, "d.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["config"]["delay_between_iterations_s"], 2.0)
            self.assertEqual(len(r.doc["phases"]), 3)
            span = iso_s(r.doc["finished_at"]) - iso_s(r.doc["started_at"])
            phases = sum(p["duration_s"] for p in r.doc["phases"])
            # 2 ms: the timestamps' millisecond rounding.
            self.assertGreaterEqual(span + 0.002, 2 * 2.0 + phases, (span, [p["duration_s"] for p in r.doc["phases"]]))

    def test_sigterm_during_the_delay_ends_the_run(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "d.json")
            rc, err, doc = pfsb.sigterm_after_checkpoint(
                self, TOOL, 2, ["-w", "-i", "2", "-d", "600", "-b", "16k", "-t", "4k", "-o", os.path.join(d, "f"),
                                "--quiet"], doc_path, phases=1, exit_timeout_s=60)  # far less than the 600 s delay
            self.assertEqual(rc, 4, err)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "interrupted")
            self.assertEqual([(p["name"], p["iteration"]) for p in doc["phases"]], [("write", 0)])


if __name__ == "__main__":
    unittest.main()
