// Shards, merge and checkpoints (issue 16, items 2 and 3): the partial and checkpoint headers,
// the refusals of a wrong set of partials (missing, duplicated, another scenario, seed or trial
// count, another split, truncated or corrupted), and through the trial loop: shards merged give
// the state of one run bit for bit, a run stopped and resumed from its checkpoint likewise.
#include "../../sim/parallel/scale_loop.hpp"
#include "revsim/output_file.hpp"
#include "revsim/compare.hpp"
#include "revsim/report.hpp"
#include "revsim/scenario_io.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <unistd.h>

namespace revsim {
namespace {

namespace fs = std::filesystem;

/// A fresh directory for one test's files, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / fmt::format("revsim_scale_{}_{}_{}", info->test_suite_name(), info->name(),
                                                    ::getpid());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

Job sample_job(std::uint64_t seed = 7, std::uint64_t trials = 3000, const std::string& text = "trials: 3000\n") {
  Job j;
  j.subcommand = "run";
  j.scenarios.push_back({"example.yaml", sha256_hex(text), text});
  j.sets = {"company.cash=100"};
  j.seed = seed;
  j.trials = trials;
  j.version = version();
  return j;
}

/// A partial with a header only (no Part): what check_partials reads.
void write_header_only(const std::string& file, const Job& j, Shard s, std::uint64_t lo, std::uint64_t hi) {
  PartialInfo p;
  p.job = j;
  p.shard = s;
  p.accumulator = "ExactSamples";
  p.block = 256;
  p.b0 = lo / 256;
  p.b1 = (hi + 255) / 256;
  p.lo = lo;
  p.hi = hi;
  p.parts = 0;
  ArchiveWriter w;
  detail::write_partial_header(w, p);
  write_file_atomically(file, w.seal());
}

/// Three header-only shards of sample_job(): trials [0, 1024), [1024, 2048), [2048, 3000).
std::vector<std::string> three_shards(const TempDir& d) {
  std::vector<std::string> f;
  const std::uint64_t cut[] = {0, 1024, 2048, 3000};
  for (std::uint64_t i = 0; i < 3; ++i) {
    f.push_back(d / fmt::format("part-{}.bin", i));
    write_header_only(f.back(), sample_job(), {i, 3}, cut[i], cut[i + 1]);
  }
  return f;
}

std::string refusal(const std::vector<std::string>& files) {
  try {
    check_partials(files);
  } catch (const ScaleOutError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ScaleOut, ParseShard) {
  const Shard s = parse_shard("2/3");
  EXPECT_EQ(s.index, 2U);
  EXPECT_EQ(s.count, 3U);
  EXPECT_EQ(parse_shard("0/1").count, 1U);
  for (const char* bad : {"3/3", "1/0", "1", "a/3", "-1/3", "1/3/4", "", "/3", "1/"}) EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
  try {
    parse_shard("3/3");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("must be 0..2"), std::string::npos) << e.what();
  }
}

TEST(ScaleOut, HeaderRoundTrip) {
  TempDir d;
  write_header_only(d / "p.bin", sample_job(), {1, 3}, 1024, 2048);
  const PartialInfo p = read_partial_info(d / "p.bin");
  EXPECT_EQ(p.file, d / "p.bin");
  EXPECT_EQ(p.job.subcommand, "run");
  ASSERT_EQ(p.job.scenarios.size(), 1U);
  EXPECT_EQ(p.job.scenarios[0].name, "example.yaml");
  EXPECT_EQ(p.job.scenarios[0].text, "trials: 3000\n");
  EXPECT_EQ(p.job.scenarios[0].sha256, sha256_hex("trials: 3000\n"));
  EXPECT_EQ(p.job.sets, std::vector<std::string>{"company.cash=100"});
  EXPECT_EQ(p.job.seed, 7U);
  EXPECT_EQ(p.job.trials, 3000U);
  EXPECT_EQ(p.job.version, version());
  EXPECT_EQ(p.shard.index, 1U);
  EXPECT_EQ(p.shard.count, 3U);
  EXPECT_EQ(p.b0, 4U);
  EXPECT_EQ(p.b1, 8U);
  EXPECT_EQ(p.lo, 1024U);
  EXPECT_EQ(p.hi, 2048U);
}

TEST(ScaleOut, ThreeShardsAcceptedInShardOrder) {
  TempDir d;
  const auto f = three_shards(d);
  const auto p = check_partials({f[2], f[0], f[1]});
  ASSERT_EQ(p.size(), 3U);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_EQ(p[i].shard.index, i);
  EXPECT_EQ(p[0].file, f[0]);
  EXPECT_EQ(p[2].hi, 3000U);
}

TEST(ScaleOut, MissingShardRefused) {
  TempDir d;
  const auto f = three_shards(d);
  EXPECT_NE(refusal({f[0], f[2]}).find("shard 1/3 of the 3 is missing"), std::string::npos) << refusal({f[0], f[2]});
  EXPECT_NE(refusal({f[2]}).find("shards 0/3, 1/3 of the 3 are missing"), std::string::npos) << refusal({f[2]});
}

TEST(ScaleOut, DuplicateShardRefused) {
  TempDir d;
  const auto f = three_shards(d);
  fs::copy_file(f[1], d / "again.bin");
  const std::string m = refusal({f[0], f[1], d / "again.bin", f[2]});
  EXPECT_NE(m.find("shard 1/3 given twice: " + f[1] + " and " + (d / "again.bin")), std::string::npos) << m;
  EXPECT_NE(refusal({f[0], f[1], f[1], f[2]}).find("given twice"), std::string::npos);
}

TEST(ScaleOut, AnotherJobRefused) {
  TempDir d;
  const auto f = three_shards(d);
  const std::string other = d / "other.bin";
  struct Case {
    Job job;
    std::string says;
  };
  Job version = sample_job();
  version.version = "0.0.1";
  Job sets = sample_job();
  sets.sets.clear();
  Job sub = sample_job();
  sub.subcommand = "audit";
  const Case cases[] = {
      {sample_job(7, 3000, "trials: 3001\n"), "is of another scenario: example.yaml"},
      {sample_job(8), "has seed 8"},
      {sample_job(7, 4000), "is of a 4000-trial run"},
      {version, "was written by revsim 0.0.1"},
      {sets, "has --set []"},
      {sub, "is of `revsim audit`"},
  };
  for (const Case& c : cases) {
    write_header_only(other, c.job, {1, 3}, 1024, 2048);
    const std::string m = refusal({f[0], other, f[2]});
    EXPECT_NE(m.find("merge refused: " + other + " " + c.says), std::string::npos) << m;
  }
  // Another split of the same run: 1/2 among shards of 3.
  write_header_only(other, sample_job(), {1, 2}, 1536, 3000);
  EXPECT_NE(refusal({f[0], other, f[2]}).find("belong to different splits"), std::string::npos);
}

TEST(ScaleOut, DamagedFilesRefused) {
  TempDir d;
  const auto f = three_shards(d);
  const std::string bytes = detail::read_file_bytes(f[1]);
  const std::string bad = d / "bad.bin";
  auto write = [&](const std::string& b) {
    std::ofstream out(bad, std::ios::binary | std::ios::trunc);
    out << b;
  };
  write(bytes.substr(0, bytes.size() - 10));  // truncated
  EXPECT_NE(refusal({f[0], bad, f[2]}).find(bad + ": checksum mismatch"), std::string::npos) << refusal({f[0], bad, f[2]});
  std::string flipped = bytes;
  flipped[40] = static_cast<char>(flipped[40] ^ 1);  // one bit inside the header
  write(flipped);
  EXPECT_NE(refusal({f[0], bad, f[2]}).find(bad + ": checksum mismatch"), std::string::npos);
  write("");
  EXPECT_NE(refusal({f[0], bad, f[2]}).find("too short"), std::string::npos);
  EXPECT_NE(refusal({f[0], d / "nope.bin", f[2]}).find("nope.bin: cannot open the file"), std::string::npos);
  // A sealed archive of another kind: a checkpoint given to merge.
  CheckpointInfo c;
  c.job = sample_job();
  c.accumulator = "ExactSamples";
  c.block = 256;
  c.trials_done = 512;
  ArchiveWriter w;
  detail::write_checkpoint_header(w, c);
  write(w.seal());
  EXPECT_NE(refusal({f[0], bad, f[2]}).find("this is a revsim checkpoint file, not a revsim partial file"),
            std::string::npos)
      << refusal({f[0], bad, f[2]});
  EXPECT_EQ(read_checkpoint_info(bad).trials_done, 512U);
  // Another format version.
  ArchiveWriter v;
  v.str(detail::kPartialMagic);
  v.u64(1);  // format 1: histograms without each bin's minimum and maximum
  write(v.seal());
  EXPECT_NE(refusal({f[0], bad, f[2]}).find("partial format 1; this revsim"), std::string::npos);
  EXPECT_NE(refusal({f[0], bad, f[2]}).find("reads format 2"), std::string::npos);
}

// ---- Through the trial loop ------------------------------------------------------------------

const std::string kDir = std::string(REVSIM_SOURCE_DIR) + "/scenarios/";

/// The job of `run` on `files` with `seed` and `trials`.
ScaleOut scale_of(const std::string& sub, const std::vector<std::string>& files, std::uint64_t seed,
                  std::uint64_t trials) {
  ScaleOut so;
  so.job.subcommand = sub;
  so.job.scenarios = job_scenarios(files);
  so.job.seed = seed;
  so.job.trials = trials;
  so.job.version = version();
  return so;
}

RunOptions options(std::uint64_t seed, std::uint64_t trials, int threads) {
  RunOptions o;
  o.seed = seed;
  o.seed_set = true;
  o.trials = trials;
  o.threads = threads;
  return o;
}

std::string json(const Results& r) { return to_json(r, false).dump(); }
std::string json(const Comparison& c) { return to_json(c, false).dump(); }

/// Write shards 0..n-1 of `run` with the given options; the partial files.
template <class Run>
std::vector<std::string> write_shards(const TempDir& d, const ScaleOut& base, std::uint64_t n, Run run) {
  std::vector<std::string> files;
  for (std::uint64_t i = 0; i < n; ++i) {
    ScaleOut so = base;
    so.shard = Shard{i, n};
    so.partial = d / fmt::format("part-{}.bin", i);
    files.push_back(so.partial);
    EXPECT_THROW(run(so, static_cast<int>(i % 2 + 1)), ShardWritten) << i;
  }
  return files;
}

TEST(ScaleLoop, ThreeShardsMergedEqualOneRunExact) {
  TempDir d;
  const Scenario s = load_scenario(kDir + "example.yaml");
  const std::uint64_t N = 3000;  // 12 blocks of 256: shards of 4 blocks
  const std::string one = json(run_simulation(s, options(7, N, 2)));
  const ScaleOut base = scale_of("run", {kDir + "example.yaml"}, 7, N);
  auto files = write_shards(d, base, 3, [&](ScaleOut& so, int threads) {
    RunOptions o = options(7, N, threads);
    o.scale = &so;
    run_simulation(s, o);
  });
  EXPECT_EQ(read_partial_info(files[1]).lo, 1024U);
  EXPECT_EQ(read_partial_info(files[2]).hi, N);
  std::reverse(files.begin(), files.end());
  const auto parts = check_partials(files);
  ScaleOut merge = base;
  for (const PartialInfo& p : parts) merge.merge.push_back(p.file);
  RunOptions o = options(7, N, 1);
  o.scale = &merge;
  EXPECT_EQ(json(run_simulation(s, o)), one);
  // Shards of another split (5 shards; 12 blocks: 3 3 2 2 2) merge to the same bytes.
  auto five = write_shards(d, base, 5, [&](ScaleOut& so, int threads) {
    RunOptions o5 = options(7, N, threads);
    o5.scale = &so;
    run_simulation(s, o5);
  });
  merge.merge.clear();
  for (const PartialInfo& p : check_partials(five)) merge.merge.push_back(p.file);
  EXPECT_EQ(json(run_simulation(s, o)), one);
}

TEST(ScaleLoop, TwoShardsMergedEqualOneRunStreaming) {
  TempDir d;
  const std::string file = std::string(REVSIM_SOURCE_DIR) + "/bench/scenarios/government-only.yaml";  // a fast one
  const Scenario s = load_scenario(file);
  // Streaming: 20 000 trials = 2 blocks of 16 384 (the second one short), one per shard.
  const std::uint64_t N = 20000;
  const std::string one = json(run_streaming(s, options(3, N, 2)));
  const ScaleOut base = scale_of("run", {file}, 3, N);
  const auto files = write_shards(d, base, 2, [&](ScaleOut& so, int threads) {
    RunOptions o = options(3, N, threads);
    o.scale = &so;
    run_streaming(s, o);
  });
  EXPECT_EQ(read_partial_info(files[0]).accumulator, "StreamingTally");
  ScaleOut merge = base;
  merge.merge = files;
  RunOptions o = options(3, N, 2);
  o.scale = &merge;
  EXPECT_EQ(json(run_streaming(s, o)), one);
  // The exact accumulator cannot read streaming parts: refused, not misread.
  EXPECT_THROW(run_simulation(s, o), ScaleOutError);
}

TEST(ScaleLoop, ThreeShardsMergedEqualOneCompare) {
  TempDir d;
  const Scenario s = load_scenario(kDir + "example.yaml");
  const std::vector<Scenario> two{s, load_scenario(kDir + "isv-first.yaml")};
  const std::uint64_t M = 2000;
  const std::string cone = json(compare_scenarios(two, options(5, M, 2)));
  const ScaleOut cbase = scale_of("compare", {kDir + "example.yaml", kDir + "isv-first.yaml"}, 5, M);
  const auto cfiles = write_shards(d, cbase, 3, [&](ScaleOut& so, int threads) {
    RunOptions oc = options(5, M, threads);
    oc.scale = &so;
    compare_scenarios(two, oc);
  });
  EXPECT_EQ(read_partial_info(cfiles[0]).accumulator, "Compare/ExactSamples");
  ScaleOut cmerge = cbase;
  cmerge.merge = cfiles;
  RunOptions oc = options(5, M, 1);
  oc.scale = &cmerge;
  EXPECT_EQ(json(compare_scenarios(two, oc)), cone);
}

TEST(ScaleLoop, StoppedRunResumedFromItsCheckpointEqualsOneRun) {
  TempDir d;
  const Scenario s = load_scenario(kDir + "example.yaml");
  const std::uint64_t N = 12000;
  const std::string one = json(run_simulation(s, options(9, N, 2)));
  ScaleOut so = scale_of("run", {kDir + "example.yaml"}, 9, N);
  so.checkpoint = d / "ck.bin";
  so.every_seconds = 0.05;
  // Stop once about a third of the trials have run (as Ctrl-C would).
  struct Counting : RunMonitor {
    std::atomic<std::uint64_t> done{0};
    void add_trials(std::uint64_t n) override { done.fetch_add(n); }
  } monitor;
  RunOptions o = options(9, N, 2);
  o.scale = &so;
  o.monitor = &monitor;
  std::thread watch([&] {
    while (monitor.done.load() < N / 3) std::this_thread::yield();
    monitor.request_stop();
  });
  EXPECT_THROW(run_simulation(s, o), RunCancelled);
  watch.join();
  const CheckpointInfo c = read_checkpoint_info(so.checkpoint);
  EXPECT_EQ(c.trials_done, so.checkpoint_trials);
  EXPECT_GT(c.trials_done, 0U);
  EXPECT_LT(c.trials_done, N);
  EXPECT_EQ(c.trials_done % 256, 0U);  // whole blocks
  EXPECT_EQ(c.accumulator, "ExactSamples");
  EXPECT_TRUE(c.job.scenarios.front().text.empty());  // hashes only

  ScaleOut again = scale_of("run", {kDir + "example.yaml"}, 9, N);
  again.resume = so.checkpoint;
  again.checkpoint = so.checkpoint;
  RunOptions r = options(9, N, 1);
  r.scale = &again;
  EXPECT_EQ(json(run_simulation(s, r)), one);
  EXPECT_EQ(again.resumed_trials, c.trials_done);
  EXPECT_EQ(read_checkpoint_info(so.checkpoint).trials_done, N);  // saved at the end

  // A checkpoint of another seed, or another trial count, is refused.
  ScaleOut other = scale_of("run", {kDir + "example.yaml"}, 10, N);
  other.resume = so.checkpoint;
  RunOptions ro = options(10, N, 1);
  ro.scale = &other;
  try {
    run_simulation(s, ro);
    ADD_FAILURE() << "resumed another seed";
  } catch (const ScaleOutError& e) {
    EXPECT_NE(std::string(e.what()).find("--resume refused: " + so.checkpoint + " has seed 9, this run seed 10"),
              std::string::npos)
        << e.what();
  }
  ScaleOut more = scale_of("run", {kDir + "example.yaml"}, 9, N + 1);
  more.resume = so.checkpoint;
  RunOptions rm = options(9, N + 1, 1);
  rm.scale = &more;
  EXPECT_THROW(run_simulation(s, rm), ScaleOutError);
}

}  // namespace
}  // namespace revsim
