// The four channel processes (MODEL.md §4 with the conventions of §8). Each model draws its
// entities' values at the start of a trial (setup), reports its engineering load for a month
// (load), and then advances the month (step). Models are State: one per thread, reused.
#pragma once

#include "../model/trial_context.hpp"

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
  /// Accounts whose own chip has arrived by month m leave unless they are in production (§8).
  void drop(int m);
  double load(int m) const;
  void step(int m, TrialContext& ctx);

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
  };
  void deliver(Account& a, std::size_t idx, int m, TrialContext& ctx);

  const Prepared& P_;
  std::vector<Account> accounts_;
  std::vector<double> ramp_;  ///< every account's drawn ramp, back to back
};

/// Telecom operators (MODEL.md §4.2).
class CarrierModel {
 public:
  explicit CarrierModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  double load(int m) const;
  void step(int m, TrialContext& ctx);

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
  std::vector<double> awards_;  ///< [operator * years + year]: cards awarded, 0 if none
};

/// Government and large-enterprise projects (MODEL.md §4.3).
class GovernmentModel {
 public:
  explicit GovernmentModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  void step(int m, TrialContext& ctx);

 private:
  struct Project {
    Random rng;
    double arrival, value, p_slip, p_win, turnkey_p, cost_share, sub_share, delivery, advance_share;
    int max_slips, slips;
    double due;
  };
  struct Cost {
    double start, end, total;
  };
  /// Revenue recognised (a customer: one project, for concentration).
  struct Recognition {
    int month;
    double revenue;
  };
  void decide(std::size_t open_idx, double tau, int m, TrialContext& ctx);
  /// Draw the per-project keys of `src` from p.rng in a fixed order (§2); with `cycle` (an
  /// arrival), its sales cycle too, second, returned.
  static double draw_project(Project& p, const ProjectParams& src, const Dist* cycle = nullptr);

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
  double patience_ = 0, p_leave_ = 0, rehire_ = 0;
  std::vector<Project> projects_;     ///< every arrival of the Poisson process, in time order
  std::size_t next_arrival_ = 0;
  std::vector<std::size_t> open_;     ///< projects waiting for their decision
  double next_check_ = kNever;        ///< next sales-patience check
  double rehire_until_ = -1;          ///< no arrivals before this time
  std::vector<double> revenue_by_month_;  ///< recognised revenue of won projects
  std::vector<double> cash_by_month_;     ///< advances received (+) and settled at delivery (-)
  std::vector<Recognition> recognitions_; ///< every recognition within the horizon
  std::vector<Cost> costs_;           ///< turnkey integration cost, spread over delivery
  std::size_t named_ = 0;             ///< projects_[0, named_) are the named ones (§4.0)
};

/// ISVs (MODEL.md §4.4).
class IsvModel {
 public:
  explicit IsvModel(const Prepared& p) : P_(p) {}
  void setup(TrialContext& ctx);
  double load(int m);
  void step(int m, TrialContext& ctx);

 private:
  struct Isv {
    Random rng;
    std::size_t industry;
    double engage_at, price_factor, migration_m, p_migrate, reuse, bonus, orders_per_year, cards_per_order,
        growth, large_cards;
    bool large;
    bool reused;
    Phase phase;
    double remaining;
    double live_at;
  };
  /// An ISV that went live at v.live_at: its whole volume from max(0, live_at) to the horizon
  /// into revenue_by_month_ (orders before month 0 are not booked: §4.0).
  void go_live(Isv& v, std::uint32_t id, const TrialContext& ctx);
  /// Per-ISV values of `src`, drawn from v.rng in a fixed order.
  static void draw_isv(Isv& v, const IsvParams& src);
  /// An ISV of industry `ind` with its own stream and values, engaged at `engage_at`; its face
  /// value (§8) counted from `face_from` at its order (or large) volume, without growth.
  Isv make_isv(TrialContext& ctx, std::size_t ind, std::uint64_t stream, double engage_at, double face_from) const;
  /// The k-th scheduled engagement at first_month + k x 12 / engagements_per_year (§4.4).
  void schedule(TrialContext& ctx, Random& sched, double first, double per_year, double total);

 public:
  /// Each ISV's revenue booked up to month `last` (inclusive), by fiscal year: f(isv, year, amount).
  template <class F>
  void customers(int last, const TrialContext& ctx, F&& f) const {
    for (const Order& o : orders_)
      if (o.month <= last) f(o.isv, ctx.year_of(o.month), o.amount);
  }
  std::size_t isv_count() const noexcept { return isvs_.size() + live_.size(); }

 private:
  struct Order {
    std::uint32_t isv;
    int month;
    double amount;
  };
  std::vector<Order> orders_;  ///< every order (or a large ISV's month) within the horizon
  std::vector<Isv> live_;      ///< ISVs already live at month 0 (§4.0)

  const Prepared& P_;
  std::vector<Isv> isvs_;
  std::vector<std::uint32_t> active_;     ///< ISVs waiting or migrating, in start order
  std::vector<double> revenue_by_month_;  ///< live ISVs' orders, booked in their months
  std::size_t engaged_ = 0;   ///< ISVs whose engagement starts before the month's end (isvs_ is in start order)
  std::size_t finished_ = 0;  ///< ISVs whose migration ended (failed or live)
  std::vector<int> first_success_;  ///< per industry: month of the first successful migration, kNoSuccess
                                    ///< if none yet, -1 for an industry with ISVs live at month 0
  static constexpr int kNoSuccess = std::numeric_limits<int>::max();
  static constexpr std::size_t kMaxOrdersPerIsv = 1'000'000;
  std::vector<double> unengaged_;   ///< per industry, while scheduling
};

}  // namespace revsim::detail
