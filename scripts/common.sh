# Sourced by scripts/run, scripts/test and scripts/bench-*: install what is
# missing, then configure and build. Idempotent.
set -euo pipefail
PFSBENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${PFSBENCH_BUILD_DIR:-$PFSBENCH_ROOT/build}

PFSBENCH_PACKAGES=(
  build-essential cmake pkg-config git
  openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
  libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev libbenchmark-dev
  libaio-dev liburing-dev
  python3 python3-jsonschema python3-matplotlib
  python3-h5py   # tests/integration/test_ior_backends.py reads HDF5 files with an independent reader
  python3-scipy  # scripts/compare: Mann-Whitney U
  chromium       # tests/integration/test_report.py renders the HTML report headless
  btrfs-progs    # tests/integration/test_cross_fs.py: the quick suite on a loop-mounted btrfs
  fio procps util-linux e2fsprogs xfsprogs
  ccache  # scripts/common.sh: rebuilds in a fresh clone reuse compiled objects
  strace  # tests/integration/test_mdtest_like_io500.py checks the paths mdtest_like resolves
  fuse3 libfuse3-dev
  slurm-wlm munge  # tests/integration/test_slurm.py runs the tools under srun (private Slurm, started by the test)
)

ensure_deps() {
  local missing=()
  for p in "${PFSBENCH_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "pfsbench: installing missing packages: ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# pfsbench_conf KEY: the words of KEY in tools.conf (the tool list and the
# mpirun flags, which CMake and scripts/pfsbench_results read too).
pfsbench_conf() {
  sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$PFSBENCH_ROOT/tools.conf"
}

build() {
  local type=${1:-Release} tools
  tools=$(pfsbench_conf tools)
  # Every tool, whatever an earlier configure of this build dir restricted.
  # ccache, where installed, makes a rebuild in a fresh clone (CI) cheap;
  # paths are hashed relative to the checkout so clones share the cache.
  local launcher=()
  if command -v ccache >/dev/null; then
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PFSBENCH_ROOT} CCACHE_NOHASHDIR=1
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S "$PFSBENCH_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" \
    -DPFSBENCH_TOOLS="${tools// /;}" >/dev/null
  cmake --build "$BUILD_DIR" -j"$(nproc)" >&2
}

# The flags of every mpirun (tools.conf says why), with the root ones as root.
mpirun_flags() {
  local f
  f=$(pfsbench_conf mpirun_flags)
  [ "$(id -u)" -eq 0 ] && f="$f $(pfsbench_conf mpirun_root_flags)"
  echo $f
}
