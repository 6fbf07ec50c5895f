// Counters and the append-latency histogram the server exposes on /metrics.
#ifndef CASELINE_SERVER_METRICS_H_
#define CASELINE_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

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

  // Prometheus text exposition format 0.0.4: caseline_events_appended_total,
  // caseline_appends_total{code="<gRPC code name>"} (one line per code seen),
  // caseline_append_latency_seconds (histogram) and caseline_last_position
  // (gauge, from the argument), each with # HELP and # TYPE lines.
  std::string RenderPrometheus(uint64_t last_position) const;

 private:
  std::atomic<uint64_t> events_appended_{0};
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
