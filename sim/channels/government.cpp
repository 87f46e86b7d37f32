// Government and large-enterprise projects: Poisson arrivals, slips, wins, turnkey or
// subcontract, and the sales team's patience (MODEL.md §4.3, §8).
#include "channel_models.hpp"

#include <algorithm>
#include <cmath>

namespace revsim::detail {

void GovernmentModel::setup(TrialContext& ctx) {
  const GovernmentChannel& g = P_.s.channels.government;
  projects_.clear();
  open_.clear();
  costs_.clear();
  revenue_by_month_.assign(static_cast<std::size_t>(P_.H), 0.0);
  next_arrival_ = 0;
  next_check_ = kNever;
  rehire_until_ = -1;
  if (!g.present) return;
  // Drawn once per trial (§8).
  rng_ = ctx.stream(streams::government);
  const double rate = g.projects_per_year.sample(rng_);
  const double first = g.first_month.sample(rng_);
  patience_ = g.sales_patience_months.sample(rng_);
  p_leave_ = g.p_sales_leave.sample(rng_);
  rehire_ = g.rehire_months.sample(rng_);
  next_check_ = first + patience_;
  // Every arrival of the Poisson process over the horizon, each project with its own stream
  // keyed by its arrival index; arrivals while the team is gone are skipped in step().
  if (rate <= 0) return;
  Random arrivals = ctx.stream(streams::government_arrivals);
  const double mean_gap = 12.0 / rate;
  for (double t = first + arrivals.exponential(mean_gap); t < P_.H; t += arrivals.exponential(mean_gap)) {
    Project p{};
    p.rng = ctx.stream(stream_id(streams::government_project, projects_.size()));
    Random& r = p.rng;
    p.arrival = t;
    p.value = g.value.sample(r);
    const double cycle = g.sales_cycle_months.sample(r);
    p.p_slip = g.p_slip.sample(r);
    p.max_slips = static_cast<int>(std::floor(g.max_slips.sample(r)));
    p.p_win = g.p_win.sample(r);
    p.turnkey_p = g.turnkey_p.sample(r);
    p.cost_share = g.turnkey_cost_share.sample(r);
    p.sub_share = g.subcontract_share.sample(r);
    p.delivery = g.delivery_months.sample(r);
    p.due = t + cycle;
    p.slips = 0;
    // Face value (§8): every arriving project's value in its arrival year.
    ctx.add_face_value_in_year(P_.government_entity, TrialContext::year_of(static_cast<int>(t)), p.value);
    projects_.push_back(p);
  }
}

void GovernmentModel::decide(std::size_t open_idx, double tau, int m, TrialContext& ctx) {
  Project& p = projects_[open_[open_idx]];
  // "今年的盘子去年订好了": slip a year, at most max_slips times, each slip an independent draw.
  if (p.slips < p.max_slips && p.rng.bernoulli(p.p_slip)) {
    p.due += 12.0;
    ++p.slips;
    return;
  }
  open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(open_idx));
  if (!ctx.success(Channel::government, p.p_win, m, p.rng)) return;
  // Won: turnkey (总包) pays in full but costs integration; subcontract pays 20-40 %.
  const bool turnkey = p.rng.bernoulli(p.turnkey_p);
  const double revenue = turnkey ? p.value : p.value * p.sub_share;
  const int recognised = static_cast<int>(std::floor(tau + p.delivery));
  if (recognised < P_.H) revenue_by_month_[static_cast<std::size_t>(recognised)] += revenue;
  if (turnkey && p.cost_share > 0) costs_.push_back({tau, tau + p.delivery, p.value * p.cost_share});
  next_check_ = tau + patience_;  // a win restarts the patience clock
}

void GovernmentModel::step(int m, TrialContext& ctx) {
  if (!P_.s.channels.government.present) return;
  const double month_end = m + 1.0;
  // Arrivals, decisions and patience checks in time order (ties: arrival, decision, check).
  for (;;) {
    const double t_arrival = next_arrival_ < projects_.size() ? projects_[next_arrival_].arrival : kNever;
    std::size_t due_idx = open_.size();
    double t_due = kNever;
    for (std::size_t k = 0; k < open_.size(); ++k) {
      if (projects_[open_[k]].due < t_due) {
        t_due = projects_[open_[k]].due;
        due_idx = k;
      }
    }
    const double t = std::min({t_arrival, t_due, next_check_});
    if (!(t < month_end)) break;
    if (t_arrival == t) {
      if (t >= rehire_until_) open_.push_back(next_arrival_);  // none arrive while the team is gone
      ++next_arrival_;
    } else if (t_due == t) {
      decide(due_idx, t, m, ctx);
    } else {
      // "拿两年半工资，第三年自己也知道讲不圆了，跑路": the sales team may leave.
      if (rng_.bernoulli(p_leave_)) {
        open_.clear();
        rehire_until_ = t + rehire_;
        next_check_ = t + rehire_ + patience_;
      } else {
        next_check_ = t + patience_;
      }
    }
  }
  ctx.book(Channel::government, revenue_by_month_[static_cast<std::size_t>(m)]);
  // Turnkey integration cost, uniform over [tau, tau + delivery) ("集成行业不是那么好玩的").
  for (const Cost& c : costs_) {
    if (c.end <= c.start) {
      if (static_cast<int>(std::floor(c.start)) == m) ctx.turnkey_cost += c.total;
    } else {
      ctx.turnkey_cost += c.total * overlap_month(c.start, c.end, m) / (c.end - c.start);
    }
  }
}

}  // namespace revsim::detail
