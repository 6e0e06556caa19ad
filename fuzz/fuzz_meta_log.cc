// libFuzzer target for what a standby master reads from etcd: log records
// (core/meta_log.h), each as its stored bytes, fed to a BatchAssembler in
// order. The input is a sequence of records, each a 2-byte little-endian
// length and that many bytes. Whatever the bytes, the assembler must stop
// with an error or hand out batches that a leader could have logged: each
// cuts into records again and comes back equal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/check.h"
#include "core/meta_log.h"
#include "core/wire.h"

namespace dds::fuzz {
namespace {

void CheckRoundTrip(const MetaWrites& batch) {
  if (batch.empty()) return;  // a leader never logs one; the bytes may say so
  Result<std::vector<LogRecord>> records = CutBatch(batch, 1, 1);
  DDS_CHECK(records.ok());
  BatchAssembler again(1);
  for (const LogRecord& record : *records) {
    Result<std::optional<MetaWrites>> got = again.Add(record);
    DDS_CHECK(got.ok());
    if (*got) DDS_CHECK(**got == batch);
  }
}

}  // namespace
}  // namespace dds::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::optional<dds::BatchAssembler> assembler;
  while (in.size() >= 2) {
    const size_t length = static_cast<uint8_t>(in[0]) |
                          (static_cast<size_t>(static_cast<uint8_t>(in[1])) << 8);
    in.remove_prefix(2);
    if (length > in.size()) break;
    dds::Result<dds::LogRecord> record =
        dds::DecodeRecord<dds::LogRecord>(in.substr(0, length));
    in.remove_prefix(length);
    if (!record.ok()) continue;
    if (!assembler) assembler.emplace(record->index);
    dds::Result<std::optional<dds::MetaWrites>> batch = assembler->Add(*record);
    if (!batch.ok()) break;
    if (*batch) dds::fuzz::CheckRoundTrip(**batch);
  }
  return 0;
}
