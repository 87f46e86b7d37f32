// Reading a CRM export (one row per stage a deal went through) for `revsim calibrate`, with
// errors that name the place: "file:line:column: column name: what was expected" (thrown as
// ScenarioError, so the CLI treats a bad deals file exactly as a bad scenario: exit 2).
#pragma once

#include "revsim/scenario.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace revsim {

/// A calendar date as days since 1970-01-01 (proleptic Gregorian).
struct Date {
  int days = 0;
  int year() const noexcept;
  int month() const noexcept;  ///< 1..12
  int day() const noexcept;    ///< 1..31
  static Date from_ymd(int y, int m, int d) noexcept;
  auto operator<=>(const Date&) const = default;
};
/// "YYYY-MM-DD" (a real calendar day), else nullopt.
std::optional<Date> parse_date(const std::string& text);
std::string to_string(Date d);
/// Months between two dates (days / (365.25 / 12)): durations are real numbers of months.
inline double months_between(Date from, Date to) noexcept { return (to.days - from.days) / (365.25 / 12.0); }

enum class Outcome { passed, failed, open, slipped };

/// The stages of each channel, in pipeline order (MODEL.md §4.0-§4.4).
/// internet: evaluation, npi, grey, production; carriers: evaluation, listing, award;
/// government: opportunity, decision; isv: migration, production (one row per order).
const std::vector<std::string>& stages_of(Channel c);

struct DealRow {
  int line = 0;  ///< 1-based line of the row in the file
  std::string deal;
  Channel channel = Channel::internet;
  std::string account;
  std::string industry;
  std::string stage;
  int stage_index = 0;  ///< position in stages_of(channel)
  Date entered;
  std::optional<Date> left;
  Outcome outcome = Outcome::open;
  std::optional<double> value;  ///< M RMB
  std::optional<double> cards;
  std::string reason;  ///< optional column: why a passed stage has no next stage
};

struct DealTable {
  std::string file;
  std::vector<DealRow> rows;  ///< in file order
  Date first;                 ///< the earliest date in the file
  Date last;                  ///< the latest date in the file
};

/// Largest deals file accepted.
inline constexpr std::size_t kMaxDealsBytes = 64U << 20U;

/// Parse CSV text (header row, then one row per stage; RFC 4180 quoting). `as_of`, when given,
/// is the export date: no date may lie after it. Checks each row (channel, stage, dates, outcome,
/// numbers) and each deal (one channel, left >= entered, a passed stage followed by its next
/// stage unless a reason is given). Throws ScenarioError.
DealTable parse_deals(const std::string& text, const std::string& file, std::optional<Date> as_of = std::nullopt);
/// Read and parse a deals file. Throws ScenarioError (also when it cannot be opened).
DealTable read_deals(const std::string& path, std::optional<Date> as_of = std::nullopt);

}  // namespace revsim
