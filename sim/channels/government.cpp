// Government and large-enterprise projects: Poisson arrivals, named opportunities and a backlog
// of won contracts (the pipeline as it stands), slips, wins, turnkey or subcontract, customer
// advances, and the sales team's patience (MODEL.md §4.0, §4.3, §8).
#include "channel_models.hpp"

#include <algorithm>
#include <cmath>

namespace revsim::detail {

void GovernmentModel::schedule(double p_slip, int max_slips) {
  // "今年的盘子去年订好了": slip a year, at most max_slips times; the count from one uniform.
  Project& p = projects_.back();
  p.due += 12.0 * slips_of(p.rng.uniform(), p_slip, max_slips);
  if (!(p.due < P_.H)) projects_.pop_back();
}

void GovernmentModel::setup(TrialContext& ctx) {
  const GovernmentChannel& g = P_.s.channels.government;
  projects_.clear();
  recognitions_.clear();
  if (!g.present) return;
  const double H = P_.H;
  // Drawn once per trial (§8).
  rng_ = ctx.stream(streams::government);
  const double rate = ctx.draw(g.projects_per_year, rng_);
  const double first = ctx.draw(g.first_month, rng_);
  first_ = first;
  patience_ = ctx.draw(g.sales_patience_months, rng_);
  p_leave_ = ctx.draw(g.p_sales_leave, rng_);
  rehire_ = ctx.draw(g.rehire_months, rng_);
  // Named open opportunities (§4.0): open from month 0, decided at their due month, each with
  // its own stream keyed by its name; every key drawn here (they are per-trial inputs).
  for (std::size_t k = 0; k < g.projects.size(); ++k) {
    const NamedProject& np = g.projects[k];
    const ProjectParams& src = np.params;
    Project& p = projects_.emplace_back();  // in place: dropped again unless decided before H
    p.rng = ctx.stream(P_.named_project_ids[k]);
    Random& r = p.rng;
    p.named = true;
    p.arrival = 0;
    p.due = np.due_month.sample(r);
    p.value = ctx.draw(src.value, r);
    const double p_slip = ctx.draw(src.p_slip, r);
    const int max_slips = static_cast<int>(std::floor(ctx.draw(src.max_slips, r)));
    p.p_win = ctx.draw(src.p_win, r);
    p.turnkey_p = ctx.draw(src.turnkey_p, r);
    p.cost_share = ctx.draw(src.turnkey_cost_share, r);
    p.sub_share = ctx.draw(src.subcontract_share, r);
    p.delivery = ctx.draw(src.delivery_months, r);
    p.advance_share = ctx.draw(src.advance_share, r);
    // Face value (§8): its value in its due year (as first due).
    if (p.due < H) {
      ctx.add_face_value_in_year(P_.named_project_entity(k), ctx.year_of(static_cast<int>(p.due)), p.value);
      schedule(p_slip, max_slips);
    } else {
      projects_.pop_back();
    }
  }
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
    if (std::floor(end) < H) {
      const int month = static_cast<int>(std::floor(end));
      ctx.book(Channel::government, month, revenue);
      ctx.adjust[static_cast<std::size_t>(month)] -= advance;
      recognitions_.push_back({month, revenue});
      ctx.add_face_value_in_year(P_.backlog_entity(k), ctx.year_of(month), revenue);
    }
    if (bc.turnkey && cost_share > 0) add_cost({0.0, end, value * cost_share}, ctx);
  }
  // The Poisson process over [first, H): its count (one Poisson draw of mean rate x span / 12)
  // and, given the count, every arrival uniform over the span, placed by the project's own
  // stream (keyed by its index k). Arrivals while the team is gone are skipped in finish().
  if (!(rate > 0) || !(first < H)) return;
  Random arrivals = ctx.stream(streams::government_arrivals);
  const double span = H - first;
  const std::uint64_t n = arrivals.poisson(rate * span / 12.0);
  const ProjectParams& src = g.project;
  for (std::uint64_t index = 0; index < n; ++index) {
    Project& p = projects_.emplace_back();  // in place: dropped again unless decided before H
    p.rng = ctx.stream(index < P_.project_ids.size() ? P_.project_ids[index]
                                                     : stream_id(streams::government_project, index));
    Random& r = p.rng;
    p.named = false;
    double t = first + span * r.uniform();
    if (!(t < H)) t = std::nextafter(H, 0.0);  // first + span x u may round up to H
    p.arrival = t;
    p.value = ctx.draw(src.value, r);
    // Face value (§8): every arriving project's value in its arrival year.
    ctx.add_face_value_in_year(P_.government_entity, ctx.year_of(static_cast<int>(t)), p.value);
    p.due = t + g.sales_cycle_months.sample(r);
    if (!(p.due < H)) {  // never decided: nothing else of it is drawn
      projects_.pop_back();
      continue;
    }
    const double p_slip = ctx.draw(src.p_slip, r);
    const int max_slips = static_cast<int>(std::floor(ctx.draw(src.max_slips, r)));
    schedule(p_slip, max_slips);
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

bool GovernmentModel::decide(Project& p, TrialContext& ctx) {
  const double tau = p.due;
  const int m = static_cast<int>(std::floor(tau));
  Random& r = p.rng;
  const ProjectParams& src = P_.s.channels.government.project;
  // An arrival's keys are drawn when its path needs them: p_win at the decision, the rest if won.
  const double p_win = p.named ? p.p_win : ctx.draw(src.p_win, r);
  if (!ctx.success_uniform(Channel::government, p_win, m, r)) return false;
  // Won: turnkey (总包) pays in full but costs integration; subcontract pays 20-40 %.
  const bool turnkey = r.bernoulli(p.named ? p.turnkey_p : ctx.draw(src.turnkey_p, r));
  if (!p.named) {
    p.delivery = ctx.draw(src.delivery_months, r);
    p.advance_share = ctx.draw(src.advance_share, r);
    if (turnkey)
      p.cost_share = ctx.draw(src.turnkey_cost_share, r);
    else
      p.sub_share = ctx.draw(src.subcontract_share, r);
  }
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
  return true;
}

void GovernmentModel::finish(TrialContext& ctx) {
  if (!P_.s.channels.government.present || projects_.empty()) return;
  // The maturity path to the horizon at once (its values do not depend on how far it was
  // extended before: the engagement stage is over), not a step per decision.
  ctx.M_at(P_.H - 1);
  // The team never leaves: no project is lost to it, and the order of the (independent)
  // decisions changes nothing but the rounding of sums; in project order.
  if (!(p_leave_ > 0)) {
    for (Project& p : projects_) decide(p, ctx);
    return;
  }
  // Decisions in due order (ties: named first, then arrival index: the order of the event loop
  // of version 2); before each, the patience checks due strictly before it (at equal times a
  // decision comes first, §8). A win restarts the clock at its time.
  order_.resize(projects_.size());
  for (std::uint32_t k = 0; k < order_.size(); ++k) order_[k] = k;
  std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return projects_[a].due < projects_[b].due || (projects_[a].due == projects_[b].due && a < b);
  });
  leaves_.clear();
  double next_check = first_ + patience_;
  for (const std::uint32_t k : order_) {
    Project& p = projects_[k];
    while (next_check < p.due) {
      // "拿两年半工资，第三年自己也知道讲不圆了，跑路": the sales team may leave.
      if (rng_.bernoulli(p_leave_)) {
        leaves_.push_back(next_check);
        next_check = next_check + rehire_ + patience_;
      } else {
        next_check = next_check + patience_;
      }
    }
    // Lost to a leave at time L: arrived while the team was gone (L < arrival < L + rehire: an
    // arrival at L itself comes before that check), or open when it left (arrival <= L < due).
    bool lost = false;
    for (const double L : leaves_)
      if ((L < p.arrival && p.arrival < L + rehire_) || (p.arrival <= L && L < p.due)) {
        lost = true;
        break;
      }
    if (!lost && decide(p, ctx)) next_check = p.due + patience_;
  }
}

}  // namespace revsim::detail
