"""dio_batch end to end under mpiexec: every engine at 1 and 2 ranks on a
disk temp dir, bytes on disk, --verify, a corrupted block found with its
offset, alignment rejected before any I/O, ENOSPC on a small ext4 (and the
run's files removed after it unless --keep), SIGTERM, tmpfs warning, modes. Every document is validated against the schema."""
import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

import pfsb

TOOL = "dio_batch"
MiB = 1024 * 1024


def engines():
    """Engines of this build, from --help ("I/O engine: libaio, io_uring, psync")."""
    r = pfsb.run_tool(TOOL, 1, ["--help"])
    for line in r.stdout.splitlines():
        if "I/O engine:" in line:
            names = line.split("I/O engine:")[1].split("[")[0]
            return [n.strip() for n in names.split(",") if n.strip()]
    return ["psync"]


def depth_args(engine):
    return ["--iodepth", "1"] if engine == "psync" else ["--iodepth", "16"]


class DioBatchEngines(unittest.TestCase):
    """Guards: every engine moves size x ranks bytes to disk with the right
    data (verify passes) and a valid document with device counters."""

    def test_each_engine_np1_np2(self):
        for engine in engines():
            for np in (1, 2):
                with self.subTest(engine=engine, np=np), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                    doc = os.path.join(d, "r.json")
                    r = pfsb.run_tool(TOOL, np, ["--engine", engine, *depth_args(engine), "--bs", "32k",
                                                 "--size", "4m", "-o", os.path.join(d, "f"), "--verify", "-k"],
                                      json_path=doc)
                    self.assertEqual(r.returncode, 0, r)
                    pfsb.assert_valid(self, r.doc)
                    self.assertEqual(r.doc["status"], "ok")
                    files = sorted(glob.glob(os.path.join(d, "f.*")))
                    self.assertEqual(len(files), np)
                    self.assertEqual(sum(os.path.getsize(f) for f in files), 4 * MiB * np)
                    ph = r.doc["phases"][0]
                    self.assertEqual(ph["name"], "write")
                    self.assertEqual(ph["bytes"], 4 * MiB * np)
                    self.assertEqual(ph["ops"], 128 * np)
                    self.assertEqual(ph["latency"]["count"], 128 * np)
                    self.assertAlmostEqual(ph["bandwidth_bytes_per_s"] / ph["ops_per_s"], 32768, delta=1e-6 * 32768)
                    det = ph["details"]
                    self.assertEqual(det["engine"], engine)
                    self.assertTrue(det["complete"])
                    if engine == "psync":
                        self.assertIsNone(det["submission_latency"])
                    else:
                        self.assertEqual(det["submission_latency"]["count"], 128 * np)
                    series_bytes = sum(det["time_series"]["values"]) * det["time_series"]["interval_s"]
                    self.assertAlmostEqual(series_bytes, 4 * MiB * np, delta=1)
                    self.assertGreater(det["cpu"]["per_io_ns"], 0)
                    if det["device"] is not None:  # on a block device: the disk saw our writes
                        self.assertGreaterEqual(det["device"]["write"]["bytes"], 4 * MiB * np)
                    v = r.doc["verification"]
                    self.assertTrue(v["enabled"])
                    self.assertEqual(v["status"], "passed")
                    self.assertEqual(v["checks"][0]["bytes"], 4 * MiB * np)
                    self.assertIn("IOPS=", r.stdout)

    def test_shared_file_and_random_write(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, "shared")
            r = pfsb.run_tool(TOOL, 2, ["--engine", engines()[0], "--iodepth", "8", "--size", "2m", "--bs", "16k",
                                        "--rw", "randwrite", "--shared", "-o", f, "--verify", "--keep"],
                              json_path=os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(os.path.getsize(f), 4 * MiB)
            self.assertEqual(r.doc["phases"][0]["name"], "randwrite")
            self.assertEqual(r.doc["verification"]["status"], "passed")


class DioBatchVerify(unittest.TestCase):
    """Guards: a corrupted block makes --verify fail with exit 3 and the
    block's offset in the document."""

    def test_corrupted_block_is_found(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 1, ["--engine", engines()[0], "--iodepth", "8", "--size", "2m", "-o", f, "-k"],
                              json_path=os.path.join(d, "w.json"))
            self.assertEqual(r.returncode, 0, r)
            bad = 5 * 32768
            with open(f + ".0", "r+b") as fh:
                fh.seek(bad)
                block = fh.read(32768)
                fh.seek(bad)
                fh.write(bytes(b ^ 0xFF for b in block))
            doc = os.path.join(d, "r.json")
            r = pfsb.run_tool(TOOL, 1, ["--engine", engines()[0], "--iodepth", "8", "--size", "2m", "-o", f,
                                        "--rw", "read", "--verify"], json_path=doc)
            self.assertEqual(r.returncode, 3, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "verify_failed")
            self.assertEqual(r.doc["phases"][0]["name"], "read")
            self.assertEqual(r.doc["phases"][0]["details"]["laid_out_bytes_per_rank"], 0)
            m = r.doc["verification"]["first_mismatch"]
            self.assertEqual(m["offset_bytes"], bad)
            self.assertEqual(m["mismatched_bytes"], 32768)
            self.assertEqual(m["path"], f + ".0")
            self.assertTrue(any(str(bad) in e["message"] for e in r.doc["errors"]), r.doc["errors"])


class DioBatchUsage(unittest.TestCase):
    """Guards: sizes not aligned for O_DIRECT are exit 2 before any I/O,
    with the numbers and the rule."""

    def test_unaligned_bs_rejected(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = pfsb.run_tool(TOOL, 2, ["--bs", "1000", "--size", "1000000", "-o", os.path.join(d, "f")])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("--bs 1000 is not a multiple of the O_DIRECT offset alignment", r.stderr)
            self.assertIn("statx STATX_DIOALIGN", r.stderr)
            self.assertEqual(r.stderr.count("dio_batch: error:"), 1, r.stderr)
            self.assertEqual(os.listdir(d), [])

    def test_unaligned_bs_writes_a_failed_document(self):
        """Found against the filesystem, so after the document's header: exit 2
        with a `failed` document (docs/command-line.md, Exit codes), on every rank."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d, pfsb.temp_dir(pfsb.SHM) as out:
            r = pfsb.run_tool(TOOL, 2, ["--bs", "1000", "--size", "1000000", "-o", os.path.join(d, "f")],
                              json_path=os.path.join(out, "r.json"))
            self.assertEqual(r.returncode, 2, r)
            self.assertIsNotNone(r.doc, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(r.doc["phases"], [])
            self.assertTrue(any(e["kind"] == "usage" and "--bs 1000" in e["message"] for e in r.doc["errors"]),
                            r.doc["errors"])
            self.assertEqual(os.listdir(d), [])

    def test_unknown_engine_lists_engines(self):
        r = pfsb.run_tool(TOOL, 1, ["--engine", "spdk"])
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("unknown --engine 'spdk'", r.stderr)
        self.assertIn("psync", r.stderr)

    def test_choice_options_take_only_their_names(self):
        """--direct 2 or --rw 1 would be taken as true / read by CLI11's
        enum transformer; they are usage errors listing the names."""
        for args, listed in ((["--direct", "2"], "1|0"), (["--rw", "1"], "write|read|randwrite|randread"),
                             (["--mode", "scratch"], "create|overwrite|append")):
            with self.subTest(args=args), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                r = pfsb.run_tool(TOOL, 1, [*args, "--size", "1m", "-o", os.path.join(d, "f")])
                self.assertEqual(r.returncode, 2, r)
                self.assertIn("%s '%s' is not one of %s" % (args[0], args[1], listed), r.stderr)
                self.assertEqual(os.listdir(d), [])


def mpmd(per_rank_args, json_path):
    """One rank per argument list (MPMD), each with --json json_path."""
    cmd = list(pfsb.MPIEXEC)
    for i, args in enumerate(per_rank_args):
        cmd += ([":"] if i else []) + ["-n", "1", pfsb.tool_path(TOOL)] + list(args) + ["--json", json_path]
    return cmd


@contextlib.contextmanager
def loop_ext4_4k_sectors(testcase):
    """ext4 on a loop device with 4096-byte logical sectors: O_DIRECT there
    needs 4 KiB alignment, where the disk of the build tree takes 512."""
    if not pfsb.is_root():
        testcase.skipTest("a loop device needs root")
    if shutil.which("losetup") is None or shutil.which("mkfs.ext4") is None:
        testcase.skipTest("losetup or mkfs.ext4 missing")
    os.makedirs(pfsb.DISK_TMP, exist_ok=True)
    work = tempfile.mkdtemp(prefix="pfsb-loop4k-", dir=pfsb.DISK_TMP)
    image, mnt = os.path.join(work, "img"), os.path.join(work, "mnt")
    os.mkdir(mnt)
    dev = None
    try:
        subprocess.run(["truncate", "-s", "64m", image], check=True)
        r = subprocess.run(["losetup", "-f", "--show", "--sector-size", "4096", image], capture_output=True, text=True)
        if r.returncode != 0:
            testcase.skipTest(f"losetup --sector-size 4096: {r.stderr.strip()}")
        dev = r.stdout.strip()
        subprocess.run(["mkfs.ext4", "-q", "-F", dev], check=True, capture_output=True)
        r = subprocess.run(["mount", dev, mnt], capture_output=True, text=True)
        if r.returncode != 0:
            testcase.skipTest(f"mount {dev}: {r.stderr.strip()}")
        try:
            yield mnt
        finally:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
    finally:
        if dev:
            subprocess.run(["losetup", "-d", dev], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


class DioBatchAgreedChecks(unittest.TestCase):
    """Guards: a check that differs per rank (alignment, existence) is one
    agreed step: every rank exits 2 with one `failed` document, none hangs.
    Before, dio_batch checked the alignment in validate(), before the first
    collective: the refusing rank left, the others waited in MPI_Bcast."""

    def test_ranks_with_different_alignment(self):
        with loop_ext4_4k_sectors(self) as mnt, pfsb.temp_dir(pfsb.DISK_TMP) as d:
            common = ["--engine", "psync", "--iodepth", "1", "--bs", "2k", "--size", "64k"]
            doc = os.path.join(d, "r.json")
            try:
                proc = subprocess.run(mpmd([common + ["-o", os.path.join(d, "f")],
                                            common + ["-o", os.path.join(mnt, "f")]], doc),
                                      capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                self.fail("the ranks hung: the alignment check was not agreed")
            r = pfsb.Run(proc, doc)
            self.assertEqual(r.returncode, 2, r)
            self.assertIsNotNone(r.doc, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            msg = " ".join(e["message"] for e in r.doc["errors"])
            self.assertIn("--bs 2048 is not a multiple of the O_DIRECT offset alignment 4096", msg)
            self.assertEqual(r.stderr.count("dio_batch: error:"), 1, r.stderr)
            self.assertEqual(sorted(os.listdir(d)), ["r.json"])
            self.assertEqual(sorted(set(os.listdir(mnt)) - {"lost+found"}), [])

    def test_create_refuses_a_file_it_did_not_create(self):
        """--mode create on PATH.1 that exists (rank 1 only): exit 2 on every
        rank naming the file, which keeps its bytes; nothing else is left."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, "f")
            with open(f + ".1", "wb") as out:
                out.write(b"precious" * 512)
            r = pfsb.run_tool(TOOL, 2, ["--engine", "psync", "--iodepth", "1", "--size", "64k", "-o", f],
                              json_path=os.path.join(d, "r.json"), timeout=120)
            self.assertEqual(r.returncode, 2, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "failed")
            msg = " ".join(e["message"] for e in r.doc["errors"])
            self.assertIn(f"'{f}.1' already exists", msg)
            self.assertIn("--replace-existing", msg)
            with open(f + ".1", "rb") as inp:
                self.assertEqual(inp.read(), b"precious" * 512)
            self.assertEqual(sorted(os.listdir(d)), ["f.1", "r.json"])

    def test_replace_existing_writes_it_and_keeps_it(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, "f")
            with open(f + ".1", "wb") as out:
                out.write(b"old" * 100000)
            r = pfsb.run_tool(TOOL, 2, ["--engine", "psync", "--iodepth", "1", "--size", "64k", "--verify",
                                        "--replace-existing", "-o", f], json_path=os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertTrue(r.doc["config"]["replace_existing"])
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertEqual(os.path.getsize(f + ".1"), 65536, "emptied and written as new")
            self.assertEqual(sorted(os.listdir(d)), ["f.1", "r.json"], "kept: it existed; f.0 (created) removed")

    def test_sync_values(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            for value, recorded in (("--sync", "sync"), ("--sync=dsync", "dsync"), ("--sync=none", False)):
                with self.subTest(value=value):
                    r = pfsb.run_tool(TOOL, 1, ["--engine", "psync", "--iodepth", "1", "--size", "64k", value,
                                                "-o", os.path.join(d, "f")], json_path=os.path.join(d, "r.json"))
                    self.assertEqual(r.returncode, 0, r)
                    self.assertEqual(r.doc["config"]["sync"], recorded)
            r = pfsb.run_tool(TOOL, 1, ["--sync=fsync", "-o", os.path.join(d, "f")])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("--sync=fsync is not one of none, sync, dsync", r.stderr)


def left_behind(mnt):
    """What a run left on a small mount (mkfs.ext4 makes lost+found)."""
    return sorted(set(os.listdir(mnt)) - {"lost+found"})


class DioBatchFaults(unittest.TestCase):
    """Guards: ENOSPC mid-run stops all ranks together (exit 1, status
    failed, rank/path/offset/errno in the document) and leaves none of the
    run's files behind (they filled the disk for the next tool), unless
    --keep; a file that existed before the run is never removed; SIGTERM is
    exit 4 with the finished work kept in the document and the files gone."""

    def run_until_full(self, mnt, extra=()):
        doc = os.path.join(pfsb.DISK_TMP, f"dio-enospc-{os.getpid()}.json")
        try:
            r = pfsb.run_tool(TOOL, 2, ["--engine", engines()[0], "--iodepth", "16", "--size", "24m",
                                        "-o", os.path.join(mnt, "f"), *extra], json_path=doc)
        finally:
            if os.path.exists(doc):
                os.unlink(doc)
        self.assertEqual(r.returncode, 1, r)
        pfsb.assert_valid(self, r.doc)
        self.assertEqual(r.doc["status"], "failed")
        msgs = " ".join(e["message"] for e in r.doc["errors"])
        self.assertIn("No space left on device (ENOSPC)", msgs)
        self.assertRegex(msgs, r"rank \d: \S+ failed on '.*/f\.\d' at offset \d+")
        self.assertEqual(r.doc["phases"], [])
        return r

    def test_enospc_on_small_ext4_leaves_nothing_behind(self):
        with pfsb.small_mount(self, "ext4", "32m") as mnt:
            self.run_until_full(mnt)
            self.assertEqual(left_behind(mnt), [])

    def test_enospc_with_keep_leaves_its_files(self):
        with pfsb.small_mount(self, "ext4", "32m") as mnt:
            r = self.run_until_full(mnt, ["--keep"])
            self.assertTrue(r.doc["config"]["keep"])
            self.assertEqual(left_behind(mnt), ["f.0", "f.1"])

    def test_enospc_never_removes_a_file_that_existed(self):
        with pfsb.small_mount(self, "ext4", "32m") as mnt:
            with open(os.path.join(mnt, "f.0"), "wb") as fh:
                fh.write(b"x" * 4096)
            # --mode create refuses an existing file unless asked to replace it
            self.run_until_full(mnt, ["--replace-existing"])
            self.assertEqual(left_behind(mnt), ["f.0"])  # f.1 was this run's: removed

    def test_sigterm_keeps_finished_work(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            doc = os.path.join(d, "r.json")
            f = os.path.join(d, "f")
            p = pfsb.start_tool(TOOL, 2, ["--engine", engines()[0], "--iodepth", "4", "--size", "4m",
                                          "--time-based", "--runtime", "120", "--mode", "overwrite", "-o", f],
                                json_path=doc)
            lines = []
            progressed = threading.Event()

            def read_stderr():
                # Rank 0's first progress line ("dio_batch write: ...%") comes
                # from inside the timed phase, after requests completed: the
                # signal then lands in a phase that has moved bytes.
                for line in p.stderr:
                    lines.append(line)
                    if line.startswith("dio_batch write:"):
                        progressed.set()

            reader = threading.Thread(target=read_stderr, daemon=True)
            reader.start()
            try:
                self.assertTrue(progressed.wait(120), "".join(lines))
                pfsb.signal_ranks(TOOL, p, signal.SIGTERM)
                p.wait(timeout=120)
                reader.join(timeout=30)
                err = "".join(lines)
            finally:
                if p.poll() is None:
                    p.kill()
            self.assertEqual(p.returncode, 4, err)
            with open(doc) as fh:
                import json
                d2 = json.load(fh)
            pfsb.assert_valid(self, d2)
            self.assertEqual(d2["status"], "interrupted")
            self.assertEqual(len(d2["phases"]), 1)
            ph = d2["phases"][0]
            self.assertFalse(ph["details"]["complete"])
            self.assertGreater(ph["bytes"], 0)
            self.assertTrue(any("SIGTERM" in e["message"] for e in d2["errors"]), d2["errors"])
            # The files were this run's (laid out by it): removed after the signal too.
            self.assertEqual(sorted(glob.glob(f + ".*")), [])


class DioBatchModesAndFilesystems(unittest.TestCase):
    """Guards: append writes past the old end, overwrite reuses the file,
    create preallocates as asked; O_DIRECT on tmpfs carries a warning."""

    def test_append_overwrite_create(self):
        e = engines()[0]
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            f = os.path.join(d, "f")
            common = ["--engine", e, "--iodepth", "8", "--size", "1m", "-o", f]
            r = pfsb.run_tool(TOOL, 1, common + ["--prealloc", "fallocate", "-k"], json_path=os.path.join(d, "c.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(r.doc["config"]["prealloc"], "fallocate")
            r = pfsb.run_tool(TOOL, 1, common + ["--mode", "overwrite", "--verify"], json_path=os.path.join(d, "o.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["phases"][0]["details"]["laid_out_bytes_per_rank"], 0)
            self.assertEqual(os.path.getsize(f + ".0"), MiB)
            r = pfsb.run_tool(TOOL, 1, common + ["--mode", "append", "--verify"], json_path=os.path.join(d, "a.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["phases"][0]["details"]["region_base_bytes"], MiB)
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertEqual(os.path.getsize(f + ".0"), 2 * MiB)

    def test_tmpfs_warning(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["--engine", "psync", "--iodepth", "1", "--size", "1m", "-o",
                                        os.path.join(d, "f")], json_path=os.path.join(d, "r.json"))
            if r.returncode == 1 and "does not support O_DIRECT" in r.stderr:
                self.skipTest("this kernel's tmpfs refuses O_DIRECT (before Linux 6.6)")
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertTrue(any("O_DIRECT on tmpfs is not direct" in w for w in r.doc["warnings"]), r.doc["warnings"])
            self.assertIsNone(r.doc["phases"][0]["details"]["device"])
            self.assertEqual(os.listdir(d), ["r.json"])  # the run's file, without -k, is removed at the end


if __name__ == "__main__":
    unittest.main()
