"""find_like end to end under mpiexec: a parallel, read-only walk of a
generated tree, checked against GNU find with the same predicates.

Each test says what it guards. Trees are small (a few thousand entries,
one directory of 100k and a chain 1000 deep): the file runs in a few
minutes on 2 cores. GNU find runs with LC_ALL=C (names compared as bytes).
"""
import contextlib
import glob
import os
import random
import shutil
import subprocess
import tempfile
import time
import unittest

import faultfs
import pfsb

TOOL = "find_like"
IO500_SIZE = 3901


AS_NOBODY = ["setpriv", "--reuid", "nobody", "--regid", "nogroup", "--clear-groups"]


def gnu_find(root, preds=(), follow=False, as_nobody=False):
    """The paths GNU find prints, as a sorted list of bytes."""
    cmd = ["find"] + (["-L"] if follow else []) + [root] + list(preds) + ["-print0"]
    if as_nobody:
        cmd = AS_NOBODY + cmd
    p = subprocess.run(cmd, capture_output=True, env=dict(os.environ, LC_ALL="C"))
    return sorted(x for x in p.stdout.split(b"\0") if x), p.returncode


def wait_next_second():
    """Sleeps past the next whole second (ctime granularity of pfind's -newer)."""
    time.sleep(1.05 - (time.time() % 1.0))


def make_tree(root, ref, seed, n_old=600, n_new=1400):
    """A tree of n_old files, then the -newer reference `ref` (outside the
    tree) in a later second, then n_new files in a still later second, so
    pfind's ctime rule and GNU find's mtime rule select the same entries.
    Sizes include IO500's 3901 bytes; names include IO500's *01*."""
    rnd = random.Random(seed)
    dirs = [root]
    os.makedirs(root)

    def add(n, tag):
        for i in range(n):
            if rnd.random() < 0.08:
                d = os.path.join(rnd.choice(dirs), f"dir.{tag}.{i}")
                os.mkdir(d)
                dirs.append(d)
            size = rnd.choice([0, 100, IO500_SIZE, IO500_SIZE, 4096])
            with open(os.path.join(rnd.choice(dirs), f"file.mdtest.{tag}.{i:04d}"), "wb") as f:
                f.write(b"x" * size)

    add(n_old, "o")
    wait_next_second()
    with open(ref, "w"):
        pass
    wait_next_second()
    add(n_new, "n")
    os.symlink("file.mdtest.o.0001", os.path.join(root, "link01"))


PREDICATES = [
    [],
    ["-name", "*01*"],
    ["-newer", "REF", "-size", f"{IO500_SIZE}c", "-name", "*01*"],
    ["-type", "f", "-size", f"{IO500_SIZE}c"],
    ["-type", "d", "-newer", "REF"],
    ["-type", "l"],
]


class Trees(unittest.TestCase):
    """One tree on the disk and one on tmpfs, shared by the tests of the class."""

    @classmethod
    def setUpClass(cls):
        cls.bases = []
        cls.stack = contextlib.ExitStack()
        for base in (pfsb.DISK_TMP, pfsb.SHM):
            d = cls.stack.enter_context(pfsb.temp_dir(base))
            make_tree(os.path.join(d, "data"), os.path.join(d, "timestampfile"), seed=len(cls.bases))
            cls.bases.append(d)

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def walk(self, d, np, preds, extra=(), rc=0):
        preds = [os.path.join(d, "timestampfile") if p == "REF" else p for p in preds]
        doc_path = os.path.join(d, f"r{np}.json")
        r = pfsb.run_tool(TOOL, np, [os.path.join(d, "data")] + preds + list(extra), doc_path)
        self.assertEqual(r.returncode, rc, r)
        pfsb.assert_valid(self, r.doc)
        return r, preds

    def test_counts_equal_gnu_find(self):
        """matched = GNU find's output, scanned = every entry, files = the
        non-directories, for each predicate set, np 1, 2, 4, disk and tmpfs."""
        for d in self.bases:
            root = os.path.join(d, "data")
            everything, _ = gnu_find(root)
            files, _ = gnu_find(root, ["!", "-type", "d"])
            for np in (1, 2, 4):
                for preds in PREDICATES:
                    with self.subTest(base=d, np=np, preds=preds):
                        r, resolved = self.walk(d, np, preds, ["-C", "--quiet"])
                        want, _ = gnu_find(root, resolved)
                        p = r.doc["phases"][0]
                        det = p["details"]
                        self.assertEqual(p["name"], "walk")
                        self.assertEqual(det["matched"], len(want))
                        self.assertEqual(det["scanned_entries"], len(everything))
                        self.assertEqual(p["ops"], len(everything))
                        self.assertEqual(det["files"], len(files))
                        self.assertTrue(det["complete"])
                        self.assertEqual(det["ranks"], np)
                        self.assertEqual(sum(x["scanned_entries"] for x in det["per_rank"]), len(everything))
                        self.assertAlmostEqual(p["ops_per_s"], p["ops"] / p["duration_s"], delta=1e-6 * p["ops_per_s"])
                        self.assertEqual(sum(det["errors"].values()), 0)

    def test_paths_equal_gnu_find(self):
        """-r DIR: the union of the ranks' files is exactly GNU find's list."""
        d = self.bases[1]
        for np in (1, 2):
            with self.subTest(np=np):
                out = os.path.join(d, f"paths{np}")
                r, resolved = self.walk(d, np, PREDICATES[2], ["-r", out, "--quiet"])
                got = []
                for f in glob.glob(os.path.join(out, "*.txt")):
                    with open(f, "rb") as fh:
                        got += fh.read().splitlines()
                self.assertEqual(len(glob.glob(os.path.join(out, "*.txt"))), np)
                want, _ = gnu_find(os.path.join(d, "data"), resolved)
                self.assertGreater(len(want), 0)
                self.assertEqual(sorted(got), want)

    def test_io500_find_line(self):
        """IO500's line runs unchanged; pfind's last line MATCHED found/files
        (what IO500 reads from an external find) carries GNU find's count."""
        d = self.bases[0]
        root = os.path.join(d, "data")
        ts = os.path.join(d, "timestampfile")
        r = pfsb.run_tool(TOOL, 2, [root, "-newer", ts, "-size", f"{IO500_SIZE}c", "-name", "*01*", "-C", "-q",
                                    "10000"])
        self.assertEqual(r.returncode, 0, r)
        want, _ = gnu_find(root, ["-newer", ts, "-size", f"{IO500_SIZE}c", "-name", "*01*"])
        files, _ = gnu_find(root, ["!", "-type", "d"])
        lines = r.stdout.strip().splitlines()
        self.assertEqual(lines[-1], f"MATCHED {len(want)}/{len(files)}")
        self.assertTrue(lines[-2].startswith("[DONE] rate: "), lines[-2])
        self.assertIn(f"found: {len(want)} (scanned {len(files)} files", lines[-2])

    def test_serial_baseline(self):
        """--serial adds rank 0's walk alone with the same counts, and the
        walk states its speedup over it."""
        d = self.bases[1]
        r, _ = self.walk(d, 2, PREDICATES[2], ["-C", "--serial", "--quiet"])
        walk, serial = r.doc["phases"]
        self.assertEqual((walk["name"], serial["name"]), ("walk", "walk_serial"))
        self.assertEqual(serial["details"]["mode"], "serial")
        self.assertEqual(serial["details"]["ranks"], 1)
        for k in ("matched", "scanned_entries", "files", "directories"):
            self.assertEqual(serial["details"][k], walk["details"][k], k)
        self.assertAlmostEqual(walk["details"]["speedup_vs_serial"], serial["duration_s"] / walk["duration_s"],
                               delta=1e-6 * walk["details"]["speedup_vs_serial"])

    def test_read_only(self):
        """The walk changes nothing: every entry's mtime, ctime and size are
        the same before and after (the tree's atimes are not checked)."""
        d = self.bases[1]

        def snapshot():
            out = {}
            for dirpath, dirnames, filenames in os.walk(os.path.join(d, "data")):
                for n in dirnames + filenames + ["."]:
                    st = os.lstat(os.path.join(dirpath, n))
                    out[os.path.join(dirpath, n)] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_mode)
            return out

        before = snapshot()
        self.walk(d, 2, PREDICATES[2], ["-C", "--quiet", "--stat-all"])
        self.assertEqual(snapshot(), before)


class Shapes(unittest.TestCase):
    """Trees whose shape could serialize the walk or break it."""

    def test_one_directory_of_100k(self):
        """100k entries in one directory: counts equal GNU find's, and at
        np 2 both ranks test entries (the directory leaves its reader in
        chunks that the other rank steals)."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            big = os.path.join(d, "big")
            os.mkdir(big)
            for i in range(100_000):
                os.close(os.open(os.path.join(big, f"f{i}"), os.O_CREAT | os.O_WRONLY, 0o644))
            want, _ = gnu_find(big, ["-name", "*01*", "-size", "0c"])
            for np in (1, 2):
                with self.subTest(np=np):
                    r = pfsb.run_ok(self, TOOL, np, [big, "-name", "*01*", "-size", "0c", "-C"],
                                    os.path.join(d, "r.json"))
                    det = r.doc["phases"][0]["details"]
                    self.assertEqual(det["matched"], len(want))
                    self.assertEqual(det["scanned_entries"], 100_001)
                    self.assertEqual(det["directories"], 1)
                    if np == 2:
                        self.assertTrue(all(x["scanned_entries"] > 0 for x in det["per_rank"]), det["per_rank"])

    def test_chain_1000_deep(self):
        """A chain 1000 directories deep, whose paths pass PATH_MAX (4096):
        every level is walked (opened one component at a time past the
        limit), as GNU find does."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "chain")
            os.mkdir(root)
            fd = os.open(root, os.O_RDONLY)
            for i in range(1000):
                os.mkdir("level", dir_fd=fd)
                os.close(os.open("f01", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
                nfd = os.open("level", os.O_RDONLY, dir_fd=fd)
                os.close(fd)
                fd = nfd
            os.close(fd)
            want, _ = gnu_find(root, ["-name", "*01*"])
            self.assertEqual(len(want), 1000)
            for np in (1, 2):
                with self.subTest(np=np):
                    r = pfsb.run_ok(self, TOOL, np, [root, "-name", "*01*", "-C"], os.path.join(d, "r.json"))
                    det = r.doc["phases"][0]["details"]
                    self.assertEqual(det["matched"], 1000)
                    self.assertEqual(det["directories"], 1001)
                    self.assertEqual(det["scanned_entries"], 2001)
                    self.assertEqual(sum(det["errors"].values()), 0)
            subprocess.run(["rm", "-rf", root], check=True)  # shutil.rmtree recurses too deep


class Faults(unittest.TestCase):
    """What cannot be walked is counted and reported; the walk goes on."""

    def test_symlink_loops(self):
        """Without -L a link to a parent and a self-link are plain entries
        (never followed); with -L they are loops: counted, not matched, not
        descended, as GNU find -L. Exit 0 both ways, counts equal find's."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "t")
            os.makedirs(os.path.join(root, "d", "e"))
            for f in ("d/f01", "d/e/g01"):
                open(os.path.join(root, f), "w").close()
            os.symlink("..", os.path.join(root, "d", "up"))
            os.symlink("self", os.path.join(root, "d", "self"))
            os.symlink("nowhere", os.path.join(root, "d", "dangling"))
            for follow in (False, True):
                with self.subTest(follow=follow):
                    want, _ = gnu_find(root, follow=follow)
                    args = [root, "-C"] + (["-L"] if follow else [])
                    r = pfsb.run_ok(self, TOOL, 2, args, os.path.join(d, "r.json"))
                    det = r.doc["phases"][0]["details"]
                    self.assertEqual(det["matched"], len(want))
                    self.assertEqual(det["scanned_entries"], 8)
                    self.assertEqual(det["errors"]["symlink_loops"], 2 if follow else 0)
                    if follow:
                        self.assertTrue(any("symlink loop" in w for w in r.doc["warnings"]), r.doc["warnings"])

    def test_unreadable_directory(self):
        """A directory the user may not read (run as nobody: root reads
        everything): listed and matched, its contents counted as denied,
        the rest walked. Counts equal GNU find's as the same user."""
        if not pfsb.is_root() or shutil.which("setpriv") is None:
            self.skipTest("needs root and setpriv to run the walk as nobody")
        with pfsb.temp_dir(pfsb.SHM) as d:
            os.chmod(d, 0o777)
            root = os.path.join(d, "t")
            os.makedirs(os.path.join(root, "open", "sub"))
            os.makedirs(os.path.join(root, "closed", "inner"))
            for f in ("open/a01", "open/sub/b01", "closed/c01", "closed/inner/d01"):
                open(os.path.join(root, f), "w").close()
            os.chmod(os.path.join(root, "closed"), 0o000)
            want, find_rc = gnu_find(root, ["-name", "*"], as_nobody=True)
            self.assertEqual(len(want), 6)  # t, open, open/a01, open/sub, open/sub/b01, closed
            self.assertEqual(find_rc, 1)  # find reports the denied directory too
            doc = os.path.join(d, "r.json")
            # A singleton run (no mpirun) as nobody.
            cmd = AS_NOBODY + [pfsb.tool_path(TOOL), root,
                   "-name", "*", "-C", "--json", doc]
            p = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HOME=d, TMPDIR=d))
            self.assertEqual(p.returncode, 0, p.stderr)
            with open(doc) as f:
                import json
                docj = json.load(f)
            pfsb.assert_valid(self, docj)
            det = docj["phases"][0]["details"]
            self.assertEqual(det["matched"], len(want))
            self.assertEqual(det["errors"]["permission_denied"], 1)
            self.assertTrue(any("permission denied" in w and "closed" in w for w in docj["warnings"]), docj["warnings"])
            self.assertIn("permission denied", p.stderr)

    def test_directory_removed_during_walk(self):
        """An entry listed by readdir but gone at lookup (faultfs
        --vanish-path: a directory removed during the walk) is counted as
        vanished; the rest of the tree is walked, exit 0."""
        with faultfs.mounted(self, ["--vanish-path", "gone"]) as m:
            for rel in ("keep/a01", "keep/b", "gone/x01", "gone/deeper/y01", "z01"):
                p = m.backing_path(rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                open(p, "w").close()
            with pfsb.temp_dir(pfsb.SHM) as d:
                r = pfsb.run_ok(self, TOOL, 2, [m.mnt, "-name", "*01*", "-C"], os.path.join(d, "r.json"))
                det = r.doc["phases"][0]["details"]
                self.assertEqual(det["matched"], 2)          # keep/a01, z01
                self.assertEqual(det["errors"]["vanished"], 1)  # "gone": listed, then ENOENT
                self.assertEqual(det["scanned_entries"], 6)   # root, keep, keep/a01, keep/b, gone, z01
                self.assertTrue(any("vanished" in w and "gone" in w for w in r.doc["warnings"]), r.doc["warnings"])
                self.assertTrue(any("vanished /gone" in f for f in m.faults()), m.faults())

    def test_non_utf8_names(self):
        """A name that is not UTF-8 is counted and tested as bytes."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            root = os.path.join(d, "t")
            os.mkdir(root)
            for n in (b"ok01", b"bad\xff01", b"caf\xc3\xa901"):
                open(os.path.join(root.encode(), n), "w").close()
            want, _ = gnu_find(root, ["-name", "*01*"])
            r = pfsb.run_ok(self, TOOL, 1, [root, "-name", "*01*", "-C"], os.path.join(d, "r.json"))
            det = r.doc["phases"][0]["details"]
            self.assertEqual(det["matched"], len(want))
            self.assertEqual(det["errors"]["non_utf8_names"], 1)
            self.assertTrue(any("\\xff" in w for w in r.doc["warnings"]), r.doc["warnings"])


class Interrupt(unittest.TestCase):
    def test_sigterm_keeps_the_finished_walk(self):
        """SIGTERM (Slurm's time limit) during --serial's second walk: exit 4,
        the parallel walk is on record whole, the serial one marked
        incomplete with its partial counts, and the document is valid. The
        tree sits on faultfs (every lookup through FUSE) so the walk lasts."""
        with faultfs.mounted(self, []) as m:
            for d in range(40):
                os.makedirs(m.backing_path(f"d{d}"))
                for i in range(1000):
                    open(m.backing_path(f"d{d}", f"f{i}"), "w").close()
            with pfsb.temp_dir(pfsb.SHM) as d:
                doc_path = os.path.join(d, "r.json")
                rc, err, doc = pfsb.sigterm_after_checkpoint(
                    self, TOOL, 2, [m.mnt, "-C", "--serial", "--stat-all", "--quiet"], doc_path, phases=1)
                self.assertEqual(rc, 4, err)
                pfsb.assert_valid(self, doc)
                self.assertEqual(doc["status"], "interrupted")
                walk = doc["phases"][0]["details"]
                self.assertTrue(walk["complete"])
                self.assertEqual(walk["scanned_entries"], 40 * 1001 + 1)
                if len(doc["phases"]) > 1:
                    serial = doc["phases"][1]["details"]
                    self.assertFalse(serial["complete"])
                    self.assertLess(serial["scanned_entries"], walk["scanned_entries"])
                self.assertIn("SIGTERM", err)


class Errors(unittest.TestCase):
    """Bad input: exit code, one message, a valid document where one is written."""

    def run_bad(self, args, rc, needle, np=2):
        with pfsb.temp_dir(pfsb.SHM) as d:
            doc = os.path.join(d, "r.json")
            r = pfsb.run_tool(TOOL, np, args, doc)
            self.assertEqual(r.returncode, rc, r)
            lines = [l for l in r.stderr.splitlines() if l.startswith("find_like: error:")]
            self.assertTrue(lines, r)
            self.assertIn(needle, r.stderr)
            if rc == 2:
                self.assertIsNone(r.doc)  # usage errors stop before any document
            else:
                pfsb.assert_valid(self, r.doc)
                self.assertEqual(r.doc["status"], "failed")
                self.assertEqual(r.doc["phases"], [])
            return r

    def test_missing_root(self):
        self.run_bad(["/nonexistent/tree", "-C"], 1, "No such file or directory")

    def test_root_not_a_directory(self):
        self.run_bad(["/etc/hostname", "-C"], 1, "is not a directory")

    def test_bad_size(self):
        for bad in ("3901", "12k", "abc"):
            with self.subTest(size=bad):
                self.run_bad(["/tmp", "-size", bad, "-C"], 2, f"-size '{bad}'")

    def test_missing_newer_file(self):
        self.run_bad(["/tmp", "-newer", "/nonexistent/timestampfile", "-C"], 1, "/nonexistent/timestampfile")

    def test_refused_flags(self):
        self.run_bad(["/tmp", "-e", "-C"], 2, "read-only")
        self.run_bad(["/tmp", "-q", "5", "-C"], 2, "-q 5")
        self.run_bad(["/tmp", "-type", "x", "-C"], 2, "-type 'x'")
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_tool(TOOL, 1, ["/tmp", "--json", "-"])
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("add -C", r.stderr)


if __name__ == "__main__":
    unittest.main()
