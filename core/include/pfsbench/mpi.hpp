#pragma once
// The only place besides rank_stats that touches MPI. Every function that
// every rank of the communicator must call is marked COLLECTIVE.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <mpi.h>

#include "pfsbench/error.hpp"

namespace pfsbench {

/// RAII MPI_Init_thread / MPI_Finalize. Threads may run I/O, but only the
/// main thread calls MPI (MPI_THREAD_FUNNELED).
class MpiSession {
 public:
  /// Throws Error (runtime) when the library gives less than MPI_THREAD_FUNNELED
  /// (a library built without threads, where our reader and watchdog
  /// threads are not allowed), after finalizing.
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  /// Ends every rank of the job; only for a rank stuck inside a collective.
  [[noreturn]] static void abort(int code);
};

/// How the ranks are spread over nodes (nodes = shared-memory domains).
struct NodeLayout {
  int node_count = 1;
  int node_index = 0;            ///< this rank's node, 0..node_count-1
  int ranks_on_my_node = 1;
  int local_rank = 0;            ///< rank within its node
  std::vector<int> node_of_rank; ///< node index of every world rank
  std::vector<std::string> hosts;///< one hostname per node, in node order
  bool uniform = true;           ///< every node holds the same number of ranks
};

/// A non-owning view of an MPI communicator.
class Comm {
 public:
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool is_root() const noexcept { return rank_ == 0; }
  MPI_Comm raw() const noexcept { return comm_; }

  /// COLLECTIVE. Barrier. barrier(), all_ok() and agree() wait politely
  /// (nonblocking collective, then MPI_Test every 50 us with sleeps), so a
  /// rank that finished early does not spin on a core a straggler needs.
  void barrier() const;
  /// COLLECTIVE. True when `ok` is true on every rank. `while_waiting`
  /// runs between tests of the reduction (see wait_politely).
  bool all_ok(bool ok, const std::function<void()>& while_waiting = {}) const;
  /// COLLECTIVE. Agrees on the outcome of a step: when any rank passes a
  /// non-ok code, every rank throws CollectiveError with the most severe
  /// code; on rank 0 it carries the messages of all failing ranks.
  /// `while_waiting` runs between tests of the reduction (see wait_politely).
  void agree(ExitCode local, const std::string& message = {},
             const std::function<void()>& while_waiting = {}) const;

  /// COLLECTIVE. Element-wise reductions to every rank.
  void allreduce_max(std::vector<double>& values) const;
  void allreduce_min(std::vector<double>& values) const;
  void allreduce_sum(std::vector<std::uint64_t>& values) const;
  double allreduce_max(double v) const;
  double allreduce_min(double v) const;
  std::uint64_t allreduce_sum(std::uint64_t v) const;
  std::uint64_t allreduce_max(std::uint64_t v) const;
  std::uint64_t allreduce_min(std::uint64_t v) const;
  void allreduce_min(std::vector<std::uint64_t>& values) const;
  /// COLLECTIVE. Element-wise sum of `values` into rank 0 (others unchanged).
  void reduce_sum_to_root(std::vector<std::uint64_t>& values) const;

  /// COLLECTIVE. Every rank's value, in rank order, on rank 0 (empty elsewhere).
  std::vector<double> gather(double value) const;
  std::vector<std::uint64_t> gather(std::uint64_t value) const;
  std::vector<std::string> gather(const std::string& value) const;
  /// COLLECTIVE. Every rank's `count` structs, in rank order, on rank 0
  /// (empty elsewhere), in one MPI_Gather of bytes: per-rank records cross
  /// ranks as one gather of a plain struct, not one gather per field or text.
  /// Every rank passes the same number of elements. Throws std::length_error
  /// when the gathered bytes exceed what an MPI count can hold.
  template <class T>
  std::vector<T> gather_structs(std::span<const T> mine) const {
    static_assert(std::is_trivially_copyable_v<T>, "gather_structs copies bytes");
    std::vector<T> out(rank_ == 0 ? mine.size() * static_cast<std::size_t>(size_) : 0);
    gather_bytes(mine.data(), mine.size_bytes(), out.data());
    return out;
  }
  /// COLLECTIVE. gather_structs of one struct per rank.
  template <class T>
  std::vector<T> gather_struct(const T& mine) const {
    return gather_structs(std::span<const T>(&mine, 1));
  }
  /// COLLECTIVE. Every rank's value on every rank.
  std::vector<int> allgather(int value) const;
  /// COLLECTIVE. Rank 0's value on every rank.
  void bcast(std::string& value) const;
  void bcast(std::uint64_t& value) const;
  void bcast(int& value) const;

  /// COLLECTIVE. Node layout from MPI_Comm_split_type(MPI_COMM_TYPE_SHARED).
  NodeLayout node_layout() const;

 private:
  /// `bytes` from every rank into `out` on rank 0 (size x bytes there).
  void gather_bytes(const void* mine, std::size_t bytes, void* out) const;

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

/// A communicator this object owns: freed (MPI_Comm_free) on destruction.
class OwnedComm {
 public:
  OwnedComm() = default;
  explicit OwnedComm(MPI_Comm comm) noexcept : comm_(comm) {}
  ~OwnedComm();
  OwnedComm(OwnedComm&& other) noexcept;
  OwnedComm& operator=(OwnedComm&& other) noexcept;
  OwnedComm(const OwnedComm&) = delete;
  OwnedComm& operator=(const OwnedComm&) = delete;
  /// False on the ranks left out of a split.
  bool valid() const noexcept { return comm_ != MPI_COMM_NULL; }
  MPI_Comm raw() const noexcept { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

/// COLLECTIVE over `comm`: a communicator of its first `n` ranks, in rank
/// order (rank r keeps rank r); the other ranks get an invalid one.
OwnedComm first_ranks(const Comm& comm, int n);

/// Completes `request`: a short spin, then MPI_Test every 50 us with
/// nanosleep in between. `between_tests`, when given, runs after every
/// unsuccessful test (e.g. EarlyStop::service on rank 0).
void wait_politely(MPI_Request& request, const std::function<void()>& between_tests = {});

/// A function wait_politely also runs between tests, whoever calls it (the
/// watchdog's report service on rank 0: a rank waiting for a stuck one
/// learns it here). Null: none. Main thread only.
void set_wait_service(void (*service)()) noexcept;

/// The thread level MpiSession accepts for `provided` (MPI_THREAD_FUNNELED
/// or above): the check MpiSession makes, apart so it is testable.
bool thread_level_enough(int provided) noexcept;

/// `bytes` contiguous bytes as an MPI (datatype, count) pair whose count
/// fits an int: MPI_BYTE x bytes up to INT_MAX, otherwise one committed
/// struct type of 1 GiB blocks plus the remainder, count 1. Transfers of
/// 2 GiB and more thus never pass a byte count through an int (Open MPI 4
/// has no MPI-4 large-count calls). Local, not collective.
class ByteRun {
 public:
  explicit ByteRun(std::uint64_t bytes);
  ~ByteRun();
  ByteRun(const ByteRun&) = delete;
  ByteRun& operator=(const ByteRun&) = delete;
  MPI_Datatype type() const noexcept { return type_; }
  int count() const noexcept { return count_; }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  MPI_Datatype type_ = MPI_BYTE;
  int count_ = 0;
  std::uint64_t bytes_ = 0;
  bool owned_ = false;
};

/// Bytes an MPI call moved, from its status (MPI_Get_elements_x over
/// MPI_BYTE elements, so it works for ByteRun's struct type too).
std::uint64_t bytes_moved(const MPI_Status& status, MPI_Datatype type);

/// The MPI library's own text for an error code (MPI_Error_string).
std::string mpi_error_text(int code);

/// Which MPI-IO component serves files, as far as the library tells
/// (Open MPI's MPI_T control variables): the component asked for with
/// OMPI_MCA_io / --mca io when set ("requested"), otherwise the io
/// component of highest priority ("highest priority", Open MPI's own
/// selection rule). Empty name when the library has no such variables.
struct MpiioComponent {
  std::string name;    ///< e.g. "ompio", "romio321"; "" when unknown
  std::string source;  ///< "requested", "highest priority" or "unknown"
};
MpiioComponent mpiio_component();

/// "Open MPI v4.1.4, ..." from MPI_Get_library_version (first line).
std::string mpi_library_version();

}  // namespace pfsbench
