// Uncertain values (MODEL.md §2): a plain number or one of seven distributions.
#pragma once

#include "revsim/rng.hpp"

#include <array>
#include <string>
#include <vector>

namespace revsim {

enum class DistKind { constant, uniform, uniform_int, triangular, pert, normal, lognormal, beta };

/// The valid range of a parameter (MODEL.md §2): a draw outside it can never happen, because
/// a distribution whose support leaves the range is rejected when the scenario is loaded
/// (normal distributions are truncated to the range instead).
struct Range {
  double lo = -1e300;
  double hi = 1e300;
  bool lo_open = false;
  bool hi_open = false;
  const char* what = "a number";  ///< "a probability", "a duration in months", ...

  bool contains(double x) const noexcept {
    return (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  }
  /// "expected 0..1", "expected > 0", "expected >= 0", ...
  std::string expected() const;

  static Range probability() { return {0.0, 1.0, false, false, "a probability"}; }
  static Range months() { return {0.0, 1e12, false, false, "a duration in months"}; }
  static Range month() { return {0.0, 1e12, false, false, "a month (counted from month 0, the start)"}; }
  static Range money() { return {0.0, 1e12, false, false, "an amount in M RMB"}; }
  static Range positive(const char* what) { return {0.0, 1e12, true, false, what}; }
  static Range nonneg(const char* what) { return {0.0, 1e12, false, false, what}; }
};

/// An uncertain value. Parameters are stored already transformed for sampling
/// (lognormal: mu and sigma of the log; PERT: the two beta shapes).
class Dist {
 public:
  Dist() = default;
  static Dist constant(double v);
  /// Build from the YAML form's list of numbers; throws std::invalid_argument with a
  /// message naming what is wrong with the numbers (not where: the loader adds that).
  static Dist make(DistKind kind, const std::vector<double>& args);

  DistKind kind() const noexcept { return kind_; }
  bool is_constant() const noexcept { return kind_ == DistKind::constant; }
  double value() const noexcept { return a_[0]; }  ///< the constant (for constants)

  /// Smallest and largest value a draw can take (infinite for normal and lognormal).
  double support_lo() const noexcept;
  double support_hi() const noexcept;
  /// Mean of the distribution as given (before truncation).
  double mean() const noexcept;

  /// Truncate a normal to the range (the only kind allowed to leave it).
  void truncate(double lo, double hi) noexcept { lo_ = lo; hi_ = hi; }

  /// A draw (no random number for a constant: inline, the common case of entity setup).
  double sample(Random& rng) const { return kind_ == DistKind::constant ? a_[0] : sample_random(rng); }
  /// The p-quantile (0 < p < 1); for a truncated normal, of the truncated distribution.
  double quantile(double p) const;

  /// The YAML form, e.g. "{lognormal: [2, 6]}", for messages and reports.
  std::string describe() const;

 private:
  DistKind kind_ = DistKind::constant;
  std::array<double, 3> a_{};  ///< the numbers as written
  std::array<double, 2> t_{};  ///< transformed parameters
  double sample_random(Random& rng) const;
  double lo_ = -1e300;         ///< truncation of normals
  double hi_ = 1e300;
};

const char* to_string(DistKind k) noexcept;

}  // namespace revsim
