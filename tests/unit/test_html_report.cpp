// The HTML report: every chart present, every SVG well-formed XML, the plotted numbers equal to
// the JSON results, nothing fetched from the network, no script.
#include "revsim/html_report.hpp"
#include "revsim/report.hpp"
#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace revsim {
namespace {

const std::string kExample = std::string(REVSIM_SOURCE_DIR) + "/scenarios/example.yaml";

/// A small XML well-formedness check: balanced tags, quoted attributes, only the five
/// predefined entities and numeric references, no stray '<' or '&'. Returns "" or the problem.
bool entity_at(const std::string& s, std::size_t at) {
  static const std::regex ent(R"(&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
  std::smatch m;
  const std::string rest = s.substr(at, 12);
  return std::regex_search(rest, m, ent, std::regex_constants::match_continuous);
}

std::string xml_problem(const std::string& x) {
  std::vector<std::string> stack;
  std::size_t i = 0;
  auto entity_ok = [&](std::size_t at) { return entity_at(x, at); };
  while (i < x.size()) {
    if (x[i] == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (x[i] != '<') {
      ++i;
      continue;
    }
    const std::size_t end = x.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = x.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1)) return "mismatched </" + tag.substr(1) + ">";
      stack.pop_back();
      continue;
    }
    const bool self = tag.back() == '/';
    if (self) tag.pop_back();
    static const std::regex name_re(R"(^[A-Za-z][A-Za-z0-9:-]*)");
    std::smatch nm;
    if (!std::regex_search(tag, nm, name_re)) return "bad tag name in <" + tag + ">";
    std::string attrs = tag.substr(nm.length());
    static const std::regex attr_re(R"(^\s+[A-Za-z_:][A-Za-z0-9_:.-]*="[^"<]*")");
    std::smatch am;
    while (std::regex_search(attrs, am, attr_re)) {
      const std::string value = am.str();
      for (std::size_t k = value.find('&'); k != std::string::npos; k = value.find('&', k + 1))
        if (!entity_at(value, k)) return "bad entity in attribute";
      attrs = am.suffix();
    }
    if (attrs.find_first_not_of(" \t\n") != std::string::npos) return "bad attributes in <" + tag + ">: '" + attrs + "'";
    if (!self) stack.push_back(nm.str());
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

std::vector<std::string> svgs(const std::string& html) {
  std::vector<std::string> out;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    out.push_back(html.substr(at, html.find("</svg>", at) + 6 - at));
  return out;
}

/// Every match of `re` as a map from capture index to text.
std::vector<std::smatch> all(const std::string& s, const std::string& re) {
  std::vector<std::smatch> out;
  const std::regex r(re);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), r); it != std::sregex_iterator(); ++it) out.push_back(*it);
  return out;
}

double d(const std::ssub_match& m) { return std::stod(m.str()); }

class HtmlReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Scenario s = load_scenario(kExample);
    results_ = new Results(run_simulation(s, RunOptions{2000, 3, true, 2}));
    // The tornado of a smaller scenario (fewer parameters: quick under the sanitizers).
    tornado_ = new Sensitivity(sensitivity(std::string(REVSIM_SOURCE_DIR) + "/scenarios/turnkey-builder.yaml", {},
                                           RunOptions{200, 3, true, 2}, "mean", 2025, false));
    HtmlReport rep;
    rep.manifest.version = version();
    rep.manifest.scenarios.emplace_back(kExample, sha256_file(kExample));
    rep.manifest.seed = 3;
    rep.manifest.trials = 2000;
    rep.manifest.threads = 2;
    rep.manifest.date = utc_now();
    rep.results = results_;
    rep.tornado = tornado_;
    std::ostringstream os;
    write_html(os, rep);
    html_ = new std::string(os.str());
    json_ = new nlohmann::ordered_json(to_json(*results_));
  }
  static void TearDownTestSuite() {
    delete results_;
    delete tornado_;
    delete html_;
    delete json_;
  }
  static Results* results_;
  static Sensitivity* tornado_;
  static std::string* html_;
  static nlohmann::ordered_json* json_;
};
Results* HtmlReportTest::results_ = nullptr;
Sensitivity* HtmlReportTest::tornado_ = nullptr;
std::string* HtmlReportTest::html_ = nullptr;
nlohmann::ordered_json* HtmlReportTest::json_ = nullptr;

TEST_F(HtmlReportTest, EveryChartAndTableIsThere) {
  for (const char* id : {"fan-chart", "probabilities", "histogram", "channels", "first-crossing", "survival",
                         "forecast-audit", "tornado"})
    EXPECT_NE(html_->find(std::string("<figure id=\"") + id + "\">"), std::string::npos) << id;
  for (const char* cls : {"years", "accounts", "audit", "manifest"})
    EXPECT_NE(html_->find(std::string("<table class=\"") + cls + "\">"), std::string::npos) << cls;
  EXPECT_NE(html_->find("200 M (STAR standard 2)"), std::string::npos);
  // The manifest: version, the scenario's SHA-256, seed, trials.
  EXPECT_NE(html_->find(sha256_file(kExample)), std::string::npos);
  EXPECT_EQ(sha256_file(kExample).size(), 64U);
  EXPECT_NE(html_->find(std::string("<th>revsim</th><td>") + version()), std::string::npos);
  EXPECT_NE(html_->find("<th>trials</th><td>2000</td>"), std::string::npos);
}

TEST_F(HtmlReportTest, SelfContainedAndScriptFree) {
  EXPECT_EQ(html_->find("<script"), std::string::npos);
  EXPECT_EQ(html_->find("src="), std::string::npos);
  EXPECT_EQ(html_->find("href="), std::string::npos);
  EXPECT_EQ(html_->find("url("), std::string::npos);
  // The only URL is the SVG namespace.
  std::size_t urls = 0;
  for (std::size_t at = html_->find("http"); at != std::string::npos; at = html_->find("http", at + 1)) {
    EXPECT_EQ(html_->compare(at, 26, "http://www.w3.org/2000/svg"), 0) << html_->substr(at, 40);
    ++urls;
  }
  EXPECT_EQ(urls, svgs(*html_).size());
}

TEST_F(HtmlReportTest, EverySvgIsWellFormed) {
  const auto all_svgs = svgs(*html_);
  EXPECT_EQ(all_svgs.size(), 8U);
  for (const std::string& svg : all_svgs) EXPECT_EQ(xml_problem(svg), "") << svg.substr(0, 200);
  // The checker itself catches what it should.
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a < b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg x=1/>"), "");
  EXPECT_NE(xml_problem("<svg><text>R&D</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg a=\"R&D\"/>"), "");
  EXPECT_EQ(xml_problem("<svg a=\"1\"><text>R&amp;D</text><g/></svg>"), "");
}

TEST_F(HtmlReportTest, FanChartNumbersAreTheJsonNumbers) {
  const auto years = all(*html_, R"re(<g class="year" data-year="(\d+)" data-p5="([^"]+)" data-p25="([^"]+)" data-p50="([^"]+)" data-p75="([^"]+)" data-p95="([^"]+)" data-mean="([^"]+)")re");
  const auto& jy = (*json_)["years"];
  ASSERT_EQ(years.size(), jy.size());
  for (std::size_t i = 0; i < years.size(); ++i) {
    EXPECT_EQ(std::stoi(years[i][1]), jy[i]["year"].get<int>());
    EXPECT_EQ(d(years[i][2]), jy[i]["p5"].get<double>());
    EXPECT_EQ(d(years[i][3]), jy[i]["p25"].get<double>());
    EXPECT_EQ(d(years[i][4]), jy[i]["p50"].get<double>());
    EXPECT_EQ(d(years[i][5]), jy[i]["p75"].get<double>());
    EXPECT_EQ(d(years[i][6]), jy[i]["p95"].get<double>());
    EXPECT_EQ(d(years[i][7]), jy[i]["mean"].get<double>());
  }
  const auto thr = all(*html_, R"re(<g class="threshold" data-value="([^"]+)")re");
  ASSERT_GE(thr.size(), 2U);
  for (const auto& t : thr) EXPECT_EQ(d(t[1]), (*json_)["threshold"].get<double>());
  // The threshold's label is keyed in the legend row (y 20), above the plot area (from y 34):
  // inside the plot it sat on the bands wherever they reached the bar.
  const auto labels = all(*html_, R"re(<g class="threshold"[^>]*><line[^>]*/><line[^>]*/><text class="legend" x="[^"]+" y="([^"]+)"[^>]*>200 M \(STAR standard 2\)</text></g>)re");
  ASSERT_EQ(labels.size(), thr.size());
  for (const auto& l : labels) EXPECT_EQ(d(l[1]), 20.0);
}

TEST_F(HtmlReportTest, ProbabilityChannelCrossingSurvivalNumbersAreTheJsonNumbers) {
  const auto& jy = (*json_)["years"];
  for (const auto& [cls, key] : std::map<std::string, std::string>{
           {"p-threshold", "p_threshold"}, {"p-listing", "p_listing"}, {"p-alive", "p_alive"}}) {
    const auto pts = all(*html_, "<g class=\"" + cls + R"re(" data-year="(\d+)" data-value="([^"]+)" data-se="([^"]+)")re");
    ASSERT_EQ(pts.size(), jy.size()) << cls;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      EXPECT_EQ(d(pts[i][2]), jy[i][key].get<double>()) << cls;
      const double p = jy[i][key].get<double>();
      EXPECT_DOUBLE_EQ(d(pts[i][3]), std::sqrt(p * (1 - p) / 2000.0));
    }
  }
  const auto ch = all(*html_, R"re(<rect class="channel" data-year="(\d+)" data-channel="(\w+)" data-value="([^"]+)")re");
  ASSERT_EQ(ch.size(), jy.size() * 4);
  for (std::size_t k = 0; k < ch.size(); ++k)
    EXPECT_EQ(d(ch[k][3]), jy[k / 4]["channels"][ch[k][2].str()]["mean"].get<double>());
  const auto fc = all(*html_, R"re(<rect class="crossing" data-key="(\w+)" data-value="([^"]+)")re");
  ASSERT_EQ(fc.size(), (*json_)["first_crossing"].size());
  for (const auto& m : fc) EXPECT_EQ(d(m[2]), (*json_)["first_crossing"][m[1].str()].get<double>());
  const auto sv = all(*html_, R"re(<circle class="survival" data-month="(\d+)" data-value="([^"]+)")re");
  ASSERT_EQ(sv.size(), jy.size());
  for (const auto& m : sv) EXPECT_EQ(d(m[2]), (*json_)["survival"][std::stoul(m[1])].get<double>());
}

TEST_F(HtmlReportTest, RunwayAndConcentrationAreTheJsonNumbers) {
  const auto& rw = (*json_)["runway"];
  const auto cells = all(*html_, R"re(<td data-value="([^"]+)">)re");
  ASSERT_EQ(cells.size(), 6U);
  const char* keys[] = {"p10", "p50", "p90", "p_alive_12", "p_alive_24", "p_alive_36"};
  for (std::size_t i = 0; i < 6; ++i) {
    if (rw[keys[i]].is_null()) EXPECT_EQ(cells[i][1].str(), "null") << keys[i];
    else EXPECT_EQ(d(cells[i][1]), rw[keys[i]].get<double>()) << keys[i];
  }
  const auto rows = all(*html_, R"re(<tr data-year="(\d+)" data-largest="([^"]+)" data-top5="([^"]+)">)re");
  const auto& conc = (*json_)["concentration"];
  ASSERT_EQ(rows.size(), conc.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(std::stoi(rows[i][1]), conc[i]["year"].get<int>());
    EXPECT_EQ(d(rows[i][2]), conc[i]["largest_share"].get<double>());
    EXPECT_EQ(d(rows[i][3]), conc[i]["top5_share"].get<double>());
  }
}

TEST(HtmlReport, SurvivalDotsAndYearLabelsSitWhereEachYearEnds) {
  // Month 0 is July: fiscal 2023 ends after month 5, 2024 after month 17. Each dot is at its
  // year's last month and its label's x is the dot's x.
  const Scenario s = parse_scenario("name: july\nstart_year: 2023\nstart_month_in_year: 7\nyears: 3\n"
                                    "channels: {government: {}}\n",
                                    "july.yaml");
  const Results r = run_simulation(s, RunOptions{200, 1, true, 1});
  HtmlReport rep;
  rep.results = &r;
  std::ostringstream os;
  write_html(os, rep);
  const std::string html = os.str();
  const std::string chart = html.substr(html.find("class=\"survival-line\""));
  const auto dots = all(chart, R"re(<circle class="survival" data-month="(\d+)" data-value="[^"]+" cx="([^"]+)")re");
  ASSERT_EQ(dots.size(), 3U);
  const int last[] = {5, 17, 29};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::stoi(dots[i][1]), last[i]);
    const std::string label = "x=\"" + dots[i][2].str() + "\" y=";
    const auto at = chart.find(label);
    ASSERT_NE(at, std::string::npos) << "no label under the dot of " << 2023 + i;
    EXPECT_NE(chart.substr(at, 80).find(std::to_string(2023 + i)), std::string::npos) << chart.substr(at, 80);
  }
}

TEST_F(HtmlReportTest, HistogramIsTheDefaultYearsCounts) {
  // Default year: the first whose P50 is nearest the threshold.
  const int year = default_histogram_year(*results_);
  double best = 1e300;
  int expect = 0;
  for (const YearStats& y : results_->years)
    if (std::fabs(y.p50 - results_->threshold) < best) best = std::fabs(y.p50 - results_->threshold), expect = y.year;
  EXPECT_EQ(year, expect);
  EXPECT_NE(html_->find("Distribution of revenue in " + std::to_string(year)), std::string::npos);
  const auto bins = all(*html_, R"re(<rect class="bin" data-lo="[^"]+" data-hi="[^"]+" data-count="(\d+)")re");
  const auto zero = all(*html_, R"re(<rect class="bin-zero"  data-count="(\d+)")re");
  const auto above = all(*html_, R"re(<rect class="bin-above"  data-count="(\d+)")re");
  for (const auto& h : (*json_)["histograms"]) {
    if (h["year"].get<int>() != year) continue;
    ASSERT_EQ(bins.size(), h["counts"].size());
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < bins.size(); ++i) {
      EXPECT_EQ(std::stoull(bins[i][1]), h["counts"][i].get<std::uint64_t>());
      total += std::stoull(bins[i][1]);
    }
    ASSERT_EQ(zero.size(), 1U);
    ASSERT_EQ(above.size(), 1U);
    EXPECT_EQ(std::stoull(zero[0][1]), h["zeros"].get<std::uint64_t>());
    EXPECT_EQ(std::stoull(above[0][1]), h["above"].get<std::uint64_t>());
    EXPECT_EQ(total + std::stoull(zero[0][1]) + std::stoull(above[0][1]), 2000U);  // every trial in one bar
  }
}

TEST_F(HtmlReportTest, AuditAndTornadoNumbers) {
  const auto au = all(*html_, R"re(<g class="audit" data-year="(\d+)" data-forecast="([^"]+)" data-p10="([^"]+)" data-p50="([^"]+)" data-p90="([^"]+)" data-face-value="([^"]+)")re");
  const auto& ja = (*json_)["forecast_audit"];
  ASSERT_EQ(au.size(), ja.size());
  ASSERT_FALSE(au.empty());
  for (std::size_t i = 0; i < au.size(); ++i) {
    EXPECT_EQ(d(au[i][2]), ja[i]["forecast"].get<double>());
    EXPECT_EQ(d(au[i][4]), ja[i]["p50"].get<double>());
    EXPECT_EQ(d(au[i][6]), ja[i]["face_value"].get<double>());
  }
  const auto rows = all(*html_, R"re(<g class="tornado-row" data-parameter="([^"]+)" data-low="([^"]+)" data-high="([^"]+)")re");
  ASSERT_EQ(rows.size(), std::min<std::size_t>(15, tornado_->rows.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][1].str(), tornado_->rows[i].parameter);
    EXPECT_EQ(d(rows[i][2]), tornado_->rows[i].stats.front());
    EXPECT_EQ(d(rows[i][3]), tornado_->rows[i].stats.back());
  }
}

TEST(HtmlReport, ComparisonAndSobolReportsAreWellFormed) {
  const std::string dir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";
  const Comparison c = compare_scenarios({load_scenario(dir + "isv-first.yaml"), load_scenario(dir + "balanced.yaml")},
                                         RunOptions{500, 1, true, 2});
  HtmlReport rep;
  rep.comparison = &c;
  std::ostringstream os;
  write_html(os, rep);
  const std::string html = os.str();
  EXPECT_NE(html.find("<figure id=\"compare-p-threshold\">"), std::string::npos);
  EXPECT_NE(html.find("<figure id=\"s0-fan-chart\">"), std::string::npos);
  EXPECT_NE(html.find("<figure id=\"s1-fan-chart\">"), std::string::npos);
  const auto pts = all(html, R"re(<g class="compare-point" data-scenario="([^"]+)" data-year="(\d+)" data-value="([^"]+)")re");
  ASSERT_EQ(pts.size(), 2 * c.scenarios[0].years.size());
  for (const auto& m : pts) {
    const ComparedScenario& s = m[1].str() == c.scenarios[0].scenario ? c.scenarios[0] : c.scenarios[1];
    for (const PairedYear& y : s.years)
      if (y.year == std::stoi(m[2])) {
        EXPECT_EQ(d(m[3]), y.p_threshold);
      }
  }
  for (const std::string& svg : svgs(html)) EXPECT_EQ(xml_problem(svg), "");
  const Sobol sob = sobol(dir + "turnkey-builder.yaml", {}, RunOptions{200, 1, true, 2}, "mean", 2025, 50, 0.95);
  HtmlReport rs;
  rs.sobol = &sob;
  std::ostringstream o2;
  write_html(o2, rs);
  EXPECT_NE(o2.str().find("<figure id=\"sobol\">"), std::string::npos);
  EXPECT_NE(o2.str().find("data-factor=\"(luck)\""), std::string::npos);
  for (const std::string& svg : svgs(o2.str())) EXPECT_EQ(xml_problem(svg), "");
}

TEST(HtmlReport, ComparisonSharesOneRevenueScaleAndSaysWhenTheBarWasReached) {
  // isv-first stays far below turnkey-builder: on their own scales their fan charts would differ.
  const std::string dir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";
  const Comparison c = compare_scenarios(
      {load_scenario(dir + "isv-first.yaml"), load_scenario(dir + "turnkey-builder.yaml")}, RunOptions{500, 1, true, 2});
  HtmlReport rep;
  rep.comparison = &c;
  std::ostringstream os;
  write_html(os, rep);
  const std::string html = os.str();
  std::vector<double> tops;
  for (const char* id : {"s0-fan-chart", "s1-fan-chart"}) {
    const auto at = html.find(std::string("<figure id=\"") + id);
    ASSERT_NE(at, std::string::npos) << id;
    const std::string fig = html.substr(at, html.find("</figure>", at) - at);
    double top = 0;
    for (const auto& m : all(fig, R"re(text-anchor="end">([0-9][^<%]*)</text>)re")) {  // "1 250", a thin space
      std::string digits = m[1].str();
      std::erase_if(digits, [](char ch) { return ch < '0' || ch > '9'; });
      top = std::max(top, std::stod(digits));
    }
    tops.push_back(top);
  }
  EXPECT_GE(tops[0], c.scenarios[1].results.years[2].p95);
  EXPECT_EQ(tops[0], tops[1]);
  // Reached the bar by then, beside P(>= thr), and P(greater) explained.
  const auto reached = all(html, R"re(<tr data-scenario="([^"]+)" data-year="(\d+)" data-p-threshold="([^"]+)" data-p-reached-by="([^"]+)")re");
  ASSERT_EQ(reached.size(), 2 * c.scenarios[0].years.size());
  EXPECT_EQ(d(reached.back()[4]), c.scenarios[1].years.back().p_reached_by);
  EXPECT_NE(html.find("P(greater): the share of trials"), std::string::npos);
}

}  // namespace
}  // namespace revsim
