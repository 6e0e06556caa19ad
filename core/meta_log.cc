// The log standby masters follow; see meta_log.h.
#include "core/meta_log.h"

#include <algorithm>

#include "core/wire.h"

namespace dds {
namespace {

// A batch's bytes: the number of writes, then each as its key, whether it
// deletes, and its value (empty for a delete).
Result<std::string> EncodeBatch(const MetaWrites& batch) {
  uint64_t size = 8;
  for (const auto& [key, value] : batch)
    size += 4 + key.size() + 1 + 4 + (value ? value->size() : 0);
  if (size > kMaxLogBatchBytes) {
    return Status::InvalidArgument("a batch of " + std::to_string(size) +
                                   " bytes is too large for the log");
  }
  WireWriter writer(0, size);
  writer.Put(uint64_t{batch.size()});
  static const std::string kNothing;
  for (const auto& [key, value] : batch) {
    writer.Put(key);
    writer.Put(!value.has_value());
    writer.Put(value ? *value : kNothing);
  }
  return writer.Take();
}

Result<MetaWrites> DecodeBatch(std::string_view bytes) {
  WireReader reader(bytes);
  uint64_t count = 0;
  reader.Get(count);
  MetaWrites batch;
  // The count is only believed as far as the bytes go: each write takes 9
  // bytes at least.
  for (uint64_t i = 0; i < count && !reader.failed(); ++i) {
    std::string key;
    bool deleted = false;
    std::string value;
    reader.Get(key);
    reader.Get(deleted);
    reader.Get(value);
    if (reader.failed()) break;
    if (deleted) {
      batch.insert_or_assign(std::move(key), std::nullopt);
    } else {
      batch.insert_or_assign(std::move(key), std::move(value));
    }
  }
  if (reader.failed() || !reader.at_end())
    return Status::Corruption("malformed log batch");
  return batch;
}

}  // namespace

Result<std::vector<LogRecord>> CutBatch(const MetaWrites& batch, uint64_t term,
                                        uint64_t first) {
  if (batch.empty()) return Status::InvalidArgument("an empty batch is not logged");
  Result<std::string> bytes = EncodeBatch(batch);
  if (!bytes.ok()) return bytes.status();
  std::vector<LogRecord> records;
  for (size_t at = 0; at < bytes->size(); at += kMaxLogFragmentBytes) {
    const size_t n = std::min(kMaxLogFragmentBytes, bytes->size() - at);
    records.push_back(
        {first + records.size(), term, at + n < bytes->size(), bytes->substr(at, n)});
  }
  return records;
}

Result<std::optional<MetaWrites>> BatchAssembler::Add(const LogRecord& record) {
  if (record.index != next_) {
    return Status::Corruption("log record " + std::to_string(record.index) + " where " +
                              std::to_string(next_) + " was expected");
  }
  if (record.term < term_) {
    return Status::Corruption("log record " + std::to_string(record.index) + " of term " +
                              std::to_string(record.term) + " after term " +
                              std::to_string(term_));
  }
  if (record.term > term_) partial_.clear();  // left unfinished by an older leader
  term_ = record.term;
  if (record.fragment.size() > kMaxLogFragmentBytes ||
      partial_.size() + record.fragment.size() > kMaxLogBatchBytes) {
    return Status::Corruption("log record " + std::to_string(record.index) +
                              " makes its batch too large");
  }
  ++next_;
  partial_ += record.fragment;
  if (record.more) return std::optional<MetaWrites>();
  Result<MetaWrites> batch = DecodeBatch(partial_);
  partial_.clear();
  if (!batch.ok()) return batch.status();
  complete_through_ = record.index;
  return std::optional<MetaWrites>(std::move(*batch));
}

namespace {

struct AppliedRecord {
  uint64_t index = 0;
  template <typename S>
  static auto Tie(S& s) {
    return std::tie(s.index);
  }
};

}  // namespace

Status SaveApplied(MetaStore& meta, uint64_t index) {
  return meta.Put(kLogAppliedKey, EncodeRecord(AppliedRecord{index}));
}

Result<uint64_t> LoadApplied(MetaStore& meta) {
  std::string value;
  Status s = meta.Get(kLogAppliedKey, &value);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return s;
  return DecodeAppliedIndex(value);
}

Result<uint64_t> DecodeAppliedIndex(std::string_view value) {
  Result<AppliedRecord> record = DecodeRecord<AppliedRecord>(value);
  if (!record.ok()) return record.status();
  return record->index;
}

void LogSpan::Add(const LogRecord& record) {
  bytes_ += record.fragment.size();
  if (record.more) return;  // only a batch's end can be cut after
  if (marks_.empty() || bytes_ - marks_.back().bytes >= step_)
    marks_.push_back({record.index, bytes_});
  // A mark with a later one already within the bound is never the cut.
  while (marks_.size() > 1 && bytes_ - marks_[1].bytes > max_bytes_) marks_.pop_front();
}

uint64_t LogSpan::FitThrough() const {
  if (bytes_ - base_ <= max_bytes_) return 0;
  for (const Mark& mark : marks_) {
    if (bytes_ - mark.bytes <= max_bytes_) return mark.index;
  }
  return marks_.empty() ? 0 : marks_.back().index;
}

void LogSpan::Forget(uint64_t index) {
  while (!marks_.empty() && marks_.front().index <= index) {
    base_ = marks_.front().bytes;
    marks_.pop_front();
  }
}

Status ApplyBatch(const MetaWrites& batch, MetaStore& meta) {
  for (const auto& [key, value] : batch) {
    Status s = value ? meta.Put(key, *value) : meta.Delete(key);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace dds
