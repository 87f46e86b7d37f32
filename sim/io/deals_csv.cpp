// CRM export -> DealTable for `revsim calibrate` (docs/calibrate.md, "Input"). Every problem is a
// ScenarioError "file:line:column: column name: what was expected"; nothing is guessed.
#include "revsim/deals_csv.hpp"
#include "revsim/scenario_io.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace revsim {

// Howard Hinnant's days_from_civil / civil_from_days.
Date Date::from_ymd(int y, int m, int d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{era * 146097 + doe - 719468};
}

namespace {
struct Ymd {
  int y, m, d;
};
Ymd civil(int z) noexcept {
  z += 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp + (mp < 10 ? 3 : -9);
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}
}  // namespace

int Date::year() const noexcept { return civil(days).y; }
int Date::month() const noexcept { return civil(days).m; }
int Date::day() const noexcept { return civil(days).d; }

std::optional<Date> parse_date(const std::string& t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  const int y = std::stoi(t.substr(0, 4)), m = std::stoi(t.substr(5, 2)), d = std::stoi(t.substr(8, 2));
  if (y < 1900 || m < 1 || m > 12 || d < 1) return std::nullopt;
  const Date date = Date::from_ymd(y, m, d);
  if (date.day() != d || date.month() != m) return std::nullopt;  // 2026-02-30
  return date;
}

std::string to_string(Date d) { return fmt::format("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()); }

const std::vector<std::string>& stages_of(Channel c) {
  static const std::array<std::vector<std::string>, kChannels> stages{
      std::vector<std::string>{"evaluation", "npi", "grey", "production"},
      std::vector<std::string>{"evaluation", "listing", "award"},
      std::vector<std::string>{"opportunity", "decision"},
      std::vector<std::string>{"migration", "production"}};
  return stages[static_cast<int>(c)];
}

namespace {

constexpr std::array<const char*, 10> kRequired{"deal",  "channel", "account", "industry", "stage",
                                                "entered", "left",  "outcome", "value",    "cards"};

struct Field {
  std::string text;
  int column = 1;  ///< 1-based character column where the field starts
};

/// Split CSV text into records of fields (RFC 4180: quotes, "" inside quotes, CRLF). Each record
/// keeps the line it starts on. Throws on an unterminated quote.
struct Record {
  int line = 0;
  std::vector<Field> fields;
};

std::vector<Record> split_csv(const std::string& text, const std::string& file) {
  std::vector<Record> out;
  std::size_t i = 0;
  int line = 1;
  std::size_t line_start = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = line_start = 3;  // a UTF-8 byte-order mark
  while (i < text.size()) {
    Record rec;
    rec.line = line;
    bool blank = true;
    for (;;) {
      Field f;
      f.column = static_cast<int>(i - line_start) + 1;
      if (i < text.size() && text[i] == '"') {
        const int qline = line, qcol = f.column;
        ++i;
        for (;;) {
          if (i >= text.size())
            throw ScenarioError(file, qline, qcol, "", "a quoted field is never closed (expected a closing \")");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              f.text += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
          }
          f.text += text[i++];
        }
        blank = false;
      }
      while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') f.text += text[i++];
      if (!f.text.empty()) blank = false;
      rec.fields.push_back(std::move(f));
      if (i < text.size() && text[i] == ',') {
        ++i;
        blank = false;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      line_start = i;
      break;
    }
    if (!blank) out.push_back(std::move(rec));
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

std::optional<double> number(const std::string& t) {
  double x = 0;
  const char* end = t.data() + t.size();
  const auto r = std::from_chars(t.data(), end, x);
  if (r.ec != std::errc() || r.ptr != end || !std::isfinite(x)) return std::nullopt;
  return x;
}

}  // namespace

DealTable parse_deals(const std::string& csv, const std::string& file, std::optional<Date> as_of) {
  DealTable table;
  table.file = file;
  const std::vector<Record> records = split_csv(csv, file);
  if (records.empty())
    throw ScenarioError(file, 0, 0, "", fmt::format("no header row (expected the columns {})", fmt::join(kRequired, ", ")));
  // Header: every required column once; `reason` optional; other columns ignored (CRM exports carry more).
  std::map<std::string, std::size_t> col;
  const Record& head = records.front();
  std::vector<std::string> header;
  for (std::size_t k = 0; k < head.fields.size(); ++k) {
    // Names in any case ("Deal", "STAGE": CRM exports capitalise them).
    std::string name = trim(head.fields[k].text);
    header.push_back(name);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (col.count(name) > 0)
      throw ScenarioError(file, head.line, head.fields[k].column, name, "this column appears twice in the header");
    col[name] = k;
  }
  for (const char* c : kRequired)
    if (col.count(c) == 0) {
      // One column holding the others: the export used another separator.
      if (head.fields.size() == 1)
        for (const char sep : {';', '\t', '|'})
          if (header.front().find(sep) != std::string::npos)
            throw ScenarioError(file, head.line, 1, c,
                                fmt::format("missing from the header, which is one column separated by '{}': the "
                                            "columns must be separated by commas (save or export as CSV, comma-delimited)",
                                            sep == '\t' ? std::string("\\t") : std::string(1, sep)));
      throw ScenarioError(file, head.line, 1, c,
                          fmt::format("missing from the header (expected the columns {}; 'reason' optional; found {})",
                                      fmt::join(kRequired, ", "), fmt::join(header, ", ")));
    }
  const std::size_t reason_col = col.count("reason") > 0 ? col["reason"] : head.fields.size();

  bool any_date = false;
  auto note_date = [&](Date d) {
    if (!any_date || d < table.first) table.first = d;
    if (!any_date || d > table.last) table.last = d;
    any_date = true;
  };
  for (std::size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    if (rec.fields.size() != head.fields.size())
      throw ScenarioError(file, rec.line, rec.fields.back().column, "",
                          fmt::format("{} fields (expected {}, as in the header)", rec.fields.size(), head.fields.size()));
    auto field = [&](const char* name) -> const Field& { return rec.fields[col.at(name)]; };
    auto fail = [&](const char* name, const std::string& what) {
      throw ScenarioError(file, rec.line, field(name).column, name, what);
    };
    auto text = [&](const char* name) { return trim(field(name).text); };
    DealRow row;
    row.line = rec.line;
    row.deal = text("deal");
    if (row.deal.empty()) fail("deal", "empty (expected the deal's id)");
    const std::string ch = text("channel");
    bool known = false;
    for (int c = 0; c < kChannels; ++c)
      if (ch == kChannelNames[c]) {
        row.channel = static_cast<Channel>(c);
        known = true;
      }
    if (!known) fail("channel", fmt::format("'{}' is not a channel (expected internet, carriers, government or isv)", ch));
    row.account = text("account");
    if (row.account.empty()) fail("account", "empty (expected the account, operator, project or ISV name)");
    row.industry = text("industry");
    if (row.channel == Channel::isv && row.industry.empty()) fail("industry", "empty (an ISV row needs its industry)");
    row.stage = text("stage");
    const auto& stages = stages_of(row.channel);
    const auto it = std::find(stages.begin(), stages.end(), row.stage);
    if (it == stages.end())
      fail("stage", fmt::format("'{}' is not a {} stage (expected {})", row.stage, ch, fmt::join(stages, ", ")));
    row.stage_index = static_cast<int>(it - stages.begin());
    const std::string entered = text("entered");
    const auto e = parse_date(entered);
    if (!e) fail("entered", fmt::format("'{}' is not a date (expected YYYY-MM-DD)", entered));
    row.entered = *e;
    note_date(*e);
    const std::string out = text("outcome");
    static const std::map<std::string, Outcome> outcomes{
        {"passed", Outcome::passed}, {"failed", Outcome::failed}, {"open", Outcome::open}, {"slipped", Outcome::slipped}};
    if (outcomes.count(out) == 0)
      fail("outcome", fmt::format("'{}' is not an outcome (expected passed, failed, open or slipped)", out));
    row.outcome = outcomes.at(out);
    if (row.outcome == Outcome::slipped && !(row.channel == Channel::government && row.stage == "decision"))
      fail("outcome", "'slipped' is only for a government decision (expected passed, failed or open)");
    const std::string left = text("left");
    if (!left.empty()) {
      const auto l = parse_date(left);
      if (!l) fail("left", fmt::format("'{}' is not a date (expected YYYY-MM-DD, or empty while still in the stage)", left));
      if (*l < *e) fail("left", fmt::format("{} is before 'entered' ({})", left, entered));
      if (row.outcome == Outcome::open) fail("left", fmt::format("{} given but the outcome is 'open' (expected empty)", left));
      row.left = *l;
      note_date(*l);
    } else if (row.outcome != Outcome::open) {
      fail("left", fmt::format("empty but the outcome is '{}' (expected the date the stage ended)", out));
    }
    for (const char* name : {"value", "cards"}) {
      const std::string t = text(name);
      if (t.empty()) continue;
      const auto x = number(t);
      if (!x || *x < 0) fail(name, fmt::format("'{}' is not a number >= 0 (expected {}, or empty)", t,
                                               std::string(name) == "value" ? "M RMB" : "a number of cards"));
      (std::string(name) == "value" ? row.value : row.cards) = *x;
    }
    if (reason_col < rec.fields.size()) row.reason = trim(rec.fields[reason_col].text);
    if (as_of) {
      for (const char* name : {"entered", "left"}) {
        const std::optional<Date> d = std::string(name) == "entered" ? std::optional<Date>(row.entered) : row.left;
        if (d && *d > *as_of)
          fail(name, fmt::format("{} is after --as-of {} (expected the state of the pipeline at --as-of)", to_string(*d),
                                 to_string(*as_of)));
      }
    }
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) throw ScenarioError(file, 0, 0, "", "no deals (a header but no rows)");
  const Date until = as_of ? *as_of : table.last;
  std::map<int, std::size_t> record_of_line;
  for (std::size_t r = 1; r < records.size(); ++r) record_of_line[records[r].line] = r;
  auto column_of = [&](const DealRow& row, const char* name) {
    return records[record_of_line.at(row.line)].fields[col.at(name)].column;
  };

  // Per deal: one channel; a passed (or slipped) stage is followed by the stage after it.
  std::map<std::string, std::vector<const DealRow*>> deals;
  for (const DealRow& row : table.rows) {
    auto& v = deals[row.deal];
    if (!v.empty() && v.front()->channel != row.channel)
      throw ScenarioError(file, row.line, column_of(row, "channel"), "channel",
                          fmt::format("deal '{}' is {} here but {} on line {} (expected one channel per deal)", row.deal,
                                      to_string(row.channel), to_string(v.front()->channel), v.front()->line));
    v.push_back(&row);
  }
  for (const auto& [id, rows] : deals) {
    for (const DealRow* row : rows) {
      const auto& stages = stages_of(row->channel);
      std::string next;
      if (row->outcome == Outcome::passed) {
        // Stages whose pass must show in the file as the next stage. A listed operator may await its first
        // procurement, a migrated ISV its first order, a won project ends the deal.
        const bool chained = (row->channel == Channel::internet && row->stage_index + 1 < 4) ||
                             (row->channel == Channel::carriers && row->stage == "evaluation") ||
                             (row->channel == Channel::government && row->stage == "opportunity");
        if (chained) next = stages[static_cast<std::size_t>(row->stage_index) + 1];
      } else if (row->outcome == Outcome::slipped && months_between(*row->left, until) >= 12.0) {
        next = "decision";  // slipped by 12 months: decided again by now
      }
      if (next.empty() || !row->reason.empty()) continue;
      const bool found = std::any_of(rows.begin(), rows.end(), [&](const DealRow* o) {
        return o->stage == next && o != row && o->entered >= *row->left;
      });
      if (!found) {
        throw ScenarioError(
            file, row->line, column_of(*row, "outcome"), "outcome",
            row->outcome == Outcome::slipped
                ? fmt::format("'slipped' on {} but deal '{}' has no later 'decision' row although 12 months have passed "
                              "(expected the decision, or a 'reason')",
                              to_string(*row->left), id)
                : fmt::format("'passed' but deal '{}' has no '{}' row from {} on (expected the next stage, or a "
                              "'reason' column saying why not)",
                              id, next, to_string(*row->left)));
      }
    }
  }
  return table;
}

DealTable read_deals(const std::string& path, std::optional<Date> as_of) {
  if (path.empty()) throw ScenarioError("''", 0, 0, "", "an empty file name (expected a deals CSV file)");
  std::error_code dir_ec;  // an ifstream opens a directory, and its size reads as 2^63 - 1
  if (std::filesystem::is_directory(path, dir_ec))
    throw ScenarioError(path, 0, 0, "", "is a directory, not a deals CSV file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot open the file");
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size < 0) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  if (static_cast<std::size_t>(size) > kMaxDealsBytes)
    throw ScenarioError(path, 0, 0, "", fmt::format("{} bytes: larger than the {} MiB a deals file may have",
                                                    static_cast<long long>(size), kMaxDealsBytes >> 20U));
  in.seekg(0);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  const std::string text = s.str();
  // A CRM export saved as GBK (or Latin-1) would be misread and its names echoed as mojibake.
  unsigned char byte = 0;
  if (const auto at = first_bad_utf8(text, byte))
    throw ScenarioError(path, at->first, at->second, "",
                        fmt::format("not UTF-8 text (byte 0x{:02x}); save the export as UTF-8 (e.g. iconv -f GBK -t "
                                    "UTF-8)", byte));
  return parse_deals(text, path, as_of);
}

}  // namespace revsim
