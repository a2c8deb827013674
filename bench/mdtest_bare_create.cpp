// The baseline of scripts/bench-mdtest-vs-loop: the cheapest honest MPI
// program that creates files in ONE shared directory, mdtest's skeleton.
// Every rank creates N empty files file.mdtest.<rank>.<j> (mdtest's names)
// with open(O_CREAT|O_EXCL) + close, between two MPI_Barriers; the time is
// the slowest rank's time between the barriers (mdtest's definition and
// mdtest_like's), the rate all files / that time. Paths are built before the
// timed loop. Then the files are removed (untimed).
//   mdtest_bare_create DIR N [--at]
// Without --at: open(DIR/name), the whole path, as mdtest and mdtest_like's
// default --path-resolution full; give DIR at the depth of mdtest_like's item
// directory (.../test-dir.0-0/mdtest_tree.0) for the same path walk.
// --at: openat(dirfd, name), as mdtest_like --path-resolution dirfd.
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 3) {
    if (rank == 0) std::fprintf(stderr, "usage: mdtest_bare_create DIR N [--at]\n");
    MPI_Finalize();
    return 2;
  }
  const std::string dir = argv[1];
  const long n = std::atol(argv[2]);
  const bool at = argc > 3 && std::strcmp(argv[3], "--at") == 0;
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd < 0) {
    std::fprintf(stderr, "rank %d: open %s: %s\n", rank, dir.c_str(), std::strerror(errno));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  std::vector<std::string> names, paths;
  names.reserve(static_cast<std::size_t>(n));
  paths.reserve(static_cast<std::size_t>(n));
  for (long j = 0; j < n; ++j) {
    names.push_back("file.mdtest." + std::to_string(rank) + "." + std::to_string(j));
    paths.push_back(dir + "/" + names.back());
  }

  MPI_Barrier(MPI_COMM_WORLD);
  const double t0 = MPI_Wtime();
  for (long j = 0; j < n; ++j) {
    const auto i = static_cast<std::size_t>(j);
    const int fd = at ? ::openat(dfd, names[i].c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644)
                      : ::open(paths[i].c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || ::close(fd) != 0) {
      std::fprintf(stderr, "rank %d: create %s: %s\n", rank, paths[i].c_str(), std::strerror(errno));
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
  const double mine = MPI_Wtime() - t0;
  double slowest = 0;
  MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  if (rank == 0)
    std::printf("files=%ld duration_s=%.6f ops_per_s=%.1f mode=%s\n", n * size, slowest,
                static_cast<double>(n * size) / slowest, at ? "openat" : "open");
  for (long j = 0; j < n; ++j) ::unlinkat(dfd, names[static_cast<std::size_t>(j)].c_str(), 0);
  ::close(dfd);
  MPI_Finalize();
  return 0;
}
