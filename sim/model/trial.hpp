// One trial of the model: the engagement stage that couples the channels through the shared
// state of MODEL.md §3 (engineering load, progress rate, software maturity), then every other
// process in one pass per entity, then cash and failure in one pass over the months.
#pragma once

#include "../channels/channel_models.hpp"
#include "trial_context.hpp"

namespace revsim::detail {

class TrialSimulator {
 public:
  explicit TrialSimulator(const Prepared& p);
  /// Simulate trial `trial` of `seed` into `out` (resized and cleared here).
  void run(std::uint64_t seed, std::uint64_t trial, TrialOutcome& out, TrialTrace* trace = nullptr);

 private:
  void draw_market(bool need_a);
  void engagement_stage(TrialTrace* trace);
  const Prepared& P_;
  TrialContext ctx_;
  InternetModel internet_;
  CarrierModel carriers_;
  GovernmentModel government_;
  IsvModel isv_;
  std::vector<double> own_log_;     ///< log of own perf gains taking effect by month
  std::vector<double> nvidia_log_;  ///< log of Nvidia's gains taking effect by month
  /// A fund-raise of this trial, decided in its month (§3): u < p, or p_traction with traction.
  struct PendingRaise {
    int month;
    double amount, p, revenue_12m, p_traction, u;
    bool traction;
  };
  void concentration(TrialOutcome& out);
  std::vector<PendingRaise> raises_;
  double capacity_ = 0;  ///< company.poc_capacity of this trial
  std::vector<double> monthly_;   ///< revenue by month (booked revenue before month 0 apart)
  std::vector<double> top_;       ///< [year * 5 + k]: the five largest customers of the year
  std::vector<double> isv_year_;  ///< [year]: one ISV's revenue, for concentration
  std::vector<double> rate_;      ///< [month]: progress rate, kept only for a trace
};

}  // namespace revsim::detail
