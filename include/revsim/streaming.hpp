// Quantiles in bounded memory (issue "Throughput and scale"): above a sample size where exact
// quantiles would need too much memory, the engine keeps a LogHistogram per year and channel
// instead of every trial's revenue (docs/performance.md, "Memory").
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace revsim {

/// A mergeable histogram of non-negative values with 64 bins per power of two (HDR-style: the
/// exponent and the top six mantissa bits of the double), from 2^-20 to 2^44, plus exact counts
/// of zeros and, per bin, its smallest and largest value with how many values equal each.
/// Counts are integers and the edges exact, so merging in any order gives the same histogram.
///
/// Estimate: quantile(p) is the type-7 interpolation between the order statistics x_(k) and
/// x_(k+1) (k = floor(p (n - 1))), each estimated inside its bin: a rank among the values equal
/// to the bin's smallest (largest) value is exactly that value, any other rank the bin's middle
/// kept within [smallest, largest]. So P0 and P100 are exact, and so is every quantile that
/// falls on a value many trials share at the edge of its bin (revenue already booked plus
/// nothing else, a channel's fixed volume); every other estimate is at least as close to the
/// exact order statistic as the bin's middle. Bound: a bin [a, a (1 + 1/64)) has its middle
/// within a/128 of any value in it, so |quantile(p) - exact| <= x_(k+1) / 128 + 2^-20 (the
/// first bin holds everything below 2^-20); zeros are exact.
class LogHistogram {
 public:
  static constexpr int kPerOctaveBits = 6;
  static constexpr int kMinExp = -20;
  static constexpr int kMaxExp = 44;
  static constexpr std::size_t kBins = static_cast<std::size_t>(kMaxExp - kMinExp) << kPerOctaveBits;

  /// A bin's smallest and largest value and how many of its values equal each (a bin of equal
  /// values has lo == hi and n_lo == n_hi == its count).
  struct Edge {
    double lo = 0;
    std::uint64_t n_lo = 0;
    double hi = 0;
    std::uint64_t n_hi = 0;
  };

  /// Room for the edges of kEdgesReserved bins, so that the trial loop does not allocate for
  /// them (a histogram of a year's revenue touches a few hundred of the 4096 bins).
  static constexpr std::size_t kEdgesReserved = 256;
  LogHistogram() { edges_.reserve(kEdgesReserved); }

  void add(double v) {
    if (!(v > 0)) {
      ++zeros_;
    } else {
      const std::size_t b = bin(v);
      if (bins_[b]++ == 0) {
        open_bin(b, {v, 1, v, 1});
      } else {
        Edge& e = edges_[slot_[b] - 1U];
        if (v < e.lo) e.lo = v, e.n_lo = 1;
        else if (v == e.lo) ++e.n_lo;
        if (v > e.hi) e.hi = v, e.n_hi = 1;
        else if (v == e.hi) ++e.n_hi;
      }
    }
    ++n_;
  }
  void merge(const LogHistogram& o) {
    add_zeros(o.zeros_);
    for (std::size_t i = 0; i < kBins; ++i)
      if (o.bins_[i] != 0) add_to_bin(i, o.bins_[i], o.edge(i));
  }
  /// Add k > 0 values with edges `e` to bin `bin` (< kBins): how merge() and a histogram read
  /// back from an archive add up (count() stays zeros() plus the bins' sum).
  void add_to_bin(std::size_t bin, std::uint64_t k, const Edge& e) {
    if (bins_[bin] == 0) {
      open_bin(bin, e);
    } else {
      Edge& m = edges_[slot_[bin] - 1U];
      if (e.lo < m.lo) m.lo = e.lo, m.n_lo = e.n_lo;
      else if (e.lo == m.lo) m.n_lo += e.n_lo;
      if (e.hi > m.hi) m.hi = e.hi, m.n_hi = e.n_hi;
      else if (e.hi == m.hi) m.n_hi += e.n_hi;
    }
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
  /// Bin b's edges (only when bins()[b] > 0).
  const Edge& edge(std::size_t b) const noexcept { return edges_[slot_[b] - 1U]; }

  /// Bin of a positive value (values outside [2^-20, 2^44) go to the first or last bin).
  static std::size_t bin(double v) noexcept;
  /// The value a bin stands for: the middle of its range.
  static double middle(std::size_t bin) noexcept;
  /// Estimate of the order statistic of 0-based rank r (0 <= r < count()).
  double order_statistic(std::uint64_t r) const noexcept;
  /// Type-7 quantile estimate (§8 of the model), within the bound above; 0 when empty.
  double quantile(double p) const noexcept;

 private:
  /// The edges live only for bins in use (most of the 4096 never are): slot_[b] is 1 + the index
  /// of bin b's edges in edges_, 0 while b is empty. The order of edges_ is the order bins were
  /// first used; nothing reads it (merges and archives go by bin), so results do not depend on it.
  void open_bin(std::size_t b, const Edge& e) {
    edges_.push_back(e);
    slot_[b] = static_cast<std::uint16_t>(edges_.size());
  }
  static_assert(kBins < 65535, "slot_ holds 1 + an index of edges_ in 16 bits");

  std::uint64_t n_ = 0;
  std::uint64_t zeros_ = 0;
  std::array<std::uint64_t, kBins> bins_{};
  std::array<std::uint16_t, kBins> slot_{};
  std::vector<Edge> edges_;
};

}  // namespace revsim
