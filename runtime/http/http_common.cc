// Response builders and small helpers shared by the node and master handlers.
#include "runtime/http/http_common.h"

#include <openssl/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <utility>

namespace dds::http {

namespace {

// Reads `length` bytes at `offset` into `buffer`: the count read (0 at the
// end of the file), or -1 with errno set.
ssize_t ReadAt(int fd, char* buffer, size_t length, uint64_t offset) {
  ssize_t read;
  do {
    read = ::pread(fd, buffer, length, static_cast<off_t>(offset));
  } while (read < 0 && errno == EINTR);
  return read;
}

std::optional<std::string> ReadSmall(const UniqueFd& fd, uint64_t size) {
  if (size > FileSource::kKeptBytes) return std::nullopt;
  std::string content(size, '\0');
  for (size_t done = 0; done < content.size();) {
    const ssize_t read =
        ReadAt(fd.get(), content.data() + done, content.size() - done, done);
    // A file that changes as it is read is left to the descriptor: the
    // answer fails then just as it would have.
    if (read <= 0) return std::nullopt;
    done += static_cast<size_t>(read);
  }
  return content;
}

}  // namespace

FileSource::FileSource(UniqueFd file, uint64_t size)
    : fd(std::move(file)), content(ReadSmall(fd, size)) {}

boost::optional<std::pair<FileSliceBody::writer::const_buffers_type, bool>>
FileSliceBody::writer::get(beast::error_code& ec) {
  ec = {};
  if (remain_ == 0) return boost::none;
  const FileSource& source = *body_.source;
  if (source.content && next_ + remain_ <= source.content->size()) {
    const const_buffers_type all(source.content->data() + next_, remain_);
    remain_ = 0;
    return {{all, false}};
  }
  const size_t amount = static_cast<size_t>(std::min<uint64_t>(remain_, kBufferBytes));
  if (!buffer_) buffer_ = std::make_unique<char[]>(amount);
  const ssize_t read = ReadAt(source.fd.get(), buffer_.get(), amount, next_);
  if (read < 0) {
    ec = beast::error_code(errno, boost::system::system_category());
    return boost::none;
  }
  if (read == 0) {  // The file shrank under us: fail rather than send short.
    ec = bhttp::error::short_read;
    return boost::none;
  }
  next_ += static_cast<uint64_t>(read);
  remain_ -= static_cast<uint64_t>(read);
  return {{const_buffers_type(buffer_.get(), static_cast<size_t>(read)), remain_ > 0}};
}

std::vector<std::pair<unsigned, uint64_t>> HttpCounters::Counted() const {
  std::vector<std::pair<unsigned, uint64_t>> counted;
  for (unsigned code = 0; code < by_code_.size(); ++code) {
    if (const uint64_t n = count(code); n > 0) counted.emplace_back(code, n);
  }
  return counted;
}

bhttp::status StatusOf(const Response& response) {
  return std::visit([](const auto& r) { return r.result(); }, response);
}

StringResponse BodyResponse(const Request& request, bhttp::status status,
                            std::string_view content_type, std::string body) {
  StringResponse response{status, request.version()};
  response.set(bhttp::field::content_type, ToBeast(content_type));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  if (request.method() == bhttp::verb::head) response.body().clear();
  return response;
}

StringResponse TextResponse(const Request& request, bhttp::status status,
                            std::string_view text) {
  std::string body(text);
  body += '\n';
  return BodyResponse(request, status, "text/plain; charset=utf-8", std::move(body));
}

StringResponse Unavailable(const Request& request, std::string_view why) {
  StringResponse response =
      TextResponse(request, bhttp::status::service_unavailable, why);
  response.set(bhttp::field::retry_after, "1");
  return response;
}

StringResponse MethodNotAllowed(const Request& request, std::string_view allowed) {
  StringResponse response =
      TextResponse(request, bhttp::status::method_not_allowed, "method not allowed");
  response.set(bhttp::field::allow, ToBeast(allowed));
  return response;
}

StringResponse JsonResponse(const Request& request, std::string json) {
  json += '\n';
  return BodyResponse(request, bhttp::status::ok, "application/json", std::move(json));
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      std::array<char, 8> escaped{};
      std::snprintf(escaped.data(), escaped.size(), "\\u%04x", byte);
      out += escaped.data();
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string_view ContentTypeFor(std::string_view path) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".pdf", "application/pdf"},
      {".zip", "application/zip"},
      {".gz", "application/gzip"},
      {".tar", "application/x-tar"},
      {".iso", "application/x-iso9660-image"},
      {".wasm", "application/wasm"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".svg", "image/svg+xml"},
      {".webp", "image/webp"},
      {".mp4", "video/mp4"},
      {".mp3", "audio/mpeg"},
  };
  const size_t slash = path.rfind('/');
  const std::string_view name =
      path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    std::string extension(name.substr(dot));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [known, type] : kTypes) {
      if (extension == known) return type;
    }
  }
  return "application/octet-stream";
}

std::string HttpDate(std::time_t time) {
  std::tm utc{};
  gmtime_r(&time, &utc);
  std::array<char, 64> text{};
  const size_t n =
      std::strftime(text.data(), text.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text.data(), n);
}

bool BearerMatches(const Request& request, std::string_view token) {
  if (token.empty()) return false;
  const auto header = request.find(bhttp::field::authorization);
  if (header == request.end()) return false;
  constexpr std::string_view kScheme = "Bearer ";
  const std::string_view value(header->value().data(), header->value().size());
  if (!value.starts_with(kScheme)) return false;
  const std::string_view given = value.substr(kScheme.size());
  return given.size() == token.size() &&
         CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

bool QueryHas(std::string_view query, std::string_view pair) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    if (query.substr(0, amp) == pair) return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

std::string GaugeMetric(std::string_view name, std::string_view help, uint64_t value) {
  std::string out = "# HELP " + std::string(name) + " " + std::string(help) + "\n";
  out += "# TYPE " + std::string(name) + " gauge\n";
  out += std::string(name) + " " + std::to_string(value) + "\n";
  return out;
}

std::string CounterMetrics(std::string_view prefix, const HttpCounters& counters) {
  std::string name = std::string(prefix) + "_http_responses_total";
  std::string out = "# HELP " + name + " HTTP responses sent, by status code.\n";
  out += "# TYPE " + name + " counter\n";
  for (const auto& [code, count] : counters.Counted()) {
    out +=
        name + "{code=\"" + std::to_string(code) + "\"} " + std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace dds::http
