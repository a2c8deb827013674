#!/usr/bin/env python3
"""A private Slurm (munged + slurmctld + slurmd on this host) for the tests,
so pfsbench can be run under `srun` as users do on clusters: one node (this
host), or with nodes=N (--nodes N) N fake nodes fnode1..fnodeN, one slurmd
each, every slurmd in its own UTS namespace with its node's hostname (issue
18), so the tasks of different nodes see different hosts and Open MPI gives
each node its own shared-memory domain.

Everything (slurm.conf, munge key and socket, state, spool, logs, pid files)
lives in one directory; nothing under /etc, /var or /run is used or changed,
and a system Slurm, if any, is not touched. The daemons run as root
(SlurmUser=SlurmdUser=root) without cgroups (proctrack/linuxproc,
task/none) and without accounting, on two free TCP ports of 127.0.0.1.

Command line:
  slurm_local.py up   [--dir DIR] [--timeout S] [--nodes N]   start (or reuse) it; prints
                                                  `export SLURM_CONF=...`
  slurm_local.py down [--dir DIR]                 cancel its jobs, stop the
                                                  daemons, remove DIR
  slurm_local.py status [--dir DIR]
DIR defaults to $TMPDIR/pfsbench-slurm-<uid>. `up` twice reuses the running
daemons; `up` after a crash stops what is left and starts again.
Exit codes: 0 ok, 1 Slurm could not be brought up (the reason is printed).

From Python (tests/integration/test_slurm.py):
  slurm = LocalSlurm(); slurm.up()   # raises SlurmUnavailable(reason)
  subprocess.run(["srun", ...], env=slurm.env())
  slurm.down()
"""
import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("srun", "scontrol", "sinfo", "squeue", "scancel")
INSTALL_HINT = "install them with: apt-get install --no-install-recommends slurm-wlm munge"


class SlurmUnavailable(Exception):
    """Slurm cannot be brought up here; the message says why and what to do."""


def default_dir():
    return os.path.join(tempfile.gettempdir(), f"pfsbench-slurm-{os.geteuid()}")


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read_pid(path):
    try:
        with open(path) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return pid


def _tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError:
        return f"(no log at {path})"


class LocalSlurm:
    def __init__(self, base=None, nodes=None):
        self.base = os.path.abspath(base or default_dir())
        self.conf = os.path.join(self.base, "slurm.conf")
        self.munge_socket = os.path.join(self.base, "munge", "munge.socket")
        self.host = socket.gethostname().split(".")[0]  # slurmctld's name for its own host
        # The compute nodes: this host, or fake nodes (one slurmd each); a
        # running cluster's own configuration says which (`down` without --nodes).
        if not nodes:
            with contextlib.suppress(OSError):
                with open(self.conf) as f:
                    nodes = sum(1 for line in f if line.startswith("NodeName=fnode")) or None
        self.fake = bool(nodes)
        self.nodes = [f"fnode{i + 1}" for i in range(nodes)] if nodes else [self.host]
        self.node = self.nodes[0]  # the (first) compute node; SLURM_JOB_NODELIST names it
        self.nodelist = f"fnode[1-{nodes}]" if nodes and nodes > 1 else self.node
        self.partition = "pfsb"

    # --- paths -----------------------------------------------------------
    def _p(self, *parts):
        return os.path.join(self.base, *parts)

    def pid_file(self, daemon):
        return self._p("run", f"{daemon}.pid")

    def log_file(self, daemon):
        return self._p("log", f"{daemon}.log")

    def daemons(self):
        """(name, pid file, log file) of every daemon of this cluster."""
        out = [(d, self.pid_file(d), self.log_file(d)) for d in ("munged", "slurmctld")]
        if self.fake:
            out += [(f"slurmd {n}", self.pid_file(f"slurmd.{n}"), self.log_file(f"slurmd.{n}")) for n in self.nodes]
        else:
            out.append(("slurmd", self.pid_file("slurmd"), self.log_file("slurmd")))
        return out

    def env(self, base_env=None):
        """The environment for srun/scontrol/...: SLURM_CONF of this cluster.
        Slurm variables of an enclosing allocation are dropped."""
        env = dict(os.environ if base_env is None else base_env)
        for k in [k for k in env if k.startswith(("SLURM_", "SBATCH_", "SALLOC_", "SRUN_"))]:
            del env[k]
        env["SLURM_CONF"] = self.conf
        return env

    # --- checks ------------------------------------------------------------
    def check_prerequisites(self):
        missing = [d for d in DAEMONS + CLIENTS if shutil.which(d, path=os.environ.get("PATH", "") +
                                                               ":/usr/sbin:/sbin") is None]
        if missing:
            raise SlurmUnavailable(f"Slurm/munge not installed (missing {', '.join(missing)}); {INSTALL_HINT}")
        if os.geteuid() != 0:
            raise SlurmUnavailable("a private Slurm needs root here (slurmd runs as root to launch the "
                                   "tasks); run the tests as root, or on a real Slurm cluster run srun yourself")
        if len(self.munge_socket.encode()) > 100:
            raise SlurmUnavailable(f"directory {self.base} is too long for a UNIX socket path; use a shorter --dir")

    def _which(self, name):
        return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")

    def _run(self, cmd, timeout=10):
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env())

    def running(self):
        """True when every daemon of this directory is alive."""
        return all(_read_pid(pid_file) for _, pid_file, _ in self.daemons())

    def node_state(self, node=None):
        try:
            r = self._run(["sinfo", "-h", "-N", "-n", node or self.node, "-o", "%T"], timeout=5)
        except subprocess.TimeoutExpired:
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    def ready(self):
        for node in self.nodes:
            state = self.node_state(node)
            if not state or state.rstrip("*~#") not in ("idle", "mixed", "allocated", "completing"):
                return False
        return True

    # --- setup -------------------------------------------------------------
    def _write_config(self):
        for d in ("munge", "run", "log", "state", "spool"):
            os.makedirs(self._p(d), mode=0o700, exist_ok=True)
        for n in self.nodes if self.fake else []:
            os.makedirs(self._p("spool", n), mode=0o700, exist_ok=True)
            os.makedirs(self._p("tmp", n), mode=0o1777, exist_ok=True)
        os.chmod(self.base, 0o700)
        key = self._p("munge", "munge.key")
        if not os.path.exists(key):
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(1024))
        # 4 CPUs at least (config_overrides: whatever the hardware), so a
        # second 2-rank job fits beside a held 2-rank allocation.
        cpus = max(4, os.cpu_count() or 4)
        lines = [
            "# written by tests/integration/slurm_local.py: a private single-node cluster",
            "ClusterName=pfsbench",
            f"SlurmctldHost={self.host}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            *([] if self.fake else [f"SlurmdPort={_free_port()}"]),
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            f"StateSaveLocation={self._p('state')}",
            f"SlurmctldPidFile={self.pid_file('slurmctld')}",
            f"SlurmctldLogFile={self.log_file('slurmctld')}",
            # fake nodes: one spool, pid file, log and TmpFS per slurmd (%n is
            # the node's name); without its own TmpFS the second node's PMIx
            # step fails ("spmix_appdir ... File exists")
            *([f"SlurmdSpoolDir={self._p('spool', '%n')}", f"SlurmdPidFile={self.pid_file('slurmd.%n')}",
               f"SlurmdLogFile={self.log_file('slurmd.%n')}", f"TmpFS={self._p('tmp', '%n')}"] if self.fake else
              [f"SlurmdSpoolDir={self._p('spool')}", f"SlurmdPidFile={self.pid_file('slurmd')}",
               f"SlurmdLogFile={self.log_file('slurmd')}"]),
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            # no cgroups: works in containers and without systemd
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SwitchType=switch/none",
            "MpiDefault=none",
            "SchedulerType=sched/builtin",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            # the node is what this file says, whatever the hardware
            "SlurmdParameters=config_overrides",
            "SlurmdTimeout=30",
            "InactiveLimit=0",
            "KillWait=5",
            "MinJobAge=5",
            *([f"NodeName={n} NodeHostname={self.host} NodeAddr=127.0.0.1 Port={_free_port()} CPUs={cpus} "
               "State=UNKNOWN" for n in self.nodes] if self.fake else
              [f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN"]),
            f"PartitionName={self.partition} Nodes={','.join(self.nodes)} Default=YES MaxTime=INFINITE "
            "OverSubscribe=YES State=UP",
        ]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def _start(self, daemon, cmd, timeout_s, pid_file=None, log=None):
        log = log or self.log_file(daemon)
        pid_file = pid_file or self.pid_file(daemon)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=self.env())
        if r.returncode != 0:
            raise SlurmUnavailable(f"{daemon} failed to start ({' '.join(cmd)}: exit {r.returncode}):\n"
                                   f"{(r.stdout + r.stderr).strip()}\n--- {log}:\n{_tail(log)}")
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if _read_pid(pid_file):
                return
            time.sleep(0.05)
        raise SlurmUnavailable(f"{daemon} did not write {pid_file} within {timeout_s:.0f} s\n"
                               f"--- {log}:\n{_tail(log)}")

    def _start_slurmds(self):
        if not self.fake:
            self._start("slurmd", [self._which("slurmd"), "-f", self.conf, "-N", self.node], 10)
            return
        for n in self.nodes:
            # its own UTS namespace, hostname = node name: the tasks inherit it
            self._start(f"slurmd {n}", ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$1" -f "$2" -N "$0"',
                                        n, self._which("slurmd"), self.conf], 10,
                        self.pid_file(f"slurmd.{n}"), self.log_file(f"slurmd.{n}"))

    def slurmd_pid(self, node):
        """The PID of fake node `node`'s slurmd (None when it is not running)."""
        return _read_pid(self.pid_file(f"slurmd.{node}" if self.fake else "slurmd"))

    def up(self, timeout_s=30.0):
        """Starts (or reuses) munged, slurmctld and slurmd; returns when the
        node accepts jobs. Raises SlurmUnavailable with the reason (and the
        daemons' log) otherwise, after stopping what it started."""
        self.check_prerequisites()
        if self.running() and self.ready():
            return self
        self.stop_daemons()  # leftovers of a crashed run
        os.makedirs(self.base, mode=0o700, exist_ok=True)
        self._write_config()
        deadline = time.monotonic() + timeout_s
        try:
            self._start("munged", [self._which("munged"), "--force", f"--socket={self.munge_socket}",
                                   f"--key-file={self._p('munge', 'munge.key')}",
                                   f"--pid-file={self.pid_file('munged')}",
                                   f"--log-file={self.log_file('munged')}",
                                   f"--seed-file={self._p('munge', 'munge.seed')}"], 10)
            r = subprocess.run(["munge", "-n", f"--socket={self.munge_socket}"], capture_output=True, timeout=10)
            if r.returncode != 0:
                raise SlurmUnavailable(f"munged runs but cannot encode a credential: "
                                       f"{r.stderr.decode(errors='replace').strip()}")
            self._start("slurmctld", [self._which("slurmctld"), "-c", "-f", self.conf], 10)
            self._start_slurmds()
            while time.monotonic() < deadline:
                if self.ready():
                    return self
                dead = [(d, log) for d, pid_file, log in self.daemons() if not _read_pid(pid_file)]
                if dead:
                    raise SlurmUnavailable(f"{', '.join(d for d, _ in dead)} exited after starting\n"
                                           + "\n".join(f"--- {d} log:\n{_tail(log)}" for d, log in dead))
                time.sleep(0.2)
            raise SlurmUnavailable(
                f"nodes {','.join(self.nodes)} not ready within {timeout_s:.0f} s (state: "
                f"{[self.node_state(n) for n in self.nodes]})\n"
                + "\n".join(f"--- {d} log:\n{_tail(log)}" for d, _, log in self.daemons()[1:]))
        except subprocess.TimeoutExpired as e:
            self.stop_daemons()
            raise SlurmUnavailable(f"timed out: {' '.join(map(str, e.cmd))}") from None
        except SlurmUnavailable:
            self.stop_daemons()
            raise

    # --- teardown -----------------------------------------------------------
    def _cancel_jobs(self):
        if not _read_pid(self.pid_file("slurmctld")):
            return
        with contextlib.suppress(Exception):
            self._run(["scancel", "--partition", self.partition], timeout=5)
            end = time.monotonic() + 10
            while time.monotonic() < end:
                r = self._run(["squeue", "-h", "-p", self.partition], timeout=5)
                if r.returncode != 0 or not r.stdout.strip():
                    break
                time.sleep(0.2)

    def stop_daemons(self):
        """Cancels this cluster's jobs, then stops its daemons (by the pids
        in their pid files: nothing else is signalled)."""
        self._cancel_jobs()
        for _, pid_file, _ in reversed(self.daemons()):  # the slurmds first, munged last
            pid = _read_pid(pid_file)
            if not pid:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            end = time.monotonic() + 10
            while time.monotonic() < end and _read_pid(pid_file) == pid:
                time.sleep(0.05)
            if _read_pid(pid_file) == pid:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def down(self):
        self.stop_daemons()
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.up()

    def __exit__(self, *exc):
        self.down()


def main(argv=None):
    ap = argparse.ArgumentParser(description="A private single-node Slurm for pfsbench's tests.")
    ap.add_argument("action", choices=("up", "down", "status"))
    ap.add_argument("--dir", default=default_dir(), help="config, state and logs (default: %(default)s)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the node (default: 30)")
    ap.add_argument("--nodes", type=int, default=0,
                    help="fake nodes fnode1..fnodeN, one slurmd each (default: one node, this host)")
    a = ap.parse_args(argv)
    slurm = LocalSlurm(a.dir, nodes=a.nodes or None)
    if a.action == "up":
        t0 = time.monotonic()
        try:
            slurm.up(a.timeout)
        except SlurmUnavailable as e:
            print(f"slurm_local: cannot bring up Slurm: {e}", file=sys.stderr)
            return 1
        print(f"slurm_local: nodes {','.join(slurm.nodes)} ready in {time.monotonic() - t0:.1f} s; "
              f"stop with: {sys.argv[0]} down --dir {slurm.base}", file=sys.stderr)
        print(f"export SLURM_CONF={slurm.conf}")
        return 0
    if a.action == "down":
        slurm.down()
        return 0
    up = slurm.running() and slurm.ready()
    print(f"{'up' if up else 'down'}: {slurm.base} "
          f"({', '.join(f'node {n}: {slurm.node_state(n)}' for n in slurm.nodes)})")
    return 0 if up else 1


if __name__ == "__main__":
    sys.exit(main())
