// A bound on how many calls of one kind run at once: population answers
// (each reads every case), Subscribe streams (each holds a server thread).
// Beyond the bound a call is refused at once with RESOURCE_EXHAUSTED rather
// than queued, so that a client retries instead of piling up threads.
#ifndef CASELINE_SERVER_API_ADMISSION_H_
#define CASELINE_SERVER_API_ADMISSION_H_

#include <atomic>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace caseline::api {

// Thread-safe. Must outlive every Place it hands out.
class Admission {
 public:
  // `what` names the calls in the refusal, in the plural ("population
  // answers").
  Admission(int max, std::string what) : max_(max), what_(std::move(what)) {}
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // A place among the calls running, given back when it goes out of scope.
  class Place {
   public:
    Place(Place&& other) noexcept
        : admission_(std::exchange(other.admission_, nullptr)) {}
    Place& operator=(Place&&) = delete;
    Place(const Place&) = delete;
    ~Place() {
      if (admission_ != nullptr) admission_->running_.fetch_sub(1);
    }

   private:
    friend class Admission;
    explicit Place(Admission* admission) : admission_(admission) {}
    Admission* admission_;
  };

  // A place, or RESOURCE_EXHAUSTED when `max` calls are running.
  absl::StatusOr<Place> Enter() {
    if (running_.fetch_add(1) >= max_) {
      running_.fetch_sub(1);
      return absl::ResourceExhaustedError(absl::StrCat(
          max_, " ", what_, " are running, the most at once; retry shortly"));
    }
    return Place(this);
  }

  // Calls holding a place now (for /metrics).
  int running() const { return running_.load(); }

 private:
  const int max_;
  const std::string what_;
  std::atomic<int> running_{0};
};

}  // namespace caseline::api

#endif  // CASELINE_SERVER_API_ADMISSION_H_
