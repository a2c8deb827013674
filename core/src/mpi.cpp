#include "pfsbench/mpi.hpp"

#include <utility>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <cstring>
#include <ctime>
#include <map>
#include <sched.h>

#include <fmt/format.h>

#include "pfsbench/node_watch.hpp"

namespace pfsbench {

bool thread_level_enough(int provided) noexcept { return provided >= MPI_THREAD_FUNNELED; }

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  if (!thread_level_enough(provided)) {
    MPI_Finalize();
    throw Error(ExitCode::kRuntime, fmt::format(
        "the MPI library gives thread level {} where MPI_THREAD_FUNNELED ({}) is needed (the watchdog and "
        "mmap_read's readers are threads); use an MPI library built with thread support",
        provided, MPI_THREAD_FUNNELED));
  }
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void MpiSession::abort(int code) {
  node_watch_say('A');  // a node's watcher: the abort path writes the document
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

namespace {
void (*g_wait_service)() = nullptr;
}  // namespace

void set_wait_service(void (*service)()) noexcept { g_wait_service = service; }

void wait_politely(MPI_Request& request, const std::function<void()>& between_tests) {
  // Spin for up to 2 ms (the common case: everyone arrives within it), then
  // test every 50 us and sleep in between: a rank waiting long for a
  // straggler must not take the CPU the straggler (or the filesystem
  // client's daemons) needs when they share cores. The spin yields between
  // tests, as MPI_Barrier does when ranks outnumber cores: a rank spinning
  // unyielding kept the ranks still on their way off the core; alone on its
  // core, sched_yield returns at once.
  // Why 2 ms: the barriers around a timed phase are waits too, and a rank
  // asleep when the last one arrives reads its end time late. mdtest's
  // headline line -n 1 -C -F (16 ranks on 2 cores, a phase of ~1.5 ms) gave
  // mdtest_like / bare MPI_Barrier loop = 0.80 with a 100 us spin and 1.007
  // with 2 ms (16 interleaved rounds, ratio of medians); 20 ms gave 1.23,
  // faster than MPI_Barrier itself, for no gain in honesty.
  void (*service)() = g_wait_service;
  int done = 0;
  const double spin_until = MPI_Wtime() + 2e-3;
  while (MPI_Wtime() < spin_until) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (between_tests) between_tests();
    sched_yield();
  }
  const timespec pause{0, 50000};
  for (;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (between_tests) between_tests();
    if (service != nullptr) service();
    nanosleep(&pause, nullptr);
  }
}

void Comm::barrier() const {
  MPI_Request req;
  MPI_Ibarrier(comm_, &req);
  wait_politely(req);
}

bool Comm::all_ok(bool ok, const std::function<void()>& while_waiting) const {
  int local = ok ? 1 : 0;
  int global = 0;
  MPI_Request req;
  MPI_Iallreduce(&local, &global, 1, MPI_INT, MPI_MIN, comm_, &req);
  wait_politely(req, while_waiting);
  return global == 1;
}

void Comm::agree(ExitCode local, const std::string& message, const std::function<void()>& while_waiting) const {
  int mine = severity(local);
  int worst = 0;
  MPI_Request req;
  MPI_Iallreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, comm_, &req);
  wait_politely(req, while_waiting);
  if (worst == 0) return;
  // Collect the failing ranks' messages on rank 0, so the document and the
  // console name every rank that failed, not only rank 0's view.
  // A failing rank is always named, even when its error had no text.
  const std::string mine_text =
      local == ExitCode::kOk ? std::string()
      : message.empty()      ? fmt::format("rank {}: {} error without a message", rank_, kind_name(local))
                             : message;
  std::vector<std::string> all = gather(mine_text);
  std::vector<std::string> messages;
  if (rank_ == 0) {
    for (auto& m : all)
      if (!m.empty()) messages.push_back(std::move(m));
  } else if (local != ExitCode::kOk) {
    messages.push_back(mine_text);
  }
  const ExitCode code = from_severity(worst);
  std::string summary;
  if (!messages.empty()) {
    summary = messages.front();
    if (messages.size() > 1) summary += fmt::format(" (and {} more)", messages.size() - 1);
  } else {
    summary = fmt::format("another rank stopped the run ({})", status_for(code));
  }
  throw CollectiveError(code, summary, std::move(messages));
}

namespace {

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}
template <>
MPI_Datatype mpi_type<std::uint64_t>() {
  return MPI_UINT64_T;
}

template <class T>
T allreduce_one(T v, MPI_Op op, MPI_Comm comm) {
  T out{};
  MPI_Allreduce(&v, &out, 1, mpi_type<T>(), op, comm);
  return out;
}

template <class T>
void allreduce_each(std::vector<T>& v, MPI_Op op, MPI_Comm comm) {
  MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), mpi_type<T>(), op, comm);
}

}  // namespace

void Comm::allreduce_max(std::vector<double>& v) const { allreduce_each(v, MPI_MAX, comm_); }
void Comm::allreduce_min(std::vector<double>& v) const { allreduce_each(v, MPI_MIN, comm_); }
void Comm::allreduce_sum(std::vector<std::uint64_t>& v) const { allreduce_each(v, MPI_SUM, comm_); }
void Comm::allreduce_min(std::vector<std::uint64_t>& v) const { allreduce_each(v, MPI_MIN, comm_); }
double Comm::allreduce_max(double v) const { return allreduce_one(v, MPI_MAX, comm_); }
double Comm::allreduce_min(double v) const { return allreduce_one(v, MPI_MIN, comm_); }
std::uint64_t Comm::allreduce_sum(std::uint64_t v) const { return allreduce_one(v, MPI_SUM, comm_); }
std::uint64_t Comm::allreduce_max(std::uint64_t v) const { return allreduce_one(v, MPI_MAX, comm_); }
std::uint64_t Comm::allreduce_min(std::uint64_t v) const { return allreduce_one(v, MPI_MIN, comm_); }
void Comm::reduce_sum_to_root(std::vector<std::uint64_t>& v) const {
  const int n = static_cast<int>(v.size());
  if (rank_ == 0)
    MPI_Reduce(MPI_IN_PLACE, v.data(), n, MPI_UINT64_T, MPI_SUM, 0, comm_);
  else
    MPI_Reduce(v.data(), nullptr, n, MPI_UINT64_T, MPI_SUM, 0, comm_);
}

std::vector<double> Comm::gather(double value) const {
  std::vector<double> out(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&value, 1, MPI_DOUBLE, out.data(), 1, MPI_DOUBLE, 0, comm_);
  return out;
}
std::vector<std::uint64_t> Comm::gather(std::uint64_t value) const {
  std::vector<std::uint64_t> out(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&value, 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T, 0, comm_);
  return out;
}
void Comm::gather_bytes(const void* mine, std::size_t bytes, void* out) const {
  // MPI counts are int: refuse rather than truncate (every rank checks the
  // same numbers, so every rank throws alike before the collective).
  if (bytes > static_cast<std::size_t>(INT_MAX) / static_cast<std::size_t>(size_))
    throw std::length_error(fmt::format("gather of {} bytes from {} ranks exceeds an MPI count", bytes, size_));
  const int n = static_cast<int>(bytes);
  MPI_Gather(mine, n, MPI_BYTE, out, n, MPI_BYTE, 0, comm_);
}
std::vector<int> Comm::allgather(int value) const {
  std::vector<int> out(static_cast<std::size_t>(size_));
  MPI_Allgather(&value, 1, MPI_INT, out.data(), 1, MPI_INT, comm_);
  return out;
}

std::vector<std::string> Comm::gather(const std::string& value) const {
  int len = static_cast<int>(value.size());
  std::vector<int> lens(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
  MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm_);
  std::vector<int> displs(lens.size());
  std::string all;
  if (rank_ == 0) {
    int total = 0;
    for (std::size_t i = 0; i < lens.size(); ++i) {
      displs[i] = total;
      total += lens[i];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(value.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0,
              comm_);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lens.size(); ++i)
    out.emplace_back(all.substr(static_cast<std::size_t>(displs[i]), static_cast<std::size_t>(lens[i])));
  return out;
}

void Comm::bcast(std::string& value) const {
  std::uint64_t len = value.size();
  MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm_);
  value.resize(len);
  MPI_Bcast(value.data(), static_cast<int>(len), MPI_CHAR, 0, comm_);
}
void Comm::bcast(std::uint64_t& value) const { MPI_Bcast(&value, 1, MPI_UINT64_T, 0, comm_); }
void Comm::bcast(int& value) const { MPI_Bcast(&value, 1, MPI_INT, 0, comm_); }

NodeLayout Comm::node_layout() const {
  NodeLayout layout;
  MPI_Comm node_comm;
  MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node_comm);
  MPI_Comm_rank(node_comm, &layout.local_rank);
  MPI_Comm_size(node_comm, &layout.ranks_on_my_node);
  // The lowest world rank on each node names the node; nodes are numbered
  // in the order of their lowest rank.
  int leader = rank_;
  MPI_Allreduce(MPI_IN_PLACE, &leader, 1, MPI_INT, MPI_MIN, node_comm);
  MPI_Comm_free(&node_comm);
  const std::vector<int> leaders = allgather(leader);
  std::vector<int> sorted = leaders;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  layout.node_count = static_cast<int>(sorted.size());
  layout.node_of_rank.resize(leaders.size());
  std::vector<int> count(sorted.size(), 0);
  for (std::size_t r = 0; r < leaders.size(); ++r) {
    const auto idx = std::lower_bound(sorted.begin(), sorted.end(), leaders[r]) - sorted.begin();
    layout.node_of_rank[r] = static_cast<int>(idx);
    ++count[static_cast<std::size_t>(idx)];
  }
  layout.node_index = layout.node_of_rank[static_cast<std::size_t>(rank_)];
  layout.uniform = std::all_of(count.begin(), count.end(), [&](int c) { return c == count[0]; });
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int name_len = 0;
  MPI_Get_processor_name(name, &name_len);
  std::string host(name, static_cast<std::size_t>(name_len));
  std::vector<std::string> hosts = gather(host);
  std::string joined;
  if (rank_ == 0) {
    layout.hosts.resize(sorted.size());
    for (std::size_t r = 0; r < hosts.size(); ++r)
      layout.hosts[static_cast<std::size_t>(layout.node_of_rank[r])] = hosts[r];
    for (const auto& h : layout.hosts) joined += h + '\n';
  }
  bcast(joined);
  layout.hosts.clear();
  std::size_t start = 0;
  for (std::size_t i = 0; i < joined.size(); ++i)
    if (joined[i] == '\n') {
      layout.hosts.push_back(joined.substr(start, i - start));
      start = i + 1;
    }
  return layout;
}

std::string mpi_library_version() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, static_cast<std::size_t>(len));
  const auto nl = s.find_first_of("\n,");
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace pfsbench

namespace pfsbench {

ByteRun::ByteRun(std::uint64_t bytes) : bytes_(bytes) {
  constexpr std::uint64_t kIntMax = 2147483647ull;
  if (bytes <= kIntMax) {
    count_ = static_cast<int>(bytes);
    return;
  }
  constexpr std::uint64_t kBlock = 1ull << 30;
  MPI_Datatype block = MPI_DATATYPE_NULL;
  MPI_Type_contiguous(static_cast<int>(kBlock), MPI_BYTE, &block);
  const std::uint64_t blocks = bytes / kBlock;
  const std::uint64_t rest = bytes % kBlock;
  int lengths[2] = {static_cast<int>(blocks), static_cast<int>(rest)};
  MPI_Aint displs[2] = {0, static_cast<MPI_Aint>(blocks * kBlock)};
  MPI_Datatype types[2] = {block, MPI_BYTE};
  MPI_Type_create_struct(rest ? 2 : 1, lengths, displs, types, &type_);
  MPI_Type_commit(&type_);
  MPI_Type_free(&block);
  count_ = 1;
  owned_ = true;
}

ByteRun::~ByteRun() {
  if (!owned_) return;  // MPI_BYTE: the per-transfer common case costs nothing
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Type_free(&type_);
}

std::uint64_t bytes_moved(const MPI_Status& status, MPI_Datatype type) {
  MPI_Count elements = 0;
  MPI_Get_elements_x(&status, type, &elements);
  return elements == MPI_UNDEFINED ? 0 : static_cast<std::uint64_t>(elements);
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return fmt::format("MPI error code {}", code);
  return std::string(text, static_cast<std::size_t>(len));
}

namespace {

// Reads a string or int control variable by index; nullopt when unreadable.
std::optional<std::string> read_cvar(int index, MPI_Datatype type) {
  MPI_T_cvar_handle handle = MPI_T_CVAR_HANDLE_NULL;
  int count = 0;
  if (MPI_T_cvar_handle_alloc(index, nullptr, &handle, &count) != MPI_SUCCESS) return std::nullopt;
  std::optional<std::string> value;
  if (type == MPI_CHAR) {
    std::string buf(static_cast<std::size_t>(count > 0 ? count : 0) + 1, '\0');
    if (count <= 0 || MPI_T_cvar_read(handle, buf.data()) == MPI_SUCCESS) value = std::string(buf.c_str());
  } else if (type == MPI_INT && count == 1) {
    int v = 0;
    if (MPI_T_cvar_read(handle, &v) == MPI_SUCCESS) value = std::to_string(v);
  }
  MPI_T_cvar_handle_free(&handle);
  return value;
}

}  // namespace

MpiioComponent mpiio_component() {
  int provided = 0;
  if (MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) != MPI_SUCCESS) return {"", "unknown"};
  std::string requested, best;
  int best_priority = -1;
  int num = 0;
  MPI_T_cvar_get_num(&num);
  for (int i = 0; i < num; ++i) {
    char name[256];
    char desc[16];
    int name_len = sizeof(name), desc_len = sizeof(desc), verbosity = 0, bind = 0, scope = 0;
    MPI_Datatype type = MPI_DATATYPE_NULL;
    MPI_T_enum enumtype = MPI_T_ENUM_NULL;
    if (MPI_T_cvar_get_info(i, name, &name_len, &verbosity, &type, &enumtype, desc, &desc_len, &bind, &scope) !=
        MPI_SUCCESS)
      continue;
    const std::string_view n(name);
    if (n == "io" && type == MPI_CHAR) {
      requested = read_cvar(i, type).value_or("");
    } else if (n.starts_with("io_") && n.ends_with("_priority") && !n.ends_with("_delete_priority") &&
               type == MPI_INT) {
      const std::string component(n.substr(3, n.size() - 3 - std::string_view("_priority").size()));
      const auto v = read_cvar(i, type);
      if (v && std::stoi(*v) > best_priority) {
        best_priority = std::stoi(*v);
        best = component;
      }
    }
  }
  MPI_T_finalize();
  if (!requested.empty()) return {requested, "requested"};
  if (!best.empty()) return {best, "highest priority"};
  return {"", "unknown"};
}

OwnedComm::~OwnedComm() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

OwnedComm::OwnedComm(OwnedComm&& other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}

OwnedComm& OwnedComm::operator=(OwnedComm&& other) noexcept {
  if (this != &other) {
    if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
  }
  return *this;
}

OwnedComm first_ranks(const Comm& comm, int n) {
  MPI_Comm out = MPI_COMM_NULL;
  MPI_Comm_split(comm.raw(), comm.rank() < n ? 0 : MPI_UNDEFINED, comm.rank(), &out);
  return OwnedComm(out);
}

}  // namespace pfsbench
