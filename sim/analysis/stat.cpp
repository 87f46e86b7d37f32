#include "revsim/stat.hpp"

#include "revsim/statistics.hpp"

#include <cmath>

namespace revsim {

std::optional<StatKind> parse_stat(std::string_view name) {
  for (StatKind k : {StatKind::mean, StatKind::p50, StatKind::p_threshold, StatKind::p_listing, StatKind::p_alive})
    if (stat_name(k) == name) return k;
  return std::nullopt;
}

std::string_view stat_name(StatKind k) {
  switch (k) {
    case StatKind::mean: return "mean";
    case StatKind::p50: return "p50";
    case StatKind::p_threshold: return "p_threshold";
    case StatKind::p_listing: return "p_listing";
    case StatKind::p_alive: return "p_alive";
  }
  return "?";
}

bool is_indicator(StatKind k) {
  return k == StatKind::p_threshold || k == StatKind::p_listing || k == StatKind::p_alive;
}

Stat year_stat(const Results& r, const YearStats& y, StatKind k) {
  const auto n = static_cast<double>(r.trials);
  Stat s;
  s.kind = k;
  s.indicator = is_indicator(k);
  switch (k) {
    case StatKind::mean:
      s.value = y.mean;
      s.se = y.sd / std::sqrt(n);
      break;
    case StatKind::p50:
      s.value = y.p50;
      break;
    case StatKind::p_threshold:
      s.value = y.p_threshold;
      s.se = y.p_threshold_se;
      break;
    case StatKind::p_listing:
      s.value = y.p_listing;
      s.se = binomial_se(y.p_listing, n);
      break;
    case StatKind::p_alive:
      s.value = y.p_alive;
      s.se = binomial_se(y.p_alive, n);
      break;
  }
  return s;
}

}  // namespace revsim
