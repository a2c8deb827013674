"""IO500's ini file, as IO500/io500's src/ini-parse.c reads it, and its
hashes (src/util.c): sections and keys with their types and defaults
(from the option[] tables of src/phase_*.c), case-insensitive names, '#'
and ';' comments, empty values keeping the default; the config-hash of
u_ini_gen_hash and the -G seeds of u_phase_unique_random_number."""
import datetime
import re

from . import UsageError

STR, INT, UINT, BOOL, FLOAT = "string", "integer", "integer >= 0", "bool (true|false)", "float"
DROP_CACHES_CMD = 'sudo -n bash -c "echo 3 > /proc/sys/vm/drop_caches"'

# Every section IO500 knows, in its order, with (key, type, default); a None
# default is unset. From the option[] tables of src/phase_*.c.
_API = ("API", STR, None)
_RUN = ("run", BOOL, "TRUE")
_FIND = [("external-script", STR, None), ("external-mpi-args", STR, ""), ("external-extra-args", STR, ""),
         ("nproc", UINT, None), _RUN, ("pfind-queue-length", INT, "10000"), ("pfind-steal-next", BOOL, "FALSE"),
         ("pfind-parallelize-single-dir-access-using-hashing", BOOL, "FALSE")]
SECTIONS = [
    ("global", [("datadir", STR, "./datafiles"), ("timestamp-datadir", BOOL, "TRUE"),
                ("resultdir", STR, "./results"), ("timestamp-resultdir", BOOL, "TRUE"), ("api", STR, "POSIX"),
                ("drop-caches", BOOL, "FALSE"), ("drop-caches-cmd", STR, DROP_CACHES_CMD),
                ("io-buffers-on-gpu", BOOL, "FALSE"), ("verbosity", UINT, "1"), ("scc", BOOL, "FALSE"),
                ("dataPacketType", STR, "timestamp")]),
    ("debug", [("stonewall-time", INT, "300"), ("pause-dir", STR, None)]),
    ("ior-easy", [_API, ("transferSize", STR, "2m"), ("blockSize", STR, "9920000m"), ("filePerProc", BOOL, "TRUE"),
                  ("uniqueDir", BOOL, "FALSE"), _RUN, ("verbosity", INT, None)]),
    ("ior-easy-write", [_API, _RUN]),
    ("mdtest-easy", [_API, ("n", UINT, "1000000"), _RUN]),
    ("mdtest-easy-write", [_API, _RUN]),
    ("mdworkbench", [_API, ("waitingTime", FLOAT, "0.0"), ("precreatePerSet", UINT, None),
                     ("filesPerProc", UINT, None), _RUN, ("verbosity", INT, None)]),
    ("mdworkbench-create", [_RUN]),
    ("timestamp", []),
    ("find-easy", _FIND),
    ("ior-hard", [_API, ("segmentCount", INT, "10000000"), ("collective", BOOL, None), _RUN, ("verbosity", INT, None)]),
    ("ior-hard-write", [_API, ("collective", BOOL, None), _RUN]),
    ("mdtest-hard", [_API, ("n", UINT, "1000000"), ("files-per-dir", UINT, None), _RUN]),
    ("mdtest-hard-write", [_API, _RUN]),
    ("find", _FIND),
    ("find-hard", _FIND),
    ("mdworkbench-bench", [_RUN]),
    ("ior-easy-read", [_API, _RUN]),
    ("mdtest-easy-stat", [_API, _RUN]),
    ("ior-hard-read", [_API, ("collective", BOOL, None), _RUN]),
    ("mdtest-hard-stat", [_API, _RUN]),
    ("mdworkbench-delete", [_RUN]),
    ("mdtest-easy-delete", [_API, _RUN]),
    ("mdtest-hard-read", [_API, _RUN]),
    ("mdtest-hard-delete", [_API, _RUN]),
    ("ior-rnd4K-easy-read", [_API, _RUN]),
]
# Phases of IO500's extended mode (IO500_PHASE_FLAG_OPTIONAL): not run here.
EXTENDED = ("find-easy", "find-hard", "mdworkbench", "mdworkbench-create", "mdworkbench-bench", "mdworkbench-delete")

# --- the ini ----------------------------------------------------------------

_SECTION_RE = re.compile(r"^\s*\[\s*([0-9a-zA-Z_-]+)\s*\]\s*(\s[#;].*)?$")
_KEY_RE = re.compile(r"^\s*([0-9a-zA-Z_.-]+)\s*=\s*([^#;]*?)\s*(\s[#;].*)?$")
_EMPTY_RE = re.compile(r"^\s*([#;].*)?$")


def _spec(section):
    for name, opts in SECTIONS:
        if name.lower() == section.lower():
            return name, opts
    return None, None


class Ini:
    """The parsed ini: values[section][key] as IO500 stores them (strings,
    booleans as TRUE/FALSE), defaults filled in; None is unset."""

    def __init__(self, path, text):
        self.path = path
        self.text = text
        self.values = {name: {k: d for k, _t, d in opts} for name, opts in SECTIONS}
        self.given = {}  # (section, key) -> line number, for messages
        self._parse(text)

    def _error(self, line, what):
        raise UsageError(f"{self.path} line {line}: {what}")

    def _parse(self, text):
        section = None
        # IO500 splits on newlines with strtok, so blank lines never count as
        # content; its line numbers count them, and so do ours.
        for number, line in enumerate(text.split("\n"), 1):
            line = line.rstrip("\r")
            if not line.strip():
                continue
            m = _SECTION_RE.match(line)
            if m:
                name, _ = _spec(m.group(1))
                if name is None:
                    known = ", ".join(n for n, _ in SECTIONS if n not in EXTENDED)
                    self._error(number, f"unknown section [{m.group(1)}]; IO500's standard mode has {known}")
                if name in EXTENDED:
                    self._error(number, f"[{name}] is a phase of IO500's extended mode, which scripts/io500 does "
                                        f"not implement (it runs the standard mode, where IO500 skips this phase "
                                        f"too); remove the section")
                section = name
                continue
            m = _KEY_RE.match(line)
            if m:
                key, value = m.group(1), m.group(2)
                if section is None:
                    self._error(number, f"'{key}' is outside any section; put it under its [section]")
                opts = dict(_spec(section)[1] and [(k.lower(), (k, t)) for k, t, _ in _spec(section)[1]])
                if key.lower() not in opts:
                    keys = ", ".join(k for k, _t, _d in _spec(section)[1]) or "no keys"
                    self._error(number, f"unknown key '{key}' in [{section}]; IO500's [{section}] has {keys}")
                canon, typ = opts[key.lower()]
                if value == "":
                    continue  # IO500: a key without a value keeps its default
                value = self._typed(number, section, canon, typ, value)
                self.values[section][canon] = value
                self.given[(section, canon)] = number
                continue
            if not _EMPTY_RE.match(line):
                self._error(number, f"unexpected content in [{section or 'no section'}]: {line.strip()!r}; "
                                    f"an IO500 ini has [section] lines and key = value lines")

    def _typed(self, number, section, key, typ, value):
        ok = {INT: r"-?[0-9]+", UINT: r"[0-9]+", FLOAT: r"[0-9e.+-]+"}.get(typ)
        if ok and not re.fullmatch(ok, value):
            self._error(number, f"[{section}] {key} expects an {typ}, got '{value}'")
        if typ == BOOL:
            if value.lower() in ("true", "1"):
                return "TRUE"
            if value.lower() in ("false", "0"):
                return "FALSE"
            self._error(number, f"[{section}] {key} expects a {typ}, got '{value}'")
        return value

    def get(self, section, key):
        return self.values[section][key]

    def bool(self, section, key):
        """True, False, or None when unset (IO500's INI_UNSET_BOOL)."""
        v = self.values[section][key]
        return None if v is None else v == "TRUE"

    def int(self, section, key):
        v = self.values[section][key]
        return None if v is None else int(v)

    def config_hash(self):
        """IO500's config-hash: u_ini_gen_hash, every option that has a value
        (given or default), XORed, so the order does not matter."""
        h = 0
        for name, opts in SECTIONS:
            for key, _t, _d in opts:
                v = self.values[name][key]
                if v is not None:
                    h = hash_key_val(h, key, v)
        return h


def load_ini(path):
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}; give IO500's ini file")
    ini = Ini(path, text)
    refuse_unimplemented(ini)
    return ini


def refuse_unimplemented(ini):
    """Keys IO500 has whose feature pfsbench's tools lack: refused by name."""
    def where(section, key):
        return f"{ini.path} line {ini.given[(section, key)]}"
    if ini.bool("global", "io-buffers-on-gpu"):
        raise UsageError(f"{where('global', 'io-buffers-on-gpu')}: io-buffers-on-gpu = TRUE is not implemented "
                         f"(pfsbench's tools have no GPU buffers); set it FALSE")
    if ini.get("debug", "pause-dir") is not None:
        raise UsageError(f"{where('debug', 'pause-dir')}: pause-dir is not implemented by scripts/io500; "
                         f"remove it")
    if ini.get("find", "external-script") is not None:
        raise UsageError(f"{where('find', 'external-script')}: external-script is not implemented by "
                         f"scripts/io500 (the find phase runs find_like, IO500's pfind line); remove it")


# --- hashes and seeds (src/util.c) -------------------------------------------

def hash_update(h, text):
    """u_hash_update: rotate left by 2, add the (signed) char, per byte."""
    for b in text.encode("utf-8", errors="surrogateescape"):
        c = b - 256 if b >= 128 else b
        h = ((((h << 2) | (h >> 30)) & 0xFFFFFFFF) + c) & 0xFFFFFFFF
    return h


def hash_key_val(h, key, val):
    return h ^ hash_update(hash_update(0, key), val)


def phase_seed(phase, timestamp):
    """u_phase_unique_random_number, printed as IO500 prints it (%d)."""
    h = hash_update(hash_update(0, phase), timestamp)
    if h in (0, 0xFFFFFFFF):
        return 4711
    return h - 2**32 if h >= 2**31 else h


def default_timestamp(now=None):
    """IO500's timestamp: local time as %Y.%m.%d-%H.%M.%S."""
    return (now or datetime.datetime.now()).strftime("%Y.%m.%d-%H.%M.%S")
