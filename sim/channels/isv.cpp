// ISVs: scheduled engagements, algorithm migration (算法迁移), industry reuse, then Poisson
// orders of a few cards or a large ISV's steady volume (MODEL.md §4.4, §8).
#include "channel_models.hpp"

#include "revsim/scenario_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace revsim::detail {

void IsvModel::draw_isv(Isv& v, const IsvParams& src) {
  Random& r = v.rng;
  v.price_factor = src.price_factor.sample(r);
  v.migration_m = src.migration_months.sample(r);
  v.p_migrate = src.p_migrate.sample(r);
  v.reuse = src.industry_reuse.sample(r);
  v.bonus = src.industry_p_bonus.sample(r);
  v.orders_per_year = src.orders_per_year.sample(r);
  v.cards_per_order = src.cards_per_order.sample(r);  // fixed per ISV (§8)
  v.growth = src.order_growth.sample(r);
  const double p_large = src.p_large.sample(r);
  v.large_cards = src.large_cards_per_year.sample(r);
  v.large = r.bernoulli(p_large);
}

IsvModel::Isv& IsvModel::make_isv(std::vector<Isv>& into, TrialContext& ctx, std::size_t ind, std::uint64_t stream,
                                  double engage_at, double face_from) const {
  Isv& v = into.emplace_back(ctx.stream(stream), ind, engage_at);  // in place: no copy of the whole record
  draw_isv(v, P_.s.channels.isv.industries[ind].params);
  const double cards_per_year = v.large ? v.large_cards : v.orders_per_year * v.cards_per_order;
  ctx.add_face_value(P_.isv_entity(ind), face_from, P_.H, cards_per_year * ctx.card_price * v.price_factor / 12.0);
  return v;
}

void IsvModel::setup(TrialContext& ctx) {
  const IsvChannel& ch = P_.s.channels.isv;
  isvs_.clear();
  live_.clear();
  n_orders_ = 0;
  isv_sums_.clear();
  active_.clear();
  engaged_ = 0;
  finished_ = 0;
  first_success_.assign(ch.industries.size(), kNoSuccess);
  unengaged_.assign(ch.industries.size(), 0.0);
  if (!ch.present) return;
  Random sched = ctx.stream(streams::isv_schedule);
  const double first = ctx.draw(ch.first_month, sched);
  const double per_year = ctx.draw(ch.engagements_per_year, sched);
  double total = 0;
  for (std::size_t i = 0; i < ch.industries.size(); ++i) {
    const Industry& ind = ch.industries[i];
    // ISVs live or migrating at month 0 are engaged already: they leave the pool (§4.0).
    unengaged_[i] = std::max(0.0, std::floor(ctx.draw(ind.isvs, sched)) - ind.live - ind.migrating);
    total += unengaged_[i];
    if (ind.live > 0) first_success_[i] = -1;  // the industry's first success came before month 0
  }
  // Migrations in progress at month 0 (§4.0): engaged at month 0, ahead of every scheduled
  // engagement, each with its own stream; reuse and bonus apply in an industry with a live ISV.
  for (std::size_t i = 0; i < ch.industries.size(); ++i) {
    const Industry& ind = ch.industries[i];
    for (int k = 0; k < ind.migrating; ++k) {
      Isv& v = make_isv(isvs_, ctx, i, stream_id(P_.migrating_ids[i], static_cast<std::uint64_t>(k)), 0.0, 0.0);
      v.reused = ind.live > 0;
      v.phase = Phase::migrating;
      v.remaining = std::max(0.0, v.migration_m * (v.reused ? v.reuse : 1.0) - ind.migration_elapsed);
    }
  }
  // ISVs live at month 0: they order from month 0, their order-rate years counted from live_since.
  for (std::size_t i = 0; i < ch.industries.size(); ++i) {
    const Industry& ind = ch.industries[i];
    for (int k = 0; k < ind.live; ++k) {
      Isv& v = make_isv(live_, ctx, i, stream_id(P_.live_ids[i], static_cast<std::uint64_t>(k)), ind.live_since, 0.0);
      v.phase = Phase::live;
      v.live_at = ind.live_since;
    }
  }
  if (per_year > 0) schedule(ctx, sched, first, per_year, total);
  for (std::size_t k = 0; k < live_.size(); ++k)
    go_live(live_[k], static_cast<std::uint32_t>(isvs_.size() + k), ctx);
  started_ = 0;
}

void IsvModel::schedule(TrialContext& ctx, Random& sched, double first, double per_year, double total) {
  const IsvChannel& ch = P_.s.channels.isv;
  std::vector<std::size_t>& engaged_in = engaged_in_;
  engaged_in.assign(ch.industries.size(), 0);
  // The k-th engagement starts at first_month + k * 12 / engagements_per_year, until every ISV
  // is engaged, in an industry picked in proportion to its unengaged ISVs.
  for (std::size_t k = 0; total > 0; ++k) {
    const double t = first + static_cast<double>(k) * 12.0 / per_year;
    if (t >= P_.H) break;
    double u = sched.uniform() * total;
    std::size_t ind = 0;
    while (ind + 1 < unengaged_.size() && (unengaged_[ind] <= 0 || u >= unengaged_[ind])) {
      u -= unengaged_[ind];
      ++ind;
    }
    unengaged_[ind] -= 1;
    total -= 1;
    // Face value (§8): live from its engagement.
    make_isv(isvs_, ctx, ind, stream_id(P_.industry_ids[ind], engaged_in[ind]++), t, t);
  }
}

void IsvModel::go_live(Isv& v, std::uint32_t id, TrialContext& ctx) {
  const double H = P_.H;
  const double per_card = ctx.card_price * v.price_factor;
  // Written through local pointers and a local copy of the stream (written back at the end), so
  // that the order loop keeps them in registers: the stores into the revenue array and the
  // order records cannot alias them. Each ISV's yearly sums (for concentration) are added up
  // here, in the order its orders are written, so they equal the sums over its order records.
  double* const rev = ctx.rev.data() + static_cast<std::size_t>(Channel::isv) * static_cast<std::size_t>(P_.H);
  const int* const year_of = P_.year_of_month.data();
  const auto Y = static_cast<std::size_t>(P_.Y);
  const std::size_t sums_at = isv_sums_.size();
  isv_sums_.resize(sums_at + Y, 0.0);
  double* const ys = isv_sums_.data() + sums_at;
  if (v.large) {
    // A large ISV's steady volume: large_cards / 12 a month, the first month prorated.
    for (double from = std::max(0.0, v.live_at); from < H;) {
      const double month_end = std::floor(from) + 1.0;
      const double amount = v.large_cards / 12.0 * (month_end - from) * per_card;
      const int month = static_cast<int>(from);
      rev[month] += amount;
      ys[year_of[month]] += amount;
      Order* o = order_slots(1);
      *o = {id, month, amount};
      from = month_end;
    }
    return;
  }
  // "一个单子三、五片": a Poisson process of orders whose yearly rate is orders_per_year x
  // (1 + order_growth)^(whole years live). Drawn per live year (the rate is constant inside
  // one): a Poisson count with the year's mean, each order placed uniformly in the year and
  // booked in its month — the same process as exponential gaps, with one Poisson draw per year
  // and one uniform per order instead of one exponential per order.
  // An ISV live before month 0 (§4.0) starts at month 0 in its current year live (the process is
  // memoryless, so nothing before month 0 needs drawing).
  if (!(v.orders_per_year > 0)) return;
  Random rng = v.rng;
  const double per_order = v.cards_per_order * per_card;
  const double years_live = v.live_at < 0 ? std::floor(-v.live_at / 12.0) : 0.0;
  double t = std::max(0.0, v.live_at);
  double year_end = v.live_at + 12.0 * (years_live + 1.0);
  double growth = years_live > 0 ? std::pow(1.0 + v.growth, years_live) : 1.0;  // (1 + order_growth)^(whole years live)
  std::size_t orders = 0;
  const int last_month = P_.H - 1;
  std::size_t segment = 0;
  while (t < H) {
    const double seg_end = std::min(year_end, H);
    const double len = seg_end - t;
    const double mean = v.orders_per_year * growth / 12.0 * len;
    // A rate grown past reason (order_growth over many years live) would never end.
    std::uint64_t n = 0;
    if (mean > 0 && mean < 10.0) {
      // ISVs with the same order rate share their full years' mean: its CDF is tabled once
      // (at its second use) and the count looked up in it — the same variate as the sequential
      // search. A partial year (cut by the horizon) has a mean of its own: searched directly.
      PoissonTable& c = poisson_tables_[std::min<std::size_t>(segment, poisson_tables_.size() - 1)];
      if (c.mean == mean) {
        if (c.n == 0 && ++c.uses >= 2) c.build();
        n = c.n > 0 ? c.draw(rng) : rng.poisson_inversion(mean, c.exp_neg);
      } else if (len == 12.0) {
        c.mean = mean;
        c.exp_neg = std::exp(-mean);
        c.uses = 1;
        c.n = 0;
        n = rng.poisson_inversion(mean, c.exp_neg);
      } else {
        n = rng.poisson_inversion(mean, std::exp(-mean));
      }
    } else {
      n = mean <= static_cast<double>(kMaxOrdersPerIsv) ? rng.poisson(mean) : kMaxOrdersPerIsv + 1;
    }
    orders += n;
    if (orders > kMaxOrdersPerIsv)
      throw ScenarioError(P_.s.source, 0, 0, fmt::format("channels.isv.industries[{}]", P_.s.channels.isv.industries[v.industry].name),
                          fmt::format("an ISV would place more than {} orders within the horizon (orders_per_year x "
                                      "(1 + order_growth)^years live): check orders_per_year, order_growth and live_since",
                                      kMaxOrdersPerIsv));
    Order* o = order_slots(static_cast<std::size_t>(n));
    for (std::uint64_t k = n; k > 0; --k) {
      const int month = std::min(last_month, static_cast<int>(t + len * rng.uniform()));
      rev[month] += per_order;
      ys[year_of[month]] += per_order;
      *o++ = {id, month, per_order};
    }
    t = year_end;
    year_end += 12.0;
    growth *= 1.0 + v.growth;
    ++segment;
  }
  v.rng = rng;
}

void PoissonTable::build() {
  // The partial sums of Random::poisson_inversion, in its order of operations.
  double p = exp_neg;
  double f = p;
  int k = 0;
  cdf[0] = f;
  while (k + 1 < kTerms && k < 1000 && f < 1.0) {
    ++k;
    p *= mean / static_cast<double>(k);
    f += p;
    cdf[static_cast<std::size_t>(k)] = f;
  }
  n = k + 1;
  p_last = p;
  for (int j = 0; j <= kGuide; ++j) {
    const double level = static_cast<double>(j) / kGuide;
    int i = 0;
    while (i + 1 < n && cdf[static_cast<std::size_t>(i)] < level) ++i;
    guide[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(i);
  }
}

std::uint64_t PoissonTable::draw(Random& rng) const noexcept {
  REVSIM_COUNT_DRAW(poisson_small);
  const double u = rng.uniform();
  // The smallest k with u <= cdf[k]: cdf[guide[j]] >= j / kGuide, and every k below guide[j]
  // has cdf[k] < j / kGuide <= u for j = floor(u x kGuide), so the scan may start there.
  std::size_t k = guide[static_cast<std::size_t>(u * kGuide)];
  const auto last = static_cast<std::size_t>(n - 1);
  while (k < last && u > cdf[k]) ++k;
  if (!(u > cdf[k])) return k;
  // Past the table (u above every tabled sum): the sequential search, continued.
  double p = p_last;
  double f = cdf[last];
  std::uint64_t i = last;
  while (u > f && i < 1000) {
    ++i;
    p *= mean / static_cast<double>(i);
    f += p;
  }
  return i;
}

int IsvModel::next_active(int m) const noexcept {
  if (!active_.empty()) return m;  // a migration in progress works every month
  const double f = std::floor(isvs_[started_].engage_at);
  return f < static_cast<double>(std::numeric_limits<int>::max()) ? std::max(m, static_cast<int>(f))
                                                                   : std::numeric_limits<int>::max();
}

double IsvModel::load(int m) {
  // Engagements in progress in month m: started before the month's end, migration not ended.
  while (engaged_ < isvs_.size() && isvs_[engaged_].engage_at < m + 1.0) ++engaged_;
  return static_cast<double>(engaged_ - finished_) * P_.s.channels.isv.common.effort;
}

void IsvModel::advance(int m, TrialContext& ctx) {
  const double month_end = m + 1.0;
  // Engagements that start this month join the migrations in progress (isvs_ is in start order).
  for (; started_ < isvs_.size() && isvs_[started_].engage_at < month_end; ++started_) {
    Isv& v = isvs_[started_];
    active_.push_back(static_cast<std::uint32_t>(started_));
    if (v.phase != Phase::waiting) continue;  // under way at month 0 (§4.0)
    // "搞定一家的适配，一个行业都能看到机会": reuse when the industry's first success came in an
    // earlier month than this migration's start (§8).
    const int first = first_success_[v.industry];
    v.reused = first < m;  // kNoSuccess when none yet; -1 when ISVs were live at month 0
    v.phase = Phase::migrating;
    v.remaining = ctx.scaled_duration(Channel::isv, v.migration_m * (v.reused ? v.reuse : 1.0), m);
  }
  std::size_t keep = 0;
  for (std::size_t a = 0; a < active_.size(); ++a) {
    Isv& v = isvs_[active_[a]];
    double t = std::max(static_cast<double>(m), v.engage_at);
    if (!advance_engagement(v.remaining, t, month_end, ctx.rate)) {
      active_[keep++] = active_[a];
      continue;
    }
    ctx.phase_finished(v.rng);
    ++finished_;
    const double p = v.reused ? std::min(1.0, v.p_migrate + v.bonus) : v.p_migrate;
    if (!ctx.success(Channel::isv, p, m, v.rng)) {
      v.phase = Phase::done;  // a failed migration is not retried
      continue;
    }
    // "ISV默默的做了小白鼠，帮着完备了软件栈": each success adds isv_boost to M next month.
    ++ctx.isv_successes;
    if (first_success_[v.industry] == kNoSuccess) first_success_[v.industry] = m;
    v.phase = Phase::live;
    v.live_at = t;
    go_live(v, active_[a], ctx);
  }
  active_.resize(keep);
}

}  // namespace revsim::detail
