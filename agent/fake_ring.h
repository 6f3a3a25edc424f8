// Test helper: an in-memory ring for RingTransport users. n ranks run in
// threads; a rank's SendRecv puts its bytes in the next rank's mailbox and
// takes one message from its own. Thread-safe.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "agent/collective_ring.h"

namespace hetsched::agent::testing {

// n ranks in threads; each rank's SendRecv hands its bytes to the next
// rank's mailbox and takes one message from its own.
class FakeRing {
 public:
  explicit FakeRing(uint32_t n) : boxes_(n) {}
  class Port final : public RingTransport {
   public:
    Port(FakeRing* ring, uint32_t rank) : ring_(ring), rank_(rank) {}
    absl::Status SendRecv(absl::Span<const char> send,
                          absl::Span<char> recv) override {
      Box& next = ring_->boxes_[(rank_ + 1) % ring_->boxes_.size()];
      {
        std::lock_guard<std::mutex> lock(next.mu);
        next.messages.emplace_back(send.begin(), send.end());
      }
      next.cv.notify_all();
      Box& mine = ring_->boxes_[rank_];
      std::unique_lock<std::mutex> lock(mine.mu);
      mine.cv.wait(lock, [&] { return !mine.messages.empty(); });
      std::string got = std::move(mine.messages.front());
      mine.messages.pop_front();
      if (got.size() != recv.size()) {
        return absl::InternalError("size mismatch");
      }
      std::copy(got.begin(), got.end(), recv.begin());
      return absl::OkStatus();
    }

   private:
    FakeRing* ring_;
    uint32_t rank_;
  };

 private:
  struct Box {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::string> messages;
  };
  std::vector<Box> boxes_;
};

}  // namespace hetsched::agent::testing
