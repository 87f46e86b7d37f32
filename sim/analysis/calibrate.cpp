// `revsim calibrate` (docs/calibrate.md): stage probabilities by a hierarchical Beta-binomial
// across every stage of every channel, durations by a right-censored log-normal, arrival and order
// rates by a Gamma posterior, and the open deals at --as-of as entities at their stage
// (MODEL.md §4.0). The output is a scenario the loader accepts.
#include "revsim/calibrate.hpp"

#include "revsim/scenario_io.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <math.h>  // lgamma_r
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

namespace revsim {

namespace {

constexpr double kZ95 = 1.6448536269514722;  // Phi^{-1}(0.95): 90 % central intervals
constexpr double kOneDay = 1.0 / (365.25 / 12.0);
constexpr int kMaxSlips = 2;  // the built-in max_slips (MODEL.md §7): decisions after two slips cannot slip

/// Re-entrant lgamma (std::lgamma writes the global signgam: a race if fits run on several threads).
double lgamma_safe(double x) noexcept {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}
double lbeta(double a, double b) { return lgamma_safe(a) + lgamma_safe(b) - lgamma_safe(a + b); }

double norm_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double norm_quantile(double p) {
  // Bisection is plenty here (a handful of calls per run).
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (norm_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// log S(z) = log(1 - Phi(z)) and the hazard phi(z) / S(z), stable in the upper tail.
double log_surv(double z) {
  if (z < 30) return std::log(0.5 * std::erfc(z / std::sqrt(2.0)));
  return -0.5 * z * z - std::log(z * std::sqrt(2 * M_PI)) + std::log1p(-1 / (z * z));
}
double hazard(double z) {
  if (z < 30) return std::exp(-0.5 * z * z - 0.5 * std::log(2 * M_PI) - log_surv(z));
  return z + 1 / z;
}

/// The (mu, kappa) grid of the pooled prior: mu uniform, kappa log-spaced in [0.5, 5000].
struct Hyper {
  double mu, kappa, log_prior;
};
std::vector<Hyper> hyper_grid(int nm, int nk, double mu_lo, double mu_hi, double lk_lo, double lk_hi) {
  std::vector<Hyper> g;
  for (int i = 0; i < nm; ++i)
    for (int k = 0; k < nk; ++k) {
      const double mu = mu_lo + (mu_hi - mu_lo) * (i + 0.5) / nm;
      const double kappa = std::exp(lk_lo + (lk_hi - lk_lo) * (k + 0.5) / nk);
      // p(kappa) = 1 / (1 + kappa)^2 (proper, median 1); on a log grid times kappa.
      g.push_back({mu, kappa, std::log(kappa) - 2 * std::log1p(kappa)});
    }
  return g;
}

double log_marginal(const std::vector<Counts>& groups, double mu, double kappa) {
  const double a = mu * kappa, b = (1 - mu) * kappa;
  double s = 0;
  for (const Counts& c : groups) s += lbeta(a + c.passed, b + c.trials - c.passed) - lbeta(a, b);
  return s;
}

/// Central 90 % interval of a mixture of Betas {weight, a, b} (weights summing to 1): its density
/// on a midpoint grid of 2000 cells, summed (exact ibeta per component is ~100 times slower).
std::pair<double, double> mixture_interval(const std::vector<std::array<double, 3>>& comps) {
  constexpr int kCells = 2000;
  static const auto logs = [] {
    std::array<std::vector<double>, 2> l;
    for (int i = 0; i < kCells; ++i) {
      const double x = (i + 0.5) / kCells;
      l[0].push_back(std::log(x));
      l[1].push_back(std::log1p(-x));
    }
    return l;
  }();
  std::vector<double> dens(kCells, 0.0);
  for (const auto& [w, a, b] : comps) {
    const double c = std::log(w) - lbeta(a, b) - std::log(double{kCells});
    for (int i = 0; i < kCells; ++i) dens[i] += std::exp(c + (a - 1) * logs[0][i] + (b - 1) * logs[1][i]);
  }
  const double total = std::accumulate(dens.begin(), dens.end(), 0.0);
  double lo = 0, hi = 1, cum = 0;
  bool have_lo = false;
  for (int i = 0; i < kCells; ++i) {
    const double before = cum;
    cum += dens[i] / total;
    // Linear inside the cell.
    if (!have_lo && cum >= 0.05) {
      lo = (i + (0.05 - before) / (cum - before)) / kCells;
      have_lo = true;
    }
    if (cum >= 0.95) {
      hi = (i + (0.95 - before) / (cum - before)) / kCells;
      break;
    }
  }
  return {lo, hi};
}

BetaPosterior single_beta(double a, double b) {
  return {a, b, a / (a + b), boost::math::ibeta_inv(a, b, 0.05), boost::math::ibeta_inv(a, b, 0.95)};
}

std::string num(double x, int digits = 4) {
  if (x == 0) return "0";
  std::string s = fmt::format("{:.{}g}", x, digits);
  if (s.find('e') != std::string::npos) s = fmt::format("{:.{}f}", x, std::max(0, digits - 1 - static_cast<int>(std::floor(std::log10(std::abs(x))))));
  return s;
}

/// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

const char* prior_name(Prior p) {
  switch (p) {
    case Prior::hierarchical: return "hierarchical";
    case Prior::empirical_bayes: return "eb";
    case Prior::jeffreys: return "jeffreys";
  }
  return "";
}

}  // namespace

// ---- Estimators -------------------------------------------------------------------------------

PooledFit pool_probabilities(const std::vector<Counts>& groups, Prior prior) {
  PooledFit fit;
  if (prior == Prior::jeffreys) {
    for (const Counts& c : groups) fit.posteriors.push_back(single_beta(0.5 + c.passed, 0.5 + c.trials - c.passed));
    return fit;
  }
  const double lk_lo = std::log(0.5), lk_hi = std::log(5000.0);
  std::vector<Hyper> grid = hyper_grid(50, 40, 0.0, 1.0, lk_lo, lk_hi);
  std::vector<double> lw(grid.size());
  for (std::size_t j = 0; j < grid.size(); ++j) lw[j] = log_marginal(groups, grid[j].mu, grid[j].kappa);
  if (prior == Prior::empirical_bayes) {
    // Type-II maximum likelihood: the grid's best cell, then a finer grid around it.
    std::size_t best = static_cast<std::size_t>(std::max_element(lw.begin(), lw.end()) - lw.begin());
    const double dm = 1.0 / 50, dk = (lk_hi - lk_lo) / 40;
    const double lk = std::log(grid[best].kappa);
    const std::vector<Hyper> fine =
        hyper_grid(40, 40, std::max(1e-4, grid[best].mu - dm), std::min(1 - 1e-4, grid[best].mu + dm), lk - dk, lk + dk);
    double best_l = -INFINITY;
    for (const Hyper& h : fine)
      if (const double l = log_marginal(groups, h.mu, h.kappa); l > best_l) {
        best_l = l;
        fit.mu = h.mu;
        fit.kappa = h.kappa;
      }
    for (const Counts& c : groups)
      fit.posteriors.push_back(single_beta(fit.mu * fit.kappa + c.passed, (1 - fit.mu) * fit.kappa + c.trials - c.passed));
    return fit;
  }
  // Hierarchical: integrate (mu, kappa) out over the grid; each posterior is a mixture of Betas.
  for (std::size_t j = 0; j < grid.size(); ++j) lw[j] += grid[j].log_prior;
  const double top = *std::max_element(lw.begin(), lw.end());
  std::vector<double> w(grid.size());
  double total = 0;
  for (std::size_t j = 0; j < grid.size(); ++j) total += (w[j] = std::exp(lw[j] - top));
  // Keep the heaviest cells holding all but 1e-4 of the mass.
  std::vector<std::size_t> order(grid.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return w[x] > w[y]; });
  std::vector<std::size_t> keep;
  double mass = 0;
  for (std::size_t j : order) {
    if (mass >= total * (1 - 1e-4)) break;
    keep.push_back(j);
    mass += w[j];
  }
  for (double& x : w) x /= total;
  double kept = 0, log_kappa = 0;
  fit.mu = 0;
  for (std::size_t j : keep) {
    kept += w[j];
    fit.mu += w[j] * grid[j].mu;
    log_kappa += w[j] * std::log(grid[j].kappa);
  }
  fit.mu /= kept;
  fit.kappa = std::exp(log_kappa / kept);  // geometric posterior mean of kappa
  for (const Counts& c : groups) {
    std::vector<std::array<double, 3>> comps;
    double m1 = 0, m2 = 0;
    for (std::size_t j : keep) {
      const double a = grid[j].mu * grid[j].kappa + c.passed, b = (1 - grid[j].mu) * grid[j].kappa + c.trials - c.passed;
      const double wj = w[j] / kept, m = a / (a + b);
      comps.push_back({wj, a, b});
      m1 += wj * m;
      m2 += wj * (m * (a + 1) / (a + b + 1));
    }
    const double var = std::max(1e-12, m2 - m1 * m1);
    const double n = std::max(1e-3, m1 * (1 - m1) / var - 1);  // moment-matched a + b
    BetaPosterior p;
    p.a = m1 * n;
    p.b = (1 - m1) * n;
    p.mean = m1;
    std::tie(p.lo, p.hi) = mixture_interval(comps);
    fit.posteriors.push_back(p);
  }
  return fit;
}

double LognormalFit::p5() const { return std::exp(mu - kZ95 * sigma); }
double LognormalFit::p95() const { return std::exp(mu + kZ95 * sigma); }

LognormalFit fit_lognormal(const std::vector<double>& observed, const std::vector<double>& censored) {
  LognormalFit f;
  f.observed = static_cast<int>(observed.size());
  f.censored = static_cast<int>(censored.size());
  std::vector<double> y, c;
  for (double t : observed) y.push_back(std::log(t));
  for (double t : censored) c.push_back(std::log(t));
  if (y.size() < 2) throw std::invalid_argument("fewer than two completed durations");
  const double m0 = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
  double v0 = 0;
  for (double v : y) v0 += (v - m0) * (v - m0);
  v0 /= static_cast<double>(y.size());
  if (!(v0 > 1e-12)) throw std::invalid_argument("every completed duration is the same");
  // Olsen's parametrisation (delta = mu / sigma, h = 1 / sigma): the censored-normal
  // log-likelihood is concave there, so damped Newton converges from the uncensored fit.
  double h = 1 / std::sqrt(v0), d = m0 * h;
  auto loglik = [&](double dd, double hh) {
    double l = 0;
    for (double v : y) {
      const double z = hh * v - dd;
      l += std::log(hh) - 0.5 * z * z;
    }
    for (double v : c) l += log_surv(hh * v - dd);
    return l;
  };
  auto derivs = [&](double dd, double hh, double g[2], double H[3]) {
    g[0] = g[1] = H[0] = H[1] = H[2] = 0;
    for (double v : y) {
      const double z = hh * v - dd;
      g[0] += z;
      g[1] += 1 / hh - z * v;
      H[0] += -1;
      H[1] += v;
      H[2] += -1 / (hh * hh) - v * v;
    }
    for (double v : c) {
      const double z = hh * v - dd, lam = hazard(z), k = lam * (lam - z);
      g[0] += lam;
      g[1] += -lam * v;
      H[0] += -k;
      H[1] += k * v;
      H[2] += -k * v * v;
    }
  };
  double g[2], H[3];
  double l = loglik(d, h);
  for (int it = 0; it < 200; ++it) {
    derivs(d, h, g, H);
    const double det = H[0] * H[2] - H[1] * H[1];
    double sd = -(H[2] * g[0] - H[1] * g[1]) / det, sh = -(-H[1] * g[0] + H[0] * g[1]) / det;
    if (!(det > 0) || !std::isfinite(sd) || !std::isfinite(sh)) {  // not concave here: gradient step
      sd = g[0] * 1e-3;
      sh = g[1] * 1e-3;
    }
    double step = 1;
    bool moved = false;
    for (int k = 0; k < 60; ++k, step *= 0.5) {
      const double nd = d + step * sd, nh = h + step * sh;
      if (nh <= 0) continue;
      const double nl = loglik(nd, nh);
      if (nl >= l) {
        moved = std::abs(nd - d) + std::abs(nh - h) > 1e-12;
        d = nd;
        h = nh;
        l = nl;
        break;
      }
    }
    if (!moved) break;
  }
  derivs(d, h, g, H);
  f.mu = d / h;
  f.sigma = 1 / h;
  // Covariance of (delta, h): the inverse of the observed information -H.
  const double det = H[0] * H[2] - H[1] * H[1];
  const double cdd = -H[2] / det, cdh = H[1] / det, chh = -H[0] / det;
  // mu = delta / h: gradient (1 / h, -delta / h^2); log sigma = -log h: gradient (0, -1 / h).
  const double gm0 = 1 / h, gm1 = -d / (h * h);
  const double se_mu = std::sqrt(std::max(0.0, gm0 * gm0 * cdd + 2 * gm0 * gm1 * cdh + gm1 * gm1 * chh));
  const double se_ls = std::sqrt(std::max(0.0, chh)) / h;
  // Student's t with (completed - 1) degrees of freedom instead of the normal's 1.645: the Wald
  // interval of a handful of durations is otherwise far too narrow (3 durations: 2.92 vs 1.645).
  const double q = boost::math::quantile(boost::math::students_t(static_cast<double>(y.size() - 1)), 0.95);
  f.median = std::exp(f.mu);
  f.median_lo = std::exp(f.mu - q * se_mu);
  f.median_hi = std::exp(f.mu + q * se_mu);
  f.sigma_lo = f.sigma * std::exp(-q * se_ls);
  f.sigma_hi = f.sigma * std::exp(q * se_ls);
  return f;
}

RateFit fit_rate(int events, double exposure) {
  if (!(exposure > 0)) throw std::invalid_argument("no exposure time");
  RateFit r;
  r.events = events;
  r.exposure = exposure;
  const double shape = events + 0.5;
  r.mean = shape / exposure;
  r.lo = boost::math::gamma_p_inv(shape, 0.05) / exposure;
  r.hi = boost::math::gamma_p_inv(shape, 0.95) / exposure;
  return r;
}

// ---- From deals to a scenario -----------------------------------------------------------------

namespace {

using Rows = std::vector<const DealRow*>;

double duration(const DealRow& r, Date as_of) {
  return std::max(kOneDay, months_between(r.entered, r.left ? *r.left : as_of));
}

struct DurationData {
  std::vector<double> observed, censored;
};

/// Exposure in years of a live ISV from `since` to `until` when its order rate grows by (1 + g)
/// each whole year live (MODEL.md §4.4): sum of (1 + g)^k over the years it was live.
double growth_exposure(double months, double g) {
  double e = 0;
  for (int k = 0; months > 0; ++k, months -= 12) e += std::pow(1 + g, k) * std::min(12.0, months) / 12.0;
  return e;
}

struct Builder {
  const DealTable& deals;
  CalibrateOptions opt;
  Date as_of;
  Calibration out;
  std::map<std::string, Rows> by_deal;  // rows of each deal, in pipeline order

  std::string yaml_channel[kChannels];                   // "key: value  # comment" lines per channel
  std::map<std::string, std::string> written;            // key -> YAML value

  void add_line(Channel c, const std::string& key, const std::string& value, const std::string& comment) {
    yaml_channel[static_cast<int>(c)] += fmt::format("{}: {}{}\n", key, value, comment.empty() ? "" : "  # " + comment);
  }

  Fitted& add_fit(std::string key, std::string what, int n, std::string basis, double est, double lo, double hi,
                  std::string writ, std::string fallback) {
    Fitted f;
    f.key = std::move(key);
    f.what = std::move(what);
    f.n = n;
    f.basis = std::move(basis);
    f.estimate = est;
    f.lo = lo;
    f.hi = hi;
    f.written = std::move(writ);
    f.fallback = std::move(fallback);
    out.fits.push_back(std::move(f));
    return out.fits.back();
  }

  static std::string channel_key(Channel c, const std::string& key) {
    return c == Channel::internet || c == Channel::carriers
               ? fmt::format("channels.{}.defaults.{}", to_string(c), key)
               : fmt::format("channels.{}.{}", to_string(c), key);
  }

  void run();
  void probabilities();
  void durations();
  void rates();
  void entities();
  std::string scenario_yaml() const;

  std::map<std::string, LognormalFit> duration_fits;  // by key
};

void Builder::run() {
  for (const DealRow& r : deals.rows) {
    if (r.entered > as_of || (r.left && *r.left > as_of))
      throw ScenarioError(deals.file, r.line, 1, r.left && *r.left > as_of ? "left" : "entered",
                          fmt::format("after --as-of {} (expected the pipeline as it stood then)", to_string(as_of)));
    by_deal[r.deal].push_back(&r);
  }
  for (auto& [id, rows] : by_deal)
    std::stable_sort(rows.begin(), rows.end(), [](const DealRow* a, const DealRow* b) {
      return std::tie(a->entered, a->stage_index) < std::tie(b->entered, b->stage_index);
    });
  out.file = deals.file;
  out.as_of = as_of;
  out.prior = opt.prior;
  probabilities();
  durations();
  rates();
  entities();
  out.yaml = scenario_yaml();
}

void Builder::probabilities() {
  struct Group {
    Channel channel;
    const char* key;
    Counts counts;
    std::string fallback;
  };
  const InternetAccount ia;
  const CarrierOperator co;
  const ProjectParams pp;
  const IsvParams ip;
  std::vector<Group> g{
      {Channel::internet, "p_eval", {}, ia.p_eval.describe()},
      {Channel::internet, "p_npi", {}, ia.p_npi.describe()},
      {Channel::internet, "p_grey_paid", {}, ia.p_grey_paid.describe()},
      {Channel::internet, "p_stable", {}, ia.p_stable.describe()},
      {Channel::carriers, "p_eval", {}, co.p_eval.describe()},
      {Channel::carriers, "p_list", {}, co.p_list.describe()},
      {Channel::carriers, "p_award", {}, co.p_award.describe()},
      {Channel::government, "p_win", {}, pp.p_win.describe()},
      {Channel::government, "p_slip", {}, pp.p_slip.describe()},
      {Channel::isv, "p_migrate", {}, ip.p_migrate.describe()},
  };
  auto group = [&](Channel c, const char* key) -> Counts& {
    for (Group& x : g)
      if (x.channel == c && std::string(x.key) == key) return x.counts;
    throw std::logic_error("no such group");
  };
  auto tally = [](Counts& c, bool passed) {
    ++c.trials;
    c.passed += passed ? 1 : 0;
  };
  for (const auto& [id, rows] : by_deal) {
    int slips = 0;
    for (const DealRow* r : rows) {
      const bool decided = r->outcome == Outcome::passed || r->outcome == Outcome::failed;
      const bool pass = r->outcome == Outcome::passed;
      switch (r->channel) {
        case Channel::internet:
          if (r->stage == "evaluation" && decided) tally(group(r->channel, "p_eval"), pass);
          if (r->stage == "npi" && decided) tally(group(r->channel, "p_npi"), pass);
          if (r->stage == "grey") {
            tally(group(r->channel, "p_grey_paid"), r->value.value_or(0) > 0);  // paid when it has a value
            if (decided) tally(group(r->channel, "p_stable"), pass);
          }
          break;
        case Channel::carriers:
          if (r->stage == "evaluation" && decided) tally(group(r->channel, "p_eval"), pass);
          if (r->stage == "listing" && decided) tally(group(r->channel, "p_list"), pass);
          if (r->stage == "award" && decided) tally(group(r->channel, "p_award"), pass);
          break;
        case Channel::government:
          if (r->stage == "decision" && r->outcome != Outcome::open) {
            if (slips < kMaxSlips) tally(group(r->channel, "p_slip"), r->outcome == Outcome::slipped);
            if (decided) tally(group(r->channel, "p_win"), pass);
            if (r->outcome == Outcome::slipped) ++slips;
          }
          break;
        case Channel::isv:
          if (r->stage == "migration" && decided) tally(group(r->channel, "p_migrate"), pass);
          break;
      }
    }
  }
  // Only channels present in the file take part in the pooling.
  std::set<Channel> present;
  for (const DealRow& r : deals.rows) present.insert(r.channel);
  std::vector<Counts> counts;
  std::vector<const Group*> used;
  for (const Group& x : g)
    if (present.count(x.channel) > 0) {
      counts.push_back(x.counts);
      used.push_back(&x);
    }
  const PooledFit fit = pool_probabilities(counts, opt.prior);
  out.pool_mu = fit.mu;
  out.pool_kappa = fit.kappa;
  for (std::size_t k = 0; k < used.size(); ++k) {
    const Group& x = *used[k];
    const BetaPosterior& p = fit.posteriors[k];
    if (x.counts.trials == 0) {
      // Nothing decided at this stage (its deals are all still open, or none reached it): the
      // posterior would be the pooled prior alone, so the built-in default stays, as for a
      // duration with too few completed stages.
      const std::string key = channel_key(x.channel, x.key);
      out.notes.push_back(fmt::format("{}: no decided stage in the export: the built-in {} stays", key, x.fallback));
      add_line(x.channel, fmt::format("# {}", x.key), x.fallback, "no decided stage to fit: built-in default");
      continue;
    }
    const std::string w = fmt::format("{{beta: [{}, {}]}}", num(p.a), num(p.b));
    const std::string basis = fmt::format("{} {} of {}", x.counts.passed,
                                          std::string(x.key) == "p_slip" ? "slipped" :
                                          std::string(x.key) == "p_grey_paid" ? "paid" : "passed",
                                          x.counts.trials);
    add_fit(channel_key(x.channel, x.key), "probability", x.counts.trials, basis, p.mean, p.lo, p.hi, w, x.fallback);
    add_line(x.channel, x.key, w,
             fmt::format("{}; mean {:.3f}, 90 % [{:.3f}, {:.3f}]{}", basis, p.mean, p.lo, p.hi,
                         x.counts.trials < 10 ? "; fewer than 10 observations" : ""));
  }
}

void Builder::durations() {
  struct Key {
    Channel channel;
    const char* stage;
    const char* key;
    std::string fallback;
  };
  const std::vector<Key> keys{
      {Channel::internet, "evaluation", "eval_months", InternetAccount{}.eval_months.describe()},
      {Channel::internet, "npi", "npi_months", InternetAccount{}.npi_months.describe()},
      {Channel::internet, "grey", "grey_months", InternetAccount{}.grey_months.describe()},
      {Channel::carriers, "evaluation", "eval_months", CarrierOperator{}.eval_months.describe()},
      {Channel::government, "opportunity", "sales_cycle_months", GovernmentChannel{}.sales_cycle_months.describe()},
      {Channel::isv, "migration", "migration_months", IsvParams{}.migration_months.describe()},
  };
  for (const Key& k : keys) {
    DurationData d;
    bool any = false;
    for (const DealRow& r : deals.rows)
      if (r.channel == k.channel && r.stage == k.stage) {
        any = true;
        (r.left ? d.observed : d.censored).push_back(duration(r, as_of));
      }
    if (!any) continue;
    const std::string key = channel_key(k.channel, k.key);
    if (d.observed.size() < 2) {
      out.notes.push_back(fmt::format("{}: {} completed stage(s) and {} open: too few to fit; the built-in {} stays",
                                      key, d.observed.size(), d.censored.size(), k.fallback));
      add_line(k.channel, fmt::format("# {}", k.key), k.fallback, "too few completed stages to fit: built-in default");
      continue;
    }
    LognormalFit f;
    LognormalFit naive;
    try {
      f = fit_lognormal(d.observed, d.censored);
      std::vector<double> all = d.observed;
      all.insert(all.end(), d.censored.begin(), d.censored.end());
      naive = fit_lognormal(all, {});
    } catch (const std::invalid_argument& e) {
      out.notes.push_back(fmt::format("{}: cannot fit ({}); the built-in {} stays", key, e.what(), k.fallback));
      continue;
    }
    duration_fits[key] = f;
    const std::string w = fmt::format("{{lognormal: [{}, {}]}}", num(f.p5(), 3), num(f.p95(), 3));
    const std::string basis = fmt::format("{} completed + {} open", f.observed, f.censored);
    Fitted& fit = add_fit(key, "duration", f.observed + f.censored, basis, f.median, f.median_lo, f.median_hi, w, k.fallback);
    fit.naive_median = naive.median;
    fit.sigma = f.sigma;
    fit.sigma_lo = f.sigma_lo;
    fit.sigma_hi = f.sigma_hi;
    add_line(k.channel, k.key, w,
             fmt::format("{}; median {:.2f} months, 90 % [{:.2f}, {:.2f}] (ignoring the open ones: {:.2f}){}", basis,
                         f.median, f.median_lo, f.median_hi, naive.median,
                         f.observed + f.censored < 10 ? "; fewer than 10 observations" : ""));
  }
}

void Builder::rates() {
  const double window_years = months_between(deals.first, as_of) / 12.0;
  // Government: arrivals (the first opportunity row of each deal) and project values.
  int arrivals = 0;
  std::vector<double> values;
  int engagements = 0;
  bool isv = false;
  for (const auto& [id, rows] : by_deal) {
    const DealRow& first = *rows.front();
    if (first.channel == Channel::government) {
      ++arrivals;
      for (const DealRow* r : rows)
        if (r->value && *r->value > 0) {
          values.push_back(*r->value);
          break;
        }
    }
    if (first.channel == Channel::isv) isv = true;
    for (const DealRow* r : rows)
      if (r->channel == Channel::isv && r->stage == "migration") ++engagements;
  }
  auto rate_line = [&](Channel c, const char* key, const RateFit& r, const std::string& basis, const std::string& fallback) {
    // The Gamma posterior as a normal of its mean and sd (the loader truncates it at the key's range;
    // a log-normal would reach past the range's upper end).
    const std::string w = fmt::format("{{normal: [{}, {}]}}", num(r.mean, 4), num(std::sqrt(r.events + 0.5) / r.exposure, 3));
    add_fit(channel_key(c, key), "rate", r.events, basis, r.mean, r.lo, r.hi, w, fallback);
    add_line(c, key, w,
             fmt::format("{}; mean {:.3g} a year, 90 % [{:.3g}, {:.3g}]{}", basis, r.mean, r.lo, r.hi,
                         r.events < 10 ? "; fewer than 10 observations" : ""));
  };
  if (arrivals > 0 && window_years > 0) {
    const RateFit r = fit_rate(arrivals, window_years);
    rate_line(Channel::government, "projects_per_year", r,
              fmt::format("{} arrivals in {:.2f} years", arrivals, window_years),
              GovernmentChannel{}.projects_per_year.describe());
    if (values.size() >= 2) {
      try {
        const LognormalFit f = fit_lognormal(values, {});
        const std::string w = fmt::format("{{lognormal: [{}, {}]}}", num(f.p5(), 3), num(f.p95(), 3));
        Fitted& fit = add_fit("channels.government.value", "value", f.observed, fmt::format("{} project values", f.observed),
                              f.median, f.median_lo, f.median_hi, w, ProjectParams{}.value.describe());
        fit.sigma = f.sigma;
        fit.sigma_lo = f.sigma_lo;
        fit.sigma_hi = f.sigma_hi;
        add_line(Channel::government, "value", w,
                 fmt::format("{} project values; median {:.3g} M RMB, 90 % [{:.3g}, {:.3g}]{}", f.observed, f.median,
                             f.median_lo, f.median_hi, f.observed < 10 ? "; fewer than 10 observations" : ""));
      } catch (const std::invalid_argument& e) {
        out.notes.push_back(fmt::format("channels.government.value: cannot fit ({})", e.what()));
      }
    }
  }
  if (!isv) return;
  if (window_years > 0)
    rate_line(Channel::isv, "engagements_per_year", fit_rate(engagements, window_years),
              fmt::format("{} migrations started in {:.2f} years", engagements, window_years),
              IsvChannel{}.engagements_per_year.describe());
  // Orders: production rows of ISVs live from their migration's pass (or their first order).
  const double g = IsvParams{}.order_growth.value();
  int orders = 0;
  double exposure = 0;
  std::vector<double> per_isv;  // mean cards per order of each ISV with orders
  for (const auto& [id, rows] : by_deal) {
    if (rows.front()->channel != Channel::isv) continue;
    std::optional<Date> live;
    double cards = 0;
    int n = 0, with_cards = 0;
    for (const DealRow* r : rows) {
      if (r->stage == "migration" && r->outcome == Outcome::passed) live = *r->left;
      if (r->stage == "production") {
        if (!live) live = r->entered;
        ++n;
        if (r->cards) {
          cards += *r->cards;
          ++with_cards;
        }
      }
    }
    if (!live) continue;
    orders += n;
    exposure += growth_exposure(months_between(*live, as_of), g);
    if (with_cards > 0) per_isv.push_back(cards / with_cards);
  }
  if (exposure > 0)
    rate_line(Channel::isv, "orders_per_year", fit_rate(orders, exposure),
              fmt::format("{} orders in {:.2f} growth-weighted ISV-years (order_growth {})", orders, exposure, num(g)),
              IsvParams{}.orders_per_year.describe());
  if (!per_isv.empty()) {
    const double n = static_cast<double>(per_isv.size());
    const double mean = std::accumulate(per_isv.begin(), per_isv.end(), 0.0) / n;
    double var = 0;
    for (double x : per_isv) var += (x - mean) * (x - mean);
    var = per_isv.size() > 1 ? var / (n - 1) : 0;
    const double half = kZ95 * std::sqrt(var / n);
    const double lo = std::round(*std::min_element(per_isv.begin(), per_isv.end()));
    const double hi = std::round(*std::max_element(per_isv.begin(), per_isv.end()));
    const std::string w = lo == hi ? num(lo) : fmt::format("{{uniform_int: [{}, {}]}}", num(lo), num(hi));
    add_fit(channel_key(Channel::isv, "cards_per_order"), "cards", static_cast<int>(n),
            fmt::format("{} ISVs with orders", per_isv.size()), mean, mean - half, mean + half, w,
            IsvParams{}.cards_per_order.describe());
    add_line(Channel::isv, "cards_per_order", w,
             fmt::format("{} ISVs with orders; mean {:.2f} cards, 90 % [{:.2f}, {:.2f}]{}", per_isv.size(), mean,
                         mean - half, mean + half, n < 10 ? "; fewer than 10 observations" : ""));
  }
}

}  // namespace

namespace {

/// Conditional median of the remaining time of a log-normal duration already `elapsed` long.
double remaining_median(const LognormalFit& f, double elapsed) {
  const double s = 1 - norm_cdf((std::log(std::max(elapsed, kOneDay)) - f.mu) / f.sigma);
  const double total = std::exp(f.mu + f.sigma * norm_quantile(1 - 0.5 * s));
  return std::max(0.0, total - elapsed);
}

}  // namespace

Calibration calibrate(const DealTable& deals, const CalibrateOptions& options) {
  Builder b{deals, options, options.as_of.value_or(deals.last), {}, {}, {}, {}, {}};
  b.run();
  return b.out;
}

namespace {

std::string month_name(int m) {
  static const std::array<const char*, 12> names{"January", "February", "March",     "April",   "May",      "June",
                                                 "July",    "August",   "September", "October", "November", "December"};
  return names[static_cast<std::size_t>(m - 1)];
}

}  // namespace

void Builder::entities() {
  const int H = 12 * opt.years - (as_of.month() - 1);
  std::map<std::string, int> used_names[kChannels];
  auto unique_name = [&](Channel c, const std::string& account, const std::string& deal) {
    const int n = used_names[static_cast<int>(c)][account]++;
    return n == 0 ? account : fmt::format("{} ({})", account, deal);
  };
  std::string& internet = yaml_channel[static_cast<int>(Channel::internet)];
  std::string acc, ops, projects;
  struct IsvIndustry {
    int live = 0, migrating = 0, seen = 0;
    double live_months = 0, elapsed = 0;
  };
  std::map<std::string, IsvIndustry> industries;
  const auto sales_cycle = duration_fits.find("channels.government.sales_cycle_months");
  int volume_accounts = 0;  // internet accounts written at grey or production: their volume is not in the export
  for (const auto& [id, rows] : by_deal) {
    const DealRow& last = *rows.back();
    const Channel c = last.channel;
    const auto& stages = stages_of(c);
    const double since_entered = months_between(last.entered, as_of);
    if (c == Channel::internet) {
      if (last.outcome == Outcome::failed) continue;
      std::string phase = last.stage;
      double elapsed = since_entered;
      if (last.outcome == Outcome::passed && last.stage_index + 1 < static_cast<int>(stages.size())) {
        phase = stages[static_cast<std::size_t>(last.stage_index) + 1];  // passed, next row missing (a reason)
        elapsed = months_between(*last.left, as_of);
      }
      const std::string name = unique_name(c, last.account, id);
      if (phase == "grey" || phase == "production") ++volume_accounts;
      acc += fmt::format("      - {{name: {}, stage: {{phase: {}, elapsed: {}}}}}\n", quoted(name), phase, num(elapsed, 4));
      out.entities.push_back(fmt::format("internet {}: {} for {:.1f} months", name, phase, elapsed));
    } else if (c == Channel::carriers) {
      if (last.outcome == Outcome::failed && last.stage != "award") continue;
      const std::string name = unique_name(c, last.account, id);
      const bool listed = last.stage == "award" || (last.stage == "listing" && last.outcome == Outcome::passed);
      if (listed) {
        ops += fmt::format("      - {{name: {}, stage: listed}}\n", quoted(name));
        out.entities.push_back(fmt::format("carriers {}: listed", name));
      } else if (last.stage == "evaluation" && last.outcome == Outcome::open) {
        ops += fmt::format("      - {{name: {}, stage: {{phase: evaluation, elapsed: {}}}}}\n", quoted(name),
                           num(since_entered, 4));
        out.entities.push_back(fmt::format("carriers {}: evaluation for {:.1f} months", name, since_entered));
      } else {
        // Evaluation passed, the listing decision pending: no evaluation work left, p_eval already met.
        ops += fmt::format("      - {{name: {}, stage: {{phase: evaluation, elapsed: 1000}}, p_eval: 1}}  "
                           "# evaluation passed, listing pending\n",
                           quoted(name));
        out.entities.push_back(fmt::format("carriers {}: evaluation passed, listing pending", name));
      }
    } else if (c == Channel::government) {
      int slips = 0;
      for (const DealRow* r : rows) slips += r->outcome == Outcome::slipped ? 1 : 0;
      double due = -1;
      std::string why;
      if (last.stage == "opportunity" && last.outcome == Outcome::open) {
        if (sales_cycle != duration_fits.end()) {
          due = remaining_median(sales_cycle->second, since_entered);
          why = fmt::format("in its sales cycle for {:.1f} months; due at the conditional median", since_entered);
        } else {
          due = 0;
          why = "in its sales cycle; no fitted cycle: due now";
        }
      } else if (last.stage == "decision" && last.outcome == Outcome::open) {
        due = 0;
        why = "decision pending";
      } else if (last.outcome == Outcome::slipped) {
        due = std::max(0.0, 12.0 - months_between(*last.left, as_of));
        why = fmt::format("slipped on {}; decided again 12 months later", to_string(*last.left));
      } else if (last.stage == "opportunity" && last.outcome == Outcome::passed) {
        due = 0;  // came due, decision row missing (a reason was given)
        why = "came due; decision pending";
      }
      if (due < 0) continue;  // won or lost
      if (due > H - 1) {
        out.notes.push_back(fmt::format("government {}: due {:.1f} months after --as-of, beyond the horizon; "
                                        "set to month {}",
                                        last.account, due, H - 1));
        due = H - 1;
      }
      const std::string name = unique_name(c, last.account, id);
      std::string extra;
      for (const DealRow* r : rows)
        if (r->value && *r->value > 0) {
          extra += fmt::format(", value: {}", num(*r->value));
          break;
        }
      if (slips > 0) extra += fmt::format(", max_slips: {}", std::max(0, kMaxSlips - slips));
      projects += fmt::format("- {{name: {}, due_month: {}{}}}  # {}\n", quoted(name), num(due, 4), extra, why);
      out.entities.push_back(fmt::format("government {}: due in month {:.1f} ({})", name, due, why));
    } else {
      IsvIndustry& ind = industries[last.industry];
      ++ind.seen;
      std::optional<Date> live;
      bool migrating = false;
      double elapsed = 0;
      for (const DealRow* r : rows) {
        if (r->stage == "migration" && r->outcome == Outcome::passed) live = *r->left;
        if (r->stage == "migration" && r->outcome == Outcome::open) {
          migrating = true;
          elapsed = months_between(r->entered, as_of);
        }
        if (r->stage == "production" && !live) live = r->entered;
      }
      if (live) {
        ++ind.live;
        ind.live_months += months_between(*live, as_of);
      } else if (migrating) {
        ++ind.migrating;
        ind.elapsed += elapsed;
      }
    }
  }
  if (volume_accounts > 0) {
    // The export has no production volumes: those accounts take annual_cards from the channel's
    // defaults, which for a real pipeline is a guess. Said in the report and in the file.
    const std::string what = fmt::format(
        "{} internet account{} enter{} at grey or production with annual_cards from the channel defaults (the "
        "built-in default unless channels.internet.defaults sets it): the export has no column for an account's "
        "volume, and it decides most of their revenue; set annual_cards for each (or in "
        "channels.internet.defaults) before trusting the forecast",
        volume_accounts, volume_accounts == 1 ? "" : "s", volume_accounts == 1 ? "s" : "");
    out.notes.push_back("warning: " + what);
    acc = "      # " + what + "\n" + acc;
  }
  if (!acc.empty()) internet += "__ENTITIES__accounts:\n" + acc;
  if (!ops.empty()) yaml_channel[static_cast<int>(Channel::carriers)] += "__ENTITIES__operators:\n" + ops;
  if (!projects.empty()) yaml_channel[static_cast<int>(Channel::government)] += "projects:\n" + projects;
  if (!industries.empty()) {
    std::string s = "industries:\n";
    for (const auto& [name, ind] : industries) {
      std::string extra;
      if (ind.live > 0)
        extra += fmt::format(", live: {}, live_since: {}", ind.live, num(-ind.live_months / ind.live, 4));
      if (ind.migrating > 0)
        extra += fmt::format(", migrating: {}, migration_elapsed: {}", ind.migrating, num(ind.elapsed / ind.migrating, 4));
      s += fmt::format("- {{name: {}, isvs: {}{}}}  # ISVs seen in the CRM: raise isvs to how many serve it\n",
                       quoted(name), ind.seen, extra);
      out.entities.push_back(fmt::format("isv {}: {} seen, {} live, {} migrating", name, ind.seen, ind.live, ind.migrating));
    }
    yaml_channel[static_cast<int>(Channel::isv)] += s;
  }
  if (std::any_of(deals.rows.begin(), deals.rows.end(), [](const DealRow& r) {
        return r.channel == Channel::government && r.stage == "decision" && r.outcome == Outcome::passed;
      }))
    out.notes.push_back("government: won projects are not written as 'backlog' (the export has no delivery dates "
                        "or turnkey flag); add those still in delivery by hand");
}

std::string Builder::scenario_yaml() const {
  std::set<Channel> present;
  for (const DealRow& r : deals.rows) present.insert(r.channel);
  std::string y;
  y += fmt::format("# Calibrated by `revsim calibrate` from {} as of {} (docs/calibrate.md).\n", deals.file,
                   to_string(as_of));
  y += fmt::format("# Stage probabilities: {} prior over {} probabilities (mean {:.3f}, concentration {:.3g}).\n",
                   prior_name(opt.prior) == std::string("eb") ? "empirical-Bayes Beta" :
                   prior_name(opt.prior) == std::string("jeffreys") ? "no pooling, Jeffreys Beta(1/2, 1/2)" :
                   "hierarchical Beta", out.fits.empty() ? 0 : std::count_if(out.fits.begin(), out.fits.end(), [](const Fitted& f) { return f.what == "probability"; }),
                   out.pool_mu, out.pool_kappa);
  y += "# Keys not written here keep their built-in defaults (docs/model.md).\n";
  const int s = as_of.month();
  if (!opt.fragment) {
    y += fmt::format("name: {}\n", quoted("calibrated from " + deals.file));
    y += fmt::format("start_year: {}\nstart_month_in_year: {}  # month 0 is {} {}\nyears: {}\n", as_of.year(), s,
                     month_name(s), as_of.year(), opt.years);
  } else {
    y += fmt::format("# For a scenario with start_year: {} and start_month_in_year: {} (month 0 = {} {}).\n",
                     as_of.year(), s, month_name(s), as_of.year());
  }
  // Revenue already recognised in start_year before month 0: the sales rows with a value
  // (paid grey releases, carrier awards, ISV orders), at their `entered` date.
  std::array<double, kChannels> booked{};
  const Date year_start = Date::from_ymd(as_of.year(), 1, 1);
  const Date month0 = Date::from_ymd(as_of.year(), s, 1);
  for (const DealRow& r : deals.rows) {
    const bool sale = (r.channel == Channel::internet && r.stage == "grey") ||
                      (r.channel == Channel::carriers && r.stage == "award" && r.outcome == Outcome::passed) ||
                      (r.channel == Channel::isv && r.stage == "production");
    if (sale && r.value && r.entered >= year_start && r.entered < month0)
      booked[static_cast<std::size_t>(r.channel)] += *r.value;
  }
  if (!opt.fragment && s > 1 && std::any_of(booked.begin(), booked.end(), [](double x) { return x > 0; })) {
    y += "booked:  # revenue recognised in start_year before month 0 (sales rows with a value)\n";
    for (int c = 0; c < kChannels; ++c)
      if (booked[static_cast<std::size_t>(c)] > 0) y += fmt::format("  {}: {}\n", kChannelNames[c], num(booked[static_cast<std::size_t>(c)]));
  }
  // A line that is not blank or a comment: a mapping made only of comments reads as nothing.
  auto has_content = [](const std::string& text) {
    std::size_t from = 0;
    while (from < text.size()) {
      const auto nl = std::min(text.find('\n', from), text.size());
      const auto first = text.find_first_not_of(' ', from);
      if (first < nl && text[first] != '#') return true;
      from = nl + 1;
    }
    return false;
  };
  const std::size_t channels_at = y.size();
  bool any_channel = false;
  y += "channels:\n";
  for (int c = 0; c < kChannels; ++c) {
    if (present.count(static_cast<Channel>(c)) == 0) continue;
    y += fmt::format("  {}:\n", kChannelNames[c]);
    const bool has_defaults = c == 0 || c == 1;
    std::string body = yaml_channel[c];
    std::string keys = body, ents;
    if (const auto at = body.find("__ENTITIES__"); at != std::string::npos) {
      keys = body.substr(0, at);
      ents = body.substr(at + std::string("__ENTITIES__").size());
    }
    auto indent = [](const std::string& text, const std::string& pad) {
      std::string r;
      std::size_t from = 0;
      while (from < text.size()) {
        const auto nl = text.find('\n', from);
        r += pad + text.substr(from, nl - from) + "\n";
        from = nl + 1;
      }
      return r;
    };
    if ((has_defaults && ents.empty()) || (!has_defaults && !has_content(keys))) {
      // The loader refuses a channel without entities (no open account/operator) and reads one
      // of comments only as nothing: the channel is left out, its fits stay as comments.
      y.resize(y.size() - fmt::format("  {}:\n", kChannelNames[c]).size());
      y += has_defaults ? fmt::format("  # {}: no open {} at --as-of, so the channel is left out; its fits:\n",
                                      kChannelNames[c], c == 0 ? "account" : "operator")
                        : fmt::format("  # {}: nothing fitted and nothing open at --as-of, so the channel is left out:\n",
                                      kChannelNames[c]);
      y += indent(keys, "  #   ");
      continue;
    }
    any_channel = true;
    if (has_defaults) {
      // defaults: only when something was fitted (a mapping of comments alone would be empty)
      y += has_content(keys) ? "    defaults:\n" + indent(keys, "      ") : indent(keys, "    ");
      y += "    " + ents;
    } else {
      y += indent(keys, "    ");
    }
  }
  if (!any_channel)  // a scenario with no channel is valid (cash and runway); say why it has none
    y.replace(channels_at, std::string("channels:\n").size(),
              "channels: {}  # no channel has anything fitted or open at --as-of (see the comments below)\n");
  return y;
}

// ---- Reports ------------------------------------------------------------------------------------

nlohmann::json to_json(const Calibration& c) {
  nlohmann::json j;
  j["file"] = c.file;
  j["as_of"] = to_string(c.as_of);
  j["start_year"] = c.as_of.year();
  j["start_month_in_year"] = c.as_of.month();
  j["prior"] = prior_name(c.prior);
  j["pool"] = {{"mu", c.pool_mu}, {"kappa", c.pool_kappa}};
  j["fits"] = nlohmann::json::array();
  for (const Fitted& f : c.fits) {
    nlohmann::json x{{"key", f.key},          {"what", f.what},       {"n", f.n},
                     {"basis", f.basis},      {"estimate", f.estimate}, {"interval", {f.lo, f.hi}},
                     {"written", f.written},  {"default", f.fallback}, {"warning", f.thin() ? "fewer than 10 observations" : ""}};
    if (f.naive_median) x["naive_median"] = *f.naive_median;
    if (f.sigma) {
      x["sigma"] = *f.sigma;
      x["sigma_interval"] = {*f.sigma_lo, *f.sigma_hi};
    }
    j["fits"].push_back(x);
  }
  j["entities"] = c.entities;
  j["notes"] = c.notes;
  return j;
}

void write_table(std::ostream& os, const Calibration& c) {
  os << fmt::format("Calibrated from {} as of {} (month 0 = {} {})\n", c.file, to_string(c.as_of),
                    month_name(c.as_of.month()), c.as_of.year());
  if (c.prior == Prior::jeffreys)  // no pool: the prior is Beta(1/2, 1/2) for every stage
    os << "Stage probabilities: Jeffreys Beta(1/2, 1/2), no pooling; intervals are central 90 %\n\n";
  else
    os << fmt::format("Stage probabilities: {} (prior mean {:.3f}, concentration {:.3g}); intervals are central 90 %\n\n",
                      c.prior == Prior::hierarchical ? "hierarchical Beta-binomial, pooled across channels"
                                                     : "empirical-Bayes Beta-binomial, pooled across channels (intervals under-cover)",
                      c.pool_mu, c.pool_kappa);
  // Each column as wide as its longest entry (orders_per_year's basis runs to 60 characters).
  auto interval = [](const Fitted& f) { return fmt::format("[{:.4g}, {:.4g}]", f.lo, f.hi); };
  std::size_t wk = 3, wb = 8, wi = 13, ww = 7;
  for (const Fitted& f : c.fits) {
    wk = std::max(wk, f.key.size());
    wb = std::max(wb, f.basis.size());
    wi = std::max(wi, interval(f).size());
    ww = std::max(ww, f.written.size());
  }
  os << fmt::format("{:<{}} {:>4}  {:<{}}  {:>9}  {:<{}}  {:<{}}  {}\n", "key", wk, "n", "rests on", wb, "estimate",
                    "90 % interval", wi, "written", ww, "built-in default");
  for (const Fitted& f : c.fits)
    os << fmt::format("{:<{}} {:>4}  {:<{}}  {:>9.4g}  {:<{}}  {:<{}}  {}{}\n", f.key, wk, f.n, f.basis, wb, f.estimate,
                      interval(f), wi, f.written, ww, f.fallback, f.thin() ? "   (!) fewer than 10 observations" : "");
  bool naive = false;
  for (const Fitted& f : c.fits)
    if (f.naive_median) {
      if (!naive) os << "\nDurations (median months): open stages censored vs a fit that ignores censoring\n";
      naive = true;
      os << fmt::format("  {:<44} censored {:>6.2f}   naive {:>6.2f}   ({:+.0f} %)\n", f.key, f.estimate, *f.naive_median,
                        100 * (*f.naive_median / f.estimate - 1));
    }
  if (!c.entities.empty()) {
    os << fmt::format("\nThe pipeline at {} ({} open entries)\n", to_string(c.as_of), c.entities.size());
    for (const std::string& e : c.entities) os << "  " << e << '\n';
  }
  for (const Fitted& f : c.fits)
    if (f.thin()) os << fmt::format("warning: {} rests on {} observation{} (fewer than 10)\n", f.key, f.n, f.n == 1 ? "" : "s");
  for (const std::string& n : c.notes) os << (n.rfind("warning: ", 0) == 0 ? "" : "note: ") << n << '\n';
}

}  // namespace revsim
