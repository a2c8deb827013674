"""Error paths on real filesystems that fail on purpose: EIO and short
transfers from faultfs (the FUSE fixture of tests/fixtures/faultfs/), and
ramfs refusing O_DIRECT at open. For ior_like, dio_batch (every engine of
the build) and mdtest_like under mpiexec: the exit code, the status, the
message (rank, path, offset, errno), a schema-valid document, finished
phases kept, nothing counted for a failed phase, and no hang (run_tool has
a timeout). Skips with the reason where FUSE or mounting is unavailable."""
import os
import re
import unittest

import faultfs
import pfsb

KiB = 1024
EIO_TEXT = "Input/output error (EIO)"


def run(testcase, tool, np, args, mount_dir, expect_rc):
    """Runs `tool`, writing its document beside the mounts (never into one)."""
    with pfsb.temp_dir(pfsb.SHM) as d:
        r = pfsb.run_tool(tool, np, args, os.path.join(d, "r.json"), timeout=120)
    testcase.assertEqual(r.returncode, expect_rc, r)
    testcase.assertIsNotNone(r.doc, r)
    pfsb.assert_valid(testcase, r.doc)
    testcase.assertEqual(r.doc["status"], "ok" if expect_rc == 0 else "failed", r.doc.get("errors"))
    return r


def error_lines(r, tool):
    return [l for l in r.stderr.splitlines() if l.startswith(f"{tool}: error:")]


def phase_names(doc):
    return [p["name"] for p in doc["phases"]]


def dio_engines():
    """Engines of this dio_batch build, from --help ("I/O engine: libaio, io_uring, psync")."""
    r = pfsb.run_tool("dio_batch", 1, ["--help"])
    for line in r.stdout.splitlines():
        if "I/O engine:" in line:
            return [n.strip() for n in line.split("I/O engine:")[1].split("[")[0].split(",") if n.strip()]
    raise AssertionError(f"no engine list in --help: {r.stdout}")


class IorLike(unittest.TestCase):
    """np 2, one shared file: rank 0 owns [0, 256 KiB), rank 1 [256, 512 KiB)."""

    ARGS = ["-b", "256k", "-t", "64k", "-s", "1"]

    def test_eio_mid_write_on_one_rank_stops_all_ranks(self):
        # Rank 1's third transfer (offset 384 KiB) passes the limit; rank 0 never does.
        with faultfs.mounted(self, ["--eio-write-after", str(384 * KiB)]) as m:
            path = m.path("f")
            r = run(self, "ior_like", 2, ["-w", *self.ARGS, "-o", path], m.mnt, 1)
            errs = error_lines(r, "ior_like")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn(f"rank 1: write failed on '{path}' at offset {384 * KiB} (size {64 * KiB}): {EIO_TEXT}",
                          errs[0])
            self.assertEqual([e["kind"] for e in r.doc["errors"]], ["runtime"])
            self.assertIn("rank 1: write failed", r.doc["errors"][0]["message"])
            self.assertIn("(EIO)", r.doc["errors"][0]["message"])
            self.assertEqual(r.doc["phases"], [], "a failed phase is not counted")
            self.assertEqual(m.faults(), [f"EIO write /f at {384 * KiB}: 0 of {64 * KiB} bytes"])
            self.assertEqual(os.listdir(m.backing), [], "the file this run created is removed after the failure")

    def test_eio_in_read_keeps_the_finished_write_phase(self):
        # O_DIRECT (-B) through FUSE: the write phase passes, rank 1's read fails.
        with faultfs.mounted(self, ["--eio-read-after", str(384 * KiB)]) as m:
            path = m.path("f")
            r = run(self, "ior_like", 2, ["-B", "-w", "-r", *self.ARGS, "-o", path], m.mnt, 1)
            errs = error_lines(r, "ior_like")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn(f"rank 1: read failed on '{path}' at offset {384 * KiB} (size {64 * KiB}): {EIO_TEXT}",
                          errs[0])
            self.assertEqual(phase_names(r.doc), ["write"], "the finished write phase is kept")
            self.assertEqual(r.doc["phases"][0]["bytes"], 512 * KiB)

    def test_short_write_is_retried_and_the_file_verifies(self):
        # POSIX lets write() return less than asked; IOR's POSIX backend warns
        # and writes the rest, and so must ior_like: rank 1's first transfer
        # stores 1000 bytes, the retry writes the other 64 KiB - 1000.
        limit = 256 * KiB + 1000
        with faultfs.mounted(self, ["--short-write-after", str(limit)]) as m:
            path = m.path("f")
            r = run(self, "ior_like", 2, ["-w", "-r", "-W", "-R", "-k", *self.ARGS, "-o", path], m.mnt, 0)
            self.assertEqual(m.faults(), [f"short write /f at {256 * KiB}: 1000 of {64 * KiB} bytes"])
            self.assertEqual(phase_names(r.doc), ["write", "read"])
            self.assertEqual(r.doc["phases"][0]["bytes"], 512 * KiB)
            self.assertEqual(r.doc["verification"]["status"], "passed")
            with open(m.backing_path("f"), "rb") as f:
                data = f.read()
            self.assertEqual(len(data), 512 * KiB)
            self.assertEqual(data, pfsb.Pattern(0).expected(0, len(data)))


class DioBatch(unittest.TestCase):
    """np 2, a file per rank (f.0, f.1), 4 KiB O_DIRECT requests; faults on f.1 only."""

    ARGS = ["--bs", "4k", "--size", "1m"]

    @classmethod
    def setUpClass(cls):
        cls.engines = dio_engines()

    def depth(self, engine):
        return ["--iodepth", "1" if engine == "psync" else "16"]

    def test_eio_mid_phase_each_engine(self):
        limit = 200 * KiB
        with faultfs.mounted(self, ["--eio-write-after", str(limit), "--only-path", "f.1"]) as m:
            for engine in self.engines:
                with self.subTest(engine=engine):
                    path = m.path("f")
                    r = run(self, "dio_batch", 2, ["--engine", engine, *self.depth(engine), *self.ARGS, "-o", path],
                            m.mnt, 1)
                    errs = error_lines(r, "dio_batch")
                    self.assertEqual(len(errs), 1, r.stderr)
                    # Requests in flight may complete out of order: the first
                    # failure seen is one at or past the limit.
                    mo = re.search(rf"rank 1: write failed on '{re.escape(path)}\.1' at offset (\d+) "
                                   rf"\(size 4096\): {re.escape(EIO_TEXT)}; the device reported an I/O error",
                                   errs[0])
                    self.assertIsNotNone(mo, errs[0])
                    self.assertGreaterEqual(int(mo.group(1)), limit)
                    self.assertEqual(int(mo.group(1)) % 4096, 0)
                    self.assertEqual(r.doc["phases"], [], "a failed phase is not counted")

    def test_short_completion_is_an_error_each_engine(self):
        # The read of f.1 at 192 KiB returns 3392 of 4096 bytes (as at an early
        # end of file): never counted as done, always an error naming the count.
        limit = 200000
        with faultfs.mounted(self, ["--short-read-after", str(limit), "--only-path", "f.1"]) as m:
            for engine in self.engines:
                with self.subTest(engine=engine):
                    path = m.path("f")
                    r = run(self, "dio_batch", 2, ["--engine", engine, *self.depth(engine), *self.ARGS,
                                                   "--rw", "read", "-o", path], m.mnt, 1)
                    errs = error_lines(r, "dio_batch")
                    self.assertEqual(len(errs), 1, r.stderr)
                    self.assertIn(f"rank 1: short read on '{path}.1' at offset {48 * 4096}: 3392 of 4096 bytes; "
                                  "the file ended early", errs[0])
                    self.assertEqual(r.doc["phases"], [], "a short read is never counted as done")
            self.assertIn(f"short read /f.1 at {48 * 4096}: 3392 of 4096 bytes", m.faults())

    def test_short_write_each_engine(self):
        # psync sees the short count; for libaio and io_uring the kernel's FUSE
        # (6.x) turns a short asynchronous O_DIRECT write into EIO, so either
        # message is right for them. Either way the request is an error, never
        # counted.
        with faultfs.mounted(self, ["--short-write-after", "200000", "--only-path", "f.1"]) as m:
            for engine in self.engines:
                with self.subTest(engine=engine):
                    path = m.path("f")
                    r = run(self, "dio_batch", 2, ["--engine", engine, *self.depth(engine), *self.ARGS, "-o", path],
                            m.mnt, 1)
                    errs = error_lines(r, "dio_batch")
                    self.assertEqual(len(errs), 1, r.stderr)
                    short = (f"rank 1: short write on '{path}.1' at offset {48 * 4096}: 3392 of 4096 bytes; "
                             "the filesystem accepted less than asked")
                    eio = f"rank 1: write failed on '{path}.1' at offset {48 * 4096} (size 4096): {EIO_TEXT}"
                    if engine == "psync":
                        self.assertIn(short, errs[0])
                    else:
                        self.assertTrue(short in errs[0] or eio in errs[0], errs[0])
                    self.assertEqual(r.doc["phases"], [])

    def test_ramfs_refuses_odirect_with_the_hint(self):
        with faultfs.ramfs(self) as mnt:
            path = os.path.join(mnt, "f")
            r = run(self, "dio_batch", 2, ["--bs", "4k", "--size", "64k", "-o", path], mnt, 1)
            msg = " ".join(e["message"] for e in r.doc["errors"])
            for rank in (0, 1):
                self.assertIn(f"rank {rank}: open failed on '{path}.{rank}': Invalid argument (EINVAL); "
                              "this filesystem does not support O_DIRECT; run buffered with --direct 0", msg)
            self.assertEqual(r.doc["phases"], [])
            # ... and the advice works.
            r = run(self, "dio_batch", 2, ["--bs", "4k", "--size", "64k", "--direct", "0", "-o", path], mnt, 0)
            self.assertEqual(phase_names(r.doc), ["write"])
            self.assertEqual(r.doc["phases"][0]["bytes"], 2 * 64 * KiB)


class WriteReturningZero(unittest.TestCase):
    """Guards: a write() that returns 0 (no progress, no error) is ENOSPC,
    never an endless retry, in the three loops that used to spin on it:
    dio_batch's untimed lay-out, mmap_read's test-file creation and the
    result document's atomic write (core). faultfs --zero-write-after makes
    every write that ends past the limit return 0; earlier writes succeed,
    so a large pwrite first comes back short and the rest is retried."""

    LIMIT = 512 * KiB

    def test_dio_batch_lay_out(self):
        with faultfs.mounted(self, ["--zero-write-after", str(self.LIMIT), "--only-path", "f.1"]) as m:
            path = m.path("f")
            r = run(self, "dio_batch", 2, ["--engine", "psync", "--iodepth", "1", "--bs", "4k", "--size", "1m",
                                           "--mode", "overwrite", "-o", path], m.mnt, 1)
            errs = error_lines(r, "dio_batch")
            self.assertEqual(len(errs), 1, r.stderr)
            mo = re.search(rf"rank 1: pwrite \(lay out\) failed on '{re.escape(path)}\.1' at offset (\d+) "
                           rf"\(size (\d+)\): No space left on device \(ENOSPC\); not enough space to lay out",
                           errs[0])
            self.assertIsNotNone(mo, errs[0])
            self.assertLessEqual(int(mo.group(1)), self.LIMIT)
            self.assertEqual(int(mo.group(1)) + int(mo.group(2)), 1024 * KiB)
            self.assertTrue(any(f.startswith("zero write /f.1") for f in m.faults()), m.faults())
            self.assertEqual(os.listdir(m.backing), [], "the files this run created are removed")

    def test_mmap_read_create(self):
        with faultfs.mounted(self, ["--zero-write-after", str(self.LIMIT)]) as m:
            path = m.path("f")
            r = run(self, "mmap_read", 1, ["--size", "1m", "-o", path], m.mnt, 1)
            errs = error_lines(r, "mmap_read")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertRegex(errs[0], rf"rank 0: pwrite failed on '{re.escape(path)}' at offset \d+ \(size \d+\): "
                                      r"No space left on device \(ENOSPC\); not enough space for the test file")
            self.assertEqual(os.listdir(m.backing), [], "the file this run created is removed")

    def test_result_document(self):
        with faultfs.mounted(self, ["--zero-write-after", "100", "--only-path", "r.json"]) as m, \
                pfsb.temp_dir(pfsb.SHM) as d:
            doc = m.path("r.json")
            r = pfsb.run_tool("dio_batch", 1, ["--engine", "psync", "--iodepth", "1", "--bs", "4k", "--size", "64k",
                                               "-o", os.path.join(d, "f")], doc, timeout=120)
            self.assertEqual(r.returncode, 1, r)
            self.assertRegex(r.stderr, rf"dio_batch: error: rank 0: write failed on '{re.escape(doc)}\.tmp\.\d+' "
                                       r"at offset \d+ \(size \d+\): No space left on device \(ENOSPC\)")
            self.assertEqual(os.listdir(m.backing), [], "no partial document, no temp file left")


class IorLikeRamfs(unittest.TestCase):
    def test_ramfs_refuses_odirect_with_the_hint(self):
        with faultfs.ramfs(self) as mnt:
            path = os.path.join(mnt, "f")
            args = ["-w", "-b", "64k", "-t", "16k", "-o", path]
            r = run(self, "ior_like", 2, ["-B", *args], mnt, 1)
            errs = error_lines(r, "ior_like")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn(f"ranks 0-1: open for write failed on '{path}': Invalid argument (EINVAL); "
                          "this filesystem does not support O_DIRECT; run without -B", errs[0])
            self.assertEqual(r.doc["phases"], [])
            r = run(self, "ior_like", 2, args, mnt, 0)
            self.assertEqual(r.doc["phases"][0]["bytes"], 2 * 64 * KiB)


class MdtestLike(unittest.TestCase):
    """np 2 in one shared directory: rank r creates file.mdtest.<r>.<j>."""

    def item(self, root, rank, j):
        return os.path.join(root, "test-dir.0-0", "mdtest_tree.0", f"file.mdtest.{rank}.{j}")

    def test_eio_on_create_of_the_nth_file(self):
        # Rank 1's 4th create (j = 3) fails; rank 0's all succeed.
        with faultfs.mounted(self, ["--eio-create-after", "3", "--only-path", "file.mdtest.1."]) as m:
            root = m.path("md")
            r = run(self, "mdtest_like", 2, ["-F", "-n", "10", "-d", root], m.mnt, 1)
            errs = error_lines(r, "mdtest_like")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn(f"rank 1: create failed on '{self.item(root, 1, 3)}': {EIO_TEXT}", errs[0])
            self.assertEqual(phase_names(r.doc), ["tree_create"], "no file phase was counted")
            self.assertEqual(os.listdir(m.backing), [], "what the run made is gone again")

    def test_eio_on_write_removes_the_file(self):
        with faultfs.mounted(self, ["--eio-write-after", "1000", "--only-path", "file.mdtest.0.2"]) as m:
            root = m.path("md")
            r = run(self, "mdtest_like", 2, ["-F", "-n", "5", "-w", "4096", "-d", root], m.mnt, 1)
            errs = error_lines(r, "mdtest_like")
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn(f"rank 0: write failed on '{self.item(root, 0, 2)}': {EIO_TEXT}", errs[0])
            self.assertEqual(phase_names(r.doc), ["tree_create"])
            self.assertEqual(os.listdir(m.backing), [], "the file whose write failed is removed too")

    def test_short_write_is_completed_and_verifies(self):
        # Every file's 4096-byte write stores 100 bytes first; the rest follows.
        with faultfs.mounted(self, ["--short-write-after", "100"]) as m:
            root = m.path("md")
            r = run(self, "mdtest_like", 2, ["-F", "-n", "5", "-w", "4096", "-e", "4096", "-X", "-d", root],
                    m.mnt, 0)
            self.assertEqual(len(m.faults()), 10, m.faults())
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertIn("file_read", phase_names(r.doc))


class EarlyStop(unittest.TestCase):
    """One rank fails at its very first write; the other rank, which would
    write 1 GiB, stops within milliseconds (EarlyStop: a notice through
    rank 0, polled in the I/O loop every 10 ms) instead of finishing its
    phase first. The proof is what reached the backing file: far less than
    the 1 GiB rank 0 would write without the stop (its writes are
    sequential, so the file's size is how far it got; 1-32 MiB seen here)."""

    MiB = 1024 * KiB

    def test_ior_like_other_rank_stops_early(self):
        # Shared file: rank 0 owns [0, 1 GiB), rank 1's first transfer is at 1 GiB.
        with faultfs.mounted(self, ["--eio-write-after", str(1024 * self.MiB)]) as m:
            path = m.path("f")
            r = run(self, "ior_like", 2, ["-w", "-k", "-b", "1g", "-t", "1m", "-o", path], m.mnt, 1)
            self.assertIn("rank 1: write failed", r.doc["errors"][0]["message"])
            self.assertEqual(r.doc["phases"], [])
            reached = os.path.getsize(m.backing_path("f"))
            self.assertLess(reached, 256 * self.MiB, "rank 0 was not stopped early: it wrote %d bytes" % reached)

    def test_dio_batch_other_rank_stops_early_each_engine(self):
        # psync completes inside queue(), the async engines in reap(): both loops test for the stop.
        for engine in dio_engines():
            with self.subTest(engine=engine), \
                    faultfs.mounted(self, ["--eio-write-after", "0", "--only-path", "f.1"]) as m:
                path = m.path("f")
                depth = "1" if engine == "psync" else "8"
                # -k: the file is the evidence (dio_batch removes what it created otherwise)
                r = run(self, "dio_batch", 2, ["--engine", engine, "--iodepth", depth, "--bs", "1m", "--size", "1g",
                                               "-k", "-o", path], m.mnt, 1)
                self.assertIn("rank 1: write failed", r.doc["errors"][0]["message"])
                self.assertEqual(r.doc["phases"], [])
                reached = os.path.getsize(m.backing_path("f.0"))
                self.assertLess(reached, 256 * self.MiB, "rank 0 was not stopped early: it wrote %d bytes" % reached)


if __name__ == "__main__":
    unittest.main()
