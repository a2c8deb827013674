#include "share.hpp"

#include <time.h>

#include <deque>
#include <exception>
#include <vector>

namespace pfsbench::find_like {
namespace {

enum Tag : int { kRequest = 1, kReply = 2, kToken = 3, kDone = 4, kStop = 5 };
constexpr int kWhite = 0, kBlack = 1;

void nap_ns(long ns) {
  timespec ts{0, ns};
  ::nanosleep(&ts, nullptr);
}

class Sharer {
 public:
  Sharer(Walker& w, MPI_Comm comm) : w_(w), comm_(comm) {
    MPI_Comm_rank(comm, &rank_);
    MPI_Comm_size(comm, &size_);
    seed_ = 2654435761u * static_cast<unsigned>(rank_ + 1);
    have_token_ = rank_ == 0;
  }

  ShareOutcome run(const std::function<bool(std::uint64_t)>& should_stop,
                   const std::function<void(std::uint64_t)>& progress) {
    ShareOutcome out;
    const std::uint64_t start = now_ns();
    std::uint64_t idle_since = 0, idle_ns = 0;
    int quiet_spins = 0;
    while (!done_) {
      const std::uint64_t now = now_ns();
      if (!stopped_ && should_stop(now)) stop(true);
      const bool busy = !stopped_ && w_.has_work();
      if (!busy && idle_since == 0) idle_since = now;
      if (busy && idle_since != 0) {
        idle_ns += now - idle_since;
        idle_since = 0;
      }
      bool event = serve_requests();
      event = poll_control() || event;
      if (done_) break;
      if (!stopped_ && w_.has_work()) {
        try {
          w_.step();
        } catch (const std::exception& e) {
          if (error_.empty()) error_ = e.what();
          stop(true);
        }
        progress(now);
        continue;
      }
      event = idle_turn(now) || event;
      if (event) {
        quiet_spins = 0;
      } else if (++quiet_spins > 64) {
        nap_ns(20000);  // idle and nothing arrived: leave the core to a busy rank
      }
    }
    const std::uint64_t end = now_ns();
    if (idle_since != 0) idle_ns += end - idle_since;
    if (w_.has_work() && !stopped_) {  // never expected: say so rather than lose entries silently
      c_.dropped_items += w_.drop_all();
      stopped_ = true;
      if (error_.empty()) error_ = "internal error: the walk was declared over while this rank had work; the counts are incomplete";
    }
    finish();
    out.span = Interval{static_cast<double>(start) * 1e-9, static_cast<double>(end) * 1e-9};
    c_.idle_s = static_cast<double>(idle_ns) * 1e-9;
    out.counters = c_;
    out.stopped = stopped_;
    out.local_error = error_;
    return out;
  }

 private:
  void isend_int(int dest, int tag, int value) {
    if (reqs_.size() >= 1024) {  // small sends complete at once (eager); recycle their storage
      MPI_Waitall(static_cast<int>(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE);
      reqs_.clear();
      ints_.clear();
    }
    ints_.push_back(value);
    reqs_.emplace_back();
    MPI_Isend(&ints_.back(), 1, MPI_INT, dest, tag, comm_, &reqs_.back());
  }

  void stop(bool tell_others) {
    if (stopped_) return;
    stopped_ = true;
    c_.dropped_items += w_.drop_all();
    if (tell_others && !stop_sent_) {
      stop_sent_ = true;
      for (int r = 0; r < size_; ++r)
        if (r != rank_) isend_int(r, kStop, 0);
    }
  }

  // Answers every pending steal request. Returns true when one came.
  bool serve_requests() {
    bool any = false;
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kRequest, comm_, &flag, &st);
      if (!flag) return any;
      any = true;
      int dummy = 0;
      MPI_Recv(&dummy, 1, MPI_INT, st.MPI_SOURCE, kRequest, comm_, MPI_STATUS_IGNORE);
      ++c_.requests_served;
      std::vector<WorkItem> items;
      if (!stopped_) items = w_.give_half();
      if (!items.empty()) {
        colour_ = kBlack;
        c_.items_given += items.size();
      }
      buf_.clear();
      serialize(items, buf_);
      // The thief is waiting for exactly this message, probing for it.
      MPI_Send(buf_.data(), static_cast<int>(buf_.size()), MPI_BYTE, st.MPI_SOURCE, kReply, comm_);
    }
  }

  bool poll_control() {
    bool any = false;
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kToken, comm_, &flag, &st);
    if (flag) {
      MPI_Recv(&token_colour_, 1, MPI_INT, st.MPI_SOURCE, kToken, comm_, MPI_STATUS_IGNORE);
      have_token_ = true;
      any = true;
    }
    for (;;) {
      MPI_Iprobe(MPI_ANY_SOURCE, kStop, comm_, &flag, &st);
      if (!flag) break;
      int dummy = 0;
      MPI_Recv(&dummy, 1, MPI_INT, st.MPI_SOURCE, kStop, comm_, MPI_STATUS_IGNORE);
      ++stops_received_;
      stop(false);
      any = true;
    }
    if (rank_ != 0) {
      MPI_Iprobe(0, kDone, comm_, &flag, &st);
      if (flag) {
        int dummy = 0;
        MPI_Recv(&dummy, 1, MPI_INT, 0, kDone, comm_, MPI_STATUS_IGNORE);
        done_ = true;
        any = true;
      }
    }
    return any;
  }

  // Receives the answer to our steal request when it is there.
  bool check_reply(bool keep) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(victim_, kReply, comm_, &flag, &st);
    if (!flag) return false;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    std::vector<char> in(static_cast<std::size_t>(count));
    MPI_Recv(in.data(), count, MPI_BYTE, victim_, kReply, comm_, MPI_STATUS_IGNORE);
    outstanding_ = false;
    std::vector<WorkItem> items;
    try {
      items = deserialize(in.data(), in.size());
    } catch (const std::exception& e) {
      if (error_.empty()) error_ = std::string("a work message from another rank was unreadable: ") + e.what();
      stop(true);
      return true;
    }
    if (!items.empty() && !keep && !stopped_ && error_.empty())
      error_ = "internal error: work arrived after the walk was declared over; the counts are incomplete";
    if (!items.empty() && keep && !stopped_) {
      ++c_.steals_ok;
      c_.items_received += items.size();
      w_.receive(std::move(items));
      backoff_ns_ = 0;
    } else {
      backoff_ns_ = backoff_ns_ == 0 ? 20000 : std::min<std::uint64_t>(backoff_ns_ * 2, 1000000);
      next_steal_ns_ = now_ns() + backoff_ns_;
    }
    return true;
  }

  // One turn of an idle rank: pass the token, ask for work, look for the answer.
  bool idle_turn(std::uint64_t now) {
    bool event = false;
    // The token waits while our steal request is out: its answer may carry
    // work sent before this round began (the victim's colour was reset since),
    // and a rank is only passive once that answer is in.
    if (have_token_ && !outstanding_) {
      event = true;
      if (size_ == 1) {
        done_ = true;
        return true;
      }
      if (rank_ == 0) {
        if (token_started_ && token_colour_ == kWhite && colour_ == kWhite) {
          for (int r = 1; r < size_; ++r) isend_int(r, kDone, 0);
          done_ = true;
          return true;
        }
        colour_ = kWhite;
        token_started_ = true;
        have_token_ = false;
        isend_int(1, kToken, kWhite);
      } else {
        const int t = (token_colour_ == kBlack || colour_ == kBlack) ? kBlack : kWhite;
        colour_ = kWhite;
        have_token_ = false;
        isend_int((rank_ + 1) % size_, kToken, t);
      }
    }
    if (outstanding_) return check_reply(true) || event;
    if (!stopped_ && now >= next_steal_ns_) {
      victim_ = static_cast<int>(rand_r(&seed_) % static_cast<unsigned>(size_ - 1));
      if (victim_ >= rank_) ++victim_;
      isend_int(victim_, kRequest, 0);
      ++c_.steal_requests;
      outstanding_ = true;
      event = true;
    }
    return event;
  }

  // After the end: answer and collect every message still in flight.
  void finish() {
    while (outstanding_) {
      serve_requests();
      check_reply(false);
    }
    MPI_Request barrier;
    MPI_Ibarrier(comm_, &barrier);
    for (;;) {
      int flag = 0;
      MPI_Test(&barrier, &flag, MPI_STATUS_IGNORE);
      if (flag) break;
      if (!serve_requests()) nap_ns(20000);
    }
    // Every stop message sent to this rank is received before returning.
    int sent = stop_sent_ ? 1 : 0;
    std::vector<int> all(static_cast<std::size_t>(size_));
    MPI_Allgather(&sent, 1, MPI_INT, all.data(), 1, MPI_INT, comm_);
    int expected = 0;
    for (int r = 0; r < size_; ++r)
      if (r != rank_) expected += all[static_cast<std::size_t>(r)];
    for (; stops_received_ < expected; ++stops_received_) {
      int dummy = 0;
      MPI_Recv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, kStop, comm_, MPI_STATUS_IGNORE);
    }
    if (!reqs_.empty()) MPI_Waitall(static_cast<int>(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE);
  }

  Walker& w_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  unsigned seed_ = 1;
  bool done_ = false, stopped_ = false, stop_sent_ = false;
  bool have_token_ = false, token_started_ = false, outstanding_ = false;
  int token_colour_ = kWhite, colour_ = kWhite, victim_ = 0, stops_received_ = 0;
  std::uint64_t backoff_ns_ = 0, next_steal_ns_ = 0;
  std::deque<int> ints_;                 // stable storage of Isend payloads
  std::vector<MPI_Request> reqs_;
  std::vector<char> buf_;
  ShareCounters c_;
  std::string error_;
};

}  // namespace

ShareOutcome parallel_walk(Walker& walker, MPI_Comm comm, const std::function<bool(std::uint64_t)>& should_stop,
                           const std::function<void(std::uint64_t)>& progress) {
  Sharer s(walker, comm);
  return s.run(should_stop, progress);
}

ShareOutcome serial_walk(Walker& walker, const std::function<bool(std::uint64_t)>& should_stop,
                         const std::function<void(std::uint64_t)>& progress) {
  ShareOutcome out;
  const std::uint64_t start = now_ns();
  while (walker.has_work()) {
    const std::uint64_t now = now_ns();
    if (should_stop(now)) {
      out.stopped = true;
      out.counters.dropped_items = walker.drop_all();
      break;
    }
    try {
      walker.step();
    } catch (const std::exception& e) {
      out.local_error = e.what();
      out.stopped = true;
      out.counters.dropped_items = walker.drop_all();
      break;
    }
    progress(now);
  }
  out.span = Interval{static_cast<double>(start) * 1e-9, static_cast<double>(now_ns()) * 1e-9};
  return out;
}

}  // namespace pfsbench::find_like
