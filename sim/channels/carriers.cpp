// Telecom operators: evaluation before centralized procurement -> vendor list -> yearly
// awards (MODEL.md §4.2, §8).
#include "channel_models.hpp"

#include <algorithm>
#include <cmath>

namespace revsim::detail {

void CarrierModel::setup(TrialContext& ctx) {
  const auto& ch = P_.s.channels.carriers;
  ops_.clear();
  pending_.clear();
  if (!ch.present) return;
  for (std::size_t i = 0; i < ch.operators.size(); ++i) {
    const CarrierOperator& src = ch.operators[i];
    Operator o{};
    o.rng = ctx.stream(P_.carrier_ids[i]);
    Random& r = o.rng;
    o.price_factor = ctx.draw(src.price_factor, r);
    o.start = ctx.draw(src.start_month, r);
    o.eval_m = ctx.draw(src.eval_months, r);
    o.p_eval = ctx.draw(src.p_eval, r);
    o.p_list = ctx.draw(src.p_list, r);
    o.annual = ctx.draw(src.annual_cards, r);
    o.procurement = ctx.draw(src.procurement_month, r);
    o.p_award = ctx.draw(src.p_award, r);
    o.share = ctx.draw(src.award_share, r);  // once per operator (§8)
    o.hurdle = ctx.draw(src.tco_hurdle, r);
    o.delivery = ctx.draw(src.delivery_months, r);
    o.phase = Phase::waiting;
    o.listed_at = kNever;
    // The pipeline as it stands (§4.0): an evaluation under way, or already on the vendor list.
    if (src.stage.phase == StagePhase::evaluation) {
      const double elapsed = ctx.draw(src.stage.elapsed, r);
      o.start = 0;
      o.phase = Phase::evaluation;
      o.remaining = std::max(0.0, o.eval_m - elapsed);  // M(start) = M0: d as estimated today
    } else if (src.stage.phase == StagePhase::listed) {
      o.start = 0;
      o.phase = Phase::listed;
      o.listed_at = -kNever;  // every procurement in the horizon is open to it
    }
    // Face value (§8): winning the whole annual procurement every year.
    ctx.add_face_value(P_.internet_ids.size() + i, 0.0, P_.H, o.annual * ctx.card_price * o.price_factor / 12.0);
    if (o.phase == Phase::waiting || o.phase == Phase::evaluation)
      pending_.push_back(static_cast<std::uint32_t>(ops_.size()));
    ops_.push_back(o);
  }
}

int CarrierModel::next_active(int m) const noexcept {
  int next = std::numeric_limits<int>::max();
  for (const std::uint32_t i : pending_) {
    const Operator& o = ops_[i];
    if (o.phase != Phase::waiting) return m;
    const double f = std::floor(o.start);
    if (f < static_cast<double>(next)) next = std::max(m, static_cast<int>(f));
  }
  return next;
}

double CarrierModel::load(int m) const {
  double n = 0;
  for (const std::uint32_t i : pending_) {
    const Operator& o = ops_[i];
    if (o.phase == Phase::evaluation || (o.phase == Phase::waiting && o.start < m + 1.0)) n += 1.0;
  }
  return n * P_.s.channels.carriers.common.effort;
}

void CarrierModel::advance(int m, TrialContext& ctx) {
  const double month_end = m + 1.0;
  std::size_t keep = 0;
  for (const std::uint32_t i : pending_) {
    Operator& o = ops_[i];
    // Evaluation (集采前评测), then the vendor list (入围名录) at its end: same month, same Z.
    if (o.phase == Phase::waiting && o.start < month_end) {
      o.phase = Phase::evaluation;
      o.remaining = ctx.scaled_duration(Channel::carriers, o.eval_m, m);
    }
    if (o.phase == Phase::evaluation) {
      double t = std::max(static_cast<double>(m), o.start);
      if (advance_engagement(o.remaining, t, month_end, ctx.rate)) {
        ctx.phase_finished(o.rng);
        const bool listed = ctx.success(Channel::carriers, o.p_eval, m, o.rng) &&
                            ctx.success(Channel::carriers, o.p_list, m, o.rng);
        o.phase = listed ? Phase::listed : Phase::done;
        if (listed) o.listed_at = t;
      }
    }
    if (o.phase == Phase::waiting || o.phase == Phase::evaluation) pending_[keep++] = i;
  }
  pending_.resize(keep);
}

void CarrierModel::finish(TrialContext& ctx) {
  const int H = P_.H;
  const auto Y = static_cast<std::size_t>(P_.Y);
  const double offset = P_.s.months_before_start();
  const std::size_t first_account = P_.internet_ids.size();
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    Operator& o = ops_[i];
    if (o.phase != Phase::listed) continue;
    // Procurement of fiscal year y at T = 12y + procurement_month - (s - 1) (a calendar month;
    // skipped when T < 0), open to vendors listed at or before T:
    // "能入围名录，与是不是会有单子，有多少，最好有个理智判断".
    awards_.assign(Y, 0.0);
    int first_m = H;
    double last_end = 0;
    for (std::size_t y = 0; y < Y; ++y) {
      const double T = 12.0 * static_cast<double>(y) + o.procurement - offset;
      if (T < 0) continue;
      if (!(T < H)) break;
      const int m = static_cast<int>(std::floor(T));
      if (o.listed_at <= T && ctx.A[static_cast<std::size_t>(m)] >= o.hurdle &&
          ctx.success(Channel::carriers, o.p_award, m, o.rng)) {
        awards_[y] = o.annual * o.share;
        if (awards_[y] > 0) {
          first_m = std::min(first_m, m);
          last_end = std::max(last_end, o.delivery <= 0 ? m + 1.0 : T + o.delivery);
        }
      }
    }
    // Deliveries: uniform over [T, T + delivery_months), all in month floor(T) when 0.
    const int end = last_end < H ? static_cast<int>(std::ceil(last_end)) : H;
    for (int m = first_m; m < end; ++m) {
      const auto y = static_cast<std::size_t>(ctx.year_of(m));
      double cards = 0;
      for (std::size_t ay = 0; ay <= y; ++ay) {
        const double award = awards_[ay];
        if (award <= 0) continue;
        const double Ta = 12.0 * static_cast<double>(ay) + o.procurement - offset;
        if (Ta < 0) continue;
        if (o.delivery <= 0) {
          if (static_cast<int>(std::floor(Ta)) == m) cards += award;
        } else {
          cards += award * overlap_month(Ta, Ta + o.delivery, m) / o.delivery;
        }
      }
      if (cards > 0) {
        const double revenue = cards * ctx.card_price * o.price_factor;
        ctx.book(Channel::carriers, m, revenue);
        ctx.account_delivery(first_account + i, m, revenue);
      }
    }
  }
}

}  // namespace revsim::detail
