// The part of the coordination seam every implementation shares: how the
// leader's flush cuts its batch into log records; see coordination.h.
#include "core/coordination.h"

#include <utility>

namespace dds {

Result<std::optional<std::vector<LogRecord>>> Coordination::CutNext(
    const MetaWrites& batch) {
  if (deposed_)
    return Status::IOError("deposed: a batch of a term that is over cannot be logged");
  if (leading_term_ == 0 || batch.empty()) return std::optional<std::vector<LogRecord>>();
  Result<std::vector<LogRecord>> records = CutBatch(batch, leading_term_, next_index_);
  if (!records.ok()) return records.status();
  next_index_ = records->back().index + 1;
  for (const LogRecord& record : *records) span_.Add(record);
  return std::optional<std::vector<LogRecord>>(std::move(*records));
}

}  // namespace dds
