#include "revsim/sobol.hpp"

#include "revsim/scenario_io.hpp"
#include "revsim/sensitivity.hpp"
#include "revsim/stat.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "../engine/trial_loop.hpp"
#include "revsim/statistics.hpp"

namespace revsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The point estimates on the rows `idx` (a bootstrap resample, or 0..N-1).
void estimate(const std::vector<double>& fA, const std::vector<double>& fB, const std::vector<std::vector<double>>& fAB,
              const std::vector<std::size_t>& idx, double& mean, double& var, std::vector<double>& first,
              std::vector<double>& total) {
  const auto n = static_cast<double>(idx.size());
  // Two-pass mean and variance over A and B together.
  double s = 0;
  for (std::size_t j : idx) s += fA[j] + fB[j];
  mean = s / (2 * n);
  double ss = 0;
  for (std::size_t j : idx) ss += (fA[j] - mean) * (fA[j] - mean) + (fB[j] - mean) * (fB[j] - mean);
  var = ss / (2 * n);
  const std::size_t k = fAB.size();
  first.assign(k, kNaN);
  total.assign(k, kNaN);
  if (!(var > 0)) return;
  for (std::size_t i = 0; i < k; ++i) {
    double f1 = 0, ft = 0;
    for (std::size_t j : idx) {
      const double d = fAB[i][j] - fA[j];
      f1 += (fB[j] - mean) * d;  // centred: same expectation, smaller variance
      ft += d * d;
    }
    first[i] = f1 / n / var;
    total[i] = ft / (2 * n) / var;
  }
}

double percentile(std::vector<double>& v, double q) {
  // Type 7 between order statistics, NaNs dropped.
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return kNaN;
  std::sort(v.begin(), v.end());
  return quantile_sorted(v, q);
}

/// The rows of the radial design as a trial source: row r = m N + j is base row j of matrix m
/// (0 = A, 1 = B, 2 + i = A_B^i), a trial of the scenario with the factors set to constants:
/// A's values (or B's for matrix B and factor i of A_B^i) and trial j (N + j for B and luck).
class SobolDesign {
 public:
  SobolDesign(const Scenario& base, const std::vector<std::size_t>& factor_param, const std::vector<double>& xA,
              const std::vector<double>& xB, std::uint64_t N, std::uint64_t seed)
      : base_(base), factor_param_(factor_param), xA_(xA), xB_(xB), N_(N), seed_(seed) {}
  struct Worker {
    std::unique_ptr<Scenario> s;  ///< the base with the factors' slots overwritten per row
    std::vector<Dist*> slots;
    std::vector<TrialOutcome> out;
  };
  Worker worker() const {
    Worker w{std::make_unique<Scenario>(base_), {}, std::vector<TrialOutcome>(1)};
    w.slots = parameter_slots(*w.s);
    return w;
  }
  void run(Worker& w, std::uint64_t r) const {
    const std::size_t kp = factor_param_.size();
    const std::uint64_t m = r / N_, j = r % N_;
    const bool luck_row = m == kp + 2;
    const std::uint64_t trial = (m == 1 || luck_row) ? N_ + j : j;
    for (std::size_t i = 0; i < kp; ++i) {
      const bool from_b = m == 1 || m == 2 + i;
      *w.slots[factor_param_[i]] = Dist::constant(from_b ? xB_[j * kp + i] : xA_[j * kp + i]);
    }
    const detail::Prepared P(*w.s);
    detail::TrialSimulator sim(P);
    sim.run(seed_, trial, w.out.front());
  }
  std::size_t width() const noexcept { return 1; }

 private:
  const Scenario& base_;
  const std::vector<std::size_t>& factor_param_;
  const std::vector<double>&xA_, &xB_;
  std::uint64_t N_, seed_;
};

}  // namespace

SobolIndices sobol_indices(const std::vector<double>& fA, const std::vector<double>& fB,
                           const std::vector<std::vector<double>>& fAB, int bootstrap, double level,
                           std::uint64_t seed) {
  const std::size_t N = fA.size();
  if (N < 2 || fB.size() != N) throw std::invalid_argument("sobol_indices: A and B need the same N >= 2 rows");
  for (const auto& f : fAB)
    if (f.size() != N) throw std::invalid_argument("sobol_indices: every A_B^i needs N rows");
  if (!(level > 0 && level < 1)) throw std::invalid_argument("sobol_indices: level must be in (0, 1)");
  const std::size_t k = fAB.size();
  SobolIndices out;
  std::vector<std::size_t> idx(N);
  for (std::size_t j = 0; j < N; ++j) idx[j] = j;
  estimate(fA, fB, fAB, idx, out.mean, out.variance, out.first, out.total);
  out.first_lo.assign(k, kNaN);
  out.first_hi.assign(k, kNaN);
  out.total_lo.assign(k, kNaN);
  out.total_hi.assign(k, kNaN);
  if (bootstrap <= 0 || !(out.variance > 0)) return out;
  std::vector<std::vector<double>> bf(k), bt(k);
  Random rng(seed, 0, stream_id("sobol/bootstrap"));
  std::vector<double> first, total;
  double m = 0, v = 0;
  for (int b = 0; b < bootstrap; ++b) {
    for (std::size_t j = 0; j < N; ++j)
      idx[j] = std::min(N - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(N)));
    estimate(fA, fB, fAB, idx, m, v, first, total);
    for (std::size_t i = 0; i < k; ++i) {
      bf[i].push_back(first[i]);
      bt[i].push_back(total[i]);
    }
  }
  const double qlo = (1 - level) / 2, qhi = (1 + level) / 2;
  for (std::size_t i = 0; i < k; ++i) {
    out.first_lo[i] = percentile(bf[i], qlo);
    out.first_hi[i] = percentile(bf[i], qhi);
    out.total_lo[i] = percentile(bt[i], qlo);
    out.total_hi[i] = percentile(bt[i], qhi);
  }
  return out;
}

Sobol sobol(const std::string& path, const std::vector<std::string>& sets, const RunOptions& opt,
            const std::string& stat, std::optional<int> year, int bootstrap, double level) {
  const Scenario base = load_scenario(path, sets);
  const int y_last = base.start_year + base.years - 1;
  Sobol out;
  out.scenario = base.name;
  out.stat = stat;
  out.year = year.value_or(y_last);
  if (out.year < base.start_year || out.year > y_last)
    throw std::invalid_argument(fmt::format("--year {}: not a fiscal year of the scenario ({}..{})", out.year,
                                            base.start_year, y_last));
  const int y = out.year - base.start_year;
  const std::optional<StatKind> kind = parse_stat(stat);
  if (kind == StatKind::mean || kind == StatKind::p50) out.quantity = fmt::format("revenue in {} (M RMB)", out.year);
  else if (kind == StatKind::p_threshold) out.quantity = fmt::format("1 if revenue in {} >= {:g} M RMB", out.year, base.threshold);
  else if (kind == StatKind::p_listing) out.quantity = fmt::format("1 if STAR standard 2 is met in {}", out.year);
  else if (kind == StatKind::p_alive) out.quantity = fmt::format("1 if the company is alive at the end of {}", out.year);
  else throw std::invalid_argument(fmt::format("--stat {}: expected mean, p50, p_threshold, p_listing or p_alive", stat));
  if (bootstrap < 0) throw std::invalid_argument("--bootstrap: expected a count >= 0");

  // Factors: uncertain parameters drawn once per trial. The rest of a trial's randomness
  // (per-project and per-ISV values, events, the copula) is the last factor, "luck", whose
  // A_B row keeps A's parameters and takes B's trial index.
  const std::vector<Parameter> params = list_parameters(base);
  const std::vector<std::size_t> factor_param = per_trial_inputs(params);  // the --samples inputs too
  for (const Parameter& p : params)
    if (!p.dist.is_constant() && !p.per_trial) out.within_trial.push_back(p.path);
  const std::size_t kp = factor_param.size();
  const std::size_t k = kp + 1;
  const std::uint64_t N = opt.trials != 0 ? opt.trials : std::min<std::uint64_t>(base.trials, 4096);
  if (N < 2) throw std::invalid_argument("--trials: Sobol indices need at least 2 base rows");
  out.base_rows = N;
  out.evaluations = N * (k + 2);
  out.seed = opt.seed_set ? opt.seed : base.seed;
  out.bootstrap = bootstrap;
  out.level = level;

  // Factor values of A and B: quantiles of each parameter at uniforms from their own streams.
  std::vector<double> xA(N * kp), xB(N * kp);
  for (std::uint64_t j = 0; j < N; ++j) {
    Random ra(out.seed, j, stream_id("sobol/A"));
    Random rb(out.seed, j, stream_id("sobol/B"));
    for (std::size_t i = 0; i < kp; ++i) {
      const Parameter& p = params[factor_param[i]];
      auto draw = [&](Random& r) {
        double v = p.dist.quantile(r.uniform() + 0x1p-54);
        v = std::clamp(v, p.range.lo, p.range.hi);
        if (p.range.hi_open && v >= p.range.hi) v = std::nextafter(p.range.hi, p.range.lo);
        if (p.range.lo_open && v <= p.range.lo) v = std::nextafter(p.range.lo, p.range.hi);
        return v;
      };
      xA[j * kp + i] = draw(ra);
      xB[j * kp + i] = draw(rb);
    }
  }

  // Rows: matrix m (0 = A, 1 = B, 2 + i = A_B^i), base row j. Each row is one trial, a pure
  // function of its factor values and trial index, so the results are stored by row.
  const std::uint64_t rows = N * (k + 2);
  detail::SobolRows acc(*kind, y, base.threshold);
  detail::run_trials(SobolDesign(base, factor_param, xA, xB, N, out.seed), 0, rows, acc, opt);
  const std::vector<double>& f = acc.rows();

  auto slice = [&](std::uint64_t m) {
    return std::vector<double>(f.begin() + static_cast<std::ptrdiff_t>(m * N),
                               f.begin() + static_cast<std::ptrdiff_t>((m + 1) * N));
  };
  std::vector<std::vector<double>> fAB;
  for (std::size_t i = 0; i < k; ++i) fAB.push_back(slice(2 + i));
  const SobolIndices ix = sobol_indices(slice(0), slice(1), fAB, bootstrap, level, out.seed);
  out.mean = ix.mean;
  out.variance = ix.variance;
  for (std::size_t i = 0; i < k; ++i) {
    SobolFactor fac;
    if (i < kp) {
      fac.name = params[factor_param[i]].path;
      fac.given = params[factor_param[i]].dist.describe();
    } else {
      fac.name = "(luck)";
      fac.given = "every other draw of a trial";
    }
    fac.first = ix.first[i];
    fac.first_lo = ix.first_lo[i];
    fac.first_hi = ix.first_hi[i];
    fac.total = ix.total[i];
    fac.total_lo = ix.total_lo[i];
    fac.total_hi = ix.total_hi[i];
    out.factors.push_back(fac);
  }
  // Only indices told apart from zero are ranked, largest total first; the others follow in
  // declaration order, unranked; luck stays last.
  for (SobolFactor& fac : out.factors)
    fac.nonzero = bootstrap > 0 ? fac.total_lo > 0 : fac.total > 0;  // NaN compares false
  std::stable_sort(out.factors.begin(), out.factors.end() - 1, [](const SobolFactor& a, const SobolFactor& b) {
    if (a.nonzero != b.nonzero) return a.nonzero;
    return a.nonzero && a.total > b.total;
  });
  int rank = 0;
  bool meaningful = false;
  for (std::size_t i = 0; i + 1 < out.factors.size(); ++i) {
    SobolFactor& fac = out.factors[i];
    if (fac.nonzero) fac.rank = ++rank;
    meaningful = meaningful || (fac.nonzero && fac.total >= kSobolMeaningful);
  }
  out.factors.back().rank = 0;
  if (out.variance > 0 && !meaningful)
    out.note = fmt::format("No uncertain parameter explains a meaningful share (a total index of {:g} or more) of "
                           "the variance, (luck) holds {:.2f} of it, and constants are not factors: the tornado "
                           "(revsim sensitivity {} --stat {} --year {}) shows which constants matter.",
                           kSobolMeaningful, out.factors.back().total, [&] {
                             // The same overrides, so the tornado looks at the same scenario.
                             std::string cmd = path;
                             for (const std::string& set : sets) cmd += " --set '" + set + "'";
                             return cmd;
                           }(), stat, out.year);
  return out;
}

nlohmann::ordered_json to_json(const Sobol& s) {
  using J = nlohmann::ordered_json;
  // NaN (no variance) is written as null.
  auto num = [](double x) { return std::isnan(x) ? J(nullptr) : J(x); };
  J j;
  j["scenario"] = s.scenario;
  j["method"] = "sobol (Saltelli 2010 first-order, Jansen 1999 total, percentile bootstrap)";
  j["stat"] = s.stat;
  j["quantity"] = s.quantity;
  j["year"] = s.year;
  j["base_rows"] = s.base_rows;
  j["evaluations"] = s.evaluations;
  j["seed"] = s.seed;
  j["bootstrap"] = s.bootstrap;
  j["level"] = s.level;
  j["mean"] = s.mean;
  j["variance"] = s.variance;
  J f = J::array();
  for (const SobolFactor& x : s.factors)
    f.push_back({{"factor", x.name},
                 {"rank", x.rank > 0 ? J(x.rank) : J(nullptr)},
                 {"distinguishable_from_zero", x.nonzero},
                 {"given", x.given},
                 {"first", num(x.first)},
                 {"first_ci", {num(x.first_lo), num(x.first_hi)}},
                 {"total", num(x.total)},
                 {"total_ci", {num(x.total_lo), num(x.total_hi)}}});
  j["factors"] = f;
  j["within_trial"] = s.within_trial;
  j["note"] = s.note.empty() ? J(nullptr) : J(s.note);
  return j;
}

void write_table(std::ostream& os, const Sobol& s) {
  fmt::print(os, "revsim sensitivity --sobol — {}: {}\n", s.scenario, s.quantity);
  fmt::print(os,
             "Sobol indices (Saltelli 2010 first-order, Jansen 1999 total); N = {} base rows, {} trials, seed {}, {}.\n",
             s.base_rows, s.evaluations, s.seed,
             s.bootstrap > 0 ? fmt::format("{} bootstrap resamples, {:g} % intervals", s.bootstrap, 100 * s.level)
                             : std::string("no bootstrap (--bootstrap 0): no intervals"));
  fmt::print(os, "Mean {:.4g}, variance {:.4g}.\n\n", s.mean, s.variance);
  if (!(s.variance > 0)) {
    fmt::print(os, "The quantity does not vary across trials: there is no variance to apportion.\n");
    return;
  }
  auto ci = [](double lo, double hi) {
    return std::isnan(lo) ? std::string("") : fmt::format("[{:6.3f}, {:6.3f}]", lo, hi);
  };
  std::size_t w = 20;
  for (const SobolFactor& f : s.factors) w = std::max(w, f.name.size());
  fmt::print(os, "  {:>4}  {:<{}} {:>7} {:<18} {:>7} {:<18}  {}\n", "rank", "factor", w, "first", "", "total", "",
             "given");
  // The groups follow `nonzero` (the JSON's distinguishable_from_zero): the ranked factors, then
  // those not told apart from zero; (luck) is never ranked and comes last, under a line of its
  // own that says which it is, so that it is not read as one of the group above it.
  const char* zero_rule = s.bootstrap > 0 ? "the interval of the total index reaches 0" : "the total index is not above 0";
  for (std::size_t i = 0; i < s.factors.size(); ++i) {
    const SobolFactor& f = s.factors[i];
    const bool luck = i + 1 == s.factors.size();
    const bool after_zero_group = i > 0 && !s.factors[i - 1].nonzero;
    if (!luck && !f.nonzero && !after_zero_group)
      fmt::print(os, "        not told apart from zero ({}), unranked:\n", zero_rule);
    if (luck && (after_zero_group || !f.nonzero)) {
      if (f.nonzero) fmt::print(os, "        told apart from zero, unranked (not a parameter):\n");
      else fmt::print(os, "        not told apart from zero ({}), unranked (not a parameter):\n", zero_rule);
    }
    fmt::print(os, "  {:>4}  {:<{}} {:>7.3f} {:<18} {:>7.3f} {:<18}  {}\n", f.rank > 0 ? std::to_string(f.rank) : "",
               f.name, w, f.first, ci(f.first_lo, f.first_hi), f.total, ci(f.total_lo, f.total_hi), f.given);
  }
  fmt::print(os,
             "\nfirst: share of the variance explained by the factor alone; total: including its interactions. "
             "(luck) is every draw\nof a trial that is not a factor: events, the copula");
  if (!s.within_trial.empty()) {
    fmt::print(os, ", and these values drawn per project, ISV or release:\n");
    for (const std::string& p : s.within_trial) fmt::print(os, "  {}\n", p);
  } else {
    fmt::print(os, ".\n");
  }
  if (!s.note.empty()) fmt::print(os, "\n{}\n", s.note);
}

}  // namespace revsim
