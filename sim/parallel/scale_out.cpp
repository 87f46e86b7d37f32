// Partial and checkpoint files: their headers, the checks that refuse a wrong set of partials
// or a checkpoint of another job (include/revsim/scale_out.hpp, docs/scale-out.md).
#include "revsim/scale_out.hpp"

#include "revsim/output_file.hpp"
#include "revsim/scenario_io.hpp"
#include "scale_format.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace revsim {

namespace detail {

void write_job(ArchiveWriter& w, const Job& j, bool with_text) {
  w.str(j.version);
  w.str(j.subcommand);
  w.u64(j.scenarios.size());
  for (const JobScenario& s : j.scenarios) {
    w.str(s.name);
    w.str(s.sha256);
    w.str(with_text ? s.text : std::string());
  }
  w.u64(j.sets.size());
  for (const std::string& s : j.sets) w.str(s);
  w.u64(j.seed);
  w.u64(j.trials);
}

Job read_job(ArchiveReader& r) {
  Job j;
  j.version = r.str();
  j.subcommand = r.str();
  const std::uint64_t n = r.u64();
  if (n > 1000) throw ArchiveError(fmt::format("{}: {} scenarios: not a revsim job header", r.name(), n));
  for (std::uint64_t k = 0; k < n; ++k) {
    JobScenario s;
    s.name = r.str();
    s.sha256 = r.str();
    s.text = r.str();
    if (!s.text.empty() && sha256_hex(s.text) != s.sha256)
      throw ArchiveError(fmt::format("{}: the text of scenario {} does not match its SHA-256", r.name(), s.name));
    j.scenarios.push_back(std::move(s));
  }
  const std::uint64_t m = r.u64();
  if (m > 100000) throw ArchiveError(fmt::format("{}: {} --set overrides: not a revsim job header", r.name(), m));
  for (std::uint64_t k = 0; k < m; ++k) j.sets.push_back(r.str());
  j.seed = r.u64();
  j.trials = r.u64();
  return j;
}

namespace {

/// Magic and format version: a file of the other kind, or of another format, is named as such.
void expect_magic(ArchiveReader& r, const char* magic) {
  const std::string m = r.str();
  if (m != magic) {
    const char* other = std::string(magic) == kPartialMagic ? kCheckpointMagic : kPartialMagic;
    if (m == other) throw ArchiveError(fmt::format("{}: this is a {} file, not a {} file", r.name(), other, magic));
    throw ArchiveError(fmt::format("{}: not a {} file", r.name(), magic));
  }
  const std::uint64_t v = r.u64();
  if (v != kScaleFormat)
    throw ArchiveError(fmt::format("{}: {} format {}; this revsim ({}) reads format {}", r.name(), magic, v, version(),
                                   kScaleFormat));
}

}  // namespace

void write_partial_header(ArchiveWriter& w, const PartialInfo& p) {
  w.str(kPartialMagic);
  w.u64(kScaleFormat);
  write_job(w, p.job, true);
  w.u64(p.shard.index);
  w.u64(p.shard.count);
  w.str(p.accumulator);
  w.u64(p.block);
  w.u64(p.b0);
  w.u64(p.b1);
  w.u64(p.lo);
  w.u64(p.hi);
  w.u64(p.parts);
}

PartialInfo read_partial_header(ArchiveReader& r, const std::string& file) {
  expect_magic(r, kPartialMagic);
  PartialInfo p;
  p.file = file;
  p.job = read_job(r);
  p.shard.index = r.u64();
  p.shard.count = r.u64();
  p.accumulator = r.str();
  p.block = r.u64();
  p.b0 = r.u64();
  p.b1 = r.u64();
  p.lo = r.u64();
  p.hi = r.u64();
  p.parts = r.u64();
  if (p.shard.count == 0 || p.shard.index >= p.shard.count || p.block == 0 || p.b1 < p.b0 || p.hi < p.lo ||
      p.lo != std::min(p.b0 * p.block, p.job.trials) || p.hi > p.b1 * p.block || p.hi > p.job.trials || p.parts > 1)
    throw ArchiveError(fmt::format("{}: inconsistent partial header (shard {}/{}, blocks [{}, {}), trials [{}, {}))",
                                   file, p.shard.index, p.shard.count, p.b0, p.b1, p.lo, p.hi));
  return p;
}

void write_checkpoint_header(ArchiveWriter& w, const CheckpointInfo& c) {
  w.str(kCheckpointMagic);
  w.u64(kScaleFormat);
  write_job(w, c.job, false);
  w.str(c.accumulator);
  w.u64(c.block);
  w.u64(c.trials_done);
}

CheckpointInfo read_checkpoint_header(ArchiveReader& r, const std::string& file) {
  expect_magic(r, kCheckpointMagic);
  CheckpointInfo c;
  c.file = file;
  c.job = read_job(r);
  c.accumulator = r.str();
  c.block = r.u64();
  c.trials_done = r.u64();
  if (c.block == 0 || c.trials_done > c.job.trials)
    throw ArchiveError(fmt::format("{}: inconsistent checkpoint header ({} of {} trials)", file, c.trials_done,
                                   c.job.trials));
  return c;
}

std::string read_file_bytes(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ScaleOutError(fmt::format("{}: cannot open the file ({})", file, std::strerror(errno)));
  std::string bytes;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) bytes.append(buf, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw ScaleOutError(fmt::format("{}: cannot read the file ({})", file, std::strerror(errno)));
  return bytes;
}

}  // namespace detail

std::vector<JobScenario> job_scenarios(const std::vector<std::string>& files) {
  std::vector<JobScenario> out;
  for (const std::string& f : files) {
    JobScenario s;
    s.name = f == "-" ? std::string(kStdinName) : f;
    if (f == "-") {
      s.text = stdin_scenario_text();
    } else {
      std::ifstream in(f, std::ios::binary);
      if (!in) throw ScenarioError(f, 0, 0, "", "cannot open the file");
      char buf[1 << 16];
      while (in.read(buf, sizeof buf) || in.gcount() > 0) s.text.append(buf, static_cast<std::size_t>(in.gcount()));
      if (in.bad()) throw ScenarioError(f, 0, 0, "", fmt::format("cannot read the file ({})", std::strerror(errno)));
    }
    s.sha256 = sha256_hex(s.text);
    out.push_back(std::move(s));
  }
  return out;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto number = [&](const std::string& part, std::uint64_t& v) {
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return false;
    v = std::stoull(part);
    return true;
  };
  Shard s;
  if (slash == std::string::npos || !number(text.substr(0, slash), s.index) || !number(text.substr(slash + 1), s.count))
    throw std::invalid_argument(fmt::format("--shard {}: expected INDEX/COUNT, e.g. 0/3 (shards 0/3, 1/3, 2/3)", text));
  if (s.count == 0) throw std::invalid_argument(fmt::format("--shard {}: the count must be at least 1", text));
  if (s.index >= s.count)
    throw std::invalid_argument(fmt::format("--shard {}: the index counts from 0, so it must be 0..{} (as "
                                            "SLURM_ARRAY_TASK_ID with --array=0-{})",
                                            text, s.count - 1, s.count - 1));
  return s;
}

std::string job_difference(const Job& have, const std::string& what, const Job& want, const std::string& want_what) {
  if (have.version != want.version)
    return fmt::format("{} was written by revsim {}, {} by revsim {}", what, have.version, want_what, want.version);
  if (have.subcommand != want.subcommand)
    return fmt::format("{} is of `revsim {}`, {} of `revsim {}`", what, have.subcommand, want_what, want.subcommand);
  if (have.scenarios.size() != want.scenarios.size())
    return fmt::format("{} has {} scenario(s), {} {}", what, have.scenarios.size(), want_what, want.scenarios.size());
  for (std::size_t k = 0; k < have.scenarios.size(); ++k) {
    const JobScenario &a = have.scenarios[k], &b = want.scenarios[k];
    if (a.sha256 != b.sha256)
      return fmt::format("{} is of another scenario: {} (SHA-256 {}…) where {} has {} (SHA-256 {}…)", what, a.name,
                         a.sha256.substr(0, 12), want_what, b.name, b.sha256.substr(0, 12));
  }
  if (have.sets != want.sets)
    return fmt::format("{} has --set [{}], {} [{}]", what, fmt::join(have.sets, " "), want_what,
                       fmt::join(want.sets, " "));
  if (have.seed != want.seed) return fmt::format("{} has seed {}, {} seed {}", what, have.seed, want_what, want.seed);
  if (have.trials != want.trials)
    return fmt::format("{} is of a {}-trial run, {} of a {}-trial run", what, have.trials, want_what, want.trials);
  return {};
}

PartialInfo read_partial_info(const std::string& file) {
  const std::string bytes = detail::read_file_bytes(file);
  try {
    ArchiveReader r(bytes, file);
    return detail::read_partial_header(r, file);
  } catch (const ArchiveError& e) {
    throw ScaleOutError(e.what());
  }
}

CheckpointInfo read_checkpoint_info(const std::string& file) {
  const std::string bytes = detail::read_file_bytes(file);
  try {
    ArchiveReader r(bytes, file);
    return detail::read_checkpoint_header(r, file);
  } catch (const ArchiveError& e) {
    throw ScaleOutError(e.what());
  }
}

std::vector<PartialInfo> check_partials(const std::vector<std::string>& files) {
  if (files.empty()) throw ScaleOutError("merge: no partial files given");
  std::vector<PartialInfo> p;
  for (const std::string& f : files) p.push_back(read_partial_info(f));
  const PartialInfo& a = p.front();
  for (const PartialInfo& b : p) {
    if (std::string d = job_difference(b.job, b.file, a.job, a.file); !d.empty())
      throw ScaleOutError(fmt::format("merge refused: {}", d));
    if (b.shard.count != a.shard.count)
      throw ScaleOutError(fmt::format("merge refused: {} is shard {}/{}, {} shard {}/{}: they belong to different "
                                      "splits of the run", b.file, b.shard.index, b.shard.count, a.file,
                                      a.shard.index, a.shard.count));
    if (b.accumulator != a.accumulator || b.block != a.block)
      throw ScaleOutError(fmt::format("merge refused: {} holds {} blocks of {} trials, {} {} blocks of {}", b.file,
                                      b.accumulator, b.block, a.file, a.accumulator, a.block));
  }
  std::map<std::uint64_t, std::string> seen;
  for (const PartialInfo& b : p) {
    const auto [it, fresh] = seen.emplace(b.shard.index, b.file);
    if (!fresh)
      throw ScaleOutError(fmt::format("merge refused: shard {}/{} given twice: {} and {}", b.shard.index,
                                      b.shard.count, it->second, b.file));
  }
  std::vector<std::uint64_t> missing;
  for (std::uint64_t i = 0; i < a.shard.count; ++i)
    if (!seen.contains(i)) missing.push_back(i);
  if (!missing.empty()) {
    std::vector<std::string> names;
    for (std::uint64_t i : missing) names.push_back(fmt::format("{}/{}", i, a.shard.count));
    throw ScaleOutError(fmt::format("merge refused: shard{} {} of the {} {} missing (given: {})",
                                    missing.size() > 1 ? "s" : "", fmt::join(names, ", "), a.shard.count,
                                    missing.size() > 1 ? "are" : "is", fmt::join(files, " ")));
  }
  std::sort(p.begin(), p.end(), [](const PartialInfo& x, const PartialInfo& y) { return x.shard.index < y.shard.index; });
  // The shards tile the trials: each begins where the one before ends, the last ends at the run's end.
  std::uint64_t at = 0;
  for (const PartialInfo& b : p) {
    if (b.lo != at)
      throw ScaleOutError(fmt::format("merge refused: {} holds trials [{}, {}), expected them to start at {}", b.file,
                                      b.lo, b.hi, at));
    at = b.hi;
  }
  if (at != a.job.trials)
    throw ScaleOutError(fmt::format("merge refused: the shards hold trials [0, {}) of a {}-trial run", at, a.job.trials));
  return p;
}

}  // namespace revsim
