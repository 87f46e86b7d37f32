// What one point of a study sends to rank 0 when the points are spread over the MPI ranks
// (point_loop.hpp, issue 16): a sweep point's Results, a tornado level's statistic, a backtest
// company. Written with the sealed archive (archive.hpp): every double bit for bit, every field
// in declaration order, so that rank 0 reports a point run on another rank exactly as if it had
// run it itself. A field added to Results, YearStats, ... must be added here too: the round-trip
// tests (tests/unit/test_point_loop.cpp) compare the JSON of every field before and after.
#pragma once

#include "archive.hpp"
#include "revsim/backtest.hpp"
#include "revsim/results.hpp"

namespace revsim::detail {

void save(ArchiveWriter& w, const Results& r);
void load(ArchiveReader& rd, Results& r);

void save(ArchiveWriter& w, const BacktestCompany& c);
void load(ArchiveReader& rd, BacktestCompany& c);

inline void save(ArchiveWriter& w, double v) { w.f64(v); }
inline void load(ArchiveReader& rd, double& v) { v = rd.f64(); }

}  // namespace revsim::detail
