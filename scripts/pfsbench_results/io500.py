"""IO500 with pfsbench: IO500's ini, its phases in its order with the lines
it builds, run through pfsbench's tools (ior, mdtest and find), and its
result.txt, result_summary.txt and score.

What is IO500's here, read from IO500/io500 (src/main.c, src/phase_*.c,
src/ini-parse.c, src/util.c; prepare.sh pins IOR 5fcf0ba):
  - the ini: sections and keys, their types and defaults, case-insensitive
    names, '#'/';' comments, empty values keeping the default;
  - the phases of the standard mode and their order (phase-definitions.h);
  - each line, argument by argument, with the -G seeds hashed from the phase
    name and the timestamp (u_phase_unique_random_number);
  - the scores: ior GiB/s (the phase's bandwidth / 2^30), mdtest kIOPS (its
    rate / 1000), find kIOPS (files scanned / the walk's time / 1000); BW
    and MD are the geometric means of their group's scores > 0 and the total
    is sqrt(BW * MD) (calc_score);
  - the validity rules (main.c's loop and the phase files): a stonewalled
    write phase shorter than the stonewall, or than the minimum write time
    (300 s, 30 s with scc), an ior write whose own time is below the
    stonewall, a score of 0, a failed tool, a find that found nothing, and
    --dry-run, each mark the phase and the run INVALID;
  - result.txt (an ini-like log with the config hash and the score hash of
    u_ini_gen_hash / u_hash_update) and result_summary.txt (the [RESULT]
    and [SCORE ] lines, also on stdout).

What differs, on purpose: each phase is one launch of a pfsbench tool (IO500
calls IOR in-process), so its time is the tool's own run (the document's
started_at..finished_at), not the launcher's; each phase also leaves a
pfsbench document and manifest.json beside IO500's files; an existing
results directory of an earlier run is refused rather than overwritten;
drop-caches-cmd runs once per node slot through the launcher like IO500's
per-rank system().
"""
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

from . import RunError, UsageError, documents, project, runner
from .io500_ini import (  # noqa: F401 - names the tests and scripts use
    EXTENDED, SECTIONS, Ini, default_timestamp, hash_key_val, hash_update, load_ini, phase_seed)

GIB = 2**30

# The phases that run in the standard mode, in IO500's order:
# (name, tool, score group, verify_stonewall).
PHASES = [
    ("ior-easy-write", "ior_like", "BW", True),
    ("mdtest-easy-write", "mdtest_like", "MD", True),
    ("timestamp", None, None, False),
    ("ior-hard-write", "ior_like", "BW", True),
    ("mdtest-hard-write", "mdtest_like", "MD", True),
    ("find", "find_like", "MD", False),
    ("ior-easy-read", "ior_like", "BW", False),
    ("mdtest-easy-stat", "mdtest_like", "MD", False),
    ("ior-hard-read", "ior_like", "BW", False),
    ("mdtest-hard-stat", "mdtest_like", "MD", False),
    ("mdtest-easy-delete", "mdtest_like", "MD", False),
    ("mdtest-hard-read", "mdtest_like", "MD", False),
    ("mdtest-hard-delete", "mdtest_like", "MD", False),
    ("ior-rnd4K-easy-read", "ior_like", None, False),
]
# The mdtest_like phase each mdtest line is scored by (mdtest's test number).
MDTEST_PHASE = {"write": "file_create", "stat": "file_stat", "read": "file_read", "delete": "file_remove"}


# --- the lines (src/phase_*.c) -------------------------------------------------

class Settings:
    """The resolved run: directories, stonewall, API, and the timestamp."""

    def __init__(self, ini, timestamp):
        self.ini = ini
        self.timestamp = timestamp
        self.datadir = ini.get("global", "datadir")
        self.resdir = ini.get("global", "resultdir")
        if ini.bool("global", "timestamp-resultdir"):
            self.resdir = f"{self.resdir}/{timestamp}"
        if ini.bool("global", "timestamp-datadir"):
            self.datadir = f"{self.datadir}/{timestamp}"
        self.stonewall = ini.int("debug", "stonewall-time")
        self.minwrite = 30 if ini.bool("global", "scc") else 300
        api = ini.get("global", "api")
        self.api, _, rest = api.partition(" ")
        self.api_args = api if rest else None
        self.packet = ini.get("global", "dataPacketType")
        self.verbosity = ini.int("global", "verbosity")


class Line:
    """One phase as IO500 builds it: argv (argv[0] is IO500's './ior',
    './mdtest' or './pfind'), whether it runs, the ranks, and the warnings
    IO500 prints while building it."""

    def __init__(self, name, tool, group, verify_stonewall):
        self.name, self.tool, self.group, self.verify_stonewall = name, tool, group, verify_stonewall
        self.argv = []
        self.runs = True
        self.np = None  # None: all ranks
        self.show_exe = True
        self.warnings = []

    @property
    def exe(self):
        return " ".join(self.argv)


def _api_args(line, value):
    """push_api_args: the API, then its options, each checked for the
    --<api>. prefix (a warning, as IO500)."""
    words = value.split(" ")
    api = words[0]
    out = [api]
    for w in (w for w in words[1:] if w):
        if not w.lower().startswith(f"--{api}.".lower()):
            line.warnings.append(f"Provided API option {w} starts with a different prefix and might be not "
                                 f"supported - don't worry if you checked!")
        out.append(w)
    return out


def _push_api(line, s, dflt, var):
    """u_argv_push_default_if_set_api_options: the phase's API, else its
    workload's, else the global one."""
    if var is not None:
        return ["-a"] + _api_args(line, var)
    if dflt is not None:
        return ["-a"] + _api_args(line, dflt)
    return ["-a"] + (_api_args(line, s.api_args) if s.api_args else [s.api])


def _bool_flag(flag, dflt, var):
    """u_argv_push_default_if_set_bool."""
    if var is not None:
        return [flag] if var else []
    return [flag] if dflt else []


def _ior_easy_params(s, std_flags):
    ini = s.ini
    a = ["./ior", f"--dataPacketType={s.packet}"]
    a += ["-v"] * max(0, ini.int("ior-easy", "verbosity") or 0)
    a += ["-g", "-G", str(phase_seed("ior-easy", s.timestamp)), "-k", "-e", "-o", f"{s.datadir}/ior-easy/ior_file_easy"]
    if std_flags:
        a += ["-C", "-Q", "1", "-O", f"stoneWallingStatusFile={s.resdir}/ior-easy.stonewall",
              "-t", ini.get("ior-easy", "transferSize"), "-b", ini.get("ior-easy", "blockSize")]
    if ini.bool("ior-easy", "uniqueDir"):
        a.append("-u")
    if ini.bool("ior-easy", "filePerProc"):
        a.append("-F")
    return a


def _ior_hard_params(s):
    ini = s.ini
    a = ["./ior", f"--dataPacketType={s.packet}"]
    a += ["-v"] * max(0, ini.int("ior-hard", "verbosity") or 0)
    a += ["-C", "-Q", "1", "-g", f"-G={phase_seed('ior-hard', s.timestamp)}", "-k", "-e",
          "-o", f"{s.datadir}/ior-hard/file", "-O", f"stoneWallingStatusFile={s.resdir}/ior-hard.stonewall",
          "-t", "47008", "-b", "47008", "-s", str(ini.int("ior-hard", "segmentCount"))]
    return a


def _mdtest_params(s, which):
    ini = s.ini
    section = f"mdtest-{which}"
    a = ["./mdtest", f"--dataPacketType={s.packet}", "-n", ini.get(section, "n")]
    if which == "easy":
        a += ["-u", "-L", "-F", "-P", "-G", str(phase_seed(section, s.timestamp)), "-N", "1"]
    else:
        fpd = ini.int(section, "files-per-dir")
        if fpd:
            a.append(f"-I={fpd}")
        a += ["-t", "-w", "3901", "-e", "3901", "-P", f"-G={phase_seed(section, s.timestamp)}", "-N", "1", "-F"]
    a += ["-d", f"{s.datadir}/{section}", "-x", f"{s.resdir}/{section}.stonewall"]
    return a


def build_lines(s):
    """Every standard-mode phase as IO500 builds it, in IO500's order."""
    ini = s.ini
    lines = []
    for name, tool, group, verify in PHASES:
        line = Line(name, tool, group, verify)
        lines.append(line)
        if name == "timestamp":
            line.show_exe = False
            continue
        own = ini.values[name]
        if name.startswith("ior-easy") or name == "ior-rnd4K-easy-read":
            easy_api = ini.get("ior-easy", "API")
            line.runs = ini.bool("ior-easy", "run") and own["run"] == "TRUE"
            if name == "ior-easy-write":
                a = _ior_easy_params(s, True) + ["-w", "-D", str(s.stonewall), "-O", "stoneWallingWearOut=1"]
                a += _push_api(line, s, easy_api, own["API"])
            elif name == "ior-easy-read":
                a = _ior_easy_params(s, True) + ["-r", "-R"] + _push_api(line, s, easy_api, own["API"])
            else:
                a = _ior_easy_params(s, False) + ["-r", "-D", str(s.stonewall), "-z", "-z"]
                a += _push_api(line, s, easy_api, own["API"])
            a += ["-O", f"saveRankPerformanceDetailsCSV={s.resdir}/{name}.csv"]
            if name == "ior-rnd4K-easy-read":
                a += ["-t=4096", "-b=4096", "-s=10000000", "-O", "stoneWallingWearOut=1"]
                if ini.bool("ior-easy", "filePerProc"):
                    a += ["-C", "-Q", "2"]
            line.argv = a
        elif name.startswith("ior-hard"):
            line.runs = ini.bool("ior-hard", "run") and own["run"] == "TRUE"
            a = _ior_hard_params(s) + (["-w"] if name.endswith("write") else ["-r", "-R"])
            a += _bool_flag("-c", ini.bool("ior-hard", "collective"), ini.bool(name, "collective"))
            if name.endswith("write"):
                a += ["-D", str(s.stonewall)]
            a += _push_api(line, s, ini.get("ior-hard", "API"), own["API"])
            a += ["-O", f"saveRankPerformanceDetailsCSV={s.resdir}/{name}.csv"]
            if name.endswith("write"):
                a += ["-O", "stoneWallingWearOut=1"]
            line.argv = a
        elif name.startswith("mdtest"):
            which, op = name.split("-")[1], name.split("-")[2]
            line.runs = ini.bool(f"mdtest-{which}", "run") and own["run"] == "TRUE"
            a = _mdtest_params(s, which)
            a += {"write": ["-C", "-Y"], "stat": ["-T"], "read": ["-E", "-X"], "delete": ["-r"]}[op]
            if op == "write":
                if which == "hard" and ini.int("mdtest-hard", "files-per-dir"):
                    line.warnings.append("stonewalling disabled in order to support -I option. Make sure your "
                                         "number of elements is big enough to meet the runtime limits!")
                else:
                    a += ["-W", str(s.stonewall)]
            a.append(f"--saveRankPerformanceDetails={s.resdir}/{name}.csv")
            a += _push_api(line, s, ini.get(f"mdtest-{which}", "API"), own["API"])
            line.argv = a
        elif name == "find":
            line.runs = own["run"] == "TRUE"
            line.show_exe = line.runs  # IO500's find returns before printing exe when run = FALSE
            a = ["./pfind", s.datadir, "-newer", f"{s.resdir}/timestampfile", "-size", "3901c", "-name", "*01*", "-C"]
            if own["pfind-steal-next"] == "TRUE":
                a.append("-N")
            if own["pfind-parallelize-single-dir-access-using-hashing"] == "TRUE":
                a += ["-H", "1"]
            a += ["-q", own["pfind-queue-length"]]
            if own["external-extra-args"] or own["external-mpi-args"]:
                line.warnings.append("Using internal pfind, will ignore any arguments to the external script")
            if own["nproc"] is not None:
                line.np = int(own["nproc"])
            line.argv = a
    return lines


# --- scores and validity (src/main.c, src/phase_ior.c, src/phase_mdtest.c, src/phase_find.c) ---

class PhaseResult:
    """What a phase gave: its score, its time, the lines it adds to
    result.txt (key, value) and the INVALID reasons (result.txt's
    '; ERROR INVALID' lines, in IO500's order)."""

    def __init__(self, score=0.0, runtime_s=0.0):
        self.score = score
        self.runtime_s = runtime_s
        self.pairs = []
        self.invalid = []
        self.failed = None  # why the tool failed, or None


def _phase(doc, name):
    return next((p for p in doc.get("phases", []) if p.get("name") == name), None)


def score_document(line, doc, stonewall):
    """A tool phase's PhaseResult from its document (None: no document).
    The time is filled in by the caller; the checks of main.c's loop by
    apply_main_checks."""
    r = PhaseResult()
    if doc is None:
        return r
    errors = len(doc.get("errors") or [])
    if line.tool == "ior_like":
        access = "read" if "-r" in line.argv else "write"
        p = _phase(doc, access)
        if doc.get("status") != "ok" or errors:
            r.invalid.append(f"Errors ({max(errors, 1)}) occured during phase in IOR. This invalidates your run.")
        if p is None:
            return r
        bw = p.get("bandwidth_bytes_per_s") or 0.0
        r.score = bw / GIB
        if access == "write":
            sw = (p.get("details") or {}).get("stonewall") or {}
            sw_time = sw.get("stonewall_duration_s") or 0.0
            if p["duration_s"] < stonewall:
                r.invalid.append(f"Write phase needed {p['duration_s']:f}s instead of stonewall {stonewall}s. "
                                 f"Stonewall was hit at {sw_time:.1f}s")
            if sw_time > 0:
                r.pairs.append(("throughput-stonewall", f"{sw.get('bytes_at_stonewall', 0) / sw_time / GIB:.2f}"))
    elif line.tool == "mdtest_like":
        op = line.name.split("-")[2]
        p = _phase(doc, MDTEST_PHASE[op])
        if p is None:
            return r
        r.score = (p.get("ops_per_s") or 0.0) / 1000
        if op == "write":
            sw = (p.get("details") or {}).get("stonewall") or {}
            sw_s = sw.get("stonewall_s") or 0.0
            rate = sw.get("items_at_stonewall_total", 0) / sw_s / 1000 if sw_s > 0 else float("nan")
            r.pairs.append(("rate-stonewall", f"{rate:f}"))
    elif line.tool == "find_like":
        found, files, walk_s = find_figures(doc)
        if doc.get("status") != "ok":
            r.invalid.append("PFind returned with an error, this is invalid.")
            return r
        if found == 0:
            r.invalid.append("Find didn't find anything, this is likely invalid.")
        r.pairs += [("found", str(found)), ("total-files", str(files))]
        r.score = files / walk_s / 1000 if walk_s else 0.0
    return r


def find_figures(doc):
    """(matched, files, walk seconds) of a find_like document's walk phase.
    IO500 rates the find by pfind's total_files (the non-directory entries
    it scanned) over its run time, not by the matches; find_like's
    details.files is that count."""
    p = _phase(doc, "walk")
    if p is None:
        return 0, 0, 0.0
    d = p.get("details") or {}
    return int(d.get("matched") or 0), int(d.get("files") or 0), float(p.get("duration_s") or 0.0)


def apply_main_checks(line, r, minwrite, stonewall, dry_run):
    """main.c's checks after each phase (for a phase that is not a dummy)."""
    if not dry_run:
        if line.verify_stonewall and r.runtime_s < stonewall:
            r.invalid.append(f"Runtime of phase ({r.runtime_s:f}) is below stonewall time. This shouldn't happen!")
        elif r.score == 0.0 and line.tool is not None:
            r.invalid.append("Resulting score shouldn't be 0.0")
    if r.runtime_s < minwrite and line.verify_stonewall:
        r.invalid.append("Runtime is smaller than expected minimum runtime")


def calc_score(scored):
    """IO500's calc_score: per group the geometric mean of the scores > 0
    (0 when there is none), and the total sqrt(MD * BW).
    `scored`: [(group, score)] of the standard mode's scored phases."""
    groups = {}
    for g in ("MD", "BW"):
        vals = [v for grp, v in scored if grp == g and v > 0]
        prod = 1.0
        for v in vals:
            prod *= v
        groups[g] = prod ** (1.0 / len(vals)) if vals else 0.0
    return groups["BW"], groups["MD"], (groups["MD"] * groups["BW"]) ** 0.5


def result_line(line, r):
    """A result_summary.txt line, exactly as main.c prints it."""
    tag = "[RESULT]" if line.group else "[      ]"
    unit = "GiB/s" if line.name[0] == "i" else "kIOPS"
    return f"{tag} {line.name:>20} {r.score:>15f} {unit} : time {r.runtime_s:.3f} seconds" + \
        ("" if not r.invalid else " [INVALID]")


def score_line(bw, md, total, valid):
    return f"[SCORE ] Bandwidth {bw:f} GiB/s : IOPS {md:f} kiops : TOTAL {total:f}" + ("" if valid else " [INVALID]")


def pair(key, value):
    return f"{key:<15} = {value}\n"


def local_time():
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


# --- running -----------------------------------------------------------------

class Options:
    def __init__(self, **kw):
        self.np = kw["np"]
        self.launcher = kw["launcher"]
        self.timestamp = kw.get("timestamp")
        self.dry_run = kw.get("dry_run", False)
        self.label = kw.get("label")
        self.tags = kw.get("tags", {})
        self.command_line = kw.get("command_line", [])
        self.check_tools = kw.get("check_tools", True)


def pfsbench_version():
    """The version the tools report (ior_like --version), or 'unknown'."""
    try:
        r = subprocess.run([project.tool_path("ior_like"), "--version"], capture_output=True, text=True, timeout=60)
        words = r.stdout.split()
        return words[-1] if r.returncode == 0 and words else "unknown"
    except OSError:
        return "unknown"


def check_tools(lines):
    """The flags of every line that will run, against its tool's --help:
    a tool that lacks one is refused before anything runs."""
    from . import suites
    known, problems = {}, []
    for line in lines:
        if not line.runs or line.tool is None:
            continue
        if line.tool not in known:
            known[line.tool] = suites.help_options(line.tool)
        # find's single-dash words (-newer, -size, -name) are find_like's --newer ...
        args = [a for a in line.argv[1:] if not (re.fullmatch(r"-[a-z]{3,}", a) and "-" + a in known[line.tool])]
        missing = suites.unknown_options(args, known[line.tool])
        if missing:
            problems.append(f"{line.name}: {line.tool} has no {', '.join(missing)}")
    if problems:
        raise UsageError(f"IO500's lines use options this build's tools lack (checked with --help): "
                         f"{'; '.join(problems)}. Build a pfsbench whose tools have them, or set run = FALSE "
                         f"for those phases (the run is then INVALID)")


class Io500Run:
    """One IO500 run: builds the lines, runs them, writes IO500's files,
    the documents and manifest.json into the result directory."""

    def __init__(self, ini, opts):
        self.ini, self.opts = ini, opts
        self.s = Settings(ini, opts.timestamp or default_timestamp())
        self.lines = build_lines(self.s)
        self.results = {}
        self.valid_run = True
        self.stop_signal = None
        self.child = None
        self.version = None
        self.failed = []

    # -- output files, written as they grow (IO500 flushes after each line) --
    def out(self, text):
        self.result_txt.write(text)
        self.result_txt.flush()

    def summary(self, text):
        self.result_summary.write(text + "\n")
        self.result_summary.flush()
        print(text, flush=True)

    def invalid(self, msg, run=False):
        self.out(f"; ERROR INVALID {msg}\n")
        print(f"ERROR INVALID {msg}", flush=True)
        if run:
            self.valid_run = False

    def warning(self, msg):
        self.out(f"; WARNING {msg}\n")
        print(f"WARNING {msg}", flush=True)

    # -- the run ----------------------------------------------------------------
    def prepare(self):
        s = self.s
        if os.path.exists(os.path.join(s.resdir, documents.MANIFEST)):
            raise UsageError(f"result directory {s.resdir} already holds a run (manifest.json); give another "
                             f"resultdir, or set timestamp-resultdir = TRUE")
        if self.opts.check_tools and not self.opts.dry_run:
            check_tools(self.lines)
        self.version = f"pfsbench-{pfsbench_version()}"
        try:
            os.makedirs(s.resdir, mode=0o700, exist_ok=True)
            if not self.opts.dry_run:
                for sub in ("ior-easy", "ior-hard"):
                    os.makedirs(os.path.join(s.datadir, sub), mode=0o700, exist_ok=True)
            self.result_summary = open(os.path.join(s.resdir, "result_summary.txt"), "w")
            self.result_txt = open(os.path.join(s.resdir, "result.txt"), "w")
            with open(os.path.join(s.resdir, "config-orig.ini"), "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(self.ini.text)
            with open(os.path.join(s.resdir, "config.ini"), "w") as f:
                for name, opts in SECTIONS:
                    f.write(f"[{name}]\n" + "".join(f"{k} = {self.ini.values[name][k] or ''}\n" for k, _t, _d in opts)
                            + "\n")
        except OSError as e:
            raise RunError(f"cannot prepare {e.filename}: {e.strerror}; check datadir and resultdir")

    def new_manifest(self):
        o, s = self.opts, self.s
        runs = []
        for line in self.lines:
            if line.tool is None:
                continue
            runs.append({"index": len(runs) + 1, "name": line.name, "tool": line.tool, "repetition": 1, "side": None,
                         "document": f"{line.name}.json", "log": f"{line.name}.txt", "status": "pending",
                         "exit_code": None, "config_hash": None, "command_line": None, "setup": None,
                         "started_at": None, "finished_at": None, "duration_s": None, "schema_errors": [],
                         "io500_line": line.exe})
        return {"schema": documents.MANIFEST_SCHEMA, "schema_version": 1, "id": os.path.basename(s.resdir),
                "suite": "io500", "suite_file": os.path.abspath(self.ini.path), "target": os.path.abspath(s.datadir),
                "launcher": o.launcher, "np": o.np, "label": o.label or f"io500 {s.timestamp}", "tags": o.tags, "repeat": 1, "ab": None,
                "slurm_job_id": os.environ.get("SLURM_JOB_ID"), "command_line": o.command_line,
                "status": "running", "created_at": runner.now_iso(), "updated_at": None, "runs": runs,
                "io500": None}

    def save_manifest(self):
        self.manifest["updated_at"] = runner.now_iso()
        path = os.path.join(self.s.resdir, documents.MANIFEST)
        with open(path + ".tmp", "w") as f:
            json.dump(self.manifest, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)

    def on_signal(self, signum, _frame):
        self.stop_signal = signum
        if self.child is not None and self.child.poll() is None and signum == signal.SIGTERM:
            self.child.send_signal(signal.SIGTERM)

    def run(self):
        """Runs every phase; returns the exit code (0 done, valid or not;
        1 a phase's tool failed; 4 interrupted)."""
        self.prepare()
        s = self.s
        self.manifest = self.new_manifest()
        self.save_manifest()
        self.out("[run]\n" + pair("procs", self.opts.np) + pair("version", self.version)
                 + pair("config-hash", f"{self.ini.config_hash():X}") + pair("result-dir", s.resdir)
                 + pair("mode", "standard"))
        if self.opts.dry_run:
            self.invalid("DRY RUN MODE ACTIVATED", run=True)
        if s.verbosity > 0:
            self.out(f"; START {local_time()}\n")
        self.summary(f"IO500 version {self.version} (standard)")
        # The validate() checks. IO500 resets the phase flag before each
        # phase, so these print but do not by themselves make the run invalid.
        if s.stonewall != s.minwrite:
            self.invalid(f"stonewall-time {s.stonewall}s != {s.minwrite}s")
        fpd = self.ini.int("mdtest-hard", "files-per-dir")
        if fpd:
            self.invalid("files-per-dir is set")
        self.out("\n")
        handlers = {sig: signal.signal(sig, self.on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for line in self.lines:
                if self.stop_signal is not None:
                    break
                self.run_phase(line)
                self.save_manifest()
        finally:
            for sig, h in handlers.items():
                signal.signal(sig, h)
        self.finish()
        if self.stop_signal is not None:
            return 4
        return 1 if self.failed else 0

    def drop_caches(self):
        cmd = self.ini.get("global", "drop-caches-cmd")
        r = subprocess.run(runner.launch_prefix(self.opts.launcher, self.opts.np) + ["/bin/sh", "-c", cmd],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.warning(f'Calling "{cmd}" returned {r.returncode}')

    def run_phase(self, line):
        s = self.s
        if self.ini.bool("global", "drop-caches") and line.tool is not None and not self.opts.dry_run:
            self.drop_caches()
        self.out(f"\n[{line.name}]\n")
        if s.verbosity > 0:
            self.out(pair("t_start", local_time()))
        for w in line.warnings:
            self.warning(w)
        if line.show_exe and line.tool is not None:
            self.out(pair("exe", line.exe))
            if line.name == "find":  # IO500 prints pfind's communicator size
                self.out(pair("nproc", line.np or self.opts.np))
        rec = next((r for r in self.manifest["runs"] if r["name"] == line.name), None)
        if line.tool is None:
            t0 = time.monotonic()
            open(os.path.join(s.resdir, "timestampfile"), "w").close()  # IO500 makes it in a dry run too
            r = PhaseResult(0.0, time.monotonic() - t0)
        elif self.opts.dry_run or not line.runs:
            r = PhaseResult()
            rec["status"] = "not_run"
        else:
            doc, r = self.run_tool(line, rec)
        for msg in r.invalid:
            self.invalid(msg)
        for k, v in r.pairs:
            self.out(pair(k, v))
        if line.tool is not None:
            own = len(r.invalid)
            apply_main_checks(line, r, s.minwrite, s.stonewall, self.opts.dry_run)
            for msg in r.invalid[own:]:
                self.invalid(msg)
            self.out(pair("score", f"{r.score:f}"))
        if r.invalid:
            self.valid_run = False
        self.summary(result_line(line, r))
        if s.verbosity > 0:
            self.out(pair("t_delta", f"{r.runtime_s:.4f}") + pair("t_end", local_time()))
        self.results[line.name] = r

    def run_tool(self, line, rec):
        s, o = self.s, self.opts
        doc_path = os.path.join(s.resdir, rec["document"])
        np = line.np or o.np
        cmd = runner.launch_prefix(o.launcher, np) + [project.tool_path(line.tool)] + line.argv[1:] + \
            ["--json", doc_path, "--tag", "suite=io500", "--tag", f"io500_phase={line.name}"]
        for k, v in o.tags.items():
            cmd += ["--tag", f"{k}={v}"]
        if o.label:
            cmd += ["--label", o.label]
        rec["command_line"] = cmd
        rec["started_at"] = runner.now_iso()
        t0 = time.monotonic()
        with open(os.path.join(s.resdir, rec["log"]), "w") as log:
            try:
                self.child = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
                rc = self.child.wait()
            except OSError as e:
                log.write(f"io500: cannot start {cmd[0]}: {e.strerror}\n")
                rc = 1
            self.child = None
        wall = time.monotonic() - t0
        rec["finished_at"] = runner.now_iso()
        rec["duration_s"] = round(wall, 3)
        rec["exit_code"] = rc
        runner.record_document(rec, doc_path, rc)
        doc = None
        if rec.get("document"):
            with open(doc_path) as f:
                doc = json.load(f)
        r = score_document(line, doc, s.stonewall)
        r.runtime_s = tool_runtime(doc, wall)
        if rec["status"] != "ok":
            why = f"{line.tool} ended {rec['status']} (exit {rc}); its output is in {s.resdir}/{rec['log']}"
            r.failed = why
            self.failed.append(line.name)
            print(f"io500: error: {line.name}: {why}", file=sys.stderr, flush=True)
            if not any(m.startswith(("Errors (", "PFind returned")) for m in r.invalid):
                r.invalid.insert(0, f"{line.name}: {why}")
        return doc, r

    def finish(self):
        s = self.s
        self.out("\n[SCORE]\n")
        scored = [(line.group, self.results[line.name].score) for line in self.lines
                  if line.group and line.name in self.results]
        bw, md, total = calc_score(scored)
        valid = self.valid_run and self.stop_signal is None and len(self.results) == len(self.lines)
        h = hash_key_val(0, "version", self.version)
        for line in self.lines:
            if line.group and line.name in self.results:
                h = hash_key_val(h, line.name, f"{self.results[line.name].score:f}")
        h = hash_key_val(h, "MD", f"{md:f}")
        h = hash_key_val(h, "BW", f"{bw:f}")
        self.out(pair("MD", f"{md:f}") + pair("BW", f"{bw:f}"))
        h = hash_key_val(h, "SCORE", f"{total:f}")
        if not valid:
            h = hash_key_val(h, "valid", "NO")
        self.out(pair("SCORE", f"{total:f}" + ("" if valid else " [INVALID]")) + pair("hash", f"{h:X}"))
        self.summary(score_line(bw, md, total, valid))
        print(f"\nThe result files are stored in the directory: {s.resdir}", flush=True)
        if not self.opts.dry_run:
            self.cleanup()
        if s.verbosity > 0:
            self.out(f"; END {local_time()}\n")
        self.result_txt.close()
        self.result_summary.close()
        for r in self.manifest["runs"]:
            if r["status"] == "pending":
                r["status"] = "not_run"
        self.manifest["io500"] = {
            "version": self.version, "mode": "standard", "timestamp": s.timestamp, "result_dir": s.resdir,
            "data_dir": s.datadir, "stonewall_s": s.stonewall, "valid": valid,
            "score": {"bandwidth_gib_per_s": bw, "iops_kiops": md, "total": total},
            "phases": [{"name": line.name, "score": self.results[line.name].score,
                        "unit": "GiB/s" if line.name[0] == "i" else "kIOPS", "group": line.group,
                        "time_s": self.results[line.name].runtime_s, "valid": not self.results[line.name].invalid,
                        "invalid": self.results[line.name].invalid}
                       for line in self.lines if line.name in self.results]}
        self.manifest["status"] = "interrupted" if self.stop_signal is not None else \
            "failed" if self.failed else "ok"
        self.save_manifest()

    def cleanup(self):
        """IO500's cleanup: the status files, ior's files and the phase
        directories, then the data directory; only what this run made
        (rmdir, never a recursive delete)."""
        s = self.s
        for name in ("ior-easy.stonewall", "ior-hard.stonewall", "mdtest-easy.stonewall", "mdtest-hard.stonewall"):
            _quietly(os.unlink, os.path.join(s.resdir, name))
        if self.ini.bool("ior-easy", "filePerProc"):
            for rank in range(self.opts.np):
                _quietly(os.unlink, f"{s.datadir}/ior-easy/ior_file_easy.{rank:08d}")
        else:
            _quietly(os.unlink, f"{s.datadir}/ior-easy/ior_file_easy")
        _quietly(os.unlink, f"{s.datadir}/ior-hard/file")
        for sub in ("ior-easy", "ior-hard", "mdtest-easy", "mdtest-hard", ""):
            _quietly(os.rmdir, os.path.join(s.datadir, sub))


def _quietly(fn, path):
    try:
        fn(path)
    except OSError:
        pass


def tool_runtime(doc, wall_s):
    """The phase's time as IO500 takes it (around IOR's or mdtest's whole
    run): the tool's started_at..finished_at; the launch's wall time when
    the tool left no document."""
    if doc:
        try:
            a = datetime.datetime.fromisoformat(doc["started_at"].replace("Z", "+00:00"))
            b = datetime.datetime.fromisoformat(doc["finished_at"].replace("Z", "+00:00"))
            return max(0.0, (b - a).total_seconds())
        except (KeyError, ValueError, AttributeError):
            pass
    return wall_s


def dry_run_text(run):
    """--dry-run's stdout: each phase's line as result.txt's exe = ... pair."""
    out = []
    for line in run.lines:
        if line.show_exe and line.tool is not None:
            out.append(f"[{line.name}]\n" + pair("exe", line.exe).rstrip("\n"))
    return "\n".join(out)
