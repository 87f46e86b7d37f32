// `revsim validate`: check scenario files; print what is wrong and where.
#include "commands.hpp"

#include "revsim/scenario_io.hpp"

#include <fmt/format.h>

#include <memory>

namespace revsim::cli {

namespace {

int cmd_validate(const CliContext& ctx, const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  // Check every file, report each problem, fail if any file failed.
  int status = 0;
  for (const std::string& f : files) {
    try {
      const Scenario s = load_warned(f, sets);
      const auto& ch = s.channels;
      auto count = [](std::size_t n, const char* one, const char* many) {
        return fmt::format("{} {}", n, n == 1 ? one : many);
      };
      write_stdout(ctx, fmt::format("{}: ok — '{}', {} from {}, {}, {}, government {}, {}\n", s.source, s.name,
                               count(static_cast<std::size_t>(s.years), "year", "years"), s.start_year,
                               count(ch.internet.accounts.size(), "internet account", "internet accounts"),
                               count(ch.carriers.operators.size(), "operator", "operators"),
                               ch.government.present ? "on" : "off",
                               count(ch.isv.industries.size(), "ISV industry", "ISV industries")));
    } catch (const ScenarioError& e) {
      fmt::print(stderr, "revsim: {}\n", e.what());
      status = kExitBadInput;
    }
  }
  return status;
}

struct ValidateArgs {
  std::vector<std::string> files;
  std::vector<std::string> sets;
};

}  // namespace

Command add_validate_command(CLI::App& app, const CliContext& ctx) {
  auto a = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand("validate", "Check scenario files; print what is wrong and where");
  cmd->add_option("scenarios", a->files, "Scenario YAML files ('-', once: standard input)")->required();
  add_set_option(cmd, a->sets);
  return {cmd, [a] { return one_stdin(a->files) && outputs_distinct(a->files, {}, true); },
          [&ctx, a] { return cmd_validate(ctx, a->files, a->sets); }};
}

}  // namespace revsim::cli
