// Vocabulary shared by the node and master HTTP front ends: request and
// response types, the body that streams file slices, and small response
// builders. Nothing here touches a socket.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/html.h"

namespace dds::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace bhttp = boost::beast::http;

// A response body that sends `length` bytes of an open file from `offset`.
// One body type serves whole files and byte ranges (Beast 1.74's file_body
// cannot start at an offset).
struct FileSliceBody {
  struct value_type {
    beast::file file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = net::const_buffer;

    template <bool kIsRequest, class Fields>
    writer(bhttp::header<kIsRequest, Fields>& /*header*/, value_type& body)
        : body_(body), remain_(body.length) {}

    void init(beast::error_code& ec) { body_.file.seek(body_.offset, ec); }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec);

   private:
    value_type& body_;
    uint64_t remain_;
    char buffer_[64 * 1024];
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
using Response = std::variant<StringResponse, FileResponse>;

// Requests answered, by status code; rendered into /metrics.
struct HttpCounters {
  std::map<unsigned, uint64_t> by_status;
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
