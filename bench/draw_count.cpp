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

namespace {

int count_draws(int argc, char** argv) {
  std::uint64_t trials = 2000;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << "usage: revsim_draws [--trials=N] [SCENARIO ...]\n"
                   "Random draws per trial by kind, and raw engine words per trial, as JSON. A SCENARIO\n"
                   "with a '/' is a path, otherwise a name in scenarios/ (default: the shipped ones).\n";
      return 0;
    }
    if (a.rfind("--trials=", 0) == 0) {
      char* end = nullptr;
      trials = std::strtoull(a.c_str() + 9, &end, 10);
      if (a.size() == 9 || *end != '\0' || trials == 0 || a[9] == '-') {
        std::cerr << "revsim_draws: --trials: expected a whole number >= 1, got '" << a.substr(9) << "'\n";
        return 2;
      }
    } else if (a.rfind("-", 0) == 0) {
      std::cerr << "revsim_draws: unknown option " << a << " (try --help)\n";
      return 2;
    } else {
      names.push_back(a);
    }
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

}  // namespace

int main(int argc, char** argv) {
  try {
    return count_draws(argc, argv);
  } catch (const revsim::ScenarioError& e) {
    std::cerr << "revsim_draws: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "revsim_draws: " << e.what() << '\n';
    return 1;
  }
}
