// Latencies of calls made from several client threads at once, for the
// load benchmarks (read_load, live_append_load). Each thread records into
// its own list, so recording takes no lock.
#ifndef CASELINE_BENCHMARKS_LATENCIES_H_
#define CASELINE_BENCHMARKS_LATENCIES_H_

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace caseline::bench {

class Latencies {
 public:
  explicit Latencies(int threads) : per_thread_(static_cast<size_t>(threads)) {}

  // Thread `thread` records one call's latency, from `since` to now.
  void Record(int thread, std::chrono::steady_clock::time_point since) {
    per_thread_[static_cast<size_t>(thread)].push_back(
        std::chrono::duration<double, std::milli>(
            std::chrono::steady_clock::now() - since)
            .count());
  }

  // After the threads are joined: every latency recorded, in ms, sorted.
  std::vector<double> Sorted() const {
    std::vector<double> all;
    for (const std::vector<double>& one : per_thread_) {
      all.insert(all.end(), one.begin(), one.end());
    }
    std::sort(all.begin(), all.end());
    return all;
  }

 private:
  std::vector<std::vector<double>> per_thread_;
};

// The p-quantile (0 to 1) of `sorted`; 0 when it is empty.
inline double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p *
                                    static_cast<double>(sorted.size() - 1))];
}

}  // namespace caseline::bench

#endif  // CASELINE_BENCHMARKS_LATENCIES_H_
