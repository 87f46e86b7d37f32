#include "revsim/streaming.hpp"

#include "revsim/statistics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace revsim {

std::size_t LogHistogram::bin(double v) noexcept {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  const auto e = static_cast<int>((bits >> 52U) & 0x7ffU) - 1023;  // v = 2^e (1 + m), v > 0 normal
  if (e < kMinExp) return 0;
  if (e >= kMaxExp) return kBins - 1;
  const auto top = static_cast<std::size_t>((bits >> (52U - kPerOctaveBits)) & ((1U << kPerOctaveBits) - 1U));
  return (static_cast<std::size_t>(e - kMinExp) << kPerOctaveBits) | top;
}

double LogHistogram::middle(std::size_t b) noexcept {
  const int e = static_cast<int>(b >> kPerOctaveBits) + kMinExp;
  const double top = static_cast<double>(b & ((1U << kPerOctaveBits) - 1U));
  return std::ldexp(1.0 + (top + 0.5) / (1 << kPerOctaveBits), e);
}

double LogHistogram::order_statistic(std::uint64_t r) const noexcept {
  if (r < zeros_) return 0.0;
  std::uint64_t seen = zeros_;
  for (std::size_t b = 0; b < kBins; ++b) {
    const std::uint64_t c = bins_[b];
    if (r < seen + c) {
      // The j-th of the bin's c values: among those equal to its smallest or largest value, that
      // value; else the bin's middle kept within [smallest, largest], which contain the exact
      // value, so the estimate is never further from it than the middle alone (spacing ranks
      // evenly between the edges was better on smooth data and worse on lopsided bins:
      // pipeline-today's P95 of 2026 was 0.6 % off).
      const Edge& e = edge(b);
      const std::uint64_t j = r - seen;
      if (j < e.n_lo) return e.lo;
      if (j >= c - e.n_hi) return e.hi;
      return std::clamp(middle(b), e.lo, e.hi);
    }
    seen += c;
  }
  return 0.0;  // r >= count(): not asked for (quantile_type7 asks for ranks below n)
}

double LogHistogram::quantile(double p) const noexcept {
  return quantile_type7(n_, p, [this](std::uint64_t r) { return order_statistic(r); });
}

}  // namespace revsim
