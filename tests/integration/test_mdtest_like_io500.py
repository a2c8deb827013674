"""mdtest_like's mdtest work per item and the flags IO500's mdtest lines use,
end to end under mpiexec at 1, 2 and 4 ranks:

- the stonewall status file (-x) written by a stonewalled create run and
  used by the next runs (stat, read, remove that many items); a missing,
  corrupt, empty or too large one is a clear usage error on every rank
  (exit 2, no hang, no I/O), and a status file that cannot be written fails
  the run after keeping the create phase;
- the system calls (strace -f): every item operation resolves mdtest's whole
  path (AT_FDCWD, "DIR/test-dir.0-0/mdtest_tree.0/mdtest_tree.1/file.mdtest.
  R.N") by default and one name under a directory fd with --path-resolution
  dirfd; -Y calls sync() once per item phase, -y fsync() once per file, -R
  visits the items in a seeded random order;
- -P, -G, -t each doing what they say;
- IO500's mdtest-easy and mdtest-hard lines, scaled down (-W 1), run
  unchanged, and their stonewall fields match the files on disk.
Every document is validated against the schema."""
import csv
import glob
import os
import re
import shutil
import subprocess
import unittest

import pfsb

TOOL = "mdtest_like"
# IO500's (isc26) mdtest lines, as its --dry-run prints them: + -n, -d, -x,
# the phase flags, --saveRankPerformanceDetails and -a POSIX.
EASY = ["--dataPacketType=timestamp", "-u", "-L", "-F", "-P", "-G", "-1557317757", "-N", "1"]
HARD = ["--dataPacketType=timestamp", "-t", "-w", "3901", "-e", "3901", "-P", "-G=-1557307069", "-N", "1", "-F"]
MDTEST_OPS = ["Directory creation", "Directory stat", "Directory read", "Directory rename", "Directory removal",
              "File creation", "File stat", "File read", "File removal", "Tree creation", "Tree removal"]


def run(testcase, np, args, d, expect_rc=0, name="r"):
    doc = os.path.join(d, f"{name}.{run.counter}.json")
    run.counter += 1
    r = pfsb.run_tool(TOOL, np, list(args), json_path=doc, timeout=120)
    testcase.assertEqual(r.returncode, expect_rc, r)
    testcase.assertIsNotNone(r.doc, r)
    pfsb.assert_valid(testcase, r.doc)
    return r


run.counter = 0


def phase(doc, name, iteration=0):
    return next(p for p in doc["phases"] if p["name"] == name and p["iteration"] == iteration)


def read_text(path):
    with open(path) as f:
        return f.read()


class StatusFile(unittest.TestCase):
    """Guards: -x carries the agreed count from a stonewalled create to the
    later runs, as IO500 splits mdtest's phases over runs; a bad file stops
    every rank with exit 2 before any I/O (IOR's rank 0 returned without the
    broadcast and the others hung)."""

    def test_written_by_create_used_by_stat_read_remove_np124(self):
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.SHM) as d:
                root, status = os.path.join(d, "md"), os.path.join(d, "md.stonewall")
                base = ["-F", "-n", "5000000", "-w", "64", "-e", "64", "-d", root, "-x", status]
                r = run(self, np, base + ["-C", "-W", "0.3"], d)
                sw = phase(r.doc, "file_create")["details"]["stonewall"]
                agreed = sw["items_per_rank_after_wearout"]
                self.assertLess(agreed, 5000000, "the stonewall must have stopped the create")
                self.assertEqual(read_text(status), f"{agreed}\n")
                self.assertEqual(r.doc["config"]["stonewall_status_file"], status)
                tree = os.path.join(root, "test-dir.0-0", "mdtest_tree.0")
                self.assertEqual(len(os.listdir(tree)), np * agreed, "files on disk = all ranks x agreed count")
                r = run(self, np, base + ["-T", "-E", "-X"], d)
                for name in ("file_stat", "file_read"):
                    self.assertEqual(phase(r.doc, name)["ops"], np * agreed, name)
                    self.assertEqual(phase(r.doc, name)["details"]["items_per_rank"], agreed, name)
                self.assertEqual(r.doc["verification"]["status"], "passed")
                r = run(self, np, base + ["-r"], d)
                self.assertEqual(phase(r.doc, "file_remove")["ops"], np * agreed)
                self.assertEqual(os.listdir(root), [], "-r removed every file and the tree")

    def test_missing_corrupt_empty_too_large_is_usage_error_on_all_ranks(self):
        cases = [(None, "cannot be read", "ENOENT"),
                 ("abc\n", "'abc', not one non-negative integer", "run the create phase"),
                 ("", "it is empty", "-x"),
                 ("12 13\n", "'12 13'", "-x"),
                 ("-5\n", "'-5'", "-x"),
                 ("99999999999999999999999\n", "too large", "-x"),
                 ("11\n", "holds 11 items per rank, more than the 10", "give the options")]
        for np in (1, 2, 4):
            for content, text, text2 in cases:
                with self.subTest(np=np, content=content), pfsb.temp_dir(pfsb.SHM) as d:
                    status = os.path.join(d, "s")
                    if content is not None:
                        with open(status, "w") as f:
                            f.write(content)
                    root = os.path.join(d, "md")
                    r = run(self, np, ["-T", "-F", "-n", "10", "-d", root, "-x", status], d, expect_rc=2)
                    self.assertEqual(r.doc["phases"], [])
                    self.assertEqual(r.doc["errors"][0]["kind"], "usage")
                    errs = [ln for ln in r.stderr.splitlines() if ln.startswith("mdtest_like: error:")]
                    self.assertEqual(len(errs), 1, r.stderr)
                    self.assertIn(f"-x {status}", errs[0])
                    self.assertIn(text, errs[0])
                    self.assertIn(text2, errs[0])
                    self.assertFalse(os.path.exists(root), "nothing may be touched before the count is known")

    def test_unwritable_status_file_fails_after_keeping_the_create(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            status = os.path.join(d, "no-such-dir", "s")
            r = run(self, 2, ["-C", "-F", "-n", "5", "-d", root, "-x", status], d, expect_rc=1)
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["tree_create", "file_create"])
            self.assertIn("stonewall status file", r.stderr)
            self.assertIn("ENOENT", r.stderr)


def strace_run(testcase, np, args, d):
    """Runs the tool under `strace -f`, one trace file per process; returns
    the run and the syscall lines of all ranks (pids dropped)."""
    if shutil.which("strace") is None:
        testcase.skipTest("strace is not installed (scripts/common.sh installs it)")
    prefix = os.path.join(d, "trace")
    cmd = pfsb.MPIEXEC + ["-n", str(np), "strace", "-f", "-qq", "-ff", "-o", prefix,
                          "-e", "trace=openat,newfstatat,unlinkat,mkdirat,sync,fsync",
                          pfsb.tool_path(TOOL)] + list(args) + ["--quiet"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    testcase.assertEqual(r.returncode, 0, r.stderr)
    per_pid = {}
    for path in glob.glob(prefix + ".*"):
        per_pid[path] = read_text(path).splitlines()
    return per_pid


def calls(per_pid, pattern):
    rx = re.compile(pattern)
    return [m for lines in per_pid.values() for ln in lines for m in [rx.search(ln)] if m]


class Syscalls(unittest.TestCase):
    """Guards: the paths the tool resolves are mdtest's layout, the whole path
    for every item by default (what makes rates compare with mdtest's)."""

    def test_full_path_per_item_matches_mdtest_layout(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            # -z 1 -b 2: 3 tree dirs, 2 items per dir and rank
            per_pid = strace_run(self, 2, ["-F", "-n", "6", "-z", "1", "-b", "2", "-w", "8", "-e", "8",
                                           "-Y", "-y", "-d", root], d)
            it = f"{root}/test-dir.0-0"
            dirs = {0: "mdtest_tree.0", 1: "mdtest_tree.0/mdtest_tree.1", 2: "mdtest_tree.0/mdtest_tree.2"}
            want = {f"{it}/{dirs[n // 2]}/file.mdtest.{r}.{n}" for r in (0, 1) for n in range(6)}
            for what, rx in (("create", r'openat\(AT_FDCWD, "([^"]+)", O_WRONLY\|O_CREAT\|O_EXCL'),
                             ("stat", r'newfstatat\(AT_FDCWD, "([^"]+/file\.mdtest[^"]+)"'),
                             ("read", r'openat\(AT_FDCWD, "([^"]+/file\.mdtest[^"]+)", O_RDONLY'),
                             ("remove", r'unlinkat\(AT_FDCWD, "([^"]+/file\.mdtest[^"]+)", 0\)')):
                got = [m.group(1) for m in calls(per_pid, rx)]
                self.assertEqual(sorted(got), sorted(want), what)  # each item once, by its whole path
            tree = sorted(m.group(1) for m in calls(per_pid, r'mkdirat\(AT_FDCWD, "([^"]+)"'))
            self.assertEqual(tree, sorted(f"{it}/{p}" for p in dirs.values()), "rank 0 makes the shared tree")
            # -Y: one sync() per item phase and rank (create, stat, read, remove)
            self.assertEqual(len(calls(per_pid, r"^sync\(\)")), 2 * 4)
            # -y: one fsync per file written
            self.assertEqual(len(calls(per_pid, r"^fsync\(")), 12)

    def test_dirfd_mode_one_name_under_a_directory_fd(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            per_pid = strace_run(self, 2, ["-F", "-n", "3", "-C", "-T", "--path-resolution", "dirfd",
                                           "-d", root], d)
            names = sorted(m.group(2) for m in calls(per_pid, r'openat\((\d+), "(file\.mdtest[^"]+)", O_WRONLY'))
            self.assertEqual(names, sorted(f"file.mdtest.{r}.{n}" for r in (0, 1) for n in range(3)))
            stats = calls(per_pid, r'newfstatat\((\d+), "(file\.mdtest[^"]+)"')
            self.assertEqual(len(stats), 6)
            self.assertEqual(calls(per_pid, r'(openat|newfstatat)\(AT_FDCWD, "[^"]*file\.mdtest'), [],
                             "no item path is resolved whole in dirfd mode")

    def test_random_order_is_a_seeded_permutation(self):
        orders = {}
        for seed in (5, 5, 6):
            with pfsb.temp_dir(pfsb.SHM) as d:
                root = os.path.join(d, "md")
                per_pid = strace_run(self, 1, ["-F", "-n", "40", "-C", "-T", "--random-seed", str(seed),
                                               "-d", root], d)
                rx = r'newfstatat\(AT_FDCWD, "[^"]+/file\.mdtest\.0\.(\d+)"'
                order = [int(m.group(1)) for m in calls(per_pid, rx)]
                self.assertEqual(sorted(order), list(range(40)), "every item stat'ed once")
                self.assertNotEqual(order, list(range(40)), "-R: not in order")
                orders.setdefault(seed, []).append(order)
        self.assertEqual(orders[5][0], orders[5][1], "the same seed gives the same order")
        self.assertNotEqual(orders[5][0], orders[6][0])


class Flags(unittest.TestCase):
    def test_print_rate_and_time(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = run(self, 2, ["-F", "-n", "5", "-P", "-d", os.path.join(d, "md")], d)
            self.assertIn("SUMMARY time", r.stdout)
            self.assertIn("SUMMARY rate", r.stdout)
            self.assertTrue(r.doc["config"]["print_rate_and_time"])
            r = run(self, 2, ["-F", "-n", "5", "-d", os.path.join(d, "md")], d)
            self.assertNotIn("SUMMARY time", r.stdout)

    def test_data_seed_written_and_checked(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            r = run(self, 2, ["-C", "-F", "-n", "4", "-w", "4k", "-G", "7", "-d", root], d)
            self.assertEqual(r.doc["config"]["data_seed"], 7)
            r = run(self, 2, ["-E", "-F", "-n", "4", "-e", "4k", "-X", "-G=7", "-d", root], d)
            self.assertEqual(r.doc["verification"]["status"], "passed")
            r = run(self, 2, ["-E", "-F", "-n", "4", "-e", "4k", "-X", "-G", "8", "-d", root], d, expect_rc=3)
            self.assertEqual(phase(r.doc, "file_read")["details"]["verify"]["files_mismatched"], 8)

    def test_time_dir_overhead_both_path_modes(self):
        for mode in ("full", "dirfd"):
            with self.subTest(mode=mode), pfsb.temp_dir(pfsb.SHM) as d:
                r = run(self, 2, ["-t", "-u", "-z", "1", "-b", "2", "-n", "6", "--path-resolution", mode,
                                  "-d", os.path.join(d, "md")], d)
                self.assertTrue(r.doc["config"]["time_working_dir_overhead"])
                self.assertEqual(r.doc["config"]["path_resolution"], mode)
                for p in r.doc["phases"]:
                    if not p["name"].startswith("tree"):
                        self.assertEqual(p["ops"], 12, p["name"])
                self.assertEqual(os.listdir(os.path.join(d, "md")) if os.path.exists(os.path.join(d, "md"))
                                 else [], [])

    def test_random_seed_recorded(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = run(self, 2, ["-F", "-n", "5", "-R", "-d", os.path.join(d, "md")], d)
            seed = phase(r.doc, "file_stat")["details"]["random_seed"]
            self.assertEqual(phase(r.doc, "file_read")["details"]["random_seed"], seed)
            self.assertNotIn("random_seed", phase(r.doc, "file_create")["details"])
            self.assertIsNone(r.doc["config"]["random_seed"])


class Io500Lines(unittest.TestCase):
    """Guards the 'Done when' of issue 9: IO500's mdtest-easy and mdtest-hard
    lines (write with -C -Y -W, then stat, read, delete as separate runs)
    run unchanged, scaled down, and their stonewall fields can be checked
    against the files on disk."""

    def check_write(self, r, root, np, tree, size):
        create = phase(r.doc, "file_create")
        sw = create["details"]["stonewall"]
        agreed = sw["items_per_rank_after_wearout"]
        self.assertEqual(sw["items_at_stonewall_max"], agreed)
        self.assertLessEqual(sw["items_at_stonewall_min"], agreed)
        self.assertEqual(create["ops"], np * agreed)
        self.assertEqual(create["bytes"], np * agreed * size)
        files = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(root, "test-dir.0-0")) for f in fs]
        self.assertEqual(len(files), np * agreed, "files on disk")
        self.assertEqual(sum(os.path.getsize(f) for f in files), create["bytes"], "bytes on disk")
        self.assertTrue(all(f.startswith(os.path.join(root, "test-dir.0-0", tree)) for f in files
                            if "file.mdtest.0." in f))
        self.assertIn("SUMMARY time", r.stdout)
        return agreed

    def check_csv(self, path, np, items_per_rank, doc, ops):
        """mdtest's --saveRankPerformanceDetails format (StoreRankInformation):
        the header, an 'all' row (items per rank; per operation all items /
        the slowest rank's time between barriers), then per rank its own
        items / its time before the closing barrier, item operations only.
        `ops`: {mdtest operation name: our phase name} of what ran."""
        with open(path) as f:
            rows = list(csv.reader(f))
        header = ["rank", "items"] + [f"{k}-{op}" for op in MDTEST_OPS for k in ("rate", "time")]
        self.assertEqual(rows[0], header)
        self.assertEqual(rows[1][0], "all")
        self.assertEqual(rows[1][1], str(items_per_rank))
        self.assertEqual(len(rows[1]), 24)
        for i, op in enumerate(MDTEST_OPS):
            rate, time = rows[1][2 + 2 * i], rows[1][3 + 2 * i]
            if op not in ops:
                self.assertEqual((rate, time), ("", ""), op)
                continue
            p = phase(doc, ops[op])
            items = p["ops"] if not op.startswith("Tree") else np * 1  # mdtest: every rank counts the tree (1 dir)
            self.assertAlmostEqual(float(time), p["duration_s"], delta=1e-9 * max(1.0, p["duration_s"]))
            self.assertAlmostEqual(float(rate) * float(time), items, delta=1e-6 * items, msg=op)
        self.assertEqual(len(rows), 2 + np)
        for r, row in enumerate(rows[2:]):
            self.assertEqual(len(row), 20, row)
            self.assertEqual(row[:2], [str(r), ""])
            for i, op in enumerate(MDTEST_OPS[:9]):
                rate, time = row[2 + 2 * i], row[3 + 2 * i]
                if op not in ops:
                    self.assertEqual((rate, time), ("", ""))
                    continue
                self.assertAlmostEqual(float(rate) * float(time), items_per_rank, delta=1e-6 * items_per_rank)
                self.assertLessEqual(float(time), phase(doc, ops[op])["duration_s"] * (1 + 1e-9))

    def check_line_warnings(self, doc, seed):
        self.assertEqual(doc["config"]["data_seed"], seed, "mdtest's -G is a signed int")
        self.assertEqual(doc["config"]["data_packet_type_requested"], "timestamp")
        self.assertTrue(any("--dataPacketType=timestamp" in w for w in doc["warnings"]), doc["warnings"])

    def test_mdtest_easy_and_hard_np124(self):
        """The exact lines (negative -G in both forms, --dataPacketType,
        --saveRankPerformanceDetails) at 1, 2 and 4 ranks, -W 1."""
        for np in (1, 2, 4):
            with self.subTest(np=np), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                self.easy_and_hard(np, d)

    def easy_and_hard(self, np, d):
        data, res = os.path.join(d, "datadir"), os.path.join(d, "resdir")
        os.mkdir(data)
        os.mkdir(res)

        def csvs(name):
            return [f"--saveRankPerformanceDetails={res}/{name}.csv"]
        # mdtest-easy: write, stat, delete
        easy = ["-n", "200000"] + EASY + ["-d", f"{data}/mdtest-easy", "-x", f"{res}/mdtest-easy.stonewall"]
        r = run(self, np, easy + ["-C", "-Y", "-W", "1"] + csvs("easy-w") + ["-a", "POSIX"], d)
        agreed = self.check_write(r, f"{data}/mdtest-easy", np, "mdtest_tree.0.0", 0)
        self.check_line_warnings(r.doc, -1557317757)
        self.assertEqual(read_text(f"{res}/mdtest-easy.stonewall"), f"{agreed}\n")
        self.check_csv(f"{res}/easy-w.csv", np, agreed, r.doc,
                       {"File creation": "file_create", "Tree creation": "tree_create"})
        r = run(self, np, easy + ["-T"] + csvs("easy-t") + ["-a", "POSIX"], d)
        self.assertEqual(phase(r.doc, "file_stat")["ops"], np * agreed)
        self.check_csv(f"{res}/easy-t.csv", np, agreed, r.doc, {"File stat": "file_stat"})
        r = run(self, np, easy + ["-r"] + csvs("easy-r") + ["-a", "POSIX"], d)
        self.assertEqual(phase(r.doc, "file_remove")["ops"], np * agreed)
        self.check_csv(f"{res}/easy-r.csv", np, agreed, r.doc,
                       {"File removal": "file_remove", "Tree removal": "tree_remove"})
        self.assertEqual(os.listdir(f"{data}/mdtest-easy"), [])
        # mdtest-hard: write, stat, read (verified), delete
        hard = ["-n", "200000"] + HARD + ["-d", f"{data}/mdtest-hard", "-x", f"{res}/mdtest-hard.stonewall"]
        r = run(self, np, hard + ["-C", "-Y", "-W", "1"] + csvs("hard-w") + ["-a", "POSIX"], d)
        agreed = self.check_write(r, f"{data}/mdtest-hard", np, "mdtest_tree.0", 3901)
        self.check_line_warnings(r.doc, -1557307069)
        self.assertEqual(read_text(f"{res}/mdtest-hard.stonewall"), f"{agreed}\n")
        self.check_csv(f"{res}/hard-w.csv", np, agreed, r.doc,
                       {"File creation": "file_create", "Tree creation": "tree_create"})
        r = run(self, np, hard + ["-T"] + csvs("hard-t") + ["-a", "POSIX"], d)
        self.assertEqual(phase(r.doc, "file_stat")["ops"], np * agreed)
        r = run(self, np, hard + ["-E", "-X"] + csvs("hard-e") + ["-a", "POSIX"], d)
        self.assertEqual(phase(r.doc, "file_read")["bytes"], np * agreed * 3901)
        self.assertEqual(r.doc["verification"]["status"], "passed", "the bytes seeded by the negative -G")
        self.check_csv(f"{res}/hard-e.csv", np, agreed, r.doc, {"File read": "file_read"})
        if np == 2:  # another -G: other bytes, the check fails (exit 3)
            other = [a if a != "-G=-1557307069" else "-G=-1557307068" for a in hard]
            r = run(self, np, other + ["-E", "-X", "-a", "POSIX"], d, expect_rc=3)
            self.assertEqual(r.doc["verification"]["status"], "failed")
        r = run(self, np, hard + ["-r"] + csvs("hard-r") + ["-a", "POSIX"], d)
        self.assertEqual(phase(r.doc, "file_remove")["ops"], np * agreed)
        self.assertEqual(os.listdir(f"{data}/mdtest-hard"), [])

    def test_bad_signed_seed_and_packet_type_are_usage_errors(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            for args, needle in ((["-G", "-2147483649"], "-G,--data-seed '-2147483649' is not an integer"),
                                 (["-G=12x"], "-G,--data-seed '12x' is not an integer"),
                                 (["--dataPacketType=z"], "--dataPacketType")):
                with self.subTest(args=args):
                    r = pfsb.run_tool(TOOL, 2, ["-n", "4", "-F", "-C", "-d", f"{d}/md"] + args, timeout=60)
                    self.assertEqual(r.returncode, 2, r)
                    self.assertIn(needle, r.stderr)
                    self.assertFalse(os.path.exists(f"{d}/md"), "no I/O before a usage error")

    def test_rank_csv_that_cannot_be_written_stops_before_any_item(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = run(self, 2, ["-n", "4", "-F", "-C", "-d", f"{d}/md",
                              f"--saveRankPerformanceDetails={d}/no/such/dir/x.csv"], d, expect_rc=1)
            self.assertIn("--saveRankPerformanceDetails", r.stderr)
            self.assertIn(f"{d}/no/such/dir/x.csv", r.stderr)
            self.assertEqual(r.doc["phases"], [])
            self.assertEqual(r.doc["status"], "failed")


if __name__ == "__main__":
    unittest.main()
