// Crash-atomic publishes; see publish_journal.h.
#include "runtime/publish_journal.h"

#include <utility>

namespace dds {

Status PublishJournal::Recover() {
  std::vector<PosixFileStore::PublishIntent> committed;
  std::vector<std::string> keys;
  Status s = meta_.Scan(kIntentPrefix, [&](std::string_view key, std::string_view path) {
    keys.emplace_back(key);
    committed.push_back(
        {std::string(key.substr(kIntentPrefix.size())), std::string(path)});
  });
  if (s.ok()) s = files_.Recover(committed);
  for (const std::string& key : keys) {
    if (s.ok()) s = meta_.Delete(key);
  }
  // Before the first publish of this run: the aside names start again.
  if (s.ok()) s = meta_.Commit();
  return s;
}

Result<PosixFileStore::PublishBatch> PublishJournal::Begin() {
  Result<PosixFileStore::PublishBatch> batch = files_.TakePublishes();
  if (!batch.ok() || (batch->intents.empty() && !meta_.has_writes())) return batch;
  for (const std::string& key : std::exchange(done_, {})) {
    if (Status s = meta_.Delete(key); !s.ok()) return s;
  }
  for (const PosixFileStore::PublishIntent& intent : batch->intents) {
    if (Status s = meta_.Put(std::string(kIntentPrefix) + intent.aside, intent.path);
        !s.ok())
      return s;
  }
  return batch;
}

Status PublishJournal::Finish(const PosixFileStore::PublishBatch& batch) {
  if (Status s = files_.CompletePublishes(batch); !s.ok()) return s;
  for (const PosixFileStore::PublishIntent& intent : batch.intents) {
    done_.push_back(std::string(kIntentPrefix) + intent.aside);
  }
  return Status::Ok();
}

}  // namespace dds
