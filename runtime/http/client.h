// A minimal HTTP/1.1 client over Beast: one request, one response, on a fresh
// connection (HTTPS if the URL says so), with a deadline. Used by the master
// to forward uploads to a node, and by the `dds` client verbs.
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

}  // namespace dds::http
