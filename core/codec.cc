// Message encoding, decoding and description (layout in codec.h).
#include "core/codec.h"

#include <array>
#include <utility>

#include "core/wire.h"

namespace dds {
namespace {

constexpr std::array<const char*, std::variant_size_v<Message>> kNames = {
    "Register",        "Heartbeat",      "Changes",        "Haves",
    "Dropped",         "WhoHas",         "CatalogRequest", "HoldingsList",
    "HoldingsSummary", "Welcome",        "CatalogPage",    "EntryUpdates",
    "ChangeAcks",      "HeartbeatAck",   "RegisterPlease", "Holders",
    "Members",         "HoldingsWanted", "HoldingsCheck",  "Fetch",
    "Chunks",          "IgnoreRules",    "NotLeader"};

// Builds the alternative with index I of the variant from the reader.
template <size_t I>
Message DecodeAlternative(WireReader& reader) {
  std::variant_alternative_t<I, Message> m{};
  reader.Get(m);
  return m;
}

template <size_t... I>
Message DecodeByIndex(size_t index, WireReader& reader, std::index_sequence<I...>) {
  using Decoder = Message (*)(WireReader&);
  static constexpr Decoder kDecoders[] = {&DecodeAlternative<I>...};
  return kDecoders[index](reader);
}

// Renders one field for Describe().
class Describer {
 public:
  void Add(bool v) { Word(v ? "true" : "false"); }
  void Add(uint64_t v) { Word(std::to_string(v)); }
  void Add(int64_t v) { Word(std::to_string(v)); }
  void Add(const std::string& v) {
    // Chunk data is long and binary: show its length, not its bytes.
    if (v.size() > 64) {
      Word("<" + std::to_string(v.size()) + " bytes>");
    } else {
      Word(v.empty() ? "\"\"" : v);
    }
  }
  void Add(const Digest& v) { Word(v.ShortHex()); }
  template <typename T>
  void Add(const std::vector<T>& v) {
    Word("[" + std::to_string(v.size()) + "]");
  }
  template <typename T>
  requires requires(const T& t) { T::Tie(t); }
  void Add(const T& record) {
    std::apply([this](const auto&... field) { (Add(field), ...); }, T::Tie(record));
  }
  std::string Take() { return std::move(out_); }

 private:
  void Word(const std::string& w) {
    if (!out_.empty()) out_ += ' ';
    out_ += w;
  }
  std::string out_;
};

}  // namespace

const char* MessageName(const Message& message) { return kNames[message.index()]; }

bool FromMaster(const Message& message) {
  return std::visit([](const auto& m) { return kFromMaster<std::decay_t<decltype(m)>>; },
                    message);
}

bool ClaimsNothing(const Message& message) {
  return std::holds_alternative<WhoHas>(message) ||
         std::holds_alternative<CatalogRequest>(message) ||
         std::holds_alternative<Holders>(message) ||
         std::holds_alternative<HoldingsWanted>(message) ||
         std::holds_alternative<HoldingsCheck>(message) ||
         std::holds_alternative<Fetch>(message) ||
         std::holds_alternative<Chunks>(message);
}

Result<std::string> Encode(const Message& message, size_t front) {
  uint64_t size = 2 + std::visit([](const auto& m) { return WireSize(m); }, message);
  if (size > kMaxMessageBytes) {
    return Status::InvalidArgument(std::string(MessageName(message)) + " of " +
                                   std::to_string(size) + " bytes exceeds the limit");
  }
  WireWriter writer(front, front + size);
  writer.Put(kProtocolVersion);
  writer.Put(static_cast<uint8_t>(message.index()));
  std::visit([&writer](const auto& m) { writer.Put(m); }, message);
  return writer.Take();
}

Result<Message> Decode(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes)
    return Status::InvalidArgument("message too large");
  WireReader reader(bytes);
  uint8_t version = 0;
  uint8_t type = 0;
  reader.Get(version);
  reader.Get(type);
  if (reader.failed()) return Status::InvalidArgument("message shorter than its header");
  if (version != kProtocolVersion) {
    return Status::InvalidArgument("unsupported protocol version " +
                                   std::to_string(version));
  }
  if (type >= std::variant_size_v<Message>) {
    return Status::InvalidArgument("unknown message type " + std::to_string(type));
  }
  Message m = DecodeByIndex(type, reader,
                            std::make_index_sequence<std::variant_size_v<Message>>());
  if (reader.failed()) return Status::InvalidArgument("truncated or malformed message");
  if (!reader.at_end()) return Status::InvalidArgument("trailing bytes after message");
  return m;
}

std::string Describe(const Message& message) {
  Describer d;
  std::visit([&d](const auto& m) { d.Add(m); }, message);
  std::string fields = d.Take();
  return fields.empty() ? MessageName(message)
                        : std::string(MessageName(message)) + "{" + fields + "}";
}

}  // namespace dds
