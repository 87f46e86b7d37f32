// Accumulators serialise (issue 16): every Part and every whole accumulator goes through the
// sealed archive and comes back bit for bit (saving what was read gives the same bytes), and
// merging the deserialised parts of [0, a) and [a, b) gives results byte-identical to one run of
// [0, b); a checkpoint (the whole accumulator) read back and continued equals the plain run.
// Misuse is refused: another accumulator's or scenario's state, parts out of order.
#include "../../sim/engine/trial_loop.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace revsim {
namespace {

const std::string kDir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

RunOptions threads(int n) {
  RunOptions o;
  o.threads = n;
  return o;
}

std::string json(const Results& r) { return to_json(r, false).dump(); }

template <class T>
std::string sealed(const T& x) {
  ArchiveWriter w;
  x.save(w);
  return w.seal();
}

/// Read a part of `acc` back from its archive (the whole archive, nothing left over).
template <class Acc>
typename Acc::Part read_part(const Acc& acc, const std::string& bytes, const std::string& name) {
  ArchiveReader r(bytes, name);
  typename Acc::Part p = acc.load_part(r);
  r.expect_end();
  return p;
}

template <class Acc>
void read_whole(Acc& acc, const std::string& bytes) {
  ArchiveReader r(bytes, "checkpoint");
  acc.load(r);
  r.expect_end();
}

/// Shards [cuts[i], cuts[i + 1]) each run into a fresh accumulator's part (other processes),
/// saved, read back by `into`, and merged in order.
template <class Acc, class Source, class Make>
void merge_shards(const Source& src, const std::vector<std::uint64_t>& cuts, Acc& into, Make make, int th) {
  std::vector<std::string> files;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
    const Acc fresh = make();
    const auto part = detail::run_part(src, cuts[i], cuts[i + 1], fresh, threads(th));
    files.push_back(sealed(part));
    // Round trip: what was read saves to the same bytes.
    EXPECT_EQ(sealed(read_part(fresh, files.back(), "shard")), files.back()) << i;
  }
  for (std::size_t i = 0; i < files.size(); ++i) into.merge(read_part(into, files[i], "shard " + std::to_string(i)));
}

TEST(Serialise, ExactSamplesShardsMergeToThePlainRun) {
  const Scenario s = load_scenario(kDir + "internet-first.yaml");
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, 9);
  auto make = [&] { return detail::ExactSamples(d, true); };
  detail::ExactSamples whole = make();
  detail::run_trials(src, 0, 1000, whole, threads(1));
  // [0, 512) (two blocks of 256, one part) and [512, 1000) (two blocks, the last incomplete).
  detail::ExactSamples merged = make();
  merge_shards(src, {0, 512, 1000}, merged, make, 2);
  EXPECT_EQ(merged.trials(), 1000U);
  EXPECT_EQ(json(merged.results(9)), json(whole.results(9)));
  EXPECT_EQ(merged.top5(), whole.top5());
  EXPECT_EQ(sealed(merged), sealed(whole));  // the whole state, not only the summary
  // Shards of one block each, and one shard of everything.
  detail::ExactSamples by_block = make(), one = make();
  merge_shards(src, {0, 256, 512, 768, 1000}, by_block, make, 3);
  merge_shards(src, {0, 1000}, one, make, 1);
  EXPECT_EQ(sealed(by_block), sealed(whole));
  EXPECT_EQ(sealed(one), sealed(whole));
  // A part that continues the open block (precision adds trials so): [0, 300), then [300, 1000).
  detail::ExactSamples cont = make();
  detail::run_trials(src, 0, 300, cont, threads(2));
  const std::string rest = sealed(detail::run_part(src, 300, 1000, cont, threads(2)));
  cont.merge(read_part(cont, rest, "rest"));
  EXPECT_EQ(sealed(cont), sealed(whole));
  // A part inside a block made from an accumulator that does not end there is refused.
  EXPECT_THROW((void)detail::run_part(src, 300, 1000, make(), threads(1)), std::logic_error);
}

// --samples runs record each trial's drawn inputs and year-end cash: they travel with the part.
TEST(Serialise, RecordedInputsAndCashTravelWithTheParts) {
  const Scenario s = load_scenario(kDir + "example.yaml");
  detail::Prepared P(s);
  P.record_inputs();
  const detail::Dims d(P);
  ASSERT_GT(d.I, 0U);
  const detail::ScenarioTrials src({&P}, 4);
  auto make = [&] { return detail::ExactSamples(d, true); };
  detail::ExactSamples whole = make();
  detail::run_trials(src, 0, 600, whole, threads(1));
  ASSERT_EQ(whole.inputs().size(), 600 * d.I);
  ASSERT_EQ(whole.cash().size(), 600 * d.Y);
  detail::ExactSamples merged = make();
  merge_shards(src, {0, 256, 600}, merged, make, 2);
  EXPECT_EQ(merged.inputs(), whole.inputs());
  // NaN (no cash once it ran out) compares unequal: compare the bytes of the whole state instead.
  EXPECT_EQ(sealed(merged), sealed(whole));
  detail::ExactSamples back = make();
  read_whole(back, sealed(whole));
  EXPECT_EQ(back.inputs(), whole.inputs());
  EXPECT_EQ(sealed(back), sealed(whole));
}

TEST(Serialise, ExactSamplesCheckpointContinuesToThePlainRun) {
  const Scenario s = load_scenario(kDir + "balanced.yaml");
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, 3);
  detail::ExactSamples whole(d);
  detail::run_trials(src, 0, 900, whole, threads(2));
  detail::ExactSamples first(d);
  detail::run_trials(src, 0, 700, first, threads(2));  // the open block holds trials [512, 700)
  const std::string ck = sealed(first);
  detail::ExactSamples resumed(d);
  read_whole(resumed, ck);
  EXPECT_EQ(resumed.trials(), 700U);
  EXPECT_EQ(sealed(resumed), ck);
  EXPECT_EQ(json(resumed.results(3)), json(first.results(3)));
  detail::run_trials(src, 700, 900, resumed, threads(3));
  EXPECT_EQ(json(resumed.results(3)), json(whole.results(3)));
  EXPECT_EQ(sealed(resumed), sealed(whole));
}

TEST(Serialise, StreamingTallyShardsAndCheckpointMergeToThePlainRun) {
  const Scenario s = load_scenario(kDir + "example.yaml");
  const detail::Prepared P(s);
  const detail::Dims d(P);
  const detail::ScenarioTrials src({&P}, 4);
  auto make = [&] { return detail::StreamingTally(d); };
  const std::uint64_t N = 20000;  // blocks of 16 384: [0, 16384), then [16384, 20000)
  detail::StreamingTally whole = make(), merged = make(), one = make();
  detail::run_trials(src, 0, N, whole, threads(2));
  merge_shards(src, {0, 16384, N}, merged, make, 2);
  merge_shards(src, {0, N}, one, make, 2);  // one part of two blocks
  EXPECT_EQ(json(merged.results(4)), json(whole.results(4)));
  EXPECT_EQ(merged.variances(), whole.variances());
  EXPECT_EQ(sealed(merged), sealed(whole));
  EXPECT_EQ(sealed(one), sealed(whole));
  // Checkpoint inside the second block, read back and continued.
  detail::StreamingTally first = make(), resumed = make();
  detail::run_trials(src, 0, 17000, first, threads(2));
  read_whole(resumed, sealed(first));
  detail::run_trials(src, 17000, N, resumed, threads(2));
  EXPECT_EQ(sealed(resumed), sealed(whole));
  EXPECT_EQ(json(resumed.results(4)), json(whole.results(4)));
}

TEST(Serialise, CompareAccumulatorsWithAndWithoutThePairedTally) {
  const Scenario a = load_scenario(kDir + "balanced.yaml"), b = load_scenario(kDir + "internet-first.yaml");
  const detail::Prepared Pa(a), Pb(b);
  const detail::Dims da(Pa), db(Pb);
  const detail::ScenarioTrials src({&Pa, &Pb}, 7);
  {
    using Acc = detail::CompareAccumulator<detail::StreamingTally>;
    auto make = [&] {
      return Acc({detail::StreamingTally(da), detail::StreamingTally(db)}, detail::PairedTally(2, da.Y, a.threshold));
    };
    Acc whole = make(), merged = make(), resumed = make(), first = make();
    detail::run_trials(src, 0, 20000, whole, threads(1));
    merge_shards(src, {0, 16384, 20000}, merged, make, 2);
    EXPECT_EQ(sealed(merged), sealed(whole));
    EXPECT_EQ(json(merged.each()[1].results(7)), json(whole.each()[1].results(7)));
    std::vector<ComparedScenario> x(2), y(2);
    for (auto* out : {&x, &y})
      for (ComparedScenario& c : *out) c.years.resize(da.Y);
    std::vector<std::vector<double>> v;
    for (const auto& t : whole.each()) v.push_back(t.variances());
    whole.paired()->fill(x, v);
    merged.paired()->fill(y, v);
    for (std::size_t i = 0; i < da.Y; ++i) {
      EXPECT_EQ(x[1].years[i].mean_diff, y[1].years[i].mean_diff);
      EXPECT_EQ(x[1].years[i].se_paired, y[1].years[i].se_paired);
      EXPECT_EQ(x[1].years[i].p_greater, y[1].years[i].p_greater);
    }
    detail::run_trials(src, 0, 5000, first, threads(2));
    read_whole(resumed, sealed(first));
    detail::run_trials(src, 5000, 20000, resumed, threads(2));
    EXPECT_EQ(sealed(resumed), sealed(whole));
    // An exact compare (no paired tally) does not read a streaming compare's state.
    detail::CompareAccumulator<detail::ExactSamples> exact({detail::ExactSamples(da), detail::ExactSamples(db)},
                                                          std::nullopt);
    const std::string bytes = sealed(whole);
    ArchiveReader r(bytes, "compare.ck");
    EXPECT_THROW(exact.load(r), ArchiveError);
  }
  {
    using Acc = detail::CompareAccumulator<detail::ExactSamples>;
    auto make = [&] { return Acc({detail::ExactSamples(da), detail::ExactSamples(db)}, std::nullopt); };
    Acc whole = make(), merged = make();
    detail::run_trials(src, 0, 800, whole, threads(1));
    merge_shards(src, {0, 256, 800}, merged, make, 2);
    EXPECT_EQ(sealed(merged), sealed(whole));
    EXPECT_EQ(json(merged.each()[0].results(7)), json(whole.each()[0].results(7)));
    // A compare of three scenarios does not read the state of a compare of two.
    detail::CompareAccumulator<detail::ExactSamples> three(
        {detail::ExactSamples(da), detail::ExactSamples(db), detail::ExactSamples(da)}, std::nullopt);
    const std::string bytes = sealed(whole);
    ArchiveReader r(bytes, "compare.ck");
    try {
      three.load(r);
      ADD_FAILURE() << "read";
    } catch (const ArchiveError& e) {
      EXPECT_EQ(std::string(e.what()), "compare.ck: compares 2 scenarios, this run 3");
    }
  }
}

TEST(Serialise, SobolRowsShardsMergeToThePlainRun) {
  const Scenario s = load_scenario(kDir + "example.yaml");
  const detail::Prepared P(s);
  const detail::ScenarioTrials src({&P}, 11);
  auto make = [&] { return detail::SobolRows(StatKind::mean, 2, s.threshold); };
  detail::SobolRows whole = make(), merged = make();
  detail::run_trials(src, 0, 300, whole, threads(1));
  merge_shards(src, {0, 64, 192, 300}, merged, make, 2);
  ASSERT_EQ(merged.rows().size(), 300U);
  EXPECT_EQ(merged.rows(), whole.rows());
  EXPECT_EQ(sealed(merged), sealed(whole));
  detail::SobolRows resumed = make();
  read_whole(resumed, sealed(whole));
  EXPECT_EQ(resumed.rows(), whole.rows());
  // Rows of another quantity are refused.
  detail::SobolRows other(StatKind::p_alive, 2, s.threshold);
  const std::string bytes = sealed(whole);
  ArchiveReader r(bytes, "sobol.ck");
  EXPECT_THROW(other.load(r), ArchiveError);
}

TEST(Serialise, MisuseIsRefused) {
  const Scenario s = load_scenario(kDir + "example.yaml"), t = load_scenario(kDir + "reference.yaml");
  const detail::Prepared P(s), Q(t);
  const detail::Dims d(P), e(Q);
  const detail::ScenarioTrials src({&P}, 1);
  detail::ExactSamples acc(d);
  const auto p0 = detail::run_part(src, 0, 256, acc, threads(1));
  const auto p1 = detail::run_part(src, 256, 600, acc, threads(1));
  const std::string b0 = sealed(p0), b1 = sealed(p1);
  // Another accumulator's part: the tag says what it is.
  detail::StreamingTally st(d);
  try {
    (void)read_part(st, b0, "part-0.bin");
    ADD_FAILURE() << "read";
  } catch (const ArchiveError& x) {
    EXPECT_EQ(std::string(x.what()), "part-0.bin: expected StreamingTally.Part state, found 'ExactSamples.Part'");
  }
  // Another scenario's part: its lengths do not fit (the samples, accounts, months differ).
  if (d.A != e.A || d.H != e.H || d.Y != e.Y || d.E != e.E) {
    detail::ExactSamples other(e);
    EXPECT_THROW((void)read_part(other, b0, "part-0.bin"), ArchiveError);
  }
  // Out of order: [256, 600) cannot be merged first; nor appended to a part that ends elsewhere.
  EXPECT_THROW(acc.merge(read_part(acc, b1, "part-1.bin")), std::logic_error);
  auto q0 = read_part(acc, b0, "part-0.bin");
  EXPECT_THROW(q0.append(read_part(acc, b0, "part-0.bin")), std::logic_error);
  q0.append(read_part(acc, b1, "part-1.bin"));
  EXPECT_EQ(q0.lo, 0U);
  EXPECT_EQ(q0.hi, 600U);
  EXPECT_EQ(q0.sums.closed.size(), 2U);  // blocks [0, 256), [256, 512), then [512, 600)
  acc.merge(std::move(q0));
  detail::ExactSamples whole(d);
  detail::run_trials(src, 0, 600, whole, threads(2));
  EXPECT_EQ(sealed(acc), sealed(whole));
  // A whole accumulator is not a part, and a truncated archive is refused before anything is read.
  EXPECT_THROW((void)read_part(acc, sealed(whole), "ck"), ArchiveError);
  const std::string cut = b1.substr(0, b1.size() - 9);
  EXPECT_THROW((void)read_part(acc, cut, "part-1.bin"), ArchiveError);
}

}  // namespace
}  // namespace revsim
