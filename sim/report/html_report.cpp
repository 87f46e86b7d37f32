// The HTML report: inline SVG charts and tables, no script, A4-friendly.
#include "revsim/html_report.hpp"

#include "../io/sha256.hpp"
#include "revsim/scenario_io.hpp"

#include "revsim/statistics.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace revsim {

std::string sha256_file(const std::string& path) {
  if (path == "-") {  // a scenario read from standard input: the bytes that were read
    std::istringstream in(stdin_scenario_text());
    return sha256_stream(in);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path));
  return sha256_stream(in);
}

std::string sha256_stream(std::istream& in) {
  detail::Sha256 h;
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    h.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return detail::to_hex(h.digest());
}

std::string utc_now() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

int default_histogram_year(const Results& r) {
  int best = r.years.empty() ? r.start_year : r.years.front().year;
  double gap = std::numeric_limits<double>::infinity();
  for (const YearStats& y : r.years) {
    const double g = std::fabs(y.p50 - r.threshold);
    if (g < gap) {
      gap = g;
      best = y.year;
    }
  }
  return best;
}

namespace {

// Okabe & Ito's colour-blind-safe palette.
constexpr const char* kBlue = "#0072B2";
constexpr const char* kSky = "#56B4E9";
constexpr const char* kOrange = "#E69F00";
constexpr const char* kGreen = "#009E73";
constexpr const char* kVermillion = "#D55E00";
constexpr const char* kPurple = "#CC79A7";
constexpr std::array<const char*, kChannels> kChannelColours{kBlue, kOrange, kGreen, kPurple};

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

/// A number exactly as the JSON report writes it (shortest round trip).
std::string num(double v) { return fmt::format("{}", v); }
std::string pct(double p) { return fmt::format("{:.1f} %", 100 * p); }

/// "Nice" axis ticks covering [lo, hi] (Heckbert 1990): steps of 1, 2, 2.5 or 5 x 10^k.
std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  std::vector<double> t;
  for (double v = std::floor(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  if (t.back() < hi - step * 1e-9) t.push_back(t.back() + step);
  return t;
}

/// Tick label in M RMB: thousands separated by a thin space, no trailing zeros.
std::string money(double v) {
  if (std::fabs(v) >= 1000 && std::fabs(v - std::round(v)) < 1e-9) {
    const auto n = static_cast<long long>(std::llround(v));
    std::string d = std::to_string(std::llabs(n)), o;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i > 0 && (d.size() - i) % 3 == 0) o += "\u2009";
      o += d[i];
    }
    std::string out = n < 0 ? "−" : "";
    out += o;
    return out;
  }
  return fmt::format("{:g}", v);
}

/// A chart: an SVG canvas with a plot area and linear scales.
class Chart {
 public:
  Chart(std::string id, std::string title, double w, double h, double left = 64, double bottom = 44)
      : id_(std::move(id)), title_(std::move(title)), w_(w), h_(h), l_(left), b_(bottom) {}
  void x_range(double lo, double hi) { x0_ = lo, x1_ = hi; }
  void y_range(double lo, double hi) { y0_ = lo, y1_ = hi; }
  double px(double x) const { return l_ + (x - x0_) / (x1_ - x0_) * (w_ - l_ - r_); }
  double py(double y) const { return h_ - b_ - (y - y0_) / (y1_ - y0_) * (h_ - b_ - t_); }
  double left() const { return l_; }
  double right() const { return w_ - r_; }
  double top() const { return t_; }
  double bottom() const { return h_ - b_; }
  std::ostringstream& out() { return body_; }

  void y_axis(const std::vector<double>& ticks, const std::string& label, bool percent = false) {
    for (double v : ticks) {
      body_ << fmt::format(R"(<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)", l_, right(),
                           py(v), py(v))
            << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)", l_ - 6,
                           py(v) + 4, percent ? fmt::format("{:g} %", 100 * v) : money(v));
    }
    body_ << fmt::format(R"~(<text class="axis-label" transform="translate(14 {:.1f}) rotate(-90)" text-anchor="middle">{}</text>)~",
                         (t_ + bottom()) / 2, esc(label));
  }
  void x_axis_numeric(const std::vector<double>& ticks, const std::string& label) {
    for (double v : ticks)
      body_ << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", px(v),
                           bottom() + 16, money(v));
    x_label(label);
  }
  void x_label(const std::string& label) {
    body_ << fmt::format(R"(<text class="axis-label" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)",
                         (l_ + right()) / 2, h_ - 6, esc(label));
  }
  void x_category(double x, const std::string& label) {
    body_ << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", px(x),
                         bottom() + 16, esc(label));
  }
  void frame() {
    body_ << fmt::format(R"(<line class="axis" x1="{0:.1f}" x2="{1:.1f}" y1="{2:.1f}" y2="{2:.1f}"/>)", l_, right(),
                         bottom());
  }
  /// A dashed reference line's key in the legend row above the plot area (x: where the key
  /// starts): a label inside the plot would sit on the data wherever the data reach the line.
  std::string dashed_key(double x, const std::string& label) const {
    return fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-dasharray="6 4" stroke-width="1.5"/>)"
        R"(<text class="legend" x="{:.1f}" y="{:.1f}" fill="{}">{}</text>)",
        x, x + 22, t_ - 18, t_ - 18, kVermillion, x + 28, t_ - 14, kVermillion, esc(label));
  }
  /// A horizontal threshold line, its label keyed in the legend row at `key_x`.
  void threshold(double y, const std::string& label, double key_x) {
    body_ << fmt::format(
        R"(<g class="threshold" data-value="{}"><line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-dasharray="6 4" stroke-width="1.5"/>{}</g>)",
        num(y), l_, right(), py(y), py(y), kVermillion, dashed_key(key_x, label));
  }
  void legend(const std::vector<std::pair<std::string, std::string>>& items, double x, double y) {
    for (const auto& [colour, label] : items) {
      body_ << fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="12" height="12" fill="{}"/>)", x, y - 10, colour)
            << fmt::format(R"(<text class="legend" x="{:.1f}" y="{:.1f}">{}</text>)", x + 16, y, esc(label));
      x += 30 + 7.2 * static_cast<double>(label.size());
    }
  }
  void write(std::ostream& os, const std::string& caption) const {
    fmt::print(os,
               "<figure id=\"{0}\">\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {1} {2}\" width=\"100%\" "
               "role=\"img\" aria-labelledby=\"{0}-title\"><title id=\"{0}-title\">{3}</title>\n{4}</svg>\n"
               "<figcaption><b>{3}.</b> {5}</figcaption>\n</figure>\n",
               id_, w_, h_, esc(title_), body_.str(), caption);
  }

 private:
  std::string id_, title_;
  double w_, h_, l_, b_, r_ = 16, t_ = 34;  // the legend sits above the plot area
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
  std::ostringstream body_;
};

double at(std::size_t i) { return static_cast<double>(i); }

/// The bar is STAR standard 2's only at 200 M; another threshold is the scenario's own.
std::string threshold_label(double thr) {
  return thr == 200 ? "200 M (STAR standard 2)" : fmt::format("{} M threshold", money(thr));  // the subtitle says more
}

/// `y_top` > 0: the top of the revenue axis (compare: one scale for every scenario).
void fan_chart(std::ostream& os, const Results& r, const std::string& id, const std::string& title, double y_top = 0) {
  Chart c(id, title, 720, 320);
  double hi = std::max(r.threshold * 1.15, y_top);
  for (const YearStats& y : r.years) hi = std::max({hi, y.p95, y.mean});
  const auto ticks = nice_ticks(0, hi);
  const auto n = static_cast<double>(r.years.size());
  c.x_range(-0.5, n - 0.5);
  c.y_range(0, ticks.back());
  c.y_axis(ticks, "revenue, M RMB");
  auto band = [&](auto lo, auto up, const char* colour, double opacity, const char* cls) {
    std::string pts;
    for (std::size_t i = 0; i < r.years.size(); ++i) pts += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(up(r.years[i])));
    for (std::size_t i = r.years.size(); i-- > 0;) pts += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(lo(r.years[i])));
    c.out() << fmt::format(R"(<polygon class="{}" points="{}" fill="{}" fill-opacity="{}"/>)", cls, pts, colour, opacity);
  };
  band([](const YearStats& y) { return y.p5; }, [](const YearStats& y) { return y.p95; }, kSky, 0.35, "band-p5-p95");
  band([](const YearStats& y) { return y.p25; }, [](const YearStats& y) { return y.p75; }, kBlue, 0.35, "band-p25-p75");
  std::string line;
  for (std::size_t i = 0; i < r.years.size(); ++i) line += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(r.years[i].p50));
  c.out() << fmt::format(R"(<polyline class="p50-line" points="{}" fill="none" stroke="{}" stroke-width="2.5"/>)", line, kBlue);
  for (std::size_t i = 0; i < r.years.size(); ++i) {
    const YearStats& y = r.years[i];
    c.out() << fmt::format(
        R"(<g class="year" data-year="{}" data-p5="{}" data-p25="{}" data-p50="{}" data-p75="{}" data-p95="{}" data-mean="{}">)"
        R"(<circle class="p50" cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"/>)"
        R"(<path class="mean" d="M{:.1f} {:.1f} l6 6 l-6 6 l-6 -6 z" fill="white" stroke="black" stroke-width="1.5"/></g>)",
        y.year, num(y.p5), num(y.p25), num(y.p50), num(y.p75), num(y.p95), num(y.mean), c.px(at(i)), c.py(y.p50), kBlue,
        c.px(at(i)), c.py(y.mean) - 6);
    c.x_category(at(i), std::to_string(y.year));
  }
  c.threshold(r.threshold, threshold_label(r.threshold), c.left() + 410);
  c.frame();
  c.legend({{kSky, "P5–P95"}, {kBlue, "P25–P75, P50 line"}}, c.left() + 8, c.top() - 14);
  c.out() << fmt::format(R"(<path d="M{:.1f} {:.1f} l5 5 l-5 5 l-5 -5 z" fill="white" stroke="black"/><text class="legend" x="{:.1f}" y="{:.1f}">mean</text>)",
                         c.left() + 340, c.top() - 24, c.left() + 350, c.top() - 14);
  c.write(os, fmt::format("Revenue per fiscal year over {} trials: shaded bands hold the middle 90 % and 50 % of "
                          "trials, the line is the median, diamonds the mean; dashed: the listing bar.",
                          r.trials));
}

void probability_chart(std::ostream& os, const Results& r) {
  Chart c("probabilities", "P(revenue ≥ threshold), P(listing) and P(alive) by year", 720, 300);
  const auto n = static_cast<double>(r.years.size());
  c.x_range(-0.5, n - 0.5);
  c.y_range(0, 1);
  c.y_axis({0, 0.25, 0.5, 0.75, 1.0}, "probability", true);
  struct Series {
    const char* cls;
    const char* label;
    const char* colour;
    double YearStats::*field;
    double dx;
  };
  const std::array<Series, 3> series{{{"p-threshold", "P(revenue ≥ threshold)", kVermillion, &YearStats::p_threshold, -0.15},
                                      {"p-listing", "P(listing)", kBlue, &YearStats::p_listing, 0.0},
                                      {"p-alive", "P(alive)", kGreen, &YearStats::p_alive, 0.15}}};
  const double N = static_cast<double>(r.trials);
  for (const Series& s : series) {
    std::string line;
    for (std::size_t i = 0; i < r.years.size(); ++i) {
      const YearStats& y = r.years[i];
      const double p = y.*(s.field);
      const double se = binomial_se(p, N);
      const double x = c.px(static_cast<double>(i) + s.dx);
      line += fmt::format("{:.1f},{:.1f} ", x, c.py(p));
      c.out() << fmt::format(
          R"(<g class="{}" data-year="{}" data-value="{}" data-se="{}"><line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="1.5"/>)"
          R"(<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"/></g>)",
          s.cls, y.year, num(p), num(se), x, x, c.py(std::max(0.0, p - 2 * se)), c.py(std::min(1.0, p + 2 * se)),
          s.colour, x, c.py(p), s.colour);
    }
    c.out() << fmt::format(R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="1" stroke-opacity="0.6"/>)",
                           line, s.colour);
  }
  for (std::size_t i = 0; i < r.years.size(); ++i) c.x_category(static_cast<double>(i), std::to_string(r.years[i].year));
  c.frame();
  c.legend({{kVermillion, "P(revenue ≥ threshold)"}, {kBlue, "P(listing)"}, {kGreen, "P(alive)"}}, c.left() + 8,
           c.top() - 14);
  c.write(os, "Each point with an error bar of ±2 standard errors (√(p(1−p)/N)). Listing needs revenue ≥ the "
              "threshold and the other STAR standard-2 tests of the scenario.");
}

void histogram_chart(std::ostream& os, const Results& r, int year) {
  const Histogram* h = nullptr;
  for (const Histogram& x : r.histograms)
    if (x.year == year) h = &x;
  if (h == nullptr || h->counts.empty()) return;
  Chart c("histogram", fmt::format("Distribution of revenue in {}", year), 720, 300);
  const double w = h->bin_width();
  const double N = static_cast<double>(r.trials);
  double top = std::max({static_cast<double>(h->zeros), static_cast<double>(h->above), 1.0});
  for (auto k : h->counts) top = std::max(top, static_cast<double>(k));
  const auto yt = nice_ticks(0, top / N);
  // x: a bar for exactly 0 left of the axis, the bins over (0, hi], a bar for "above" right of it.
  c.x_range(-2.5 * w, h->hi + 2.5 * w);
  c.y_range(0, yt.back());
  c.y_axis(yt, "share of trials", true);
  auto bar = [&](double x0, double x1, std::uint64_t k, const char* cls, const char* colour, const std::string& extra) {
    const double share = static_cast<double>(k) / N;
    c.out() << fmt::format(
        R"(<rect class="{}" {} data-count="{}" data-value="{}" x="{:.2f}" y="{:.2f}" width="{:.2f}" height="{:.2f}" fill="{}"/>)",
        cls, extra, k, num(share), c.px(x0), c.py(share), std::max(0.5, c.px(x1) - c.px(x0) - 1), c.bottom() - c.py(share),
        colour);
  };
  bar(-2.2 * w, -0.8 * w, h->zeros, "bin-zero", kOrange, "");
  for (std::size_t i = 0; i < h->counts.size(); ++i)
    bar(static_cast<double>(i) * w, static_cast<double>(i + 1) * w, h->counts[i], "bin", kBlue,
        fmt::format(R"(data-lo="{}" data-hi="{}")", num(static_cast<double>(i) * w), num(static_cast<double>(i + 1) * w)));
  bar(h->hi + 0.8 * w, h->hi + 2.2 * w, h->above, "bin-above", kPurple, "");
  const auto xt = nice_ticks(0, h->hi);
  for (double v : xt)
    if (v <= h->hi + 1e-9) c.out() << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>)", c.px(v), c.bottom() + 16, money(v));
  c.out() << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">0</text>)", c.px(-1.5 * w), c.bottom() + 30)
          << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">&gt; {}</text>)", c.px(h->hi + 1.5 * w), c.bottom() + 30, money(h->hi));
  c.x_label("revenue, M RMB");
  const double tx = c.px(r.threshold);
  c.out() << fmt::format(
      R"(<g class="threshold" data-value="{}"><line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-dasharray="6 4" stroke-width="1.5"/>{}</g>)",
      num(r.threshold), tx, tx, c.top(), c.bottom(), kVermillion, c.dashed_key(c.left() + 8, threshold_label(r.threshold)));
  c.frame();
  c.write(os, fmt::format("Share of trials by revenue in {} (bins of {} M RMB); the orange bar is trials with no "
                          "revenue at all, the purple bar trials above {} M RMB.",
                          year, money(w), money(h->hi)));
}

void channel_chart(std::ostream& os, const Results& r) {
  Chart c("channels", "Mean revenue by channel", 720, 300);
  double hi = 0;
  for (const YearStats& y : r.years) hi = std::max(hi, y.mean);
  const auto ticks = nice_ticks(0, std::max(hi, 1e-9));
  const auto n = static_cast<double>(r.years.size());
  c.x_range(-0.5, n - 0.5);
  c.y_range(0, ticks.back());
  c.y_axis(ticks, "mean revenue, M RMB");
  const double bw = (c.px(1) - c.px(0)) * 0.6;
  for (std::size_t i = 0; i < r.years.size(); ++i) {
    const YearStats& y = r.years[i];
    double base = 0;
    for (std::size_t ch = 0; ch < kChannels; ++ch) {
      const double v = y.channels[ch].mean;
      c.out() << fmt::format(
          R"(<rect class="channel" data-year="{}" data-channel="{}" data-value="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)",
          y.year, kChannelNames[ch], num(v), c.px(static_cast<double>(i)) - bw / 2, c.py(base + v), bw,
          c.py(base) - c.py(base + v), kChannelColours[ch]);
      base += v;
    }
    c.x_category(static_cast<double>(i), std::to_string(y.year));
  }
  c.frame();
  c.legend({{kBlue, "internet"}, {kOrange, "carriers"}, {kGreen, "government"}, {kPurple, "ISVs"}}, c.left() + 8, c.top() - 14);
  c.write(os, "Mean revenue of each channel, stacked: which channel the money comes from.");
}

void crossing_chart(std::ostream& os, const Results& r) {
  Chart c("first-crossing", fmt::format("First year revenue reaches {} M RMB", money(r.threshold)), 350, 260);
  double hi = 0;
  for (const auto& [k, p] : r.first_crossing) hi = std::max(hi, p);
  const auto ticks = nice_ticks(0, std::max(hi, 0.01));
  const auto n = static_cast<double>(r.first_crossing.size());
  c.x_range(-0.5, n - 0.5);
  c.y_range(0, ticks.back());
  c.y_axis(ticks, "share of trials", true);
  const double bw = (c.px(1) - c.px(0)) * 0.7;
  for (std::size_t i = 0; i < r.first_crossing.size(); ++i) {
    const auto& [k, p] = r.first_crossing[i];
    c.out() << fmt::format(
        R"(<rect class="crossing" data-key="{}" data-value="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)",
        k, num(p), c.px(static_cast<double>(i)) - bw / 2, c.py(p), bw, c.bottom() - c.py(p), k == "never" ? "#999999" : kBlue);
    c.x_category(static_cast<double>(i), k);
  }
  c.frame();
  c.write(os, "Share of trials whose revenue first reaches the bar in each year; grey: never within the horizon.");
}

void survival_chart(std::ostream& os, const Results& r) {
  if (r.survival.empty()) return;
  Chart c("survival", "Cash survival", 350, 260);
  const auto H = static_cast<double>(r.survival.size());
  c.x_range(0, H);
  c.y_range(0, 1);
  c.y_axis({0, 0.25, 0.5, 0.75, 1.0}, "P(alive)", true);
  std::string path = fmt::format("M{:.1f} {:.1f}", c.px(0), c.py(1));
  for (std::size_t m = 0; m < r.survival.size(); ++m)
    path += fmt::format(" V{:.1f} H{:.1f}", c.py(r.survival[m]), c.px(static_cast<double>(m + 1)));
  c.out() << fmt::format(R"(<path class="survival-line" d="{}" fill="none" stroke="{}" stroke-width="2"/>)", path, kGreen);
  // A dot at the last month of each fiscal year, its year's label under it (where the year ends;
  // the first fiscal year may be partial when month 0 is not January).
  const std::size_t offset = static_cast<std::size_t>(r.start_month_in_year - 1);
  for (std::size_t y = 0; 12 * (y + 1) - offset <= r.survival.size(); ++y) {
    const std::size_t end = 12 * (y + 1) - offset;  // one past the year's last month
    const std::size_t m = end - 1;
    c.out() << fmt::format(R"(<circle class="survival" data-month="{}" data-value="{}" cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)",
                           m, num(r.survival[m]), c.px(static_cast<double>(end)), c.py(r.survival[m]), kGreen);
    c.x_category(static_cast<double>(end), std::to_string(r.start_year + static_cast<int>(y)));
  }
  c.frame();
  c.write(os, "Share of trials whose cash has not run out by the end of each month; dots and labels at each year's end.");
}

void runway_table(std::ostream& os, const Results& r) {
  auto q = [&](const std::optional<double>& m) {
    return m ? fmt::format("month {:.1f} ({})", *m, calendar_month(r.start_year, r.start_month_in_year, *m))
             : std::string("beyond the horizon");
  };
  auto p = [&](const std::optional<double>& v) { return v ? pct(*v) : std::string("–"); };
  auto data = [](const std::optional<double>& v) { return v ? num(*v) : std::string("null"); };
  fmt::print(os, "<h2>Cash runway</h2>\n<table class=\"runway\"><thead><tr><th></th><th>P10</th><th>P50</th><th>P90</th>"
                 "<th>P(alive) 12 months</th><th>24 months</th><th>36 months</th></tr></thead><tbody>\n");
  fmt::print(os, "<tr><td>month the cash runs out</td><td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td>"
                 "<td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td>"
                 "<td data-value=\"{}\">{}</td></tr>\n",
             data(r.runway.p10), q(r.runway.p10), data(r.runway.p50), q(r.runway.p50), data(r.runway.p90),
             q(r.runway.p90), data(r.runway.alive_12), p(r.runway.alive_12), data(r.runway.alive_24),
             p(r.runway.alive_24), data(r.runway.alive_36), p(r.runway.alive_36));
  fmt::print(os, "</tbody></table>\n");
}

void concentration_table(std::ostream& os, const Results& r) {
  if (r.concentration.empty()) return;
  fmt::print(os, "<h2>Customer concentration</h2>\n<table class=\"concentration\"><thead><tr><th>year</th>"
                 "<th>largest customer</th><th>top 5</th><th>P(largest &gt; 50 %)</th><th>trials with revenue</th>"
                 "</tr></thead><tbody>\n");
  for (const ConcentrationYear& c : r.concentration)
    fmt::print(os, "<tr data-year=\"{}\" data-largest=\"{}\" data-top5=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
               c.year, num(c.largest_share), num(c.top5_share), c.year, c.trials ? pct(c.largest_share) : "–",
               c.trials ? pct(c.top5_share) : "–", c.trials ? pct(c.p_largest_over_half) : "–", c.trials);
  fmt::print(os, "</tbody></table>\n<p class=\"note\">Shares of the year's revenue (booked revenue included, though it is "
                 "no customer); a customer is a named account, an operator, a government project or one ISV.</p>\n");
}

void forecast_chart(std::ostream& os, const Results& r) {
  if (r.forecast_audit.empty()) return;
  const double rows = static_cast<double>(r.forecast_audit.size());
  Chart c("forecast-audit", "Forecast against the simulation and the face-value pipeline", 720, 60 + 44 * rows, 64, 44);
  double hi = 0;
  for (const ForecastYear& f : r.forecast_audit) hi = std::max({hi, f.forecast, f.p90, r.threshold});
  const auto ticks = nice_ticks(0, hi * 1.1);
  c.x_range(0, ticks.back());
  c.y_range(0, rows);
  for (double v : ticks)
    c.out() << fmt::format(R"(<line class="grid" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}"/>)", c.px(v), c.top(), c.bottom());
  c.x_axis_numeric(ticks, "revenue, M RMB");
  for (std::size_t i = 0; i < r.forecast_audit.size(); ++i) {
    const ForecastYear& f = r.forecast_audit[i];
    const double y = c.py(rows - static_cast<double>(i) - 0.5);
    const bool off = f.face_value > ticks.back();
    c.out() << fmt::format(
        R"(<g class="audit" data-year="{}" data-forecast="{}" data-p10="{}" data-p50="{}" data-p90="{}" data-face-value="{}">)"
        R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)"
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="14" fill="{}" fill-opacity="0.45"/>)"
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="3"/>)"
        R"(<path d="M{:.1f} {:.1f} l6 -10 h-12 z" fill="{}"/>)",
        f.year, num(f.forecast), num(f.p10), num(f.p50), num(f.p90), num(f.face_value), c.left() - 6, y + 4, f.year,
        c.px(f.p10), y - 7, std::max(1.0, c.px(f.p90) - c.px(f.p10)), kBlue, c.px(f.p50), c.px(f.p50), y - 9, y + 9,
        kBlue, c.px(f.forecast), y - 8, kVermillion);
    if (off)
      c.out() << fmt::format(R"(<text class="note" x="{:.1f}" y="{:.1f}" text-anchor="end" fill="{}">face value {} →</text>)",
                             c.right(), y + 20, kOrange, money(std::round(f.face_value)));
    else
      c.out() << fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="none" stroke="{}" stroke-width="2"/>)",
                             c.px(f.face_value), y, kOrange);
    c.out() << "</g>";
  }
  c.write(os, "Per forecast year: the simulated P10–P90 band (blue) and P50 (bar), the forecast (red triangle), "
              "and the face-value pipeline (orange circle, or an arrow when it is off the scale): every account's "
              "whole demand, every tender won, every project turnkey.");
}

std::string short_name(const std::string& s, std::size_t n = 46) {
  return s.size() <= n ? s : "…" + s.substr(s.size() - n + 1);
}

void tornado_chart(std::ostream& os, const Sensitivity& s, std::size_t top = 15) {
  const std::size_t rows = std::min(top, s.rows.size());
  if (rows == 0) return;
  Chart c("tornado", fmt::format("Tornado: {} in {}", s.stat, s.year), 720, 60 + 22.0 * static_cast<double>(rows), 300, 40);
  double lo = s.base, hi = s.base;
  for (std::size_t i = 0; i < rows; ++i)
    for (double v : s.rows[i].stats) lo = std::min(lo, v), hi = std::max(hi, v);
  const auto ticks = nice_ticks(lo, hi);
  c.x_range(ticks.front(), ticks.back());
  c.y_range(0, static_cast<double>(rows));
  for (double v : ticks)
    c.out() << fmt::format(R"(<line class="grid" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}"/>)", c.px(v), c.top(), c.bottom())
            << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{:g}</text>)", c.px(v), c.bottom() + 16, v);
  c.x_label(s.stat);
  for (std::size_t i = 0; i < rows; ++i) {
    const SensitivityRow& r = s.rows[i];
    const double y = c.py(static_cast<double>(rows - i) - 0.5);
    const double a = r.stats.front(), b = r.stats.back();
    c.out() << fmt::format(
        R"(<g class="tornado-row" data-parameter="{}" data-low="{}" data-high="{}" data-swing="{}"><title>{}: {} → {:.4g}, {} → {:.4g}</title>)"
        R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)"
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="14" fill="{}"/>)"
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="14" fill="{}"/></g>)",
        esc(r.parameter), num(a), num(b), num(r.swing), esc(r.parameter), num(r.levels.front()), a, num(r.levels.back()), b,
        c.left() - 6, y + 4, esc(short_name(r.parameter)), std::min(c.px(a), c.px(s.base)), y - 7,
        std::fabs(c.px(a) - c.px(s.base)), kSky, std::min(c.px(b), c.px(s.base)), y - 7, std::fabs(c.px(b) - c.px(s.base)),
        kBlue);
  }
  c.out() << fmt::format(R"(<line class="axis" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" data-value="{3}"/>)",
                         c.px(s.base), c.top(), c.bottom(), num(s.base));
  c.legend({{kSky, "parameter at its low value"}, {kBlue, "at its high value"}}, c.left() + 8, c.top() - 14);
  c.write(os, fmt::format("How far {} in {} moves when one parameter goes from its P10 to its P90 (constants ±20 %), "
                          "{} trials each on common random numbers; the vertical line is the scenario as given ({:.4g}).",
                          s.stat, s.year, s.trials, s.base));
}

void sobol_chart(std::ostream& os, const Sobol& s, std::size_t top = 15) {
  if (!(s.variance > 0) || s.factors.empty()) return;
  std::vector<const SobolFactor*> rows;
  for (std::size_t i = 0; i + 1 < s.factors.size() && rows.size() + 1 < top; ++i) rows.push_back(&s.factors[i]);
  rows.push_back(&s.factors.back());
  const auto n = static_cast<double>(rows.size());
  Chart c("sobol", fmt::format("Sobol indices: {}", s.quantity), 720, 60 + 22 * n, 300, 40);
  c.x_range(0, 1);
  c.y_range(0, n);
  for (double v : {0.0, 0.25, 0.5, 0.75, 1.0})
    c.out() << fmt::format(R"(<line class="grid" x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}"/>)", c.px(v), c.top(), c.bottom())
            << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{:g}</text>)", c.px(v), c.bottom() + 16, v);
  c.x_label("share of variance");
  auto clamp = [](double v) { return std::clamp(std::isnan(v) ? 0.0 : v, 0.0, 1.0); };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SobolFactor& f = *rows[i];
    const double y = c.py(n - static_cast<double>(i) - 0.5);
    c.out() << fmt::format(
        R"(<g class="sobol-row" data-factor="{}" data-rank="{}" data-first="{}" data-total="{}" data-distinguishable="{}"><title>{}: first {:.3f} [{:.3f}, {:.3f}], total {:.3f} [{:.3f}, {:.3f}]{}</title>)"
        R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{}</text>)"
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="14" fill="none" stroke="{}" stroke-width="1.5"/>)"
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="14" fill="{}"/>)"
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="black"/></g>)",
        esc(f.name), f.rank > 0 ? std::to_string(f.rank) : "", num(f.first), num(f.total), f.nonzero ? "true" : "false",
        esc(f.name), f.first, f.first_lo, f.first_hi, f.total, f.total_lo, f.total_hi,
        f.nonzero ? ", told apart from zero" : ", not told apart from zero", c.left() - 6, y + 4, esc(short_name(f.name)), c.px(0), y - 7, c.px(clamp(f.total)) - c.px(0), kBlue,
        c.px(0), y - 7, c.px(clamp(f.first)) - c.px(0), kSky, c.px(clamp(f.total_lo)), c.px(clamp(f.total_hi)), y, y);
  }
  c.legend({{kSky, "first-order"}, {kBlue, "total (outline, with its interval)"}}, c.left() + 8, c.top() - 14);
  c.write(os, fmt::format("Share of the variance of {} explained by each factor alone (filled) and with its "
                          "interactions (outline), N = {} base rows; (luck) is every draw that is not a factor.",
                          esc(s.quantity), s.base_rows));
}

void year_table(std::ostream& os, const Results& r) {
  fmt::print(os, "<table class=\"years\"><thead><tr><th>year</th><th>mean</th><th>P5</th><th>P25</th><th>P50</th>"
                 "<th>P75</th><th>P95</th><th>P(≥ thr)</th><th>P(listing)</th><th>P(alive)</th></tr></thead><tbody>\n");
  for (const YearStats& y : r.years)
    fmt::print(os, "<tr><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td>"
                   "<td>{} ± {}</td><td>{}</td><td>{}</td></tr>\n",
               y.year, y.mean, y.p5, y.p25, y.p50, y.p75, y.p95, pct(y.p_threshold), pct(y.p_threshold_se),
               pct(y.p_listing), pct(y.p_alive));
  fmt::print(os, "</tbody></table>\n");
}

void accounts_table(std::ostream& os, const Results& r) {
  if (r.accounts.empty()) return;
  fmt::print(os, "<h2>Named accounts</h2>\n<table class=\"accounts\"><thead><tr><th>account</th><th>channel</th>"
                 "<th>P(volume)</th><th>mean revenue, M RMB</th><th>median first order</th></tr></thead><tbody>\n");
  for (const AccountStats& a : r.accounts)
    fmt::print(os, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td></tr>\n", esc(a.name),
               to_string(a.channel),
               !(a.p_production > 0) ? std::string("—")
               : 100 * a.p_production < 0.05 ? fmt::format("{:.2g} %", 100 * a.p_production) : pct(a.p_production),
               a.mean_revenue,
               a.median_first_order_month ? fmt::format("month {:.0f}", *a.median_first_order_month) : "—");
  fmt::print(os, "</tbody></table>\n");
}

void audit_table(std::ostream& os, const Results& r) {
  if (r.forecast_audit.empty()) return;
  fmt::print(os, "<table class=\"audit\"><thead><tr><th>year</th><th>forecast</th><th>percentile</th><th>P(≥ forecast)</th>"
                 "<th>P10</th><th>P50</th><th>P90</th><th>face value</th><th>carried by</th></tr></thead><tbody>\n");
  for (const ForecastYear& f : r.forecast_audit) {
    std::string names;
    for (const std::string& n : f.carried_by()) names += (names.empty() ? "" : ", ") + esc(n);
    fmt::print(os, "<tr><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td>"
                   "<td>{:.1f}</td><td>{}</td></tr>\n",
               f.year, f.forecast, f.percentile, pct(f.p_at_least), f.p10, f.p50, f.p90, f.face_value,
               names.empty() ? "–" : names);
  }
  fmt::print(os, "</tbody></table>\n");
}

void results_section(std::ostream& os, const Results& r, std::optional<int> histogram_year, const std::string& prefix,
                     double y_top = 0) {
  fan_chart(os, r, prefix + "fan-chart", fmt::format("Revenue by fiscal year — {}", r.scenario), y_top);
  year_table(os, r);
  if (prefix.empty()) {
    probability_chart(os, r);
    histogram_chart(os, r, histogram_year.value_or(default_histogram_year(r)));
    channel_chart(os, r);
    fmt::print(os, "<div class=\"pair\">\n");
    crossing_chart(os, r);
    survival_chart(os, r);
    fmt::print(os, "</div>\n");
    accounts_table(os, r);
    runway_table(os, r);
    concentration_table(os, r);
    if (!r.forecast_audit.empty()) {
      fmt::print(os, "<h2>Forecast audit</h2>\n");
      forecast_chart(os, r);
      audit_table(os, r);
    }
  }
}

void comparison_section(std::ostream& os, const Comparison& c) {
  // P(>= threshold) of every scenario, side by side, with +-2 SE.
  const Results& base = c.scenarios.front().results;
  Chart ch("compare-p-threshold", "P(revenue ≥ threshold) by scenario", 720, 300);
  const auto n = static_cast<double>(base.years.size());
  ch.x_range(-0.5, n - 0.5);
  double hi = 0;
  for (const ComparedScenario& s : c.scenarios)
    for (const YearStats& y : s.results.years) hi = std::max(hi, y.p_threshold + 2 * y.p_threshold_se);
  const auto ticks = nice_ticks(0, std::max(hi, 0.01));
  ch.y_range(0, ticks.back());
  ch.y_axis(ticks, "probability", true);
  const std::array<const char*, 6> colours{kBlue, kVermillion, kGreen, kOrange, kPurple, kSky};
  std::vector<std::pair<std::string, std::string>> legend;
  const double width = 0.6 / static_cast<double>(c.scenarios.size());
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    const Results& r = c.scenarios[k].results;
    const char* colour = colours[k % colours.size()];
    legend.emplace_back(colour, r.scenario);
    for (std::size_t i = 0; i < r.years.size(); ++i) {
      const YearStats& y = r.years[i];
      const double x = static_cast<double>(i) - 0.3 + width * (static_cast<double>(k) + 0.5);
      ch.out() << fmt::format(
          R"(<g class="compare-point" data-scenario="{}" data-year="{}" data-value="{}"><rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)"
          R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="black"/></g>)",
          esc(r.scenario), y.year, num(y.p_threshold), ch.px(x - width * 0.45), ch.py(y.p_threshold),
          ch.px(x + width * 0.45) - ch.px(x - width * 0.45), ch.bottom() - ch.py(y.p_threshold), colour, ch.px(x),
          ch.px(x), ch.py(std::max(0.0, y.p_threshold - 2 * y.p_threshold_se)),
          ch.py(y.p_threshold + 2 * y.p_threshold_se));
    }
  }
  for (std::size_t i = 0; i < base.years.size(); ++i) ch.x_category(static_cast<double>(i), std::to_string(base.years[i].year));
  ch.frame();
  ch.legend(legend, ch.left() + 8, ch.top() - 14);
  ch.write(os, fmt::format("All scenarios ran on common random numbers ({} trials, seed {}); error bars ±2 SE.",
                           c.trials, c.seed));
  fmt::print(os, "<h2>Paired differences from the baseline ({})</h2>\n", esc(base.scenario));
  fmt::print(os, "<table class=\"paired\"><thead><tr><th>scenario</th><th>year</th><th>Δ mean</th><th>SE paired</th>"
                 "<th>SE independent</th><th>Δ P(≥ thr)</th><th>P(greater)</th></tr></thead><tbody>\n");
  for (std::size_t k = 1; k < c.scenarios.size(); ++k)
    for (const PairedYear& y : c.scenarios[k].years)
      fmt::print(os, "<tr><td>{}</td><td>{}</td><td>{:+.2f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:+.2f} ± {:.2f} pp</td>"
                     "<td>{}</td></tr>\n",
                 esc(c.scenarios[k].scenario), y.year, y.mean_diff, y.se_paired, y.se_independent,
                 100 * y.p_threshold_diff, 100 * y.p_threshold_diff_se, pct(y.p_greater));
  fmt::print(os, "</tbody></table>\n<p class=\"note\">P(greater): the share of trials in which the scenario's revenue "
                 "that year beats the baseline's in the same trial (same luck, common random numbers).</p>\n");
  fmt::print(os, "<h2>Reaching the bar</h2>\n<table class=\"reached\"><thead><tr><th>scenario</th><th>year</th>"
                 "<th>P(≥ thr) that year</th><th>reached the bar by then</th></tr></thead><tbody>\n");
  for (const ComparedScenario& s : c.scenarios)
    for (const PairedYear& y : s.years)
      fmt::print(os, "<tr data-scenario=\"{}\" data-year=\"{}\" data-p-threshold=\"{}\" data-p-reached-by=\"{}\"><td>{}</td>"
                     "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
                 esc(s.scenario), y.year, num(y.p_threshold), num(y.p_reached_by), esc(s.scenario), y.year,
                 pct(y.p_threshold), pct(y.p_reached_by));
  fmt::print(os, "</tbody></table>\n<p class=\"note\">Reached the bar by then: P(first crossing ≤ year), revenue at or "
                 "above {} M RMB in that year or an earlier one.</p>\n", money(c.threshold));
  // One revenue scale for every fan chart, so that scenarios read side by side.
  double y_top = 0;
  for (const ComparedScenario& s : c.scenarios)
    for (const YearStats& y : s.results.years) y_top = std::max({y_top, y.p95, y.mean});
  for (std::size_t k = 0; k < c.scenarios.size(); ++k) {
    fmt::print(os, "<h2>{}</h2>\n", esc(c.scenarios[k].results.scenario));
    results_section(os, c.scenarios[k].results, std::nullopt, fmt::format("s{}-", k), y_top);
  }
}

/// PIT histogram of the revenue actuals: ten bins of 10 points; a calibrated model gives n/10 in each.
void pit_chart(std::ostream& os, const Backtest& b) {
  Chart c("pit-histogram", "Where the actuals fell in their simulated distributions (PIT)", 720, 280);
  const std::uint64_t n = b.band80.n;
  double top = static_cast<double>(n) / 10.0;
  for (auto k : b.pit_bins) top = std::max(top, static_cast<double>(k));
  const auto ticks = nice_ticks(0, std::max(1.0, top));
  c.x_range(0, 100);
  c.y_range(0, ticks.back());
  for (double v : ticks)
    c.out() << fmt::format(R"(<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}"/>)"
                           R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="end">{:g}</text>)",
                           c.left(), c.right(), c.py(v), c.py(v), c.left() - 6, c.py(v) + 4, v);
  c.out() << fmt::format(R"~(<text class="axis-label" transform="translate(14 {:.1f}) rotate(-90)" text-anchor="middle">company-years</text>)~",
                         (c.top() + c.bottom()) / 2);
  for (std::size_t i = 0; i < b.pit_bins.size(); ++i) {
    const double lo = 10.0 * static_cast<double>(i);
    const auto k = static_cast<double>(b.pit_bins[i]);
    c.out() << fmt::format(
        R"(<rect class="pit-bin" data-lo="{}" data-hi="{}" data-count="{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"/>)",
        lo, lo + 10, b.pit_bins[i], c.px(lo) + 1, c.py(k), c.px(lo + 10) - c.px(lo) - 2, c.bottom() - c.py(k), kBlue);
  }
  for (double v : {0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0})
    c.out() << fmt::format(R"(<text class="tick" x="{:.1f}" y="{:.1f}" text-anchor="middle">{:g}</text>)", c.px(v),
                           c.bottom() + 16, v);
  c.x_label("PIT: percentile of the actual in its year's simulated revenue");
  const double uniform = static_cast<double>(n) / 10.0;
  c.out() << fmt::format(
      R"(<g class="uniform" data-value="{}"><line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-dasharray="6 4" stroke-width="1.5"/>{}</g>)",
      num(uniform), c.left(), c.right(), c.py(uniform), c.py(uniform), kVermillion,
      c.dashed_key(c.left() + 8, fmt::format("calibrated: {:g} per bin", uniform)));
  c.frame();
  c.write(os, fmt::format("{} company-years. Bars left of 10 say the model expected more than happened; bars right "
                          "of 90, less. A calibrated model puts a tenth of the actuals in each bin (dashed).",
                          n));
}

/// A company's simulated revenue by year (P5–P95, P10–P90, P50) with its actuals as points.
void backtest_fan(std::ostream& os, const BacktestCompany& bc, std::size_t k) {
  Chart c(fmt::format("backtest-fan-{}", k), fmt::format("Simulated revenue and what was filed — {}", bc.scenario),
          720, 300);
  double hi = 1;
  for (const YearStats& y : bc.fan) hi = std::max(hi, y.p95);
  for (const BacktestYear& y : bc.years) hi = std::max(hi, y.revenue.actual);
  const auto ticks = nice_ticks(0, hi * 1.05);
  const auto n = static_cast<double>(bc.fan.size());
  c.x_range(-0.5, n - 0.5);
  c.y_range(0, ticks.back());
  c.y_axis(ticks, "revenue, M RMB");
  auto band = [&](double YearStats::*lo, double YearStats::*up, const char* colour, double opacity, const char* cls) {
    std::string pts;
    for (std::size_t i = 0; i < bc.fan.size(); ++i) pts += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(bc.fan[i].*up));
    for (std::size_t i = bc.fan.size(); i-- > 0;) pts += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(bc.fan[i].*lo));
    c.out() << fmt::format(R"(<polygon class="{}" points="{}" fill="{}" fill-opacity="{}"/>)", cls, pts, colour, opacity);
  };
  band(&YearStats::p5, &YearStats::p95, kSky, 0.30, "band-p5-p95");
  band(&YearStats::p10, &YearStats::p90, kBlue, 0.30, "band-p10-p90");
  std::string line;
  for (std::size_t i = 0; i < bc.fan.size(); ++i) line += fmt::format("{:.1f},{:.1f} ", c.px(at(i)), c.py(bc.fan[i].p50));
  c.out() << fmt::format(R"(<polyline class="p50-line" points="{}" fill="none" stroke="{}" stroke-width="2"/>)", line, kBlue);
  for (std::size_t i = 0; i < bc.fan.size(); ++i) c.x_category(at(i), std::to_string(bc.fan[i].year));
  for (const BacktestYear& y : bc.years) {
    if (y.revenue.samples == 0) continue;
    const auto i = static_cast<double>(y.year - bc.fan.front().year);
    const char* colour = y.revenue.in80 ? kGreen : kVermillion;
    c.out() << fmt::format(
        R"(<g class="actual" data-year="{}" data-value="{}" data-pit="{}" data-in-p10-p90="{}"><circle cx="{:.1f}" cy="{:.1f}" r="5" fill="{}" stroke="black"/></g>)",
        y.year, num(y.revenue.actual), num(y.revenue.pit), y.revenue.in80 ? "true" : "false", c.px(i),
        c.py(y.revenue.actual), colour);
  }
  c.frame();
  c.legend({{kSky, "P5–P95"}, {kBlue, "P10–P90, P50 line"}, {kGreen, "filed, inside P10–P90"}, {kVermillion, "outside"}},
           c.left() + 8, c.top() - 14);
  c.write(os, fmt::format("{} trials from the company as it stood at the start of {}; points are the filed revenue.",
                          bc.trials, bc.fan.empty() ? 0 : bc.fan.front().year));
}

void backtest_section(std::ostream& os, const Backtest& b) {
  auto cov = [](const Coverage& c) {
    return fmt::format("{} of {} = {} (Wilson {:g} % interval {:.1f}–{:.1f} %; nominal {:.0f} %: {})", c.inside, c.n,
                       pct(c.rate()), 100 * c.level, 100 * c.lo, 100 * c.hi, 100 * c.nominal,
                       c.consistent() ? "inside" : "outside");
  };
  fmt::print(os, "<table class=\"backtest-overall\"><tbody>\n<tr><th>coverage of P10–P90</th><td data-value=\"{}\">{}</td></tr>\n"
                 "<tr><th>coverage of P5–P95</th><td data-value=\"{}\">{}</td></tr>\n"
                 "<tr><th>mean CRPS</th><td data-value=\"{}\">{:.1f} M RMB</td></tr>\n",
             num(b.band80.rate()), cov(b.band80), num(b.band90.rate()), cov(b.band90), num(b.mean_crps), b.mean_crps);
  // Everything the text table says, the unfavourable lines included (the top-5 share's P5–P95).
  if (b.top5_n > 0)
    fmt::print(os, "<tr><th>top-5 share: coverage of P10–P90</th><td>{}</td></tr>\n"
                   "<tr><th>top-5 share: coverage of P5–P95</th><td>{}</td></tr>\n"
                   "<tr><th>top-5 share: mean CRPS</th><td>{:.3f}</td></tr>\n",
               cov(b.top5_band80), cov(b.top5_band90), b.top5_mean_crps);
  fmt::print(os, "</tbody></table>\n");
  pit_chart(os, b);
  fmt::print(os, "<table class=\"backtest\"><thead><tr><th>company</th><th>year</th><th>filed</th><th>P5</th><th>P10</th>"
                 "<th>P50</th><th>P90</th><th>P95</th><th>PIT</th><th>in P10–P90</th><th>in P5–P95</th><th>CRPS</th></tr>"
                 "</thead><tbody>\n");
  for (const BacktestCompany& c : b.companies)
    for (const BacktestYear& y : c.years) {
      if (y.revenue.samples == 0) continue;
      const Placement& p = y.revenue;
      fmt::print(os, "<tr><td>{}</td><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td>"
                     "<td>{:.1f}</td><td>{:.1f}</td><td>{}</td><td>{}</td><td>{:.1f}</td></tr>\n",
                 esc(c.scenario), y.year, p.actual, p.p5, p.p10, p.p50, p.p90, p.p95, p.pit, p.in80 ? "yes" : "no",
                 p.in90 ? "yes" : "no", p.crps);
    }
  fmt::print(os, "</tbody></table>\n");
  bool by_channel = false;
  for (const BacktestCompany& c : b.companies)
    for (const BacktestYear& y : c.years) by_channel = by_channel || !y.channels.empty();
  if (by_channel) {
    fmt::print(os, "<h2>By channel, M RMB</h2>\n<table class=\"backtest-channels\"><thead><tr><th>company</th>"
                   "<th>year</th><th>channel</th><th>filed</th><th>P10</th><th>P50</th><th>P90</th><th>PIT</th></tr>"
                   "</thead><tbody>\n");
    for (const BacktestCompany& c : b.companies)
      for (const BacktestYear& y : c.years)
        for (const auto& [name, p] : y.channels)
          fmt::print(os, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td>"
                         "<td>{:.1f}</td></tr>\n",
                     esc(c.scenario), y.year, esc(name), p.actual, p.p10, p.p50, p.p90, p.pit);
    fmt::print(os, "</tbody></table>\n");
  }
  for (std::size_t k = 0; k < b.companies.size(); ++k) {
    fmt::print(os, "<h2>{}</h2>\n", esc(b.companies[k].scenario));
    backtest_fan(os, b.companies[k], k);
    bool top5 = false;
    for (const BacktestYear& y : b.companies[k].years) top5 = top5 || y.top5.has_value();
    if (!top5) continue;
    fmt::print(os, "<table class=\"backtest-top5\"><thead><tr><th>year</th><th>top-5 share filed</th><th>simulated mean</th>"
                   "<th>P10</th><th>P90</th><th>PIT</th></tr></thead><tbody>\n");
    for (const BacktestYear& y : b.companies[k].years)
      if (y.top5)
        fmt::print(os, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td></tr>\n", y.year,
                   pct(y.top5->actual), pct(y.top5->mean), pct(y.top5->p10), pct(y.top5->p90), y.top5->pit);
    fmt::print(os, "</tbody></table>\n");
  }
}

constexpr const char* kStyle = R"(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", sans-serif;
       color: #1a1a1a; max-width: 190mm; margin: 1.5em auto; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.subtitle { color: #555; margin-top: 0; }
figure { margin: 1.2em 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 0.85em; color: #444; }
svg { display: block; background: #fff; }
svg text { font-family: inherit; }
.tick { font-size: 11px; fill: #333; } .axis-label, .legend { font-size: 12px; fill: #222; } .note { font-size: 12px; }
.grid { stroke: #e3e3e3; stroke-width: 1; } .axis { stroke: #333; stroke-width: 1; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; break-inside: avoid; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
.pair { display: flex; gap: 2%; } .pair figure { width: 49%; }
.manifest td { text-align: left; font-family: ui-monospace, monospace; word-break: break-all; }
@page { size: A4; margin: 12mm; }
@media print { body { margin: 0; max-width: none; } }
)";

}  // namespace

void write_html(std::ostream& os, const HtmlReport& rep) {
  const Manifest& m = rep.manifest;
  std::string title = "revsim report";
  if (rep.results != nullptr) title += " — " + rep.results->scenario;
  else if (rep.comparison != nullptr) title += " — comparison";
  else if (rep.backtest != nullptr) title += " — backtest against filed revenue";
  else if (rep.tornado != nullptr) title += " — sensitivity: " + rep.tornado->scenario;
  else if (rep.sobol != nullptr) title += " — Sobol indices: " + rep.sobol->scenario;
  fmt::print(os, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n"
                 "<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
             esc(title), kStyle, esc(title));
  if (rep.results != nullptr) {
    const Results& r = *rep.results;
    fmt::print(os, "<p class=\"subtitle\">{} trials, seed {}; the listing bar is {} M RMB of revenue in a year "
                   "({}). All amounts in M RMB.</p>\n",
               r.trials, r.seed, money(r.threshold),
               r.threshold == 200 ? "STAR Market standard 2"
                                  : "the scenario's threshold; STAR Market standard 2 sets 200 M");
    results_section(os, r, rep.histogram_year, "");
  }
  if (rep.comparison != nullptr) comparison_section(os, *rep.comparison);
  if (rep.backtest != nullptr) backtest_section(os, *rep.backtest);
  if (rep.tornado != nullptr) {
    fmt::print(os, "<h2>What matters most</h2>\n");
    tornado_chart(os, *rep.tornado);
  }
  if (rep.sobol != nullptr) {
    fmt::print(os, "<h2>Variance-based sensitivity</h2>\n");
    sobol_chart(os, *rep.sobol);
    if (!rep.sobol->note.empty()) fmt::print(os, "<p class=\"sobol-note\">{}</p>\n", esc(rep.sobol->note));
  }
  fmt::print(os, "<h2>Run manifest</h2>\n<table class=\"manifest\"><tbody>\n<tr><th>revsim</th><td>{}</td></tr>\n",
             esc(m.version));
  for (const auto& [file, sha] : m.scenarios)
    fmt::print(os, "<tr><th>scenario</th><td>{}<br>SHA-256 {}</td></tr>\n", esc(file), sha);
  for (const std::string& s : m.sets) fmt::print(os, "<tr><th>--set</th><td>{}</td></tr>\n", esc(s));
  fmt::print(os, "<tr><th>seed</th><td>{}</td></tr>\n<tr><th>trials</th><td>{}</td></tr>\n"
                 "<tr><th>threads</th><td>{}</td></tr>\n<tr><th>date</th><td>{}</td></tr>\n",
             m.seed, m.trials, m.threads, esc(m.date));
  if (!m.command.empty()) fmt::print(os, "<tr><th>command</th><td>{}</td></tr>\n", esc(m.command));
  fmt::print(os, "</tbody></table>\n<p class=\"subtitle\">Results do not depend on the thread count; the same "
                 "scenario, seed and trials give the same numbers.</p>\n</body>\n</html>\n");
}

}  // namespace revsim
