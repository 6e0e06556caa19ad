// A minimal HTTP/1.1 client over Beast: one request, one response, on a fresh
// connection (HTTPS if the URL says so), with a deadline. Used by the master
// to forward uploads to a node, by the `dds` client verbs, and by a master
// behind the log to download the leader's catalog.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "runtime/http/awaitable.h"
#include "runtime/http/http_common.h"
#include "runtime/http/https.h"
#include "runtime/http/url.h"

namespace dds::http {

// Largest response body the client accepts (catalog listings included).
inline constexpr uint64_t kMaxClientResponseBytes = 256ull << 20;

// Sends `request` to `url` and reads the answer. An https URL is verified
// with `tls` (MakeHttpsClient) against the URL's host; without `tls` it
// fails. IOError naming the address on connection, handshake and
// verification failures and timeouts. Sets Host and User-Agent; the caller
// sets method, target and body.
net::awaitable<Result<StringResponse>> Exchange(BaseUrl url, Request request,
                                                std::chrono::milliseconds timeout,
                                                SslContextPtr tls);

// Exchange on a private io_context, for synchronous callers.
Result<StringResponse> ExchangeBlocking(const BaseUrl& url, Request request,
                                        std::chrono::milliseconds timeout,
                                        SslContextPtr tls);

// The same, with the answer's body written to the file at `path` (created
// or truncated) as it comes, up to `max_bytes`: for bodies too large to
// hold in memory. The answer's status code; the file holds its body.
Result<unsigned> DownloadBlocking(const BaseUrl& url, Request request,
                                  std::chrono::milliseconds timeout, SslContextPtr tls,
                                  const std::string& path, uint64_t max_bytes);

}  // namespace dds::http
