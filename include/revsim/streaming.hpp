// Quantiles in bounded memory (issue "Throughput and scale"): above a sample size where exact
// quantiles would need too much memory, the engine keeps a LogHistogram per year and channel
// instead of every trial's revenue (docs/performance.md, "Memory").
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace revsim {

/// A mergeable histogram of non-negative values with 64 bins per power of two (HDR-style: the
/// exponent and the top six mantissa bits of the double), from 2^-20 to 2^44, plus exact counts
/// of zeros. Counts are integers, so merging in any order gives the same histogram.
///
/// Error bound: quantile(p) is the type-7 interpolation between the order statistics x_(k) and
/// x_(k+1) (k = floor(p (n - 1))), each replaced by the middle of its bin; a bin [a, a (1 +
/// 1/64)) is at most a/64 wide, so |quantile(p) - exact| <= x_(k+1) / 128 + 2^-20 (0.79 % of the
/// larger order statistic, plus 1e-6 for values below 2^-20); zeros are exact.
class LogHistogram {
 public:
  static constexpr int kPerOctaveBits = 6;
  static constexpr int kMinExp = -20;
  static constexpr int kMaxExp = 44;
  static constexpr std::size_t kBins = static_cast<std::size_t>(kMaxExp - kMinExp) << kPerOctaveBits;

  void add(double v) noexcept {
    if (!(v > 0)) {
      ++zeros_;
    } else {
      ++bins_[bin(v)];
    }
    ++n_;
  }
  void merge(const LogHistogram& o) noexcept {
    zeros_ += o.zeros_;
    n_ += o.n_;
    for (std::size_t i = 0; i < kBins; ++i) bins_[i] += o.bins_[i];
  }
  /// Add k values to bin `bin` (< kBins), or k zeros: how a histogram read back from an
  /// archive is rebuilt (count() stays zeros() plus the bins' sum).
  void add_to_bin(std::size_t bin, std::uint64_t k) noexcept {
    bins_[bin] += k;
    n_ += k;
  }
  void add_zeros(std::uint64_t k) noexcept {
    zeros_ += k;
    n_ += k;
  }
  std::uint64_t count() const noexcept { return n_; }
  std::uint64_t zeros() const noexcept { return zeros_; }
  std::span<const std::uint64_t> bins() const noexcept { return bins_; }

  /// Bin of a positive value (values outside [2^-20, 2^44) go to the first or last bin).
  static std::size_t bin(double v) noexcept;
  /// The value a bin stands for: the middle of its range.
  static double middle(std::size_t bin) noexcept;
  /// Estimate of the order statistic of 0-based rank r (0 <= r < count()).
  double order_statistic(std::uint64_t r) const noexcept;
  /// Type-7 quantile estimate (MODEL.md §8), within the bound above; 0 when empty.
  double quantile(double p) const noexcept;

 private:
  std::uint64_t n_ = 0;
  std::uint64_t zeros_ = 0;
  std::array<std::uint64_t, kBins> bins_{};
};

}  // namespace revsim
