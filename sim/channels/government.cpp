// Government and large-enterprise projects: Poisson arrivals, named opportunities and a backlog
// of won contracts (the pipeline as it stands), slips, wins, turnkey or subcontract, customer
// advances, and the sales team's patience (MODEL.md §4.0, §4.3, §8).
#include "channel_models.hpp"

#include <algorithm>
#include <cmath>

namespace revsim::detail {

double GovernmentModel::draw_project(TrialContext& ctx, Project& p, const ProjectParams& src, const Dist* cycle) {
  Random& r = p.rng;
  p.value = ctx.draw(src.value, r);
  // An arrival's sales cycle comes second (the draw order of version 1, so its luck is kept).
  const double cycle_months = cycle != nullptr ? cycle->sample(r) : 0.0;
  p.p_slip = ctx.draw(src.p_slip, r);
  p.max_slips = static_cast<int>(std::floor(ctx.draw(src.max_slips, r)));
  p.p_win = ctx.draw(src.p_win, r);
  p.turnkey_p = ctx.draw(src.turnkey_p, r);
  p.cost_share = ctx.draw(src.turnkey_cost_share, r);
  p.sub_share = ctx.draw(src.subcontract_share, r);
  p.delivery = ctx.draw(src.delivery_months, r);
  p.advance_share = ctx.draw(src.advance_share, r);
  p.slips = 0;
  return cycle_months;
}

void GovernmentModel::setup(TrialContext& ctx) {
  const GovernmentChannel& g = P_.s.channels.government;
  projects_.clear();
  open_.clear();
  recognitions_.clear();
  named_ = 0;
  if (!g.present) return;
  // Drawn once per trial (§8).
  rng_ = ctx.stream(streams::government);
  const double rate = ctx.draw(g.projects_per_year, rng_);
  const double first = ctx.draw(g.first_month, rng_);
  first_ = first;
  patience_ = ctx.draw(g.sales_patience_months, rng_);
  p_leave_ = ctx.draw(g.p_sales_leave, rng_);
  rehire_ = ctx.draw(g.rehire_months, rng_);
  // Named open opportunities (§4.0): open from month 0, decided at their due month, each with
  // its own stream keyed by its name.
  for (std::size_t k = 0; k < g.projects.size(); ++k) {
    const NamedProject& np = g.projects[k];
    Project& p = projects_.emplace_back();  // in place: no copy of the record
    p.rng = ctx.stream(P_.named_project_ids[k]);
    p.due = np.due_month.sample(p.rng);
    draw_project(ctx, p, np.params);
    p.arrival = 0;
    // Face value (§8): its value in its due year.
    if (p.due < P_.H)
      ctx.add_face_value_in_year(P_.named_project_entity(k), ctx.year_of(static_cast<int>(p.due)), p.value);
    open_.push_back(projects_.size() - 1);
  }
  named_ = projects_.size();
  // Backlog (§4.0): won before month 0, still in delivery. Revenue at the delivery end, cash
  // net of the advance already received; a turnkey contract's remaining integration cost over
  // [0, delivery_end).
  for (std::size_t k = 0; k < g.backlog.size(); ++k) {
    const BacklogContract& bc = g.backlog[k];
    Random r = ctx.stream(P_.backlog_ids[k]);
    const double value = ctx.draw(bc.value, r);
    const double end = ctx.draw(bc.delivery_end_month, r);
    const double cost_share = ctx.draw(bc.turnkey_cost_share, r);
    const double sub_share = ctx.draw(bc.subcontract_share, r);
    const double advance = ctx.draw(bc.advance_received, r);
    const double revenue = bc.turnkey ? value : value * sub_share;
    // Compared as a double first: a draw far beyond the horizon must not overflow an int.
    if (std::floor(end) < P_.H) {
      const int month = static_cast<int>(std::floor(end));
      ctx.book(Channel::government, month, revenue);
      ctx.adjust[static_cast<std::size_t>(month)] -= advance;
      recognitions_.push_back({month, revenue});
      ctx.add_face_value_in_year(P_.backlog_entity(k), ctx.year_of(month), revenue);
    }
    if (bc.turnkey && cost_share > 0) add_cost({0.0, end, value * cost_share}, ctx);
  }
  // Every arrival of the Poisson process over the horizon, each project with its own stream
  // keyed by its arrival index; arrivals while the team is gone are skipped in finish().
  if (rate <= 0) return;
  Random arrivals = ctx.stream(streams::government_arrivals);
  const double mean_gap = 12.0 / rate;
  for (double t = first + arrivals.exponential(mean_gap); t < P_.H; t += arrivals.exponential(mean_gap)) {
    const std::size_t index = projects_.size() - named_;
    Project& p = projects_.emplace_back();  // in place: no copy of the record
    p.rng = ctx.stream(index < P_.project_ids.size() ? P_.project_ids[index]
                                                     : stream_id(streams::government_project, index));
    p.arrival = t;
    p.due = t + draw_project(ctx, p, g.project, &g.sales_cycle_months);
    // Face value (§8): every arriving project's value in its arrival year.
    ctx.add_face_value_in_year(P_.government_entity, ctx.year_of(static_cast<int>(t)), p.value);
  }
}

void GovernmentModel::add_cost(const Cost& c, TrialContext& ctx) const {
  // Turnkey integration cost, uniform over [start, end) ("集成行业不是那么好玩的"), all in month
  // floor(start) when the delivery takes no time; added month by month in the order the costs
  // arise, so each month's sum is the month loop's.
  const int H = P_.H;
  if (c.end <= c.start) {
    if (std::floor(c.start) < H) ctx.turnkey[static_cast<std::size_t>(std::floor(c.start))] += c.total;
    return;
  }
  const int from = c.start < 0 ? 0 : static_cast<int>(std::floor(c.start));
  const int to = c.end < H ? static_cast<int>(std::ceil(c.end)) : H;
  // A month wholly inside [start, end) overlaps it by exactly 1.0, and total x 1.0 / length is
  // total / length: computed once for those months.
  const double length = c.end - c.start;
  const double whole = c.total / length;
  double* const turnkey = ctx.turnkey.data();
  for (int m = from; m < to; ++m) {
    const double md = m;
    turnkey[m] += c.start <= md && md + 1.0 <= c.end ? whole : c.total * overlap_month(c.start, c.end, m) / length;
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
  // Customer advance (§4.3, v2): advance_share of the revenue at the win, settled at delivery end.
  const double advance = p.advance_share * revenue;
  ctx.adjust[static_cast<std::size_t>(m)] += advance;
  if (std::floor(tau + p.delivery) < P_.H) {
    const int recognised = static_cast<int>(std::floor(tau + p.delivery));
    ctx.book(Channel::government, recognised, revenue);
    ctx.adjust[static_cast<std::size_t>(recognised)] -= advance;
    recognitions_.push_back({recognised, revenue});
  }
  if (turnkey && p.cost_share > 0) add_cost({tau, tau + p.delivery, p.value * p.cost_share}, ctx);
  next_check_ = tau + patience_;  // a win restarts the patience clock
}

void GovernmentModel::finish(TrialContext& ctx) {
  if (!P_.s.channels.government.present) return;
  const double H = P_.H;
  next_check_ = first_ + patience_;
  double rehire_until = -1;  // no arrivals before this time
  std::size_t next_arrival = named_;
  // Arrivals, decisions and patience checks in time order (ties: arrival, decision, check);
  // an event at time t happens in month floor(t) (§8).
  // The next due project: the first open one with the earliest due time, rescanned only after
  // a decision (a slip moves it, a decision removes it); an arrival can only take its place.
  std::size_t due_idx = open_.size();
  double t_due = kNever;
  bool rescan = true;
  for (;;) {
    const double t_arrival = next_arrival < projects_.size() ? projects_[next_arrival].arrival : kNever;
    if (rescan) {
      due_idx = open_.size();
      t_due = kNever;
      for (std::size_t k = 0; k < open_.size(); ++k) {
        if (projects_[open_[k]].due < t_due) {
          t_due = projects_[open_[k]].due;
          due_idx = k;
        }
      }
      rescan = false;
    }
    const double t = std::min({t_arrival, t_due, next_check_});
    if (!(t < H)) break;
    const int m = static_cast<int>(std::floor(t));
    if (t_arrival == t) {
      if (t >= rehire_until) {  // none arrive while the team is gone
        open_.push_back(next_arrival);
        if (projects_[next_arrival].due < t_due) {
          t_due = projects_[next_arrival].due;
          due_idx = open_.size() - 1;
        }
      }
      ++next_arrival;
    } else if (t_due == t) {
      decide(due_idx, t, m, ctx);
      rescan = true;
    } else {
      // "拿两年半工资，第三年自己也知道讲不圆了，跑路": the sales team may leave.
      if (rng_.bernoulli(p_leave_)) {
        rescan = true;
        open_.clear();
        rehire_until = t + rehire_;
        next_check_ = t + rehire_ + patience_;
      } else {
        next_check_ = t + patience_;
      }
    }
  }
}

}  // namespace revsim::detail
