// The etcd client; see etcd_client.h.
#include "runtime/etcd/etcd_client.h"

#include <openssl/evp.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "runtime/http/client.h"
#include "runtime/key_range.h"

namespace dds::etcd {
namespace {

using Json = nlohmann::json;

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> FromBase64(std::string_view text) {
  if (text.size() % 4 != 0) return Status::IOError("etcd: bad base64");
  std::string out(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Status::IOError("etcd: bad base64");
  // EVP_DecodeBlock counts the padding as decoded zero bytes.
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

// A field of an answer: absent means its default (proto3's JSON leaves
// defaults out); present with the wrong type is an error.
Result<int64_t> Int64Field(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return int64_t{0};
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return Status::IOError(std::string("etcd: bad ") + name);
  const std::string& text = it->get_ref<const std::string&>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return Status::IOError(std::string("etcd: bad ") + name);
  return value;
}

Result<std::string> BytesField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return std::string();
  if (!it->is_string()) return Status::IOError(std::string("etcd: bad ") + name);
  return FromBase64(it->get_ref<const std::string&>());
}

Result<bool> BoolField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return false;
  if (!it->is_boolean()) return Status::IOError(std::string("etcd: bad ") + name);
  return it->get<bool>();
}

// The object at `name`, or an empty one if it is absent.
Result<Json> ObjectField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return Json::object();
  if (!it->is_object()) return Status::IOError(std::string("etcd: bad ") + name);
  return *it;
}

Result<int64_t> HeaderRevision(const Json& answer) {
  Result<Json> header = ObjectField(answer, "header");
  if (!header.ok()) return header.status();
  return Int64Field(*header, "revision");
}

Result<std::vector<KeyValue>> KeyValues(const Json& answer) {
  std::vector<KeyValue> kvs;
  auto it = answer.find("kvs");
  if (it == answer.end()) return kvs;
  if (!it->is_array()) return Status::IOError("etcd: bad kvs");
  for (const Json& item : *it) {
    if (!item.is_object()) return Status::IOError("etcd: bad kv");
    KeyValue kv;
    Result<std::string> key = BytesField(item, "key");
    Result<std::string> value = BytesField(item, "value");
    Result<int64_t> created = Int64Field(item, "create_revision");
    Result<int64_t> modified = Int64Field(item, "mod_revision");
    Result<int64_t> lease = Int64Field(item, "lease");
    for (const Status* s : {&key.status(), &value.status(), &created.status(),
                            &modified.status(), &lease.status()}) {
      if (!s->ok()) return *s;
    }
    kvs.push_back({std::move(*key), std::move(*value), *created, *modified, *lease});
  }
  return kvs;
}

Json RangeJson(std::string_view key, std::string_view range_end, int64_t limit) {
  Json request = {{"key", Base64(key)}};
  if (!range_end.empty()) request["range_end"] = Base64(range_end);
  if (limit > 0) request["limit"] = std::to_string(limit);
  return request;
}

Json OpJson(const Op& op) {
  switch (op.kind) {
    case Op::Kind::kPut: {
      Json put = {{"key", Base64(op.key)}, {"value", Base64(op.value)}};
      if (op.lease != 0) put["lease"] = std::to_string(op.lease);
      return {{"request_put", std::move(put)}};
    }
    case Op::Kind::kDeleteRange: {
      Json del = {{"key", Base64(op.key)}};
      if (!op.range_end.empty()) del["range_end"] = Base64(op.range_end);
      return {{"request_delete_range", std::move(del)}};
    }
    case Op::Kind::kRange:
      return {{"request_range", RangeJson(op.key, op.range_end, 0)}};
  }
  return {};
}

Json CompareJson(const Compare& compare) {
  Json json = {{"result", "EQUAL"}, {"key", Base64(compare.key)}};
  switch (compare.target) {
    case Compare::Target::kCreateRevision:
      json["target"] = "CREATE";
      json["create_revision"] = std::to_string(compare.revision);
      break;
    case Compare::Target::kModRevision:
      json["target"] = "MOD";
      json["mod_revision"] = std::to_string(compare.revision);
      break;
    case Compare::Target::kValue:
      json["target"] = "VALUE";
      json["value"] = Base64(compare.value);
      break;
  }
  return json;
}

Result<Json> Parse(const std::string& body) {
  Json json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return Status::IOError("etcd: an answer that is not a JSON object");
  return json;
}

}  // namespace

std::string RangeEnd(std::string_view prefix) {
  std::string end = PrefixEnd(prefix);
  return end.empty() ? std::string(1, '\0') : end;  // etcd's "to the last key"
}

Client::Client(std::vector<http::BaseUrl> endpoints, std::chrono::milliseconds deadline)
    : endpoints_(std::move(endpoints)), deadline_(deadline) {}

Result<std::string> Client::Call(std::string_view path, const std::string& body) {
  if (endpoints_.empty()) return Status::InvalidArgument("etcd: no endpoints");
  Status unreachable = Status::IOError("etcd: no endpoint answered");
  for (size_t tried = 0; tried < endpoints_.size(); ++tried) {
    const http::BaseUrl& url = endpoints_[current_];
    http::Request request{http::bhttp::verb::post, std::string(path), 11};
    request.set(http::bhttp::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
    Result<http::StringResponse> answer =
        http::ExchangeBlocking(url, std::move(request), deadline_, nullptr);
    if (!answer.ok()) {
      unreachable = Status::IOError("etcd at " + url.ToString() + ": " +
                                    answer.status().ToString());
      current_ = (current_ + 1) % endpoints_.size();
      continue;
    }
    if (answer->result() == http::bhttp::status::ok) return std::move(answer->body());
    // etcd's own refusal: {"error": ..., "code": gRPC code}.
    Result<Json> error = Parse(answer->body());
    std::string message = "etcd: HTTP " + std::to_string(answer->result_int());
    int64_t code = 0;
    if (error.ok()) {
      auto it = error->find("message");
      if (it != error->end() && it->is_string())
        message = "etcd: " + it->get<std::string>();
      Result<int64_t> code_field = Int64Field(*error, "code");
      if (code_field.ok()) code = *code_field;
    }
    if (code == 5) return Status::NotFound(message);  // gRPC NOT_FOUND
    return Status::IOError(message);
  }
  return unreachable;
}

Result<int64_t> Client::GrantLease(std::chrono::seconds ttl) {
  Result<std::string> body =
      Call("/v3/lease/grant", Json{{"TTL", std::to_string(ttl.count())}}.dump());
  if (!body.ok()) return body.status();
  Result<Json> answer = Parse(*body);
  if (!answer.ok()) return answer.status();
  Result<int64_t> id = Int64Field(*answer, "ID");
  if (id.ok() && *id == 0) return Status::IOError("etcd: a lease without an id");
  return id;
}

Result<std::chrono::seconds> Client::KeepAlive(int64_t lease) {
  Result<std::string> body =
      Call("/v3/lease/keepalive", Json{{"ID", std::to_string(lease)}}.dump());
  if (!body.ok()) return body.status();
  Result<Json> answer = Parse(*body);
  if (!answer.ok()) return answer.status();
  Result<Json> result = ObjectField(*answer, "result");
  if (!result.ok()) return result.status();
  Result<int64_t> ttl = Int64Field(*result, "TTL");
  if (!ttl.ok()) return ttl.status();
  if (*ttl <= 0)
    return Status::NotFound("etcd: lease " + std::to_string(lease) + " expired");
  return std::chrono::seconds(*ttl);
}

Status Client::RevokeLease(int64_t lease) {
  return Call("/v3/lease/revoke", Json{{"ID", std::to_string(lease)}}.dump()).status();
}

Result<RangeResult> Client::Range(std::string_view key, std::string_view range_end,
                                  int64_t limit) {
  Result<std::string> body =
      Call("/v3/kv/range", RangeJson(key, range_end, limit).dump());
  if (!body.ok()) return body.status();
  Result<Json> answer = Parse(*body);
  if (!answer.ok()) return answer.status();
  RangeResult range;
  Result<std::vector<KeyValue>> kvs = KeyValues(*answer);
  Result<bool> more = BoolField(*answer, "more");
  Result<int64_t> revision = HeaderRevision(*answer);
  for (const Status* s : {&kvs.status(), &more.status(), &revision.status()}) {
    if (!s->ok()) return *s;
  }
  return RangeResult{std::move(*kvs), *more, *revision};
}

Result<TxnResult> Client::Txn(const std::vector<Compare>& compares,
                              const std::vector<Op>& success,
                              const std::vector<Op>& failure) {
  Json request = {
      {"compare", Json::array()}, {"success", Json::array()}, {"failure", Json::array()}};
  for (const Compare& compare : compares)
    request["compare"].push_back(CompareJson(compare));
  for (const Op& op : success) request["success"].push_back(OpJson(op));
  for (const Op& op : failure) request["failure"].push_back(OpJson(op));
  Result<std::string> body = Call("/v3/kv/txn", request.dump());
  if (!body.ok()) return body.status();
  Result<Json> answer = Parse(*body);
  if (!answer.ok()) return answer.status();
  TxnResult txn;
  Result<bool> succeeded = BoolField(*answer, "succeeded");
  Result<int64_t> revision = HeaderRevision(*answer);
  for (const Status* s : {&succeeded.status(), &revision.status()}) {
    if (!s->ok()) return *s;
  }
  txn.succeeded = *succeeded;
  txn.revision = *revision;
  auto responses = answer->find("responses");
  if (responses != answer->end()) {
    if (!responses->is_array()) return Status::IOError("etcd: bad responses");
    for (const Json& response : *responses) {
      if (!response.is_object()) return Status::IOError("etcd: bad response");
      auto range = response.find("response_range");
      if (range == response.end()) continue;
      if (!range->is_object()) return Status::IOError("etcd: bad response_range");
      Result<std::vector<KeyValue>> kvs = KeyValues(*range);
      if (!kvs.ok()) return kvs.status();
      txn.ranges.push_back(std::move(*kvs));
    }
  }
  return txn;
}

Status Client::Compact(int64_t revision) {
  return Call("/v3/kv/compaction", Json{{"revision", std::to_string(revision)}}.dump())
      .status();
}

}  // namespace dds::etcd
