"""Suite files: TOML lists of tool runs, checked in full before anything runs.

    description = "..."            # optional
    [[run]]
    name = "ior_like"              # unique in the suite; names the document
    tool = "ior_like"              # one of tools.conf's tools
    args = ["-w", "-r", "-b", "64m", "-o", "{dir}/ior.dat"]
    space = "0"                    # bytes the run needs on the target (optional)
    space_per_rank = "64m"         # plus this per rank (optional)
    description = "..."            # optional
    sweep = { option = "-t", values = ["64k", "1m", "4m"] }   # optional, or
    sweep = { ranks = [1, 2, 4] }

A sweep runs the run once per value (each value a point, with its own
document): `option` replaces the option's value in args (`-t 64k`,
`-t64k`, `--iodepth=8`), or appends the option when args lack it; `ranks`
sets the rank count of the run, in place of --np. scripts/suite --np 1,2,4
sweeps the ranks of every run without its own ranks sweep. The value of
each point is recorded in the manifest (the run's "sweep") and as the tag
sweep=PARAMETER:VALUE; the workload identity (ranks, the options' resolved
config) already tells points apart, so comparisons never pair points.

`{dir}` in an argument is the run's own fresh directory under the target
(made before the run, removed after it). Every option of `args` must be one
the tool's --help lists: a suite that needs flags a build lacks is refused
before any run, naming them.
"""
import os
import re
import subprocess
import tomllib

from . import UsageError, project

SUITE_KEYS = {"description", "run"}
RUN_KEYS = {"name", "tool", "args", "space", "space_per_rank", "description", "sweep"}
SWEEP_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+-]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SIZE_RE = re.compile(r"^(\d+)([kmgt]?)(i?b)?$", re.I)
PLACEHOLDERS = {"dir"}


class RunSpec:
    def __init__(self, name, tool, args, space_bytes, space_per_rank_bytes, description, sweep=None):
        self.name, self.tool, self.args = name, tool, args
        self.space_bytes, self.space_per_rank_bytes = space_bytes, space_per_rank_bytes
        self.description = description
        # None, {"parameter": "ranks", "values": [int]} or {"parameter": "-t", "values": [str]}
        self.sweep = sweep

    def args_for(self, run_dir, option_value=None):
        """The arguments with {dir} replaced and, for an option sweep, the
        option's value set to option_value."""
        args = [a.replace("{dir}", run_dir) for a in self.args]
        if option_value is None or not self.sweep or self.sweep["parameter"] == "ranks":
            return args
        return set_option(args, self.sweep["parameter"], str(option_value))

    def points(self, np_values):
        """[(ranks, option value or None, {parameter: value} of the swept
        parameters)]: one per point of this run. The run's own ranks sweep
        takes the place of np_values; an option sweep crosses np_values."""
        sw = self.sweep or {}
        ranks = sw["values"] if sw.get("parameter") == "ranks" else list(np_values)
        options = sw["values"] if sw and sw["parameter"] != "ranks" else [None]
        out = []
        for n in ranks:
            for v in options:
                point = {}
                if len(ranks) > 1:
                    point["ranks"] = n
                if v is not None:
                    point[sw["parameter"]] = v
                out.append((n, v, point))
        return out

    def space_needed(self, ranks):
        return self.space_bytes + ranks * self.space_per_rank_bytes


def set_option(args, option, value):
    """args with `option`'s value replaced (`-t 1m`, `-t1m`, `--iodepth=8`,
    `--iodepth 8`), or with `option value` appended when args lack it."""
    out = list(args)
    for i, a in enumerate(out):
        if a == option and i + 1 < len(out):
            out[i + 1] = value
            return out
        if option.startswith("--") and a.startswith(option + "="):
            out[i] = f"{option}={value}"
            return out
        if not option.startswith("--") and len(option) == 2 and a.startswith(option) and len(a) > 2:
            out[i] = option + value
            return out
    return out + [option, value]


def point_suffix(point):
    """A file-name-safe suffix of a sweep point: .np4, .t-1m, .iodepth-8."""
    parts = []
    for k, v in point.items():
        if k == "ranks":
            parts.append(f"np{v}")
        else:
            parts.append(f"{k.lstrip('-')}-{v}")
    return "".join("." + re.sub(r"[^A-Za-z0-9_.+-]", "_", p) for p in parts)


def point_tag(point):
    """The tag value that records a sweep point: ranks:4, -t:1m (comma-joined)."""
    return ",".join(f"{k}:{v}" for k, v in point.items())


class Suite:
    def __init__(self, name, path, description, runs):
        self.name, self.path, self.description, self.runs = name, path, description, runs

    def space_needed(self, ranks):
        """Bytes the target needs: the largest run (each run's files are
        removed before the next one starts); `ranks` an int or the --np
        values (a run's own ranks sweep counts too)."""
        np_values = ranks if isinstance(ranks, (list, tuple)) else [ranks]
        return max((r.space_needed(n) for r in self.runs for n, _, _ in r.points(np_values)), default=0)


def parse_size(text, where):
    m = SIZE_RE.match(str(text).strip())
    if not m:
        raise UsageError(f"{where}: '{text}' is not a size; use a byte count with k, m, g or t (binary)")
    return int(m.group(1)) * 1024 ** " kmgt".index((m.group(2) or " ").lower())


def resolve(name_or_path):
    """A suite name (scripts/suites/NAME.toml) or the path of a .toml file."""
    if os.sep in name_or_path or name_or_path.endswith(".toml"):
        path = name_or_path
    else:
        path = os.path.join(project.SUITES_DIR, name_or_path + ".toml")
    if not os.path.isfile(path):
        known = sorted(f[:-5] for f in os.listdir(project.SUITES_DIR) if f.endswith(".toml"))
        raise UsageError(f"no suite '{name_or_path}' ({path} does not exist); "
                         f"give one of {', '.join(known)} or the path of a .toml file")
    return path


def load(name_or_path, tools=None):
    """Parses and checks a suite file; raises UsageError naming the file and
    the key for anything unknown or malformed."""
    path = resolve(name_or_path)
    tools = tools or project.tools()
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"cannot read suite {path}: {e}")
    unknown = set(data) - SUITE_KEYS
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; a suite has {', '.join(sorted(SUITE_KEYS))}")
    runs_data = data.get("run")
    if not isinstance(runs_data, list) or not runs_data:
        raise UsageError(f"{path}: no [[run]] table; a suite lists its tool runs as [[run]] tables")
    runs, names = [], set()
    for i, r in enumerate(runs_data):
        runs.append(_run(path, i, r, tools, names))
    name = os.path.basename(path)[:-5] if path.endswith(".toml") else os.path.basename(path)
    return Suite(name, path, data.get("description", ""), runs)


def _run(path, i, r, tools, names):
    where = f"{path}: run {i + 1}"
    if not isinstance(r, dict):
        raise UsageError(f"{where}: not a table")
    unknown = set(r) - RUN_KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; a run has {', '.join(sorted(RUN_KEYS))}")
    tool = r.get("tool")
    if tool not in tools:
        raise UsageError(f"{where}: unknown tool '{tool}'; the tools are {', '.join(tools)}")
    name = r.get("name", tool)
    if not isinstance(name, str) or not NAME_RE.match(name) or name in names:
        raise UsageError(f"{where}: name '{name}' is not a unique file-name-safe word")
    names.add(name)
    args = r.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise UsageError(f"{where} ({name}): args must be a list of strings")
    for a in args:
        for ph in re.findall(r"\{([^}]*)\}", a):
            if ph not in PLACEHOLDERS:
                raise UsageError(f"{where} ({name}): unknown placeholder {{{ph}}} in '{a}'; only {{dir}} exists")
    reserved = [a for a in args if a.split("=")[0] in ("--json", "--tag", "--label")]
    if reserved:
        raise UsageError(f"{where} ({name}): {reserved[0]} is set by the suite driver; remove it from args")
    return RunSpec(name, tool, args, parse_size(r.get("space", 0), f"{where} ({name}) space"),
                   parse_size(r.get("space_per_rank", 0), f"{where} ({name}) space_per_rank"),
                   r.get("description", ""), _sweep(f"{where} ({name})", r.get("sweep")))


def _sweep(where, sw):
    """A run's sweep table, checked: {ranks = [int >= 1, ...]} or
    {option = "-x"/"--name", values = [...]}, two or more distinct values."""
    if sw is None:
        return None
    how = ('write sweep = { ranks = [1, 2, 4] } or sweep = { option = "-t", values = ["64k", "1m"] }')
    if not isinstance(sw, dict):
        raise UsageError(f"{where}: sweep is not a table; {how}")
    if set(sw) == {"ranks"}:
        vals = sw["ranks"]
        if not isinstance(vals, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                 for v in vals):
            raise UsageError(f"{where}: sweep.ranks must be a list of rank counts >= 1; {how}")
        param = "ranks"
    elif set(sw) == {"option", "values"}:
        param = sw["option"]
        if not isinstance(param, str) or not re.match(r"^(-[A-Za-z]|--[a-z][a-z0-9.-]*)$", param):
            raise UsageError(f"{where}: sweep.option '{param}' is not an option such as -t or --iodepth")
        if param in ("--json", "--tag", "--label"):
            raise UsageError(f"{where}: sweep.option {param} is set by the suite driver; sweep a tool option")
        vals = sw["values"]
        if not isinstance(vals, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                 for v in vals):
            raise UsageError(f"{where}: sweep.values must be a list of option values (strings or integers)")
        vals = [str(v) for v in vals]
        bad = [v for v in vals if not SWEEP_VALUE_RE.match(v)]
        if bad:
            raise UsageError(f"{where}: sweep value '{bad[0]}' is not a plain word (letters, digits, . _ : + -)")
    else:
        raise UsageError(f"{where}: sweep has keys {', '.join(sorted(sw)) or 'none'}; {how}")
    if len(vals) < 2 or len(set(vals)) != len(vals):
        raise UsageError(f"{where}: sweep needs two or more distinct values, got {vals}")
    return {"parameter": param, "values": vals}


OPTION_LINE_RE = re.compile(r"^\s{1,8}(-[^\s,]+(?:,\s?-[^\s,]+)*)")


def parse_help(text):
    """The options a tool's --help lists as working: the first column of the
    option lines, up to the "Not implemented" section (IOR/mdtest flags the
    tool knows only to refuse them)."""
    options = set()
    for line in text.splitlines():
        if line.lower().startswith("not implemented"):
            break
        m = OPTION_LINE_RE.match(line)
        if m and "not implemented" not in line:
            options.update(o.strip() for o in m.group(1).split(","))
    return options


def help_options(tool):
    """The options the built tool's --help lists as working; raises
    UsageError when the tool is missing or its --help fails."""
    exe = project.tool_path(tool)
    if not os.access(exe, os.X_OK):
        raise UsageError(f"{tool} is not built ({exe} missing); build first (source scripts/common.sh && build)")
    try:
        r = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise UsageError(f"{exe} --help failed: {e}")
    if r.returncode != 0:
        raise UsageError(f"{exe} --help failed with exit {r.returncode}: {r.stderr.strip()[:300]}")
    return parse_help(r.stdout)


def unknown_options(args, known):
    """The options of `args` that `known` (from --help) lacks. A short option
    counts by its first letter (-b64m, -wr), a long one by its name (--x=y)."""
    missing = []
    for a in args:
        if not a.startswith("-") or a == "-" or re.match(r"^-\d", a):
            continue
        opt = a.split("=", 1)[0] if a.startswith("--") else a[:2]
        if opt not in known and opt not in missing:
            missing.append(opt)
    return missing


def check_options(suite):
    """Every run's options against its tool's --help; raises UsageError
    naming the missing flags per tool."""
    known = {}
    problems = []
    for r in suite.runs:
        if r.tool not in known:
            known[r.tool] = help_options(r.tool)
        args = r.args + ([r.sweep["parameter"]] if r.sweep and r.sweep["parameter"] != "ranks" else [])
        missing = unknown_options(args, known[r.tool])
        if missing:
            problems.append(f"{r.name}: {r.tool} has no {', '.join(missing)}")
    if problems:
        raise UsageError(f"suite {suite.name} ({suite.path}) uses options this build's tools lack "
                         f"(checked with --help): {'; '.join(problems)}. Update the suite, or build a "
                         f"pfsbench whose tools have them")
