#!/usr/bin/env python3
"""Fake nodes: this machine made to look like several nodes to mpirun (issue 18).

Open MPI's rsh launcher starts one daemon (orted) per host of --host through
an "ssh"; fake_node_agent (beside this file) stands in for ssh and runs the
daemon here, in a new UTS namespace whose hostname is the node's name. The
ranks under it then agree that they are on that node three ways:
gethostname, MPI_Get_processor_name and their MPI_COMM_TYPE_SHARED group.
Between fake nodes Open MPI uses tcp over lo (vader only inside a node).

Needs root (setting a hostname in a new UTS namespace) and unshare(1); node
names that do not resolve (a name resolving to this host would be taken for
the local host). Every daemon started through the agent records its PID;
cleanup() stops, by those PIDs only, whatever a run left behind.

From Python (tests/integration/test_multinode.py):
  nodes = FakeNodes(2, ranks_per_node=2)   # raises FakeNodesUnavailable
  r = nodes.run_tool("ior_like", args, json_path, map_by="node")
  nodes.cleanup()
Command line (any MPI program, e.g. the tests/mpi GoogleTests from ctest):
  fakenodes.py --nodes 4 --ranks-per-node 1 [--map-by node] -- PROGRAM ARGS...
runs `mpirun -n NODES*RANKS_PER_NODE PROGRAM ARGS` on the fake nodes and
exits with its code (77, ctest's "skipped", when fake nodes cannot run here).
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

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "fake_node_agent")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "scripts"))
from pfsbench_results import project  # noqa: E402  tools.conf's mpirun flags


class FakeNodesUnavailable(Exception):
    """Fake nodes cannot run here; the message says why."""


def _read_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None


def _children_map():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid):
    """`pid` and every process below it."""
    children, found, stack = _children_map(), [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(children.get(p, []))
    return found


class FakeNodes:
    """`count` fake nodes named fnode1..fnodeN, `ranks_per_node` slots each."""

    def __init__(self, count, ranks_per_node=2, prefix="fnode"):
        self.names = [f"{prefix}{i + 1}" for i in range(count)]
        self.ranks_per_node = ranks_per_node
        self.check()
        self.dir = tempfile.mkdtemp(prefix="pfsb-fakenodes-")
        os.makedirs(os.path.join(self.dir, "pids"))

    # --- checks --------------------------------------------------------------
    def check(self):
        if os.geteuid() != 0:
            raise FakeNodesUnavailable("fake nodes need root (a hostname per UTS namespace); run the tests as root")
        for tool in ("unshare", "mpirun"):
            if shutil.which(tool) is None:
                raise FakeNodesUnavailable(f"{tool} is not installed")
        if not os.access(AGENT, os.X_OK):
            os.chmod(AGENT, 0o755)  # a checkout without the executable bit
        for name in self.names:
            with contextlib.suppress(OSError):
                socket.gethostbyname(name)
                raise FakeNodesUnavailable(f"the fake node name {name} resolves to an address: Open MPI would "
                                           "take it for a real host; remove it from /etc/hosts")

    # --- launching -------------------------------------------------------------
    def env(self, private=None, base=None):
        """The environment of mpirun: where the agent records PIDs, and which
        nodes get a private tmpfs over a directory ({node: dir})."""
        env = dict(os.environ if base is None else base)
        env["PFSB_FAKENODES_DIR"] = self.dir
        env.pop("PFSB_FAKENODES_PRIVATE", None)
        if private:
            env["PFSB_FAKENODES_PRIVATE"] = " ".join(f"{h}:{d}" for h, d in private.items())
        # an enclosing Slurm job would make mpirun launch through srun
        for k in [k for k in env if k.startswith("SLURM_")]:
            del env[k]
        return env

    def mpirun_prefix(self, np=None, map_by=None, nodes=None, per_node=None):
        """mpirun and its options for `np` ranks (default: every slot) on the
        first `nodes` fake nodes with `per_node` slots each (default:
        ranks_per_node), placed by slot (block: ranks 0..k-1 on the first
        node) or, with map_by="node", round-robin (cyclic). Open MPI's own
        tree spawn is kept: with plm_rsh_no_tree_spawn it daemonizes orted,
        which then escapes the agent's PID."""
        names = self.names[:nodes] if nodes else self.names
        per_node = per_node or self.ranks_per_node
        np = np if np is not None else len(names) * per_node
        cmd = ["mpirun", *project.mpirun_flags(),  # tools.conf's, with the root ones as root
               "--host", ",".join(f"{n}:{per_node}" for n in names),
               "--mca", "plm_rsh_agent", AGENT,
               "--mca", "btl", "self,vader,tcp",
               "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"]
        if map_by:
            cmd += ["--map-by", map_by]
        return cmd + ["-n", str(np)]

    def expected_hosts(self, np=None, map_by=None, nodes=None, per_node=None):
        """The node of each rank as mpirun places it (the truth the tests
        compare the documents with)."""
        names = self.names[:nodes] if nodes else self.names
        per_node = per_node or self.ranks_per_node
        np = np if np is not None else len(names) * per_node
        if map_by == "node":
            return [names[r % len(names)] for r in range(np)]
        return [names[r // per_node] for r in range(np)]

    def run(self, argv, np=None, map_by=None, nodes=None, private=None, timeout=120, env=None, per_node=None):
        try:
            return subprocess.run(self.mpirun_prefix(np, map_by, nodes, per_node) + list(argv), capture_output=True,
                                  text=True, timeout=timeout, env=self.env(private, env))
        finally:
            self.cleanup()

    def start(self, argv, np=None, map_by=None, nodes=None, private=None, env=None, per_node=None):
        return subprocess.Popen(self.mpirun_prefix(np, map_by, nodes, per_node) + list(argv), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True,
                                env=self.env(private, env))

    # --- the daemons -------------------------------------------------------------
    def _records(self):
        pid_dir = os.path.join(self.dir, "pids")
        out = []
        for entry in os.listdir(pid_dir):
            try:
                with open(os.path.join(pid_dir, entry)) as f:
                    host, pid = f.read().split()
                out.append((host, int(pid), entry))
            except (OSError, ValueError):
                continue
        return out

    def node_pids(self, host):
        """Every live process of fake node `host`: its daemon and the ranks below it."""
        pids = []
        for h, pid, _ in self._records():
            cmd = _read_cmdline(pid)
            if h == host and cmd is not None and ("orted" in cmd or AGENT in cmd or "unshare" in cmd):
                pids += descendants(pid)
        return pids

    def kill_node(self, host, sig=signal.SIGKILL):
        """What a node crash looks like to the job: its daemon and all its ranks die."""
        pids = self.node_pids(host)
        if not pids:
            raise AssertionError(f"fake node {host} has no running daemon to kill")
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        return pids

    def cleanup(self):
        """Stops what the agent started and is still alive (by the recorded
        PIDs and their children only), then forgets the records. Returns
        the PIDs it had to stop (none after a clean run)."""
        left = []
        for h, pid, entry in self._records():
            cmd = _read_cmdline(pid)
            if cmd is not None and ("orted" in cmd or AGENT in cmd or "unshare" in cmd):
                left += descendants(pid)
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.dir, "pids", entry))
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(_read_cmdline(p) is not None for p in left):
            time.sleep(0.02)
        return left

    def close(self):
        self.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run an MPI program on fake nodes of this machine (root).")
    ap.add_argument("--nodes", type=int, default=2)
    ap.add_argument("--ranks-per-node", type=int, default=2)
    ap.add_argument("--map-by", choices=("slot", "node"), default="slot")
    ap.add_argument("program", nargs=argparse.REMAINDER, help="-- PROGRAM ARGS...")
    a = ap.parse_args(argv)
    program = a.program[1:] if a.program[:1] == ["--"] else a.program
    if not program:
        ap.error("give the program after --")
    try:
        nodes = FakeNodes(a.nodes, a.ranks_per_node)
    except FakeNodesUnavailable as e:
        print(f"fakenodes: skipped, cannot run fake nodes: {e}", file=sys.stderr)
        return 77  # ctest's SKIP_RETURN_CODE
    try:
        proc = subprocess.run(nodes.mpirun_prefix(map_by=a.map_by) + program, env=nodes.env())
        return proc.returncode
    finally:
        nodes.close()


if __name__ == "__main__":
    sys.exit(main())
