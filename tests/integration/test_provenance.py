"""The git revision in every document is the build's, not the configure's.
Guards cmake/GitRevision.cmake, which a custom target runs on every build:
it stamps HEAD's short hash, adds "-dirty" for uncommitted changes to
tracked files (not for untracked ones), follows a new commit, and rewrites
its output only when the revision changes (so an unchanged tree recompiles
nothing). Before, CMakeLists.txt ran `git rev-parse` once at configure time
and every later build kept that stale revision."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import pfsb

SCRIPT = os.path.join(pfsb.ROOT, "cmake", "GitRevision.cmake")


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                   capture_output=True)


def head(repo):
    return subprocess.run(["git", "-C", repo, "rev-parse", "--short=12", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


class BuildTimeRevision(unittest.TestCase):
    def setUp(self):
        if shutil.which("git") is None or shutil.which("cmake") is None:
            self.skipTest("needs git and cmake")
        self.dir = tempfile.mkdtemp(prefix="pfsb-gitrev-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.repo = os.path.join(self.dir, "src")
        os.mkdir(self.repo)
        git(self.repo, "init", "-q")
        with open(os.path.join(self.repo, "a.txt"), "w") as f:
            f.write("one\n")
        git(self.repo, "add", "a.txt")
        git(self.repo, "commit", "-q", "-m", "one")
        self.out = os.path.join(self.dir, "git_revision.cpp")

    def stamp(self):
        r = subprocess.run(["cmake", f"-DSOURCE_DIR={self.repo}", f"-DOUTPUT={self.out}", "-P", SCRIPT],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.out) as f:
            text = f.read()
        m = re.search(r'kGitRevision = "([^"]*)"', text)
        self.assertIsNotNone(m, text)
        return m.group(1)

    def test_follows_commits_and_edits(self):
        self.assertEqual(self.stamp(), head(self.repo))
        mtime = os.stat(self.out).st_mtime_ns
        os.utime(self.out, ns=(mtime - 10**9, mtime - 10**9))  # older, so a rewrite would show
        before = os.stat(self.out).st_mtime_ns
        self.assertEqual(self.stamp(), head(self.repo))
        self.assertEqual(os.stat(self.out).st_mtime_ns, before, "unchanged revision: the file is not rewritten")
        with open(os.path.join(self.repo, "untracked.txt"), "w") as f:
            f.write("x\n")
        self.assertEqual(self.stamp(), head(self.repo), "an untracked file is not a change")
        with open(os.path.join(self.repo, "a.txt"), "w") as f:
            f.write("two\n")
        self.assertEqual(self.stamp(), head(self.repo) + "-dirty")
        git(self.repo, "commit", "-q", "-am", "two")
        second = head(self.repo)
        self.assertEqual(self.stamp(), second)
        self.assertEqual(len(second), 12)

    def test_outside_git_is_unknown(self):
        plain = os.path.join(self.dir, "plain")
        os.mkdir(plain)
        self.repo = plain
        self.assertEqual(self.stamp(), "unknown")


class BuiltTools(unittest.TestCase):
    def test_tools_report_the_build_time_revision(self):
        """The tools print the revision of the build's generated source, and
        the document records it."""
        generated = os.path.join(os.path.dirname(pfsb.BIN_DIR), "core", "generated", "git_revision.cpp")
        if not os.path.exists(generated):
            self.skipTest(f"{generated} not found (the tests run against an installed or other build)")
        with open(generated) as f:
            rev = re.search(r'kGitRevision = "([^"]*)"', f.read()).group(1)
        r = subprocess.run([pfsb.tool_path("ior_like"), "--version"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"git {rev}", r.stdout)
        with pfsb.temp_dir(pfsb.SHM) as d:
            run = pfsb.run_ok(self, "ior_like", 1, ["-w", "-b", "1m", "-t", "1m", "-o", os.path.join(d, "f")],
                              os.path.join(d, "r.json"))
            self.assertEqual(run.doc["environment"]["software"]["git_revision"], rev)


if __name__ == "__main__":
    unittest.main()
