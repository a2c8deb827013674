"""Every command line of README.md's code blocks, run. The cluster lines run
here scaled down: on 2 or 4 ranks under mpiexec instead of srun/mpirun -np N,
with small sizes, and their /gpfs, /scratch and /opt paths in a temp dir;
every document they write must follow the schema. Lines that cannot run
here are listed in SKIPPED with the reason. A README line that this file
does not know (new, or changed) fails test_every_line_is_known, so the
README cannot drift from what runs.

Guards also the seed's headline recipe: `-n 1 -C -F -d DIR` gives a shared
directory that holds exactly one file per rank and nothing else (without
-F, mdtest's directory phase first adds one subdirectory per rank)."""
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import unittest

import pfsb

README = os.path.join(pfsb.ROOT, "README.md")
SCRIPTS = os.path.join(pfsb.ROOT, "scripts")


def readme_commands():
    """The command lines of README.md's code blocks (indented by 4 or fenced),
    continuation lines joined, comment lines dropped."""
    with open(README) as f:
        lines = f.read().split("\n")
    # An indented block starts after a blank line (Markdown's rule), so the
    # 4-space continuation lines of a nested list item are prose, not code.
    cmds, fence, block, i = [], False, False, 0
    while i < len(lines):
        line = lines[i]
        prev = lines[i - 1] if i else ""
        if not fence and not line.startswith("    ") and line.strip():
            block = False
        if not fence and line.startswith("    ") and not prev.strip():
            block = True
        if line.startswith("```"):
            fence = not fence
        elif (fence or block) and line.strip() and not line.strip().startswith("#"):
            cmd = line.strip()
            while cmd.endswith("\\"):
                i += 1
                cmd = cmd[:-1].rstrip() + " " + lines[i].strip()
            cmds.append(re.sub(r"\s+#.*$", "", cmd))  # a trailing comment
        i += 1
    return cmds


# The lines that do not run here, and why.
SKIPPED = {
    "scripts/io500 config.ini --np 64": "needs a site's IO500 ini; integration.io500_script runs scripts/io500 "
                                        "end to end on a tiny ini at np 2",
    "scripts/io500 config.ini --dry-run": "needs a site's IO500 ini; integration.io500_script checks the "
                                          "dry-run lines against IO500's own",
    "mpirun -np 16 build/bin/find_like $DATA -newer $RES/timestampfile -size 3901c -name '*01*' -C -q 10000 "
    "--json find.json": "needs an IO500 data tree; integration.find_like runs IO500's find line on a generated tree",
    "scripts/run": "installs packages with apt-get and builds Release into build/ (the tree under test)",
    "scripts/test": "runs this whole test suite through ctest (it would run itself)",
    "sbatch -N 4 --ntasks-per-node 32 -t 2:00:00 scripts/slurm/pfsbench.sbatch acceptance /gpfs/fs1/bench":
        "needs a Slurm cluster; integration.slurm submits this template to a private one-node Slurm",
}
# IO500's ior lines are templates (D, R, <n>, "<the same first two lines>"):
# integration.ior_io500 runs each of them scaled down.
IO500_TEMPLATE = re.compile(r"^ior_like ")


class Readme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cmds = readme_commands()

    def setUp(self):
        os.makedirs(pfsb.DISK_TMP, exist_ok=True)
        self.tmp = self.enterContext(pfsb.temp_dir(pfsb.DISK_TMP))

    def test_every_line_is_known(self):
        known = set(SKIPPED) | set(RUNNERS)
        unknown = [c for c in self.cmds if c not in known and not IO500_TEMPLATE.match(c)]
        self.assertEqual(unknown, [], "README command lines this test neither runs nor skips with a reason")
        self.assertEqual(sorted(set(RUNNERS) - set(self.cmds)), [], "lines run here that the README no longer has")
        self.assertEqual(len([c for c in self.cmds if IO500_TEMPLATE.match(c)]), 4)

    # --- rewriting a cluster line into a local one ---------------------------------------------

    def local_path(self, p):
        for prefix in ("/gpfs/", "/scratch/", "/opt/"):
            if p.startswith(prefix):
                local = os.path.join(self.tmp, p[len(prefix):])
                os.makedirs(os.path.dirname(local), exist_ok=True)
                return local
        if p.startswith("results/runs/"):
            return os.path.join(self.tmp, p)
        return p

    def rewrite(self, cmd, sizes):
        """argv of `cmd` run here: launcher and rank count replaced, the
        values of the flags in `sizes` replaced, paths moved into the temp
        dir, --json documents too."""
        argv = shlex.split(cmd)
        np = None
        if argv[0] in ("srun", "mpirun"):
            k = next(i for i, a in enumerate(argv) if a.startswith("build/bin/"))
            np = sizes.pop("np", 2)
            tool = os.path.basename(argv[k])
            args = argv[k + 1:]
        else:
            tool, args = None, argv
        out = []
        i = 0
        while i < len(args):
            a = args[i]
            if a in sizes:
                out += [a, sizes[a]]
                i += 2
                continue
            if a == "--json":
                out += [a, os.path.join(self.tmp, args[i + 1])]
                i += 2
                continue
            out.append(self.local_path(a))
            i += 1
        if tool:
            return pfsb.mpi_cmd(tool, np, out), tool
        return out, None

    def run_line(self, cmd, sizes=None, expect_rc=0, timeout=600):
        argv, tool = self.rewrite(cmd, dict(sizes or {}))
        if argv[0].startswith("scripts/"):
            argv = [sys.executable, os.path.join(pfsb.ROOT, argv[0])] + argv[1:]
        env = dict(os.environ, PFSBENCH_BIN_DIR=pfsb.BIN_DIR)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=self.tmp, env=env)
        self.assertEqual(r.returncode, expect_rc, f"{shlex.join(argv)}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        for doc_path in glob.glob(os.path.join(self.tmp, "*.json")):
            with open(doc_path) as f:
                doc = json.load(f)
            if doc.get("schema") == "pfsbench-result":
                pfsb.assert_valid(self, doc)
        return r

    # --- the lines --------------------------------------------------------------------------------

    def test_tool_lines(self):
        for cmd in self.cmds:
            runner = RUNNERS.get(cmd)
            if runner is None:
                continue
            with self.subTest(line=cmd):
                runner(self, cmd)


def run_tool_line(sizes, check=None):
    def runner(self, cmd):
        self.run_line(cmd, sizes)
        if check:
            check(self, cmd)
    return runner


def check_seed(self, cmd):
    """-n 1 -C -F: the shared directory holds one file per rank and nothing else."""
    tree = os.path.join(self.tmp, "md", "seed", "test-dir.0-0", "mdtest_tree.0")
    names = sorted(os.listdir(tree))
    self.assertEqual(names, [f"file.mdtest.{r}.0" for r in range(4)], "one file per rank, no subdirectory")
    with open(os.path.join(self.tmp, "seed.json")) as f:
        doc = json.load(f)
    self.assertEqual([p["name"] for p in doc["phases"]], ["tree_create", "file_create"])
    shutil.rmtree(os.path.join(self.tmp, "md"))


def run_install(self, cmd):
    build = os.path.dirname(pfsb.BIN_DIR)
    argv = shlex.split(cmd)
    argv[argv.index("build")] = build
    prefix = os.path.join(self.tmp, "prefix")
    argv[argv.index("--prefix") + 1] = prefix
    r = subprocess.run(argv, capture_output=True, text=True)
    self.assertEqual(r.returncode, 0, r.stderr)
    self.assertTrue(os.path.exists(os.path.join(prefix, "bin", "ior_like")))


TINY_SUITE = """description = "README's suite lines, scaled down"
[[run]]
name = "ior_like"
tool = "ior_like"
args = ["-w", "-r", "-b", "1m", "-t", "256k", "-i", "2", "-o", "{dir}/ior.dat"]
space_per_rank = "1m"
[[run]]
name = "mdtest_like"
tool = "mdtest_like"
args = ["-n", "10", "-d", "{dir}/md"]
space_per_rank = "1m"
"""


def run_suite_lines(self, _cmd):
    """The suite, compare and report lines in README order: the suite lines
    with a tiny suite file in place of acceptance/quick (their sizes are a
    cluster's), --np 2, the GPFS setup commands replaced by `true`; compare
    and report read what they wrote."""
    suite_file = os.path.join(self.tmp, "tiny.toml")
    with open(suite_file, "w") as f:
        f.write(TINY_SUITE)
    target = os.path.join(self.tmp, "fs1", "bench")
    os.makedirs(target)
    runs = os.path.join(self.tmp, "results", "runs")

    def suite(cmd, out):
        argv = shlex.split(cmd)
        argv[1] = suite_file
        argv[argv.index("--target") + 1] = target
        if "--np" in argv:
            argv[argv.index("--np") + 1] = "2"
        for opt in ("--a-setup", "--b-setup"):
            if opt in argv:
                argv[argv.index(opt) + 1] = "true"
        if "--repeat" in argv:
            argv[argv.index("--repeat") + 1] = "2"
        if "--out" in argv:  # the line's own results directory, under the test's
            out = argv[argv.index("--out") + 1] = os.path.join(self.tmp, argv[argv.index("--out") + 1])
        else:
            argv += ["--out", out]
        r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "suite")] + argv[1:], capture_output=True,
                           text=True, timeout=900)
        self.assertEqual(r.returncode, 0, f"{argv}\n{r.stdout}\n{r.stderr}")
        for p in glob.glob(os.path.join(out, "*.json")):
            with open(p) as f:
                doc = json.load(f)
            if doc.get("schema") == "pfsbench-result":
                pfsb.assert_valid(self, doc)

    suite_lines = [c for c in self.cmds if c.startswith("scripts/suite ")]
    plain = [c for c in suite_lines if "--ab" not in c]
    ab = [c for c in suite_lines if "--ab" in c]
    self.assertTrue(plain and ab, suite_lines)
    # The first plain line without --out stands in for the results
    # directories that the other lines read (before, after, xfs, ...).
    default = next(c for c in plain if "--out" not in c)
    for name in ("before", "after", "xfs", "gpfs", "baseline", "candidate", "acceptance"):
        suite(default, os.path.join(runs, name))
    for cmd in plain:
        if "--out" in cmd:
            suite(cmd, None)
    for cmd in ab:
        suite(cmd, os.path.join(runs, "20261128T210000Z-quick"))
    for cmd in self.cmds:
        if cmd.startswith(("scripts/compare ", "scripts/report ", "scripts/accept ")):
            argv = [a if not a.startswith("results/runs/") else os.path.join(self.tmp, a) for a in shlex.split(cmd)]
            if ">" in argv:  # a shell redirection: the output goes to that file
                argv = argv[:argv.index(">")]
            argv[1:] = [os.path.join(pfsb.ROOT, a) if a.startswith("scripts/") else a for a in argv[1:]]
            if "-o" in argv:
                argv[argv.index("-o") + 1] = os.path.join(self.tmp, argv[argv.index("-o") + 1])
            r = subprocess.run([sys.executable, os.path.join(SCRIPTS, argv[0].split("/")[1])] + argv[1:],
                               capture_output=True, text=True, timeout=300)
            # A gate may fail on two small runs of one machine (noise): exit 1 is a verdict, 2 is a usage error.
            self.assertIn(r.returncode, (0, 1), f"{cmd}\n{r.stdout}\n{r.stderr}")
            if "--json" in argv:
                self.assertTrue(json.loads(r.stdout)["rows"])


RUNNERS = {}


def _register():
    cmds = readme_commands()

    def find(prefix):
        hits = [c for c in cmds if c.startswith(prefix)]
        return hits

    for c in find("cmake --install"):
        RUNNERS[c] = run_install
    for c in find("srun --mpi=pmix -n 384 build/bin/ior_like"):
        RUNNERS[c] = run_tool_line({"-b": "1m", "-t": "256k"})
    for c in find("mpirun -np 64 build/bin/mdtest_like -n 1000 -i 3"):
        RUNNERS[c] = run_tool_line({"-n": "20"})
    for c in find("mpirun -np 4096 build/bin/mdtest_like -n 1 -C"):
        RUNNERS[c] = run_tool_line({"np": 4}, check_seed)
    for c in find("mpirun -np 384 build/bin/mdtest_like"):
        RUNNERS[c] = run_tool_line({"-n": "10"})
    easy = find("mpirun -np 64 build/bin/mdtest_like -n 1000000")
    for c in easy:
        RUNNERS[c] = run_tool_line({"-n": "50", "-W": "1"})
    for c in find("mpirun -np 4 build/bin/dio_batch"):
        RUNNERS[c] = run_tool_line({"--size": "1m"})
    for c in [c for c in cmds if c.startswith("mpirun ") and " -np 8 build/bin/mmap_read" in c]:
        RUNNERS[c] = run_tool_line({"--size": "4m", "--threads": "1,2"})
    first_suite = find("scripts/suite ")[:1]
    for c in first_suite:
        RUNNERS[c] = run_suite_lines
    for c in find("scripts/suite ")[1:] + find("scripts/compare ") + find("scripts/report ") + find("scripts/accept "):
        RUNNERS[c] = lambda self, cmd: None  # run by run_suite_lines, in order


_register()


if __name__ == "__main__":
    unittest.main()
