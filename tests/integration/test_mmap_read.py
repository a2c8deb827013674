"""mmap_read end to end under mpiexec: many readers (ranks x threads) of one
file through mmap, on /dev/shm (tmpfs) and on a disk temp dir.

Each test says what it guards. Sizes are small (a few MiB): the whole file
runs in well under three minutes on 2 cores.
"""
import hashlib
import os
import re
import struct
import unittest

import pfsb

TOOL = "mmap_read"
KiB, MiB = 1024, 1024 * 1024
M64 = (1 << 64) - 1


def sum64(data):
    """The tool's checksum, computed independently: little-endian 64-bit
    words summed mod 2^64, a trailing partial word zero-padded."""
    data = bytes(data) + b"\0" * (-len(data) % 8)
    return sum(struct.unpack("<%dQ" % (len(data) // 8), data)) & M64


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class MmapReadRuns(unittest.TestCase):
    """Good runs: bytes, phases, checksums and the scaling table."""

    def check_run(self, base, np):
        with pfsb.temp_dir(base) as d:
            path = os.path.join(d, "f")
            doc_path = os.path.join(d, "r.json")
            size = 3 * MiB + 4096
            r = pfsb.run_tool(TOOL, np, ["-o", path, "--size", str(size), "--threads", "1,2", "--chunk-size", "1m"],
                              doc_path)
            self.assertEqual(r.returncode, 0, r)
            doc = r.doc
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "ok")
            # --threads 1,2: one phase per reader count, in one document.
            self.assertEqual([p["name"] for p in doc["phases"]], ["mmap/threads=1", "mmap/threads=2"])
            sums = set()
            for p, t in zip(doc["phases"], (1, 2)):
                d_ = p["details"]
                self.assertEqual(d_["readers"], np * t)
                # Every reader reads the whole file (the contended default).
                self.assertEqual(p["bytes"], np * t * size)
                self.assertEqual(p["ops"], np * t * 4)  # 3 MiB + 4 KiB in 1 MiB units: 4 each
                self.assertEqual(d_["map_calls"], np * t)  # --map whole: one mapping per reader
                self.assertAlmostEqual(p["bandwidth_bytes_per_s"], p["bytes"] / p["duration_s"],
                                       delta=1e-6 * p["bandwidth_bytes_per_s"])
                self.assertAlmostEqual(p["ops_per_s"], p["ops"] / p["duration_s"], delta=1e-6 * p["ops_per_s"])
                bw = d_["reader_bandwidth_bytes_per_s"]
                self.assertLessEqual(bw["min"], bw["median"])
                self.assertLessEqual(bw["median"], bw["max"])
                self.assertLessEqual(d_["reader_duration_s"]["max"], p["duration_s"] + 1e-6)
                self.check_full_span(p)
                self.assertGreater(d_["faults"]["minor"] + d_["faults"]["major"], 0)
                self.assertEqual(d_["page_cache"]["cache"], "warm")
                self.assertEqual(d_["page_cache"]["before"]["resident_fraction"], 1.0)
                cs = d_["checksum"]
                self.assertTrue(cs["verified_against_pattern"])
                self.assertTrue(cs["readers_agree"])
                self.assertEqual(cs["mismatched_units"], 0)
                sums.add(cs["file_sum64"])
            # The checksum is the pattern's, computed here without the tool.
            self.assertEqual(sums, {"0x%016x" % sum64(pfsb.Pattern(0).expected(0, size))})
            self.assertEqual(doc["verification"]["status"], "passed")
            self.assertEqual(len(doc["verification"]["checks"]), 2)
            self.assertIn("agg_MiB/s", r.stdout)
            self.assertIn("mmap/threads=2", r.stdout)
            # The file this run created is removed (no --keep).
            self.assertFalse(os.path.exists(path))

    def check_full_span(self, p):
        """The headline span ends at the last unit read; full_span also holds
        the teardown (final munmap, close), so it is at least as long, and its
        bandwidth has its own denominator."""
        d_ = p["details"]
        full = d_["full_span"]
        self.assertGreaterEqual(full["duration_s"], p["duration_s"])
        self.assertLessEqual(full["bandwidth_bytes_per_s"], p["bandwidth_bytes_per_s"])
        self.assertAlmostEqual(full["bandwidth_bytes_per_s"], p["bytes"] / full["duration_s"],
                               delta=1e-6 * full["bandwidth_bytes_per_s"])
        td = d_["reader_teardown_s"]
        self.assertGreaterEqual(td["min"], 0)
        self.assertLessEqual(td["min"], td["median"])
        self.assertLessEqual(td["median"], td["max"])
        # A reader's read span plus its teardown fits in the full span.
        self.assertLessEqual(td["max"], full["duration_s"] + 1e-6)

    def test_headline_span_excludes_the_final_munmap(self):
        """--map whole: every reader's final munmap and close are teardown,
        after its read span (reader_teardown_s > 0), for mmap and pread."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-o", os.path.join(d, "f"), "--size", "16m", "--threads", "2",
                                        "--api", "mmap,pread"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(len(r.doc["phases"]), 2)
            for p in r.doc["phases"]:
                self.check_full_span(p)
                self.assertGreater(p["details"]["reader_teardown_s"]["min"], 0)
                self.assertGreater(p["details"]["full_span"]["duration_s"], p["duration_s"])
            self.assertIn("full_MiB/s", r.stdout)

    def test_1_2_4_ranks_on_tmpfs(self):
        for np in (1, 2, 4):
            with self.subTest(np=np):
                self.check_run(pfsb.SHM, np)

    def test_1_2_4_ranks_on_disk(self):
        for np in (1, 2, 4):
            with self.subTest(np=np):
                self.check_run(pfsb.DISK_TMP, np)

    def test_partition_chunks_and_pread_read_the_file_once(self):
        """--partition: all readers together read the file once; --map chunk
        maps every chunk; pread reads the same bytes (same checksum)."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            size = 5 * MiB + 123
            r = pfsb.run_tool(TOOL, 2, ["-o", path, "--size", str(size), "--threads", "2", "--partition",
                                        "--map", "chunk", "--chunk-size", "256k", "--api", "mmap,pread",
                                        "--access", "random", "--seed", "9", "--keep"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["mmap/threads=2", "pread/threads=2"])
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(data, pfsb.Pattern(9).expected(0, size))  # --keep kept the pattern file
            want = "0x%016x" % sum64(data)
            for p in r.doc["phases"]:
                self.assertEqual(p["bytes"], size)
                self.assertEqual(p["details"]["checksum"]["file_sum64"], want)
            mm, pr = r.doc["phases"]
            self.assertEqual(mm["details"]["map_calls"], mm["ops"])  # one mapping per chunk
            self.assertEqual(pr["details"]["map_calls"], 0)
            self.assertIsNone(pr["details"]["map"])
            self.assertEqual(mm["latency"]["count"], mm["ops"])  # chunks of 256k are timed one by one
            self.assertEqual(r.doc["verification"]["status"], "passed")

    def test_random_pages_of_a_whole_mapping(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            size = 2 * MiB
            r = pfsb.run_tool(TOOL, 2, ["-o", os.path.join(d, "f"), "--size", "2m", "--threads", "2",
                                        "--access", "random", "--madvise", "random"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            p = r.doc["phases"][0]
            self.assertEqual(p["details"]["unit_bytes"], 4096)
            self.assertEqual(p["ops"], 4 * size // 4096)  # every page once per reader
            self.assertIsNone(p["latency"])  # single pages are not timed one by one
            self.assertEqual(r.doc["verification"]["status"], "passed")

    def test_touch_page_counts_faults(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["-o", os.path.join(d, "f"), "--size", "4m", "--threads", "2",
                                        "--touch", "page", "--madvise", "sequential"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            p = r.doc["phases"][0]
            self.assertIsNone(p["details"]["checksum"])
            self.assertGreater(p["details"]["faults"]["minor"], 0)
            self.assertGreater(p["details"]["time_per_fault_ns"], 0)
            self.assertEqual(r.doc["verification"]["status"], "not_run")


class MmapReadExisting(unittest.TestCase):
    def test_existing_file_is_never_changed(self):
        """--existing: opened read-only, contents, size and mtime unchanged,
        not removed, and its checksum is recorded (not verified)."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            path = os.path.join(d, "data")
            data = os.urandom(3 * MiB + 5)  # not a multiple of 8 or of a page
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (1_000_000_000, 1_000_000_000))
            before = (sha256(path), os.stat(path).st_mtime_ns, os.stat(path).st_size)
            r = pfsb.run_tool(TOOL, 2, ["-o", path, "--existing", "--threads", "2", "--api", "mmap,pread",
                                        "--cache", "cold"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual((sha256(path), os.stat(path).st_mtime_ns, os.stat(path).st_size), before)
            for p in r.doc["phases"]:
                self.assertEqual(p["bytes"], 4 * len(data))
                cs = p["details"]["checksum"]
                self.assertFalse(cs["verified_against_pattern"])
                self.assertEqual(cs["file_sum64"], "0x%016x" % sum64(data))
            self.assertEqual(r.doc["verification"]["status"], "not_run")
            self.assertIsNone(r.doc["config"]["size_bytes"])

    def test_existing_with_size_reads_a_prefix(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "data")
            data = os.urandom(2 * MiB)
            with open(path, "wb") as f:
                f.write(data)
            r = pfsb.run_tool(TOOL, 1, ["-o", path, "--existing", "--size", "1m"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            p = r.doc["phases"][0]
            self.assertEqual(p["bytes"], MiB)
            self.assertEqual(p["details"]["checksum"]["file_sum64"], "0x%016x" % sum64(data[:MiB]))


class MmapReadCache(unittest.TestCase):
    def test_cold_on_disk_drops_the_file_from_the_cache(self):
        """--cache cold on ext4: posix_fadvise(DONTNEED) empties the file's
        cache before the phase (mincore), the read fills it again."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = pfsb.run_tool(TOOL, 1, ["-o", os.path.join(d, "f"), "--size", "8m", "--cache", "cold"],
                              os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            pc = r.doc["phases"][0]["details"]["page_cache"]
            if r.doc["environment"]["target"]["fs_type"] == "tmpfs":
                self.skipTest("the disk temp dir is on tmpfs here")
            self.assertTrue(pc["fadvise_dontneed"])
            self.assertEqual(pc["drop_caches"], "not_asked")
            self.assertLess(pc["before"]["resident_fraction"], 0.5)
            self.assertGreater(pc["after"]["resident_fraction"], 0.9)
            self.assertFalse([w for w in r.doc["warnings"] if "cold read found" in w])

    def test_drop_caches_when_asked(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = pfsb.run_tool(TOOL, 1, ["-o", os.path.join(d, "f"), "--size", "1m", "--cache", "cold",
                                        "--drop-caches"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            state = r.doc["phases"][0]["details"]["page_cache"]["drop_caches"]
            self.assertEqual(state, "dropped" if pfsb.is_root() else "not_permitted")

    def test_cold_on_tmpfs_warns_that_the_file_was_resident(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["-o", os.path.join(d, "f"), "--size", "2m", "--cache", "cold"],
                              os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["phases"][0]["details"]["page_cache"]["before"]["resident_fraction"], 1.0)
            self.assertTrue([w for w in r.doc["warnings"] if "cold read found 100%" in w], r.doc["warnings"])
            self.assertIn("already in the page cache", r.stderr)


class MmapReadErrors(unittest.TestCase):
    """Bad files: a clear message, exit code 1, a valid document saying why."""

    def run_failing(self, np, args, d, expect_rc=1):
        doc_path = os.path.join(d, "r.json")
        r = pfsb.run_tool(TOOL, np, args, doc_path)
        self.assertEqual(r.returncode, expect_rc, r)
        if expect_rc == 1:
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(r.doc["phases"], [])
        return r

    def test_truncated_file_gives_a_clean_sigbus_error(self):
        """The file shrinks under the readers' mappings: SIGBUS is caught and
        becomes an error naming the file and the offset, not a crash."""
        for mode in (["--map", "whole"], ["--map", "chunk", "--chunk-size", "1m"]):
            with self.subTest(mode=mode), pfsb.temp_dir(pfsb.SHM) as d:
                path = os.path.join(d, "f")
                r = self.run_failing(2, ["-o", path, "--size", "8m", "--threads", "2", "--fault.shrink-to", "1m"]
                                     + mode, d)
                msgs = [e["message"] for e in r.doc["errors"]]
                # Each failing reader names where it was: at or past the new
                # end (1 MiB), and the file's new size. A reader already past 1 MiB when
                # the file shrank faults further on, and the first failure
                # stops the other readers (early stop), so which offsets show
                # up depends on the schedule; that they are real ones does not.
                offsets = [int(m.group(1)) for m in (re.search(r"SIGBUS.*at offset (\d+)", x) for x in msgs if path in x)
                           if m]
                self.assertTrue(offsets, msgs)
                for off in offsets:
                    self.assertGreaterEqual(off, MiB, msgs)
                    self.assertLess(off, 8 * MiB, msgs)
                self.assertTrue(any("the file is now 1048576 bytes long" in m for m in msgs), msgs)
                self.assertIn("SIGBUS", r.stderr)
                self.assertNotIn("Bus error", r.stderr + r.stdout)
                self.assertFalse(os.path.exists(path))  # the run's own file is still cleaned up

    def test_file_shorter_than_size(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "short")
            with open(path, "wb") as f:
                f.write(b"x" * 1000)
            r = self.run_failing(2, ["-o", path, "--existing", "--size", "1m"], d)
            self.assertIn("shorter than --size", r.doc["errors"][0]["message"])
            self.assertEqual(os.path.getsize(path), 1000)

    def test_empty_file(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "empty")
            open(path, "wb").close()
            r = self.run_failing(1, ["-o", path, "--existing"], d)
            self.assertIn("is empty", r.doc["errors"][0]["message"])

    def test_unreadable_paths(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = self.run_failing(2, ["-o", d, "--existing"], d)
            self.assertIn("not a regular file", r.doc["errors"][0]["message"])
            missing = os.path.join(d, "missing")
            r = self.run_failing(2, ["-o", missing, "--existing"], d)
            self.assertIn("No such file or directory", r.doc["errors"][0]["message"])
            self.assertIn(missing, r.doc["errors"][0]["message"])

    def test_existing_file_is_not_overwritten_without_existing(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "mine")
            with open(path, "wb") as f:
                f.write(b"precious")
            r = self.run_failing(1, ["-o", path, "--size", "1m"], d)
            self.assertIn("--existing", r.doc["errors"][0]["message"])
            with open(path, "rb") as f:
                self.assertEqual(f.read(), b"precious")

    def test_zero_size_is_a_usage_error(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = self.run_failing(2, ["-o", os.path.join(d, "f"), "--size", "0"], d, expect_rc=2)
            self.assertIn("mmap_read: error:", r.stderr)
            self.assertIn("--size", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "f")))

    def test_choice_options_take_only_their_names(self):
        for args, listed in ((["--madvise", "3"], "normal|sequential|random|willneed|hugepage"),
                             (["--access", "rand"], "seq|random"), (["--cache", "1"], "warm|cold")):
            with self.subTest(args=args), pfsb.temp_dir(pfsb.SHM) as d:
                r = pfsb.run_tool(TOOL, 1, ["-o", os.path.join(d, "f"), "--size", "1m", *args])
                self.assertEqual(r.returncode, 2, r)
                self.assertIn("%s '%s' is not one of %s" % (args[0], args[1], listed), r.stderr)
                self.assertEqual(os.listdir(d), [])


if __name__ == "__main__":
    unittest.main()
