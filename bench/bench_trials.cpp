// revsim_bench: throughput of the engine and samplers, one channel alone, whole trials of every
// shipped scenario, the parallel engine at 1..N threads, the aggregation step, and the
// reference table of docs/performance.md (RNG floor, ratio, speed-up, scaling).
//
//   revsim_bench [--draws=FILE] [--summary=OUT] [Google Benchmark options]
//
// FILE is the JSON of bench/revsim_draws (draws per trial by kind); scripts/bench passes it.
// OUT receives the reference table's figures as JSON (RNG floor, actual, ratio, threads), which
// scripts/bench gathers into its targets table.
#include "revsim/engine.hpp"
#include "revsim/rng.hpp"
#include "revsim/scenario_io.hpp"
#include "revsim/statistics.hpp"
#include "revsim/streaming.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

const std::string kScenarios = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

/// A shipped scenario by name ("reference"), or a path relative to the source tree with a '/'
/// ("bench/scenarios/government-only"); ".yaml" is added.
revsim::Scenario scenario(const std::string& name) {
  if (name.find('/') != std::string::npos)
    return revsim::load_scenario(std::string(REVSIM_SOURCE_DIR) + "/" + name + ".yaml");
  return revsim::load_scenario(kScenarios + name + ".yaml");
}

// ---- The engine and the samplers, ns per draw ------------------------------------------

void BM_EngineWord(benchmark::State& state) {
  revsim::Random r(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(r.engine()());
}
BENCHMARK(BM_EngineWord);

template <class F>
void sampler(benchmark::State& state, F f) {
  revsim::Random r(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(f(r));
}
void BM_Uniform(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.uniform(); }); }
void BM_Normal(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.normal(); }); }
void BM_Exponential(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.exponential(1.0); }); }
void BM_Gamma(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.gamma(2.5); }); }
void BM_Beta(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.beta(2.0, 6.0); }); }
void BM_PoissonSmall(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.poisson(0.5); }); }
void BM_PoissonLarge(benchmark::State& s) { sampler(s, [](revsim::Random& r) { return r.poisson(50.0); }); }
BENCHMARK(BM_Uniform);
BENCHMARK(BM_Normal);
BENCHMARK(BM_Exponential);
BENCHMARK(BM_Gamma);
BENCHMARK(BM_Beta);
BENCHMARK(BM_PoissonSmall);
BENCHMARK(BM_PoissonLarge);

/// Every value form through Dist::sample (what a parameter draw costs).
void BM_DistSample(benchmark::State& state, revsim::DistKind kind, std::vector<double> args) {
  const revsim::Dist d = revsim::Dist::make(kind, args);
  revsim::Random r(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(d.sample(r));
}
BENCHMARK_CAPTURE(BM_DistSample, constant, revsim::DistKind::constant, std::vector<double>{3});
BENCHMARK_CAPTURE(BM_DistSample, uniform, revsim::DistKind::uniform, std::vector<double>{1, 3});
BENCHMARK_CAPTURE(BM_DistSample, uniform_int, revsim::DistKind::uniform_int, std::vector<double>{3, 5});
BENCHMARK_CAPTURE(BM_DistSample, triangular, revsim::DistKind::triangular, std::vector<double>{1, 2, 6});
BENCHMARK_CAPTURE(BM_DistSample, pert, revsim::DistKind::pert, std::vector<double>{1, 2, 6});
BENCHMARK_CAPTURE(BM_DistSample, normal, revsim::DistKind::normal, std::vector<double>{5, 1});
BENCHMARK_CAPTURE(BM_DistSample, lognormal, revsim::DistKind::lognormal, std::vector<double>{9, 24});
BENCHMARK_CAPTURE(BM_DistSample, beta, revsim::DistKind::beta, std::vector<double>{2, 6});

// ---- Whole trials, one thread -----------------------------------------------------------

std::map<std::string, double> g_draws_per_trial;  // kind -> count, for the reference scenario

void trials(benchmark::State& state, const revsim::Scenario& s) {
  std::uint64_t first = 0;
  constexpr std::uint64_t kBatch = 256;
  for (auto _ : state) {
    auto out = revsim::simulate_trials(s, 1, first, kBatch);
    benchmark::DoNotOptimize(out.data());
    first += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
  state.counters["bytes_per_trial"] =
      static_cast<double>(revsim::run_memory_bytes(s, 1000000)) / 1e6;  // exact-quantile samples
  state.counters["years"] = s.years;  // trial-years/s = items_per_second x years
}

void BM_Trials(benchmark::State& state, const std::string& name) {
  const revsim::Scenario s = scenario(name);
  trials(state, s);
  if (name == "reference")
    for (const auto& [kind, n] : g_draws_per_trial) state.counters["draws." + kind] = n;
}
BENCHMARK_CAPTURE(BM_Trials, reference, std::string("reference"));
BENCHMARK_CAPTURE(BM_Trials, example, std::string("example"));
BENCHMARK_CAPTURE(BM_Trials, turnkey_builder, std::string("turnkey-builder"));
BENCHMARK_CAPTURE(BM_Trials, internet_first, std::string("internet-first"));
BENCHMARK_CAPTURE(BM_Trials, isv_first, std::string("isv-first"));
BENCHMARK_CAPTURE(BM_Trials, carrier_bet, std::string("carrier-bet"));
BENCHMARK_CAPTURE(BM_Trials, balanced, std::string("balanced"));
BENCHMARK_CAPTURE(BM_Trials, pipeline_today, std::string("pipeline-today"));
// The government channel alone, as the numpy peer (bench/peers/government_numpy.py) models it.
BENCHMARK_CAPTURE(BM_Trials, government_only, std::string("bench/scenarios/government-only"));

/// The reference scenario with one channel only (the shared state still runs).
void BM_ChannelAlone(benchmark::State& state, revsim::Channel keep) {
  revsim::Scenario s = scenario("reference");
  auto& c = s.channels;
  c.internet.present = keep == revsim::Channel::internet;
  c.carriers.present = keep == revsim::Channel::carriers;
  c.government.present = keep == revsim::Channel::government;
  c.isv.present = keep == revsim::Channel::isv;
  if (keep != revsim::Channel::internet) c.internet.accounts.clear();
  if (keep != revsim::Channel::carriers) c.carriers.operators.clear();
  trials(state, s);
}
BENCHMARK_CAPTURE(BM_ChannelAlone, internet, revsim::Channel::internet);
BENCHMARK_CAPTURE(BM_ChannelAlone, carriers, revsim::Channel::carriers);
BENCHMARK_CAPTURE(BM_ChannelAlone, government, revsim::Channel::government);
BENCHMARK_CAPTURE(BM_ChannelAlone, isv, revsim::Channel::isv);

/// Scaling with entities: the reference scenario with its ISV count multiplied by range(0).
void BM_IsvScale(benchmark::State& state) {
  revsim::Scenario s = scenario("reference");
  const auto k = static_cast<double>(state.range(0));
  for (auto& ind : s.channels.isv.industries) ind.isvs = revsim::Dist::constant(ind.isvs.value() * k);
  s.channels.isv.engagements_per_year = revsim::Dist::constant(s.channels.isv.engagements_per_year.value() * k);
  trials(state, s);
}
BENCHMARK(BM_IsvScale)->Arg(1)->Arg(2);

// ---- The parallel engine ----------------------------------------------------------------

void BM_Engine(benchmark::State& state) {
  const revsim::Scenario s = scenario("reference");
  revsim::RunOptions o;
  o.trials = static_cast<std::uint64_t>(state.range(1));
  o.threads = static_cast<int>(state.range(0));
  o.seed_set = true;
  o.seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(revsim::run_simulation(s, o));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(1));
}

// ---- Aggregation: exact quantiles of N samples, and the streaming estimator -----------

void BM_ExactQuantiles(benchmark::State& state) {
  revsim::Random r(1, 0, 0);
  std::vector<double> x(static_cast<std::size_t>(state.range(0)));
  for (double& v : x) v = std::exp(3 + 2 * r.normal());
  for (auto _ : state) {
    std::vector<double> y = x;
    std::sort(y.begin(), y.end());
    benchmark::DoNotOptimize(revsim::quantile_sorted(y, 0.5));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_ExactQuantiles)->Arg(100000)->Arg(1000000);

void BM_StreamingQuantiles(benchmark::State& state) {
  revsim::Random r(1, 0, 0);
  std::vector<double> x(static_cast<std::size_t>(state.range(0)));
  for (double& v : x) v = std::exp(3 + 2 * r.normal());
  for (auto _ : state) {
    revsim::LogHistogram h;
    for (double v : x) h.add(v);
    benchmark::DoNotOptimize(h.quantile(0.5));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  // The counts and slots (the edges of the bins in use come on top: 32 bytes each).
  state.counters["bytes"] = static_cast<double>(revsim::LogHistogram::kBins * (sizeof(std::uint64_t) + sizeof(std::uint16_t)));
}
BENCHMARK(BM_StreamingQuantiles)->Arg(100000)->Arg(1000000);

// ---- The reference table ----------------------------------------------------------------

/// Keeps every run's CPU time per iteration (ns) and items/s by benchmark name.
class Capture : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      // Single runs, or the mean of repetitions (--benchmark_repetitions).
      if (r.run_type == Run::RT_Aggregate ? r.aggregate_name != "mean" : r.iterations == 0) continue;
      // CPU time, as items_per_second of the single-thread benchmarks is: the floor ratio then
      // compares like with like on a loaded machine (wall time per draw is inflated by the load).
      const double ns = r.GetAdjustedCPUTime() * (r.time_unit == benchmark::kMicrosecond   ? 1e3
                                                   : r.time_unit == benchmark::kMillisecond ? 1e6
                                                   : r.time_unit == benchmark::kSecond      ? 1e9
                                                                                            : 1.0);
      const std::string name = r.run_name.str();
      ns_per_iteration[name] = ns;
      const auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) items_per_second[name] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> ns_per_iteration, items_per_second;
};

double get(const std::map<std::string, double>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? 0.0 : it->second;
}

/// The reference table's figures, for --summary=OUT (0 when not measured).
nlohmann::ordered_json g_summary;

void print_reference_table(const Capture& c, int cores) {
  const auto& ns = c.ns_per_iteration;
  const auto& ips = c.items_per_second;
  std::printf("\n== Reference scenario (scenarios/reference.yaml), %d cores ==\n", cores);
  const std::map<std::string, std::string> sampler_of{{"uniform", "BM_Uniform"},
                                                      {"normal", "BM_Normal"},
                                                      {"exponential", "BM_Exponential"},
                                                      {"gamma", "BM_Gamma"},
                                                      {"beta", "BM_Beta"},
                                                      {"poisson (mu < 10)", "BM_PoissonSmall"},
                                                      {"poisson (mu >= 10)", "BM_PoissonLarge"}};
  double floor_ns = 0;
  if (g_draws_per_trial.empty()) {
    std::printf("  (no --draws=FILE: run bench/revsim_draws, or scripts/bench, for the RNG floor)\n");
  } else {
    std::printf("  %-20s %12s %12s %14s\n", "draw", "per trial", "ns / draw", "ns per trial");
    for (const auto& [kind, bench] : sampler_of) {
      const double n = get(g_draws_per_trial, kind);
      if (n <= 0) continue;
      const double t = get(ns, bench);
      floor_ns += n * t;
      std::printf("  %-20s %12.1f %12.2f %14.0f\n", kind.c_str(), n, t, n * t);
    }
    std::printf("  %-20s %12.1f %12.2f   (engine words, inside the above)\n", "engine words",
                get(g_draws_per_trial, "engine words"), get(ns, "BM_EngineWord"));
  }
  const double ref_ips = get(ips, "BM_Trials/reference");
  g_summary["cores"] = cores;
  g_summary["floor_us"] = floor_ns / 1e3;
  g_summary["actual_us"] = ref_ips > 0 ? 1e6 / ref_ips : 0.0;
  g_summary["floor_ratio"] = ref_ips > 0 && floor_ns > 0 ? 1e9 / ref_ips / floor_ns : 0.0;
  if (floor_ns > 0) std::printf("  RNG floor            %10.2f us per trial\n", floor_ns / 1e3);
  if (ref_ips > 0) {
    const double trial_ns = 1e9 / ref_ips;
    std::printf("  actual (1 thread)    %10.2f us per trial", trial_ns / 1e3);
    if (floor_ns > 0) std::printf("   ratio %.2f (target <= 3)", trial_ns / floor_ns);
    std::printf("\n");
  }
  const double t1 = get(ips, "BM_Engine/1/100000/real_time");
  std::printf("  engine, 100 000 trials: 1 thread %.0f trials/s", t1);
  g_summary["engine_trials_per_second"]["1"] = t1;
  for (int t = 2; t <= cores; ++t) {
    const double tn = get(ips, "BM_Engine/" + std::to_string(t) + "/100000/real_time");
    g_summary["engine_trials_per_second"][std::to_string(t)] = tn;
    std::printf(", %d threads %.0f trials/s (x%.2f)", t, tn, t1 > 0 ? tn / t1 : 0.0);
  }
  std::printf("%s\n", cores >= 2 ? "   (target x1.9 at 2 threads)" : "");
  const double n1 = get(ns, "BM_Engine/1/50000/real_time"), n2 = get(ns, "BM_Engine/1/100000/real_time");
  std::printf("  2x trials (50 000 -> 100 000, 1 thread): time x%.3f (target <= 2.1)\n", n1 > 0 ? n2 / n1 : 0.0);
  const double i1 = get(ips, "BM_IsvScale/1"), i2 = get(ips, "BM_IsvScale/2");
  std::printf("  2x ISVs (60 -> 120): time per trial x%.3f (target <= 2.2)\n", i2 > 0 ? i1 / i2 : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  std::string summary;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--summary=", 0) == 0) {
      summary = a.substr(10);
    } else if (a.rfind("--draws=", 0) == 0) {
      std::ifstream in(a.substr(8));
      if (!in) {
        std::cerr << "revsim_bench: cannot read " << a.substr(8) << "\n";
        return 2;
      }
      const auto j = nlohmann::json::parse(in);
      for (const auto& [kind, n] : j.at("reference").items()) g_draws_per_trial[kind] = n.get<double>();
    } else {
      args.push_back(argv[i]);
    }
  }
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  for (int t = 1; t <= cores; ++t) {
    benchmark::RegisterBenchmark("BM_Engine", BM_Engine)->Args({t, 100000})->UseRealTime()->Unit(benchmark::kMillisecond);
    if (t == 1) benchmark::RegisterBenchmark("BM_Engine", BM_Engine)->Args({1, 50000})->UseRealTime()->Unit(benchmark::kMillisecond);
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  Capture capture;
  benchmark::RunSpecifiedBenchmarks(&capture);
  print_reference_table(capture, cores);
  if (!summary.empty()) {
    std::ofstream out(summary);
    out << g_summary.dump(2) << '\n';
    if (!out) {
      std::cerr << "revsim_bench: cannot write " << summary << "\n";
      return 2;
    }
  }
  benchmark::Shutdown();
  return 0;
}
