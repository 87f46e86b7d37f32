// revsim_draws: the instrumented count of random draws per trial (built from the library's
// sources with REVSIM_COUNT_DRAWS, so the counting never touches the real build). Prints, per
// scenario, top-level sampler calls per trial by kind and raw engine words per trial, as JSON
// that revsim_bench reads (--draws FILE) to compute each scenario's RNG floor.
#include "revsim/engine.hpp"
#include "revsim/rng.hpp"
#include "revsim/scenario_io.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::uint64_t trials = 2000;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--trials=", 0) == 0) trials = std::strtoull(a.c_str() + 9, nullptr, 10);
    else names.push_back(a);
  }
  if (names.empty()) names = {"reference", "example", "turnkey-builder", "internet-first", "isv-first", "carrier-bet", "balanced"};
  nlohmann::ordered_json out;
  for (const std::string& name : names) {
    const std::string path =
        name.find('/') != std::string::npos ? name : std::string(REVSIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
    const revsim::Scenario s = revsim::load_scenario(path);
    revsim::draw_counts = {};
    (void)revsim::simulate_trials(s, s.seed, 0, trials);
    nlohmann::ordered_json j;
    for (int k = 0; k < revsim::kDrawKinds; ++k)
      j[revsim::kDrawKindNames[static_cast<std::size_t>(k)]] =
          static_cast<double>(revsim::draw_counts.n[static_cast<std::size_t>(k)]) / static_cast<double>(trials);
    out[name] = j;
  }
  std::cout << out.dump(2) << '\n';
  return 0;
}
