#include "pfsbench/collective_stop.hpp"

#include "pfsbench/mpi.hpp"

namespace pfsbench {

CollectiveStop::CollectiveStop(const Comm& comm) { MPI_Comm_dup(comm.raw(), &comm_); }

CollectiveStop::~CollectiveStop() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized || comm_ == MPI_COMM_NULL) return;
  // A request still pending here means finish() was skipped on an error
  // path. Completing it would be a collective wait on one rank alone, so
  // the request is abandoned (freed) instead.
  if (pending_ != MPI_REQUEST_NULL) MPI_Request_free(&pending_);
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
  return false;
}

bool CollectiveStop::finish() {
  if (pending_ == MPI_REQUEST_NULL) return recv_ != 0;
  wait_politely(pending_);
  return recv_ != 0;
}

}  // namespace pfsbench
