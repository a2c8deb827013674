"""mdtest_like end to end under mpiexec: all ranks in ONE shared directory at
1, 2 and 4 ranks on a disk temp dir and on /dev/shm (item counts = ranks x n),
files present after -C and gone after -r while a user file survives, create
into an existing tree fails cleanly (exit 1, status failed, nothing counted),
-n 1 one file per rank, ENOSPC on a tmpfs with 64 inodes, -u trees, -N and
-W, -X catching a corrupted file, a symlink in the tree never followed, and
refused mdtest flags. Every document is validated against the schema."""
import json
import os
import shutil
import signal
import unittest

import pfsb

TOOL = "mdtest_like"
ALL_PHASES = ["tree_create", "dir_create", "dir_stat", "dir_remove",
              "file_create", "file_stat", "file_read", "file_remove", "tree_remove"]


def run(testcase, np, args, d, expect_rc=0):
    doc = os.path.join(d, f"r{run.counter}.json")
    run.counter += 1
    r = pfsb.run_tool(TOOL, np, list(args), json_path=doc)
    testcase.assertEqual(r.returncode, expect_rc, r)
    testcase.assertIsNotNone(r.doc, r)
    pfsb.assert_valid(testcase, r.doc)
    return r


run.counter = 0


def phases(doc):
    return {(p["name"], p["iteration"]): p for p in doc["phases"]}


def shared_dir(root, iteration=0):
    """The root of the tree all ranks share: mdtest's DIR/test-dir.<i>-0/mdtest_tree.0."""
    return os.path.join(root, f"test-dir.{iteration}-0", "mdtest_tree.0")


class SharedDirectory(unittest.TestCase):
    """Guards: every rank's items land in the one shared directory, every
    phase counts ranks x n items, and the run leaves nothing behind."""

    def test_all_phases_counts_np124_disk_and_shm(self):
        n = 40
        for base in (pfsb.DISK_TMP, pfsb.SHM):
            for np in (1, 2, 4):
                with self.subTest(base=base, np=np), pfsb.temp_dir(base) as d:
                    root = os.path.join(d, "md")
                    r = run(self, np, ["-n", str(n), "-w", "4k", "-e", "4k", "-X", "-d", root], d)
                    doc = r.doc
                    self.assertEqual(doc["status"], "ok")
                    self.assertEqual([p["name"] for p in doc["phases"]], ALL_PHASES)
                    for p in doc["phases"]:
                        want = 1 if p["name"].startswith("tree") else np * n
                        self.assertEqual(p["ops"], want, p["name"])
                        self.assertEqual(p["latency"]["count"], want, p["name"])
                        self.assertTrue(p["details"]["shared_directory"])
                        # ops_per_s = all items / the slowest rank's time between barriers
                        self.assertAlmostEqual(p["ops_per_s"], p["ops"] / p["duration_s"], delta=1e-6 * p["ops_per_s"])
                        self.assertGreaterEqual(p["duration_s"], p["details"]["duration_before_barrier_s"])
                        self.assertEqual(p["details"]["ranks"], np)
                    ph = phases(doc)
                    self.assertEqual(ph[("file_create", 0)]["bytes"], np * n * 4096)
                    self.assertEqual(ph[("file_read", 0)]["bytes"], np * n * 4096)
                    series = ph[("file_create", 0)]["details"]["rate_series"]
                    self.assertAlmostEqual(sum(series["values"]) * series["interval_s"], np * n, places=6)
                    self.assertEqual(doc["verification"]["status"], "passed")
                    self.assertEqual(doc["verification"]["checks"][0]["bytes"], np * n * 4096)
                    self.assertEqual(doc["config"]["items_per_rank"], n)
                    self.assertFalse(os.path.exists(root), "the run created -d and must remove it with -r")
                    self.assertIn("File creation", r.stdout)
                    self.assertIn("SUMMARY rate (in ops/sec)", r.stdout)

    def test_create_then_remove_leaves_user_files(self):
        for base in (pfsb.DISK_TMP, pfsb.SHM):
            with self.subTest(base=base), pfsb.temp_dir(base) as d:
                root = os.path.join(d, "md")
                r = run(self, 2, ["-C", "-n", "10", "-d", root], d)
                self.assertEqual([p["name"] for p in r.doc["phases"]], ["tree_create", "dir_create", "file_create"])
                shared = shared_dir(root)
                names = set(os.listdir(shared))
                want = {f"{k}.mdtest.{rank}.{j}" for k in ("file", "dir") for rank in (0, 1) for j in range(10)}
                self.assertEqual(names, want)
                self.assertTrue(all(os.path.isfile(os.path.join(shared, f"file.mdtest.{rk}.{j}"))
                                    for rk in (0, 1) for j in range(10)))
                # A user's files beside the run's, in the shared dir and in -d.
                for p in (os.path.join(shared, "user.txt"), os.path.join(root, "keep.txt")):
                    with open(p, "w") as f:
                        f.write("mine")
                r = run(self, 2, ["-r", "-n", "10", "-d", root], d)
                self.assertEqual(r.doc["status"], "ok")
                self.assertEqual([p["name"] for p in r.doc["phases"]], ["dir_remove", "file_remove", "tree_remove"])
                self.assertEqual(os.listdir(shared), ["user.txt"])
                for p in (os.path.join(shared, "user.txt"), os.path.join(root, "keep.txt")):
                    with open(p) as f:
                        self.assertEqual(f.read(), "mine")
                ph = phases(r.doc)
                self.assertEqual(ph[("file_remove", 0)]["ops"], 20)
                self.assertEqual(ph[("tree_remove", 0)]["ops"], 0)
                self.assertEqual(ph[("tree_remove", 0)]["details"]["kept_dirs"], 1)
                self.assertTrue(any("did not create" in w for w in r.doc["warnings"]))

    def test_create_into_existing_tree_fails_cleanly(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            run(self, 2, ["-C", "-F", "-n", "5", "-d", root], d)
            before = sorted(os.listdir(shared_dir(root)))
            r = run(self, 2, ["-C", "-F", "-n", "5", "-d", root], d, expect_rc=1)
            self.assertEqual(r.doc["status"], "failed")
            self.assertEqual(r.doc["phases"], [], "nothing may be counted as created")
            msg = " ".join(e["message"] for e in r.doc["errors"])
            self.assertIn("EEXIST", msg)
            self.assertIn("test-dir.0", msg)
            self.assertIn("earlier run", r.stderr)
            self.assertEqual(sorted(os.listdir(shared_dir(root))), before, "the earlier tree must be untouched")

    def test_one_file_per_rank(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            root = os.path.join(d, "md")
            r = run(self, 4, ["-n", "1", "-C", "-d", root], d)
            ph = phases(r.doc)
            self.assertEqual(ph[("file_create", 0)]["ops"], 4)
            self.assertEqual(ph[("file_create", 0)]["details"]["active_ranks"], 4)
            self.assertEqual(sorted(f for f in os.listdir(shared_dir(root)) if f.startswith("file.")),
                             [f"file.mdtest.{rk}.0" for rk in range(4)])


class Failures(unittest.TestCase):
    def test_enospc_small_tmpfs(self):
        with pfsb.small_mount(self, "tmpfs", "1m", "nr_inodes=64") as mnt:
            root = os.path.join(mnt, "md")
            with pfsb.temp_dir(pfsb.DISK_TMP) as d:
                r = run(self, 2, ["-F", "-n", "100", "-d", root], d, expect_rc=1)
                self.assertEqual(r.doc["status"], "failed")
                msg = " ".join(e["message"] for e in r.doc["errors"])
                self.assertIn("ENOSPC", msg)
                self.assertIn("file.mdtest.", msg)
                self.assertIn("create", msg)
                # the tree was created and is kept in the document; no file phase was counted
                self.assertEqual([p["name"] for p in r.doc["phases"]], ["tree_create"])
                # -r was asked (no phase flag): what the run made is gone again
                self.assertEqual(os.listdir(mnt), [])

    def test_symlink_in_tree_not_followed(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            run(self, 2, ["-C", "-F", "-n", "3", "-d", root], d)
            elsewhere = os.path.join(d, "elsewhere")
            shutil.move(shared_dir(root), elsewhere)
            os.symlink(elsewhere, shared_dir(root))
            r = run(self, 2, ["-r", "-F", "-n", "3", "-d", root], d, expect_rc=1)
            self.assertEqual(r.doc["status"], "failed")
            self.assertIn("symlink", " ".join(e["message"] for e in r.doc["errors"]))
            self.assertEqual(len(os.listdir(elsewhere)), 6, "files behind the symlink must survive")

    def test_verify_finds_corrupted_file(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            run(self, 2, ["-C", "-F", "-n", "4", "-w", "4k", "-d", root], d)
            victim = os.path.join(shared_dir(root), "file.mdtest.1.2")
            with open(victim, "r+b") as f:
                f.seek(1000)
                f.write(b"\0\0\0")
            r = run(self, 2, ["-E", "-F", "-n", "4", "-e", "4k", "-X", "-d", root], d, expect_rc=3)
            self.assertEqual(r.doc["status"], "verify_failed")
            m = r.doc["verification"]["first_mismatch"]
            self.assertTrue(m["path"].endswith("file.mdtest.1.2"), m)
            self.assertEqual(m["offset_bytes"], 1000)
            self.assertEqual(m["found"], 0)
            self.assertEqual(m["rank"], 1)
            self.assertEqual(phases(r.doc)[("file_read", 0)]["details"]["verify"]["files_mismatched"], 1)

    def test_first_mismatch_is_the_lowest_offset_over_ranks(self):
        """Core's rule (mismatch.hpp), through core's struct gather: rank 0
        finds a wrong byte at 2000, rank 1 at 1000; the first mismatch is
        rank 1's. (mdtest_like used to send text and take the lowest rank.)"""
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            run(self, 2, ["-C", "-F", "-n", "4", "-w", "4k", "-d", root], d)
            for name, offset in (("file.mdtest.0.1", 2000), ("file.mdtest.1.2", 1000)):
                with open(os.path.join(shared_dir(root), name), "r+b") as f:
                    f.seek(offset)
                    f.write(b"\0\0")
            r = run(self, 2, ["-E", "-F", "-n", "4", "-e", "4k", "-X", "-d", root], d, expect_rc=3)
            m = r.doc["verification"]["first_mismatch"]
            self.assertTrue(m["path"].endswith("file.mdtest.1.2"), m)
            self.assertEqual((m["offset_bytes"], m["rank"], m["found"]), (1000, 1, 0))
            self.assertEqual(phases(r.doc)[("file_read", 0)]["details"]["verify"]["files_mismatched"], 2)

    def test_sigterm_keeps_finished_phases_and_cleans_up(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            doc = os.path.join(d, "r.json")

            def tree_done():
                return any(p["name"] == "tree_create" for p in pfsb.checkpoint_phases(doc))

            proc = pfsb.start_tool(TOOL, 2, ["-F", "-n", "5000000", "-d", root], json_path=doc)
            try:
                self.assertTrue(pfsb.wait_for(tree_done, 60), "no checkpoint with tree_create")
                pfsb.signal_ranks(TOOL, proc, signal.SIGTERM)
                proc.communicate(timeout=120)
            finally:
                if proc.poll() is None:
                    proc.kill()
            self.assertEqual(proc.returncode, 4)
            with open(doc) as f:
                r = json.load(f)
            pfsb.assert_valid(self, r)
            self.assertEqual(r["status"], "interrupted")
            self.assertEqual([p["name"] for p in r["phases"]], ["tree_create"])
            self.assertFalse(os.path.exists(root), "with -r, an interrupted run removes what it created")

    def test_refused_and_bad_flags(self):
        cases = [(["-B", "-n", "1"], "not implemented"),
                 (["-Z", "-n", "1"], "not implemented"),
                 (["-U", "-n", "1"], "not implemented"),
                 (["-x", "f", "-n", "1"], "-F"),
                 (["-R", "-C", "-n", "1"], "-R"),
                 (["-y", "-C", "-F", "-n", "1"], "-y"),
                 (["--path-resolution", "abs", "-n", "1"], "full|dirfd"),
                 (["-F", "-D", "-n", "1"], "-F and -D"),
                 (["-a", "MPIIO", "-n", "1"], "POSIX"),
                 (["-z", "2", "-b", "2", "-n", "3"], "fewer than the 7 directories"),
                 ([], "no items"),
                 (["-n", "2", "-X"], "-X")]
        with pfsb.temp_dir(pfsb.SHM) as d:
            for args, text in cases:
                with self.subTest(args=args):
                    r = pfsb.run_tool(TOOL, 2, args + ["-d", os.path.join(d, "md")])
                    self.assertEqual(r.returncode, 2, r)
                    self.assertIn("mdtest_like: error:", r.stderr)
                    self.assertIn(text, r.stderr)
                    self.assertFalse(os.path.exists(os.path.join(d, "md")), "no I/O before a usage error")


class TreesStrideStonewall(unittest.TestCase):
    def test_unique_trees_depth_branch(self):
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            root = os.path.join(d, "md")
            r = run(self, 2, ["-u", "-z", "2", "-b", "2", "-n", "14", "-C", "-F", "-d", root], d)
            ph = phases(r.doc)
            self.assertEqual(ph[("tree_create", 0)]["ops"], 14)  # 7 dirs x 2 ranks
            self.assertEqual(ph[("file_create", 0)]["ops"], 28)
            it = os.path.join(root, "test-dir.0-0")
            # mdtest's names with -u: mdtest_tree.<rank>.<k>, k breadth-first
            self.assertEqual(sorted(os.listdir(it)), ["mdtest_tree.0.0", "mdtest_tree.1.0"])
            leaf = os.path.join(it, "mdtest_tree.1.0", "mdtest_tree.1.2", "mdtest_tree.1.6")
            self.assertEqual(sorted(f for f in os.listdir(leaf) if f.startswith("file.")),
                             ["file.mdtest.1.12", "file.mdtest.1.13"])
            r = run(self, 2, ["-u", "-z", "2", "-b", "2", "-n", "14", "-r", "-F", "-d", root], d)
            self.assertEqual(phases(r.doc)[("tree_remove", 0)]["ops"], 14)
            self.assertEqual(os.listdir(root), [], "-d was made by the first run: it stays, empty")

    def test_stride_and_stonewall_wearout(self):
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "md")
            r = run(self, 2, ["-F", "-N", "1", "-W", "0.3", "-n", "1000000", "-i", "2", "-d", root], d)
            for i in (0, 1):
                ph = phases(r.doc)
                create = ph[("file_create", i)]
                sw = create["details"]["stonewall"]
                per_rank = sw["items_per_rank_after_wearout"]
                self.assertLess(per_rank, 1000000)
                self.assertEqual(sw["items_at_stonewall_max"], per_rank)
                self.assertLessEqual(sw["items_at_stonewall_total"], 2 * per_rank)
                self.assertEqual(create["ops"], 2 * per_rank)
                for name in ("file_stat", "file_read", "file_remove"):
                    self.assertEqual(ph[(name, i)]["ops"], 2 * per_rank, name)
                    self.assertEqual(ph[(name, i)]["details"]["stride_ranks"], 1)
            self.assertFalse(os.path.exists(root))


if __name__ == "__main__":
    unittest.main()
