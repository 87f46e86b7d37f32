// Throughput: the engine, a sampler, and whole trials of each shipped scenario (one thread).
#include "revsim/engine.hpp"
#include "revsim/rng.hpp"
#include "revsim/scenario_io.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

void BM_Xoshiro(benchmark::State& state) {
  revsim::Random r(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(r.engine()());
}
BENCHMARK(BM_Xoshiro);

void BM_Normal(benchmark::State& state) {
  revsim::Random r(1, 0, 0);
  for (auto _ : state) benchmark::DoNotOptimize(r.normal());
}
BENCHMARK(BM_Normal);

void BM_Trials(benchmark::State& state, const std::string& name) {
  const revsim::Scenario s = revsim::load_scenario(std::string(REVSIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml");
  std::uint64_t first = 0;
  constexpr std::uint64_t kBatch = 256;
  for (auto _ : state) {
    auto out = revsim::simulate_trials(s, 1, first, kBatch);
    benchmark::DoNotOptimize(out.data());
    first += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
BENCHMARK_CAPTURE(BM_Trials, example, std::string("example"));
BENCHMARK_CAPTURE(BM_Trials, turnkey_builder, std::string("turnkey-builder"));
BENCHMARK_CAPTURE(BM_Trials, internet_first, std::string("internet-first"));
BENCHMARK_CAPTURE(BM_Trials, isv_first, std::string("isv-first"));
BENCHMARK_CAPTURE(BM_Trials, carrier_bet, std::string("carrier-bet"));
BENCHMARK_CAPTURE(BM_Trials, balanced, std::string("balanced"));

}  // namespace

BENCHMARK_MAIN();
