#include "server/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace caseline {
namespace {

// gRPC's own names for its status codes, indexed by code.
constexpr std::array<absl::string_view, Metrics::kStatusCodeCount>
    kStatusCodeNames = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
};
constexpr int kUnknownCode = 2;

static_assert(std::is_sorted(Metrics::kLatencyBucketBoundsMicroseconds.begin(),
                             Metrics::kLatencyBucketBoundsMicroseconds.end()));

// Shortest fixed-point text that reads back as `value`: 0.0005, 1, 2.5.
std::string FormatSeconds(double value) {
  char text[64];
  auto [end, error] =
      std::to_chars(text, text + sizeof(text), value, std::chars_format::fixed);
  assert(error == std::errc());
  return std::string(text, end);
}

void AppendHeader(std::string& out, absl::string_view name,
                  absl::string_view type, absl::string_view help) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                  type, "\n");
}

}  // namespace

void Metrics::RecordAppend(int code, uint64_t events_appended,
                           absl::Duration latency) {
  assert(code >= 0 && code < kStatusCodeCount);
  if (code < 0 || code >= kStatusCodeCount) code = kUnknownCode;
  latency = std::max(latency, absl::ZeroDuration());

  events_appended_.fetch_add(events_appended, std::memory_order_relaxed);
  appends_by_code_[code].fetch_add(1, std::memory_order_relaxed);

  // Prometheus buckets are "less than or equal": a latency exactly on a bound
  // belongs to that bound's bucket.
  const int64_t latency_microseconds =
      absl::ToInt64Microseconds(absl::Ceil(latency, absl::Microseconds(1)));
  const auto& bounds = kLatencyBucketBoundsMicroseconds;
  const size_t bucket =
      std::lower_bound(bounds.begin(), bounds.end(), latency_microseconds) -
      bounds.begin();
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_nanoseconds_.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(latency)),
      std::memory_order_relaxed);
}

std::string Metrics::RenderPrometheus(uint64_t last_position) const {
  std::string out;

  AppendHeader(out, "caseline_events_appended_total", "counter",
               "Events appended to the log.");
  absl::StrAppend(&out, "caseline_events_appended_total ",
                  events_appended_.load(std::memory_order_relaxed), "\n");

  AppendHeader(out, "caseline_appends_total", "counter",
               "Append and BatchAppend requests, by gRPC status code.");
  for (int code = 0; code < kStatusCodeCount; ++code) {
    const uint64_t count =
        appends_by_code_[code].load(std::memory_order_relaxed);
    if (count == 0) continue;
    absl::StrAppend(&out, "caseline_appends_total{code=\"",
                    kStatusCodeNames[code], "\"} ", count, "\n");
  }

  AppendHeader(out, "caseline_append_latency_seconds", "histogram",
               "Time to handle an Append or BatchAppend request.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < latency_buckets_.size(); ++i) {
    cumulative += latency_buckets_[i].load(std::memory_order_relaxed);
    const std::string bound =
        i < kLatencyBucketBoundsMicroseconds.size()
            ? FormatSeconds(kLatencyBucketBoundsMicroseconds[i] / 1e6)
            : "+Inf";
    absl::StrAppend(&out, "caseline_append_latency_seconds_bucket{le=\"", bound,
                    "\"} ", cumulative, "\n");
  }
  const uint64_t sum_nanoseconds =
      latency_sum_nanoseconds_.load(std::memory_order_relaxed);
  absl::StrAppend(&out, "caseline_append_latency_seconds_sum ",
                  FormatSeconds(sum_nanoseconds / 1e9), "\n");
  absl::StrAppend(&out, "caseline_append_latency_seconds_count ", cumulative,
                  "\n");

  AppendHeader(out, "caseline_last_position", "gauge",
               "Position of the last event in the log.");
  absl::StrAppend(&out, "caseline_last_position ", last_position, "\n");
  return out;
}

}  // namespace caseline
