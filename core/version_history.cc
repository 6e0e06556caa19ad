// Replaced versions, durably; see version_history.h.
#include "core/version_history.h"

#include "core/master_keys.h"
#include "core/wire.h"

namespace dds {

VersionHistory::Versions VersionHistory::Load(const std::string& path) const {
  std::string value;
  if (!env_->Meta().Get(SupersededKey(path), &value).ok()) return {};
  Result<Versions> versions = DecodeRecord<Versions>(value);
  // A damaged record costs only the recognition of old copies.
  return versions.ok() ? std::move(versions).value() : Versions{};
}

void VersionHistory::Remember(const std::string& path, uint64_t version,
                              const Digest& hash) {
  Versions record = Load(path);
  record.versions.push_back({version, hash});
  if (record.versions.size() > kKept) record.versions.erase(record.versions.begin());
  Status s = env_->Meta().Put(SupersededKey(path), EncodeRecord(record));
  if (!s.ok()) env_->Note("master: cannot persist " + path + ": " + s.ToString());
}

std::optional<uint64_t> VersionHistory::Find(const std::string& path,
                                             const Digest& hash) const {
  const Versions record = Load(path);
  for (auto v = record.versions.rbegin(); v != record.versions.rend(); ++v) {
    if (v->hash == hash) return v->version;
  }
  return std::nullopt;
}

}  // namespace dds
