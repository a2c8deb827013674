"""scripts/io500 (issue 16, What 3): IO500's ini, its lines, its order, its
result files, its score and its INVALID rules.

The golden values (the -G seeds, the config-hash, the lines) come from the
io500 application itself (IO500/io500 02091cf254d8 with IOR 5fcf0ba, built
from a fetch outside the repository) run as `io500 CONFIG --dry-run
--timestamp=T2` on the ini of `tiny_ini` below; the issue's lines are
IO500's --dry-run of the same build. The score is recomputed here from the
phase figures of result_summary.txt, independently of the script's code.
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import unittest

import pfsb

sys.path.insert(0, os.path.join(pfsb.ROOT, "scripts"))
from pfsbench_results import io500  # noqa: E402

SCRIPT = os.path.join(pfsb.ROOT, "scripts", "io500")
REPORT = os.path.join(pfsb.ROOT, "scripts", "report")
COMPARE = os.path.join(pfsb.ROOT, "scripts", "compare")
RESULT_RE = re.compile(r"^\[(RESULT|      )\] +(\S+) +(\S+) (GiB/s|kIOPS) : time (\S+) seconds( \[INVALID\])?$")
SCORE_RE = re.compile(r"^\[SCORE \] Bandwidth (\S+) GiB/s : IOPS (\S+) kiops : TOTAL (\S+)( \[INVALID\])?$")

# io500 02091cf254d8 --dry-run --timestamp=T2 on tiny_ini("/tmp/io5/data", "/tmp/io5/res", 5)
GOLDEN_SEEDS = {"ior-easy": 36989650, "mdtest-easy": -1888949550, "ior-hard": 36992322, "mdtest-hard": -1888946878}
GOLDEN_CONFIG_HASH = "7D90B610"
# The issue's lines (io500 --dry-run), with $DATA, $RES and the seeds as placeholders.
ISSUE_LINES = {
    "ior-easy-write": "ior --dataPacketType=timestamp -g -G {ior-easy} -k -e -o $DATA/ior-easy/ior_file_easy -C -Q 1 "
                      "-O stoneWallingStatusFile=$RES/ior-easy.stonewall -t 2m -b 2048m -F -w -D 5 "
                      "-O stoneWallingWearOut=1 -a POSIX -O saveRankPerformanceDetailsCSV=$RES/ior-easy-write.csv",
    "mdtest-easy-write": "mdtest --dataPacketType=timestamp -n 200000 -u -L -F -P -G {mdtest-easy} -N 1 "
                         "-d $DATA/mdtest-easy -x $RES/mdtest-easy.stonewall -C -Y -W 5 "
                         "--saveRankPerformanceDetails=$RES/mdtest-easy-write.csv -a POSIX",
    "ior-hard-write": "ior --dataPacketType=timestamp -C -Q 1 -g -G={ior-hard} -k -e -o $DATA/ior-hard/file "
                      "-O stoneWallingStatusFile=$RES/ior-hard.stonewall -t 47008 -b 47008 -s 200000 -w -D 5 -a POSIX "
                      "-O saveRankPerformanceDetailsCSV=$RES/ior-hard-write.csv -O stoneWallingWearOut=1",
    "mdtest-hard-write": "mdtest --dataPacketType=timestamp -n 200000 -t -w 3901 -e 3901 -P -G={mdtest-hard} -N 1 -F "
                         "-d $DATA/mdtest-hard -x $RES/mdtest-hard.stonewall -C -Y -W 5 "
                         "--saveRankPerformanceDetails=$RES/mdtest-hard-write.csv -a POSIX",
    "find": "pfind $DATA -newer $RES/timestampfile -size 3901c -name *01* -C -q 10000",
    "ior-rnd4K-easy-read": "ior --dataPacketType=timestamp -g -G {ior-easy} -k -e -o $DATA/ior-easy/ior_file_easy -F -r "
                           "-D 5 -z -z -a POSIX -O saveRankPerformanceDetailsCSV=$RES/ior-rnd4K-easy-read.csv -t=4096 "
                           "-b=4096 -s=10000000 -O stoneWallingWearOut=1 -C -Q 2",
}
STANDARD_ORDER = ["ior-easy-write", "mdtest-easy-write", "timestamp", "ior-hard-write", "mdtest-hard-write", "find",
                  "ior-easy-read", "mdtest-easy-stat", "ior-hard-read", "mdtest-hard-stat", "mdtest-easy-delete",
                  "mdtest-hard-read", "mdtest-hard-delete", "ior-rnd4K-easy-read"]


def tiny_ini(data, res, stonewall, extra=""):
    return f"""[global]
datadir = {data}
resultdir = {res}
api = POSIX
drop-caches = FALSE

[debug]
stonewall-time = {stonewall}   ; scaled

[ior-easy]
transferSize = 2m
blockSize = 2048m

[mdtest-easy]
n = 200000

[ior-hard]
segmentCount = 200000

[mdtest-hard]
n = 200000

[find]
pfind-queue-length = 10000
{extra}"""


def run_io500(*args, timeout=600, env=None):
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=env)


def read_summary(resdir):
    """{phase: (score, unit, time, invalid, scored)}, and the score line's
    (bw, md, total, invalid), from result_summary.txt."""
    phases, score = {}, None
    with open(os.path.join(resdir, "result_summary.txt")) as f:
        for line in f.read().splitlines():
            m = RESULT_RE.match(line)
            if m:
                phases[m.group(2)] = (float(m.group(3)), m.group(4), float(m.group(5)), bool(m.group(6)),
                                      m.group(1) == "RESULT")
            m = SCORE_RE.match(line)
            if m:
                score = (float(m.group(1)), float(m.group(2)), float(m.group(3)), bool(m.group(4)))
    return phases, score


def recompute_score(phases):
    """IO500's rule, written again from its definition: per group (ior = BW,
    the rest = MD) the geometric mean of the [RESULT] scores above 0; the
    total is the geometric mean of the two."""
    def gmean(vals):
        vals = [v for v in vals if v > 0]
        return math.exp(sum(math.log(v) for v in vals) / len(vals)) if vals else 0.0
    bw = gmean([s for n, (s, _u, _t, _i, scored) in phases.items() if scored and n.startswith("ior")])
    md = gmean([s for n, (s, _u, _t, _i, scored) in phases.items() if scored and not n.startswith("ior")])
    return bw, md, math.sqrt(bw * md)


def result_sections(resdir):
    """result.txt as {section: [lines]}."""
    sections, cur = {}, None
    with open(os.path.join(resdir, "result.txt")) as f:
        for line in f.read().splitlines():
            m = re.match(r"^\[(.+)\]$", line)
            if m:
                cur = m.group(1)
                sections[cur] = []
            elif cur is not None:
                sections[cur].append(line)
    return sections


class Io500Case(unittest.TestCase):
    def setUp(self):
        self._dir = pfsb.temp_dir(pfsb.DISK_TMP)
        self.dir = self._dir.__enter__()
        self.data = os.path.join(self.dir, "data")
        self.res = os.path.join(self.dir, "res")

    def tearDown(self):
        self._dir.__exit__(None, None, None)

    def write_ini(self, text, name="config.ini"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def assert_refused(self, ini_text, *needles, args=()):
        r = run_io500(self.write_ini(ini_text), "--timestamp", "T", *args)
        self.assertEqual(r.returncode, 2, r)
        self.assertTrue(r.stderr.startswith("io500: error: "), r.stderr)
        for n in needles:
            self.assertIn(n, r.stderr)
        self.assertFalse(os.path.exists(self.res), "nothing is written for a refused ini")
        self.assertFalse(os.path.exists(self.data))
        return r

    def run_ok(self, ini_text, *args, expect=0):
        r = run_io500(self.write_ini(ini_text), "--np", "2", "--timestamp", "E", *args)
        self.assertEqual(r.returncode, expect, r)
        return r, os.path.join(self.res, "E")

    def check_common(self, resdir, ran):
        phases, score = read_summary(resdir)
        self.assertEqual(list(phases), STANDARD_ORDER)
        bw, md, total = recompute_score(phases)
        self.assertAlmostEqual(score[0], bw, delta=2e-6 + 1e-6 * bw)
        self.assertAlmostEqual(score[1], md, delta=2e-6 + 1e-6 * md)
        self.assertAlmostEqual(score[2], total, delta=2e-6 + 1e-6 * total)
        self.assertTrue(score[3], "stonewall-time 1 < 300: IO500's minimum write time makes the run INVALID")
        with open(os.path.join(resdir, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(m["schema"], "pfsbench-manifest")
        self.assertEqual((m["suite"], m["np"], m["io500"]["valid"]), ("io500", 2, False))
        self.assertAlmostEqual(m["io500"]["score"]["total"], score[2], delta=1e-6)
        recs = {rec["name"]: rec for rec in m["runs"]}
        for name in ran:
            rec = recs[name]
            self.assertEqual(rec["status"], "ok", rec)
            with open(os.path.join(resdir, rec["document"])) as f:
                doc = json.load(f)
            pfsb.assert_valid(self, doc)
            self.assertEqual(doc["tags"]["io500_phase"], name)
            cl, args = rec["command_line"], rec["io500_line"].split()[1:]
            at = next(i for i, a in enumerate(cl) if a.endswith("/" + rec["tool"])) + 1
            self.assertEqual(cl[at:at + len(args)], args, "the tool ran IO500's line, argument for argument")
        return phases, m

class Refusals(Io500Case):

    """Bad ini: exit 2, the message names the key or section, nothing written."""

    def test_unknown_key_is_refused_by_name(self):
        text = tiny_ini(self.data, self.res, 1, "\n[ior-hard]\nsegmentcount = 3\nfastMode = TRUE\n")
        r = self.assert_refused(text, "unknown key 'fastMode' in [ior-hard]", "segmentCount")
        self.assertIn(f"line {text.splitlines().index('fastMode = TRUE') + 1}:", r.stderr)

    def test_unknown_section_and_bad_values(self):
        self.assert_refused(tiny_ini(self.data, self.res, 1, "[ior-medium]\n"), "unknown section [ior-medium]")
        self.assert_refused(tiny_ini(self.data, self.res, "soon"), "stonewall-time expects an integer, got 'soon'")
        self.assert_refused(tiny_ini(self.data, self.res, 1, "[find]\nrun = maybe\n"), "run expects a bool")
        self.assert_refused("datadir = x\n", "outside any section")
        self.assert_refused("[global]\nthis is not ini\n", "unexpected content")

    def test_extended_phases_are_refused_by_name(self):
        for section in ("mdworkbench", "mdworkbench-create", "mdworkbench-bench", "find-easy", "find-hard"):
            self.assert_refused(tiny_ini(self.data, self.res, 1, f"[{section}]\nrun = TRUE\n"),
                                f"[{section}] is a phase of IO500's extended mode")
        self.assert_refused(tiny_ini(self.data, self.res, 1), "extended mode", "md", args=("--mode=extended",))

    def test_unimplemented_keys_are_refused_by_name(self):
        self.assert_refused(tiny_ini(self.data, self.res, 1, "[find]\nexternal-script = /bin/true\n"),
                            "external-script is not implemented")
        self.assert_refused(tiny_ini(self.data, self.res, 1, "[debug]\npause-dir = /tmp\n"), "pause-dir")
        self.assert_refused(tiny_ini(self.data, self.res, 1, "[global]\nio-buffers-on-gpu = TRUE\n"), "GPU")

    def test_case_comments_and_empty_values_as_io500(self):
        ini = io500.Ini("x.ini", "[GLOBAL]\n  DataDir = /d  # a comment\nresultdir =\n[Debug]\nstonewall-time = -3 ; c\n")
        self.assertEqual(ini.get("global", "datadir"), "/d")
        self.assertEqual(ini.get("global", "resultdir"), "./results", "an empty value keeps the default")
        self.assertEqual(ini.int("debug", "stonewall-time"), -3)
        self.assertEqual(ini.get("ior-easy", "blockSize"), "9920000m")


    def test_a_tool_lacking_a_flag_of_a_line_is_refused_before_anything_runs(self):
        """Checked against each tool's --help: here an mdtest_like whose
        --help lacks -W and -x (a stand-in script; ior_like is the real one)."""
        bin_dir = os.path.join(self.dir, "bin")
        os.mkdir(bin_dir)
        os.symlink(pfsb.tool_path("ior_like"), os.path.join(bin_dir, "ior_like"))
        fake = os.path.join(bin_dir, "mdtest_like")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'Options:'\necho '  -n INT  items'\necho '  -C  create'\n")
        os.chmod(fake, 0o755)
        off = "[find]\nrun = FALSE\n"
        r = run_io500(self.write_ini(tiny_ini(self.data, self.res, 1, off)), "--timestamp", "T",
                      env=dict(os.environ, PFSBENCH_BIN_DIR=bin_dir))
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("mdtest-easy-write: mdtest_like has no ", r.stderr)
        self.assertIn("-W", r.stderr)
        self.assertFalse(os.path.exists(self.data), "nothing ran")
        self.assertFalse(os.path.exists(os.path.join(self.res, "T", "result.txt")))


class Lines(Io500Case):
    """The lines, seeds and hashes IO500 builds."""

    def test_seeds_and_config_hash_are_io500s(self):
        for phase, seed in GOLDEN_SEEDS.items():
            self.assertEqual(io500.phase_seed(phase, "T2"), seed, phase)
        ini = io500.Ini("t.ini", tiny_ini("/tmp/io5/data", "/tmp/io5/res", 5))
        self.assertEqual(f"{ini.config_hash():X}", GOLDEN_CONFIG_HASH)

    def test_dry_run_prints_the_issues_lines_in_io500s_order(self):
        r = run_io500(self.write_ini(tiny_ini(self.data, self.res, 5)), "--dry-run", "--timestamp", "T2")
        self.assertEqual(r.returncode, 0, r)
        exe = dict(re.findall(r"^\[(\S+)\]\nexe +=  ?(.*)$", r.stdout, re.M))
        data, res = f"{self.data}/T2", f"{self.res}/T2"
        for phase, text in ISSUE_LINES.items():
            want = text.replace("$DATA", data).replace("$RES", res)
            for k, v in GOLDEN_SEEDS.items():
                want = want.replace("{" + k + "}", str(v))
            self.assertEqual(exe[phase], "./" + want, phase)
        # the read, stat and delete lines: as the write line, with IO500's flags for the phase
        easy_w = exe["ior-easy-write"]
        self.assertEqual(exe["ior-easy-read"], easy_w.replace("-w -D 5 -O stoneWallingWearOut=1", "-r -R")
                         .replace("ior-easy-write.csv", "ior-easy-read.csv"))
        self.assertIn(" -E -X --saveRankPerformanceDetails=", exe["mdtest-hard-read"])
        self.assertIn(" -T --saveRankPerformanceDetails=", exe["mdtest-easy-stat"])
        self.assertIn(" -r --saveRankPerformanceDetails=", exe["mdtest-hard-delete"])
        phases, score = read_summary(res)
        self.assertEqual(list(phases), STANDARD_ORDER)
        self.assertTrue(score[3], "a dry run is INVALID")
        with open(os.path.join(res, "result.txt")) as f:
            text = f.read()
        self.assertIn("; ERROR INVALID DRY RUN MODE ACTIVATED", text)
        self.assertFalse(os.path.exists(data), "a dry run writes no data")

    def test_phase_keys_change_the_lines(self):
        text = tiny_ini(self.data, self.res, 5, "[ior-easy]\nfilePerProc = FALSE\nuniqueDir = TRUE\nverbosity = 2\n"
                        "[ior-hard-write]\ncollective = TRUE\nAPI = MPIIO --mpiio.hintsFileName=/h\n"
                        "[mdtest-hard]\nfiles-per-dir = 100\n[find]\nnproc = 1\npfind-steal-next = TRUE\n"
                        "[global]\napi = POSIX --posix.odirect\ndataPacketType = offset\n")
        s = io500.Settings(io500.Ini("x", text), "T")
        lines = {ln.name: ln for ln in io500.build_lines(s)}
        self.assertIn("-v -v -g", lines["ior-easy-write"].exe)
        self.assertIn(" -u -w", lines["ior-easy-write"].exe)
        self.assertNotIn(" -F", lines["ior-easy-write"].exe)
        self.assertIn("-a POSIX --posix.odirect", lines["ior-easy-write"].exe)
        self.assertIn(" -w -c -D 5 -a MPIIO --mpiio.hintsFileName=/h ", lines["ior-hard-write"].exe)
        self.assertNotIn(" -c ", lines["ior-hard-read"].exe)
        self.assertIn("-n 200000 -I=100 -t", lines["mdtest-hard-write"].exe)
        self.assertNotIn("-W", lines["mdtest-hard-write"].exe, "IO500 drops the stonewall with files-per-dir")
        self.assertTrue(lines["mdtest-hard-write"].warnings)
        self.assertEqual(lines["find"].np, 1)
        self.assertIn(" -C -N -q 10000", lines["find"].exe)
        self.assertNotIn(" -C -Q 2", lines["ior-rnd4K-easy-read"].exe, "rnd4K pairs ranks only with filePerProc")
        self.assertTrue(lines["ior-easy-write"].exe.startswith("./ior --dataPacketType=offset"))


class Rules(unittest.TestCase):
    """The score and validity rules as pure functions, on made-up figures
    (a valid run needs 300 s phases, too long for a test)."""

    def line(self, name):
        return next(ln for ln in io500.build_lines(io500.Settings(io500.Ini("x", "[debug]\nstonewall-time=300\n"),
                                                                   "T")) if ln.name == name)

    def test_calc_score(self):
        bw, md, total = io500.calc_score([("BW", 2.0), ("BW", 8.0), ("MD", 1.0), ("MD", 0.0), ("MD", 9.0)])
        self.assertAlmostEqual(bw, 4.0)
        self.assertAlmostEqual(md, 3.0, msg="a 0 score is left out of the mean, not a factor")
        self.assertAlmostEqual(total, math.sqrt(12.0))
        self.assertEqual(io500.calc_score([("BW", 3.0)]), (3.0, 0.0, 0.0))

    def test_write_phase_rules(self):
        w = self.line("ior-easy-write")
        for runtime, score, want in ((301, 1.0, []), (299, 1.0, ["below stonewall", "minimum runtime"]),
                                     (301, 0.0, ["score shouldn't be 0.0"]), (299, 0.0, ["below stonewall",
                                                                                          "minimum runtime"])):
            r = io500.PhaseResult(score, runtime)
            io500.apply_main_checks(w, r, minwrite=300, stonewall=300, dry_run=False)
            self.assertEqual(len(r.invalid), len(want), (runtime, score, r.invalid))
            for msg, needle in zip(r.invalid, want):
                self.assertIn(needle, msg)
        r = io500.PhaseResult(1.0, 100)  # scc: 30 s minimum, stonewall 30
        io500.apply_main_checks(w, r, minwrite=30, stonewall=30, dry_run=False)
        self.assertEqual(r.invalid, [])

    def test_read_phase_rules(self):
        rd = self.line("ior-easy-read")
        r = io500.PhaseResult(0.0, 1.0)
        io500.apply_main_checks(rd, r, minwrite=300, stonewall=300, dry_run=False)
        self.assertEqual(r.invalid, ["Resulting score shouldn't be 0.0"])
        r = io500.PhaseResult(5.0, 1.0)
        io500.apply_main_checks(rd, r, minwrite=300, stonewall=300, dry_run=False)
        self.assertEqual(r.invalid, [], "a short read is valid")

    def test_documents_give_io500s_units(self):
        doc = {"status": "ok", "errors": [], "phases": [{"name": "write", "duration_s": 310.0,
                                                          "bandwidth_bytes_per_s": 3 * 2**30,
                                                          "details": {"stonewall": {"stonewall_duration_s": 300.0,
                                                                                    "bytes_at_stonewall": 600 * 2**30}}}]}
        r = io500.score_document(self.line("ior-easy-write"), doc, 300)
        self.assertEqual((r.score, r.invalid), (3.0, []))
        self.assertEqual(r.pairs, [("throughput-stonewall", "2.00")])
        doc["phases"][0]["duration_s"] = 200.0
        r = io500.score_document(self.line("ior-easy-write"), doc, 300)
        self.assertEqual(r.invalid, ["Write phase needed 200.000000s instead of stonewall 300s. "
                                     "Stonewall was hit at 300.0s"])
        md = {"status": "ok", "errors": [], "phases": [{"name": "file_stat", "ops_per_s": 12345.0}]}
        self.assertEqual(io500.score_document(self.line("mdtest-easy-stat"), md, 300).score, 12.345)
        fd = {"status": "ok", "errors": [], "phases": [{"name": "walk", "duration_s": 2.0, "ops": 12000,
                                                        "details": {"matched": 0, "files": 10000}}]}
        r = io500.score_document(self.line("find"), fd, 300)
        self.assertEqual(r.score, 5.0, "find: files scanned (pfind's total_files) / time / 1000")
        self.assertEqual(r.invalid, ["Find didn't find anything, this is likely invalid."])
        bad = dict(doc, status="failed", errors=[{"message": "x"}])
        self.assertIn("Errors (1) occured", io500.score_document(self.line("ior-easy-write"), bad, 300).invalid[0])


class EndToEnd(Io500Case):
    """Real runs at np 2, tiny sizes, 1 s stonewall, on the disk."""

    def test_ior_phases_score_and_invalid_rules(self):
        """The phases that the tools of main run (ior's easy and hard write
        and read); the others are switched off (run = FALSE), which IO500
        marks INVALID with a score of 0. ior-easy is sized to finish before
        its 1 s stonewall (IO500: INVALID, the write was shorter than the
        stonewall); ior-hard has enough segments to hit it."""
        off = "".join(f"[{s}]\nrun = FALSE\n" for s in ("mdtest-easy", "mdtest-hard", "find", "ior-rnd4K-easy-read"))
        text = tiny_ini(self.data, self.res, 1, off).replace("blockSize = 2048m", "blockSize = 4m") \
            .replace("segmentCount = 200000", "segmentCount = 2000000")
        r, resdir = self.run_ok(text)
        ran = ["ior-easy-write", "ior-hard-write", "ior-easy-read", "ior-hard-read"]
        phases, m = self.check_common(resdir, ran)
        sections = result_sections(resdir)
        for name in STANDARD_ORDER:
            if name == "timestamp":
                continue
            invalid = [ln for ln in sections[name] if ln.startswith("; ERROR INVALID")]
            if name in ran:
                self.assertGreater(phases[name][0], 0, name)
                self.assertEqual(phases[name][3], "write" in name, (name, invalid))
            else:
                self.assertEqual(phases[name][0], 0.0)
                if "write" in name:  # main.c: the stonewall check comes first (else if), then the minimum
                    self.assertEqual(len(invalid), 2, invalid)
                    self.assertIn("Runtime of phase (0.000000) is below stonewall time", invalid[0])
                    self.assertIn("Runtime is smaller than expected minimum runtime", invalid[1])
                else:
                    self.assertEqual(invalid, ["; ERROR INVALID Resulting score shouldn't be 0.0"], name)
                self.assertTrue(phases[name][3])
        easy = "\n".join(sections["ior-easy-write"])
        self.assertIn("; ERROR INVALID Write phase needed", easy)
        self.assertIn("is below stonewall time", easy)
        self.assertIn("Runtime is smaller than expected minimum runtime", easy)
        hard = "\n".join(sections["ior-hard-write"])
        self.assertNotIn("Write phase needed", hard, "ior-hard ran up to its stonewall")
        self.assertNotIn("below stonewall time", hard)
        self.assertIn("Runtime is smaller than expected minimum runtime", hard)
        self.assertIn("throughput-stonewall", hard)
        # each [RESULT] figure is its document's: GiB/s of the phase's bandwidth
        for name in ran:
            with open(os.path.join(resdir, f"{name}.json")) as f:
                doc = json.load(f)
            p = next(p for p in doc["phases"] if p["name"] == ("write" if "write" in name else "read"))
            self.assertAlmostEqual(phases[name][0], p["bandwidth_bytes_per_s"] / 2**30, delta=1e-6)
        self.assertEqual(sorted(os.listdir(self.data)), [], "IO500's cleanup removed this run's data")
        # scripts/report shows the score and its phases
        html = os.path.join(self.dir, "r.html")
        rr = subprocess.run([sys.executable, REPORT, resdir, "-o", html], capture_output=True, text=True)
        self.assertEqual(rr.returncode, 0, rr.stderr)
        with open(html) as f:
            page = f.read()
        self.assertIn(f"TOTAL {m['io500']['score']['total']:f}", page)
        self.assertIn("ior-hard-write", page)
        self.assertIn("INVALID", page)

    def test_a_failing_phase_is_recorded_and_the_run_goes_on(self):
        """ior-easy-read without its write: the read fails (exit 1, recorded,
        INVALID), and the later phases still run."""
        off = "".join(f"[{s}]\nrun = FALSE\n" for s in ("ior-easy-write", "mdtest-easy", "mdtest-hard", "find",
                                                           "ior-rnd4K-easy-read"))
        text = tiny_ini(self.data, self.res, 1, off).replace("segmentCount = 200000", "segmentCount = 100")
        r, resdir = self.run_ok(text, expect=1)
        self.assertIn("io500: error: ior-easy-read: ior_like ended failed", r.stderr)
        phases, _ = read_summary(resdir)
        self.assertTrue(phases["ior-easy-read"][3])
        self.assertGreater(phases["ior-hard-read"][0], 0, "the run went on after the failure")
        with open(os.path.join(resdir, "manifest.json")) as f:
            m = json.load(f)
        recs = {rec["name"]: rec for rec in m["runs"]}
        self.assertIn(recs["ior-easy-read"]["status"], ("failed", "usage_error"))
        self.assertNotEqual(recs["ior-easy-read"]["exit_code"], 0)
        self.assertEqual(recs["ior-easy-write"]["status"], "not_run")
        self.assertEqual(m["status"], "failed")
        self.assertTrue(os.path.getsize(os.path.join(resdir, "ior-easy-read.txt")) > 0, "the tool's output is kept")

    def test_an_earlier_run_is_never_overwritten(self):
        off = "".join(f"[{s}]\nrun = FALSE\n" for s in ("ior-easy", "ior-hard", "mdtest-easy", "mdtest-hard", "find"))
        text = tiny_ini(self.data, self.res, 1, off + "[global]\ntimestamp-resultdir = FALSE\n")
        self.run_ok(text)
        with open(os.path.join(self.res, "result.txt")) as f:
            first = f.read()
        r = run_io500(self.write_ini(text), "--np", "2")
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("already holds a run", r.stderr)
        with open(os.path.join(self.res, "result.txt")) as f:
            self.assertEqual(f.read(), first)

    def test_sigterm_stops_and_keeps_what_ran(self):
        off = "".join(f"[{s}]\nrun = FALSE\n" for s in ("mdtest-easy", "mdtest-hard", "find", "ior-rnd4K-easy-read"))
        # The data on tmpfs: mpirun gives its ranks a few seconds after a
        # forwarded SIGTERM, and ior's close-time fsync (-e) of a big file on
        # a busy disk can take longer (then no document is left to read).
        shm = pfsb.temp_dir(pfsb.SHM)
        self.data = shm.__enter__()
        self.addCleanup(shm.__exit__, None, None, None)
        text = tiny_ini(self.data, self.res, 30, off).replace("segmentCount = 200000", "segmentCount = 100000000")
        proc = subprocess.Popen([sys.executable, SCRIPT, self.write_ini(text), "--np", "2", "--timestamp", "E"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        resdir = os.path.join(self.res, "E")
        deadline = time.monotonic() + 120
        hard_file = os.path.join(self.data, "E", "ior-hard", "file")
        while time.monotonic() < deadline:  # wait until ior-hard-write is writing (its file grows)
            if os.path.exists(hard_file) and os.path.getsize(hard_file) > 0:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 4, err)
        phases, score = read_summary(resdir)
        self.assertIn("ior-easy-write", phases)
        self.assertNotIn("ior-easy-read", phases, "nothing runs after the signal")
        self.assertTrue(score[3], "an interrupted run is INVALID")
        with open(os.path.join(resdir, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(m["status"], "interrupted")
        rec = {r["name"]: r for r in m["runs"]}["ior-hard-write"]
        self.assertEqual(rec["status"], "interrupted", (rec, open(os.path.join(resdir, rec["log"])).read()[-1500:]))


def tools_have_io500_flags():
    """What the full run needs beyond main: find_like, and mdtest_like's and
    ior_like's flags of IO500's lines (issue 16, What 1 and 4)."""
    try:
        s = io500.Settings(io500.Ini("x", tiny_ini("/d", "/r", 1)), "T")
        io500.check_tools(io500.build_lines(s))
        return None
    except Exception as e:  # noqa: BLE001 - the reason is the skip message
        return str(e)


class FullRun(Io500Case):
    def test_every_phase_of_the_standard_mode(self):
        missing = tools_have_io500_flags()
        if missing:
            self.skipTest(f"needs find_like and IO500's mdtest/ior flags (issue 16 What 1, 4): {missing}")
        text = tiny_ini(self.data, self.res, 1).replace("blockSize = 2048m", "blockSize = 64m") \
            .replace("n = 200000", "n = 2000")
        r, resdir = self.run_ok(text)
        ran = [n for n in STANDARD_ORDER if n != "timestamp"]
        phases, m = self.check_common(resdir, ran)
        for name in ran:
            self.assertGreater(phases[name][0], 0, name)
        sections = result_sections(resdir)
        self.assertTrue(any(ln.startswith("found ") for ln in sections["find"]))
        self.assertTrue(any(ln.startswith("rate-stonewall ") for ln in sections["mdtest-easy-write"]))


if __name__ == "__main__":
    unittest.main()
