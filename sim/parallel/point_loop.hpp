// The points of a study over the MPI ranks (issue 16; docs/scale-out.md, "Points over the
// ranks"): sweep points, tornado and spider levels, backtest companies. Where run_trials_distributed
// splits one loop's trials over the ranks (one gather and one broadcast of the accumulator per
// point), run_points gives each rank whole points, which it runs alone on its own threads
// (RunOptions::comm = nullptr inside), and sends only their results (point_archive.hpp) to rank 0,
// which takes them in point order. The results are those of the plain run bit for bit: a point's
// result does not depend on how its trials were split.
//
// The rule. Points go in rounds of R × m points (R ranks; m = points_per_rank(R): 16 while
// R <= 16, then fewer, so that a round is at most 256 points and rank 0 holds at most that many
// results at once): in a round rank r runs its contiguous share (Comm::share) of m points, rank 0
// gathers the round and hands its points on in order. The last round takes floor(c / R) points per
// rank of the c left; the c mod R points still left (fewer than the ranks, as in a tornado of few
// parameters on many ranks) run one after another with their trials split over the ranks, as
// before. A point with a precision target (sweep --precision) runs its rounds alone on its rank.
// An error on any rank — a point that fails, Ctrl-C — stops every rank at the end of the round:
// RankFailed("rank R: ...") on all.
#pragma once

#include "../parallel/archive.hpp"
#include "../parallel/mpi_comm.hpp"
#include "point_archive.hpp"
#include "revsim/engine.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace revsim::detail {

/// Points each rank runs in one round on `ranks` ranks (see the file comment).
inline std::size_t points_per_rank(int ranks) noexcept {
  constexpr std::size_t kMaxPerRank = 16, kMaxPerRound = 256;
  const auto r = static_cast<std::size_t>(std::max(ranks, 1));
  return std::clamp<std::size_t>(kMaxPerRound / r, 1, kMaxPerRank);
}

/// Who hears of the points: rank 0 only (a sweep streams them to its output), or every rank (a
/// tornado or backtest, whose result every rank then holds: rank 0 broadcasts each round).
enum class PointsTo { rank0, every_rank };

/// A round of points [a, a + R q) split q per rank, or (q == 0) the points left over.
struct PointRound {
  std::size_t first = 0;
  std::size_t per_rank = 0;  ///< 0: fewer points left than ranks: each point's trials are split instead
};
/// The rounds of n points on `ranks` ranks, in order (see the file comment).
inline std::vector<PointRound> point_rounds(std::size_t n, int ranks) {
  const auto R = static_cast<std::size_t>(std::max(ranks, 1));
  const std::size_t m = points_per_rank(ranks);
  std::vector<PointRound> out;
  std::size_t a = 0;
  while (a < n) {
    const std::size_t q = std::min(m, (n - a) / R);
    out.push_back({a, q});
    if (q == 0) break;
    a += R * q;
  }
  return out;
}

/// Run points [0, n) of a study: run(i, opt) returns point i's result (a T that save/load in
/// point_archive.hpp write); use(i, T&&) takes them in point order. `trials(t)` is what a point
/// adds to rank 0's progress counter when it ran on another rank. One process (opt.comm null or
/// one rank): run then use, point after point. Several ranks: the rounds of point_rounds; use is
/// called on rank 0 only, or on every rank with PointsTo::every_rank.
template <class T, class Run, class Use, class Trials>
void run_points(std::size_t n, const RunOptions& opt, PointsTo to, Run&& run, Use&& use, Trials&& trials) {
  if (opt.comm == nullptr || !opt.comm->distributed()) {
    for (std::size_t i = 0; i < n; ++i) use(i, run(i, opt));
    return;
  }
  const Comm& comm = *opt.comm;
  const int R = comm.size();
  const bool all = to == PointsTo::every_rank;
  auto agree = [&comm](const std::string& error) {
    const std::string first = comm.first_error(error);
    if (!first.empty()) throw RankFailed(first);
  };
  RunOptions alone = opt;
  alone.comm = nullptr;  // a point runs on this rank's threads only
  for (const PointRound& round : point_rounds(n, R)) {
    std::string error;
    if (round.per_rank == 0) {
      // Fewer points left than ranks: each point's trials over the ranks (run_trials_distributed
      // agrees on its own failures; this agrees on the rest, e.g. rank 0's use).
      for (std::size_t i = round.first; i < n; ++i) {
        try {
          T t = run(i, opt);
          if (all || comm.root()) use(i, std::move(t));
        } catch (const RankFailed&) {
          throw;
        } catch (const std::exception& e) {
          error = e.what();
        }
        agree(error);
      }
      break;
    }
    const auto [lo, hi] = Comm::share(static_cast<std::uint64_t>(R) * round.per_rank, comm.rank(), R);
    std::vector<T> own;
    std::string mine;
    try {
      ArchiveWriter w;
      for (std::uint64_t k = lo; k < hi; ++k) {
        T t = run(round.first + k, alone);
        if (comm.root() && !all) own.push_back(std::move(t));
        else save(w, t);
      }
      if (!comm.root() || all) mine = w.seal();
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree(error);
    std::vector<std::string> parts = comm.gather(mine);
    std::string round_bytes;
    try {
      if (comm.root()) {
        std::uint64_t others = 0;
        std::size_t i = round.first;
        if (!all)
          for (T& t : own) use(i++, std::move(t));
        ArchiveWriter whole;  // every_rank: the round, for the broadcast
        for (std::size_t r = all ? 0 : 1; r < parts.size(); ++r) {
          ArchiveReader rd(parts[r], "rank " + std::to_string(r));
          for (std::size_t k = 0; k < round.per_rank; ++k) {
            T t{};
            load(rd, t);
            if (r != 0) others += trials(t);
            if (all) save(whole, t);
            else use(i++, std::move(t));
          }
          rd.expect_end();
        }
        if (all) round_bytes = whole.seal();
        // Rank 0's progress display counts the other ranks' points too, as they arrive.
        if (opt.monitor != nullptr) opt.monitor->add_trials(others);
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree(error);
    if (!all) continue;
    round_bytes = comm.broadcast(round_bytes);
    try {
      ArchiveReader rd(round_bytes, "rank 0's round of points");
      for (std::size_t k = 0; k < static_cast<std::size_t>(R) * round.per_rank; ++k) {
        T t{};
        load(rd, t);
        use(round.first + k, std::move(t));
      }
      rd.expect_end();
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree(error);
  }
}

}  // namespace revsim::detail
