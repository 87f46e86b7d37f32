#include "revsim/distribution.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace revsim {

namespace {
// z such that Phi(z) = 0.95: the lognormal's [p5, p95] spans mu +- Z95 sigma.
constexpr double kZ95 = 1.6448536269514722;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double x) { return fmt::format("{:g}", x); }
}  // namespace

std::string Range::expected() const {
  if (lo <= -1e299 && hi >= 1e299) return "any number";
  if (hi >= 1e11) return fmt::format("expected {} {}", lo_open ? ">" : ">=", num(lo));
  return fmt::format("expected {}{}{}{}", lo_open ? "> " : "", num(lo), "..", hi_open ? fmt::format("< {}", num(hi)) : num(hi));
}

const char* to_string(DistKind k) noexcept {
  switch (k) {
    case DistKind::constant: return "constant";
    case DistKind::uniform: return "uniform";
    case DistKind::uniform_int: return "uniform_int";
    case DistKind::triangular: return "triangular";
    case DistKind::pert: return "pert";
    case DistKind::normal: return "normal";
    case DistKind::lognormal: return "lognormal";
    case DistKind::beta: return "beta";
  }
  return "?";
}

Dist Dist::constant(double v) {
  Dist d;
  d.kind_ = DistKind::constant;
  d.a_ = {v, 0.0, 0.0};
  return d;
}

Dist Dist::make(DistKind kind, const std::vector<double>& args) {
  const std::size_t want = (kind == DistKind::triangular || kind == DistKind::pert) ? 3U
                           : kind == DistKind::constant                             ? 1U
                                                                                    : 2U;
  if (args.size() != want)
    throw std::invalid_argument(fmt::format("{} takes {} numbers, got {}", to_string(kind), want, args.size()));
  for (double x : args)
    if (!std::isfinite(x)) throw std::invalid_argument(fmt::format("{} needs finite numbers", to_string(kind)));
  Dist d;
  d.kind_ = kind;
  for (std::size_t i = 0; i < args.size(); ++i) d.a_[i] = args[i];
  const double a = d.a_[0];
  const double b = d.a_[1];
  const double c = d.a_[2];
  switch (kind) {
    case DistKind::constant: break;
    case DistKind::uniform:
      if (!(a <= b)) throw std::invalid_argument(fmt::format("uniform needs a <= b, got [{}, {}]", num(a), num(b)));
      break;
    case DistKind::uniform_int:
      if (a != std::floor(a) || b != std::floor(b))
        throw std::invalid_argument(fmt::format("uniform_int needs whole numbers, got [{}, {}]", num(a), num(b)));
      if (!(a <= b)) throw std::invalid_argument(fmt::format("uniform_int needs a <= b, got [{}, {}]", num(a), num(b)));
      break;
    case DistKind::triangular:
    case DistKind::pert:
      if (!(a <= b && b <= c) || !(a < c))
        throw std::invalid_argument(fmt::format("{} needs min <= mode <= max and min < max, got [{}, {}, {}]",
                                                to_string(kind), num(a), num(b), num(c)));
      if (kind == DistKind::pert) {
        d.t_[0] = 1.0 + 4.0 * (b - a) / (c - a);
        d.t_[1] = 1.0 + 4.0 * (c - b) / (c - a);
      }
      break;
    case DistKind::normal:
      if (!(b > 0.0)) throw std::invalid_argument(fmt::format("normal needs sd > 0, got {}", num(b)));
      break;
    case DistKind::lognormal:
      if (!(a > 0.0 && b > a))
        throw std::invalid_argument(fmt::format("lognormal [p5, p95] needs 0 < p5 < p95, got [{}, {}]", num(a), num(b)));
      d.t_[0] = 0.5 * (std::log(a) + std::log(b));
      d.t_[1] = (std::log(b) - std::log(a)) / (2.0 * kZ95);
      break;
    case DistKind::beta:
      if (!(a > 0.0 && b > 0.0))
        throw std::invalid_argument(fmt::format("beta needs alpha > 0 and beta > 0, got [{}, {}]", num(a), num(b)));
      break;
  }
  return d;
}

double Dist::support_lo() const noexcept {
  switch (kind_) {
    case DistKind::normal: return std::max(-kInf, lo_);
    case DistKind::lognormal: return 0.0;  // open: draws are > 0
    case DistKind::beta: return 0.0;
    default: return a_[0];
  }
}

double Dist::support_hi() const noexcept {
  switch (kind_) {
    case DistKind::constant: return a_[0];
    case DistKind::uniform:
    case DistKind::uniform_int: return a_[1];
    case DistKind::triangular:
    case DistKind::pert: return a_[2];
    case DistKind::normal: return std::min(kInf, hi_);
    case DistKind::lognormal: return kInf;
    case DistKind::beta: return 1.0;
  }
  return kInf;
}

double Dist::mean() const noexcept {
  const double a = a_[0];
  const double b = a_[1];
  const double c = a_[2];
  switch (kind_) {
    case DistKind::constant: return a;
    case DistKind::uniform:
    case DistKind::uniform_int: return 0.5 * (a + b);
    case DistKind::triangular: return (a + b + c) / 3.0;
    case DistKind::pert: return (a + 4.0 * b + c) / 6.0;
    case DistKind::normal: return a;
    case DistKind::lognormal: return std::exp(t_[0] + 0.5 * t_[1] * t_[1]);
    case DistKind::beta: return a / (a + b);
  }
  return a;
}

double Dist::sample_random(Random& rng) const {
  const double a = a_[0];
  const double b = a_[1];
  const double c = a_[2];
  switch (kind_) {
    case DistKind::constant: return a;
    case DistKind::uniform: return rng.uniform(a, b);
    case DistKind::uniform_int: return a + std::floor(rng.uniform() * (b - a + 1.0));
    case DistKind::triangular: {
      // Inverse CDF.
      const double u = rng.uniform();
      const double f = (b - a) / (c - a);
      return u < f ? a + std::sqrt(u * (c - a) * (b - a)) : c - std::sqrt((1.0 - u) * (c - a) * (c - b));
    }
    case DistKind::pert: return a + (c - a) * rng.beta(t_[0], t_[1]);
    case DistKind::normal: {
      // Truncated to the parameter's valid range by rejection; the loader guarantees the
      // range holds at least 1% of the mass, so this ends quickly.
      for (;;) {
        const double x = a + b * rng.normal();
        if (x >= lo_ && x <= hi_) return x;
      }
    }
    case DistKind::lognormal: return std::exp(t_[0] + t_[1] * rng.normal());
    case DistKind::beta: return rng.beta(a, b);
  }
  return a;
}

double Dist::quantile(double p) const {
  const double a = a_[0];
  const double b = a_[1];
  const double c = a_[2];
  switch (kind_) {
    case DistKind::constant: return a;
    case DistKind::uniform: return a + p * (b - a);
    case DistKind::uniform_int: return std::min(b, a + std::floor(p * (b - a + 1.0)));
    case DistKind::triangular: {
      const double f = (b - a) / (c - a);
      return p < f ? a + std::sqrt(p * (c - a) * (b - a)) : c - std::sqrt((1.0 - p) * (c - a) * (c - b));
    }
    case DistKind::pert: return a + (c - a) * boost::math::quantile(boost::math::beta_distribution<>(t_[0], t_[1]), p);
    case DistKind::normal: {
      const boost::math::normal_distribution<> n(a, b);
      const double lo = lo_ <= -1e299 ? 0.0 : boost::math::cdf(n, std::max(lo_, a - 40 * b));
      const double hi = hi_ >= 1e299 ? 1.0 : boost::math::cdf(n, std::min(hi_, a + 40 * b));
      return boost::math::quantile(n, lo + p * (hi - lo));
    }
    case DistKind::lognormal:
      return std::exp(boost::math::quantile(boost::math::normal_distribution<>(t_[0], t_[1]), p));
    case DistKind::beta: return boost::math::quantile(boost::math::beta_distribution<>(a, b), p);
  }
  return a;
}

std::string Dist::describe() const {
  switch (kind_) {
    case DistKind::constant: return num(a_[0]);
    case DistKind::triangular:
    case DistKind::pert: return fmt::format("{{{}: [{}, {}, {}]}}", to_string(kind_), num(a_[0]), num(a_[1]), num(a_[2]));
    default: return fmt::format("{{{}: [{}, {}]}}", to_string(kind_), num(a_[0]), num(a_[1]));
  }
}

}  // namespace revsim
