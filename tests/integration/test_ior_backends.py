"""ior_like's backends (-a POSIX, MPIIO, HDF5, MMAP) under mpiexec at 1, 2
and 4 ranks: each writes, reads and verifies; the raw backends write the
same bytes (a file written by one reads and verifies with any other); an
HDF5 file is checked by an independent reader (h5py) against the data
pattern; the backend facts (hints, MPI-IO component, HDF5 version) land in
the document; lines that ask a backend for what it cannot do are usage
errors before any I/O; a transfer of more than 2 GiB goes through MPI-IO
whole. Faults and signals inside collective phases are in test_faults.py and
test_ior_like.py style tests below."""
import os
import unittest

import faultfs
import pfsb

TOOL = "ior_like"
KiB = 1024
MiB = 1024 * KiB
RAW = ["POSIX", "MPIIO", "MMAP"]

try:
    import h5py  # Debian python3-h5py (serial HDF5 reads a parallel-written file)
except ImportError:  # pragma: no cover - reported by the skip
    h5py = None


def run_ok(testcase, np, args, d, name="r.json"):
    r = pfsb.run_tool(TOOL, np, args, os.path.join(d, name), timeout=300)
    testcase.assertEqual(r.returncode, 0, r)
    pfsb.assert_valid(testcase, r.doc)
    testcase.assertEqual(r.doc["status"], "ok")
    return r


def check_raw_file(testcase, path, size, seed=0):
    """The whole shared file holds the pattern, byte for byte."""
    testcase.assertEqual(os.path.getsize(path), size)
    expected = pfsb.Pattern(seed)
    with open(path, "rb") as f:
        for off in range(0, size, 1 * MiB):
            chunk = f.read(min(1 * MiB, size - off))
            testcase.assertEqual(chunk, expected.expected(off, len(chunk)), f"{path} differs near offset {off}")


class EveryBackend(unittest.TestCase):
    """Write, read, -W and -R verify through each backend, shared file, -s 2."""

    LINES = [["-a", "POSIX"], ["-a", "MPIIO"], ["-a", "mpiio", "-c"], ["-a", "MPIIO", "-c", "--mpiio.useFileView"],
             ["-a", "HDF5"], ["-a", "HDF5", "-c", "--hdf5.collectiveMetadata"], ["-a", "MMAP"]]

    def test_each_backend_writes_reads_and_verifies(self):
        for np in (1, 2, 4):
            for line in self.LINES:
                with self.subTest(np=np, line=" ".join(line)), pfsb.temp_dir(pfsb.SHM) as d:
                    path = os.path.join(d, "f")
                    r = run_ok(self, np, line + ["-w", "-r", "-W", "-R", "-k", "-e", "-t", "64k", "-b", "256k",
                                                 "-s", "2", "-o", path], d)
                    doc = r.doc
                    self.assertEqual([p["name"] for p in doc["phases"]], ["write", "read"])
                    for p in doc["phases"]:
                        self.assertEqual(p["bytes"], np * 2 * 256 * KiB)
                        self.assertEqual(p["ops"], np * 2 * 4)
                        self.assertEqual(p["details"]["collective"], "-c" in line)
                        self.assertEqual(p["details"]["api"], line[1].lower())
                    self.assertEqual([c["passed"] for c in doc["verification"]["checks"]], [True, True])
                    self.assertEqual(doc["verification"]["checks"][0]["bytes"], np * 2 * 256 * KiB)
                    if line[1].upper() in RAW:
                        check_raw_file(self, path, np * 2 * 256 * KiB)

    def test_file_per_process_through_mpiio_and_hdf5(self):
        for line in (["-a", "MPIIO", "-c"], ["-a", "HDF5", "-c"]):
            with self.subTest(line=" ".join(line)), pfsb.temp_dir(pfsb.SHM) as d:
                path = os.path.join(d, "f")
                r = run_ok(self, 2, line + ["-F", "-w", "-r", "-W", "-R", "-t", "64k", "-b", "128k", "-o", path], d)
                self.assertEqual(r.doc["phases"][0]["details"]["files"], 2)
                self.assertTrue(all(c["passed"] for c in r.doc["verification"]["checks"]))
                self.assertEqual(sorted(os.listdir(d)), ["r.json"], "files removed without -k")


class SameBytes(unittest.TestCase):
    """A file written by one raw backend reads and verifies with another."""

    def test_written_by_one_backend_verified_by_another(self):
        pairs = [("POSIX", "MPIIO"), ("MPIIO", "MMAP"), ("MMAP", "POSIX"), ("MPIIO", "POSIX")]
        for writer, reader in pairs:
            with self.subTest(writer=writer, reader=reader), pfsb.temp_dir(pfsb.SHM) as d:
                path = os.path.join(d, "f")
                common = ["-t", "32k", "-b", "128k", "-s", "3", "-o", path]
                w_args = ["-a", writer, "-w", "-k"] + (["-c"] if writer == "MPIIO" else []) + common
                run_ok(self, 2, w_args, d, "w.json")
                r = run_ok(self, 2, ["-a", reader, "-r", "-R", "-k"] + common, d, "r.json")
                self.assertTrue(r.doc["verification"]["checks"][0]["passed"])
                self.assertEqual(r.doc["verification"]["checks"][0]["bytes"], 2 * 3 * 128 * KiB)


@unittest.skipIf(h5py is None, "python3-h5py is not installed (scripts/common.sh installs it)")
class Hdf5Layout(unittest.TestCase):
    """IOR's HDF5 layout read back by h5py, not by our own code."""

    def test_datasets_hold_the_pattern_at_ior_offsets(self):
        # Collective, and independent with -z (each block's transfers in a
        # random order; the segments, one dataset each, still in order).
        for mode in (["-c"], ["-z"]):
            with self.subTest(mode=mode), pfsb.temp_dir(pfsb.SHM) as d:
                path = os.path.join(d, "f.h5")
                np_, seg, block, xfer = 2, 3, 96 * KiB, 32 * KiB
                run_ok(self, np_, ["-a", "HDF5", *mode, "-w", "-k", "-G", "7", "-t", str(xfer), "-b", str(block),
                                   "-s", str(seg), "-o", path], d)
                expected = pfsb.Pattern(7)
                with h5py.File(path, "r") as f:
                    self.assertEqual(sorted(f.keys()), [f"segment_{s:06}" for s in range(seg)])
                    for s in range(seg):
                        data = f[f"segment_{s:06}"][()].tobytes()
                        self.assertEqual(len(data), np_ * block)
                        # IOR's file offset of the dataset's first byte: seg * ranks * block.
                        self.assertEqual(data, expected.expected(s * np_ * block, np_ * block), f"segment {s}")

    def test_a_cut_write_creates_only_the_segments_it_reached(self):
        """The datasets are created when the transfers reach their segment,
        in order, not all at open: a write of -s 100000 cut by -D 1 leaves
        exactly the segments its ranks began, segment_000000 up to the one
        of the furthest transfer (with -b = -t, one transfer per segment).
        Created at open, all 100000 would be in the file (and the open alone
        would outlast the deadline)."""
        segments = 100000
        for np_ in (1, 2):
            for mode in ([], ["-c"]):
                with self.subTest(np=np_, mode=mode), pfsb.temp_dir(pfsb.SHM) as d:
                    path = os.path.join(d, "f.h5")
                    r = run_ok(self, np_, ["-a", "HDF5", *mode, "-w", "-k", "-t", "1k", "-b", "1k", "-s",
                                           str(segments), "-D", "1", "-o", path], d)
                    det = r.doc["phases"][0]["details"]
                    self.assertTrue(det["stonewall"]["deadline_hit"], "the deadline must cut the write for this "
                                    "test to mean anything")
                    furthest = det["transfers_per_rank"]["max"]
                    self.assertLess(furthest, segments)
                    with h5py.File(path, "r") as f:
                        names = sorted(f.keys())
                    self.assertEqual(len(names), max(1, furthest),
                                     f"{len(names)} datasets for transfers up to segment {furthest - 1}")
                    self.assertEqual(names, [f"segment_{s:06}" for s in range(len(names))], "in segment order")

    def test_hdf5_facts_and_metadata_time_in_the_document(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = run_ok(self, 2, ["-a", "HDF5", "--hdf5.noFill", "--hdf5.chunkSize", "32k", "--hdf5.setAlignment",
                                 "4k", "-w", "-r", "-t", "32k", "-b", "64k", "-o", os.path.join(d, "f")], d)
            facts = r.doc["phases"][0]["details"]["backend"]
            self.assertTrue(facts["hdf5_version"].startswith("1."), facts)
            self.assertEqual(facts["chunk_bytes"], 32 * KiB)
            self.assertTrue(facts["no_fill"])
            self.assertEqual(facts["datasets"], 1)
            self.assertEqual(r.doc["environment"]["software"]["hdf5_version"], facts["hdf5_version"])
            self.assertTrue(r.doc["environment"]["software"]["hdf5_parallel"])
            for p in r.doc["phases"]:
                det = p["details"]
                self.assertAlmostEqual(det["metadata_duration_s"],
                                       det["open_duration_s"] + det["close_duration_s"], places=9)


class Hints(unittest.TestCase):
    """IOR's hints: IOR_HINT__MPI__ variables and a hints file, shared by rank 0."""

    def test_hints_from_environment_and_file_reach_the_open(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            hints = os.path.join(d, "hints")
            with open(hints, "w") as f:
                f.write("# tuning under test\nIOR_HINT__MPI__cb_nodes=1\n\nIOR_HINT__MPI__romio_cb_write=enable\n")
            env = dict(os.environ, IOR_HINT__MPI__cb_buffer_size="1048576", IOR_HINT__MPI__cb_nodes="2")
            r = pfsb.run_tool(TOOL, 2, ["-a", "MPIIO", "-c", "-U", hints, "-H", "-w", "-t", "64k", "-b", "64k",
                                        "-o", os.path.join(d, "f")], os.path.join(d, "r.json"), env=env)
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            facts = r.doc["phases"][0]["details"]["backend"]
            # The file is read after the environment and wins, as in IOR.
            self.assertEqual(facts["hints_requested"],
                             {"cb_buffer_size": "1048576", "cb_nodes": "1", "romio_cb_write": "enable"})
            self.assertIn("io_component", facts)
            self.assertIn("MPI-IO hints in effect after open", r.stdout)
            self.assertEqual(r.doc["config"]["hints_file"], hints)

    def test_missing_hints_file_is_one_usage_error(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 4, ["-a", "MPIIO", "--mpiio.hintsFileName", os.path.join(d, "nope"), "-w",
                                        "-o", os.path.join(d, "f")], os.path.join(d, "r.json"), timeout=120)
            self.assertEqual(r.returncode, 2, r)
            errs = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(errs), 1, r.stderr)
            self.assertIn("cannot read the hints file", errs[0])
            self.assertIn("nope", errs[0])
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["phases"], [])
            self.assertEqual(sorted(os.listdir(d)), ["r.json"], "no test file before the error")

    def test_bad_hints_line_names_the_file_and_line(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            hints = os.path.join(d, "hints")
            with open(hints, "w") as f:
                f.write("IOR_HINT__MPI__cb_nodes=1\nstriping_factor=4\n")
            r = pfsb.run_tool(TOOL, 2, ["-a", "MPIIO", "-U", hints, "-w", "-o", os.path.join(d, "f")],
                              os.path.join(d, "r.json"), timeout=120)
            self.assertEqual(r.returncode, 2, r)
            self.assertIn(f"hints file {hints} line 2: 'striping_factor=4' is not a hint", r.stderr)


class Refusals(unittest.TestCase):
    """A flag the backend cannot honour: exit 2 before any I/O, once, naming both."""

    def usage(self, args, needle):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, args + ["-w", "-o", os.path.join(d, "f")])
            self.assertEqual(r.returncode, 2, r)
            lines = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(needle, lines[0])
            self.assertEqual(os.listdir(d), [], "a usage error creates no file")

    def test_collective_with_posix(self):
        self.usage(["-a", "POSIX", "-c"], "-c (collective transfers; -a MPIIO or -a HDF5 has them) is not supported "
                                          "by the POSIX backend")

    def test_odirect_with_mpiio(self):
        self.usage(["-a", "MPIIO", "-B"], "-B/--posix.odirect (O_DIRECT) is not supported by the MPIIO backend")

    def test_hdf5_option_with_mpiio(self):
        self.usage(["-a", "MPIIO", "--hdf5.noFill"], "--hdf5.noFill is an option of another backend than -a MPIIO")

    def test_hints_with_mmap(self):
        self.usage(["-a", "MMAP", "-U", "/etc/hostname"], "-U (MPI-IO hints) is not supported by the MMAP backend")

    def test_unknown_backend_lists_the_built_ones(self):
        self.usage(["-a", "lustre"], "unknown backend -a lustre; available: posix, mpiio, hdf5, mmap, null")

    def test_random_blocks_with_hdf5(self):
        # -z -z reads random blocks anywhere in the file; HDF5 opens one
        # segment's dataset at a time, in order. (-w is refused apart.)
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-a", "HDF5", "-r", "-z", "-z", "-o", os.path.join(d, "f")])
            self.assertEqual(r.returncode, 2, r)
            lines = [l for l in r.stderr.splitlines() if l.startswith("ior_like: error:")]
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn("-z -z (random blocks of the whole file; it opens one segment's dataset at a time, in "
                          "segment order", lines[0])
            self.assertIn("not supported by the HDF5 backend", lines[0])

    def test_help_lists_every_backend_and_its_options(self):
        r = pfsb.run_tool(TOOL, 1, ["--help"])
        self.assertEqual(r.returncode, 0, r)
        for needle in ("MPIIO", "HDF5", "MMAP", "--mpiio.hintsFileName", "--hdf5.collectiveMetadata",
                       "MPIIO backend options", "HDF5 backend options"):
            self.assertIn(needle, r.stdout)


class LargeTransfer(unittest.TestCase):
    """One MPI-IO call of more than 2 GiB: no int overflow, every byte moved."""

    def test_transfer_over_2_gib_through_mpiio(self):
        size = 2 * 1024 * MiB + 4 * KiB
        st = os.statvfs(pfsb.SHM)
        if st.f_bavail * st.f_frsize < size + 512 * MiB:
            self.skipTest(f"{pfsb.SHM} has less than {size + 512 * MiB} bytes free")
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = run_ok(self, 1, ["-a", "MPIIO", "-c", "-w", "-r", "-W", "-t", str(size), "-b", str(size), "-o", path],
                       d)
            self.assertEqual([p["bytes"] for p in r.doc["phases"]], [size, size])
            self.assertTrue(r.doc["verification"]["checks"][0]["passed"])
            self.assertEqual(r.doc["verification"]["checks"][0]["bytes"], size)


class CollectiveFaults(unittest.TestCase):
    """EIO from faultfs on one rank inside MPI-IO and HDF5 phases, in
    independent and collective mode, at 1, 2 and 4 ranks (MPI-IO writes
    through POSIX underneath): every rank stops, exit 1 (3 where only -R can
    see the damage), the finished phases kept, no hang.

    What the libraries do here (Open MPI 4.1.4's OMPIO, HDF5 1.10.8) decides
    how the failure surfaces, and the test accepts each documented way:
      - the error comes back from the call: one message naming the rank;
      - the library deadlocks inside its own collective call (OMPIO's
        collective read at 4 ranks when an aggregator meets EIO): the
        watchdog (--collective-timeout) writes the document and aborts;
      - the call reports success though the data did not move: OMPIO's
        collective write (fcoll vulcan, 4 ranks) returns MPI_SUCCESS with a
        full count after its aggregator's pwritev failed with EIO, and HDF5
        turns a short read into zeros (its end-of-file rule). Only
        verification sees these (-W, -R: exit 3), which is why the fault
        cases of collective writes run with -W."""

    CASES = [
        # (backend line, fault, extra flags, exit codes that keep the contract)
        (["-a", "MPIIO"], "--eio-read-after", [], (1,)),
        (["-a", "MPIIO", "-c"], "--eio-read-after", [], (1,)),
        (["-a", "MPIIO", "-c"], "--eio-write-after", ["-W"], (1, 3)),
        (["-a", "HDF5", "-c"], "--eio-write-after", ["-W"], (1, 3)),
        (["-a", "HDF5", "-c"], "--eio-read-after", ["-R"], (1, 3)),
    ]

    def test_eio_on_one_rank(self):
        for np in (1, 2, 4):
            for line, fault, extra, codes in self.CASES:
                with self.subTest(np=np, line=" ".join(line), fault=fault):
                    self.one_case(np, line, fault, extra, codes)

    def one_case(self, np, line, fault, extra, codes):
        # The last rank's block starts at (np-1) * 256 KiB: its second transfer fails.
        limit = (np - 1) * 256 * KiB + 64 * KiB
        reading = fault == "--eio-read-after"
        with faultfs.mounted(self, [fault, str(limit)]) as m, pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, np, line + extra + ["-w", "-r", "-t", "64k", "-b", "256k", "-o", m.path("f"),
                                                        "--collective-timeout", "10"],
                              os.path.join(d, "r.json"), timeout=120)
            self.assertIn(r.returncode, codes, r)
            self.assertIsNotNone(r.doc, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(r.doc["status"], "verify_failed" if r.returncode == 3 else "failed")
            if r.returncode == 3:
                kept = ["write", "read"]   # the library said "done"; verification did not
            elif reading:
                kept = ["write"]           # the read failed: the write is kept
            else:
                kept = []                  # the write failed: nothing finished
            self.assertEqual([p["name"] for p in r.doc["phases"]], kept, "the finished phases are kept")
            if reading and r.returncode == 1:
                self.assertEqual(r.doc["phases"][0]["bytes"], np * 256 * KiB)
            messages = " ".join(e["message"] for e in r.doc["errors"])
            if r.returncode == 1:
                self.assertTrue(f"rank {np - 1}:" in messages or "stuck in a collective call" in messages, messages)
            self.assertTrue(any(f.startswith("EIO") for f in m.faults()), m.faults())
            # .fuse_hidden*: FUSE's name for a file unlinked while a killed
            # rank still held it open (the watchdog's abort); FUSE drops it.
            left = [f for f in os.listdir(m.backing) if not f.startswith(".fuse_hidden")]
            self.assertEqual(left, [], "the file this run created is removed after the failure")


class OpenOnOneRank(unittest.TestCase):
    """The open of MPI-IO and HDF5 fails on one rank only (-F: each rank opens
    its own file; the last rank's is missing): the open is agreed before any
    set-up (file view, HDF5 dataset), so every rank stops, exit 1 with a
    `failed` document naming that rank and its open call, and nothing hangs.
    (tests/mpi/ior_like_run_test.cpp shows, with a backend whose set-up is a
    real collective, that no rank enters it after a peer's open failed.)"""

    def test_missing_file_of_one_rank(self):
        for np in (2, 4):
            for line in (["-a", "MPIIO"], ["-a", "MPIIO", "-c"], ["-a", "HDF5"], ["-a", "HDF5", "-c"]):
                call = "MPI_File_open for read" if line[1] == "MPIIO" else "H5Fopen"
                with self.subTest(np=np, line=" ".join(line)), pfsb.temp_dir(pfsb.SHM) as d:
                    path = os.path.join(d, "f")
                    common = line + ["-F", "-t", "32k", "-b", "64k", "-s", "2", "-o", path]
                    run_ok(self, np, common + ["-w", "-k"], d, "w.json")
                    os.unlink(f"{path}.{np - 1:08d}")
                    r = pfsb.run_tool(TOOL, np, common + ["-r", "-k"], os.path.join(d, "r.json"), timeout=120)
                    self.assertEqual(r.returncode, 1, r)
                    pfsb.assert_valid(self, r.doc)
                    self.assertEqual(r.doc["status"], "failed")
                    self.assertEqual(r.doc["phases"], [], "the read never started")
                    messages = [e["message"] for e in r.doc["errors"]]
                    self.assertEqual(len(messages), 1, messages)
                    self.assertIn(f"rank {np - 1}: {call}", messages[0])
                    self.assertIn(f"{path}.{np - 1:08d}", messages[0])


class CollectiveSignal(unittest.TestCase):
    """SIGTERM in the middle of collective MPI-IO phases: exit 4, the
    finished phases kept, nobody left inside a collective call."""

    def test_sigterm_during_collective_phases(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            doc_path = os.path.join(d, "r.json")
            rc, err, doc = pfsb.sigterm_after_checkpoint(
                self, TOOL, 2, ["-a", "MPIIO", "-c", "-w", "-r", "-i", "100000", "-b", "4m", "-t", "64k", "-o",
                                os.path.join(d, "f"), "--quiet"], doc_path)
            self.assertEqual(rc, 4, err)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["status"], "interrupted")
            self.assertGreaterEqual(len(doc["phases"]), 2)
            self.assertTrue(all(p["details"]["collective"] for p in doc["phases"]))
            self.assertEqual(os.listdir(d), ["r.json"], "the test file is removed (no -k)")


if __name__ == "__main__":
    unittest.main()
