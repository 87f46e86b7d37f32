// A validated, typed scenario (MODEL.md §2-§4, §7): plain structs holding every key with its
// built-in default. Parsing lives in scenario_io.hpp; the engine never sees YAML.
#pragma once

#include "revsim/distribution.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace revsim {

/// The four channels, in the order of market.channel_correlation's rows.
enum class Channel { internet = 0, carriers = 1, government = 2, isv = 3 };
inline constexpr int kChannels = 4;
inline constexpr std::array<const char*, kChannels> kChannelNames{"internet", "carriers", "government", "isv"};
inline const char* to_string(Channel c) noexcept { return kChannelNames[static_cast<int>(c)]; }

/// A raise that depends on traction (MODEL.md §3, v2): when revenue over the 12 months before
/// the raise's month is at least revenue_12m, it succeeds with this p instead of the raise's.
struct Traction {
  Dist revenue_12m = Dist::constant(0);
  Dist p = Dist::constant(1);
};

struct Raise {
  Dist month = Dist::constant(0);
  Dist amount = Dist::constant(0);
  Dist p = Dist::constant(1);
  std::optional<Traction> traction;
};

/// A fiscal year before start_year, for the listing test's three-year window (§4.0).
struct HistoryYear {
  double revenue = 0;  ///< M RMB
  double rd = 0;       ///< R&D spend, M RMB
};

struct Company {
  Dist cash = Dist::constant(1000);
  Dist burn_per_month = Dist::constant(40);
  Dist rd_share = Dist::constant(0.7);
  Dist gross_margin = Dist::constant(0.5);
  Dist valuation = Dist::constant(5000);
  Dist poc_capacity = Dist::constant(3);
  std::vector<Raise> raises;
  std::map<int, HistoryYear> history;  ///< fiscal year -> revenue and R&D (v2)
};

struct Generation {
  Dist month = Dist::constant(0);
  Dist perf_gain = Dist::constant(1);
};

struct Product {
  Dist card_price = Dist::make(DistKind::uniform, {0.03, 0.08});
  Dist tco_advantage = Dist::constant(1.5);
  std::vector<Generation> generations;
};

struct Software {
  Dist maturity = Dist::constant(0.5);
  Dist growth_per_year = Dist::constant(0.1);
  Dist isv_boost = Dist::constant(0.01);
  Dist branch_penalty = Dist::constant(0.1);
  Dist hardcode_p = Dist::constant(0.5);
};

struct Nvidia {
  Dist first_release_month = Dist::constant(3);
  Dist interval_months = Dist::constant(6);
  Dist jitter_months = Dist::constant(1);
  Dist gain_per_release = Dist::make(DistKind::lognormal, {1.05, 1.35});
};

/// Export controls (MODEL.md §3, v2): a regime change in what Nvidia may sell in China.
struct ExportControls {
  Dist month = Dist::constant(0);  ///< when they take effect (<= 0: in force at month 0)
  Dist p = Dist::constant(1);      ///< probability that they come at all (one draw per trial)
  Dist step = Dist::constant(1);   ///< one-off factor on Nvidia's perf per RMB as sold in China
  Dist gain_per_release = Dist::constant(1);       ///< replaces market.nvidia.gain_per_release after
  Dist domestic_share_factor = Dist::constant(1);  ///< on every internet account's domestic_share
};

/// A 4 x 4 correlation matrix of the channels, row-major (row and column i = Channel i). A plain
/// array rather than Eigen's Matrix4d keeps Eigen out of every file that includes this header
/// (the model's Cholesky factor is taken from it with Eigen in the engine and the loader).
struct ChannelCorrelation {
  std::array<double, kChannels * kChannels> entry{};

  double& operator()(int i, int j) { return entry[static_cast<std::size_t>(i * kChannels + j)]; }
  double operator()(int i, int j) const { return entry[static_cast<std::size_t>(i * kChannels + j)]; }
  /// Every off-diagonal entry `off`, the diagonal 1.
  static ChannelCorrelation uniform(double off) {
    ChannelCorrelation c;
    for (int i = 0; i < kChannels; ++i)
      for (int j = 0; j < kChannels; ++j) c(i, j) = i == j ? 1.0 : off;
    return c;
  }
};

struct Market {
  Nvidia nvidia;
  std::optional<ExportControls> export_controls;
  ChannelCorrelation channel_correlation = ChannelCorrelation::uniform(0.3);
  std::array<double, kChannels> within_channel_correlation{0.2, 0.2, 0.2, 0.2};
};

/// Channel-level constants (MODEL.md §4: "maturity_elasticity and effort are channel-level").
struct ChannelCommon {
  double maturity_elasticity = 1.0;
  double effort = 1.0;
};

enum class AccountKind { internal, cloud };

/// Where an entity stands at month 0 (MODEL.md §4.0, v2).
enum class StagePhase { none, evaluation, npi, grey, production, listed };
struct Stage {
  StagePhase phase = StagePhase::none;  ///< none: starts from zero at start_month
  Dist elapsed = Dist::constant(0);     ///< months already spent in the phase
};

struct InhouseChip {
  Dist p = Dist::constant(0.3);
  Dist month = Dist::make(DistKind::lognormal, {24, 60});
  Dist residual = Dist::constant(0.1);
};

/// One internet/cloud account (MODEL.md §4.1), after the defaults cascade.
struct InternetAccount {
  std::string name;
  AccountKind kind = AccountKind::internal;
  bool investor = false;
  Dist price_factor = Dist::constant(1.0);
  Dist start_month = Dist::constant(0);
  /// The account's whole yearly purchase, China since 2022: ByteDance and Tencent each bought
  /// ~230 000 Nvidia Hopper-class cards in 2024 (Omdia via the FT); docs/model.md, "Sources".
  Dist annual_cards = Dist::make(DistKind::lognormal, {30000, 300000});
  /// China since the export controls of 2022: 19 % of 2023 sales (Bernstein) to ~40 % of 2025 AI
  /// servers (TrendForce); docs/backtest.md, "Defaults changed".
  Dist domestic_share = Dist::make(DistKind::uniform, {0.19, 0.40});
  Dist vendor_share = Dist::constant(0.25);
  Dist eval_months = Dist::make(DistKind::lognormal, {2, 6});
  Dist p_eval = Dist::constant(0.6);
  Dist npi_months = Dist::make(DistKind::lognormal, {9, 24});
  Dist p_npi = Dist::constant(0.6);
  Dist grey_cards = Dist::constant(100);
  Dist p_grey_paid = Dist::constant(0.5);
  Dist grey_months = Dist::make(DistKind::uniform, {3, 6});
  Dist p_stable = Dist::constant(0.7);
  Dist cloud_stability_factor = Dist::constant(0.8);
  Dist tco_hurdle = Dist::constant(1.2);
  std::vector<Dist> ramp{Dist::constant(0.3), Dist::constant(0.7), Dist::constant(1.0)};
  Dist investor_npi_factor = Dist::constant(0.6);
  Dist investor_inhouse_factor = Dist::constant(1.5);
  InhouseChip inhouse_chip;
  Stage stage;  ///< entity key only (not a defaults: key)
};

struct InternetChannel {
  bool present = false;
  ChannelCommon common{1.0, 1.0};
  std::vector<InternetAccount> accounts;
};

/// One telecom operator (MODEL.md §4.2).
struct CarrierOperator {
  std::string name;
  Dist price_factor = Dist::constant(0.8);
  Dist start_month = Dist::constant(0);
  Dist eval_months = Dist::make(DistKind::uniform, {3, 9});
  Dist p_eval = Dist::constant(0.5);
  Dist p_list = Dist::constant(0.5);
  Dist annual_cards = Dist::constant(5000);
  Dist procurement_month = Dist::constant(6);
  Dist p_award = Dist::constant(0.3);
  Dist award_share = Dist::make(DistKind::beta, {2, 6});
  Dist tco_hurdle = Dist::constant(1.0);
  Dist delivery_months = Dist::constant(6);
  Stage stage;  ///< evaluation (with elapsed) or listed
};

struct CarrierChannel {
  bool present = false;
  ChannelCommon common{0.7, 1.0};
  std::vector<CarrierOperator> operators;
};

/// Per-project keys of the government channel (MODEL.md §4.3); a named project may override them.
struct ProjectParams {
  /// Intelligent-computing-centre tenders since 2023: hundreds of M to billions of RMB each
  /// (IT Times, 2024; IDC圈 sizes); docs/model.md, "Sources of the defaults".
  Dist value = Dist::make(DistKind::lognormal, {200, 2000});
  Dist p_slip = Dist::constant(0.4);
  Dist max_slips = Dist::constant(2);
  Dist p_win = Dist::constant(0.3);
  Dist turnkey_p = Dist::constant(0.5);
  Dist turnkey_cost_share = Dist::make(DistKind::uniform, {0.15, 0.35});
  Dist subcontract_share = Dist::make(DistKind::uniform, {0.2, 0.4});
  Dist delivery_months = Dist::make(DistKind::uniform, {3, 12});
  Dist advance_share = Dist::constant(0.3);  ///< v2: customer advance at the win
};

/// A named open opportunity (§4.0): decided at due_month, then as any project.
struct NamedProject {
  std::string name;
  Dist due_month = Dist::constant(0);
  ProjectParams params;
};

/// A contract won before month 0, still in delivery (§4.0): no probabilities.
struct BacklogContract {
  std::string name;
  Dist value = Dist::constant(0);
  Dist delivery_end_month = Dist::constant(0);
  bool turnkey = false;
  Dist turnkey_cost_share = Dist::make(DistKind::uniform, {0.15, 0.35});
  Dist subcontract_share = Dist::make(DistKind::uniform, {0.2, 0.4});
  Dist advance_received = Dist::constant(0);
};

/// Government and large enterprise (MODEL.md §4.3): one block.
struct GovernmentChannel {
  bool present = false;
  ChannelCommon common{0.3, 0.0};
  Dist price_factor = Dist::constant(1.0);  ///< no effect (MODEL.md §8)
  /// ~30-100 government-led intelligent-computing-centre projects a year in China since 2023
  /// (CAICT, IDC圈); a vendor in the running for a few of them. docs/model.md, "Sources".
  Dist projects_per_year = Dist::make(DistKind::uniform, {1.0, 5.0});
  Dist first_month = Dist::constant(0);
  Dist sales_cycle_months = Dist::make(DistKind::lognormal, {6, 24});
  ProjectParams project;  ///< per-project keys, the channel's values
  Dist sales_patience_months = Dist::constant(30);
  Dist p_sales_leave = Dist::constant(0.5);
  Dist rehire_months = Dist::constant(6);
  std::vector<NamedProject> projects;     ///< v2: named open opportunities
  std::vector<BacklogContract> backlog;   ///< v2: won contracts still in delivery
};

/// Per-ISV keys (MODEL.md §4.4); an industry entry may override any of them.
struct IsvParams {
  Dist price_factor = Dist::constant(1.1);
  Dist migration_months = Dist::make(DistKind::lognormal, {2, 6});
  Dist p_migrate = Dist::constant(0.6);
  Dist industry_reuse = Dist::constant(0.5);
  Dist industry_p_bonus = Dist::constant(0.15);
  Dist orders_per_year = Dist::constant(3);
  Dist cards_per_order = Dist::make(DistKind::uniform_int, {3, 5});
  Dist order_growth = Dist::constant(0.3);
  Dist p_large = Dist::constant(0.05);
  Dist large_cards_per_year = Dist::make(DistKind::uniform_int, {50, 150});
};

struct Industry {
  std::string name;
  Dist isvs = Dist::constant(0);  ///< drawn once per trial, floored
  IsvParams params;
  // v2, §4.0: ISVs already live or migrating at month 0 (constants, whole numbers).
  int live = 0;
  double live_since = 0;  ///< <= 0: when the live ISVs went live
  int migrating = 0;
  double migration_elapsed = 0;  ///< months of migration work already done
};

struct IsvChannel {
  bool present = false;
  ChannelCommon common{0.5, 0.25};
  Dist first_month = Dist::constant(0);
  Dist engagements_per_year = Dist::constant(6);
  std::vector<Industry> industries;
};

struct Channels {
  InternetChannel internet;
  CarrierChannel carriers;
  GovernmentChannel government;
  IsvChannel isv;
};

/// Limits that keep a run bounded (docs/model.md, "Limits").
inline constexpr int kMaxYears = 30;
inline constexpr std::uint64_t kMaxTrials = 1'000'000'000ULL;

struct Scenario {
  std::string name;
  std::string source;  ///< file the scenario came from (for messages and reports)
  int start_year = 2023;
  int start_month_in_year = 1;  ///< calendar month (1-12) of month 0 (v2)
  int years = 5;
  double threshold = 200;
  std::uint64_t trials = 100000;
  std::uint64_t seed = 1;
  Company company;
  Product product;
  Software software;
  Market market;
  Channels channels;
  std::map<int, double> forecast;  ///< fiscal year -> M RMB
  /// What the company filed (history scenarios, `revsim backtest`): fiscal year -> revenue, M RMB.
  std::map<int, double> actuals;
  /// Filed revenue by channel: fiscal year -> channel index (Channel) -> M RMB; channels not given are absent.
  std::map<int, std::map<int, double>> actuals_channels;
  /// Filed share of the year's revenue from the five largest customers: fiscal year -> 0..1.
  std::map<int, double> actuals_top5_share;
  /// Revenue recognised in start_year before month 0, by channel (v2, §4.0).
  std::array<double, kChannels> booked{};
  /// Warnings found while loading (file:line:column: key: why; or file: channels: when no channel
  /// is present), for stderr and Python's ScenarioWarning.
  std::vector<std::string> warnings;

  /// H = 12 years - (start_month_in_year - 1): the first fiscal year may be partial (§1).
  int horizon_months() const noexcept { return 12 * years - (start_month_in_year - 1); }
  /// Months of start_year before month 0.
  int months_before_start() const noexcept { return start_month_in_year - 1; }
  /// Fiscal-year index (0 = start_year) of month t.
  int year_of(int month) const noexcept { return (month + start_month_in_year - 1) / 12; }
  /// First month of fiscal year index y (0 for the first year).
  int year_begin(int y) const noexcept { return y == 0 ? 0 : 12 * y - (start_month_in_year - 1); }
  /// One past the last month of fiscal year index y.
  int year_end(int y) const noexcept { return 12 * (y + 1) - (start_month_in_year - 1); }
};

}  // namespace revsim
