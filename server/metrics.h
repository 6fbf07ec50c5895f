// Counters, gauges and latency histograms the server exposes on /metrics:
// appends, every gRPC call by method and status code, population answers
// running, and the progress of a rebuild.
#ifndef CASELINE_SERVER_METRICS_H_
#define CASELINE_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace caseline {

// Counters the server exposes on /metrics. Thread-safe: the record path only
// does relaxed atomic increments (no locks), so RecordAppend may be called from
// any number of gRPC threads while RenderPrometheus runs. A render taken during
// concurrent appends may see one append in some series and not yet in others;
// each series on its own is monotonic.
class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in microseconds (an
  // implicit +Inf bucket follows). They span 0.5 ms (a cached RocksDB write)
  // to 2.5 s (a stalled disk) on a roughly 1-2.5-5 scale, the Prometheus
  // default shape shifted toward fast storage.
  static constexpr std::array<int64_t, 12> kLatencyBucketBoundsMicroseconds = {
      500,    1'000,   2'500,   5'000,   10'000,    25'000,
      50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000};

  // gRPC status codes run from 0 (OK) to 16 (UNAUTHENTICATED).
  static constexpr int kStatusCodeCount = 17;

  // One Append / BatchAppend request finished with gRPC status code `code`
  // (0..16), having appended `events_appended` events (0 when it failed or was
  // deduplicated), after `latency`. A code outside 0..16 is a programmer error
  // (asserted); in release builds it is counted as UNKNOWN. A negative latency
  // is counted as zero.
  void RecordAppend(int code, uint64_t events_appended, absl::Duration latency);

  // Upper bounds of the call-latency buckets, in microseconds: from 1 ms (a
  // case's compliance) to 60 s (a national trend), so that a slow report and
  // a fast lookup land in different buckets.
  static constexpr std::array<int64_t, 12> kCallBucketBoundsMicroseconds = {
      1'000,   5'000,     10'000,    50'000,    100'000,    250'000,
      500'000, 1'000'000, 2'500'000, 5'000'000, 15'000'000, 60'000'000};

  // Distinct method names counted; the server has about twenty. Beyond this
  // (only an unknown method could get there) calls are counted as "other",
  // so no client can grow the metrics without bound.
  static constexpr size_t kCallMethodsMax = 64;

  // One gRPC call finished: `method` as gRPC names it
  // ("/caseline.v1.Projections/Report"), its status code and how long it
  // took from arrival to status.
  void RecordCall(absl::string_view method, int code, absl::Duration latency);

  // A rebuild of projection `version` has copied `events_done` of
  // `events_total`; RecordRebuildEnded when it switched or gave up.
  void RecordRebuildProgress(uint32_t version, uint64_t events_done,
                             uint64_t events_total);
  void RecordRebuildEnded();

  // A call was refused: no or bad token (or a locked-out peer); or roles
  // or jobcentres that do not allow it.
  void RecordAuthFailure() {
    auth_failures_.fetch_add(1, std::memory_order_relaxed);
  }
  void RecordAccessDenied() {
    access_denied_.fetch_add(1, std::memory_order_relaxed);
  }

  // What the server reads off other parts when /metrics is asked.
  struct Gauges {
    uint64_t last_position = 0;
    int population_answers_running = 0;
  };

  // Prometheus text exposition format 0.0.4: caseline_events_appended_total,
  // caseline_appends_total{code="<gRPC code name>"} (one line per code seen),
  // caseline_append_latency_seconds (histogram), caseline_rpcs_total{method,
  // code} and caseline_rpc_latency_seconds{method} (histogram) per method
  // seen, caseline_auth_failures_total, caseline_access_denied_total,
  // caseline_last_position, caseline_population_answers_running and
  // caseline_rebuild_{running,version,events_done,events_total} (gauges),
  // each with # HELP and # TYPE lines.
  std::string RenderPrometheus(const Gauges& gauges) const;
  std::string RenderPrometheus(uint64_t last_position) const {
    return RenderPrometheus(Gauges{last_position, 0});
  }

 private:
  // Calls of one method.
  struct CallSeries {
    std::array<std::atomic<uint64_t>, kStatusCodeCount> by_code{};
    std::array<std::atomic<uint64_t>, kCallBucketBoundsMicroseconds.size() + 1>
        buckets{};
    std::atomic<uint64_t> sum_nanoseconds{0};
  };
  CallSeries& SeriesFor(absl::string_view method);
  void RenderCalls(std::string& out) const;
  void RenderRebuild(std::string& out) const;

  // Guards the map, not the series: a series, once made, is never removed,
  // and is counted with atomics outside the lock.
  mutable std::mutex calls_mutex_;
  absl::flat_hash_map<std::string, std::unique_ptr<CallSeries>> calls_;

  std::atomic<bool> rebuild_running_{false};
  std::atomic<uint32_t> rebuild_version_{0};
  std::atomic<uint64_t> rebuild_events_done_{0};
  std::atomic<uint64_t> rebuild_events_total_{0};

  std::atomic<uint64_t> events_appended_{0};
  std::atomic<uint64_t> auth_failures_{0};
  std::atomic<uint64_t> access_denied_{0};
  std::array<std::atomic<uint64_t>, kStatusCodeCount> appends_by_code_{};
  // Per-bucket (not cumulative) counts; the last element is the +Inf bucket.
  // Rendering accumulates them, so _count always equals the +Inf bucket.
  std::array<std::atomic<uint64_t>, kLatencyBucketBoundsMicroseconds.size() + 1>
      latency_buckets_{};
  // Nanoseconds overflow uint64 only after 584 years of summed latency.
  std::atomic<uint64_t> latency_sum_nanoseconds_{0};
};

}  // namespace caseline

#endif  // CASELINE_SERVER_METRICS_H_
