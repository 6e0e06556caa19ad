// Vocabulary shared by the node and master HTTP front ends: request and
// response types, the body that streams file slices, and small response
// builders. Nothing here touches a socket.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/html.h"
#include "runtime/unique_fd.h"

namespace dds::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

// The bytes a file response sends: an open descriptor and, for a small
// file, its content, read when it was opened. Immutable, so any number of
// responses, on any threads, can share one.
struct FileSource {
  // Files up to this size are kept in memory: no read per response.
  static constexpr uint64_t kKeptBytes = 64 * 1024;

  // Reads the whole of `fd` if it is `size` bytes long and small enough.
  FileSource(UniqueFd fd, uint64_t size);

  const UniqueFd fd;
  const std::optional<std::string> content;  // the whole file, if small
};

// A response body that sends `length` bytes of a file from `offset`. One
// body type serves whole files and byte ranges (Beast 1.74's file_body
// cannot start at an offset). It reads with pread, from a buffer of its
// own, or sends a small file's content as it is.
struct FileSliceBody {
  struct value_type {
    std::shared_ptr<const FileSource> source;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;

    template <bool kIsRequest, class Fields>
    writer(bhttp::header<kIsRequest, Fields>& /*header*/, value_type& body)
        : body_(body), next_(body.offset), remain_(body.length) {}

    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec);

   private:
    static constexpr size_t kBufferBytes = 64 * 1024;

    const value_type& body_;
    uint64_t next_;  // the file offset to send next
    uint64_t remain_;
    std::unique_ptr<char[]> buffer_;  // for a file not kept in memory
  };
};

// Beast 1.74 uses boost::string_view; these convert at the boundary.
inline beast::string_view ToBeast(std::string_view text) {
  return {text.data(), text.size()};
}
inline std::string_view ToStd(beast::string_view text) {
  return {text.data(), text.size()};
}

using Request = bhttp::request<bhttp::string_body>;
using StringResponse = bhttp::response<bhttp::string_body>;
using FileResponse = bhttp::response<FileSliceBody>;

// A keep-alive response already in wire form: its head (status line and
// headers, as Beast writes them) and its body, in bytes `owner` keeps
// alive. What a node sends most often, a whole small file, then costs no
// header building or serializing per request.
struct WireResponse {
  std::shared_ptr<const void> owner;
  std::string_view head;
  std::string_view body;
  bhttp::status status = bhttp::status::ok;

  bhttp::status result() const { return status; }
  bool keep_alive() const { return true; }
};

using Response = std::variant<StringResponse, FileResponse, WireResponse>;

// Responses sent, by status code; rendered into /metrics. Every thread that
// serves HTTP counts into the same one.
class HttpCounters {
 public:
  void Count(unsigned code) {
    if (code < by_code_.size()) by_code_[code].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count(unsigned code) const {
    return code < by_code_.size() ? by_code_[code].load(std::memory_order_relaxed) : 0;
  }
  // (code, count) for every code counted at least once, in order of code.
  std::vector<std::pair<unsigned, uint64_t>> Counted() const;

 private:
  std::array<std::atomic<uint64_t>, 600> by_code_{};  // HTTP codes are below 600
};

bhttp::status StatusOf(const Response& response);

// A short text/plain answer (errors, confirmations); `text` gets a newline.
StringResponse TextResponse(const Request& request, bhttp::status status,
                            std::string_view text);
// 503 with Retry-After: 1, for states that heal on their own.
StringResponse Unavailable(const Request& request, std::string_view why);
// 405 with an Allow header listing `allowed` ("GET, HEAD").
StringResponse MethodNotAllowed(const Request& request, std::string_view allowed);
StringResponse JsonResponse(const Request& request, std::string json);
// `body` as `content_type`, with keep-alive and version taken from `request`.
StringResponse BodyResponse(const Request& request, bhttp::status status,
                            std::string_view content_type, std::string body);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);
// `items` as a JSON array, each element the JSON text `render(item)` returns:
// "[a,b,c]", or "[]" when there are none.
template <class Items, class Render>
std::string JsonArray(const Items& items, Render render) {
  std::string json = "[";
  const char* separator = "";
  for (const auto& item : items) {
    json += separator;
    json += render(item);
    separator = ",";
  }
  return json + "]";
}
// Content-Type for a file name, by extension; application/octet-stream if unknown.
std::string_view ContentTypeFor(std::string_view path);
// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate(std::time_t time);
// True iff `token` is non-empty and the request carries "Authorization:
// Bearer <token>". Compared in constant time.
bool BearerMatches(const Request& request, std::string_view token);
// True iff the query string ("a=b&c=d", no '?') contains `pair`.
bool QueryHas(std::string_view query, std::string_view pair);
// One Prometheus gauge: HELP, TYPE and value lines.
std::string GaugeMetric(std::string_view name, std::string_view help, uint64_t value);
// Prometheus lines for the request counters, metric `<prefix>_http_responses_total`.
std::string CounterMetrics(std::string_view prefix, const HttpCounters& counters);

}  // namespace dds::http
