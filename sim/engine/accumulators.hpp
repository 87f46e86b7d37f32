// What the one trial loop (trial_loop.hpp) feeds: accumulators of trial outcomes, mergeable in
// block order (issue 14). Internal to the library (tests include it to check the merge).
//
// The contract every accumulator `Acc` meets:
//   static constexpr std::uint64_t kBlock   trials per block; block b holds trials [b kBlock, (b + 1) kBlock)
//   Acc::Part                               the state of trials [lo, hi) of one block
//   Part part(std::uint64_t lo) const       an empty part starting at trial lo; when lo is not a
//                                           block boundary it continues the accumulator's open
//                                           (last, incomplete) block, and lo must equal trials()
//   void Part::add(std::span<const TrialOutcome> o, std::uint64_t t)
//                                           trial t (in increasing order within the part); o holds
//                                           one outcome per scenario of the loop
//   void merge(Part&& p)                    append the part: p.lo == trials()
//   std::uint64_t trials() const            one past the last trial merged (trials [0, trials()))
//   void Part::append(Part&& q)             extend the part by the next whole blocks: q.lo == hi, on a
//                                           block boundary; the part then holds trials [lo, q.hi)
//
// Serialisation (issue 16: MPI ranks, shard files, checkpoints) through the sealed archive of
// sim/parallel/archive.hpp, doubles bit for bit:
//   void Part::save(ArchiveWriter&) const   a part (one block or, after append, several)
//   Part load_part(ArchiveReader&) const    read a part for this accumulator (same scenario)
//   void save(ArchiveWriter&) const         the whole accumulator (a checkpoint)
//   void load(ArchiveReader&)               restore it into one built for the same scenario
// Readers check the tag of what they read and every length against the scenario's dimensions
// and the part's trials, and throw ArchiveError naming the archive otherwise.
//
// Determinism: within a block, floating-point sums run in trial order; the accumulator folds the
// blocks' sums in block order (Moments::fold, BlockSums::fold); integer tallies (counts,
// histograms) are exact in any order. So the state after trials [0, n) does not depend on how
// the blocks were spread over threads, nor on whether [0, n) ran at once or as [0, m) then
// [m, n) (precision adds trials so: a part starting inside the open block continues it). The
// accumulator keeps the complete blocks folded and the open block apart; summaries fold the
// open block into a copy, so more trials can still be added.
//
// Merging across processes (issue 16: MPI, shard + merge, checkpoints): the state of a shard
// [a, b) of whole blocks is one Part made by append()ing its blocks' Parts in block order
// (run_part in trial_loop.hpp): the floating sums stay one per block (`closed`, then `sums`),
// the integer tallies are pre-summed (their sum is exact in any order), the samples are
// concatenated. Merging "[0, a)" with "[a, b)" is merge() of those Parts in block order, which
// gives bit for bit the state after [0, b). A checkpoint is the accumulator itself (folded
// blocks, open block, tallies, trials()).
#pragma once

#include "../model/trial.hpp"
#include "../parallel/archive.hpp"
#include "revsim/compare.hpp"
#include "revsim/engine.hpp"
#include "revsim/results.hpp"
#include "revsim/stat.hpp"
#include "revsim/streaming.hpp"
#include "revsim/trial_outcome.hpp"

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace revsim::detail {

/// What a run's accumulators need to know of the scenario.
struct Dims {
  explicit Dims(const Prepared& P);
  const Scenario& s;
  std::size_t Y, H, A, E, F;
  std::size_t internet_accounts;       ///< accounts [0, internet_accounts) are internet accounts, the rest operators
  std::vector<std::string> entity_names;
  std::vector<double> forecast;        ///< [f]: the forecast value
  std::vector<std::size_t> forecast_year;  ///< [f]: its fiscal-year index
  bool record;                         ///< outcomes carry inputs and year-end cash (Prepared::record)
  std::size_t I;                       ///< inputs per trial (Prepared::input_names)
};

/// Count, mean and sum of squared deviations of a sequence: Welford's update within a block,
/// Chan et al.'s when appending the next block (fold).
struct Moments {
  double n = 0, mean = 0, m2 = 0;
  void add(double x) noexcept {
    n += 1;
    const double delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }
  void fold(const Moments& b) noexcept {
    const double nab = n + b.n;
    const double delta = b.mean - mean;
    mean += delta * b.n / nab;
    m2 += b.m2 + delta * delta * n * b.n / nab;
    n = nab;
  }
  void save(ArchiveWriter& w) const {
    w.f64(n);
    w.f64(mean);
    w.f64(m2);
  }
  void load(ArchiveReader& r) {
    n = r.f64();
    mean = r.f64();
    m2 = r.f64();
  }
};

/// Floating-point sums of one block in trial order (the part of a run's state whose value
/// depends on the order of addition): per year the moments of the total, per year and channel
/// the revenue, the face value by entity and year, account revenue, concentration sums.
struct BlockSums {
  explicit BlockSums(const Dims& d);
  std::vector<Moments> total;       ///< [year]
  std::vector<double> channel;      ///< [year * kChannels + channel]
  std::vector<double> face;         ///< [entity * Y + year]
  std::vector<double> account;      ///< [account]
  std::vector<double> largest, top5;  ///< [year]: sums of the largest / top-5 customers' shares
  void add(const TrialOutcome& o);
  void fold(const BlockSums& b);
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);  ///< into sums built for the same scenario (lengths checked)
};

/// Integer tallies of a run: exact, so merged in any order.
struct TrialCounts {
  explicit TrialCounts(const Dims& d);
  std::vector<std::uint64_t> above;     ///< [year]: revenue >= threshold
  std::vector<std::uint64_t> alive;     ///< [year]: alive through the year
  std::vector<std::uint64_t> listed;    ///< [year]: STAR standard 2 met
  std::vector<std::uint64_t> first;     ///< [year], then never: first crossing of the threshold
  std::vector<std::uint64_t> fails;     ///< [month]: cash ran out that month
  std::vector<std::uint64_t> acc_prod;  ///< [account]: a first paid volume
  std::vector<std::uint64_t> acc_month; ///< [account * H + month]: its month (clamped to H - 1)
  std::vector<std::uint64_t> fc_less, fc_equal;  ///< [forecast]: revenue below / equal to it
  std::vector<std::uint64_t> with_revenue, over_half;  ///< [year]: revenue > 0; largest customer > 50 %
  void add(const Dims& d, const TrialOutcome& o);
  void merge(const TrialCounts& c);
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);  ///< into tallies built for the same scenario (lengths checked)
};

/// The sums of the blocks a part touches, in block order: `closed` then `last` (the one add()
/// goes to). The first begins at the part's lo (and continues the open block when lo is inside
/// one), the others on block boundaries.
template <class B>
struct PartSums {
  std::vector<B> closed;
  B last;
  /// Append the sums of the next part, which begins on a block boundary.
  void append(PartSums&& q) {
    closed.push_back(std::move(last));
    for (B& b : q.closed) closed.push_back(std::move(b));
    last = std::move(q.last);
  }
  void save(ArchiveWriter& w) const {
    w.u64(closed.size());
    for (const B& b : closed) b.save(w);
    last.save(w);
  }
  /// Read sums of a part [lo, hi) of `block`-trial blocks; `zero` gives the lengths.
  void load(ArchiveReader& r, const B& zero, std::uint64_t lo, std::uint64_t hi, std::uint64_t block);
};

/// Blocks of `block` trials that the trials [lo, hi) touch (1 when empty: a part has its sums).
std::uint64_t blocks_touched(std::uint64_t lo, std::uint64_t hi, std::uint64_t block) noexcept;
/// Read a tag string and check it is `tag` (ArchiveError otherwise).
void expect_tag(ArchiveReader& r, std::string_view tag);

/// Complete blocks folded in block order, the open block apart (see the file comment).
template <class B>
class BlockChain {
 public:
  explicit BlockChain(B zero) : folded_(zero), open_(std::move(zero)) {}
  /// The block sums a part starting at trial lo begins with: the open block's if it continues it.
  B start(std::uint64_t lo, std::uint64_t block, const B& zero) const { return lo % block != 0 ? open_ : zero; }
  /// Append the sums of a part that began at trial lo.
  void merge(B&& b, std::uint64_t lo, std::uint64_t block) {
    if (lo % block == 0 && has_open_) folded_.fold(open_);
    open_ = std::move(b);
    has_open_ = true;
  }
  /// Append the sums of every block of a part that began at trial lo, in block order.
  void merge(PartSums<B>&& s, std::uint64_t lo, std::uint64_t block) {
    for (B& b : s.closed) {
      merge(std::move(b), lo, block);
      lo = (lo / block + 1) * block;
    }
    merge(std::move(s.last), lo, block);
  }
  /// Every block folded in block order.
  B total() const {
    B t = folded_;
    if (has_open_) t.fold(open_);
    return t;
  }
  void save(ArchiveWriter& w) const {
    folded_.save(w);
    w.u64(has_open_ ? 1 : 0);
    if (has_open_) open_.save(w);
  }
  /// Restore into a chain built with the same zero (lengths checked by B::load).
  void load(ArchiveReader& r) {
    folded_.load(r);
    const std::uint64_t open = r.u64();
    if (open > 1) throw ArchiveError(r.name() + ": a block chain's open flag is not 0 or 1");
    has_open_ = open == 1;
    if (has_open_) open_.load(r);
  }

 private:
  B folded_, open_;
  bool has_open_ = false;
};

/// The per-trial samples an ExactSamples keeps, of trials [lo, hi) (a part) or [0, n) (the
/// accumulator): every vector holds a fixed number of values per trial.
struct Samples {
  std::vector<double> revenue;          ///< [(t * Y + y) * kChannels + c]
  std::vector<double> account_revenue;  ///< [t * A + a]
  std::vector<double> top5;             ///< [t * Y + y] (keep_top5)
  std::vector<int> fail_month;          ///< [t]
  std::vector<int> account_first;       ///< [t * A + a]
  std::vector<std::uint32_t> listing;   ///< [t]
  std::vector<double> inputs;           ///< [t * I + input] (Dims::record)
  std::vector<double> cash;             ///< [t * Y + y] (Dims::record)
  /// The names of the vectors kept only when the run records (--samples).
  static constexpr const char* kRecordedInputs = "drawn inputs";
  static constexpr const char* kRecordedCash = "year-end cash";
  /// The one list of the vectors, in archive order: f(&Samples::member, values per trial, what)
  /// for each (0 values per trial: not kept by this run).
  template <class F>
  static void each(const Dims& d, bool keep_top5, F&& f) {
    f(&Samples::revenue, d.Y * kChannels, "revenue samples");
    f(&Samples::account_revenue, d.A, "account revenue samples");
    f(&Samples::top5, keep_top5 ? d.Y : 0, "top-5 share samples");
    f(&Samples::fail_month, std::size_t{1}, "failure months");
    f(&Samples::account_first, d.A, "accounts' first paid months");
    f(&Samples::listing, std::size_t{1}, "listing bits");
    // --samples: the drawn inputs and year-end cash, only when the run records them (Dims::record).
    f(&Samples::inputs, d.record ? d.I : 0, kRecordedInputs);
    f(&Samples::cash, d.record ? d.Y : 0, kRecordedCash);
  }
  void append(const Samples& q, const Dims& d, bool keep_top5);   ///< q's trials after these
  void reserve(std::uint64_t trials, const Dims& d, bool keep_top5);
  void save(ArchiveWriter& w, const Dims& d, bool keep_top5) const;
  /// Read the samples of n trials (every length checked against the dimensions).
  void load(ArchiveReader& r, const Dims& d, bool keep_top5, std::uint64_t n);
};

/// Exact samples (run, audit, report, --samples, compare below kMaxExactBytes, backtest): every
/// trial's revenue by year and channel, failure month, listing bits and named-account results
/// kept; quantiles exact. Face value and concentration sums per block of 256 trials.
class ExactSamples {
 public:
  static constexpr std::uint64_t kBlock = 256;
  explicit ExactSamples(const Dims& d, bool keep_top5 = false);
  struct Part {
    Part(const Dims& d, BlockSums sums, std::uint64_t lo, bool keep_top5);
    void add(std::span<const TrialOutcome> o, std::uint64_t t);
    void append(Part&& q);
    void save(ArchiveWriter& w) const;
    const Dims* d;
    std::uint64_t lo, hi;
    PartSums<BlockSums> sums;
    TrialCounts counts;
    bool keep_top5;
    Samples samples;
  };
  Part part(std::uint64_t lo) const { return Part(*d_, chain_.start(lo, kBlock, zero_), lo, keep_top5_); }
  Part load_part(ArchiveReader& r) const;
  void merge(Part&& p);
  std::uint64_t trials() const noexcept { return n_; }
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);
  /// Reserve room for `trials` trials (the samples then never move).
  void reserve(std::uint64_t trials);

  /// The summary of trials [0, trials()); throws RunCancelled when the monitor is asked to stop meanwhile.
  Results results(std::uint64_t seed, const RunMonitor* monitor = nullptr) const;
  double total(std::size_t t, std::size_t y) const;
  std::uint32_t listing(std::size_t t) const { return s_.listing[t]; }
  const std::vector<double>& revenue() const noexcept { return s_.revenue; }   ///< [(t * Y + y) * kChannels + c]
  const std::vector<double>& top5() const noexcept { return s_.top5; }         ///< [t * Y + y] (keep_top5)
  const std::vector<int>& fail_month() const noexcept { return s_.fail_month; }
  const std::vector<std::uint32_t>& listing() const noexcept { return s_.listing; }
  /// Only when the scenario records its inputs (Dims::record), empty otherwise:
  const std::vector<double>& inputs() const noexcept { return s_.inputs; }  ///< [t * I + input]
  const std::vector<double>& cash() const noexcept { return s_.cash; }      ///< [t * Y + y]

 private:
  const Dims* d_;
  bool keep_top5_;
  BlockSums zero_;
  BlockChain<BlockSums> chain_;
  TrialCounts counts_;
  std::uint64_t n_ = 0;
  Samples s_;
};

/// A run's kept samples (run_with_samples, compare --samples): `acc` of a scenario prepared
/// with record_inputs, summarised as `r`.
RunOutput run_output(const ExactSamples& acc, const Prepared& P, Results r);

/// The streaming tally (run above kMaxExactBytes, compare likewise): memory independent of the
/// trial count; quantiles from a LogHistogram per year and channel, everything else exact up to
/// the order of floating sums (blocks of 16 384 trials).
class StreamingTally {
 public:
  static constexpr std::uint64_t kBlock = 16384;
  explicit StreamingTally(const Dims& d);
  struct Part {
    Part(const Dims& d, BlockSums sums, std::uint64_t lo);
    void add(std::span<const TrialOutcome> o, std::uint64_t t);
    void append(Part&& q);
    void save(ArchiveWriter& w) const;
    const Dims* d;
    std::uint64_t lo, hi;
    PartSums<BlockSums> sums;
    TrialCounts counts;
    std::vector<LogHistogram> hist;  ///< [year * (1 + kChannels)]: the total, then each channel
  };
  Part part(std::uint64_t lo) const { return Part(*d_, chain_.start(lo, kBlock, zero_), lo); }
  Part load_part(ArchiveReader& r) const;
  void merge(Part&& p);
  std::uint64_t trials() const noexcept { return n_; }
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);
  Results results(std::uint64_t seed) const;
  /// Sample variance (n - 1) of each year's total revenue.
  std::vector<double> variances() const;

 private:
  const Dims* d_;
  BlockSums zero_;
  BlockChain<BlockSums> chain_;
  TrialCounts counts_;
  std::vector<LogHistogram> hist_;
  std::uint64_t n_ = 0;
};

/// Paired statistics of scenarios 1..K-1 against scenario 0 trial by trial (compare above
/// kMaxExactBytes): moments of the revenue difference per year, counts of who is ahead and who
/// lists first. Below the limit compare pairs the exact samples instead (compare.cpp).
class PairedTally {
 public:
  static constexpr std::uint64_t kBlock = StreamingTally::kBlock;
  PairedTally(std::size_t scenarios, std::size_t years, double threshold);
  struct Sums {
    std::vector<Moments> diff;  ///< [(k - 1) * Y + year]: R_k - R_0
    void fold(const Sums& b) {
      for (std::size_t i = 0; i < diff.size(); ++i) diff[i].fold(b.diff[i]);
    }
    void save(ArchiveWriter& w) const;
    void load(ArchiveReader& r);  ///< into sums of the same length (checked)
  };
  struct Part {
    void add(std::span<const TrialOutcome> o, std::uint64_t t);
    void append(Part&& q);
    void save(ArchiveWriter& w) const;
    const PairedTally* p;
    std::uint64_t lo, hi;
    PartSums<Sums> sums;
    /// [(k - 1) * Y + year]: R_k >= thr > R_0 (up), R_0 >= thr > R_k (down), R_k > R_0, R_k < R_0
    std::vector<std::uint64_t> up, down, greater, less;
    std::vector<std::uint64_t> before, after;  ///< [k - 1]: k lists in an earlier year than 0, or later
  };
  Part part(std::uint64_t lo) const;
  Part load_part(ArchiveReader& r) const;
  void merge(Part&& p);
  std::uint64_t trials() const noexcept { return n_; }
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);
  /// Fill the paired fields of years[k][y] (k >= 1) and the listing probabilities.
  void fill(std::vector<ComparedScenario>& out, const std::vector<std::vector<double>>& variances) const;

 private:
  std::size_t K_, Y_;
  double threshold_;
  Sums zero_;
  BlockChain<Sums> chain_;
  Part total_;
  std::uint64_t n_ = 0;
  /// Read the integer tallies of a part (or of total_) into `q`, lengths checked.
  void load_counts(ArchiveReader& r, Part& q) const;
};

/// Sobol rows: one number per row (a trial of the radial design), kept in row order.
class SobolRows {
 public:
  static constexpr std::uint64_t kBlock = 64;
  /// f of a trial: `stat` (mean, p50, p_threshold, p_listing, p_alive) in fiscal-year index y.
  SobolRows(StatKind stat, int y, double threshold) : stat_(stat), y_(y), threshold_(threshold) {}
  struct Part {
    void add(std::span<const TrialOutcome> o, std::uint64_t t);
    void append(Part&& q);
    void save(ArchiveWriter& w) const;
    const SobolRows* r;
    std::uint64_t lo;
    std::vector<double> f;  ///< rows [lo, lo + f.size())
  };
  Part part(std::uint64_t lo) const { return Part{this, lo, {}}; }
  Part load_part(ArchiveReader& r) const;
  void merge(Part&& p);
  std::uint64_t trials() const noexcept { return f_.size(); }
  void save(ArchiveWriter& w) const;
  void load(ArchiveReader& r);
  double quantity(const TrialOutcome& o) const;
  const std::vector<double>& rows() const noexcept { return f_; }

 private:
  StatKind stat_;
  int y_;
  double threshold_;
  std::vector<double> f_;
};

/// Several scenarios in one loop (compare): accumulator k takes outcome k, the paired tally
/// (streaming mode) takes them all.
template <class Acc>
class CompareAccumulator {
 public:
  static constexpr std::uint64_t kBlock = Acc::kBlock;
  CompareAccumulator(std::vector<Acc> each, std::optional<PairedTally> paired)
      : each_(std::move(each)), paired_(std::move(paired)) {}
  struct Part {
    std::vector<typename Acc::Part> each;
    std::optional<PairedTally::Part> paired;
    void add(std::span<const TrialOutcome> o, std::uint64_t t) {
      for (std::size_t k = 0; k < each.size(); ++k) each[k].add(o.subspan(k, 1), t);
      if (paired) paired->add(o, t);
    }
    void append(Part&& q) {
      for (std::size_t k = 0; k < each.size(); ++k) each[k].append(std::move(q.each[k]));
      if (paired) paired->append(std::move(*q.paired));
    }
    void save(ArchiveWriter& w) const {
      w.str("CompareAccumulator.Part");
      w.u64(each.size());
      w.u64(paired ? 1 : 0);
      for (const auto& e : each) e.save(w);
      if (paired) paired->save(w);
    }
  };
  Part part(std::uint64_t lo) const {
    Part p;
    for (const Acc& a : each_) p.each.push_back(a.part(lo));
    if (paired_) p.paired = paired_->part(lo);
    return p;
  }
  void merge(Part&& p) {
    for (std::size_t k = 0; k < each_.size(); ++k) each_[k].merge(std::move(p.each[k]));
    if (paired_) paired_->merge(std::move(*p.paired));
  }
  Part load_part(ArchiveReader& r) const {
    expect_tag(r, "CompareAccumulator.Part");
    check_shape(r);
    Part p;
    for (const Acc& a : each_) p.each.push_back(a.load_part(r));
    if (paired_) p.paired = paired_->load_part(r);
    return p;
  }
  void save(ArchiveWriter& w) const {
    w.str("CompareAccumulator");
    w.u64(each_.size());
    w.u64(paired_ ? 1 : 0);
    for (const Acc& a : each_) a.save(w);
    if (paired_) paired_->save(w);
  }
  void load(ArchiveReader& r) {
    expect_tag(r, "CompareAccumulator");
    check_shape(r);
    for (Acc& a : each_) a.load(r);
    if (paired_) paired_->load(r);
  }
  std::uint64_t trials() const noexcept { return each_.front().trials(); }
  const std::vector<Acc>& each() const noexcept { return each_; }
  std::vector<Acc>& each() noexcept { return each_; }
  const std::optional<PairedTally>& paired() const noexcept { return paired_; }

 private:
  std::vector<Acc> each_;
  std::optional<PairedTally> paired_;
  /// Read the scenario count and whether a paired tally follows; both must match this one's.
  void check_shape(ArchiveReader& r) const {
    const std::uint64_t k = r.u64();
    if (k != each_.size())
      throw ArchiveError(r.name() + ": compares " + std::to_string(k) + " scenarios, this run " +
                         std::to_string(each_.size()));
    if (r.u64() != (paired_ ? 1U : 0U))
      throw ArchiveError(r.name() + (paired_ ? ": has no paired tally, this run keeps one (streaming compare)"
                                             : ": has a paired tally, this run keeps none (exact compare)"));
  }
};

}  // namespace revsim::detail
