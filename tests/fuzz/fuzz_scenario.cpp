// libFuzzer target over the scenario loader: any byte string must either load or be refused
// with a ScenarioError, never crash, hang or leak. Built by -DREVSIM_FUZZ=ON with clang
// (scripts/fuzz).
#include "revsim/scenario_io.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const revsim::Scenario s = revsim::parse_scenario(text, "fuzz.yaml");
    (void)s;
  } catch (const revsim::ScenarioError&) {
    // refused with a message: fine
  }
  return 0;
}
