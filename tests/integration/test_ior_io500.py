"""IO500's ior lines run unchanged against ior_like, scaled down (issue 9):
ior-easy, ior-hard (POSIX, and MPIIO with -c) and ior-rnd4K, each a write
with a short -D and wear-out, then its read, in the exact argument form
IO500's driver builds (including "-t=4096" and --dataPacketType). Every
document's stonewall fields are checked against the bytes on disk, the
status file and the per-rank CSV; the content is checked by -R and, for
the first and last transfer, independently of the C++ code.

Also the other IOR flags of issue 9 (item 2): -g, -z, -E, -N, -T, -q, -v,
-O minTimeDuration and summaryFile, with their error paths.
"""
import csv
import json
import os
import shutil
import subprocess
import unittest

import pfsb

TOOL = "ior_like"
MiB = 1024 * 1024


def rank_file(path, rank):
    return f"{path}.{rank:08d}"


def easy_params(d):
    # io500 ior_easy_add_params: -C -Q 1 -g -G 271 -k -e -o ... -O status -O wear-out -t 2m -b <big> -F
    return ["-C", "-Q", "1", "-g", "-G", "271", "-k", "-e", "-o", os.path.join(d, "ior-easy", "ior_file_easy"),
            "-O", f"stoneWallingStatusFile={os.path.join(d, 'ior-easy', 'stonewall')}",
            "-O", "stoneWallingWearOut=1", "-t", "2m", "-b", "4g", "-F"]


def hard_params(d, segments):
    # io500 ior_hard_add_params: -C -Q 1 -g -G=<hash> -k -e -o ... -O status -t 47008 -b 47008 -s <n>
    return ["-C", "-Q", "1", "-g", "-G=27182", "-k", "-e", "-o", os.path.join(d, "ior-hard", "file"),
            "-O", f"stoneWallingStatusFile={os.path.join(d, 'ior-hard.stonewall')}",
            "-t", "47008", "-b", "47008", "-s", str(segments)]


def rnd4k_params(d, block="1m", segments=100000):
    # io500 ior_rnd4K_add_params, in its "-X=value" form
    return ["--dataPacketType=t", "-Q=1", "-g", "-G=31415", "-z", "--random-offset-seed=123", "-e",
            f"-o={os.path.join(d, 'ior-rnd4K', 'file')}",
            "-O", f"stoneWallingStatusFile={os.path.join(d, 'ior-rnd4K.stonewall')}", "-k", "-t=4096",
            f"-b={block}", f"-s={segments}"]


class Io500Lines(unittest.TestCase):

    def run_ok(self, np, args, doc_path):
        return pfsb.run_ok(self, TOOL, np, args, doc_path, timeout=300)

    def check_csv(self, path, phase, np):
        """IOR's per-rank lines: access,rank,total_s,access_s,total_bw,access_bw."""
        with open(path) as f:
            rows = [line.rstrip("\n").split(",") for line in f]
        self.assertTrue(all(len(row) == 6 for row in rows), rows)
        self.assertEqual([int(row[1]) for row in rows], list(range(np)))
        self.assertTrue(all(row[0] == phase["name"] for row in rows))
        rank_bytes = [float(row[4]) * float(row[2]) for row in rows]  # total_bw x total_s
        self.assertAlmostEqual(sum(rank_bytes), phase["bytes"], delta=1e-6 * phase["bytes"],
                               msg="the ranks' bytes add up to the document's")
        for row in rows:
            self.assertLessEqual(float(row[3]), float(row[2]), "the transfers lie inside open..close")

    def check_stonewall(self, phase, np, transfer):
        """The agreed count, and the stonewall figures against it."""
        details, sw = phase["details"], phase["details"]["stonewall"]
        n = details["transfers_per_rank"]["min"]
        self.assertEqual(details["transfers_per_rank"]["max"], n, "wear-out: every rank the same count")
        self.assertEqual(phase["bytes"], n * np * transfer)
        self.assertLessEqual(sw["transfers_at_stonewall"]["max"], n)
        self.assertGreaterEqual(sw["transfers_at_stonewall"]["min"], 0)
        self.assertLessEqual(sw["bytes_at_stonewall"], phase["bytes"])
        self.assertEqual(sw["bytes_at_stonewall"] % transfer, 0)
        self.assertLessEqual(sw["stonewall_duration_s"], phase["duration_s"])
        self.assertTrue(details["intra_test_barriers"])
        self.assertEqual(details["ranks"], np)
        return n

    def check_status(self, path, n):
        with open(path) as f:
            self.assertEqual(f.read().strip(), str(n), "the status file holds the agreed count")

    def test_ior_easy_write_then_read(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                os.makedirs(os.path.join(d, "ior-easy"))
                base = easy_params(d)
                w = self.run_ok(np, base + ["-w", "-D", "0.3", "-O", "stoneWallingWearOut=1", "-a", "POSIX", "-O",
                                            f"saveRankPerformanceDetailsCSV={d}/ior-easy-write.csv"],
                                os.path.join(d, "w.json"))
                write = w.doc["phases"][0]
                n = self.check_stonewall(write, np, 2 * MiB)
                self.assertTrue(write["details"]["stonewall"]["deadline_hit"], "-b 4g outlasts 0.3 s")
                self.check_status(os.path.join(d, "ior-easy", "stonewall"), n)
                path = base[base.index("-o") + 1]
                sizes = [os.path.getsize(rank_file(path, r)) for r in range(np)]
                self.assertEqual(sizes, [n * 2 * MiB] * np, "each rank's file holds the agreed count")
                self.check_csv(os.path.join(d, "ior-easy-write.csv"), write, np)
                for rank in range(np):  # last transfer, independently of the C++ pattern code
                    seed = pfsb.ior_fpp_seed(271, rank)
                    with open(rank_file(path, rank), "rb") as f:
                        f.seek((n - 1) * 2 * MiB)
                        self.assertEqual(f.read(4096), pfsb.Pattern(seed).expected((n - 1) * 2 * MiB, 4096))

                r = self.run_ok(np, base + ["-r", "-R", "-a", "POSIX", "-O",
                                            f"saveRankPerformanceDetailsCSV={d}/ior-easy-read.csv"],
                                os.path.join(d, "r.json"))
                read = r.doc["phases"][0]
                self.assertEqual(read["ops"], n * np, "the read does the status file's count")
                self.assertEqual(r.doc["verification"]["status"], "passed")
                self.assertEqual(r.doc["verification"]["checks"][0]["bytes"], n * np * 2 * MiB)
                self.check_csv(os.path.join(d, "ior-easy-read.csv"), read, np)
                self.assertEqual([os.path.getsize(rank_file(path, r)) for r in range(np)], sizes, "-k kept the files")

    def test_ior_hard_write_then_read_posix_and_collective_mpiio(self):
        for api, extra in (("POSIX", []), ("MPIIO", ["-c"])):
            for np in (1, 2, 4):
                with self.subTest(api=api, np=np), pfsb.temp_dir(pfsb.SHM) as d:
                    os.makedirs(os.path.join(d, "ior-hard"))
                    base = hard_params(d, 200000)
                    w = self.run_ok(np, base + ["-w", *extra, "-D", "0.3", "-a", api, "-O",
                                                f"saveRankPerformanceDetailsCSV={d}/hard-w.csv", "-O",
                                                "stoneWallingWearOut=1"], os.path.join(d, "w.json"))
                    write = w.doc["phases"][0]
                    n = self.check_stonewall(write, np, 47008)
                    self.assertLess(n, 200000, "the deadline stopped the phase")
                    self.check_status(os.path.join(d, "ior-hard.stonewall"), n)
                    # Segment-major shared file: n whole segments of np blocks.
                    self.assertEqual(os.path.getsize(os.path.join(d, "ior-hard", "file")), n * np * 47008)
                    self.check_csv(os.path.join(d, "hard-w.csv"), write, np)
                    r = self.run_ok(np, base + ["-r", "-R", *extra, "-a", api], os.path.join(d, "r.json"))
                    self.assertEqual(r.doc["phases"][0]["ops"], n * np)
                    self.assertEqual(r.doc["verification"]["status"], "passed")

    def test_ior_rnd4k_write_then_read(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                os.makedirs(os.path.join(d, "ior-rnd4K"))
                base = rnd4k_params(d)
                w = self.run_ok(np, base + ["-w", "-D", "0.3", "-a", "POSIX", "-O", "stoneWallingWearOut=1", "-O",
                                            f"saveRankPerformanceDetailsCSV={d}/rnd-w.csv"], os.path.join(d, "w.json"))
                write = w.doc["phases"][0]
                n = self.check_stonewall(write, np, 4096)
                self.assertTrue(write["details"]["random_offsets"])
                self.assertEqual(w.doc["config"]["random_offset_seed"], 123)
                self.assertEqual(w.doc["config"]["data_packet_type_requested"], "t")
                self.assertTrue(any("-l t" in x for x in w.doc["warnings"]), w.doc["warnings"])
                self.check_status(os.path.join(d, "ior-rnd4K.stonewall"), n)
                self.check_csv(os.path.join(d, "rnd-w.csv"), write, np)
                # Blocks stay in order: the file ends inside the segment that holds transfer n-1.
                per_block = MiB // 4096
                seg = (n - 1) // per_block
                size = os.path.getsize(os.path.join(d, "ior-rnd4K", "file"))
                self.assertLessEqual(size, (seg + 1) * np * MiB)
                self.assertGreater(size, seg * np * MiB)
                r = self.run_ok(np, base + ["-r", "-R", "-a", "POSIX"], os.path.join(d, "r.json"))
                self.assertEqual(r.doc["phases"][0]["ops"], n * np)
                self.assertEqual(r.doc["verification"]["status"], "passed",
                                 "the read visits the same random prefix the write left")


class RandomOffsets(unittest.TestCase):

    def test_minus_z_writes_each_offset_once_out_of_order(self):
        """strace the pwrites of one rank: the offsets of each block are a
        permutation, not the sequence, and the file verifies."""
        if not shutil.which("strace"):
            self.skipTest("strace is not installed (scripts/common.sh installs it)")
        with pfsb.temp_dir(pfsb.SHM) as d:
            trace, path = os.path.join(d, "trace"), os.path.join(d, "f")
            cmd = ["strace", "-f", "-qq", "-e", "trace=pwrite64", "-o", trace] + pfsb.mpi_cmd(
                TOOL, 1, ["-w", "-W", "-z", "-t", "4k", "-b", "64k", "-s", "3", "-o", path, "-k", "--quiet"])
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            offsets = []
            with open(trace) as f:
                for line in f:
                    if "pwrite64(" in line and ", 4096, " in line:
                        offsets.append(int(line.split(", 4096, ")[1].split(")")[0]))
            self.assertEqual(len(offsets), 48)
            self.assertEqual(sorted(offsets), list(range(0, 3 * 65536, 4096)), "each offset once")
            self.assertNotEqual(offsets, sorted(offsets), "not in sequence")
            for seg in range(3):  # blocks in order
                self.assertEqual(sorted(offsets[seg * 16:(seg + 1) * 16]), list(range(seg * 65536, (seg + 1) * 65536, 4096)))


def io500_easy(d):
    # IO500 isc26's ior-easy line as --dry-run prints it (less the phase flags)
    return ["--dataPacketType=timestamp", "-g", "-G", "1851471745", "-k", "-e",
            "-o", os.path.join(d, "ior-easy", "ior_file_easy"), "-C", "-Q", "1",
            "-O", f"stoneWallingStatusFile={d}/ior-easy.stonewall", "-t", "2m", "-b", "2048m", "-F"]


def io500_rnd4k_read(d, deadline="1"):
    # IO500 isc26's ior-rnd4K-easy-read line: -z -z over ior-easy's files
    return ["--dataPacketType=timestamp", "-g", "-G", "1851471745", "-k", "-e",
            "-o", os.path.join(d, "ior-easy", "ior_file_easy"), "-F", "-r", "-D", deadline, "-z", "-z", "-a", "POSIX",
            "-O", f"saveRankPerformanceDetailsCSV={d}/ior-rnd4K-easy-read.csv", "-t=4096", "-b=4096",
            "-s=10000000", "-O", "stoneWallingWearOut=1", "-C", "-Q", "2"]


class Io500Isc26Lines(unittest.TestCase):
    """IO500 isc26's exact ior lines (issue 16): ior-easy's read checks
    inside the timed read (IOR's READCHECK); ior-rnd4K-easy-read's -z -z
    reads random 4 KiB blocks over the existing files, verifiably, and says
    which offsets it visited."""

    def write_easy(self, np, d, deadline="1"):
        os.makedirs(os.path.join(d, "ior-easy"))
        w = pfsb.run_ok(self, TOOL, np, io500_easy(d) + ["-w", "-D", deadline, "-O", "stoneWallingWearOut=1", "-a",
                                                         "POSIX"], os.path.join(d, "w.json"))
        return w.doc["phases"][0]["details"]["transfers_per_rank"]["min"]

    def test_easy_read_checks_inside_the_timed_read_and_apart_on_request(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                n = self.write_easy(np, d, "0.5")
                r = pfsb.run_ok(self, TOOL, np, io500_easy(d) + ["-r", "-R", "-a", "POSIX"], os.path.join(d, "r.json"))
                read = r.doc["phases"][0]
                rc = read["details"]["read_check"]
                self.assertTrue(rc["in_window"])
                self.assertLessEqual(rc["check_duration_s"], read["duration_s"], "the check lies inside the phase")
                self.assertGreater(rc["check_duration_s"], 0)
                self.assertGreaterEqual(rc["bandwidth_without_check_bytes_per_s"], read["bandwidth_bytes_per_s"])
                checks = r.doc["verification"]["checks"]
                self.assertEqual(len(checks), 1)
                self.assertEqual(checks[0]["bytes"], n * np * 2 * MiB)
                self.assertTrue(checks[0]["passed"])
                self.assertEqual(r.doc["config"]["check_read_apart"], False)
                # --check-apart: the former pass of its own after the read
                a = pfsb.run_ok(self, TOOL, np, io500_easy(d) + ["-r", "-R", "--check-apart", "-a", "POSIX"],
                                os.path.join(d, "a.json"))
                self.assertNotIn("read_check", a.doc["phases"][0]["details"])
                self.assertEqual(a.doc["verification"]["checks"][0]["bytes"], n * np * 2 * MiB)
                self.assertEqual(a.doc["verification"]["status"], "passed")

    def test_in_window_check_finds_a_corrupt_byte(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            pfsb.run_ok(self, TOOL, 2, ["-w", "-k", "-t", "64k", "-b", "1m", "-o", path], os.path.join(d, "w.json"))
            with open(path, "r+b") as f:
                f.seek(1 * MiB + 5000)
                old = f.read(1)
                f.seek(1 * MiB + 5000)
                f.write(bytes([old[0] ^ 0xFF]))
            r = pfsb.run_tool(TOOL, 2, ["-r", "-R", "-k", "-t", "64k", "-b", "1m", "-o", path],
                              json_path=os.path.join(d, "r.json"), timeout=120)
            self.assertEqual(r.returncode, 3, r.stderr)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(len(r.doc["phases"]), 1, "the read phase is kept")
            m = r.doc["verification"]["first_mismatch"]
            self.assertEqual(m["offset_bytes"], 1 * MiB + 5000)
            self.assertEqual(m["rank"], 1)
            self.assertEqual(r.doc["phases"][0]["details"]["read_check"]["in_window"], True)

    def test_rnd4k_easy_read_minus_z_z_np124(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                n = self.write_easy(np, d, "0.5")
                r = pfsb.run_ok(self, TOOL, np, io500_rnd4k_read(d) + ["-R"], os.path.join(d, "r.json"))
                read = r.doc["phases"][0]
                rb = read["details"]["random_blocks"]
                self.assertEqual(rb["file_blocks"], n * 2 * MiB // 4096, "the range: the existing file's size")
                self.assertEqual(rb["transfers_visited"], read["ops"])
                self.assertGreater(read["ops"], 0)
                self.assertLessEqual(rb["distinct_offsets"], rb["transfers_visited"])
                self.assertLessEqual(rb["distinct_offsets"], np * rb["file_blocks"])
                self.assertGreater(rb["distinct_offsets"], 0)
                self.assertEqual(r.doc["config"]["random_offset_mode"], "random_blocks")
                self.assertEqual(r.doc["verification"]["status"], "passed", "random blocks of written data verify")
                self.assertEqual(r.doc["verification"]["checks"][0]["bytes"], read["bytes"])
                self.check_rank_csv(os.path.join(d, "ior-rnd4K-easy-read.csv"), np, read)
                sizes = [os.path.getsize(rank_file(os.path.join(d, "ior-easy", "ior_file_easy"), k)) for k in range(np)]
                self.assertEqual(sizes, [n * 2 * MiB] * np, "a read changes no file")

    def check_rank_csv(self, path, np, phase):
        with open(path) as f:
            rows = [line.rstrip("\n").split(",") for line in f]
        self.assertEqual([int(row[1]) for row in rows], list(range(np)))
        self.assertAlmostEqual(sum(float(row[4]) * float(row[2]) for row in rows), phase["bytes"],
                               delta=1e-6 * phase["bytes"])

    def test_rnd4k_offsets_match_the_preads_seen_by_strace(self):
        """One rank, strace: every pread is a whole 4 KiB block inside the
        file, the count and the distinct count equal the document's."""
        if not shutil.which("strace"):
            self.skipTest("strace is not installed (scripts/common.sh installs it)")
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            pfsb.run_ok(self, TOOL, 1, ["-w", "-k", "-t", "64k", "-b", "256k", "-s", "2", "-o", path],
                        os.path.join(d, "w.json"))
            trace, doc = os.path.join(d, "trace"), os.path.join(d, "r.json")
            cmd = ["strace", "-f", "-qq", "-e", "trace=pread64", "-o", trace] + pfsb.mpi_cmd(
                TOOL, 1, ["-r", "-R", "-z", "-z", "-t", "4k", "-b", "4k", "-s", "300", "-k", "-o", path,
                          "--json", doc, "--quiet"])
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
            offsets = []
            with open(trace) as f:
                for line in f:
                    if "pread64(" in line and ", 4096, " in line:
                        offsets.append(int(line.split(", 4096, ")[1].split(")")[0]))
            with open(doc) as f:
                rb = __import__("json").load(f)["phases"][0]["details"]["random_blocks"]
            self.assertEqual(len(offsets), 300)
            self.assertEqual(rb["file_blocks"], 128)
            self.assertTrue(all(o % 4096 == 0 and 0 <= o < 512 * 1024 for o in offsets), offsets)
            self.assertEqual(rb["transfers_visited"], len(offsets))
            self.assertEqual(rb["distinct_offsets"], len(set(offsets)))
            self.assertLess(len(set(offsets)), 300, "blocks repeat: 300 picks of 128")

    def test_minus_z_z_errors(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            cases = [
                (["-w", "-z", "-z", "-t", "4k", "-b", "4k", "-o", path], 2, "-z -z reads random blocks"),
                (["-w", "-r", "-z", "-t", "4k", "-b", "4k", "-o", path], 2, "holds a single -t"),
            ]
            for args, rc, needle in cases:
                with self.subTest(args=args):
                    r = pfsb.run_tool(TOOL, 2, args, timeout=60)
                    self.assertEqual(r.returncode, rc, r.stderr)
                    self.assertIn(needle, r.stderr)
                    self.assertFalse(os.path.exists(path), "no I/O before a usage error")
            with open(path, "wb") as f:
                f.write(b"x" * 1000)
            r = pfsb.run_tool(TOOL, 2, ["-r", "-z", "-z", "-t", "4k", "-b", "4k", "-k", "-o", path],
                              json_path=os.path.join(d, "s.json"), timeout=60)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("less than one block", r.stderr)
            self.assertEqual(r.doc["phases"], [])
            self.assertEqual(os.path.getsize(path), 1000, "the user's file is untouched")
            r = pfsb.run_tool(TOOL, 2, ["-r", "-z", "-z", "-t", "4k", "-b", "4k", "-o", os.path.join(d, "none")],
                              json_path=os.path.join(d, "n.json"), timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("write it first", r.stderr)


class Flags(unittest.TestCase):

    def test_minus_g_with_one_rank_failing_to_open_does_not_hang(self):
        """-g meets after open: rank 1's open fails (its file is a directory);
        every rank still reaches the meeting, the run ends with exit 1, the
        document names the file, and rank 0's file is removed."""
        for np in (2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                path = os.path.join(d, "f")
                os.mkdir(rank_file(path, 1))
                r = pfsb.run_tool(TOOL, np, ["-g", "-F", "-w", "-t", "4k", "-b", "64k", "-o", path, "--quiet"],
                                  os.path.join(d, "g.json"), timeout=120)
                self.assertEqual(r.returncode, 1, r)
                pfsb.assert_valid(self, r.doc)
                self.assertIn(rank_file(path, 1), " ".join(e["message"] for e in r.doc["errors"]))
                self.assertFalse(os.path.exists(rank_file(path, 0)), "files this run created are removed")

    def test_minus_n_runs_on_the_first_ranks(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 3, ["-N", "2", "-W", "-t", "4k", "-b", "64k", "-o", path, "--quiet"],
                              os.path.join(d, "n.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            for phase in r.doc["phases"]:
                self.assertEqual(phase["details"]["ranks"], 2)
                self.assertEqual(phase["bytes"], 2 * 65536)
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertEqual(r.doc["config"]["num_tasks"], 2)
            self.assertFalse(os.path.exists(path))

    def test_minus_n_errors_reach_every_rank(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            r = pfsb.run_tool(TOOL, 2, ["-N", "3", "-o", path], os.path.join(d, "a.json"))
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("-N 3 asks for more ranks than the job has (2)", r.stderr)
            os.mkdir(rank_file(path, 1))  # rank 1 of the first 2 fails; rank 2 only waits
            r = pfsb.run_tool(TOOL, 3, ["-N", "2", "-F", "-t", "4k", "-b", "64k", "-o", path, "--quiet"],
                              os.path.join(d, "b.json"), timeout=120)
            self.assertEqual(r.returncode, 1, r)
            pfsb.assert_valid(self, r.doc)
            self.assertIn(rank_file(path, 1), " ".join(e["message"] for e in r.doc["errors"]))

    def test_minus_e_keeps_the_existing_file_whole(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            with open(path, "wb") as f:
                f.write(b"x" * 300000)
            r = pfsb.run_tool(TOOL, 2, ["-E", "-W", "-t", "4k", "-b", "64k", "-o", path, "--quiet"],
                              os.path.join(d, "e.json"))
            self.assertEqual(r.returncode, 0, r)
            self.assertTrue(r.doc["config"]["use_existing"])
            self.assertEqual(r.doc["warnings"], [], "-E: no warning about the existing file")
            self.assertEqual(os.path.getsize(path), 300000, "never truncated, never removed")
            with open(path, "rb") as f:
                f.seek(131072)
                self.assertEqual(f.read(10), b"x" * 10, "bytes past the test's range untouched")
            missing = os.path.join(d, "new")
            r = pfsb.run_tool(TOOL, 1, ["-E", "-t", "4k", "-b", "64k", "-o", missing, "--quiet"])
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(os.path.getsize(missing), 65536, "-E creates a missing file and keeps it")

    def test_minus_t_stops_between_iterations(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 2, ["-T", "0.001", "-i", "20", "-d", "0.05", "-t", "4k", "-b", "64k", "-o",
                                        os.path.join(d, "f"), "--quiet"], os.path.join(d, "t.json"))
            self.assertEqual(r.returncode, 0, r)
            iterations = {p["iteration"] for p in r.doc["phases"]}
            self.assertLess(len(iterations), 20)
            self.assertEqual(len(r.doc["phases"]), 2 * len(iterations), "whole iterations only")
            self.assertTrue(any(w.startswith("-T 0.001: the run stopped after") for w in r.doc["warnings"]))

    def test_minus_q_stops_at_the_first_failed_check(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            path = os.path.join(d, "f")
            common = ["-t", "4k", "-b", "64k", "-o", path, "-k", "--quiet"]
            self.assertEqual(pfsb.run_tool(TOOL, 2, ["-w", "-G", "1", *common]).returncode, 0)
            r = pfsb.run_tool(TOOL, 2, ["-r", "-R", "-i", "3", "-G", "2", *common], os.path.join(d, "a.json"))
            self.assertEqual(r.returncode, 3, r)
            self.assertEqual(len(r.doc["phases"]), 3, "without -q every iteration runs")
            r = pfsb.run_tool(TOOL, 2, ["-r", "-R", "-q", "-i", "3", "-G", "2", *common], os.path.join(d, "q.json"))
            self.assertEqual(r.returncode, 3, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(len(r.doc["phases"]), 1)
            self.assertEqual(len(r.doc["verification"]["checks"]), 1)

    def test_min_time_duration_repeats_whole_passes(self):
        for extra in ([], ["-a", "MPIIO", "-c"]):
            with self.subTest(extra=extra), pfsb.temp_dir(pfsb.SHM) as d:
                r = pfsb.run_tool(TOOL, 2, ["-W", "-R", "-t", "4k", "-b", "64k", "-O", "minTimeDuration=0.3", "-o",
                                            os.path.join(d, "f"), "--quiet", *extra], os.path.join(d, "m.json"))
                self.assertEqual(r.returncode, 0, r)
                pfsb.assert_valid(self, r.doc)
                for phase in r.doc["phases"]:
                    self.assertGreaterEqual(phase["duration_s"], 0.3)
                    per_rank = phase["details"]["transfers_per_rank"]
                    self.assertGreater(per_rank["min"], 16, "more than one pass")
                    self.assertEqual(per_rank["min"] % 16, 0, "whole passes of 16 transfers")
                    self.assertEqual(per_rank["max"] % 16, 0)
                checks = {c["phase"]: c for c in r.doc["verification"]["checks"]}
                self.assertTrue(all(c["passed"] for c in checks.values()), checks)
                self.assertEqual(checks["write_check"]["bytes"], 2 * 65536, "-W reads back one pass")
                read = next(p for p in r.doc["phases"] if p["name"] == "read")
                self.assertEqual(checks["read_check"]["bytes"], read["bytes"], "-R checks every transfer read, as IOR")

    def test_summary_file_is_iors_json_beside_the_document(self):
        # IO500's "-O summaryFile=F -O summaryFormat=JSON": F gets IOR's JSON
        # (test_ior_mdtest_output checks its keys and numbers), --json ours.
        with pfsb.temp_dir(pfsb.SHM) as d:
            summary = os.path.join(d, "s.json")
            r = pfsb.run_tool(TOOL, 2, ["-t", "4k", "-b", "64k", "-o", os.path.join(d, "f"), "--quiet", "-O",
                                        f"summaryFile={summary}", "-O", "summaryFormat=JSON"],
                              os.path.join(d, "doc.json"))
            self.assertEqual(r.returncode, 0, r)
            pfsb.assert_valid(self, r.doc)
            self.assertEqual(len(r.doc["phases"]), 2)
            with open(summary) as f:
                ior = json.load(f)
            self.assertEqual([s["operation"] for s in ior["summary"]], ["write", "read"])
            self.assertEqual(len(ior["tests"][0]["Results"]), 2)

    def test_rank_csv_is_appended_to_as_ior_does(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            csv_path = os.path.join(d, "r.csv")
            for _ in range(2):
                r = pfsb.run_tool(TOOL, 2, ["-t", "4k", "-b", "64k", "-o", os.path.join(d, "f"), "--quiet", "-O",
                                            f"saveRankPerformanceDetailsCSV={csv_path}"])
                self.assertEqual(r.returncode, 0, r)
            with open(csv_path) as f:
                rows = [line.split(",")[:2] for line in f]
            self.assertEqual(rows, [["write", "0"], ["write", "1"], ["read", "0"], ["read", "1"]] * 2)

    def test_rank_csv_that_cannot_be_written_is_an_error_naming_it(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            csv_path = os.path.join(d, "missing", "r.csv")
            r = pfsb.run_tool(TOOL, 2, ["-t", "4k", "-b", "64k", "-o", os.path.join(d, "f"), "--quiet", "-O",
                                        f"saveRankPerformanceDetailsCSV={csv_path}"], os.path.join(d, "c.json"))
            self.assertEqual(r.returncode, 1, r)
            pfsb.assert_valid(self, r.doc)
            self.assertIn(csv_path, " ".join(e["message"] for e in r.doc["errors"]))
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["write"], "the measured phase is kept")
            self.assertFalse(os.path.exists(os.path.join(d, "f")), "the test file is removed")

    def test_verbose_levels(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            base = ["-w", "-t", "4k", "-b", "64k", "-o", os.path.join(d, "f"), "--quiet", "-D", "5"]
            one = pfsb.run_tool(TOOL, 2, base + ["-v"])
            two = pfsb.run_tool(TOOL, 2, base + ["-vv"])
            self.assertEqual((one.returncode, two.returncode), (0, 0), (one, two))
            self.assertIn("ior_like: write iteration 0: 2 ranks, open", one.stderr)
            self.assertIn("ior_like: write stonewall: deadline 5", one.stderr)
            self.assertNotIn("  rank 1 (", one.stderr)
            self.assertIn("  rank 1 (", two.stderr)
            self.assertNotIn("ior_like: write iteration", pfsb.run_tool(TOOL, 2, base).stderr)


if __name__ == "__main__":
    unittest.main()
