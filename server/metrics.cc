#include "server/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <system_error>
#include <utility>
#include <vector>

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

// A gauge with its # HELP and # TYPE lines.
void AppendGauge(std::string& out, absl::string_view name,
                 absl::string_view help, uint64_t value) {
  AppendHeader(out, name, "gauge", help);
  absl::StrAppend(&out, name, " ", value, "\n");
}

// The bucket a latency falls in: Prometheus buckets are "less than or
// equal", so a latency exactly on a bound belongs to that bound's bucket.
template <size_t N>
size_t BucketOf(const std::array<int64_t, N>& bounds, absl::Duration latency) {
  const int64_t microseconds =
      absl::ToInt64Microseconds(absl::Ceil(latency, absl::Microseconds(1)));
  return std::lower_bound(bounds.begin(), bounds.end(), microseconds) -
         bounds.begin();
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

Metrics::CallSeries& Metrics::SeriesFor(absl::string_view method) {
  std::lock_guard<std::mutex> lock(calls_mutex_);
  auto found = calls_.find(method);
  if (found != calls_.end()) return *found->second;
  const std::string key =
      calls_.size() < kCallMethodsMax ? std::string(method) : "other";
  std::unique_ptr<CallSeries>& series = calls_[key];
  if (series == nullptr) series = std::make_unique<CallSeries>();
  return *series;
}

void Metrics::RecordCall(absl::string_view method, int code,
                         absl::Duration latency) {
  if (code < 0 || code >= kStatusCodeCount) code = kUnknownCode;
  latency = std::max(latency, absl::ZeroDuration());
  CallSeries& series = SeriesFor(method);
  series.by_code[code].fetch_add(1, std::memory_order_relaxed);
  series.buckets[BucketOf(kCallBucketBoundsMicroseconds, latency)].fetch_add(
      1, std::memory_order_relaxed);
  series.sum_nanoseconds.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(latency)),
      std::memory_order_relaxed);
}

void Metrics::RecordRebuildProgress(uint32_t version, uint64_t events_done,
                                    uint64_t events_total) {
  rebuild_version_.store(version, std::memory_order_relaxed);
  rebuild_events_done_.store(events_done, std::memory_order_relaxed);
  rebuild_events_total_.store(events_total, std::memory_order_relaxed);
  rebuild_running_.store(true, std::memory_order_relaxed);
}

void Metrics::RecordRebuildEnded() {
  rebuild_running_.store(false, std::memory_order_relaxed);
}

void Metrics::RenderCalls(std::string& out) const {
  std::lock_guard<std::mutex> lock(calls_mutex_);
  std::vector<const std::pair<const std::string, std::unique_ptr<CallSeries>>*>
      sorted;
  for (const auto& entry : calls_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  AppendHeader(out, "caseline_rpcs_total", "counter",
               "gRPC calls finished, by method and status code.");
  for (const auto* entry : sorted) {
    for (int code = 0; code < kStatusCodeCount; ++code) {
      const uint64_t count =
          entry->second->by_code[code].load(std::memory_order_relaxed);
      if (count == 0) continue;
      absl::StrAppend(&out, "caseline_rpcs_total{method=\"", entry->first,
                      "\",code=\"", kStatusCodeNames[code], "\"} ", count,
                      "\n");
    }
  }
  AppendHeader(out, "caseline_rpc_latency_seconds", "histogram",
               "Time from a gRPC call's arrival to its status, by method.");
  for (const auto* entry : sorted) {
    const CallSeries& series = *entry->second;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < series.buckets.size(); ++i) {
      cumulative += series.buckets[i].load(std::memory_order_relaxed);
      const std::string bound =
          i < kCallBucketBoundsMicroseconds.size()
              ? FormatSeconds(kCallBucketBoundsMicroseconds[i] / 1e6)
              : "+Inf";
      absl::StrAppend(&out, "caseline_rpc_latency_seconds_bucket{method=\"",
                      entry->first, "\",le=\"", bound, "\"} ", cumulative,
                      "\n");
    }
    absl::StrAppend(
        &out, "caseline_rpc_latency_seconds_sum{method=\"", entry->first,
        "\"} ",
        FormatSeconds(series.sum_nanoseconds.load(std::memory_order_relaxed) /
                      1e9),
        "\n");
    absl::StrAppend(&out, "caseline_rpc_latency_seconds_count{method=\"",
                    entry->first, "\"} ", cumulative, "\n");
  }
}

void Metrics::RenderRebuild(std::string& out) const {
  AppendGauge(out, "caseline_rebuild_running",
              "1 while a rebuild of the projections runs.",
              rebuild_running_.load(std::memory_order_relaxed) ? 1 : 0);
  AppendGauge(out, "caseline_rebuild_version",
              "The projection version the last rebuild built.",
              rebuild_version_.load(std::memory_order_relaxed));
  AppendGauge(out, "caseline_rebuild_events_done",
              "Events the last rebuild has copied.",
              rebuild_events_done_.load(std::memory_order_relaxed));
  AppendGauge(out, "caseline_rebuild_events_total",
              "The log's last position when the last rebuild reported.",
              rebuild_events_total_.load(std::memory_order_relaxed));
}

std::string Metrics::RenderPrometheus(const Gauges& gauges) const {
  const uint64_t last_position = gauges.last_position;
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

  AppendHeader(out, "caseline_auth_failures_total", "counter",
               "Calls refused for a missing or bad bearer token, or from a "
               "peer locked out after failures.");
  absl::StrAppend(&out, "caseline_auth_failures_total ",
                  auth_failures_.load(std::memory_order_relaxed), "\n");
  AppendHeader(out, "caseline_access_denied_total", "counter",
               "Calls refused because the caller's roles or jobcentres do "
               "not allow them.");
  absl::StrAppend(&out, "caseline_access_denied_total ",
                  access_denied_.load(std::memory_order_relaxed), "\n");

  AppendHeader(out, "caseline_last_position", "gauge",
               "Position of the last event in the log.");
  absl::StrAppend(&out, "caseline_last_position ", last_position, "\n");

  RenderCalls(out);
  AppendHeader(out, "caseline_population_answers_running", "gauge",
               "Reports, trends, worklists and what-ifs being computed.");
  absl::StrAppend(&out, "caseline_population_answers_running ",
                  gauges.population_answers_running, "\n");
  RenderRebuild(out);
  return out;
}

}  // namespace caseline
