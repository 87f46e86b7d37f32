// The four channel processes (MODEL.md §4 with the conventions of §8). Each model draws its
// entities' values at the start of a trial (setup). The engagement processes (internet
// evaluation and NPI, carrier evaluation, ISV migration) are advanced month by month by the
// trial's engagement stage, only while one is pending (load, advance); everything else —
// grey releases, production, procurements, government projects, orders — is computed in one
// pass per entity into the trial's per-month arrays (finish). Models are State: one per
// thread, reused.
#pragma once

#include "../model/trial_context.hpp"

#include <array>
#include <limits>
#include <vector>

namespace revsim::detail {

inline constexpr double kNever = std::numeric_limits<double>::infinity();

/// Where an entity stands in its path to volume.
enum class Phase { waiting, evaluation, npi, grey, production, listed, migrating, live, done };

/// Internet and cloud accounts (MODEL.md §4.1).
class InternetModel {
 public:
  explicit InternetModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  /// Accounts in evaluation, NPI or waiting for their start (the engagement stage's part).
  bool pending() const noexcept { return !pending_.empty(); }
  /// Earliest month in which a pending account does anything (starts, is dropped, progresses).
  int next_active(int m) const noexcept;
  /// Accounts whose own chip has arrived by month m leave unless they are in production (§8).
  void drop(int m);
  double load(int m) const;
  void advance(int m, TrialContext& ctx);
  /// Grey releases, production decisions and deliveries, in account order.
  void finish(TrialContext& ctx);

 private:
  struct Account {
    Random rng;
    double price_factor, start, eval_m, p_eval, npi_m, p_npi, grey_cards, p_grey_paid, grey_m, p_stable, hurdle;
    double base_volume;  ///< annual_cards x domestic_share x vendor_share
    double chip_time, residual;
    double export_ratio;  ///< min(1, domestic_share x factor) / domestic_share after export controls
    std::size_t ramp_begin, ramp_len;
    Phase phase;
    double remaining;   ///< engagement work left, in months at full speed
    double grey_end, prod_start;
    int prod_year;      ///< production year whose TCO check has been passed
    int grey_month;     ///< month the grey release began in the engagement stage, -1 if none
    bool grey_paid;
  };
  /// Deliveries of month m; false when the account stops (a failed TCO re-check).
  void deliver(Account& a, std::size_t idx, int m, TrialContext& ctx);

  const Prepared& P_;
  std::vector<Account> accounts_;
  std::vector<std::uint32_t> pending_;  ///< accounts waiting, in evaluation or in NPI
  std::vector<double> ramp_;  ///< every account's drawn ramp, back to back
};

/// Telecom operators (MODEL.md §4.2).
class CarrierModel {
 public:
  explicit CarrierModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  bool pending() const noexcept { return !pending_.empty(); }
  int next_active(int m) const noexcept;
  double load(int m) const;
  void advance(int m, TrialContext& ctx);
  /// Procurements and deliveries, in operator order.
  void finish(TrialContext& ctx);

 private:
  struct Operator {
    Random rng;
    double price_factor, start, eval_m, p_eval, p_list, annual, procurement, p_award, share, hurdle, delivery;
    Phase phase;
    double remaining;
    double listed_at;
  };
  const Prepared& P_;
  std::vector<Operator> ops_;
  std::vector<std::uint32_t> pending_;  ///< operators waiting or in evaluation
  std::vector<double> awards_;  ///< [year]: cards awarded to the operator being finished, 0 if none
};

/// Government and large-enterprise projects (MODEL.md §4.3).
///
/// setup() draws every arrival (a Poisson count over [first_month, H), each project placed
/// uniformly by its own stream) and every named project up to its final due time (the slips
/// are one uniform), and keeps only the projects decided before the horizon; finish() decides
/// them in due order, with the sales team's patience checks interleaved when the team may leave.
/// A project's keys are drawn lazily, when its path first needs them (docs/model.md, "Random
/// streams").
class GovernmentModel {
 public:
  explicit GovernmentModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  /// Every decision due before the horizon, in due order, with the patience checks between them.
  void finish(TrialContext& ctx);

  /// The number of slips of a project whose first due time falls before the horizon, from one
  /// uniform u: #{j = 1 .. max_slips : u < p_slip^j}, so P(at least j slips) = p_slip^j, as
  /// max_slips independent draws each slipping with p_slip until the first that does not.
  static int slips_of(double u, double p_slip, int max_slips) noexcept {
    int k = 0;
    double q = p_slip;
    while (k < max_slips && u < q) {
      ++k;
      q *= p_slip;
    }
    return k;
  }

 private:
  struct Project {
    Random rng;
    double arrival, due, value;
    /// Named projects: every key drawn at setup (they are per-trial inputs); arrivals: drawn
    /// at the decision (lazy), and these fields unused.
    double p_win, turnkey_p, cost_share, sub_share, delivery, advance_share;
    bool named;
  };
  struct Cost {
    double start, end, total;
  };
  /// Revenue recognised (a customer: one project, for concentration).
  struct Recognition {
    int month;
    double revenue;
  };
  /// Decide project p at its due time; true when won.
  bool decide(Project& p, TrialContext& ctx);
  /// Draw the slips of the last project (due before the horizon) and keep it only when its
  /// final due time is still before the horizon.
  void schedule(double p_slip, int max_slips);
  void add_cost(const Cost& c, TrialContext& ctx) const;

 public:
  /// Each project's revenue booked up to month `last` (inclusive), by fiscal year: f(year, amount).
  template <class F>
  void customers(int last, const TrialContext& ctx, F&& f) const {
    for (const Recognition& r : recognitions_)
      if (r.month <= last) f(ctx.year_of(r.month), r.revenue);
  }

 private:
  const Prepared& P_;
  Random rng_;  ///< trial-level draws: sales leaving
  double patience_ = 0, p_leave_ = 0, rehire_ = 0, first_ = 0;
  std::vector<Project> projects_;     ///< the projects decided before the horizon (named first)
  std::vector<std::uint32_t> order_;  ///< projects_ by due time (ties: index), when the team may leave
  std::vector<double> leaves_;        ///< times the sales team left, in order
  std::vector<Recognition> recognitions_; ///< every recognition within the horizon
};

/// The Poisson(mean) CDF of one full live year's mean, shared by every ISV with the same order
/// rate: cdf[k] is the partial sum Random::poisson_inversion reaches after k steps, summed in
/// the same order, so looking u up in it gives the very variate the sequential search gives
/// (byte-identical); guide[j] is the smallest k with cdf[k] >= j / kGuide (a start for the scan).
struct PoissonTable {
  /// Set mean and exp_neg (= std::exp(-mean)), then build().
  static constexpr int kTerms = 64;
  static constexpr int kGuide = 32;
  double mean = -1, exp_neg = 0;
  int uses = 0;           ///< lookups since the mean was set; the table is built at the second
  int n = 0;              ///< cdf[0, n) filled (0: not built)
  double p_last = 0;      ///< the term of cdf[n - 1], to continue the search past the table
  std::array<double, kTerms> cdf{};
  std::array<std::uint8_t, kGuide + 1> guide{};
  void build();
  std::uint64_t draw(Random& rng) const noexcept;
};

/// ISVs (MODEL.md §4.4).
class IsvModel {
 public:
  explicit IsvModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  bool pending() const noexcept { return !active_.empty() || started_ < isvs_.size(); }
  int next_active(int m) const noexcept;
  double load(int m);
  void advance(int m, TrialContext& ctx);

 private:
  struct Isv {
    /// Every member set here or by draw_isv: no zeroing of the record first (a `rep stos` of
    /// 144 bytes per ISV was ~2 % of a reference trial).
    Isv(const Random& r, std::size_t ind, double engage) noexcept : rng(r), industry(ind), engage_at(engage) {}
    Random rng;
    std::size_t industry;
    double engage_at, price_factor, migration_m, p_migrate, reuse, bonus, orders_per_year, cards_per_order,
        growth, large_cards;
    bool large;
    bool reused = false;
    Phase phase = Phase::waiting;
    double remaining = 0;
    double live_at = 0;
  };
  /// An ISV that went live at v.live_at: its whole volume from max(0, live_at) to the horizon
  /// into the trial's ISV revenue by month (orders before month 0 are not booked: §4.0).
  void go_live(Isv& v, std::uint32_t id, TrialContext& ctx);
  /// Per-ISV values of `src`, drawn from v.rng in a fixed order.
  static void draw_isv(Isv& v, const IsvParams& src);
  /// An ISV of industry `ind` with its own stream and values, engaged at `engage_at`; its face
  /// value (§8) counted from `face_from` at its order (or large) volume, without growth.
  /// Appended to `into`, which it returns the reference of.
  Isv& make_isv(std::vector<Isv>& into, TrialContext& ctx, std::size_t ind, std::uint64_t stream, double engage_at,
                double face_from) const;
  /// The k-th scheduled engagement at first_month + k x 12 / engagements_per_year (§4.4).
  void schedule(TrialContext& ctx, Random& sched, double first, double per_year, double total);

 public:
  /// Each ISV's revenue booked up to month `last` (inclusive), by fiscal year: f(isv, year, amount).
  template <class F>
  void customers(int last, const TrialContext& ctx, F&& f) const {
    for (std::size_t k = 0; k < n_orders_; ++k) {
      const Order& o = orders_[k];
      if (o.month <= last) f(o.isv, ctx.year_of(o.month), o.amount);
    }
  }
  /// Each ISV's revenue by fiscal year over the whole horizon, in the order the ISVs went live
  /// (ISVs with no order too): f(sums of years 0 .. Y - 1). With no failure (last = H - 1) this
  /// is what customers() adds up, in the same order, without revisiting every order.
  template <class F>
  void customer_years(F&& f) const {
    const auto Y = static_cast<std::size_t>(P_.Y);
    for (std::size_t k = 0; k + Y <= isv_sums_.size(); k += Y) f(isv_sums_.data() + k);
  }
  std::size_t isv_count() const noexcept { return isvs_.size() + live_.size(); }

 private:
  struct Order {
    std::uint32_t isv;
    int month;
    double amount;
  };
  /// Every order (or a large ISV's month) within the horizon: orders_[0, n_orders_). The vector
  /// only grows (its size is the capacity in use), so the trial loop does not allocate.
  std::vector<Order> orders_;
  std::size_t n_orders_ = 0;
  /// n fresh order records at the end (written by the caller).
  Order* order_slots(std::size_t n) {
    if (n_orders_ + n > orders_.size()) orders_.resize(std::max(2 * orders_.size(), n_orders_ + n + 64));
    Order* o = orders_.data() + n_orders_;
    n_orders_ += n;
    return o;
  }
  std::vector<double> isv_sums_;  ///< [k * Y + year]: revenue of the k-th ISV gone live, by fiscal year
  std::vector<Isv> live_;      ///< ISVs already live at month 0 (§4.0)

  const Prepared& P_;
  std::vector<Isv> isvs_;
  std::vector<std::uint32_t> active_;     ///< ISVs migrating, in start order
  std::size_t started_ = 0;   ///< isvs_[0, started_) have started (isvs_ is in start order)
  std::size_t engaged_ = 0;   ///< ISVs whose engagement starts before the month's end (isvs_ is in start order)
  std::size_t finished_ = 0;  ///< ISVs whose migration ended (failed or live)
  std::vector<int> first_success_;  ///< per industry: month of the first successful migration, kNoSuccess
                                    ///< if none yet, -1 for an industry with ISVs live at month 0
  static constexpr int kNoSuccess = std::numeric_limits<int>::max();
  static constexpr std::size_t kMaxOrdersPerIsv = 1'000'000;
  std::vector<double> unengaged_;   ///< per industry, while scheduling
  std::vector<std::size_t> engaged_in_;  ///< per industry, while scheduling
  std::array<PoissonTable, 8> poisson_tables_{};  ///< by year live: the last full year's mean seen
};

}  // namespace revsim::detail
