"""Every command block of README.md and docs/*.md, run; every relative link
and image of them, checked.

The markdown says how each fenced block is treated, in an HTML comment on
the line before it (invisible on GitHub):

  (no comment)                 an `sh` block runs as written
  <!-- run: TOKENS -->         an `sh` block runs, rewritten by TOKENS (below)
  <!-- not-run: REASON -->     an `sh` block that cannot run on a test machine
                               (a real cluster, apt-get, PyPI, minutes of
                               build); the reason is required
  <!-- file: NAME -->          a data block (toml, ini, ...) written to NAME in
                               the work directory, for the blocks after it

TOKENS (shell words): `np=N` (srun/mpirun ... build/bin/TOOL becomes the
tests' mpiexec with N ranks), `-f=V` / `--flag=V` (the value of that flag,
e.g. `-b=1m`: cluster sizes scaled down), `OLD=>NEW` (text replaced; $WORK
is the work directory, $SHM a fresh directory on /dev/shm), `mkdir=DIR`
(made under the work directory first), `rc=0,1` (the exit codes the block
may end with; default 0), `timeout=S`, `needs=root` (skipped, with the
reason, where not root or fake nodes cannot start: exit 77), `check=NAME`
(a check below, run after the block).

The blocks of one file run in order in one work directory on the disk that
looks like the source tree (build, scripts, tests, results/schema,
results/examples, tools.conf linked), under `bash -e`, with /usr/bin first
on PATH. Every pfsbench document a block leaves in the work directory must
follow the schema. A fenced block without an info string, an `sh` block
with an unknown marker, a not-run block without a reason, or a command
line outside a fenced block fails the test: no block goes unrun unnoticed.

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
import unittest

import pfsb

DOCS = [os.path.join(pfsb.ROOT, "README.md")] + sorted(glob.glob(os.path.join(pfsb.ROOT, "docs", "*.md")))
SHELL = {"sh", "bash", "shell"}
FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
MARKER = re.compile(r"^<!--\s*(run|not-run|file)\s*:?\s*(.*?)\s*-->$")
# A command typed outside a fenced block would never run: refused.
COMMAND_START = re.compile(r"^ {4,}(scripts/|build/bin/|mpirun |srun |sbatch |cmake |python3 |ctest |cd build)")
TINY_SUITE = """description = "the README's suites, scaled down"
[[run]]
name = "ior_like"
tool = "ior_like"
args = ["-w", "-r", "-b", "1m", "-t", "256k", "-i", "2", "-o", "{dir}/ior.dat"]
space_per_rank = "1m"
[[run]]
name = "mdtest_like"
tool = "mdtest_like"
args = ["-n", "10", "-w", "4096", "-d", "{dir}/md"]
space_per_rank = "1m"
"""


class Block:
    def __init__(self, path, line, lang, text, kind, arg):
        self.path, self.line, self.lang, self.text, self.kind, self.arg = path, line, lang, text, kind, arg

    def where(self):
        return f"{os.path.relpath(self.path, pfsb.ROOT)}:{self.line}"


def parse(path):
    """The fenced blocks of a markdown file with their markers, and the
    problems that make a block unaccounted for."""
    with open(path) as f:
        lines = f.read().split("\n")
    blocks, problems = [], []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if COMMAND_START.match(lines[i]) and (i == 0 or not lines[i - 1].strip()):
                problems.append(f"{os.path.relpath(path, pfsb.ROOT)}:{i + 1}: a command in an indented block; "
                                f"put it in a fenced block (```sh) so this test runs it")
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        text = "\n".join(lines[i + 1:j])
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mk = MARKER.match(lines[k].strip()) if k >= 0 else None
        kind, arg = (mk.group(1), mk.group(2)) if mk else (None, "")
        b = Block(path, i + 1, lang, text, kind, arg)
        if not lang:
            problems.append(f"{b.where()}: a fenced block without an info string (sh, toml, text, ...)")
        elif lang in SHELL:
            if kind == "file":
                problems.append(f"{b.where()}: a file: marker on a shell block")
            if kind == "not-run" and not arg:
                problems.append(f"{b.where()}: not-run needs a reason")
        elif kind in ("run", "not-run"):
            problems.append(f"{b.where()}: a {kind} marker on a {lang} block (only sh blocks run)")
        if kind == "file" and not arg:
            problems.append(f"{b.where()}: file: needs a name")
        blocks.append(b)
        i = j + 1
    return blocks, problems


def slug(heading, seen):
    """GitHub's anchor of a heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
    n = seen.get(s, 0)
    seen[s] = n + 1
    return s if n == 0 else f"{s}-{n}"


def anchors(path):
    seen, out, fence = {}, set(), False
    with open(path) as f:
        for line in f:
            if FENCE.match(line):
                fence = not fence
            elif not fence and line.startswith("#"):
                out.add(slug(line.lstrip("#").strip(), seen))
    return out


LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<img\s[^>]*src=\"([^\"]+)\"")


def links(path):
    """(line, target) of every link and image outside code."""
    out, fence = [], False
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if FENCE.match(line):
                fence = not fence
                continue
            if fence:
                continue
            line = re.sub(r"`[^`]*`", "", line)
            for m in LINK.finditer(line):
                out.append((n, m.group(1) or m.group(2)))
    return out


class Readme(unittest.TestCase):
    def test_every_block_is_accounted_for(self):
        problems, shell = [], 0
        for path in DOCS:
            blocks, p = parse(path)
            problems += p
            shell += sum(b.lang in SHELL for b in blocks)
        self.assertEqual(problems, [])
        self.assertGreater(shell, 20, "the README and docs/ have their command blocks")

    def test_parser_refuses_what_would_go_unrun(self):
        """The rules above, on a made-up page: each way a block could be
        skipped silently is a problem."""
        page = ("# t\n\n```\nls\n```\n\n<!-- not-run: -->\n```sh\nls\n```\n\n<!-- run: np=2 -->\n```toml\na = 1\n```\n\n"
                "text\n\n    scripts/suite quick --target /tmp\n\n<!-- not-run: a cluster -->\n```sh\nsbatch x\n```\n")
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            path = os.path.join(d, "page.md")
            with open(path, "w") as f:
                f.write(page)
            blocks, problems = parse(path)
        self.assertEqual(len(blocks), 4)
        self.assertEqual(len(problems), 4, problems)
        self.assertIn("without an info string", problems[0])
        self.assertIn("not-run needs a reason", problems[1])
        self.assertIn("a run marker on a toml block", problems[2])
        self.assertIn("a command in an indented block", problems[3])
        self.assertEqual((blocks[3].kind, blocks[3].arg), ("not-run", "a cluster"))

    def test_links_and_images_exist(self):
        missing = []
        for path in DOCS:
            for n, target in links(path):
                if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
                    continue
                file, _, anchor = target.partition("#")
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
                where = f"{os.path.relpath(path, pfsb.ROOT)}:{n}: {target}"
                if not os.path.exists(dest):
                    missing.append(f"{where}: no such file")
                elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                    missing.append(f"{where}: no heading with that anchor")
        self.assertEqual(missing, [], "broken links (the report screenshots come from the report branch)")

    def test_slugs(self):
        seen = {}
        self.assertEqual(slug("IO500's ior lines run unchanged", seen), "io500s-ior-lines-run-unchanged")
        self.assertEqual(slug("scripts/suite", seen), "scriptssuite")
        self.assertEqual(slug("Where pfsbench's IO500 figures differ, and why", seen),
                         "where-pfsbenchs-io500-figures-differ-and-why")
        self.assertEqual(slug("Stonewalling (`-D`, `-O stoneWalling...`)", seen), "stonewalling--d--o-stonewalling")
        self.assertEqual(slug("scripts/suite", seen), "scriptssuite-1")

    def test_blocks_run(self):
        self.ran, runnable = [], []
        for path in DOCS:
            blocks, _ = parse(path)
            runnable += [b.where() for b in blocks if b.lang in SHELL and b.kind != "not-run"]
            if not any(b.lang in SHELL and b.kind != "not-run" for b in blocks):
                continue
            with self.subTest(doc=os.path.relpath(path, pfsb.ROOT)):
                self.run_doc(blocks)
        self.assertEqual(self.ran, runnable, "every block not marked not-run was run (or skipped with a reason)")

    # --- running a document's blocks --------------------------------------------------------------

    def work_dir(self, work):
        for name in ("scripts", "tests", "tools.conf", "docs"):
            os.symlink(os.path.join(pfsb.ROOT, name), os.path.join(work, name))
        os.symlink(os.path.dirname(pfsb.BIN_DIR), os.path.join(work, "build"))
        os.makedirs(os.path.join(work, "results"))
        for name in ("schema", "examples"):
            os.symlink(os.path.join(pfsb.ROOT, "results", name), os.path.join(work, "results", name))
        with open(os.path.join(work, "tiny.toml"), "w") as f:
            f.write(TINY_SUITE)

    def run_doc(self, blocks):
        os.makedirs(pfsb.DISK_TMP, exist_ok=True)
        with pfsb.temp_dir(pfsb.DISK_TMP) as work, pfsb.temp_dir(pfsb.SHM) as shm:
            self.work_dir(work)
            for b in blocks:
                if b.kind == "file":
                    with open(os.path.join(work, b.arg), "w") as f:
                        f.write(b.text + "\n")
                elif b.lang in SHELL and b.kind != "not-run":
                    with self.subTest(block=b.where()):
                        self.run_block(b, work, shm)

    def rewrite(self, b, work, shm):
        """The block's text as it runs here, and its options."""
        text, opts = b.text, {"rc": {0}, "timeout": 600, "np": None, "checks": [], "needs": None}
        tokens = shlex.split(b.arg) if b.kind == "run" else []
        for t in tokens:  # literal replacements first, then flags, then the launcher
            if "=>" in t:
                old, new = t.split("=>", 1)
                self.assertIn(old, text, f"{b.where()}: marker token {t!r} matches nothing")
                text = text.replace(old, new.replace("$WORK", work).replace("$SHM", shm))
        for t in tokens:
            if "=>" in t:
                continue
            key, _, value = t.partition("=")
            if key.startswith("-"):
                pat = re.compile(r"(?<![\w-])" + re.escape(key) + r"(\s+|=)(?!-)\S+")
                self.assertRegex(text, pat, f"{b.where()}: flag {key} not in the block")
                text = pat.sub(lambda m: f"{key}{m.group(1)}{value}", text)
            elif key == "np":
                opts["np"] = int(value)
            elif key == "rc":
                opts["rc"] = {int(v) for v in value.split(",")}
            elif key == "timeout":
                opts["timeout"] = int(value)
            elif key == "mkdir":
                os.makedirs(os.path.join(work, value), exist_ok=True)
            elif key == "check":
                self.assertIn(value, CHECKS, f"{b.where()}: unknown check {value}")
                opts["checks"].append(CHECKS[value])
            elif key == "needs":
                opts["needs"] = value
            else:
                self.fail(f"{b.where()}: unknown marker token {t!r}")
        if opts["np"]:
            launcher = re.compile(r"\b(?:srun|mpirun)\b[^\n]*?(?:\\\n[^\n]*?)*?\s(build/bin/\w+)")
            self.assertRegex(text, launcher, f"{b.where()}: np= but no srun/mpirun line")
            prefix = shlex.join(pfsb.MPIEXEC + ["-n", str(opts["np"])])
            text = launcher.sub(lambda m: f"{prefix} {m.group(1)}", text)
        return text, opts

    def run_block(self, b, work, shm):
        self.ran.append(b.where())
        text, opts = self.rewrite(b, work, shm)
        if opts["needs"] == "root" and os.geteuid() != 0:
            self.skipTest(f"{b.where()}: needs root")
        env = dict(os.environ, PFSBENCH_BIN_DIR=pfsb.BIN_DIR, PATH="/usr/bin:/bin:" + os.environ.get("PATH", ""))
        r = subprocess.run(["bash", "-e", "-c", text], cwd=work, env=env, capture_output=True, text=True,
                           timeout=opts["timeout"])
        if opts["needs"] and r.returncode == 77:
            self.skipTest(f"{b.where()}: fake nodes cannot start here\n{r.stdout}{r.stderr}")
        self.assertIn(r.returncode, opts["rc"], f"{b.where()} ran as:\n{text}\nstdout:\n{r.stdout[-4000:]}\n"
                                                f"stderr:\n{r.stderr[-4000:]}")
        for doc_path in sorted(glob.glob(os.path.join(work, "*.json"))):
            with open(doc_path) as f:
                try:
                    doc = json.load(f)
                except ValueError:
                    continue
            if isinstance(doc, dict) and doc.get("schema") == "pfsbench-result":
                pfsb.assert_valid(self, doc)
        for check in opts["checks"]:
            check(self, work, r)


# --- checks after a block ----------------------------------------------------------------------

def check_seed(self, work, _r):
    """-n 1 -C -F: the shared directory holds one file per rank and nothing else."""
    tree = os.path.join(work, "gpfs", "md", "seed", "test-dir.0-0", "mdtest_tree.0")
    names = sorted(os.listdir(tree))
    self.assertEqual(names, [f"file.mdtest.{r}.0" for r in range(4)], "one file per rank, no subdirectory")
    with open(os.path.join(work, "seed.json")) as f:
        doc = json.load(f)
    self.assertEqual([p["name"] for p in doc["phases"]], ["tree_create", "file_create"])
    shutil.rmtree(os.path.join(work, "gpfs", "md"))


def check_installed(self, work, _r):
    prefix = os.path.join(work, "opt", "pfsbench", "0.1.0")
    self.assertTrue(os.access(os.path.join(prefix, "bin", "ior_like"), os.X_OK))
    self.assertTrue(os.path.exists(os.path.join(prefix, "bin", "pfsbench-suite")))


def check_verdicts(self, work, r):
    with open(os.path.join(work, "verdicts.json")) as f:
        verdicts = json.load(f)
    self.assertTrue(verdicts["rows"], "the gate compared something")
    gate = verdicts["gate"]
    self.assertEqual(gate["pct"], 5)
    # exit 1 exactly when the gate failed, and then with its causes (two
    # runs a side are too few for a verdict: the gate fails closed)
    self.assertEqual(r.returncode == 1, not gate["passed"])
    if not gate["passed"]:
        self.assertTrue(gate["failures"] and all(f["message"] for f in gate["failures"]))


def check_gib(self, work, _r):
    with open(os.path.join(work, "gb.json")) as f:
        self.assertEqual(json.load(f)["config"]["block_size_bytes"], 2 ** 30)


def check_io500(self, work, _r):
    """The tiny IO500 run: a score from every scored phase, INVALID (a 1 s
    stonewall), and each phase's document beside result.txt follows the schema."""
    res = os.path.join(work, "io500-results", "readme")
    with open(os.path.join(res, "result_summary.txt")) as f:
        summary = f.read()
    m = re.search(r"^\[SCORE \] Bandwidth (\S+) GiB/s : IOPS (\S+) kiops : TOTAL (\S+) \[INVALID\]$", summary, re.M)
    self.assertTrue(m, summary)
    self.assertTrue(all(float(v) > 0 for v in m.groups()), summary)
    phases = [p for p in glob.glob(os.path.join(res, "*.json")) if os.path.basename(p) != "manifest.json"]
    self.assertGreaterEqual(len(phases), 12)
    for p in phases:
        with open(p) as f:
            pfsb.assert_valid(self, json.load(f))


def check_slurm(self, work, _r):
    """The step ran on both fake nodes, and Slurm was stopped (its state removed)."""
    with open(os.path.join(work, "md.json")) as f:
        env = json.load(f)["environment"]
    self.assertEqual(env["hosts"], ["fnode1", "fnode2"])
    self.assertEqual(env["launcher"]["kind"], "srun")
    self.assertFalse(os.path.exists(os.path.join(work, "slurm")), "slurm_local.py down ran (trap EXIT)")


def check_accept(self, _work, r):
    """One PASS or FAIL line per requirement of site-spec.toml, and exit 1
    exactly when one failed (a loaded machine may miss the figures)."""
    verdicts = re.findall(r"^  (PASS|FAIL)  (ior_like write|mdtest_like file_create) ", r.stdout, re.M)
    self.assertEqual(sorted(v[1] for v in verdicts), ["ior_like write", "mdtest_like file_create"], r.stdout)
    self.assertEqual(r.returncode == 1, any(v[0] == "FAIL" for v in verdicts), r.stdout)


def check_report(self, work, _r):
    """Both pages written, self-contained (every image inline, nothing
    fetched), the A/B page with the spec's section."""
    for name in ("filesystems.html", "ab.html"):
        with open(os.path.join(work, name)) as f:
            page = f.read()
        srcs = re.findall(r'<img[^>]*\ssrc="([^"]*)"', page)
        self.assertTrue(srcs, name)
        self.assertTrue(all(s.startswith("data:image/png;base64,") for s in srcs), name)
        self.assertNotRegex(page, r'(src|href)="https?:', name)
    with open(os.path.join(work, "ab.html")) as f:
        self.assertIn("ior_like and mdtest_like on this machine", f.read(), "the spec's title in the page")


CHECKS = {"accept": check_accept, "report": check_report, "io500": check_io500, "slurm": check_slurm, "seed": check_seed, "installed": check_installed, "verdicts": check_verdicts, "gib": check_gib}


if __name__ == "__main__":
    unittest.main()
