#include "revsim/rng.hpp"

#include <boost/random/normal_distribution.hpp>

#include <cmath>
#include <math.h>  // lgamma_r

namespace revsim {

namespace {
/// log(k!) = lgamma(k + 1) through glibc's re-entrant lgamma_r: std::lgamma writes the global
/// `signgam`, a data race when trials run on several threads (ThreadSanitizer reports it).
double log_factorial(double k) noexcept {
  int sign = 0;
  return ::lgamma_r(k + 1.0, &sign);
}
}  // namespace

double Random::normal() {
  REVSIM_COUNT_DRAW(normal);
  // Stateless ziggurat in Boost >= 1.56: no cached second variate, so a stream's position
  // depends only on how many draws were made.
  boost::random::normal_distribution<double> dist;
  return dist(engine_);
}

double Random::gamma(double shape) {
  REVSIM_COUNT_DRAW(gamma);
  if (shape < 1.0) {
    // G(a) = G(a + 1) * U^(1/a)
    const double g = gamma(shape + 1.0);
    return g * std::pow(uniform_pos(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform_pos();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double Random::beta(double a, double b) {
  REVSIM_COUNT_DRAW(beta);
  const double x = gamma(a);
  const double y = gamma(b);
  const double s = x + y;
  return s > 0.0 ? x / s : 0.5;
}

std::uint64_t Random::poisson(double mu) {
  if (!(mu > 0.0)) return 0;
  if (mu < 10.0) return poisson_inversion(mu, std::exp(-mu));
  // PTRS: transformed rejection with squeeze (Hormann 1993), valid for mu >= 10.
  REVSIM_COUNT_DRAW(poisson_large);
  const double slam = std::sqrt(mu);
  const double loglam = std::log(mu);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform() - 0.5;
    const double v = uniform_pos();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mu + k * loglam - log_factorial(k))
      return static_cast<std::uint64_t>(k);
  }
}

}  // namespace revsim
