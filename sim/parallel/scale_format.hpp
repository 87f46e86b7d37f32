// The headers of partial and checkpoint files (include/revsim/scale_out.hpp), inside the sealed
// archive of archive.hpp. A partial: header, then the one Part of the shard's blocks (run_part),
// then the seal. A checkpoint: header, then the accumulator (Acc::save), then the seal. Layout of
// both: docs/scale-out.md, "File formats".
#pragma once

#include "archive.hpp"
#include "revsim/scale_out.hpp"

#include <string>

namespace revsim::detail {

/// Version of the partial/checkpoint layout; a reader refuses any other.
inline constexpr std::uint64_t kScaleFormat = 2;  // 2: streaming histograms keep each bin's minimum and maximum
inline constexpr const char* kPartialMagic = "revsim partial";
inline constexpr const char* kCheckpointMagic = "revsim checkpoint";

void write_job(ArchiveWriter& w, const Job& j, bool with_text);
Job read_job(ArchiveReader& r);

void write_partial_header(ArchiveWriter& w, const PartialInfo& p);
PartialInfo read_partial_header(ArchiveReader& r, const std::string& file);
void write_checkpoint_header(ArchiveWriter& w, const CheckpointInfo& c);
CheckpointInfo read_checkpoint_header(ArchiveReader& r, const std::string& file);

/// The bytes of `file`; throws ScaleOutError naming it and the reason.
std::string read_file_bytes(const std::string& file);

}  // namespace revsim::detail
