// libFuzzer target over the scenario loader and the --set parser: any byte string must either
// load or be refused with a ScenarioError, never crash, hang or leak. When the first line holds
// an '=', it is applied as a --set override to the YAML that follows. Built by -DREVSIM_FUZZ=ON
// with clang (scripts/fuzz).
#include "revsim/scenario_io.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  std::string yaml = text;
  const auto nl = text.find('\n');
  if (nl != std::string::npos && text.substr(0, nl).find('=') != std::string::npos) {
    sets.push_back(text.substr(0, nl));
    yaml = text.substr(nl + 1);
  }
  try {
    const revsim::Scenario s = revsim::parse_scenario(yaml, "fuzz.yaml", sets);
    (void)s;
  } catch (const revsim::ScenarioError&) {
    // refused with a message: fine
  }
  return 0;
}
