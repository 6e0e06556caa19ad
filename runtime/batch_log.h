// Where a leading master's flush puts each batch before committing it
// (docs/ha.md, "The leader's flush"): the catalog log its standbys follow.
// runtime/group_commit.h calls it; runtime/etcd/etcd_coordination.h
// implements it over etcd.
#pragma once

#include <optional>
#include <vector>

#include "core/coordination.h"
#include "core/meta_log.h"
#include "core/status.h"

namespace dds {

class BatchLog {
 public:
  virtual ~BatchLog() = default;
  // On the io_context's thread, as the flush takes `batch`: its records,
  // numbered from where the last batch ended, or nullopt if this process
  // does not lead (its batches are its own).
  virtual Result<std::optional<std::vector<LogRecord>>> Cut(const MetaWrites& batch) = 0;
  // On the flush thread (or on the io_context's, for the flush a clean stop
  // makes in place, the flush thread then idle): appends them, in order. False if refused
  // (another term leads: this process is deposed), an error if etcd cannot be reached;
  // either way the batch must not be committed.
  virtual Result<bool> AppendNow(const std::vector<LogRecord>& records) = 0;
};

// A coordination service whose log the leader's flush appends to: what a
// master with standbys is given (etcd's: runtime/etcd/etcd_coordination.h).
class CoordinationLog : public Coordination, public BatchLog {};

}  // namespace dds
