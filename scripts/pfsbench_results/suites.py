"""Suite files: TOML lists of tool runs, checked in full before anything runs.

    description = "..."            # optional
    [[run]]
    name = "ior_like"              # unique in the suite; names the document
    tool = "ior_like"              # one of tools.conf's tools
    args = ["-w", "-r", "-b", "64m", "-o", "{dir}/ior.dat"]
    space = "0"                    # bytes the run needs on the target (optional)
    space_per_rank = "64m"         # plus this per rank (optional)
    description = "..."            # optional

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
RUN_KEYS = {"name", "tool", "args", "space", "space_per_rank", "description"}
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SIZE_RE = re.compile(r"^(\d+)([kmgt]?)(i?b)?$", re.I)
PLACEHOLDERS = {"dir"}


class RunSpec:
    def __init__(self, name, tool, args, space_bytes, space_per_rank_bytes, description):
        self.name, self.tool, self.args = name, tool, args
        self.space_bytes, self.space_per_rank_bytes = space_bytes, space_per_rank_bytes
        self.description = description

    def args_for(self, run_dir):
        return [a.replace("{dir}", run_dir) for a in self.args]

    def space_needed(self, ranks):
        return self.space_bytes + ranks * self.space_per_rank_bytes


class Suite:
    def __init__(self, name, path, description, runs):
        self.name, self.path, self.description, self.runs = name, path, description, runs

    def space_needed(self, ranks):
        """Bytes the target needs: the largest run (each run's files are
        removed before the next one starts)."""
        return max((r.space_needed(ranks) for r in self.runs), default=0)


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
                   r.get("description", ""))


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
        missing = unknown_options(r.args, known[r.tool])
        if missing:
            problems.append(f"{r.name}: {r.tool} has no {', '.join(missing)}")
    if problems:
        raise UsageError(f"suite {suite.name} ({suite.path}) uses options this build's tools lack "
                         f"(checked with --help): {'; '.join(problems)}. Update the suite, or build a "
                         f"pfsbench whose tools have them")
