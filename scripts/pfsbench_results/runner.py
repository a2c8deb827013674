"""Running a suite: one results directory per suite run, one document per
tool run, and manifest.json recording what ran, how and how it ended.

A tool that fails or is interrupted is recorded and the suite goes on. A
signal to the driver itself (Ctrl-C, Slurm's time limit) is passed to the
running tool, which keeps its finished phases; the suite then stops, the
runs not started are recorded as `not_run`, and the exit code is 4.
A/B runs come in rounds: each round runs one suite run on both sides, back
to back, each after its side's setup command; a failing setup stops the
suite (exit 1). Which side goes first is drawn per round from a seeded
generator (recorded in the manifest), balanced over the repetitions of a
run (as many A-first as B-first rounds), so that an order effect (the
second run finds a warm cache, or a cold one) cancels in the paired
comparison instead of favouring one side."""
import datetime
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

from . import RunError, UsageError, documents, project, schema, suites

EXIT_STATUS = {0: "ok", 1: "failed", 2: "usage_error", 3: "verify_failed", 4: "interrupted"}
SETUP_OUTPUT_MAX_CHARS = 64 * 1024


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Options:
    """What the command line asked for (see scripts/suite)."""

    def __init__(self, **kw):
        self.target = kw["target"]
        # --np: an int, or the list of rank counts to sweep (--np 1,2,4)
        self.np_values = list(kw["np"]) if isinstance(kw["np"], (list, tuple)) else [kw["np"]]
        self.np = self.np_values[0]
        self.launcher = kw["launcher"]
        self.launcher_args = kw.get("launcher_args", [])
        self.launcher_template = kw.get("launcher_template")
        self.tags = kw.get("tags", {})
        self.label = kw.get("label")
        self.out = kw["out"]
        self.repeat = kw.get("repeat", 1)
        self.resume = kw.get("resume", False)
        self.ab = kw.get("ab", False)
        self.setup = {"A": kw.get("a_setup"), "B": kw.get("b_setup")}
        self.seed = kw.get("seed")
        self.command_line = kw.get("command_line", [])


LAUNCHER_ENV = "PFSBENCH_LAUNCHER"


def detect_launcher(env=os.environ):
    """$PFSBENCH_LAUNCHER's template when set, srun inside a Slurm
    allocation, mpirun otherwise."""
    if env.get(LAUNCHER_ENV):
        return "template"
    return "srun" if env.get("SLURM_JOB_ID") else "mpirun"


def launch_prefix(launcher, np, launcher_args=None, template=None):
    """The command before the tool. srun: `srun --mpi=pmix -n NP`, where
    launcher_args (e.g. ["--mpi=pmi2", "--cpu-bind=cores"]) replace the
    default --mpi=pmix; mpirun: tools.conf's flags, then launcher_args;
    template: $PFSBENCH_LAUNCHER with {np} replaced (e.g. "mpiexec.hydra -n
    {np} -ppn 32", Cray's "srun -n {np} --cpu-bind=cores", PBS's "mpiexec -n
    {np}"), then launcher_args."""
    extra = list(launcher_args or [])
    if launcher == "template":
        return [w.replace("{np}", str(np)) for w in shlex.split(template)] + extra
    if launcher == "srun":
        return ["srun", *(extra or ["--mpi=pmix"]), "-n", str(np)]
    return ["mpirun", *project.mpirun_flags(), *extra, "-np", str(np)]


def check_launcher(launcher, template=None, env=os.environ, which=shutil.which, run=subprocess.run):
    """Refuses, before any run, a launcher that cannot work here (UsageError,
    exit 2): a program not on PATH, a template without {np}, srun outside a
    Slurm allocation where no Slurm controller answers (every run would fail
    with srun's own errors)."""
    if launcher == "template":
        if not template or not template.strip():
            raise UsageError(f"--launcher template needs ${LAUNCHER_ENV}, e.g. "
                             f"{LAUNCHER_ENV}='mpiexec.hydra -n {{np}}'")
        if "{np}" not in template:
            raise UsageError(f"${LAUNCHER_ENV}='{template}' has no {{np}} for the rank count; "
                             f"write it where the launcher takes it, e.g. 'mpiexec -n {{np}}'")
        program = shlex.split(template)[0]
    else:
        program = launcher
    if which(program) is None:
        raise UsageError(f"launcher {program} is not on PATH; load its module or give another --launcher "
                         f"(mpirun, srun, or ${LAUNCHER_ENV})")
    if program == "srun" and not env.get("SLURM_JOB_ID"):
        try:
            ok = run(["scontrol", "ping"], capture_output=True, text=True, timeout=15).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if not ok:
            raise UsageError("--launcher srun outside a Slurm allocation, and no Slurm controller answers "
                             "(scontrol ping): run the suite inside salloc or sbatch, or use --launcher mpirun")


def ab_orders(suite, repeat, seed, np_values=(1,)):
    """{key: ["AB" or "BA" per repetition]}: for each run of the suite and
    each of its sweep points a shuffled list with as many AB as BA rounds
    (an odd count draws the last one), from random.Random(seed), so the
    same seed gives the same plan. The key is the run's name for its first
    (or only) point, (name, point index) for the others of a sweep."""
    rng = random.Random(seed)
    orders = {}
    for spec in suite.runs:
        n_points = len(spec.points(np_values)) if hasattr(spec, "points") else 1
        for i in range(n_points):
            half = ["AB", "BA"] * (repeat // 2) + ([rng.choice(["AB", "BA"])] if repeat % 2 else [])
            rng.shuffle(half)
            orders[spec.name if i == 0 else (spec.name, i)] = half
    return orders


def plan(suite, opts):
    """The runs in order: for each repetition, each run of the suite, each
    of its sweep points, and with --ab both sides back to back in the
    round's order (see ab_orders). A record's "np" is its rank count and
    "sweep" the values of its swept parameters ({} without a sweep)."""
    np_values = getattr(opts, "np_values", None) or [opts.np]
    orders = ab_orders(suite, opts.repeat, opts.seed, np_values) if opts.ab else None
    runs = []
    for rep in range(opts.repeat):
        for spec in suite.runs:
            for i, (np, option_value, point) in enumerate(spec.points(np_values)):
                sides = list(orders[spec.name if i == 0 else (spec.name, i)][rep]) if orders else [None]
                for side in sides:
                    stem = spec.name + suites.point_suffix(point) + (f".{side}" if side else "") + \
                        (f".r{rep + 1}" if opts.repeat > 1 else "")
                    runs.append({"index": len(runs) + 1, "name": spec.name, "tool": spec.tool,
                                 "repetition": rep + 1, "side": side, "np": np, "sweep": point,
                                 "option_value": option_value, "document": stem + ".json", "log": stem + ".log",
                                 "status": "pending", "exit_code": None, "config_hash": None,
                                 "command_line": None, "setup": None, "started_at": None, "finished_at": None,
                                 "duration_s": None, "schema_errors": []})
    return runs


def sweep_of(suite, np_values):
    """The manifest's account of what the suite run sweeps: [{"run",
    "parameter", "values"}] per swept run and parameter ([] for none)."""
    out = []
    for spec in suite.runs:
        points = spec.points(np_values)
        for param in dict.fromkeys(k for _, _, p in points for k in p):
            out.append({"run": spec.name, "parameter": param,
                        "values": list(dict.fromkeys(p[param] for _, _, p in points))})
    return out


def check_out_dir(out, resume):
    """Refuses an --out that holds something not ours, or a finished suite
    run without --resume; returns the manifest to resume, or None."""
    if not os.path.exists(out):
        if resume:
            raise UsageError(f"--resume: {out} does not exist; give the results directory of the suite run to finish")
        return None
    if not os.path.isdir(out):
        raise UsageError(f"--out {out} is not a directory; give a new or empty directory")
    manifest = None
    try:
        manifest = documents.load_manifest(out)
    except UsageError as e:
        raise UsageError(f"--out {out} is not a pfsbench results directory ({e}); give a new or empty directory")
    if manifest is None:
        if os.listdir(out):
            raise UsageError(f"--out {out} is not empty and has no pfsbench manifest.json: it is not ours; "
                             f"give a new or empty directory")
        if resume:
            raise UsageError(f"--resume: {out} has no manifest.json; nothing to resume")
        return None
    if not resume:
        raise UsageError(f"--out {out} already holds a suite run; add --resume to finish it, or give another --out")
    return manifest


def work_dir_of(suite, target):
    """The suite's directory on the target, fixed so that runs of the same
    suite on the same target share their configuration (paths included)."""
    return os.path.join(target, f"pfsbench-suite-{suite.name}")


def check_target(target, need_bytes, work_dir=None):
    if not os.path.isdir(target):
        raise UsageError(f"target {target} is not a directory; give an existing directory on the filesystem to test")
    if not os.access(target, os.W_OK | os.X_OK):
        raise UsageError(f"target {target} is not writable; give a directory you can write")
    if work_dir and os.path.lexists(work_dir):
        raise UsageError(f"{work_dir} exists: another suite is running on this target, or a killed one left it; "
                         f"remove it when no suite runs")
    st = os.statvfs(target)
    free = st.f_bavail * st.f_frsize
    if free < need_bytes:
        raise UsageError(f"target {target} has {free / 2**20:.0f} MiB free, the suite needs {need_bytes / 2**20:.0f} MiB "
                         f"(its largest run at these ranks); free space, or use fewer ranks or a smaller suite")


def record_document(rec, doc_path, rc):
    """Fills a run's manifest record from its document (status, config_hash,
    hosts, schema errors); a missing or unreadable document is a failed run.
    Shared by the suite driver and scripts/io500."""
    status = EXIT_STATUS.get(rc, "failed")
    try:
        doc = documents.load_document(doc_path)
    except UsageError as e:
        rec["status"] = "failed" if status == "ok" else status
        rec["document"] = None
        rec["schema_errors"] = [f"no document: {e}"]
        return
    rec["config_hash"] = doc.config_hash
    # Where it ran: the nodes the tool saw (its environment's hosts).
    env = doc.data.get("environment") or {}
    rec["hosts"] = env.get("hosts")
    rec["schema_errors"] = schema.errors_of(doc.data, schema.validator())[:20]
    # The document knows best (mpirun exits 1 for a SIGTERM it forwarded).
    status = doc.status or status
    if status == "ok" and (rc != 0 or rec["schema_errors"]):
        status = "failed"
    rec["status"] = status


class Driver:
    def __init__(self, suite, opts):
        self.suite, self.opts = suite, opts
        self.specs = {s.name: s for s in suite.runs}
        self.stop_signal = None
        self.child = None

    def prefix(self, np=None):
        o = self.opts
        return launch_prefix(o.launcher, np or o.np, o.launcher_args, o.launcher_template)

    # --- manifest -----------------------------------------------------------
    def new_manifest(self):
        o = self.opts
        return {"schema": documents.MANIFEST_SCHEMA, "schema_version": 1,
                "id": os.path.basename(os.path.normpath(o.out)), "suite": self.suite.name,
                "suite_file": os.path.abspath(self.suite.path), "target": os.path.abspath(o.target),
                "launcher": o.launcher, "launch_prefix": self.prefix(),
                "np": o.np if len(o.np_values) == 1 else o.np_values,
                "sweep": sweep_of(self.suite, o.np_values),
                "nodes": {"slurm_nodelist": os.environ.get("SLURM_JOB_NODELIST"),
                          "slurm_nodes": int(os.environ["SLURM_JOB_NUM_NODES"])
                          if os.environ.get("SLURM_JOB_NUM_NODES", "").isdigit() else None,
                          "hosts": []}, "label": o.label, "tags": o.tags, "repeat": o.repeat,
                "ab": {"a_setup": o.setup["A"], "b_setup": o.setup["B"], "seed": o.seed,
                       "order": "random per round, balanced per run (A first in half the rounds)"} if o.ab else None,
                "slurm_job_id": os.environ.get("SLURM_JOB_ID"), "command_line": o.command_line,
                "status": "running", "created_at": now_iso(), "updated_at": None, "runs": plan(self.suite, o)}

    def resume_manifest(self, old):
        if self.opts.ab and isinstance(old.get("ab"), dict) and old["ab"].get("seed") is not None:
            self.opts.seed = old["ab"]["seed"]  # the same plan: the order drawn when the suite started
        fresh = self.new_manifest()
        key = lambda r: (r["name"], r["side"], r["repetition"], json.dumps(r.get("sweep") or {}, sort_keys=True))
        if [key(r) for r in old["runs"]] != [key(r) for r in fresh["runs"]] or old.get("suite") != self.suite.name:
            raise UsageError(f"--resume: {self.opts.out} holds another plan (suite {old.get('suite')}, "
                             f"{len(old['runs'])} runs); resume with the same suite, --repeat and --ab")
        for r in old["runs"]:
            if r["status"] != "ok":
                r.update({k: v for k, v in fresh["runs"][r["index"] - 1].items() if k not in ("index",)})
        old["status"] = "running"
        old.setdefault("resumed_at", []).append(now_iso())
        return old

    def save(self):
        self.manifest["updated_at"] = now_iso()
        path = os.path.join(self.opts.out, documents.MANIFEST)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.manifest, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)

    # --- signals ------------------------------------------------------------
    def on_signal(self, signum, _frame):
        self.stop_signal = signum
        if self.child is not None and self.child.poll() is None:
            # Ctrl-C reaches the tool's process group by itself; a SIGTERM
            # sent to us alone (Slurm's batch step) is passed on.
            if signum == signal.SIGTERM:
                self.child.send_signal(signal.SIGTERM)

    # --- one run ------------------------------------------------------------
    def run_setup(self, rec):
        cmd = self.opts.setup.get(rec["side"])
        if not cmd:
            return True
        t0 = time.monotonic()
        r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
        out = (r.stdout + r.stderr)
        rec["setup"] = {"command": cmd, "exit_code": r.returncode, "duration_s": time.monotonic() - t0,
                        "output": out[-SETUP_OUTPUT_MAX_CHARS:]}
        if r.returncode != 0:
            rec["status"] = "setup_failed"
            print(f"suite: error: side {rec['side']}'s setup command failed with exit {r.returncode}: {cmd}\n"
                  f"{out.strip()[-2000:]}\nsuite: stopping; fix the setup command and run again with --resume",
                  file=sys.stderr)
            return False
        return True

    def run_tool(self, rec, work_dir):
        spec = self.specs[rec["name"]]
        # The same path for every run of a spec (and every suite run on this
        # target): paths are part of the configuration, and runs that differ
        # only in side or repetition must share the config_hash.
        run_dir = os.path.join(work_dir, spec.name)
        os.makedirs(run_dir)
        doc_path = os.path.join(self.opts.out, rec["document"])
        if os.path.exists(doc_path):  # a failed attempt's, before --resume: never read it as this run's
            os.unlink(doc_path)
        tags = {"suite": self.suite.name, **self.opts.tags, **({"side": rec["side"]} if rec["side"] else {}),
                **({"sweep": suites.point_tag(rec["sweep"])} if rec.get("sweep") else {})}
        cmd = self.prefix(rec.get("np")) + [project.tool_path(spec.tool)] + \
            spec.args_for(run_dir, rec.get("option_value")) + ["--json", doc_path]
        for k, v in tags.items():
            cmd += ["--tag", f"{k}={v}"]
        if self.opts.label:
            cmd += ["--label", self.opts.label]
        rec["command_line"] = cmd
        rec["started_at"] = now_iso()
        t0 = time.monotonic()
        with open(os.path.join(self.opts.out, rec["log"]), "w") as log:
            self.child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          errors="replace")
            tees = [threading.Thread(target=_tee, args=(self.child.stdout, sys.stdout, log)),
                    threading.Thread(target=_tee, args=(self.child.stderr, sys.stderr, log))]
            for t in tees:
                t.start()
            rc = self.child.wait()
            for t in tees:
                t.join()
        self.child = None
        rec["finished_at"] = now_iso()
        rec["duration_s"] = round(time.monotonic() - t0, 3)
        rec["exit_code"] = rc
        shutil.rmtree(run_dir, ignore_errors=True)
        self.record_document(rec, doc_path, rc)

    def record_document(self, rec, doc_path, rc):
        record_document(rec, doc_path, rc)
        # Where the suite ran: the union of the nodes its tools saw.
        nodes = self.manifest.setdefault("nodes", {"slurm_nodelist": None, "slurm_nodes": None, "hosts": []})
        for h in rec.get("hosts") or []:
            if h not in nodes["hosts"]:
                nodes["hosts"].append(h)

    # --- the suite ----------------------------------------------------------
    def run(self, old_manifest=None):
        os.makedirs(self.opts.out, exist_ok=True)
        self.manifest = self.resume_manifest(old_manifest) if old_manifest else self.new_manifest()
        self.save()
        todo = [r for r in self.manifest["runs"] if r["status"] != "ok"]
        handlers = {s: signal.signal(s, self.on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        work_dir = work_dir_of(self.suite, self.opts.target)
        os.mkdir(work_dir)
        t_start, durations = time.monotonic(), []
        try:
            for i, rec in enumerate(todo):
                if self.stop_signal is not None:
                    break
                _progress(i, len(todo), rec, time.monotonic() - t_start, durations)
                if not self.run_setup(rec):
                    self.finish("setup_failed")
                    raise RunError(f"side {rec['side']}'s setup failed; results so far in {self.opts.out}")
                self.run_tool(rec, work_dir)
                durations.append(rec["duration_s"])
                print(f"suite: {rec['name']}{' ' + rec['side'] if rec['side'] else ''}: {rec['status']} "
                      f"(exit {rec['exit_code']}, {rec['duration_s']:.1f} s)", file=sys.stderr)
                self.save()
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
            for s, h in handlers.items():
                signal.signal(s, h)
        if self.stop_signal is not None:
            self.finish("interrupted")
            return 4
        bad = [r for r in self.manifest["runs"] if r["status"] != "ok"]
        self.finish("failed" if bad else "ok")
        return 1 if bad else 0

    def finish(self, status):
        for r in self.manifest["runs"]:
            if r["status"] == "pending":
                r["status"] = "not_run"
        self.manifest["status"] = status
        self.save()


def _tee(src, console, log):
    for line in src:
        console.write(line)
        console.flush()
        log.write(line)


def _progress(i, n, rec, elapsed_s, durations):
    left = f", about {_hms(sum(durations) / len(durations) * (n - i))} left" if durations else ""
    side = f" side {rec['side']}" if rec["side"] else ""
    side += f" at {suites.point_tag(rec['sweep'])}" if rec.get("sweep") else ""
    print(f"suite: run {i + 1} of {n}: {rec['name']}{side} (repetition {rec['repetition']}); "
          f"elapsed {_hms(elapsed_s)}{left}", file=sys.stderr, flush=True)


def _hms(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
