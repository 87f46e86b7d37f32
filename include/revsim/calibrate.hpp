// `revsim calibrate`: a CRM export (deals_csv.hpp) -> a runnable scenario and a report of every
// fitted value (docs/calibrate.md). The estimators are exposed for the tests.
#pragma once

#include "revsim/deals_csv.hpp"

#include <nlohmann/json_fwd.hpp>  // to_json returns a json value: include <nlohmann/json.hpp> to use it

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace revsim {

/// How the stage probabilities share strength (docs/calibrate.md, "Stage probabilities").
enum class Prior {
  hierarchical,     ///< Beta(mu kappa, (1 - mu) kappa) over all stage probabilities, (mu, kappa) integrated out
  empirical_bayes,  ///< the same prior with (mu, kappa) at their marginal-likelihood maximum (intervals under-cover)
  jeffreys,         ///< no pooling: Beta(1/2, 1/2) for each probability alone
};

/// Passes out of trials of one stage probability.
struct Counts {
  int passed = 0;
  int trials = 0;
};

/// Posterior of one probability: its Beta (moment-matched for the hierarchical mixture), mean and
/// central 90 % interval (exact quantiles of the posterior, mixture included).
struct BetaPosterior {
  double a = 0, b = 0;
  double mean = 0, lo = 0, hi = 0;
};

struct PooledFit {
  std::vector<BetaPosterior> posteriors;  ///< one per group, in order
  double mu = 0.5;                        ///< prior mean (EB: the maximum; hierarchical: posterior mean)
  double kappa = 0;                       ///< prior concentration a + b (same), 0 for jeffreys
};
/// Fit the probabilities of `groups` together under `prior`.
PooledFit pool_probabilities(const std::vector<Counts>& groups, Prior prior);

/// Log-normal fit of durations, open stages right-censored at their elapsed time (maximum
/// likelihood; Wald intervals from the observed information).
struct LognormalFit {
  int observed = 0, censored = 0;
  double mu = 0, sigma = 0;  ///< of log months
  double median = 0, median_lo = 0, median_hi = 0;  ///< exp(mu) and its 90 % interval
  double sigma_lo = 0, sigma_hi = 0;                ///< 90 % interval of sigma
  double p5() const;
  double p95() const;
};
/// `observed`: completed durations (> 0); `censored`: elapsed times of open stages (> 0).
/// Needs at least two observed durations (throws std::invalid_argument otherwise).
LognormalFit fit_lognormal(const std::vector<double>& observed, const std::vector<double>& censored);

/// A Poisson rate from `events` over `exposure` years: Gamma(events + 1/2, exposure) posterior
/// (Jeffreys), its mean and central 90 % interval.
struct RateFit {
  int events = 0;
  double exposure = 0;
  double mean = 0, lo = 0, hi = 0;
};
RateFit fit_rate(int events, double exposure);

struct CalibrateOptions {
  std::optional<Date> as_of;  ///< default: the latest date in the file
  Prior prior = Prior::hierarchical;
  int years = 5;
  bool fragment = false;  ///< only the channels (and booked), for pasting into a scenario
};

/// One line of the report: a fitted value.
struct Fitted {
  std::string key;       ///< e.g. channels.internet.defaults.p_eval
  std::string what;      ///< "probability", "duration", "rate", "value", "cards"
  int n = 0;             ///< observations it rests on (decided stages, completed + open, arrivals, ...)
  std::string basis;     ///< e.g. "18 passed of 29", "21 completed + 6 open"
  double estimate = 0;   ///< the posterior mean / median / rate
  double lo = 0, hi = 0; ///< its 90 % interval
  std::string written;   ///< what the scenario says, e.g. {beta: [12.1, 7.9]}
  std::string fallback;  ///< the built-in default beside it
  std::optional<double> naive_median;  ///< durations: the median of a fit that ignores censoring
  std::optional<double> sigma, sigma_lo, sigma_hi;  ///< durations and values: sigma of log and its interval
  bool thin() const { return n < 10; }
};

struct Calibration {
  std::string file;
  Date as_of;
  Prior prior = Prior::hierarchical;
  double pool_mu = 0, pool_kappa = 0;
  std::vector<Fitted> fits;
  std::vector<std::string> entities;  ///< one line per open deal: where it stands at --as-of
  std::vector<std::string> notes;     ///< what could not be fitted and why
  std::string yaml;                   ///< the scenario (or fragment)
};

/// Fit everything and write the scenario. Throws ScenarioError for a file the fits cannot use
/// (e.g. --as-of before a row's date).
Calibration calibrate(const DealTable& deals, const CalibrateOptions& options);

nlohmann::json to_json(const Calibration& c);
void write_table(std::ostream& os, const Calibration& c);

}  // namespace revsim
