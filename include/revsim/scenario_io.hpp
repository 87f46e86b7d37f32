// Reading a scenario from YAML (MODEL.md §2, §4, §7) with errors that name the place:
// "file:line:column: key.path: what was expected".
#pragma once

#include "revsim/scenario.hpp"
#include "revsim/schema.hpp"  // list_parameters, parameter_slots: the parameters of a loaded scenario

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace revsim {

/// A scenario that cannot be used. what() is the whole message, location first.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string file, int line, int column, std::string path, const std::string& message);
  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }      ///< 1-based, 0 when unknown
  int column() const noexcept { return column_; }  ///< 1-based, 0 when unknown
  const std::string& path() const noexcept { return path_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string path_;
};

/// Largest scenario file accepted (docs/model.md, "Limits").
inline constexpr std::size_t kMaxScenarioBytes = 4U << 20U;

/// The name messages give a scenario read from standard input (path "-").
inline constexpr const char* kStdinName = "<stdin>";
/// The bytes of standard input, read once on the first call and kept (later calls return the
/// same text). Throws ScenarioError when standard input is a terminal, unreadable, empty or
/// larger than kMaxScenarioBytes.
const std::string& stdin_scenario_text();

/// The (line, column) of the first byte of `text` that is not part of well-formed UTF-8 (or a
/// NUL), with the byte in `byte`; nullopt when the text is UTF-8. Scenarios and deals CSVs must
/// be UTF-8 (an export saved as GBK is refused with the place, not misread).
std::optional<std::pair<int, int>> first_bad_utf8(const std::string& text, unsigned char& byte);

/// Load and validate a scenario file ("-": standard input, named <stdin> in messages; a scenario
/// without `name` is then named "stdin"), after applying `--set KEY=VALUE` overrides (KEY a dotted
/// path, list elements chosen by name or index in brackets; VALUE YAML). Throws ScenarioError;
/// an error in an override names the option instead of a file position.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {});
/// Load from YAML text; `file` is the name used in messages. Throws ScenarioError.
Scenario parse_scenario(const std::string& yaml_text, const std::string& file = "<string>",
                        const std::vector<std::string>& sets = {});

}  // namespace revsim
