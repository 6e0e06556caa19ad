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

Status PublishJournal::Record() {
  std::vector<PosixFileStore::PublishIntent> pending = files_.PendingPublishes();
  if (pending.empty() && !meta_.in_transaction()) return Status::Ok();
  for (const std::string& key : std::exchange(done_, {})) {
    if (Status s = meta_.Delete(key); !s.ok()) return s;
  }
  recorded_.clear();
  for (const PosixFileStore::PublishIntent& intent : pending) {
    recorded_.push_back(std::string(kIntentPrefix) + intent.aside);
    if (Status s = meta_.Put(recorded_.back(), intent.path); !s.ok()) return s;
  }
  return Status::Ok();
}

Status PublishJournal::Complete() {
  if (Status s = files_.CompletePublishes(); !s.ok()) return s;
  done_.insert(done_.end(), recorded_.begin(), recorded_.end());
  recorded_.clear();
  return Status::Ok();
}

Status PublishJournal::Flush() {
  Status s = files_.SyncPublishedData();
  if (s.ok()) s = Record();
  if (s.ok()) s = meta_.Commit();
  if (s.ok()) s = Complete();
  return s;
}

}  // namespace dds
