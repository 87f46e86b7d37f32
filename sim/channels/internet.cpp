// Internet and cloud accounts: evaluation -> NPI -> grey release -> production (MODEL.md §4.1, §8).
#include "channel_models.hpp"

#include <algorithm>
#include <cmath>

namespace revsim::detail {

void InternetModel::setup(TrialContext& ctx) {
  const auto& ch = P_.s.channels.internet;
  accounts_.clear();
  pending_.clear();
  ramp_.clear();
  if (!ch.present) return;
  for (std::size_t i = 0; i < ch.accounts.size(); ++i) {
    const InternetAccount& src = ch.accounts[i];
    Account a{};
    a.rng = ctx.stream(P_.internet_ids[i]);
    Random& r = a.rng;
    // Every per-account value is drawn once per account per trial (§2), in a fixed order.
    a.price_factor = ctx.draw(src.price_factor, r);
    a.start = ctx.draw(src.start_month, r);
    const double annual = ctx.draw(src.annual_cards, r);
    const double domestic = ctx.draw(src.domestic_share, r);
    a.base_volume = annual * domestic * ctx.draw(src.vendor_share, r);
    // Export controls (§3, v2): domestic_share x factor, capped at 1, for volume after them.
    a.export_ratio = domestic > 0 ? std::min(1.0, domestic * ctx.domestic_share_factor) / domestic : 1.0;
    a.eval_m = ctx.draw(src.eval_months, r);
    a.p_eval = ctx.draw(src.p_eval, r);
    a.npi_m = ctx.draw(src.npi_months, r);
    a.p_npi = ctx.draw(src.p_npi, r);
    a.grey_cards = ctx.draw(src.grey_cards, r);
    a.p_grey_paid = ctx.draw(src.p_grey_paid, r);
    a.grey_m = ctx.draw(src.grey_months, r);
    a.p_stable = ctx.draw(src.p_stable, r);
    const double cloud_factor = ctx.draw(src.cloud_stability_factor, r);
    a.hurdle = ctx.draw(src.tco_hurdle, r);
    const double npi_factor = ctx.draw(src.investor_npi_factor, r);
    const double inhouse_factor = ctx.draw(src.investor_inhouse_factor, r);
    a.ramp_begin = ramp_.size();
    a.ramp_len = src.ramp.size();
    for (const Dist& d : src.ramp) ramp_.push_back(ctx.draw(d, r));
    double p_chip = ctx.draw(src.inhouse_chip.p, r);
    const double chip_month = ctx.draw(src.inhouse_chip.month, r);
    a.residual = ctx.draw(src.inhouse_chip.residual, r);
    // "云计算在某种意义上导入要求比互联网内部自用更严格": cloud accounts are less likely to be stable.
    if (src.kind == AccountKind::cloud) a.p_stable *= cloud_factor;
    // An investor account: faster NPI (applied before maturity scaling, §8), likelier own chip.
    if (src.investor) {
      a.npi_m *= npi_factor;
      p_chip = std::min(1.0, p_chip * inhouse_factor);
    }
    a.chip_time = r.bernoulli(p_chip) ? chip_month : kNever;
    a.phase = Phase::waiting;
    a.grey_month = -1;
    a.grey_paid = false;
    // The pipeline as it stands (§4.0): whatever the account has passed is taken as passed.
    // Remaining work of an engagement is max(0, d - elapsed) at full speed (M(start) = M0).
    if (src.stage.phase != StagePhase::none) {
      const double elapsed = ctx.draw(src.stage.elapsed, r);
      a.start = 0;
      switch (src.stage.phase) {
        case StagePhase::evaluation:
          a.phase = Phase::evaluation;
          a.remaining = std::max(0.0, a.eval_m - elapsed);
          break;
        case StagePhase::npi:
          a.phase = Phase::npi;
          a.remaining = std::max(0.0, a.npi_m - elapsed);
          break;
        case StagePhase::grey:  // the grey cards were booked when it began: not again
          a.phase = Phase::grey;
          a.grey_end = std::max(0.0, a.grey_m - elapsed);
          break;
        default: {  // production began at t_p = -elapsed; its years and re-checks count from t_p
          // Whole years beyond the ramp change nothing (full volume, the anniversaries' phase
          // kept): dropped, so that a huge elapsed neither overflows nor loops.
          const double beyond = std::max(0.0, std::floor(elapsed / 12.0) - static_cast<double>(a.ramp_len));
          const double e = elapsed - 12.0 * beyond;
          a.phase = Phase::production;
          a.prod_start = -e;
          a.prod_year = static_cast<int>(std::floor(e / 12.0));
          break;
        }
      }
    }
    // Face value (§8): the account's whole annual_cards every year.
    ctx.add_face_value(i, 0.0, P_.H, annual * ctx.card_price * a.price_factor / 12.0);
    if (a.phase == Phase::waiting || a.phase == Phase::evaluation || a.phase == Phase::npi)
      pending_.push_back(static_cast<std::uint32_t>(accounts_.size()));
    accounts_.push_back(a);
  }
}

int InternetModel::next_active(int m) const noexcept {
  int next = std::numeric_limits<int>::max();
  for (const std::uint32_t i : pending_) {
    const Account& a = accounts_[i];
    if (a.phase != Phase::waiting) return m;  // an engagement in progress works every month
    // A waiting account does nothing before the month of its start (a chip that arrives
    // earlier drops it then, before it starts).
    const double f = std::floor(a.start);
    if (f < static_cast<double>(next)) next = std::max(m, static_cast<int>(f));
  }
  return next;
}

void InternetModel::drop(int m) {
  // §8: an account that has not reached production when its own chip arrives drops out
  // (also before its evaluation starts). A chip at time t counts from month floor(t). Grey
  // releases are dropped the same way in finish().
  std::size_t keep = 0;
  for (const std::uint32_t i : pending_) {
    Account& a = accounts_[i];
    if (a.chip_time < m + 1.0) {
      a.phase = Phase::done;
      continue;
    }
    pending_[keep++] = i;
  }
  pending_.resize(keep);
}

double InternetModel::load(int m) const {
  // §8: evaluation and NPI are engagements; an account counts once in a month even when its
  // evaluation hands over to NPI inside it (docs/model.md, "Engineering load").
  double n = 0;
  for (const std::uint32_t i : pending_) {
    const Account& a = accounts_[i];
    if (a.phase == Phase::evaluation || a.phase == Phase::npi || (a.phase == Phase::waiting && a.start < m + 1.0))
      n += 1.0;
  }
  return n * P_.s.channels.internet.common.effort;
}

void InternetModel::advance(int m, TrialContext& ctx) {
  const double month_end = m + 1.0;
  std::size_t keep = 0;
  for (const std::uint32_t i : pending_) {
    Account& a = accounts_[i];
    double t = m;
    if (a.phase == Phase::waiting) {
      if (a.start >= month_end) {
        pending_[keep++] = i;
        continue;
      }
      t = std::max(a.start, t);
      a.phase = Phase::evaluation;
      a.remaining = ctx.scaled_duration(Channel::internet, a.eval_m, m);  // d / M(start)^e
    }
    // A phase that ends mid-month hands the rest of the month to the next (§8).
    for (;;) {
      if (!advance_engagement(a.remaining, t, month_end, ctx.rate)) break;
      ctx.phase_finished(a.rng);
      if (a.phase == Phase::evaluation) {
        if (!ctx.success(Channel::internet, a.p_eval, m, a.rng)) {
          a.phase = Phase::done;
          break;
        }
        a.phase = Phase::npi;
        a.remaining = ctx.scaled_duration(Channel::internet, a.npi_m, m);
        continue;
      }
      if (!ctx.success(Channel::internet, a.p_npi, m, a.rng)) {
        a.phase = Phase::done;
        break;
      }
      // Grey release (灰度): paid or not, recognised when it starts (§8); booked by finish(),
      // which takes the grey release on from here.
      a.phase = Phase::grey;
      a.grey_end = t + a.grey_m;
      a.grey_month = m;
      a.grey_paid = ctx.success(Channel::internet, a.p_grey_paid, m, a.rng);
      break;
    }
    if (a.phase == Phase::evaluation || a.phase == Phase::npi) pending_[keep++] = i;
  }
  pending_.resize(keep);
}

void InternetModel::finish(TrialContext& ctx) {
  const int H = P_.H;
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    Account& a = accounts_[i];
    int from_month = 0;
    if (a.phase == Phase::grey) {
      if (a.grey_paid) {
        const double revenue = a.grey_cards * ctx.card_price * a.price_factor;
        ctx.book(Channel::internet, a.grey_month, revenue);
        ctx.account_revenue(i, a.grey_month, revenue);
      }
      // The production decision in month floor(grey_end), unless the account's own chip came
      // first (it drops out in the month the chip arrives, §8) or it falls beyond the horizon.
      if (!(a.grey_end < H)) continue;
      const int mg = static_cast<int>(std::floor(a.grey_end));
      if (a.chip_time < mg + 1.0) {
        a.phase = Phase::done;
        continue;
      }
      // Production decision: stable, and the TCO advantage still clears the hurdle.
      const bool stable = ctx.success(Channel::internet, a.p_stable, mg, a.rng);
      if (!stable || ctx.A[static_cast<std::size_t>(mg)] < a.hurdle) {
        a.phase = Phase::done;
        continue;
      }
      a.phase = Phase::production;
      a.prod_start = a.grey_end;
      a.prod_year = 0;
      from_month = mg;
    }
    if (a.phase != Phase::production) continue;
    for (int m = from_month; m < H && a.phase == Phase::production; ++m) deliver(a, i, m, ctx);
  }
}

void InternetModel::deliver(Account& a, std::size_t idx, int m, TrialContext& ctx) {
  // Production year k is [t_p + 12k, t_p + 12k + 12), delivered uniformly in time; at each
  // anniversary the account re-checks the TCO hurdle, else it stops for good (§4.1, §8).
  double from = std::max(static_cast<double>(m), a.prod_start);
  const double month_end = m + 1.0;
  double cards = 0;
  while (from < month_end) {
    while (from >= a.prod_start + 12.0 * (a.prod_year + 1)) {
      ++a.prod_year;
      if (ctx.A[static_cast<std::size_t>(m)] < a.hurdle) {
        a.phase = Phase::done;
        break;
      }
    }
    if (a.phase == Phase::done) break;
    double to = std::min(month_end, a.prod_start + 12.0 * (a.prod_year + 1));
    if (a.chip_time > from && a.chip_time < to) to = a.chip_time;
    if (ctx.export_time > from && ctx.export_time < to) to = ctx.export_time;
    const double own_chip = from >= a.chip_time ? a.residual : 1.0;
    const double controls = from >= ctx.export_time ? a.export_ratio : 1.0;
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(a.prod_year), a.ramp_len - 1);
    cards += a.base_volume * ramp_[a.ramp_begin + k] / 12.0 * (to - from) * own_chip * controls;
    from = to;
  }
  if (cards > 0) {
    const double revenue = cards * ctx.card_price * a.price_factor;
    ctx.book(Channel::internet, m, revenue);
    ctx.account_delivery(idx, m, revenue);
  }
}

}  // namespace revsim::detail
