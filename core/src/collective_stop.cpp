#include "pfsbench/collective_stop.hpp"

#include "pfsbench/mpi.hpp"

namespace pfsbench {

CollectiveStop::CollectiveStop(const Comm& comm) { MPI_Comm_dup(comm.raw(), &comm_); }

CollectiveStop::~CollectiveStop() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || comm_ == MPI_COMM_NULL) return;
  // A request still pending here means settle() was skipped. MPI forbids
  // MPI_Request_free on a nonblocking collective, and a wait could block on
  // this rank alone: leave the request (and its communicator) as they are.
  if (pending_ != MPI_REQUEST_NULL) return;
  MPI_Comm_free(&comm_);
}

bool CollectiveStop::stop_before_next(bool want_stop) {
  // Complete round i-1 first: its buffers are reused by round i.
  bool stop = false;
  if (pending_ != MPI_REQUEST_NULL) {
    wait_politely(pending_);
    stop = recv_ != 0;
  }
  if (stop) return true;  // no new round: finish() has nothing to complete
  send_ = want_stop ? 1 : 0;
  MPI_Iallreduce(&send_, &recv_, 1, MPI_INT, MPI_MAX, comm_, &pending_);
  ++rounds_;
  ++started_;
  return false;
}

void CollectiveStop::settle(const Comm& comm) {
  // The count goes over the caller's communicator: comm_ may still carry a
  // pending round on some ranks, and collectives on one communicator must
  // be called in the same order everywhere.
  const std::uint64_t all = comm.allreduce_max(started_);
  if (pending_ != MPI_REQUEST_NULL) wait_politely(pending_);  // started by every rank: started_ <= all
  while (started_ < all) {
    // The round(s) this rank missed, in order, so they match the others'.
    send_ = 1;
    MPI_Iallreduce(&send_, &recv_, 1, MPI_INT, MPI_MAX, comm_, &pending_);
    ++started_;
    wait_politely(pending_);
  }
}

bool CollectiveStop::finish() {
  if (pending_ == MPI_REQUEST_NULL) return recv_ != 0;
  wait_politely(pending_);
  return recv_ != 0;
}

}  // namespace pfsbench
