// Helpers for the HTTP handler tests: requests are built from raw bytes fed
// through Beast's parser (exactly what a socket would deliver), and
// responses are inspected without serialising them.
#pragma once

#include <unistd.h>

#include <boost/beast/http/parser.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <string_view>

#include "core/entry.h"
#include "runtime/http/http_common.h"

namespace dds::http::testing {

// A catalog entry with the fields the handlers read.
inline CatalogEntry MakeEntry(std::string path, uint64_t version, uint64_t size,
                              bool tombstone = false, Digest hash = {}) {
  CatalogEntry entry;
  entry.path = std::move(path);
  entry.version = version;
  entry.size = size;
  entry.tombstone = tombstone;
  entry.hash = hash;
  entry.origin = "n1";
  return entry;
}

// Parses one complete request from `raw` ("GET / HTTP/1.1\r\n...\r\n\r\n").
inline Request Parse(std::string_view raw) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(true);
  beast::error_code ec;
  const size_t used = parser.put(net::buffer(raw.data(), raw.size()), ec);
  BOOST_REQUIRE_MESSAGE(!ec, "parse: " + ec.message());
  BOOST_REQUIRE_EQUAL(used, raw.size());
  BOOST_REQUIRE(parser.is_done());
  return parser.release();
}

// A GET (or other method) for `target` with extra header lines.
inline Request Make(std::string_view method, std::string_view target,
                    std::string_view headers = "", std::string_view body = "") {
  std::string raw = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: t\r\n" + std::string(headers);
  if (!body.empty()) raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  raw += "\r\n" + std::string(body);
  return Parse(raw);
}

// A response in wire form, parsed back.
inline StringResponse Parsed(const WireResponse& wire) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.eager(true);
  beast::error_code ec;
  const std::string bytes = std::string(wire.head) + std::string(wire.body);
  parser.put(net::buffer(bytes), ec);
  BOOST_REQUIRE_MESSAGE(!ec && parser.is_done(), "parse: " + ec.message());
  return parser.release();
}

inline unsigned Code(const Response& response) {
  return static_cast<unsigned>(StatusOf(response));
}

// A header, by its enum or, for those Beast has none for, by name.
template <typename Name>
std::string Header(const Response& response, Name name) {
  if (const auto* wire = std::get_if<WireResponse>(&response)) {
    return std::string(Parsed(*wire)[name]);
  }
  if (const auto* text = std::get_if<StringResponse>(&response)) {
    return std::string((*text)[name]);
  }
  return std::string(std::get<FileResponse>(response)[name]);
}

// The bytes the response would carry: the string body, or the file slice.
inline std::string Body(Response& response) {
  if (auto* text = std::get_if<StringResponse>(&response)) return text->body();
  if (auto* wire = std::get_if<WireResponse>(&response)) return Parsed(*wire).body();
  const auto& slice = std::get<FileResponse>(response).body();
  std::string bytes(slice.length, '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pread(slice.source->fd.get(), bytes.data() + done, bytes.size() - done,
                static_cast<off_t>(slice.offset + done));
    BOOST_REQUIRE(n >= 0);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

inline std::string Body(Response&& response) { return Body(response); }

}  // namespace dds::http::testing
