"""The I/O watchdog (--io-timeout): a system call that never returns, made
by faultfs (--hang-read-after, --hang-write-after, --hang-create-after).

Expected: the stuck rank names its host, the call, the file, the offset and
how long it waited; the job ends (exit 1, MPI_Abort) instead of hanging;
rank 0's document says "failed" and keeps the phases that finished. At 2
ranks only rank 1 hangs, so its report has to reach rank 0 (the ordering:
rank 0 writes, then the job ends). Buggy result: the test's own timeout
(the job hung), an "interrupted" checkpoint (rank 0 never learned), or no
message naming the call.

The files a stuck call leaves are not removed: the filesystem would hang
the cleanup too.
"""
import os
import socket
import unittest

import faultfs
import pfsb

KiB = 1024
LIMIT_S = 2


class HungCalls(unittest.TestCase):

    def check_failed(self, r, kept, call, path_part, rank):
        self.assertEqual(r.returncode, 1, r)
        self.assertIsNotNone(r.doc, r)
        pfsb.assert_valid(self, r.doc)
        self.assertEqual(r.doc["status"], "failed", r)
        self.assertEqual([p["name"] for p in r.doc["phases"]], kept, "the finished phases are kept")
        self.assertEqual(r.doc["config"]["io_timeout_s"], LIMIT_S)
        messages = [e["message"] for e in r.doc["errors"]]
        host = socket.gethostname()
        want = f"rank {rank} on {host}: {call} on '"
        self.assertTrue(any(m.startswith(want) and path_part in m and "has not returned after" in m
                            for m in messages), (want, messages))
        self.assertIn(f"{call} on '", r.stderr)
        self.assertIn("has not returned after", r.stderr)
        return messages

    def test_ior_like_read_hangs(self):
        for np in (1, 2):
            with self.subTest(np=np):
                # The last rank's second read passes the limit: the write is kept.
                limit = (np - 1) * 256 * KiB + 64 * KiB
                with faultfs.mounted(self, ["--hang-read-after", str(limit)]) as m, pfsb.temp_dir(pfsb.SHM) as d:
                    r = pfsb.run_tool("ior_like", np, ["-w", "-r", "-t", "64k", "-b", "256k", "-o", m.path("f"),
                                                       "--io-timeout", str(LIMIT_S), "--quiet"],
                                      os.path.join(d, "r.json"), timeout=120)
                    messages = self.check_failed(r, ["write"], "pread", m.path("f"), np - 1)
                    self.assertTrue(any(f"at offset {limit}" in msg for msg in messages), messages)
                    self.assertEqual(r.doc["phases"][0]["bytes"], np * 256 * KiB)
                    self.assertTrue(any(f.startswith("hang read") for f in m.faults()), m.faults())

    def test_ior_like_write_hangs(self):
        # -F: one file per rank, and only the last rank's file hangs (writes
        # to one shared file would queue behind the hung one in the kernel,
        # and every rank would be stuck).
        for np in (1, 2):
            with self.subTest(np=np):
                last = f"f.{np - 1:08d}"
                with faultfs.mounted(self, ["--hang-write-after", str(64 * KiB), "--only-path", last]) as m, \
                        pfsb.temp_dir(pfsb.SHM) as d:
                    r = pfsb.run_tool("ior_like", np, ["-w", "-F", "-t", "64k", "-b", "256k", "-o", m.path("f"),
                                                       "--io-timeout", str(LIMIT_S), "--quiet"],
                                      os.path.join(d, "r.json"), timeout=120)
                    messages = self.check_failed(r, [], "pwrite", m.path(last), np - 1)
                    self.assertTrue(any(f"at offset {64 * KiB}" in msg for msg in messages), messages)
                    self.assertTrue(any(f.startswith("hang write") for f in m.faults()), m.faults())

    def test_mdtest_like_create_hangs(self):
        for np in (1, 2):
            with self.subTest(np=np):
                # Only the last rank's files hang; the directory phases finish
                # first. -u: a directory per rank (a create hung in a shared
                # directory holds its lock, and every rank's create waits).
                owner = f"file.mdtest.{np - 1}."
                with faultfs.mounted(self, ["--hang-create-after", "3", "--only-path", owner]) as m, \
                        pfsb.temp_dir(pfsb.SHM) as d:
                    r = pfsb.run_tool("mdtest_like", np, ["-n", "10", "-u", "-d", m.path("t"),
                                                          "--io-timeout", str(LIMIT_S), "--quiet"],
                                      os.path.join(d, "r.json"), timeout=120)
                    kept = [p["name"] for p in r.doc["phases"]] if r.doc else []
                    self.assertIn("dir_create", kept)
                    self.assertFalse(any(k.startswith("file_") for k in kept), kept)
                    self.check_failed(r, kept, "file_create", owner, np - 1)
                    self.assertTrue(any(f.startswith("hang create") for f in m.faults()), m.faults())


class CollectiveWatchdog(unittest.TestCase):
    """--collective-timeout: one rank's read never returns inside a
    collective MPI-IO read (-a MPIIO -c), so every rank is inside the
    library's collective call. The library-call limit fires (not
    --io-timeout, left at its default), rank 0 writes the document, the job
    ends. Buggy result: the test's timeout (nothing watched the call)."""

    def test_stuck_collective_read(self):
        np = 2
        limit = (np - 1) * 256 * KiB + 64 * KiB
        with faultfs.mounted(self, ["--hang-read-after", str(limit)]) as m, pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool("ior_like", np, ["-a", "MPIIO", "-c", "-w", "-r", "-t", "64k", "-b", "256k", "-o",
                                               m.path("f"), "--collective-timeout", str(LIMIT_S), "--quiet"],
                              os.path.join(d, "r.json"), timeout=120)
            self.assertEqual(r.returncode, 1, r)
            self.assertIsNotNone(r.doc, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["write"])
            messages = " ".join(e["message"] for e in r.doc["errors"])
            self.assertIn("stuck in a collective call", messages)
            self.assertIn(f"(limit {LIMIT_S} s)", messages)
            self.assertIn("a collective read on '" + m.path("f") + "'", messages)


class Default(unittest.TestCase):

    def test_default_is_recorded_and_quiet(self):
        # A healthy run: the default limit is recorded and never fires.
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_ok(self, "ior_like", 2, ["-w", "-r", "-t", "64k", "-b", "256k", "-o", os.path.join(d, "f")],
                            os.path.join(d, "r.json"))
            self.assertEqual(r.doc["config"]["io_timeout_s"], 600)
            self.assertEqual(r.doc["status"], "ok")

    def test_negative_is_a_usage_error(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool("mdtest_like", 1, ["-n", "1", "-d", os.path.join(d, "t"), "--io-timeout", "-1"])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("--io-timeout", r.stderr)


if __name__ == "__main__":
    unittest.main()
