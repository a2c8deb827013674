#include "pfsbench/early_stop.hpp"

#include <ctime>
#include <utility>

namespace pfsbench {

EarlyStop::EarlyStop(MPI_Comm comm, std::uint64_t poll_interval_ns) : poll_interval_ns_(poll_interval_ns) {
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  int* ub = nullptr;
  int found = 0;
  MPI_Comm_get_attr(comm_, MPI_TAG_UB, &ub, &found);
  if (found && ub && *ub > 1) tag_ub_ = *ub;
}

EarlyStop::EarlyStop(EarlyStop&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)),
      rank_(other.rank_),
      size_(other.size_),
      tag_ub_(other.tag_ub_),
      tag_(other.tag_),
      steps_(other.steps_),
      poll_interval_ns_(other.poll_interval_ns_) {
  // Only moved before the first arm(): no request refers to other's buffers.
}

EarlyStop::~EarlyStop() {
  if (comm_ == MPI_COMM_NULL) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  disarm();
  MPI_Comm_free(&comm_);
}

void EarlyStop::arm() {
  disarm();
  stopped_ = false;
  relayed_ = false;
  next_test_ns_ = 0;
  if (size_ < 2 || comm_ == MPI_COMM_NULL) return;
  tag_ = 1 + static_cast<int>(steps_++ % static_cast<std::uint64_t>(tag_ub_ - 1));
  MPI_Irecv(&recv_buf_, 1, MPI_INT, rank_ == 0 ? MPI_ANY_SOURCE : 0, tag_, comm_, &recv_);
  armed_ = true;
}

void EarlyStop::notify() {
  if (!armed_) return;
  if (rank_ == 0) {
    relay();
  } else if (sends_.empty()) {
    sends_.emplace_back();
    MPI_Isend(&send_buf_, 1, MPI_INT, 0, tag_, comm_, &sends_.back());
  }
}

bool EarlyStop::poll() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return poll(static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec));
}

void EarlyStop::service() {
  if (armed_ && rank_ == 0 && !stopped_) test();
}

bool EarlyStop::test() {
  if (recv_ == MPI_REQUEST_NULL) return stopped_;
  int done = 0;
  MPI_Test(&recv_, &done, MPI_STATUS_IGNORE);
  if (done) {
    stopped_ = true;
    if (rank_ == 0) relay();
  }
  return stopped_;
}

void EarlyStop::relay() {
  if (relayed_) return;
  relayed_ = true;
  sends_.reserve(static_cast<std::size_t>(size_ - 1));
  for (int r = 1; r < size_; ++r) {
    sends_.emplace_back();
    MPI_Isend(&send_buf_, 1, MPI_INT, r, tag_, comm_, &sends_.back());
  }
}

void EarlyStop::disarm() {
  if (!armed_) return;
  armed_ = false;
  if (recv_ != MPI_REQUEST_NULL) {
    // Either cancelled or, if a notice matched meanwhile, received.
    MPI_Cancel(&recv_);
    MPI_Wait(&recv_, MPI_STATUS_IGNORE);
  }
  if (!sends_.empty()) {
    // One-int messages go eagerly, so the sends complete without a matching
    // receive; should an MPI hold them anyway, cancel them after a second
    // rather than hang (a receiver that finished has cancelled its receive).
    int done = 0;
    const double give_up = MPI_Wtime() + 1.0;
    const timespec pause{0, 50000};
    while (!done && MPI_Wtime() < give_up) {
      MPI_Testall(static_cast<int>(sends_.size()), sends_.data(), &done, MPI_STATUSES_IGNORE);
      if (!done) nanosleep(&pause, nullptr);
    }
    if (!done) {
      for (auto& s : sends_)
        if (s != MPI_REQUEST_NULL) MPI_Cancel(&s);
      MPI_Waitall(static_cast<int>(sends_.size()), sends_.data(), MPI_STATUSES_IGNORE);
    }
    sends_.clear();
  }
}

}  // namespace pfsbench
