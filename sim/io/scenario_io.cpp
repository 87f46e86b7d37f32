// YAML -> Scenario. Every key of MODEL.md §2-§4 and §7; unknown keys are errors (with a
// "did you mean"), so that a typo never silently falls back to a default.
#include "revsim/scenario_io.hpp"

#include "../model/schema.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include <unistd.h>

namespace revsim {

ScenarioError::ScenarioError(std::string file, int line, int column, std::string path, const std::string& message)
    : std::runtime_error([&] {
        std::string loc = file;
        if (line > 0) loc += fmt::format(":{}:{}", line, column);
        return path.empty() ? fmt::format("{}: {}", loc, message) : fmt::format("{}: {}: {}", loc, path, message);
      }()),
      file_(std::move(file)),
      line_(line),
      column_(column),
      path_(std::move(path)) {}

namespace {

// The keys, their valid ranges and the plausibility limits: the model's schema (sim/model/schema.hpp).
using namespace schema;

/// Edit distance, for "did you mean".
std::size_t levenshtein(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0U : 1U)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& key, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& k : known) {
    const std::size_t d = levenshtein(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, key.size() / 3);
  return best_d <= limit ? best : std::string{};
}

/// A hint for a scalar that is not a number but looks like one written in another unit.
std::string number_hint(std::string t) {
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
  auto parses = [](const std::string& x, double& v) {
    if (x.empty()) return false;
    char* end = nullptr;
    v = std::strtod(x.c_str(), &end);
    return end == x.c_str() + x.size() && std::isfinite(v);
  };
  auto strip = [&](std::string_view suffix) -> std::optional<double> {
    if (t.size() <= suffix.size() || t.compare(t.size() - suffix.size(), suffix.size(), suffix) != 0) return {};
    std::string head = t.substr(0, t.size() - suffix.size());
    while (!head.empty() && head.back() == ' ') head.pop_back();
    double v = 0;
    if (!parses(head, v)) return {};
    return v;
  };
  for (const char* m : {"M", "m", "MRMB", "M RMB", "mn", "百万"})
    if (auto v = strip(m)) return fmt::format(" (money is in M RMB: write {:g})", *v);
  if (auto v = strip("亿")) return fmt::format(" (money is in M RMB, 1 亿 = 100: write {:g})", *v * 100);
  if (auto v = strip("万")) return fmt::format(" (money is in M RMB, 1 万 = 0.01: write {:g})", *v / 100);
  if (auto v = strip("%")) return fmt::format(" (probabilities and shares are 0..1: write {:g})", *v / 100);
  for (const char* k : {"k", "K"})
    if (auto v = strip(k)) return fmt::format(" (write the whole number: {:g})", *v * 1000);
  std::string no_sep;
  for (char c : t)
    if (c != ',' && c != '_') no_sep += c;
  double v = 0;
  if (no_sep != t && parses(no_sep, v)) return fmt::format(" (write it without separators: {:g})", v);
  if (parses(t, v)) return fmt::format(" (write it as a plain number: {:g})", v);
  return {};
}

/// A scalar's value as a whole number, read from its decimal text rather than through a
/// double (which rounds above 2^53: `seed: 9007199254740993` was read as ...992).
struct Whole {
  enum Kind { not_decimal, not_whole, too_large, exact } kind = not_decimal;
  bool negative = false;
  unsigned long long magnitude = 0;
};

Whole exact_whole(std::string_view t) {
  Whole w;
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) w.negative = t[i++] == '-';
  std::string digits;
  long long point = 0;  // digits before the decimal point
  bool any = false;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits += t[i++], ++point, any = true;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits += t[i++], any = true;
  }
  if (!any) return w;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool neg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
    if (i == t.size()) return w;
    long long e = 0;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) e = std::min(e * 10 + (t[i] - '0'), 1'000'000'000LL);
    point += neg ? -e : e;
  }
  if (i != t.size()) return w;
  // Leading zeros move the point, trailing zeros change nothing.
  std::size_t lead = digits.find_first_not_of('0');
  if (lead == std::string::npos) {
    w.kind = Whole::exact;
    return w;
  }
  digits.erase(0, lead);
  point -= static_cast<long long>(lead);
  digits.erase(digits.find_last_not_of('0') + 1);
  if (point < static_cast<long long>(digits.size())) {
    w.kind = Whole::not_whole;
    return w;
  }
  if (point > 20) {
    w.kind = Whole::too_large;
    return w;
  }
  digits.append(static_cast<std::size_t>(point) - digits.size(), '0');
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), w.magnitude);
  w.kind = ec == std::errc() && end == digits.data() + digits.size() ? Whole::exact : Whole::too_large;
  return w;
}

// ---- The loader -------------------------------------------------------------------------

/// Nodes that came from `--set KEY=VALUE`, with the option's text: errors there name the option.
using Origins = std::vector<std::pair<YAML::Node, std::string>>;

/// The distributions a scenario may name, by their YAML key.
const std::vector<std::pair<std::string, DistKind>>& distribution_kinds() {
  static const std::vector<std::pair<std::string, DistKind>> kinds{
      {"uniform", DistKind::uniform}, {"uniform_int", DistKind::uniform_int}, {"triangular", DistKind::triangular},
      {"pert", DistKind::pert},       {"normal", DistKind::normal},           {"lognormal", DistKind::lognormal},
      {"beta", DistKind::beta}};
  return kinds;
}

bool is_distribution_name(const std::string& k) {
  const auto& kinds = distribution_kinds();
  return std::any_of(kinds.begin(), kinds.end(), [&](const auto& d) { return d.first == k; });
}

class Loader {
 public:
  Loader(std::string file, Origins origins) : file_(std::move(file)), origins_(std::move(origins)) {}

  Scenario load(const YAML::Node& root);

 private:
  std::string file_;
  Origins origins_;
  mutable std::vector<std::string> warnings_;

  /// The place of a node as messages give it ("file:line:column" or the --set option).
  std::string where(const YAML::Node& at) const {
    for (const auto& [node, label] : origins_)
      if (at.IsDefined() && node.is(at)) return label;
    const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    return m.line >= 0 ? fmt::format("{}:{}:{}", file_, m.line + 1, m.column + 1) : file_;
  }

  /// Plausibility (§8): a warning for a value far outside what its unit can mean.
  void check_plausible(const YAML::Node& at, const std::string& path, const Dist& d) const {
    const std::string key = path.substr(path.find_last_of('.') + 1);
    for (const Plausible& pl : plausibility()) {
      if (key != pl.key) continue;
      const double typical = d.is_constant() ? d.value() : d.quantile(0.5);
      if (typical > pl.limit) {
        // Money written in RMB instead of M RMB is the usual slip: say what to write then.
        const bool money = key != "annual_cards";
        warnings_.push_back(fmt::format("{}: {}: {} is implausibly large: {}{}", where(at), path,
                                        d.is_constant() && at.IsScalar() ? at.Scalar() : d.describe(), pl.unit,
                                        money && d.is_constant()
                                            ? fmt::format(" (if it is in RMB, write {:g})", d.value() / 1e6)
                                            : std::string()));
      }
    }
  }

  [[noreturn]] void fail(const YAML::Node& at, const std::string& path, const std::string& msg) const {
    for (const auto& [node, label] : origins_)
      if (at.IsDefined() && node.is(at)) throw ScenarioError(label, 0, 0, path, msg);
    const YAML::Mark m = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    const bool known = m.line >= 0;
    if (!known && !origins_.empty()) {
      // A key that --set added has no place in the file: name the option whose key ends like it.
      const std::string tail = path.substr(path.find_last_of('.') + 1);
      for (const auto& [node, label] : origins_) {
        const std::string key = label.substr(0, label.find('='));
        if (key.size() >= tail.size() && key.compare(key.size() - tail.size(), tail.size(), tail) == 0)
          throw ScenarioError(label, 0, 0, path, msg);
        // --set nope.key=1: the unknown key 'nope' is where the option's key path begins.
        if (const std::string set_key = key.substr(key.find(' ') + 1); set_key.rfind(path + ".", 0) == 0)
          throw ScenarioError(label, 0, 0, path, msg);
      }
    }
    throw ScenarioError(file_, known ? m.line + 1 : 0, known ? m.column + 1 : 0, path, msg);
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  static std::string show(const YAML::Node& n) {
    if (n.IsScalar()) return fmt::format("'{}'", n.Scalar());
    if (n.IsNull()) return "nothing";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "?";
  }

  /// Iterate a mapping: every key must be a unique scalar in `known`; calls fn(key, value, path).
  void for_each_key(const YAML::Node& map, const std::string& path, const std::vector<std::string>& known,
                    const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&,
                                             const std::string&)>& fn) const {
    require_map(map, path);
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) fail(key, path, "keys must be plain names");
      const std::string k = key.Scalar();
      const std::string p = join(path, k);
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        const std::string guess = closest(k, known);
        fail(key, p,
             guess.empty() ? fmt::format("unknown key '{}' (expected one of: {})", k, fmt::join(known, ", "))
                           : fmt::format("unknown key '{}' (did you mean '{}'?)", k, guess));
      }
      if (!seen.insert(k).second) fail(key, p, fmt::format("key '{}' appears twice", k));
      fn(k, key, it->second, p);
    }
  }

  /// A key of each entity written on its channel (`channels.internet.kind: cloud`): said where it
  /// belongs, before for_each_key would call it only unknown.
  void entity_key_on_channel(const YAML::Node& n, const std::string& path, const std::vector<std::string>& channel,
                             const std::vector<std::string>& entity, const char* each, const char* list) const {
    if (!n.IsMap()) return;
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string k = it->first.Scalar();
      if (std::find(channel.begin(), channel.end(), k) == channel.end() &&
          std::find(entity.begin(), entity.end(), k) != entity.end())
        fail(it->first, join(path, k),
             k == "name" || k == "stage"  // defaults: takes neither
                 ? fmt::format("'{}' is a key of each {}, not of the channel: give it on one in {}:", k, each, list)
                 : fmt::format("'{}' is a key of each {}, not of the channel: give it under defaults: (for every "
                               "one) or on one in {}:",
                               k, each, list));
    }
  }

  void require_map(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) fail(n, path, fmt::format("expected a mapping of keys, got {}", show(n)));
  }
  void require_seq(const YAML::Node& n, const std::string& path) const {
    if (!n.IsSequence()) fail(n, path, fmt::format("expected a list, got {}", show(n)));
  }

  double number(const YAML::Node& n, const std::string& path) const {
    if (n.IsMap() && n.size() == 1 && n.begin()->first.IsScalar() && is_distribution_name(n.begin()->first.Scalar()))
      fail(n, path, fmt::format("expected a number: this key is a constant, not drawn, so it cannot be a "
                                "distribution ({{{}: ...}})",
                                n.begin()->first.Scalar()));
    if (!n.IsScalar()) fail(n, path, fmt::format("expected a number, got {}", show(n)));
    double v = 0.0;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception&) {
      if (exact_whole(n.Scalar()).kind != Whole::not_decimal)  // decimal text beyond a double: 1e400
        fail(n, path, fmt::format("{} is out of range (beyond what a double holds, about 1.8e308)", n.Scalar()));
      fail(n, path, fmt::format("expected a number, got {}{}", show(n), number_hint(n.Scalar())));
    }
    if (!std::isfinite(v)) fail(n, path, fmt::format("{} is not a finite number", n.Scalar()));
    return v;
  }

  /// A whole number in lo..hi, read exactly from its text (not through a double, which would
  /// round 2^53 + 1 to 2^53): anything that is not exactly such a number is refused.
  long long integer(const YAML::Node& n, const std::string& path, long long lo, long long hi) const {
    const auto out_of_range = [&] {
      fail(n, path, fmt::format("{} is out of range (expected {}..{})", n.Scalar(), lo, hi));
    };
    const Whole w = n.IsScalar() ? exact_whole(n.Scalar()) : Whole{};
    const double v = w.kind == Whole::not_decimal ? number(n, path) : 0.0;
    if (w.kind == Whole::not_whole) fail(n, path, fmt::format("{} is not a whole number", n.Scalar()));
    if (w.kind == Whole::too_large) out_of_range();
    if (w.kind == Whole::exact) {
      constexpr auto kMax = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
      if (w.magnitude > kMax) out_of_range();
      const long long x = w.negative ? -static_cast<long long>(w.magnitude) : static_cast<long long>(w.magnitude);
      if (x < lo || x > hi) out_of_range();
      return x;
    }
    // Not decimal text (yaml-cpp read it some other way): whole and well inside a double's exact range.
    if (v != std::floor(v)) fail(n, path, fmt::format("{} is not a whole number", n.Scalar()));
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi) || std::fabs(v) >= 0x1p52) out_of_range();
    return static_cast<long long>(v);
  }

  bool boolean(const YAML::Node& n, const std::string& path) const {
    if (n.IsScalar()) {
      try {
        return n.as<bool>();
      } catch (const YAML::Exception&) {
      }
    }
    fail(n, path, fmt::format("expected true or false, got {}", show(n)));
  }

  std::string text(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(n, path, fmt::format("expected a non-empty name, got {}", show(n)));
    return n.Scalar();
  }

  /// A plain number or a one-key distribution mapping, checked against the valid range.
  Dist dist(const YAML::Node& n, const std::string& path, const Range& range) const;

  /// A channel-level constant (maturity_elasticity, effort).
  double constant(const YAML::Node& n, const std::string& path, const Range& range,
                  const char* why = "a channel-level key is not drawn per trial") const {
    if (!n.IsScalar()) fail(n, path, fmt::format("must be a constant ({})", why));
    const double v = number(n, path);
    if (!range.contains(v)) fail(n, path, fmt::format("{} is not {} ({})", n.Scalar(), range.what, range.expected()));
    return v;
  }

  template <class T>
  bool apply_field(T& target, const std::vector<Field<T>>& fields, const std::string& key, const YAML::Node& value,
                   const std::string& path) const {
    for (const auto& f : fields) {
      if (key == f.key) {
        target.*(f.member) = dist(value, path, f.range);
        check_plausible(value, path, target.*(f.member));
        return true;
      }
    }
    return false;
  }

  template <class T>
  void apply_all(T& target, const std::vector<Field<T>>& fields, const YAML::Node& map, const std::string& path) const {
    for_each_key(map, path, keys_of(fields),
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   apply_field(target, fields, k, v, p);
                 });
  }

  /// A list of small records (raises, generations), each a mapping of `fields` that must
  /// hold every key of `required`.
  template <class T>
  std::vector<T> records(const YAML::Node& list, const std::string& path, const std::vector<Field<T>>& fields,
                         std::initializer_list<const char*> required, const char* what) const {
    require_seq(list, path);
    std::vector<T> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string ip = fmt::format("{}[{}]", path, i);
      T record;
      std::set<std::string> present;
      for_each_key(list[i], ip, keys_of(fields),
                   [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                     apply_field(record, fields, k, v, p);
                     present.insert(k);
                   });
      for (const char* req : required)
        if (!present.count(req)) fail(list[i], ip, fmt::format("{} needs '{}'", what, req));
      out.push_back(record);
    }
    return out;
  }

  void company(Company& c, const YAML::Node& n, const std::string& path) const;
  std::vector<Raise> raises(const YAML::Node& list, const std::string& path) const;
  void history(std::map<int, HistoryYear>& h, const YAML::Node& n, const std::string& path) const;
  Stage stage(const YAML::Node& n, const std::string& path, Channel channel) const;
  void industry_pipeline(Industry& ind, const std::string& k, const YAML::Node& v, const std::string& p) const;
  void named_projects(GovernmentChannel& g, const YAML::Node& list, const std::string& path) const;
  void backlog(GovernmentChannel& g, const YAML::Node& list, const std::string& path) const;
  void booked(Scenario& s, const YAML::Node& n, const std::string& path) const;
  /// A map {YEAR: value} whose years must be fiscal years of the scenario, each once.
  void year_keys(const Scenario& s, const YAML::Node& n, const std::string& path,
                 const std::function<void(int, const YAML::Node&, const YAML::Node&, const std::string&)>& f) const {
    require_map(n, path);
    std::set<int> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string kp = fmt::format("{}.{}", path, it->first.IsScalar() ? it->first.Scalar() : "?");
      const auto year = static_cast<int>(integer(it->first, kp, 1900, 2200));
      if (year < s.start_year || year >= s.start_year + s.years)
        fail(it->first, kp,
             fmt::format("year {} is outside the horizon (expected {}..{})", year, s.start_year,
                         s.start_year + s.years - 1));
      if (!seen.insert(year).second) fail(it->first, kp, fmt::format("year {} appears twice", year));
      f(year, it->first, it->second, kp);
    }
  }
  /// {YEAR: number} within `range` (forecast and actuals: M RMB; actuals_top5_share: 0..1).
  void year_amounts(const Scenario& s, const YAML::Node& n, const std::string& path, std::map<int, double>& out,
                    const Range& range) const {
    year_keys(s, n, path, [&](int year, const YAML::Node&, const YAML::Node& v, const std::string& kp) {
      const double x = number(v, kp);  // a distribution is said to be one
      if (!range.contains(x)) fail(v, kp, fmt::format("{} is not {} ({})", v.Scalar(), range.what, range.expected()));
      out[year] = x;
    });
  }
  /// Checks that need the whole scenario (the horizon): due months, delivery ends, history years.
  void check_horizon(const Scenario& s, const YAML::Node& root) const;
  void product(Product& p, const YAML::Node& n, const std::string& path) const;
  void market(Market& m, const YAML::Node& n, const std::string& path) const;
  void channels(Channels& c, const YAML::Node& n, const std::string& path) const;
  void internet(InternetChannel& ch, const YAML::Node& n, const std::string& path) const;
  void internet_keys(InternetAccount& a, const YAML::Node& n, const std::string& path, bool entity) const;
  void carriers(CarrierChannel& ch, const YAML::Node& n, const std::string& path) const;
  void government(GovernmentChannel& g, const YAML::Node& n, const std::string& path) const;
  void isv(IsvChannel& ch, const YAML::Node& n, const std::string& path) const;
  bool channel_common(ChannelCommon& c, const std::string& k, const YAML::Node& v, const std::string& p) const;
};

Dist Loader::dist(const YAML::Node& n, const std::string& path, const Range& range) const {
  Dist d;
  if (n.IsScalar()) {
    const double v = number(n, path);
    if (!range.contains(v)) fail(n, path, fmt::format("{} is not {} ({})", n.Scalar(), range.what, range.expected()));
    return Dist::constant(v);
  }
  const auto& kinds = distribution_kinds();
  if (n.IsMap() && n.size() > 1) {
    // {uniform: 20, 30} reads as two keys (uniform: 20 and 30: null); {uniform: [..], normal: [..]} as two too.
    std::vector<std::string> keys;
    for (const auto& kv : n) keys.push_back(kv.first.IsScalar() ? kv.first.Scalar() : "?");
    fail(n, path,
         fmt::format("a distribution is one key, its name, with a list of numbers, e.g. {{uniform: [20, 30]}}; got a "
                     "mapping with {} keys ({})",
                     keys.size(), fmt::join(keys, ", ")));
  }
  if (!n.IsMap() || n.size() != 1)
    fail(n, path,
         fmt::format("expected a number or a distribution such as {{uniform: [a, b]}}, got {}", show(n)));
  const auto it = n.begin();
  const YAML::Node key = it->first;
  const YAML::Node args = it->second;
  const std::string name = key.IsScalar() ? key.Scalar() : std::string{};
  const auto kind = std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == name; });
  if (kind == kinds.end()) {
    std::vector<std::string> names;
    for (const auto& k : kinds) names.push_back(k.first);
    const std::string guess = closest(name, names);
    fail(key, path,
         guess.empty() ? fmt::format("unknown distribution '{}' (expected one of: {})", name, fmt::join(names, ", "))
                       : fmt::format("unknown distribution '{}' (did you mean '{}'?)", name, guess));
  }
  if (!args.IsSequence())
    fail(args, path, fmt::format("{} expects a list of numbers, e.g. {{{}: [1, 2]}}", name, name));
  std::vector<double> xs;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i].IsScalar())
      fail(args[i], path, fmt::format("{}'s parameters are numbers, got {} as parameter {} (a distribution cannot be "
                                      "a parameter of another)",
                                      name, show(args[i]), i + 1));
    xs.push_back(number(args[i], path));
  }
  try {
    d = Dist::make(kind->second, xs);
  } catch (const std::invalid_argument& e) {
    fail(n, path, e.what());
  }
  if (d.kind() == DistKind::normal) {
    // Normals are truncated to the valid range (MODEL.md §2); refuse one that puts almost
    // nothing inside it, which would make truncation meaningless (and sampling slow).
    const double lo = range.lo;
    const double hi = range.hi;
    const double mass = normal_cdf((hi - d.mean()) / xs[1]) - normal_cdf((lo - d.mean()) / xs[1]);
    if (mass < 0.01)
      fail(n, path,
           fmt::format("{} puts {:.2g}% of its mass within the valid range of {} ({})", d.describe(), 100 * mass,
                       range.what, range.expected()));
    d.truncate(lo, hi);
    return d;
  }
  const double slo = d.support_lo();
  const double shi = d.support_hi();
  // Lognormal and beta draws are > 0 (open support), so any range starting at or below 0 holds them.
  const bool lo_ok =
      d.kind() == DistKind::lognormal || d.kind() == DistKind::beta ? range.lo <= 0.0 : range.contains(slo);
  const bool hi_ok = range.contains(shi) || (std::isinf(shi) && range.hi >= 1e11);
  if (!lo_ok || !hi_ok) {
    const double bad = !lo_ok ? slo : shi;
    // A probability or share with an unbounded distribution: beta (or pert, triangular) keeps it in [0, 1].
    const bool unit = range.lo == 0.0 && range.hi == 1.0;
    fail(n, path,
         fmt::format("{} can take the value {}, which is not {} ({}){}", d.describe(),
                     std::isinf(bad) ? std::string("infinity") : fmt::format("{:g}", bad), range.what,
                     range.expected(),
                     unit ? "; for an uncertain probability use {beta: [a, b]} (or pert/triangular within [0, 1])" : ""));
  }
  return d;
}

bool Loader::channel_common(ChannelCommon& c, const std::string& k, const YAML::Node& v, const std::string& p) const {
  if (k == "maturity_elasticity") {
    c.maturity_elasticity = constant(v, p, Range::nonneg("an elasticity"));
    return true;
  }
  if (k == "effort") {
    c.effort = constant(v, p, Range::nonneg("an effort"));
    return true;
  }
  return false;
}

void Loader::company(Company& c, const YAML::Node& n, const std::string& path) const {
  for_each_key(n, path, keys_of(company_fields(), {"raises", "history"}),
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (apply_field(c, company_fields(), k, v, p)) return;
                 if (k == "raises") c.raises = raises(v, p);
                 else history(c.history, v, p);
               });
}

std::vector<Raise> Loader::raises(const YAML::Node& list, const std::string& path) const {
  require_seq(list, path);
  std::vector<Raise> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ip = fmt::format("{}[{}]", path, i);
    Raise r;
    std::set<std::string> present;
    for_each_key(list[i], ip, keys_of(raise_fields(), {"traction"}),
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   present.insert(k);
                   if (apply_field(r, raise_fields(), k, v, p)) return;
                   // v2 (§3): investors fund traction ("资本寒冬").
                   Traction t;
                   std::set<std::string> tp;
                   for_each_key(v, p, keys_of(traction_fields()),
                                [&](const std::string& tk, const YAML::Node&, const YAML::Node& tv,
                                    const std::string& tpath) {
                                  apply_field(t, traction_fields(), tk, tv, tpath);
                                  tp.insert(tk);
                                });
                   for (const char* req : {"revenue_12m", "p"})
                     if (!tp.count(req)) fail(v, p, fmt::format("traction needs '{}' (keys: revenue_12m, p)", req));
                   r.traction = t;
                 });
    for (const char* req : {"month", "amount"})
      if (!present.count(req)) fail(list[i], ip, fmt::format("a raise needs '{}'", req));
    out.push_back(r);
  }
  return out;
}

void Loader::history(std::map<int, HistoryYear>& h, const YAML::Node& n, const std::string& path) const {
  require_map(n, path);
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string kp = fmt::format("{}.{}", path, it->first.IsScalar() ? it->first.Scalar() : "?");
    const auto year = static_cast<int>(integer(it->first, kp, 1900, 2200));
    if (h.count(year)) fail(it->first, kp, fmt::format("year {} appears twice", year));
    HistoryYear hy;
    std::set<std::string> present;
    for_each_key(it->second, kp, {"revenue", "rd"},
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   const double x = number(v, p);
                   if (x < 0) fail(v, p, fmt::format("{} is not an amount in M RMB (expected >= 0)", v.Scalar()));
                   (k == "revenue" ? hy.revenue : hy.rd) = x;
                   present.insert(k);
                 });
    for (const char* req : {"revenue", "rd"})
      if (!present.count(req)) fail(it->second, kp, fmt::format("a history year needs '{}' (M RMB)", req));
    h[year] = hy;
  }
}

Stage Loader::stage(const YAML::Node& n, const std::string& path, Channel channel) const {
  const std::vector<std::string> phases = channel == Channel::internet
                                              ? std::vector<std::string>{"evaluation", "npi", "grey", "production"}
                                              : std::vector<std::string>{"evaluation", "listed"};
  Stage st;
  auto set_phase = [&](const YAML::Node& v, const std::string& p) {
    const std::string name = v.IsScalar() ? v.Scalar() : std::string{};
    if (std::find(phases.begin(), phases.end(), name) == phases.end()) {
      const std::string guess = closest(name, phases);
      fail(v, p,
           fmt::format("unknown phase {} for {} (expected one of: {}{})", show(v),
                       channel == Channel::internet ? "an internet account" : "a carrier operator",
                       fmt::join(phases, ", "), guess.empty() ? "" : fmt::format("; did you mean '{}'?", guess)));
    }
    static const std::vector<std::pair<std::string, StagePhase>> map{{"evaluation", StagePhase::evaluation},
                                                                     {"npi", StagePhase::npi},
                                                                     {"grey", StagePhase::grey},
                                                                     {"production", StagePhase::production},
                                                                     {"listed", StagePhase::listed}};
    for (const auto& [k, ph] : map)
      if (k == name) st.phase = ph;
  };
  if (n.IsScalar()) {  // "stage: listed" is short for {phase: listed}
    set_phase(n, join(path, "phase"));
    return st;
  }
  std::optional<YAML::Node> elapsed_node;
  bool has_phase = false;
  for_each_key(n, path, {"phase", "elapsed"},
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (k == "phase") {
                   set_phase(v, p);
                   has_phase = true;
                 } else {
                   st.elapsed = dist(v, p, Range::nonneg("a number of months already spent in the phase"));
                   elapsed_node = v;
                 }
               });
  if (!has_phase)
    fail(n, path, fmt::format("a stage needs 'phase' (one of: {})", fmt::join(phases, ", ")));
  if (st.phase == StagePhase::listed && elapsed_node)
    fail(*elapsed_node, join(path, "elapsed"),
         "a listed operator has no 'elapsed' (it is on the vendor list: every procurement is open to it)");
  return st;
}

void Loader::product(Product& pr, const YAML::Node& n, const std::string& path) const {
  for_each_key(n, path, keys_of(product_fields(), {"generations"}),
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (!apply_field(pr, product_fields(), k, v, p))
                   pr.generations = records(v, p, generation_fields(), {"month", "perf_gain"}, "a generation");
               });
}

void Loader::market(Market& m, const YAML::Node& n, const std::string& path) const {
  for_each_key(
      n, path, {"nvidia", "export_controls", "channel_correlation", "within_channel_correlation"},
      [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
        if (k == "nvidia") {
          apply_all(m.nvidia, nvidia_fields(), v, p);
        } else if (k == "export_controls") {
          // v2 (§3): no defaults inside: all five keys are required when the block is given.
          ExportControls ec;
          std::set<std::string> present;
          for_each_key(v, p, keys_of(export_control_fields()),
                       [&](const std::string& ek, const YAML::Node&, const YAML::Node& ev, const std::string& epath) {
                         apply_field(ec, export_control_fields(), ek, ev, epath);
                         present.insert(ek);
                       });
          for (const auto& f : export_control_fields())
            if (!present.count(f.key))
              fail(v, p,
                   fmt::format("export_controls needs '{}' (all of month, p, step, gain_per_release, "
                               "domestic_share_factor; there are no defaults inside)",
                               f.key));
          m.export_controls = ec;
        } else if (k == "channel_correlation") {
          const Range r{-1.0, 1.0, false, false, "a correlation"};
          Eigen::Matrix4d c = Eigen::Matrix4d::Identity();
          if (v.IsScalar()) {
            // One number: every off-diagonal entry.
            const double x = constant(v, p, r);
            c.setConstant(x);
            c.diagonal().setOnes();
          } else {
            require_seq(v, p);
            if (v.size() != 4)
              fail(v, p, fmt::format("expected 4 rows (internet, carriers, government, isv), got {}", v.size()));
            for (std::size_t i = 0; i < 4; ++i) {
              const std::string rp = fmt::format("{}[{}]", p, i);
              require_seq(v[i], rp);
              if (v[i].size() != 4) fail(v[i], rp, fmt::format("expected 4 numbers, got {}", v[i].size()));
              for (std::size_t j = 0; j < 4; ++j) {
                const std::string ep = fmt::format("{}[{}][{}]", p, i, j);
                c(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = constant(v[i][j], ep, r);
              }
            }
            for (Eigen::Index i = 0; i < 4; ++i) {
              if (c(i, i) != 1.0) fail(v, p, fmt::format("diagonal entry [{}][{}] must be 1, got {:g}", i, i, c(i, i)));
              for (Eigen::Index j = 0; j < i; ++j)
                if (c(i, j) != c(j, i))
                  fail(v, p, fmt::format("not symmetric: [{}][{}] = {:g} but [{}][{}] = {:g}", i, j, c(i, j), j, i,
                                         c(j, i)));
            }
          }
          Eigen::LLT<Eigen::Matrix4d> llt(c);
          if (llt.info() != Eigen::Success)
            fail(v, p, "the correlation matrix is not positive definite (no Cholesky factor)");
          for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j) m.channel_correlation(i, j) = c(i, j);
        } else {
          const Range r{0.0, 1.0, false, false, "a correlation"};
          if (v.IsScalar()) {
            m.within_channel_correlation.fill(constant(v, p, r));
          } else {
            std::vector<std::string> names(kChannelNames.begin(), kChannelNames.end());
            for_each_key(v, p, names,
                         [&](const std::string& ck, const YAML::Node&, const YAML::Node& cv, const std::string& cp) {
                           const auto idx = std::find(names.begin(), names.end(), ck) - names.begin();
                           m.within_channel_correlation[static_cast<std::size_t>(idx)] = constant(cv, cp, r);
                         });
          }
        }
      });
}

void Loader::internet_keys(InternetAccount& a, const YAML::Node& n, const std::string& path, bool entity) const {
  std::vector<std::string> known = keys_of(internet_fields(), {"kind", "investor", "ramp", "inhouse_chip"});
  if (entity) {
    known.emplace_back("name");
    known.emplace_back("stage");
  }
  std::optional<YAML::Node> start_node;
  std::optional<YAML::Node> stage_node;
  if (!entity && n.IsMap() && n["stage"])
    fail(n["stage"], join(path, "stage"),
         "'stage' says where one account stands at month 0: give it in the account, not in defaults");
  for_each_key(n, path, known, [&](const std::string& k, const YAML::Node& key, const YAML::Node& v, const std::string& p) {
    if (k == "start_month") start_node = key;
    if (apply_field(a, internet_fields(), k, v, p)) return;
    if (k == "stage") {
      a.stage = stage(v, p, Channel::internet);
      stage_node = key;
    } else if (k == "name") {
      a.name = text(v, p);
    } else if (k == "kind") {
      const std::string s = v.IsScalar() ? v.Scalar() : std::string{};
      if (s == "internal") a.kind = AccountKind::internal;
      else if (s == "cloud") a.kind = AccountKind::cloud;
      else fail(v, p, fmt::format("expected 'internal' or 'cloud', got {}", show(v)));
    } else if (k == "investor") {
      a.investor = boolean(v, p);
    } else if (k == "ramp") {
      require_seq(v, p);
      if (v.size() == 0) fail(v, p, "ramp needs at least one entry");
      a.ramp.clear();
      bool large = false, percents = true, above_5 = false;
      std::string written, as_fractions;
      for (std::size_t i = 0; i < v.size(); ++i) {
        const Dist& d = a.ramp.emplace_back(dist(v[i], fmt::format("{}[{}]", p, i), Range::nonneg("a ramp fraction")));
        const double typical = d.is_constant() ? d.value() : d.quantile(0.5);
        large = large || typical > 1.0;
        percents = percents && d.is_constant() && d.value() <= 100;
        above_5 = above_5 || typical > 5.0;
        written += fmt::format("{}{}", i == 0 ? "" : ", ", d.is_constant() && v[i].IsScalar() ? v[i].Scalar() : d.describe());
        as_fractions += fmt::format("{}{:g}", i == 0 ? "" : ", ", typical / 100);
      }
      // Each entry is a fraction of the account's steady volume: above 1 is rarely meant, and
      // [30, 70, 100] is a ramp in percent (it bought 30 to 100 times the volume). Said once.
      if (large)
        warnings_.push_back(fmt::format("{}: {}: {} is implausibly large: each entry is the fraction of the account's "
                                        "steady yearly volume bought that year (1 = all of it){}",
                                        where(v), p, fmt::format("[{}]", written),
                                        percents && above_5 ? fmt::format("; if they are percents, write [{}]", as_fractions)
                                                            : ""));
    } else {
      apply_all(a.inhouse_chip, inhouse_fields(), v, p);
    }
  });
  if (start_node && stage_node)
    fail(*stage_node, join(path, "stage"),
         "an account gives either 'stage' (where it stands at month 0) or 'start_month' (when it starts), not both");
  // §4.0: a start_month from defaults: is ignored for an account at a stage.
  if (stage_node) a.start_month = Dist::constant(0);
}

void Loader::internet(InternetChannel& ch, const YAML::Node& n, const std::string& path) const {
  // Cascade (MODEL.md §4): built-in -> channel-level price_factor -> defaults -> account.
  InternetAccount base;
  std::optional<YAML::Node> accounts;
  std::optional<YAML::Node> defaults;
  const std::vector<std::string> channel_keys{"maturity_elasticity", "effort", "price_factor", "defaults", "accounts"};
  entity_key_on_channel(n, path, channel_keys,
                        keys_of(internet_fields(), {"kind", "investor", "ramp", "inhouse_chip", "name", "stage"}),
                        "internet account", "accounts");
  for_each_key(n, path, channel_keys,
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (channel_common(ch.common, k, v, p)) return;
                 if (k == "price_factor") base.price_factor = dist(v, p, Range::nonneg("a price factor"));
                 else if (k == "defaults") defaults = v;
                 else accounts = v;
               });
  if (defaults) internet_keys(base, *defaults, join(path, "defaults"), false);
  const std::string ap = join(path, "accounts");
  if (!accounts) fail(n, path, "needs 'accounts' (a list of accounts, each with a name); remove the channel to leave it out");
  const YAML::Node list = *accounts;
  require_seq(list, ap);
  if (list.size() == 0) fail(list, ap, "the list is empty; remove the channel to leave it out");
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    InternetAccount a = base;
    a.name.clear();
    const std::string ip = fmt::format("{}[{}]", ap, i);
    internet_keys(a, list[i], ip, true);
    if (a.name.empty()) fail(list[i], ip, "an account needs a 'name'");
    if (!names.insert(a.name).second) fail(list[i], ip, fmt::format("duplicate account name '{}'", a.name));
    ch.accounts.push_back(std::move(a));
  }
  ch.present = true;
}

void Loader::carriers(CarrierChannel& ch, const YAML::Node& n, const std::string& path) const {
  CarrierOperator base;
  std::optional<YAML::Node> ops;
  std::optional<YAML::Node> defaults;
  const std::vector<std::string> channel_keys{"maturity_elasticity", "effort", "price_factor", "defaults", "operators"};
  entity_key_on_channel(n, path, channel_keys, keys_of(carrier_fields(), {"name", "stage"}), "operator", "operators");
  for_each_key(n, path, channel_keys,
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (channel_common(ch.common, k, v, p)) return;
                 if (k == "price_factor") base.price_factor = dist(v, p, Range::nonneg("a price factor"));
                 else if (k == "defaults") defaults = v;
                 else ops = v;
               });
  if (defaults) {
    if (defaults->IsMap() && (*defaults)["stage"])
      fail((*defaults)["stage"], join(path, "defaults.stage"),
           "'stage' says where one operator stands at month 0: give it in the operator, not in defaults");
    apply_all(base, carrier_fields(), *defaults, join(path, "defaults"));
  }
  const std::string op = join(path, "operators");
  if (!ops) fail(n, path, "needs 'operators' (a list of operators, each with a name); remove the channel to leave it out");
  const YAML::Node list = *ops;
  require_seq(list, op);
  if (list.size() == 0) fail(list, op, "the list is empty; remove the channel to leave it out");
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    CarrierOperator o = base;
    const std::string ip = fmt::format("{}[{}]", op, i);
    std::optional<YAML::Node> start_node;
    std::optional<YAML::Node> stage_node;
    for_each_key(list[i], ip, keys_of(carrier_fields(), {"name", "stage"}),
                 [&](const std::string& k, const YAML::Node& key, const YAML::Node& v, const std::string& p) {
                   if (k == "name") {
                     o.name = text(v, p);
                   } else if (k == "stage") {
                     o.stage = stage(v, p, Channel::carriers);
                     stage_node = key;
                   } else {
                     if (k == "start_month") start_node = key;
                     apply_field(o, carrier_fields(), k, v, p);
                   }
                 });
    if (start_node && stage_node)
      fail(*stage_node, join(ip, "stage"),
           "an operator gives either 'stage' (where it stands at month 0) or 'start_month' (when it starts), not both");
    if (stage_node) o.start_month = Dist::constant(0);
    if (o.name.empty()) fail(list[i], ip, "an operator needs a 'name'");
    if (!names.insert(o.name).second) fail(list[i], ip, fmt::format("duplicate operator name '{}'", o.name));
    ch.operators.push_back(std::move(o));
  }
  ch.present = true;
}

void Loader::government(GovernmentChannel& g, const YAML::Node& n, const std::string& path) const {
  if (n.IsNull()) {  // "government:" with nothing under it: every default
    g.present = true;
    return;
  }
  std::optional<std::pair<YAML::Node, std::string>> projects;
  std::optional<std::pair<YAML::Node, std::string>> contracts;
  std::vector<std::string> known = keys_of(government_fields(), {"maturity_elasticity", "effort", "projects", "backlog"});
  for (const auto& f : project_fields()) known.emplace_back(f.key);
  for_each_key(n, path, known, [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
    if (channel_common(g.common, k, v, p)) return;
    if (apply_field(g, government_fields(), k, v, p)) return;
    if (apply_field(g.project, project_fields(), k, v, p)) return;
    if (k == "projects") projects = std::make_pair(v, p);
    else contracts = std::make_pair(v, p);
  });
  // Named projects inherit the channel's per-project keys, whatever the order in the file.
  if (projects) named_projects(g, projects->first, projects->second);
  if (contracts) backlog(g, contracts->first, contracts->second);
  g.present = true;
}

void Loader::named_projects(GovernmentChannel& g, const YAML::Node& list, const std::string& path) const {
  require_seq(list, path);
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ip = fmt::format("{}[{}]", path, i);
    NamedProject np;
    np.params = g.project;
    bool has_due = false;
    for_each_key(list[i], ip, keys_of(project_fields(), {"name", "due_month"}),
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   if (k == "name") {
                     np.name = text(v, p);
                   } else if (k == "due_month") {
                     np.due_month = dist(v, p, Range::month());
                     has_due = true;
                   } else {
                     apply_field(np.params, project_fields(), k, v, p);
                   }
                 });
    if (np.name.empty()) fail(list[i], ip, "a named project needs a 'name'");
    if (!has_due) fail(list[i], ip, "a named project needs 'due_month' (when its decision falls due, months from month 0)");
    if (!names.insert(np.name).second) fail(list[i], ip, fmt::format("duplicate project name '{}'", np.name));
    g.projects.push_back(std::move(np));
  }
}

void Loader::backlog(GovernmentChannel& g, const YAML::Node& list, const std::string& path) const {
  require_seq(list, path);
  std::set<std::string> names;
  for (const auto& np : g.projects) names.insert(np.name);
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string ip = fmt::format("{}[{}]", path, i);
    BacklogContract c;
    c.turnkey_cost_share = g.project.turnkey_cost_share;
    c.subcontract_share = g.project.subcontract_share;
    std::set<std::string> present;
    for_each_key(list[i], ip, keys_of(backlog_fields(), {"name", "turnkey"}),
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   present.insert(k);
                   if (k == "name") c.name = text(v, p);
                   else if (k == "turnkey") c.turnkey = boolean(v, p);
                   else apply_field(c, backlog_fields(), k, v, p);
                 });
    for (const char* req : {"name", "value", "delivery_end_month", "turnkey"})
      if (!present.count(req))
        fail(list[i], ip,
             fmt::format("a backlog contract needs '{}' (name, value, delivery_end_month, turnkey: true or false)", req));
    if (!names.insert(c.name).second)
      fail(list[i], ip, fmt::format("duplicate project name '{}' (named projects and backlog share names)", c.name));
    g.backlog.push_back(std::move(c));
  }
}

void Loader::booked(Scenario& s, const YAML::Node& n, const std::string& path) const {
  std::vector<std::string> names(kChannelNames.begin(), kChannelNames.end());
  for_each_key(n, path, names, [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
    const auto idx = static_cast<std::size_t>(std::find(names.begin(), names.end(), k) - names.begin());
    s.booked[idx] = constant(v, p, Range::money(), "revenue already booked is known");
  });
}

void Loader::isv(IsvChannel& ch, const YAML::Node& n, const std::string& path) const {
  IsvParams base;
  std::optional<YAML::Node> industries;
  for_each_key(n, path,
               keys_of(isv_fields(), {"maturity_elasticity", "effort", "first_month", "engagements_per_year",
                                      "industries"}),
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (channel_common(ch.common, k, v, p)) return;
                 if (apply_field(base, isv_fields(), k, v, p)) return;
                 if (k == "first_month") ch.first_month = dist(v, p, Range::month());
                 else if (k == "engagements_per_year")
                   ch.engagements_per_year = dist(v, p, {0.0, 1200.0, false, false, "a rate per year"});
                 else industries = v;
               });
  const std::string ip = join(path, "industries");
  if (!industries) fail(n, path, "needs 'industries' (a list of {name, isvs}); remove the channel to leave it out");
  const YAML::Node list = *industries;
  require_seq(list, ip);
  if (list.size() == 0) fail(list, ip, "the list is empty; remove the channel to leave it out");
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Industry ind;
    ind.params = base;
    const std::string ep = fmt::format("{}[{}]", ip, i);
    bool has_isvs = false;
    YAML::Node isvs_node;
    for_each_key(list[i], ep,
                 keys_of(isv_fields(), {"name", "isvs", "live", "live_since", "migrating", "migration_elapsed"}),
                 [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                   if (k == "name") {
                     ind.name = text(v, p);
                   } else if (k == "isvs") {
                     ind.isvs = dist(v, p, {0.0, 100000.0, false, false, "a number of ISVs"});
                     isvs_node = v;
                     has_isvs = true;
                   } else if (!apply_field(ind.params, isv_fields(), k, v, p)) {
                     industry_pipeline(ind, k, v, p);
                   }
                 });
    if (ind.name.empty()) fail(list[i], ep, "an industry needs a 'name'");
    if (!has_isvs) fail(list[i], ep, "an industry needs 'isvs' (how many ISVs serve it)");
    // §4.0: live + migrating <= isvs in every trial (isvs is floored when drawn).
    const double fewest = std::floor(ind.isvs.is_constant() ? ind.isvs.value() : ind.isvs.support_lo());
    if (ind.live + ind.migrating > fewest)
      fail(isvs_node, join(ep, "isvs"),
           fmt::format("live ({}) + migrating ({}) ISVs exceed the industry's {}{:g} ISVs", ind.live, ind.migrating,
                       ind.isvs.is_constant() ? "" : "fewest ", fewest));
    if (!names.insert(ind.name).second) fail(list[i], ep, fmt::format("duplicate industry name '{}'", ind.name));
    ch.industries.push_back(std::move(ind));
  }
  ch.present = true;
}

void Loader::industry_pipeline(Industry& ind, const std::string& k, const YAML::Node& v, const std::string& p) const {
  // v2, §4.0: ISVs already live or migrating at month 0.
  if (k == "live") {
    ind.live = static_cast<int>(integer(v, p, 0, 100000));
  } else if (k == "migrating") {
    ind.migrating = static_cast<int>(integer(v, p, 0, 100000));
  } else if (k == "live_since") {
    if (!v.IsScalar()) fail(v, p, "must be a constant (the month the live ISVs went live)");
    const double x = number(v, p);
    if (x > 0) fail(v, p, fmt::format("{} is after month 0: live_since is when the live ISVs went live (<= 0)", v.Scalar()));
    if (x < -12.0 * kMaxYears)
      fail(v, p, fmt::format("{} is more than {} years before month 0 (expected {}..0)", v.Scalar(), kMaxYears,
                             -12 * kMaxYears));
    ind.live_since = x;
  } else {
    ind.migration_elapsed = constant(v, p, Range::nonneg("a number of months of migration work done"),
                                     "the months of work already done");
  }
}

void Loader::channels(Channels& c, const YAML::Node& n, const std::string& path) const {
  for_each_key(n, path, {"internet", "carriers", "government", "isv"},
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (k == "internet") internet(c.internet, v, p);
                 else if (k == "carriers") carriers(c.carriers, v, p);
                 else if (k == "government") government(c.government, v, p);
                 else isv(c.isv, v, p);
               });
}

Scenario Loader::load(const YAML::Node& root) {
  Scenario s;
  s.source = file_;
  if (root.IsNull()) fail(root, "", "the scenario is empty");
  std::optional<YAML::Node> forecast;
  std::optional<YAML::Node> booked_node;
  std::optional<YAML::Node> actuals_node;
  std::optional<YAML::Node> channels_node;
  std::optional<YAML::Node> top5_node;
  for_each_key(root, "",
               {"name", "start_year", "start_month_in_year", "years", "threshold", "trials", "seed", "booked",
                "company", "product", "software", "market", "channels", "forecast", "actuals", "actuals_channels",
                "actuals_top5_share"},
               [&](const std::string& k, const YAML::Node&, const YAML::Node& v, const std::string& p) {
                 if (k == "name") s.name = text(v, p);
                 else if (k == "start_year") s.start_year = static_cast<int>(integer(v, p, 1900, 2200));
                 else if (k == "start_month_in_year")
                   s.start_month_in_year = static_cast<int>(integer(v, p, 1, 12));
                 else if (k == "booked") booked_node = v;
                 else if (k == "years") s.years = static_cast<int>(integer(v, p, 1, kMaxYears));
                 else if (k == "threshold") {
                   s.threshold = number(v, p);
                   if (s.threshold < 0) fail(v, p, fmt::format("{} is not an amount in M RMB (expected >= 0)", v.Scalar()));
                 } else if (k == "trials")
                   s.trials = static_cast<std::uint64_t>(integer(v, p, 1, static_cast<long long>(kMaxTrials)));
                 else if (k == "seed") {
                   s.seed = static_cast<std::uint64_t>(integer(v, p, 0, (1LL << 53)));
                 } else if (k == "company") company(s.company, v, p);
                 else if (k == "product") product(s.product, v, p);
                 else if (k == "software") apply_all(s.software, software_fields(), v, p);
                 else if (k == "market") market(s.market, v, p);
                 else if (k == "channels") channels(s.channels, v, p);
                 else if (k == "forecast") forecast = v;
                 else if (k == "actuals") actuals_node = v;
                 else if (k == "actuals_channels") channels_node = v;
                 else top5_node = v;
               });
  if (forecast) year_amounts(s, *forecast, "forecast", s.forecast, Range::money());
  if (actuals_node) year_amounts(s, *actuals_node, "actuals", s.actuals, Range::money());
  if (top5_node) year_amounts(s, *top5_node, "actuals_top5_share", s.actuals_top5_share, share("a share"));
  if (channels_node) {
    // {YEAR: {internet, carriers, government, isv}}: any subset of the channels, amounts >= 0,
    // together no more than the year's actual when both are given.
    year_keys(s, *channels_node, "actuals_channels", [&](int year, const YAML::Node& key, const YAML::Node& v,
                                                         const std::string& kp) {
      std::vector<std::string> names(kChannelNames.begin(), kChannelNames.end());
      auto& row = s.actuals_channels[year];
      double sum = 0;
      for_each_key(v, kp, names, [&](const std::string& k, const YAML::Node&, const YAML::Node& x, const std::string& p) {
        const auto idx = static_cast<int>(std::find(names.begin(), names.end(), k) - names.begin());
        row[idx] = constant(x, p, Range::money());
        sum += row[idx];
      });
      const auto a = s.actuals.find(year);
      if (a != s.actuals.end() && sum > a->second * (1 + 1e-9) + 1e-9)
        fail(key, kp, fmt::format("the channels add up to {:g}, more than the year's actual {:g} (actuals.{})", sum,
                                  a->second, year));
    });
  }
  if (booked_node) {
    booked(s, *booked_node, "booked");
    const bool any = std::any_of(s.booked.begin(), s.booked.end(), [](double b) { return b > 0; });
    if (any && s.start_month_in_year == 1)
      fail(*booked_node, "booked",
           "revenue booked before month 0 needs a start inside the year (start_month_in_year > 1); with "
           "start_month_in_year 1 nothing of start_year lies before month 0");
  }
  check_horizon(s, root);
  const Channels& ch = s.channels;
  if (!ch.internet.present && !ch.carriers.present && !ch.government.present && !ch.isv.present) {
    // Not an error (a company before its first channel still burns cash), but rarely meant.
    const bool any = std::any_of(s.booked.begin(), s.booked.end(), [](double b) { return b > 0; });
    warnings_.push_back(fmt::format("{}: channels: no channel is present (internet, carriers, government or isv), so "
                                    "revenue is {} in every trial; cash and runway are still simulated",
                                    s.source, any ? "only what `booked` holds" : "0"));
  }
  s.warnings = std::move(warnings_);
  if (s.name.empty()) {
    // Default name: the file's stem ("stdin" for a scenario read from standard input).
    if (file_ == kStdinName) {
      s.name = "stdin";
      return s;
    }
    std::string stem = file_.substr(file_.find_last_of('/') + 1);
    s.name = stem.substr(0, stem.find_last_of('.'));
  }
  return s;
}

void Loader::check_horizon(const Scenario& s, const YAML::Node& root) const {
  const int H = s.horizon_months();
  const auto node_at = [&](std::initializer_list<std::string> keys, std::size_t index, const char* last) {
    YAML::Node n;
    n.reset(root);
    for (const std::string& k : keys) {
      YAML::Node next;
      next.reset(n[k]);
      n.reset(next);
    }
    YAML::Node el;
    el.reset(n[index]);
    YAML::Node leaf;
    leaf.reset(el[last]);
    return leaf;
  };
  const auto& g = s.channels.government;
  auto beyond = [&](const Dist& d) { return (d.is_constant() ? d.value() : d.support_lo()) >= H; };
  for (std::size_t i = 0; i < g.projects.size(); ++i)
    if (beyond(g.projects[i].due_month))
      fail(node_at({"channels", "government", "projects"}, i, "due_month"),
           fmt::format("channels.government.projects[{}].due_month", i),
           fmt::format("{} is beyond the horizon ({} months from month 0: months 0..{})",
                       g.projects[i].due_month.describe(), H, H - 1));
  for (std::size_t i = 0; i < g.backlog.size(); ++i)
    if (beyond(g.backlog[i].delivery_end_month))
      fail(node_at({"channels", "government", "backlog"}, i, "delivery_end_month"),
           fmt::format("channels.government.backlog[{}].delivery_end_month", i),
           fmt::format("{} is beyond the horizon ({} months from month 0: months 0..{}); nothing of it would be "
                       "booked",
                       g.backlog[i].delivery_end_month.describe(), H, H - 1));
  // A raise after the horizon never happens: most likely a month counted from another origin.
  for (std::size_t i = 0; i < s.company.raises.size(); ++i) {
    const Dist& m = s.company.raises[i].month;
    if ((m.is_constant() ? m.value() : m.support_lo()) >= H)
      warnings_.push_back(fmt::format(
          "{}: company.raises[{}].month: {} is beyond the horizon ({} months from month 0): this raise never "
          "happens",
          where(node_at({"company", "raises"}, i, "month")), i, m.describe(), H));
  }
  for (const auto& [year, hy] : s.company.history)
    if (year >= s.start_year) {
      YAML::Node c;
      c.reset(root["company"]);
      YAML::Node h;
      h.reset(c["history"]);
      fail(h, fmt::format("company.history.{}", year),
           fmt::format("year {} is not before start_year {} (history holds earlier fiscal years)", year,
                       s.start_year));
    }
}

}  // namespace

namespace {

/// The first byte that is not part of well-formed UTF-8 (or a NUL), as (line, column), if any.
std::optional<std::pair<int, int>> bad_utf8(const std::string& text, unsigned char& byte) {
  int line = 1;
  int column = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    if (c == 0) len = 0;
    else if (c < 0x80) len = 1;
    else if ((c & 0xE0U) == 0xC0U && c >= 0xC2) len = 2;
    else if ((c & 0xF0U) == 0xE0U) len = 3;
    else if ((c & 0xF8U) == 0xF0U && c <= 0xF4) len = 4;
    bool ok = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xC0U) == 0x80U;
    if (!ok) {
      byte = c;
      return std::make_pair(line, column);
    }
    if (c == '\n') {
      ++line;
      column = 0;
    }
    ++column;
    i += len;
  }
  return std::nullopt;
}

/// Records where the events of a document start; ignores the rest.
class FirstMark : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> mark;
  void OnDocumentStart(const YAML::Mark& m) override { note(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { note(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { note(m); }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(m);
  }
  void OnMapEnd() override {}

 private:
  void note(const YAML::Mark& m) {
    if (!mark) mark = m;
  }
};

/// A scenario is one YAML document. yaml-cpp 0.7's LoadAll loops for ever on some malformed
/// input (a lone ','; yaml-cpp issue #1040), so documents are counted here with at most two
/// calls of the event parser, and anything after the first document is refused.
void ensure_one_document(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  FirstMark first;
  if (!parser.HandleNextDocument(first)) return;
  FirstMark second;
  if (!parser.HandleNextDocument(second)) return;
  const YAML::Mark m = second.mark.value_or(YAML::Mark::null_mark());
  // Where that second document starts: a '---' line, or text the first document did not take.
  const std::size_t line_start = m.pos >= 0 ? text.rfind('\n', static_cast<std::size_t>(m.pos)) : std::string::npos;
  const std::size_t from = line_start == std::string::npos ? 0 : line_start + 1;
  const bool separator = text.compare(from, 3, "---") == 0;
  throw ScenarioError(file, m.line >= 0 ? m.line + 1 : 0, m.line >= 0 ? m.column + 1 : 0, "",
                      separator ? "a scenario is one YAML document; this file holds more (a second '---')"
                                : "YAML syntax error: unexpected text after the end of the scenario");
}

void collect(const YAML::Node& n, const std::string& label, Origins& out) {
  out.emplace_back(n, label);
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      out.emplace_back(it->first, label);
      collect(it->second, label, out);
    }
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) collect(n[i], label, out);
  }
}

/// Apply `--set KEY=VALUE` to the scenario's YAML tree. KEY is a dotted path; a list element is
/// chosen by its name or index in brackets: channels.internet.accounts[BigCloud A].npi_months.
/// VALUE is YAML (a number or a distribution). The loader then validates the result as if it
/// had been in the file.
void apply_override(YAML::Node& root, const std::string& spec, Origins& origins) {
  const std::string label = "--set " + spec;
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ScenarioError(label, 0, 0, "", "expected KEY=VALUE, e.g. --set channels.isv.p_migrate=0.8");
  const std::string key = spec.substr(0, eq);
  const std::string text = spec.substr(eq + 1);
  // Split KEY into steps "name" or "name[selector]".
  struct Step {
    std::string name;
    std::optional<std::string> select;
  };
  std::vector<Step> steps;
  std::string cur;
  for (std::size_t i = 0; i <= key.size(); ++i) {
    if (i == key.size() || key[i] == '.') {
      if (cur.empty() && i == key.size() && i > 0 && key[i - 1] == ']') break;  // "...[NAME]" at the end
      if (cur.empty()) throw ScenarioError(label, 0, 0, key, "empty key in the path");
      steps.push_back({cur, std::nullopt});
      cur.clear();
    } else if (key[i] == '[') {
      const auto close = key.find(']', i);
      if (close == std::string::npos || cur.empty())
        throw ScenarioError(label, 0, 0, key, "expected NAME[SELECTOR] with a closing ']'");
      steps.push_back({cur, key.substr(i + 1, close - i - 1)});
      cur.clear();
      i = close;
      if (i + 1 < key.size() && key[i + 1] != '.') throw ScenarioError(label, 0, 0, key, "expected '.' after ']'");
      if (i + 1 < key.size()) ++i;
    } else {
      cur += key[i];
    }
  }
  YAML::Node value;
  try {
    ensure_one_document(text, label);
    value = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(label, 0, 0, key, fmt::format("YAML syntax error in the value: {}", e.msg));
  }
  if (root.IsNull()) root.reset(YAML::Node(YAML::NodeType::Map));
  // Node::operator= would copy into the node; reset() moves the cursor.
  YAML::Node node;
  node.reset(root);
  std::string where;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    if (!node.IsMap())
      throw ScenarioError(label, 0, 0, where.empty() ? std::string("(top level)") : where,
                          fmt::format("is not a mapping, so it has no key '{}'", st.name));
    where = where.empty() ? st.name : where + "." + st.name;
    const bool last = i + 1 == steps.size();
    if (last && !st.select) {
      node[st.name] = value;
      break;
    }
    const bool created = !node[st.name];
    if (created) node[st.name] = st.select ? YAML::Node(YAML::NodeType::Sequence) : YAML::Node(YAML::NodeType::Map);
    YAML::Node next;
    next.reset(node[st.name]);
    if (created) origins.emplace_back(next, label);  // errors about it name the option too
    if (st.select) {
      if (!next.IsSequence()) throw ScenarioError(label, 0, 0, where, "is not a list, so it has no [" + *st.select + "]");
      std::optional<std::size_t> found;
      for (std::size_t k = 0; k < next.size() && !found; ++k) {
        const YAML::Node el = next[k];
        if (el.IsMap() && el["name"] && el["name"].IsScalar() && el["name"].Scalar() == *st.select) found = k;
      }
      const std::string& sel = *st.select;
      where += "[" + sel + "]";
      if (!found && !sel.empty() && sel.find_first_not_of("0123456789") == std::string::npos &&
          sel.size() < 9 && std::stoul(sel) < next.size())
        found = std::stoul(sel);
      if (!found)
        throw ScenarioError(label, 0, 0, where, fmt::format("no entry named '{}' (nor index) in the list", sel));
      if (last) {
        next[*found] = value;
        break;
      }
      node.reset(next[*found]);
    } else {
      node.reset(next);
    }
  }
  collect(value, label, origins);
}

}  // namespace

std::optional<std::pair<int, int>> first_bad_utf8(const std::string& text, unsigned char& byte) {
  return bad_utf8(text, byte);
}

namespace {

/// yaml-cpp says "end of map not found" (or of a sequence) where a key is indented differently
/// from its siblings, and nothing about indentation: name the columns of the line it stopped at
/// and of the nearest line above that is not blank or a comment.
std::string indentation_hint(std::string_view text, int line0, const std::string& msg) {
  // ("illegal map value" is a second ": " on a line, not indentation: no hint for it.)
  if (msg.find("end of map not found") == std::string::npos && msg.find("end of sequence not found") == std::string::npos &&
      msg.find("bad indentation") == std::string::npos)
    return {};
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto content = [](std::string_view l) {
    const std::size_t c = l.find_first_not_of(' ');
    return c == std::string_view::npos || l[c] == '#' || l[c] == '\r' ? std::string_view::npos : c;
  };
  if (line0 < 0 || static_cast<std::size_t>(line0) >= lines.size()) return {};
  const std::size_t here = content(lines[static_cast<std::size_t>(line0)]);
  for (std::size_t k = static_cast<std::size_t>(line0); k-- > 0;) {
    const std::size_t above = content(lines[k]);
    if (above == std::string_view::npos) continue;
    if (here == std::string_view::npos || here == above) return {};  // lined up: something else is wrong
    return fmt::format(" (check the indentation: line {} starts at column {}, line {} above it at column {}; the keys "
                       "of one map, and the items of one list, start in the same column)",
                       line0 + 1, here + 1, k + 1, above + 1);
  }
  return " (check the indentation around this line: the keys of one map, and the items of one list, start in the "
         "same column)";
}

}  // namespace

Scenario parse_scenario(const std::string& yaml_text, const std::string& file, const std::vector<std::string>& sets) {
  if (yaml_text.size() > kMaxScenarioBytes)
    throw ScenarioError(file, 0, 0, "",
                        fmt::format("file is {} bytes; scenarios are limited to {} bytes", yaml_text.size(),
                                    kMaxScenarioBytes));
  unsigned char byte = 0;
  if (const auto at = bad_utf8(yaml_text, byte))
    throw ScenarioError(file, at->first, at->second, "",
                        fmt::format("not UTF-8 text (byte 0x{:02x}); save the scenario as UTF-8", byte));
  // A tab in indentation is the commonest hand-editing slip; yaml-cpp's message for it is obscure.
  for (std::size_t i = 0, line = 1, start = 0; i < yaml_text.size(); ++i) {
    if (yaml_text[i] == '\n') {
      ++line;
      start = i + 1;
    } else if (yaml_text[i] == '\t' && yaml_text.find_first_not_of(" \t", start) > i &&
               std::string_view("#\r\n").find(yaml_text[std::min(yaml_text.find_first_not_of(" \t", start),
                                                                  yaml_text.size() - 1)]) == std::string_view::npos) {
      throw ScenarioError(file, static_cast<int>(line), static_cast<int>(i - start + 1), "",
                          "a tab in the indentation (YAML indents with spaces)");
    }
  }
  YAML::Node root;
  try {
    ensure_one_document(yaml_text, file);
    root = YAML::Load(yaml_text);
  } catch (const YAML::DeepRecursion& e) {
    throw ScenarioError(file, e.mark.line + 1, e.mark.column + 1, "",
                        "nesting is too deep for a scenario (yaml-cpp's recursion limit)");
  } catch (const YAML::ParserException& e) {
    throw ScenarioError(file, e.mark.line + 1, e.mark.column + 1, "",
                        fmt::format("YAML syntax error: {}{}", e.msg, indentation_hint(yaml_text, e.mark.line, e.msg)));
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file, 0, 0, "", fmt::format("cannot read YAML: {}", e.what()));
  }
  // The file's own top level first: a list or a plain value is the file's error (with its
  // place), not the --set's that cannot add a key to it.
  if (!sets.empty() && root.IsDefined() && !root.IsNull() && !root.IsMap()) {
    const YAML::Mark m = root.Mark();
    throw ScenarioError(file, m.line >= 0 ? m.line + 1 : 0, m.line >= 0 ? m.column + 1 : 0, "",
                        root.IsSequence() ? "expected a mapping of keys, got a list"
                                          : fmt::format("expected a mapping of keys, got '{}'", root.Scalar()));
  }
  Origins origins;
  for (const std::string& spec : sets) apply_override(root, spec, origins);
  Loader loader(file, std::move(origins));
  try {
    return loader.load(root);
  } catch (const ScenarioError&) {
    throw;
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file, e.mark.line + 1, e.mark.column + 1, "", e.msg);
  }
}

const std::string& stdin_scenario_text() {
  // Read once (a magic static: thread-safe, and every later load of "-" gets the same bytes:
  // sweep, sensitivity and sobol load the scenario again for each point or level).
  static const std::string text = [] {
    if (::isatty(STDIN_FILENO) == 1)
      throw ScenarioError(kStdinName, 0, 0, "",
                          "standard input is a terminal: pipe a scenario into it (revsim run - < s.yaml)");
    std::string t;
    std::array<char, 1 << 16> buf{};
    while (t.size() <= kMaxScenarioBytes) {
      const ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw ScenarioError(kStdinName, 0, 0, "", fmt::format("cannot read standard input: {}", std::strerror(errno)));
      }
      if (n == 0) break;
      t.append(buf.data(), static_cast<std::size_t>(n));
    }
    if (t.size() > kMaxScenarioBytes)
      throw ScenarioError(kStdinName, 0, 0, "",
                          fmt::format("more than {} bytes on standard input; scenarios are limited to {} bytes",
                                      kMaxScenarioBytes, kMaxScenarioBytes));
    if (t.find_first_not_of(" \t\r\n") == std::string::npos)
      throw ScenarioError(kStdinName, 0, 0, "",
                          "standard input is empty: expected a scenario's YAML (revsim run - < s.yaml)");
    return t;
  }();
  return text;
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
  if (path == "-") return parse_scenario(stdin_scenario_text(), kStdinName, sets);
  if (path.empty()) throw ScenarioError("''", 0, 0, "", "an empty file name (expected a scenario YAML file, or '-')");
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec))
    throw ScenarioError(path, 0, 0, "", "is a directory, not a scenario file (give a .yaml file in it)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path, 0, 0, "", "cannot open the file");
  // Read at most one byte past the limit: a huge file is refused without reading it all. In
  // chunks: a buffer of the whole limit (4 MiB, zeroed) cost ~1 000 page faults per load, a
  // tenth of a 30 000-trial run of a fast scenario.
  std::string text;
  std::array<char, 1U << 16U> chunk{};
  while (text.size() <= kMaxScenarioBytes) {
    const std::size_t want = std::min(chunk.size(), kMaxScenarioBytes + 1 - text.size());
    in.read(chunk.data(), static_cast<std::streamsize>(want));
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (!in) break;
  }
  if (in.bad()) throw ScenarioError(path, 0, 0, "", "cannot read the file");
  if (text.size() > kMaxScenarioBytes) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    throw ScenarioError(path, 0, 0, "",
                        fmt::format("file is {} bytes; scenarios are limited to {} bytes",
                                    ec ? std::string("more than ") + std::to_string(kMaxScenarioBytes)
                                       : std::to_string(size),
                                    kMaxScenarioBytes));
  }
  return parse_scenario(text, path, sets);
}

}  // namespace revsim
