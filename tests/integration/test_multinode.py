"""Many nodes on one machine (issue 18): the tools under mpirun on fake
nodes (fakenodes.py: one orted per node, each in its own UTS namespace with
the node's hostname; ranks agree on their node by hostname, processor name
and shared-memory group).

The truth the tests compare with is where mpirun placed each rank
(FakeNodes.expected_hosts: blocked by slot, or round-robin with --map-by
node), never the tool's own idea of it. Skips without root or unshare.
Every launch costs 1-3 s (more on a loaded machine), so each test runs as
few as it needs.

Guards: the document's rank-to-node map and the console's placement line;
ior_like -C/-Q under blocked and round-robin placement reads every rank's
data on another node (read_from_ranks x rank_node_runs) and the content
checks pass; the same-node warning appears exactly when every reader stays
on its node; -N runs on the first ranks across nodes; -F on several nodes;
mdtest_like -N moves stat/read/remove to another node (and warns when it
does not); mmap_read's readers and page cache per node; dio_batch reads the
device counters once per machine (fake nodes share one kernel); a target
that one node sees as a different (private) directory is refused with
exit 2 naming the node, unless --local-target; a node killed mid-run (its
daemon and ranks, or its ranks only) ends the job within 30 s and leaves a
valid document that names the node and its ranks and keeps the finished
phases (node_watch.hpp), and --no-node-watch leaves the plain checkpoint;
finished runs on four nodes name no lost node.
"""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

import pfsb
import fakenodes
from fakenodes import FakeNodes, FakeNodesUnavailable

KiB = 1024
MiB = 1024 * KiB


def rank_hosts(env):
    """The host of every rank, from the document's run-length map."""
    hosts = []
    for node, count in env["rank_node_runs"]:
        hosts += [env["hosts"][node]] * count
    return hosts


class FakeNodeRuns(unittest.TestCase):
    skip_reason = None
    nodes = None

    @classmethod
    def setUpClass(cls):
        cls.t0 = time.monotonic()
        try:
            cls.nodes = FakeNodes(4, ranks_per_node=2)
        except FakeNodesUnavailable as e:
            cls.skip_reason = str(e)

    @classmethod
    def tearDownClass(cls):
        if cls.nodes:
            cls.nodes.close()
            print(f"\ntest_multinode: {time.monotonic() - cls.t0:.1f} s", file=sys.stderr)

    def setUp(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)

    def run_tool(self, tool, args, doc_path, nodes=2, map_by=None, private=None, per_node=None):
        proc = self.nodes.run([pfsb.tool_path(tool)] + list(args) + ["--json", doc_path], map_by=map_by,
                              nodes=nodes, private=private, per_node=per_node)
        r = pfsb.Run(proc, doc_path)
        if r.doc is not None:
            pfsb.assert_valid(self, r.doc)
        return r

    def check_placement(self, r, nodes, map_by, per_node=None):
        env = r.doc["environment"]
        want = self.nodes.expected_hosts(map_by=map_by, nodes=nodes, per_node=per_node)
        self.assertEqual(rank_hosts(env), want)
        self.assertEqual(env["nodes"], nodes)
        self.assertEqual(env["hosts"], self.nodes.names[:nodes])
        self.assertEqual(env["ranks_on_node"], [want.count(h) for h in env["hosts"]])
        return want

    # --- ior_like ------------------------------------------------------------
    def check_reads_elsewhere(self, r, hosts, reads_own_node=0):
        reads = [p for p in r.doc["phases"] if p["name"] == "read"]
        self.assertTrue(reads)
        for p in reads:
            src = p["details"]["read_from_ranks"]
            self.assertEqual(len(src), p["details"]["ranks"])
            own = [k for k, s in enumerate(src) if hosts[s] == hosts[k]]
            self.assertEqual(len(own), reads_own_node, f"readers on the writer's node: {own}")
            self.assertEqual(p["details"]["ranks_reading_own_node_data"], reads_own_node)
        return reads[0]["details"]["read_from_ranks"]

    def test_ior_C_reads_another_nodes_data_blocked_and_round_robin(self):
        """-C on 2 nodes x 2 ranks: every rank reads the data of the rank with
        its place on the other node, under both placements (IOR's shift by
        the ranks per node would stay on the node under round-robin), the
        content checks of -W -R pass, no same-node warning; the console shows
        the placement."""
        for map_by, line in ((None, "fnode1 0-1, fnode2 2-3"), ("node", "fnode1 0,2, fnode2 1,3")):
            with self.subTest(map_by=map_by or "slot"), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                r = self.run_tool("ior_like", ["-w", "-r", "-C", "-W", "-R", "-b", "256k", "-t", "64k",
                                               "-o", os.path.join(d, "f")], os.path.join(d, "r.json"), map_by=map_by)
                self.assertEqual(r.returncode, 0, r)
                hosts = self.check_placement(r, 2, map_by)
                self.assertEqual(r.doc["environment"]["ranks_per_node"], 2)
                src = self.check_reads_elsewhere(r, hosts)
                self.assertEqual(src, [2, 3, 0, 1] if map_by is None else [1, 0, 3, 2])
                self.assertEqual(r.doc["verification"]["status"], "passed")
                self.assertFalse([w for w in r.doc["warnings"] if "own node" in w], r.doc["warnings"])
                self.assertIn(f"placement: 4 ranks on 2 nodes, 2 per node: {line}", r.stdout)

    def test_ior_Q_and_F_on_four_nodes(self):
        """-C -Q 2 -F on 4 nodes x 1 rank: rank r reads the file of the rank two
        nodes further; one file per rank on several nodes, contents checked."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = self.run_tool("ior_like", ["-w", "-r", "-C", "-Q", "2", "-F", "-W", "-R", "-b", "128k", "-t", "64k",
                                           "-o", os.path.join(d, "f"), "--quiet"], os.path.join(d, "r.json"), nodes=4,
                              per_node=1)
            self.assertEqual(r.returncode, 0, r)
            hosts = self.check_placement(r, 4, None, per_node=1)
            self.assertEqual(hosts, ["fnode1", "fnode2", "fnode3", "fnode4"])
            self.assertEqual(self.check_reads_elsewhere(r, hosts), [2, 3, 0, 1])
            self.assertTrue(all(p["details"]["files"] == 4 for p in r.doc["phases"]))
            self.assertEqual(r.doc["verification"]["status"], "passed")
            self.assertEqual(os.listdir(d), ["r.json"], "the four files are removed (no -k)")

    def test_same_node_warning_exactly_when_every_reader_stays(self):
        """The warning that -C does not defeat the client cache: on 2 nodes it
        appears with -Q 2 (two nodes further is the reader's own node) and with
        -N 2 on blocked ranks (the two ranks share a node); it does not appear
        without -C (then no rank reads another's data), nor with -C on both
        nodes (test above)."""
        cases = [(["-C", "-Q", "2"], None, True), (["-C", "-N", "2"], None, True), ([], None, False)]
        for extra, map_by, warned in cases:
            with self.subTest(args=" ".join(extra) or "no -C"), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                r = self.run_tool("ior_like", ["-w", "-r", "-W", "-R", "-b", "128k", "-t", "64k", *extra,
                                               "-o", os.path.join(d, "f"), "--quiet"], os.path.join(d, "r.json"),
                                  map_by=map_by)
                self.assertEqual(r.returncode, 0, r)
                same = [w for w in r.doc["warnings"] if "own node" in w and "client cache is not defeated" in w]
                self.assertEqual(len(same), 1 if warned else 0, r.doc["warnings"])
                read = [p for p in r.doc["phases"] if p["name"] == "read"][0]["details"]
                if extra:
                    self.assertEqual(read["ranks_reading_own_node_data"], read["ranks"])
                else:
                    self.assertIsNone(read["read_from_ranks"])
                self.assertEqual(r.doc["verification"]["status"], "passed")

    def test_ior_N_on_the_first_ranks_across_nodes(self):
        """-N 2 under round-robin placement: ranks 0 and 1 sit on different
        nodes, run the test alone (the job still has 4 ranks), and with -C each
        reads the other's data."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = self.run_tool("ior_like", ["-w", "-r", "-C", "-N", "2", "-W", "-R", "-b", "128k", "-t", "64k",
                                           "-o", os.path.join(d, "f"), "--quiet"], os.path.join(d, "r.json"),
                              map_by="node")
            self.assertEqual(r.returncode, 0, r)
            hosts = self.check_placement(r, 2, "node")
            self.assertEqual(r.doc["environment"]["ranks"], 4)
            for p in r.doc["phases"]:
                self.assertEqual(p["details"]["ranks"], 2)
                self.assertEqual(p["bytes"], 2 * 128 * KiB)
            self.assertEqual(self.check_reads_elsewhere(r, hosts[:2]), [1, 0])
            self.assertEqual(r.doc["verification"]["status"], "passed")

    # --- mdtest_like -----------------------------------------------------------
    def test_mdtest_N_moves_stat_and_read_to_another_node(self):
        """-N 2 on 2 nodes x 2 blocked ranks: rank r stats, reads (and checks,
        -X) and removes the items of rank r+2, on the other node; -N 1 leaves
        half of the ranks on their own node, which the run says."""
        for stride, own in ((2, 0), (1, 2)):
            with self.subTest(stride=stride), pfsb.temp_dir(pfsb.DISK_TMP) as d:
                r = self.run_tool("mdtest_like", ["-n", "8", "-F", "-w", "4k", "-e", "4k", "-X", "-N", str(stride),
                                                  "-d", os.path.join(d, "md"), "--quiet"], os.path.join(d, "r.json"))
                self.assertEqual(r.returncode, 0, r)
                hosts = self.check_placement(r, 2, None)
                moved = [p for p in r.doc["phases"] if p["name"] in ("file_stat", "file_read", "file_remove")]
                self.assertEqual(len(moved), 3, [p["name"] for p in r.doc["phases"]])
                for p in moved:
                    self.assertEqual(p["details"]["stride_ranks"], stride)
                    self.assertEqual(p["details"]["ranks_on_own_node_items"], own)
                    self.assertEqual(own, sum(hosts[(k + stride) % 4] == hosts[k] for k in range(4)))
                self.assertEqual(r.doc["verification"]["status"], "passed")
                warned = [w for w in r.doc["warnings"] if w.startswith(f"-N {stride}:")]
                self.assertEqual(len(warned), 1 if own else 0, r.doc["warnings"])

    # --- mmap_read and dio_batch -------------------------------------------------
    def test_mmap_read_readers_and_page_cache_per_node(self):
        """Round-robin, 2 threads per rank: each node holds 2 ranks, so 4
        readers, and its own page-cache figures (before/after), named by host."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = self.run_tool("mmap_read", ["-o", os.path.join(d, "f"), "--size", "4m", "--threads", "2", "--quiet"],
                              os.path.join(d, "r.json"), map_by="node")
            self.assertEqual(r.returncode, 0, r)
            self.check_placement(r, 2, "node")
            for p in r.doc["phases"]:
                nodes = p["details"]["nodes"]
                self.assertEqual([n["host"] for n in nodes], ["fnode1", "fnode2"])
                self.assertEqual([n["readers"] for n in nodes], [4, 4])
                self.assertEqual(sum(n["readers"] for n in nodes), p["details"]["readers"])
                # warm (the default): each node's cache holds the file after the read
                self.assertTrue(all(n["resident_fraction_after"] > 0.99 for n in nodes), nodes)

    def test_dio_batch_device_counters_once_per_machine(self):
        """Two fake nodes share one kernel and its disk: the counters are read
        by one rank for both (nodes_sampled 1, the other node counted as
        sharing), never summed twice; the disk saw at least our bytes."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            r = self.run_tool("dio_batch", ["--iodepth", "4", "--bs", "64k", "--size", "1m", "-o",
                                            os.path.join(d, "f"), "--quiet"], os.path.join(d, "r.json"))
            self.assertEqual(r.returncode, 0, r)
            dev = r.doc["phases"][0]["details"]["device"]
            if dev is None:
                self.skipTest(f"{pfsb.DISK_TMP} is not on a block device with counters here")
            self.assertEqual(dev["nodes_sampled"], 1)
            self.assertEqual(dev["nodes_sharing_a_sampled_kernel"], 1)
            self.assertGreaterEqual(dev["write"]["bytes"], 4 * MiB)

    # --- the target must be shared ------------------------------------------------
    def test_target_not_shared_is_refused_before_any_io(self):
        """fnode2 mounts a private tmpfs over the target directory: the check
        before any I/O fails with exit 2 naming fnode2, no phase ran and
        nothing is left in the target; with --local-target the run goes on."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            target = os.path.join(d, "target")
            os.mkdir(target)
            args = ["-w", "-r", "-b", "128k", "-t", "64k", "-o", os.path.join(target, "f"), "--quiet"]
            r = self.run_tool("ior_like", args, os.path.join(d, "r.json"), private={"fnode2": target})
            self.assertEqual(r.returncode, 2, r)
            self.assertIn("the target is not shared by all nodes: fnode2 does not see the file", r.stderr)
            self.assertIn("--local-target", r.stderr)
            self.assertEqual(r.doc["status"], "failed")
            self.assertTrue(any("fnode2" in e["message"] and e["kind"] == "usage" for e in r.doc["errors"]), r.doc["errors"])
            self.assertEqual(r.doc["phases"], [])
            self.assertEqual(os.listdir(target), [], "the token is removed and no data file was made")
            r = self.run_tool("ior_like", args + ["--local-target"], os.path.join(d, "r2.json"),
                              private={"fnode2": target})
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual([p["name"] for p in r.doc["phases"]], ["write", "read"])

    # --- node failure ----------------------------------------------------------------
    def kill_mid_run(self, kill, extra_args=()):
        """Starts ior_like on fnode1 and fnode2 (ranks 0-1, 2-3), calls
        `kill` after two finished phases, and returns (document, stderr)
        once the job ended, which it must within 30 s."""
        with pfsb.temp_dir(pfsb.DISK_TMP) as d:
            doc_path = os.path.join(d, "r.json")
            proc = self.nodes.start([pfsb.tool_path("ior_like"), "-w", "-r", "-i", "100000", "-b", "1m", "-t",
                                     "256k", "-o", os.path.join(d, "f"), "--quiet", *extra_args, "--json", doc_path],
                                    nodes=2)
            try:
                self.assertTrue(pfsb.wait_for(lambda: len(pfsb.checkpoint_phases(doc_path)) >= 2, 120),
                                "no checkpoint document appeared")
                kill()
                try:
                    _, err = proc.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    self.fail("the job did not end within 30 s of losing a node")
                self.assertNotEqual(proc.returncode, 0, err)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                self.assertEqual(self.nodes.cleanup(), [], "fake-node processes were left behind")
            with open(doc_path) as f:
                doc = json.load(f)
        pfsb.assert_valid(self, doc)
        self.assertGreaterEqual(len(doc["phases"]), 2, "the finished phases are kept")
        self.assertEqual(doc["environment"]["hosts"], ["fnode1", "fnode2"])
        return doc, err

    def assert_names_lost_node(self, doc, err, how):
        self.assertEqual(doc["status"], "failed")
        lost = [e["message"] for e in doc["errors"] if e["message"].startswith("lost a node")]
        self.assertEqual(len(lost), 1, doc["errors"])
        self.assertIn("node fnode2 (ranks 2-3)", lost[0])
        self.assertIn(how, lost[0])
        self.assertNotIn("fnode1 (", lost[0])
        self.assertIn("lost a node before the run finished: node fnode2 (ranks 2-3)", err)

    def test_a_node_killed_mid_run_is_named_in_the_document(self):
        """fnode2's daemon and ranks are killed (SIGKILL), as in a node crash,
        after two phases: the job ends within 30 s, nothing of the fake node
        stays behind, and the document on disk is valid, says failed, names
        fnode2 and its ranks, and keeps the finished phases."""
        doc, err = self.kill_mid_run(lambda: self.assertTrue(self.nodes.kill_node("fnode2")))
        self.assert_names_lost_node(doc, err, "closed its connection")

    def test_all_ranks_of_a_node_killed_mid_run_are_named(self):
        """Only the ranks of fnode2 are killed (its daemon lives on, as when
        the OOM killer takes the processes): the same outcome."""
        def kill_ranks():
            ranks = [p for p in self.nodes.node_pids("fnode2") if "ior_like" in (fakenodes._read_cmdline(p) or "")]
            self.assertEqual(len(ranks), 2, "fnode2 holds two ranks")
            for pid in ranks:
                os.kill(pid, signal.SIGKILL)
        doc, err = self.kill_mid_run(kill_ranks)
        self.assert_names_lost_node(doc, err, "closed its connection")

    def test_without_node_watch_the_checkpoint_stays(self):
        """--no-node-watch: nothing is named, the last checkpoint is the
        document (status interrupted), as before the watch existed. Also shows
        that the named node above comes from the watch, not from elsewhere."""
        doc, _ = self.kill_mid_run(lambda: self.nodes.kill_node("fnode2"), ["--no-node-watch"])
        self.assertEqual(doc["status"], "interrupted")
        self.assertFalse([e for e in doc["errors"] if "lost" in e["message"]])

    def test_a_finished_multinode_run_names_no_lost_node(self):
        """The watchers say goodbye at the end: many short runs on two nodes
        end ok, with no loss reported (a race between a watcher's last byte
        and rank 0's end would show here)."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            for i in range(5):
                r = self.run_tool("mdtest_like", ["-n", "2", "-F", "-d", os.path.join(d, f"md{i}")],
                                  os.path.join(d, f"r{i}.json"), nodes=4)
                self.assertEqual(r.returncode, 0, r)
                self.assertNotIn("lost", r.stderr)
                self.assertEqual(r.doc["status"], "ok")


class OneNode(unittest.TestCase):
    def test_mdtest_N_on_one_node_says_to_use_more_nodes(self):
        """On one node -N cannot move any rank off its node: the warning says
        so (and does not suggest another -N)."""
        with pfsb.temp_dir(pfsb.SHM) as d:
            r = pfsb.run_ok(self, "mdtest_like", 2, ["-n", "4", "-F", "-N", "1", "-d", os.path.join(d, "md")],
                            os.path.join(d, "r.json"))
            warned = [w for w in r.doc["warnings"] if w.startswith("-N 1:")]
            self.assertEqual(warned, ["-N 1: 2 of 2 ranks stat/read/remove items created on their own node (2 ranks "
                                      "on one node), where the client cache may serve them; run on more nodes to "
                                      "defeat it"])
            for p in r.doc["phases"]:
                if p["name"] in ("file_stat", "file_read", "file_remove"):
                    self.assertEqual(p["details"]["ranks_on_own_node_items"], 2)


if __name__ == "__main__":
    unittest.main()
