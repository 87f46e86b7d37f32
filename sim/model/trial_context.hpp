// Shared state of one trial (MODEL.md §3), seen by the four channel models.
// Params (Prepared: immutable, shared by every thread) are kept apart from State (TrialContext:
// owned by one trial at a time, reused between trials so that the trial loop does not allocate).
#pragma once

#include "revsim/trial_outcome.hpp"
#include "revsim/rng.hpp"
#include "revsim/scenario.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <limits>
#include <vector>

namespace revsim::detail {

/// Stream ids of the trial-level draws (docs/model.md, "Streams").
namespace streams {
inline constexpr std::uint64_t company = stream_id("company");
inline constexpr std::uint64_t product = stream_id("product");
inline constexpr std::uint64_t software = stream_id("software");
inline constexpr std::uint64_t nvidia = stream_id("market/nvidia");
inline constexpr std::uint64_t copula = stream_id("market/copula");
inline constexpr std::uint64_t raises = stream_id("company/raises");
inline constexpr std::uint64_t government = stream_id("government");
inline constexpr std::uint64_t government_arrivals = stream_id("government/arrivals");
inline constexpr std::uint64_t government_project = stream_id("government/project");
inline constexpr std::uint64_t isv_schedule = stream_id("isv/schedule");
inline constexpr std::uint64_t export_controls = stream_id("market/export_controls");
}  // namespace streams

/// Immutable, pre-computed view of a scenario.
struct Prepared {
  explicit Prepared(const Scenario& scenario);

  const Scenario& s;
  int H;  ///< horizon in months
  int Y;  ///< fiscal years
  Eigen::Matrix4d chol;  ///< lower Cholesky factor of market.channel_correlation
  std::array<double, kChannels> sqrt_rho{};
  std::array<double, kChannels> sqrt_1m_rho{};
  std::array<double, kChannels> elasticity{};
  std::vector<std::uint64_t> internet_ids;  ///< stream per account, keyed by name
  std::vector<std::uint64_t> carrier_ids;   ///< stream per operator, keyed by name
  std::vector<std::uint64_t> industry_ids;  ///< base stream per industry, keyed by name
  std::vector<std::uint64_t> live_ids;       ///< per industry: base of its ISVs live at month 0 (§4.0)
  std::vector<std::uint64_t> migrating_ids;  ///< per industry: base of its migrations under way at month 0
  std::vector<std::uint64_t> named_project_ids;  ///< stream per named government project (§4.0)
  std::vector<std::uint64_t> backlog_ids;        ///< stream per backlog contract (§4.0)
  /// The streams of the first arriving government projects, by arrival index (the rest are
  /// derived when they arrive): stream_id(streams::government_project, index).
  std::vector<std::uint64_t> project_ids;
  std::vector<int> year_of_month;  ///< [month]: fiscal-year index (calendar start, §1)
  /// Entities of the face-value pipeline: named accounts, then "government projects", then
  /// each ISV industry ("ISVs: <name>"), each named project and backlog contract, then "booked".
  std::vector<std::string> entity_names;
  std::size_t government_entity = 0;
  std::size_t isv_entity(std::size_t industry) const noexcept { return government_entity + 1 + industry; }
  std::size_t named_project_entity(std::size_t k) const noexcept {
    return isv_entity(industry_ids.size()) + k;
  }
  std::size_t backlog_entity(std::size_t k) const noexcept { return named_project_entity(named_project_ids.size()) + k; }
  std::size_t booked_entity() const noexcept { return entity_names.size() - 1; }
  std::size_t n_accounts() const noexcept { return internet_ids.size() + carrier_ids.size(); }
  int year_of(int month) const noexcept { return year_of_month[static_cast<std::size_t>(month)]; }

  /// Record, per trial, the value drawn for every uncertain per-trial key and the cash at each
  /// fiscal year end (TrialOutcome::inputs, ::cash): --samples. Off by default, so other runs
  /// pay one predictable branch per draw and nothing else.
  void record_inputs();
  bool record = false;
  std::vector<std::string> input_names;  ///< [input]: key paths as list_parameters names them
  /// (address of the key's Dist in s, its input index), sorted by address.
  std::vector<std::pair<const Dist*, std::uint32_t>> input_slots;
};

/// Mutable state of the trial being simulated.
///
/// A trial runs in two stages (docs/performance.md): the coupled engagement processes month by
/// month while any engagement is pending (they set the load, the rate and so the maturity path),
/// then every other process in closed form into per-month arrays, then cash in one pass. M(m) is
/// kept as a path over months, extended lazily with the same additions the month loop made.
class TrialContext {
 public:
  explicit TrialContext(const Prepared& p)
      : P(p), memo_(static_cast<std::size_t>(p.H) * static_cast<std::size_t>(kChannels)) {}

  const Prepared& P;
  std::uint64_t seed = 0;
  std::uint64_t trial = 0;

  // Drawn once per trial.
  double card_price = 0;
  double hardcode_p = 0;
  double M0 = 1;  ///< software maturity at month 0: the values of the scenario mean "today" (§3, v2)
  /// Export controls (§3, v2): the time they take effect (kNever when they do not come in this
  /// trial) and the factor on every internet account's domestic share from then on.
  double export_time = std::numeric_limits<double>::infinity();
  double domestic_share_factor = 1;
  std::vector<double> A;  ///< TCO advantage by month (§3, step function §8); empty when no channel reads it
  /// Copula latent vector by fiscal year, drawn when a success event first reads that year
  /// (z_have bit y), from the stream market/copula + calendar year.
  std::vector<std::array<double, kChannels>> Z;
  std::uint32_t z_have = 0;
  const std::array<double, kChannels>& z_of(int y) {
    const auto yi = static_cast<std::size_t>(y);
    if ((z_have >> static_cast<unsigned>(y) & 1U) == 0) {
      z_have |= 1U << static_cast<unsigned>(y);
      Random cop = stream(stream_id(streams::copula, static_cast<std::uint64_t>(P.s.start_year + y)));
      Eigen::Vector4d e;
      for (int c = 0; c < kChannels; ++c) e[c] = cop.normal();
      const Eigen::Vector4d x = P.chol * e;
      for (int c = 0; c < kChannels; ++c) Z[yi][static_cast<std::size_t>(c)] = x[c];
    }
    return Z[yi];
  }

  // ---- Maturity path (§3): M(m) for m = 0 .. computed so far -------------------------------
  double growth = 0, boost = 0, penalty = 0;
  int branches = 0;  ///< customer branches left so far (up to the last month of the path)
  void start_maturity(double m0) {
    M0 = m0;
    Mpath.clear();
    Mpath.push_back(m0);
    branches = 0;
    for (auto& c : mf_M_) c = -1;
  }
  /// M for month m + 1 from M(m), with the month's new branches and ISV successes (§3).
  void close_month(int branched, int successes) {
    branches += branched;
    const double M = Mpath.back();
    Mpath.push_back(std::min(1.0, M + growth / 12.0 * std::max(0.0, 1.0 - penalty * branches) + boost * successes));
  }
  /// M of month m (the path is extended with no new branches and no ISV successes).
  double M_at(int m) {
    if (static_cast<int>(Mpath.size()) <= m) extend_maturity(m);
    return Mpath[static_cast<std::size_t>(m)];
  }
  /// close_month(0, 0) up to month m: the increment is the same every month (no new branches),
  /// and (M + inc) + boost x 0 is M + inc exactly (M, inc >= 0).
  void extend_maturity(int m) {
    const double inc = growth / 12.0 * std::max(0.0, 1.0 - penalty * branches);
    std::size_t k = Mpath.size();
    double M = Mpath.back();
    Mpath.resize(static_cast<std::size_t>(m) + 1);
    // Each step is a function of the M before it and inc only: where this path has the value
    // of the path kept from an earlier trial (built the same way from the same M(0) and inc),
    // it goes on as that one did (a scenario whose maturity does not vary between trials
    // extends the same path every trial).
    if (inc == tmpl_inc_ && Mpath.size() <= tmpl_.size() && M == tmpl_[k - 1]) {
      std::copy(tmpl_.begin() + static_cast<std::ptrdiff_t>(k), tmpl_.begin() + static_cast<std::ptrdiff_t>(Mpath.size()),
                Mpath.begin() + static_cast<std::ptrdiff_t>(k));
      return;
    }
    // Keep this trial's path from month 0 when a miss of an earlier trial had the same M(0) and
    // inc (a maturity drawn anew each trial never repeats: no path is built then).
    if (Mpath[0] == cand_m0_ && inc == cand_inc_ && cand_trial_ != trial && !(Mpath[0] == tmpl_m0_ && inc == tmpl_inc_))
      build_template(inc);
    cand_m0_ = Mpath[0];
    cand_inc_ = inc;
    cand_trial_ = trial;
    extend_steps(Mpath, k, M, inc);
  }
  std::vector<double> Mpath;

 private:
  /// The steps of extend_maturity from v[k - 1] = M to the end of v.
  static void extend_steps(std::vector<double>& v, std::size_t k, double M, double inc) noexcept {
    for (; k < v.size() && M < 1.0; ++k) v[k] = M = std::min(1.0, M + inc);
    for (; k < v.size(); ++k) v[k] = M;  // capped at 1 (or not growing): stays
  }
  /// The path extend_maturity makes from M(0) = Mpath[0] with increment inc, months 0 .. H.
  void build_template(double inc) {
    tmpl_.assign(static_cast<std::size_t>(P.H) + 1, 0.0);
    tmpl_[0] = Mpath[0];
    extend_steps(tmpl_, 1, Mpath[0], inc);
    tmpl_m0_ = Mpath[0];
    tmpl_inc_ = inc;
  }
  std::vector<double> tmpl_;  ///< a maturity path kept across trials (empty: none yet)
  double tmpl_m0_ = std::numeric_limits<double>::quiet_NaN(), tmpl_inc_ = std::numeric_limits<double>::quiet_NaN();
  double cand_m0_ = std::numeric_limits<double>::quiet_NaN(), cand_inc_ = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t cand_trial_ = 0;

 public:

  /// (M(m) / M0)^e of a channel, cached on the last M seen (pow is costly), and across trials
  /// per (channel, month) on the (M, M0) it was computed from: the same pow of the same values.
  double maturity_factor(std::size_t ci, int m) {
    const double M = M_at(m);
    if (M != mf_M_[ci]) {
      mf_M_[ci] = M;
      // Values mean today (v2): (M / M0)^e, 1 at month 0 whatever M0.
      mf_[ci] = M == M0 ? 1.0 : factor_memo(ci, m, M);
    }
    return mf_[ci];
  }
  double factor_memo(std::size_t ci, int m, double M) {
    if (m < 0 || m >= P.H) return std::pow(M / M0, P.elasticity[ci]);
    Memo& e = memo_[ci * static_cast<std::size_t>(P.H) + static_cast<std::size_t>(m)];
    if (e.M != M || e.M0 != M0) e = {M, M0, std::pow(M / M0, P.elasticity[ci])};
    return e.f;
  }

  // ---- The month being advanced by the engagement stage ------------------------------------
  double rate = 1;   ///< engagement progress rate min(1, C / L)
  bool overloaded = false;  ///< L > C
  int new_branches = 0;     ///< customer branches left this month
  int isv_successes = 0;    ///< ISV migrations completed this month

  // ---- Per-month outputs of the processes -----------------------------------------------
  std::vector<double> rev;      ///< [channel * H + month]: revenue booked, entities in model order
  std::vector<double> turnkey;  ///< [month]: turnkey integration cost paid
  std::vector<double> adjust;   ///< [month]: cash beyond revenue x margin (advances, §4.3)
  /// Named accounts' revenue in generation order (time order per account), truncated at the
  /// failure month when the outcome is written.
  struct AccountEntry {
    std::uint32_t idx;
    int month;
    double amount;
    bool delivery;  ///< paid volume (production or award), not grey
  };
  std::vector<AccountEntry> account_entries;

  TrialOutcome* out = nullptr;

 private:
  std::array<double, kChannels> mf_{};
  std::array<double, kChannels> mf_M_{-1, -1, -1, -1};
  struct Memo {
    double M = std::numeric_limits<double>::quiet_NaN(), M0 = std::numeric_limits<double>::quiet_NaN(), f = 0;
  };
  std::vector<Memo> memo_;  ///< [channel * H + month]: the last factor computed there

 public:
  /// Random(seed, trial, id), with the (seed, trial) part of the key computed once per trial.
  Random stream(std::uint64_t id) const noexcept { return Random::from_key(Random::key(key_prefix, id)); }
  std::uint64_t key_prefix = 0;  ///< Random::trial_prefix(seed, trial), set with seed and trial
  /// d.sample(rng); when the run records its inputs and d is an uncertain per-trial key of the
  /// scenario, the value is kept in out->inputs (draws of other keys, per project or per ISV,
  /// are not inputs and are ignored).
  double draw(const Dist& d, Random& rng) {
    const double v = d.sample(rng);
    if (P.record) [[unlikely]]
      note_input(d, v);
    return v;
  }
  void note_input(const Dist& d, double v) {
    const auto it = std::lower_bound(P.input_slots.begin(), P.input_slots.end(), &d,
                                     [](const auto& slot, const Dist* key) { return std::less<>()(slot.first, key); });
    if (it != P.input_slots.end() && it->first == &d) out->inputs[it->second] = v;
  }
  int year_of(int month) const noexcept { return P.year_of(month); }

  /// A success event of channel c in month m (§3 copula): succeeds when
  /// Phi(sqrt(rho) Z_c + sqrt(1 - rho) eps) < min(1, p x (M(m) / M0)^e). eps comes from the entity's stream
  /// and is always drawn, so a stream's position never depends on p.
  bool success(Channel c, double p_full, int m, Random& rng) {
    const auto ci = static_cast<std::size_t>(c);
    const double p = p_full * maturity_factor(ci, m);
    const double eps = rng.normal();
    if (p >= 1.0) return true;  // Phi(x) rounds to 1 for x > 8.3: a sure event must not fail
    if (p <= 0.0) return false;
    // With rho = 0 the latent term is 0 x Z = 0 exactly: Z is not needed.
    const double x = P.sqrt_rho[ci] == 0.0
                         ? P.sqrt_1m_rho[ci] * eps
                         : P.sqrt_rho[ci] * z_of(year_of(m))[ci] + P.sqrt_1m_rho[ci] * eps;
    return normal_cdf(x) < p;
  }

  /// A success event as success(), drawn by one uniform when the channel's luck is not
  /// correlated (rho = 0): Phi(eps) < p with eps ~ N(0, 1) is u < p with u = Phi(eps) uniform,
  /// so u < min(1, p x (M(m) / M0)^e) with u drawn fresh decides it exactly in distribution
  /// (neither normal nor erfc). With rho > 0, success() itself (its eps drawn).
  bool success_uniform(Channel c, double p_full, int m, Random& rng) {
    const auto ci = static_cast<std::size_t>(c);
    if (P.sqrt_rho[ci] != 0.0) return success(c, p_full, m, rng);
    const double p = p_full * maturity_factor(ci, m);
    return rng.uniform() < p;  // u in [0, 1): p >= 1 always succeeds, p <= 0 never
  }

  /// An engagement phase ended this month: with L > C it leaves a customer branch (§3, §8).
  void phase_finished(Random& rng) {
    if (overloaded && rng.bernoulli(hardcode_p)) ++new_branches;
  }

  /// Duration of an engagement phase starting in month m, d as estimated today: d x (M0 / M)^e (§3, §8).
  double scaled_duration(Channel c, double d, int m) {
    const double f = maturity_factor(static_cast<std::size_t>(c), m);
    return f > 0 ? d / f : 1e300;
  }

  void book(Channel c, int m, double amount) {
    booked |= 1U << static_cast<unsigned>(c);
    rev[static_cast<std::size_t>(c) * static_cast<std::size_t>(P.H) + static_cast<std::size_t>(m)] += amount;
  }
  /// Bit c: channel c's row of rev may hold revenue this trial (booked here, or the ISV row,
  /// which the ISV model writes directly, when ISVs are present); the other rows are all +0.0.
  unsigned booked = 0;

  /// Record paid volume for named account `idx` in month m.
  void account_delivery(std::size_t idx, int m, double amount) {
    account_entries.push_back({static_cast<std::uint32_t>(idx), m, amount, true});
  }
  /// Revenue of named account `idx` in month m (a customer, for concentration).
  void account_revenue(std::size_t idx, int m, double amount) {
    account_entries.push_back({static_cast<std::uint32_t>(idx), m, amount, false});
  }
  std::vector<double> account_year;  ///< [account * years + year]: revenue booked, for concentration

  /// Face value (§8) of `entity`: per_month over [t0, t1) by fiscal year, clipped to the horizon.
  void add_face_value(std::size_t entity, double t0, double t1, double per_month) {
    t0 = std::max(t0, 0.0);
    t1 = std::min(t1, static_cast<double>(P.H));
    for (int y = 0; y < P.Y && t0 < t1; ++y) {
      const double a = std::max(t0, static_cast<double>(P.s.year_begin(y)));
      const double b = std::min(t1, static_cast<double>(P.s.year_end(y)));
      if (b > a) add_face_value_in_year(entity, y, per_month * (b - a));
    }
  }
  void add_face_value_in_year(std::size_t entity, int year, double amount) {
    const auto y = static_cast<std::size_t>(year);
    out->entity_face[entity * static_cast<std::size_t>(P.Y) + y] += amount;
  }
};

/// Advance an engagement phase from time t to month_end at progress rate `rate` (§3:
/// min(1, C / L)). `remaining` is its work in months at full speed. Returns true, with t set
/// to the finish time, when the phase ends before month_end; a phase with no work left ends at
/// t. A phase whose work ends exactly at month_end ends in the next month (an event at time t
/// happens in month floor(t), §8).
inline bool advance_engagement(double& remaining, double& t, double month_end, double rate) noexcept {
  if (remaining > 0) {
    const double capacity = (month_end - t) * rate;
    if (remaining >= capacity) {
      remaining -= capacity;
      return false;
    }
    t += remaining / rate;  // rate > 0 here: 0 < remaining < capacity
    remaining = 0;
  }
  return true;
}

/// Length of [a, b) within month m.
inline double overlap_month(double a, double b, int m) noexcept {
  const double lo = std::max(a, static_cast<double>(m));
  const double hi = std::min(b, static_cast<double>(m) + 1.0);
  return hi > lo ? hi - lo : 0.0;
}

}  // namespace revsim::detail
