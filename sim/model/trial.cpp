#include "trial.hpp"

#include "revsim/scenario_io.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace revsim::detail {

Prepared::Prepared(const Scenario& scenario)
    : s(scenario), H(scenario.horizon_months()), Y(scenario.years) {
  // §3: Sigma factored once with Eigen's Cholesky (the loader has checked it is positive definite).
  const Eigen::Map<const Eigen::Matrix<double, 4, 4, Eigen::RowMajor>> sigma(s.market.channel_correlation.entry.data());
  chol = Eigen::LLT<Eigen::Matrix4d>(sigma).matrixL();
  for (int c = 0; c < kChannels; ++c) {
    const auto ci = static_cast<std::size_t>(c);
    const double rho = s.market.within_channel_correlation[ci];
    sqrt_rho[ci] = std::sqrt(rho);
    sqrt_1m_rho[ci] = std::sqrt(1.0 - rho);
  }
  elasticity = {s.channels.internet.common.maturity_elasticity, s.channels.carriers.common.maturity_elasticity,
                s.channels.government.common.maturity_elasticity, s.channels.isv.common.maturity_elasticity};
  // Streams keyed by names, so adding or editing one entity leaves the others' draws alone.
  for (const auto& a : s.channels.internet.accounts) internet_ids.push_back(stream_id("internet/" + a.name));
  for (const auto& o : s.channels.carriers.operators) carrier_ids.push_back(stream_id("carriers/" + o.name));
  for (const auto& i : s.channels.isv.industries) industry_ids.push_back(stream_id("isv/" + i.name));
  // Derived from the industry's stream with indices no scheduled engagement reaches (those
  // count 0, 1, 2, ...), so no name can make two of them collide.
  for (const std::uint64_t id : industry_ids) {
    live_ids.push_back(stream_id(id, 1ULL << 40U));
    migrating_ids.push_back(stream_id(id, (1ULL << 40U) + 1U));
  }
  for (const auto& np : s.channels.government.projects)
    named_project_ids.push_back(stream_id("government/projects/" + np.name));
  for (const auto& bc : s.channels.government.backlog) backlog_ids.push_back(stream_id("government/backlog/" + bc.name));
  if (s.channels.government.present)
    for (std::uint64_t k = 0; k < 256; ++k) project_ids.push_back(stream_id(streams::government_project, k));
  for (int m = 0; m < H; ++m) year_of_month.push_back(s.year_of(m));
  for (const auto& a : s.channels.internet.accounts) entity_names.push_back(a.name);
  for (const auto& o : s.channels.carriers.operators) entity_names.push_back(o.name);
  government_entity = entity_names.size();
  entity_names.emplace_back("government projects");
  for (const auto& i : s.channels.isv.industries) entity_names.push_back("ISVs: " + i.name);
  for (const auto& np : s.channels.government.projects) entity_names.push_back("project " + np.name);
  for (const auto& bc : s.channels.government.backlog) entity_names.push_back("backlog " + bc.name);
  entity_names.emplace_back("booked before month 0");
}

void Prepared::record_inputs() {
  const std::vector<Parameter> params = list_parameters(s);
  const std::vector<const Dist*> slots = parameter_slots(s);
  record = true;
  input_names.clear();
  input_slots.clear();
  for (const std::size_t p : per_trial_inputs(params)) {
    input_slots.emplace_back(slots[p], static_cast<std::uint32_t>(input_names.size()));
    input_names.push_back(params[p].path);
  }
  std::sort(input_slots.begin(), input_slots.end(),
            [](const auto& a, const auto& b) { return std::less<>()(a.first, b.first); });
}

namespace {
/// cash += revenue x margin - burn - turnkey cost + advances + 0.0 (no raise) month by month,
/// as the cash loop of run() adds it; the first month with cash < 0, or -1.
int cash_chain(double& cash, const double* monthly, const double* turnkey, const double* adjust, double margin,
               double burn, int horizon) noexcept {
  const double raised = 0;
  double c = cash;
  for (int m = 0; m < horizon; ++m) {
    c += monthly[m] * margin - burn - turnkey[m] + adjust[m] + raised;
    if (c < 0) {
      cash = c;
      return m;
    }
  }
  cash = c;
  return -1;
}
}  // namespace

TrialSimulator::TrialSimulator(const Prepared& p)
    : P_(p), ctx_(p), internet_(p), carriers_(p), government_(p), isv_(p) {}

void TrialSimulator::draw_market(bool need_a) {
  const Scenario& s = P_.s;
  const auto H = static_cast<std::size_t>(P_.H);
  ctx_.export_time = kNever;
  ctx_.domestic_share_factor = 1;
  Random product = ctx_.stream(streams::product);
  ctx_.card_price = ctx_.draw(s.product.card_price, product);
  if (!need_a) {
    ctx_.A.clear();  // no channel reads A: the rest of the product, Nvidia and controls draw nothing
    return;
  }
  own_log_.assign(H, 0.0);
  nvidia_log_.assign(H, 0.0);
  // A release or generation at time t counts from month floor(t) on; before month 0 from month 0 (§8).
  auto month_index = [&](double t) -> std::ptrdiff_t {
    return t < 0 ? 0 : static_cast<std::ptrdiff_t>(std::floor(t));
  };
  const double tco = ctx_.draw(s.product.tco_advantage, product);
  for (const Generation& g : s.product.generations) {
    const double t = ctx_.draw(g.month, product);
    const double gain = ctx_.draw(g.perf_gain, product);
    const auto k = month_index(t);
    if (k < P_.H) own_log_[static_cast<std::size_t>(k)] += std::log(gain);
  }
  // Export controls (§3, v2): with probability p, from time `month` Nvidia's perf per RMB as
  // sold in China is multiplied once by `step`, later releases gain by the controls' own draw,
  // and internet accounts' domestic share is multiplied by a factor. Own stream: adding the
  // block leaves every other draw of the trial alone.
  double controls_from = kNever;  // releases at or after this time gain what China may buy
  Random ecr = ctx_.stream(streams::export_controls);
  if (s.market.export_controls) {
    const ExportControls& ec = *s.market.export_controls;
    const double t = ctx_.draw(ec.month, ecr);
    const double p = ctx_.draw(ec.p, ecr);
    const double step = ctx_.draw(ec.step, ecr);
    const double factor = ctx_.draw(ec.domestic_share_factor, ecr);
    if (ecr.uniform() < p) {
      controls_from = t;
      ctx_.export_time = std::max(0.0, t);
      ctx_.domestic_share_factor = factor;
      const auto idx = month_index(t);
      if (idx < P_.H) nvidia_log_[static_cast<std::size_t>(idx)] += std::log(step);
    }
  }
  // Nvidia cadence ("黄教主可是一年2次发布会啊"): releases at first + k * interval, each jittered
  // by U(-jitter, +jitter), each multiplying Nvidia's perf per RMB by a fresh gain.
  Random nv = ctx_.stream(streams::nvidia);
  const double first = ctx_.draw(s.market.nvidia.first_release_month, nv);
  const double interval = ctx_.draw(s.market.nvidia.interval_months, nv);
  const double jitter = ctx_.draw(s.market.nvidia.jitter_months, nv);
  for (int k = 0;; ++k) {
    const double nominal = first + k * interval;
    if (nominal - jitter >= P_.H) break;
    const double t = nominal + nv.uniform(-jitter, jitter);
    double gain = s.market.nvidia.gain_per_release.sample(nv);  // drawn always: the stream keeps its place
    // Under export controls, a release at or after them gains what the parts sold in China gain.
    if (t >= controls_from) gain = s.market.export_controls->gain_per_release.sample(ecr);
    const auto idx = month_index(t);
    if (idx < P_.H) nvidia_log_[static_cast<std::size_t>(idx)] += std::log(gain);
  }
  // A(m) = tco_advantage x (own gains so far) / (Nvidia gains so far): a step function, so exp
  // only in the months where a release or a generation lands.
  ctx_.A.resize(H);
  double own = 0;
  double nvd = 0;
  double a = tco * std::exp(0.0);
  for (std::size_t m = 0; m < H; ++m) {
    if (own_log_[m] != 0.0 || nvidia_log_[m] != 0.0) {
      own += own_log_[m];
      nvd += nvidia_log_[m];
      a = tco * std::exp(own - nvd);
    }
    ctx_.A[m] = a;
  }
}

void TrialSimulator::engagement_stage(TrialTrace* trace) {
  // The coupled part of the model (§3, §8): engagements in progress load the software team,
  // the load sets the progress rate, phases that end in overloaded months leave branches, ISV
  // successes boost maturity. Advanced month by month, but only the months in which an
  // engagement is in progress or starts; in every other month the load is 0, the rate 1, and
  // M grows by growth / 12 (the path is extended lazily by TrialContext::M_at).
  const int H = P_.H;
  const double capacity = capacity_;
  for (int m = 0; m < H;) {
    int next = H;
    if (internet_.pending()) next = std::min(next, internet_.next_active(m));
    if (carriers_.pending()) next = std::min(next, carriers_.next_active(m));
    if (isv_.pending()) next = std::min(next, isv_.next_active(m));
    if (next >= H) break;
    m = next;
    ctx_.M_at(m);
    internet_.drop(m);
    const double load = internet_.load(m) + carriers_.load(m) + isv_.load(m);
    ctx_.rate = load > 0 ? std::min(1.0, capacity / load) : 1.0;
    ctx_.overloaded = load > capacity;
    if (trace != nullptr) rate_[static_cast<std::size_t>(m)] = ctx_.rate;
    ctx_.new_branches = 0;
    ctx_.isv_successes = 0;
    internet_.advance(m, ctx_);
    carriers_.advance(m, ctx_);
    isv_.advance(m, ctx_);
    // "模型泛化能力和编译器自动优化能力不足": M grows, slowed by customer branches, boosted by ISVs.
    ctx_.close_month(ctx_.new_branches, ctx_.isv_successes);
    ++m;
  }
}

void TrialSimulator::run(std::uint64_t seed, std::uint64_t trial, TrialOutcome& out, TrialTrace* trace) {
  const Scenario& s = P_.s;
  const auto Y = static_cast<std::size_t>(P_.Y);
  const auto H = static_cast<std::size_t>(P_.H);
  out.revenue.assign(Y * kChannels, 0.0);
  out.entity_face.assign(Y * P_.entity_names.size(), 0.0);
  out.fail_month = -1;
  out.listing = 0;
  out.start_month_in_year = s.start_month_in_year;
  out.account_revenue.assign(P_.n_accounts(), 0.0);
  out.account_first.assign(P_.n_accounts(), -1);
  out.largest_share.assign(Y, 0.0);
  out.top5_share.assign(Y, 0.0);
  ctx_.account_year.assign(P_.n_accounts() * Y, 0.0);
  ctx_.account_entries.clear();
  // The rows of rev that the last trial may have written back to 0 (the others are still 0).
  if (ctx_.rev.size() != H * kChannels) {
    ctx_.rev.assign(H * kChannels, 0.0);
  } else {
    for (std::size_t c = 0; c < kChannels; ++c)
      if ((ctx_.booked >> c & 1U) != 0) std::fill_n(ctx_.rev.begin() + static_cast<std::ptrdiff_t>(c * H), H, 0.0);
  }
  ctx_.booked = s.channels.isv.present ? 1U << static_cast<unsigned>(Channel::isv) : 0U;
  ctx_.turnkey.assign(H, 0.0);
  ctx_.adjust.assign(H, 0.0);
  ctx_.seed = seed;
  ctx_.trial = trial;
  ctx_.key_prefix = Random::trial_prefix(seed, trial);
  ctx_.out = &out;
  if (P_.record) {
    out.inputs.assign(P_.input_names.size(), std::numeric_limits<double>::quiet_NaN());
    out.cash.assign(Y, std::numeric_limits<double>::quiet_NaN());
  }
  // Revenue booked in start_year before month 0 (§4.0): in the first fiscal year, not in cash.
  double booked_total = 0;
  for (int c = 0; c < kChannels; ++c) {
    out.revenue[static_cast<std::size_t>(c)] += s.booked[static_cast<std::size_t>(c)];
    booked_total += s.booked[static_cast<std::size_t>(c)];
  }
  if (booked_total > 0) out.entity_face[P_.booked_entity() * Y] += booked_total;

  Random company = ctx_.stream(streams::company);
  double cash = ctx_.draw(s.company.cash, company);
  const double burn = ctx_.draw(s.company.burn_per_month, company);
  const double rd_share = ctx_.draw(s.company.rd_share, company);
  const double margin = ctx_.draw(s.company.gross_margin, company);
  const double valuation = ctx_.draw(s.company.valuation, company);
  capacity_ = ctx_.draw(s.company.poc_capacity, company);
  Random software = ctx_.stream(streams::software);
  ctx_.start_maturity(ctx_.draw(s.software.maturity, software));
  ctx_.growth = ctx_.draw(s.software.growth_per_year, software);
  ctx_.boost = ctx_.draw(s.software.isv_boost, software);
  ctx_.penalty = ctx_.draw(s.software.branch_penalty, software);
  ctx_.hardcode_p = ctx_.draw(s.software.hardcode_p, software);
  // Fund-raises {month, amount, p, traction?}: each yes/no independent, in month floor(month),
  // decided by one uniform u < the probability that applies (§3, v2), so common random numbers hold.
  raises_.clear();
  if (!s.company.raises.empty()) {
    Random raise_rng = ctx_.stream(streams::raises);
    for (const Raise& r : s.company.raises) {
      PendingRaise pr{};
      const double month = ctx_.draw(r.month, raise_rng);
      pr.amount = ctx_.draw(r.amount, raise_rng);
      pr.p = ctx_.draw(r.p, raise_rng);
      pr.traction = r.traction.has_value();
      if (pr.traction) {
        pr.revenue_12m = ctx_.draw(r.traction->revenue_12m, raise_rng);
        pr.p_traction = ctx_.draw(r.traction->p, raise_rng);
      }
      pr.u = raise_rng.uniform();
      pr.month = static_cast<int>(std::floor(month));
      if (month < P_.H) raises_.push_back(pr);
    }
  }
  const int before = s.months_before_start();
  monthly_.resize(H);
  // Only what some present channel reads is drawn: the card price (internet, carriers, ISVs),
  // A (internet and carriers; a trace shows it always), Z (a channel with rho > 0).
  const auto& ch = s.channels;
  const bool need_a = ch.internet.present || ch.carriers.present || trace != nullptr;
  if (need_a || ch.isv.present) draw_market(need_a);
  // Correlated luck (§3): Z_y ~ N(0, Sigma) of fiscal year y, drawn when first read.
  ctx_.Z.resize(Y);
  ctx_.z_have = 0;

  internet_.setup(ctx_);
  carriers_.setup(ctx_);
  government_.setup(ctx_);
  isv_.setup(ctx_);

  if (trace != nullptr) rate_.assign(H, 1.0);
  engagement_stage(trace);
  internet_.finish(ctx_);
  carriers_.finish(ctx_);
  government_.finish(ctx_);

  // Cash month by month (§3): revenue x margin - burn - turnkey cost + advances + raises; the
  // first month with cash < 0 is the failure month (its revenue counts, nothing after).
  // Three passes, each with the additions of the one month loop this was, in the same order:
  // the months' totals (row by row: 0 + the first booked row + the next ...), the cash chain,
  // then each booked row's yearly sums up to the last month alive.
  // Every array the pass reads through a local pointer: the stores into the outcome and into
  // monthly_ could otherwise alias the vectors' data pointers, which were then reloaded each month.
  const double* const rev = ctx_.rev.data();
  const double* const turnkey = ctx_.turnkey.data();
  const double* const adjust = ctx_.adjust.data();
  const int* const year_of = P_.year_of_month.data();
  double* const monthly = monthly_.data();
  const PendingRaise* const raise_begin = raises_.data();
  const PendingRaise* const raise_end = raise_begin + raises_.size();
  const bool record = P_.record;
  const int horizon = P_.H;
  const unsigned rows = ctx_.booked;
  double* const year_rev = out.revenue.data();
  // A channel with nothing booked this trial has a row of +0.0: adding it changes neither sum
  // (neither is ever -0.0), so it is skipped.
  std::fill_n(monthly, H, 0.0);
  for (std::size_t c = 0; c < kChannels; ++c) {
    if ((rows >> c & 1U) == 0) continue;
    const double* const r = rev + c * H;
    for (std::size_t mi = 0; mi < H; ++mi) monthly[mi] += r[mi];
  }
  int last_month = horizon - 1;
  // Without raises and recorded cash, the chain alone (its own loop: few live values, so they
  // stay in registers); raised is +0.0 in every month, added as the loop below adds it.
  const int fast_fail = raise_begin == raise_end && !record ? cash_chain(cash, monthly, turnkey, adjust, margin, burn, horizon) : -2;
  if (fast_fail >= 0) {
    out.fail_month = fast_fail;
    last_month = fast_fail;
  }
  for (int m = fast_fail == -2 ? 0 : horizon; m < horizon; ++m) {
    const auto mi = static_cast<std::size_t>(m);
    const double total = monthly[mi];
    double raised = 0;
    for (const PendingRaise* rp = raise_begin; rp != raise_end; ++rp) {
      const PendingRaise& r = *rp;
      if (r.month != m) continue;
      // "资本寒冬": with traction (revenue over the 12 months before this month >= revenue_12m)
      // the raise succeeds with traction.p instead of p.
      double p = r.p;
      if (r.traction) {
        // Booked revenue as its share of the months before month 0 inside the window, in one
        // step (a sum of booked / before per month would round 70 to 69.99999999999999).
        const int first = std::max(-before, m - 12);
        double trailing = first == -before ? booked_total
                          : first < 0      ? booked_total * static_cast<double>(-first) / before
                                           : 0.0;
        for (int k = std::max(0, first); k < m; ++k) trailing += monthly[static_cast<std::size_t>(k)];
        if (trailing >= r.revenue_12m) p = r.p_traction;
      }
      if (r.u < p) raised += r.amount;
    }
    cash += total * margin - burn - turnkey[mi] + adjust[mi] + raised;
    if (cash < 0) {
      out.fail_month = m;  // its revenue counts, nothing after (§8)
      last_month = m;
      break;
    }
    // --samples: the cash at the end of each fiscal year survived (NaN, set above, after a failure).
    if (record && (m + 1 == horizon || year_of[mi + 1] != year_of[mi])) out.cash[static_cast<std::size_t>(year_of[mi])] = cash;
  }
  // Each booked row's sums by fiscal year over months [0, last_month], month by month onto what
  // the year already holds (booked revenue before month 0 in the first year).
  for (std::size_t c = 0; c < kChannels; ++c) {
    if ((rows >> c & 1U) == 0) continue;
    const double* const r = rev + c * H;
    for (int y = 0; y < P_.Y && s.year_begin(y) <= last_month; ++y) {
      const int to = std::min(s.year_end(y), last_month + 1);
      double sum = year_rev[static_cast<std::size_t>(y) * kChannels + c];
      for (int m = s.year_begin(y); m < to; ++m) sum += r[m];
      year_rev[static_cast<std::size_t>(y) * kChannels + c] = sum;
    }
  }
  const int last = out.fail_month >= 0 ? out.fail_month : P_.H - 1;
  // Named accounts' revenue while alive (§5), in the order it was booked.
  for (const TrialContext::AccountEntry& e : ctx_.account_entries) {
    if (e.month > last) continue;
    out.account_revenue[e.idx] += e.amount;
    ctx_.account_year[e.idx * Y + static_cast<std::size_t>(ctx_.year_of(e.month))] += e.amount;
    if (e.delivery && out.account_first[e.idx] < 0) out.account_first[e.idx] = e.month;
  }
  if (trace != nullptr) {
    for (int m = 0; m <= last; ++m) {
      trace->tco_advantage.push_back(ctx_.A[static_cast<std::size_t>(m)]);
      trace->maturity.push_back(ctx_.M_at(m));
      trace->rate.push_back(rate_[static_cast<std::size_t>(m)]);
    }
  }

  // STAR Market standard 2 (§5, §8): revenue >= threshold; R&D over the last up-to-three fiscal
  // years >= 15 % of revenue over them (R&D = burn x rd_share per month alive, the months of
  // start_year before month 0 included; earlier years from company.history); valuation >= 1500;
  // and (v2) the company alive at the end of the year: a bankrupt company does not list.
  for (int yi = 0; yi < P_.Y; ++yi) {
    if (out.year_total(yi) < s.threshold || valuation < 1500.0 || !out.alive_through(yi)) continue;
    double rd = 0;
    double rev_sum = 0;
    for (int w = yi - 2; w <= yi; ++w) {
      if (w < 0) {
        const auto h = s.company.history.find(s.start_year + w);
        if (h != s.company.history.end()) {
          rd += h->second.rd;
          rev_sum += h->second.revenue;
        }
        continue;
      }
      const int end = out.fail_month < 0 ? s.year_end(w) : std::min(s.year_end(w), out.fail_month + 1);
      const int alive = std::max(0, end - s.year_begin(w)) + (w == 0 ? before : 0);
      rd += burn * rd_share * alive;
      rev_sum += out.year_total(w);
    }
    if (rd >= 0.15 * rev_sum) out.listing |= 1U << static_cast<unsigned>(yi);
  }
  concentration(out);
}

void TrialSimulator::concentration(TrialOutcome& out) {
  // §5 (v2): per fiscal year, the shares of the year's revenue (booked included) taken by the
  // largest customer and the five largest. Customers: each named account and operator, each
  // government project, each ISV; revenue only while alive.
  const int last = out.fail_month >= 0 ? out.fail_month : P_.H - 1;
  const auto Y = static_cast<std::size_t>(P_.Y);
  top_.assign(Y * 5, 0.0);
  auto add = [&](int y, double v) {
    if (v <= 0) return;
    double* t = top_.data() + static_cast<std::size_t>(y) * 5;
    if (v <= t[4]) return;
    int k = 4;
    while (k > 0 && t[k - 1] < v) {
      t[k] = t[k - 1];
      --k;
    }
    t[k] = v;
  };
  for (std::size_t a = 0; a < P_.n_accounts(); ++a)
    for (std::size_t y = 0; y < Y; ++y) add(static_cast<int>(y), ctx_.account_year[a * Y + y]);
  government_.customers(last, ctx_, add);
  // Each ISV's orders are contiguous (written when it went live): its yearly sums, then add.
  // Alive to the horizon, every order counts: the sums kept when each ISV went live (the same
  // additions in the same order) are those of the orders.
  if (last == P_.H - 1) {
    isv_.customer_years([&](const double* ys) {
      for (std::size_t y = 0; y < Y; ++y) add(static_cast<int>(y), ys[y]);
    });
  } else {
    isv_year_.assign(Y, 0.0);
    std::uint32_t current = std::numeric_limits<std::uint32_t>::max();
    auto flush = [&] {
      for (std::size_t y = 0; y < Y; ++y) {
        add(static_cast<int>(y), isv_year_[y]);
        isv_year_[y] = 0.0;
      }
    };
    isv_.customers(last, ctx_, [&](std::uint32_t id, int y, double v) {
      if (id != current) {
        if (current != std::numeric_limits<std::uint32_t>::max()) flush();
        current = id;
      }
      isv_year_[static_cast<std::size_t>(y)] += v;
    });
    if (current != std::numeric_limits<std::uint32_t>::max()) flush();
  }
  for (std::size_t y = 0; y < Y; ++y) {
    const double total = out.year_total(static_cast<int>(y));
    if (total <= 0) continue;
    const double* t = top_.data() + y * 5;
    out.largest_share[y] = t[0] / total;
    out.top5_share[y] = (t[0] + t[1] + t[2] + t[3] + t[4]) / total;
  }
}

}  // namespace revsim::detail
