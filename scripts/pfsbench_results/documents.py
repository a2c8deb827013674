"""Loading result documents and result directories.

A result directory is what scripts/suite writes (documents plus
manifest.json), or any directory of documents. Every loader raises
UsageError with the path and the reason for input that is not ours.

Byte strings: a document carries a string that is not UTF-8 (a Linux path,
a mount option, an error text) as {"bytes_b64": ...}, and an object key as
"bytes_b64:" + base64 (results/schema, $defs/bytes). The loader turns both
into Python str the way os.fsdecode does (undecodable bytes become lone
surrogates, os.fsencode gives the bytes back), so labels, tags and paths
compare and hash like any other string; printable() shows them."""
import base64
import binascii
import glob
import hashlib
import json
import os

from . import UsageError

DOC_SCHEMA = "pfsbench-result"
MANIFEST_SCHEMA = "pfsbench-manifest"
MANIFEST = "manifest.json"


BYTES_KEY = "bytes_b64"
KEY_PREFIX = BYTES_KEY + ":"


def _bytes_to_str(text, where):
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise UsageError(f"{where}: a {BYTES_KEY} value that is not base64: {e}")
    return raw.decode("utf-8", "surrogateescape")


def decode_bytes(value, where="document"):
    """`value` with every {"bytes_b64": ...} escape (and escaped key) turned
    into a str (surrogateescape, lossless); everything else unchanged."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get(BYTES_KEY), str):
            return _bytes_to_str(value[BYTES_KEY], where)
        return {(_bytes_to_str(k[len(KEY_PREFIX):], where) if k.startswith(KEY_PREFIX) else k): decode_bytes(v, where)
                for k, v in value.items()}
    if isinstance(value, list):
        return [decode_bytes(v, where) for v in value]
    return value


def printable(value):
    """A str safe to print or write as UTF-8: bytes that were not UTF-8
    (lone surrogates from decode_bytes) shown as \\xNN."""
    text = str(value)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# Config keys every tool records that say how a run is guarded, not what
# it does: left out of the configuration's identity (Doc.config_key).
NOT_WORKLOAD = ("io_timeout_s",)


def set_parameters(value):
    """`value` without the keys whose value is null or false, recursively,
    dropping the objects that this leaves empty."""
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if v is None or v is False:
            continue
        v = set_parameters(v)
        if isinstance(v, dict) and not v:
            continue
        out[k] = v
    return out


def config_hash(config):
    """core's config_hash (core/src/result.cpp) of a config as the document
    carries it (byte strings still escaped): FNV-1a 64 of its compact dump
    with sorted keys, "fnv1a64:" + 16 hex digits."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    h = 0xcbf29ce484222325
    for c in text:
        h = ((h ^ c) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"fnv1a64:{h:016x}"


# Config keys that say where a run ran, not what it did: the paths and names
# under the target (and dio_batch's O_DIRECT alignment, probed from the
# target's device). A workload's identity leaves them out, so the same
# suite on two filesystems matches.
LOCATION_KEYS = {
    "ior_like": {"test_file", "rank_details_csv", "stonewall_status_file"},
    "mdtest_like": {"directory"},
    "dio_batch": {"path", "dio_alignment"},
    "mmap_read": {"file"},
    "find_like": {"root", "newer", "results_dir"},
}
GENERIC_LOCATION_KEYS = {"path", "file", "directory", "dir", "test_file", "target"}
# What the launch changes about the work: from `environment`.
LAUNCH_KEYS = ("ranks", "nodes", "ranks_per_node")


def flatten(value, prefix=""):
    """{"a": {"b": 1}} -> {"a.b": 1}; lists stay values."""
    out = {}
    for k, v in value.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten(v, name + "."))
        else:
            out[name] = v
    return out


class Doc:
    """One result document, with where it came from and, for suite runs,
    its manifest record (side, repetition, status of the run)."""

    def __init__(self, path, data, record=None):
        self.path = path
        self.data = data
        self.record = record or {}

    @property
    def tool(self):
        return self.data["tool"]

    @property
    def config_hash(self):
        return self.data.get("config_hash")

    @property
    def config_key(self):
        """What runs of one configuration share, across pfsbench versions:
        the config without its unset parameters (null, false, and objects
        left empty), hashed. A parameter that a newer version records with
        its off value (e.g. ior_like's "random_offsets": false) thus matches
        a document from before it existed, where config_hash differs; any
        parameter that is set still tells configurations apart."""
        config = self.data.get("config")
        if not isinstance(config, dict):
            return self.config_hash
        # The watchdog's limit ends a hung run; it does not change the work.
        config = {k: v for k, v in config.items() if k not in NOT_WORKLOAD}
        text = json.dumps(set_parameters(config), sort_keys=True, separators=(",", ":"))
        return "config:" + hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def workload(self):
        """The workload's identity as {parameter: value}: the config's set
        parameters (see config_key) without where it ran (LOCATION_KEYS),
        plus ranks, nodes and ranks per node. Labels and tags are never
        part of it."""
        config = self.data.get("config")
        config = dict(config) if isinstance(config, dict) else {"config_hash": self.config_hash}
        for k in (*LOCATION_KEYS.get(self.tool, GENERIC_LOCATION_KEYS), *NOT_WORKLOAD):
            config.pop(k, None)
        out = flatten(set_parameters(config))
        env = self.data.get("environment") or {}
        for k in LAUNCH_KEYS:
            out[k] = env.get(k)
        return out

    @property
    def workload_key(self):
        return (self.tool, json.dumps(self.workload, sort_keys=True, separators=(",", ":")))

    @property
    def status(self):
        return self.data.get("status")

    @property
    def side(self):
        return self.record.get("side") or self.data.get("tags", {}).get("side")

    def phases(self, name=None):
        return [p for p in self.data.get("phases", []) if name is None or p["name"] == name]


def read_json(path, what="document"):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {what} {path}: {e}")


def load_document(path, record=None):
    data = read_json(path)
    if not isinstance(data, dict) or data.get("schema") != DOC_SCHEMA:
        raise UsageError(f"{path} is not a pfsbench result document (no schema '{DOC_SCHEMA}')")
    return Doc(path, decode_bytes(data, path), record)


def load_manifest(run_dir):
    """The manifest of a suite's results directory, or None when there is none."""
    path = os.path.join(run_dir, MANIFEST)
    if not os.path.exists(path):
        return None
    data = read_json(path, "manifest")
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
        raise UsageError(f"{path} is not a pfsbench manifest (no schema '{MANIFEST_SCHEMA}')")
    return data


class RunDir:
    """A results directory: its manifest (None for a plain directory of
    documents), its documents, and the runs that left no document."""

    def __init__(self, path):
        self.path = path
        self.manifest = load_manifest(path)
        self.docs = []
        self.records = []
        if self.manifest is not None:
            for rec in self.manifest.get("runs", []):
                self.records.append(rec)
                doc = rec.get("document")
                if doc and os.path.exists(os.path.join(path, doc)):
                    self.docs.append(load_document(os.path.join(path, doc), rec))
        else:
            for p in sorted(glob.glob(os.path.join(path, "*.json"))):
                self.docs.append(load_document(p))
        if not self.docs and not self.records:
            raise UsageError(f"{path} holds no pfsbench result document")

    @property
    def label(self):
        """The label of this directory: the suite's --label, else the
        documents' label, else their filesystem type, else the directory name."""
        if self.manifest and self.manifest.get("label"):
            return self.manifest["label"]
        labels = {d.data.get("label") for d in self.docs if d.data.get("label")}
        if len(labels) == 1:
            return labels.pop()
        fs = {fs_type(d) for d in self.docs} - {None}
        if len(fs) == 1:
            return fs.pop()
        return os.path.basename(os.path.normpath(self.path))

    def is_ab(self):
        return bool(self.manifest and self.manifest.get("ab"))


def fs_type(doc):
    target = doc.data.get("environment", {}).get("target") or {}
    return target.get("fs_type")


def load_side(path):
    """The documents of one side of a comparison: a document or a directory."""
    if os.path.isdir(path):
        return RunDir(path).docs
    if not os.path.exists(path):
        raise UsageError(f"{path} does not exist; give a result document or a results directory")
    return [load_document(path)]
