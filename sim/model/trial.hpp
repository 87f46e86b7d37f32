// One trial of the model: the month loop that couples the four channels through the shared
// state of MODEL.md §3 (TCO advantage, software maturity, engineering capacity, cash).
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
  void draw_market();
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
  std::vector<double> monthly_;   ///< revenue by month (booked revenue before month 0 apart)
  std::vector<double> top_;       ///< [year * 5 + k]: the five largest customers of the year
  std::vector<double> isv_year_;  ///< [isv * years + year]
};

}  // namespace revsim::detail
