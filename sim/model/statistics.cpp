#include "revsim/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace revsim {

double quantile_sorted(std::span<const double> sorted, double p) {
  return quantile_type7(sorted.size(), p, [&](std::uint64_t r) { return sorted[r]; });
}

double quantile_select(std::span<double> x, double p) {
  double q = 0;
  quantiles_select(x, std::span<const double>(&p, 1), std::span<double>(&q, 1));
  return q;
}

namespace {

/// Place in x (reordered) the order statistics of the given ranks (sorted, distinct), each at
/// its rank, as sorting would: the middle rank selected in [lo, hi) (nth_element), then the
/// ranks below it in [lo, r) and those above in [r + 1, hi). [lo, hi) holds exactly the order
/// statistics lo .. hi - 1 on entry, so each selection is that of the whole array.
void select_ranks(std::span<double> x, std::span<const std::uint64_t> ranks, std::size_t lo, std::size_t hi) {
  if (ranks.empty()) return;
  const std::size_t mid = ranks.size() / 2;
  const auto r = static_cast<std::size_t>(ranks[mid]);
  auto* const b = x.data();
  if (r == lo) std::iter_swap(b + r, std::min_element(b + lo, b + hi));  // the smallest: one pass
  else if (r + 1 == hi) std::iter_swap(b + r, std::max_element(b + lo, b + hi));
  else std::nth_element(b + lo, b + r, b + hi);
  select_ranks(x, ranks.first(mid), lo, r);
  select_ranks(x, ranks.subspan(mid + 1), r + 1, hi);
}

}  // namespace

void quantiles_select(std::span<double> x, std::span<const double> ps, std::span<double> out) {
  const std::uint64_t n = x.size();
  // The ranks quantile_type7 reads for each p (floor(h), and floor(h) + 1 unless h is whole),
  // sorted and distinct; then each quantile from its selected ranks.
  std::vector<std::uint64_t> ranks;
  ranks.reserve(2 * ps.size());
  for (const double p : ps)
    quantile_type7(n, p, [&](std::uint64_t r) {
      ranks.push_back(r);
      return 0.0;
    });
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  select_ranks(x, ranks, 0, x.size());
  for (std::size_t i = 0; i < ps.size(); ++i) out[i] = quantile_type7(n, ps[i], [&](std::uint64_t r) { return x[r]; });
}

double quantile_of_counts(std::span<const std::uint64_t> counts, std::uint64_t n, double p, double beyond) {
  return quantile_type7(n, p, [&](std::uint64_t r) {
    std::uint64_t seen = 0;
    for (std::size_t v = 0; v < counts.size(); ++v) {
      seen += counts[v];
      if (r < seen) return static_cast<double>(v);
    }
    return beyond;
  });
}

double round_up_nice(double x) {
  if (!(x > 0)) return 1.0;
  const double p = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= x * (1 - 1e-12)) return m * p;
  return 10 * p;
}

MeanSd mean_sd(std::span<const double> x) {
  MeanSd r;
  if (x.empty()) return r;
  double sum = 0;
  for (double v : x) sum += v;
  r.mean = sum / static_cast<double>(x.size());
  if (x.size() < 2) return r;
  double ss = 0;
  for (double v : x) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(x.size() - 1));
  return r;
}

double percentile_of(std::span<const double> sorted, double f) {
  if (sorted.empty()) return 0.0;
  const auto lo = std::lower_bound(sorted.begin(), sorted.end(), f);
  const auto hi = std::upper_bound(lo, sorted.end(), f);
  const auto n = static_cast<double>(sorted.size());
  return 100.0 * (static_cast<double>(lo - sorted.begin()) + 0.5 * static_cast<double>(hi - lo)) / n;
}

}  // namespace revsim
