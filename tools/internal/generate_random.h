// The generator's random numbers. Internal to the generator: only
// tools/generate*.cc and tools/internal/generate_*.cc include it; the
// contract readers rely on is tools/generate.h.
#ifndef CASELINE_TOOLS_INTERNAL_GENERATE_RANDOM_H_
#define CASELINE_TOOLS_INTERNAL_GENERATE_RANDOM_H_

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>

namespace caseline::generate_internal {

// Draws from std::mt19937_64, whose sequence the standard fixes. The
// distributions are written here because std::*_distribution differ between
// standard libraries.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform on [0, 1), from the top 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform on [low, high], both inclusive.
  int64_t UniformInt(int64_t low, int64_t high) {
    assert(low <= high);
    const double width = static_cast<double>(high - low + 1);
    return std::min(high, low + static_cast<int64_t>(Uniform() * width));
  }

  double UniformReal(double low, double high) {
    return low + (high - low) * Uniform();
  }

  bool Chance(double probability) { return Uniform() < probability; }

  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

  double Weibull(double scale, double shape) {
    return scale * std::pow(-std::log1p(-Uniform()), 1 / shape);
  }

  // An index drawn with the given weights.
  size_t Pick(std::span<const double> weights) {
    double total = 0;
    for (double weight : weights) total += weight;
    double point = Uniform() * total;
    for (size_t i = 0; i + 1 < weights.size(); ++i) {
      if (point < weights[i]) return i;
      point -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace caseline::generate_internal

#endif  // CASELINE_TOOLS_INTERNAL_GENERATE_RANDOM_H_
