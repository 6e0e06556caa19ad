// A minimal HTTP/1.1 client over Beast: one request, one response, on a fresh
// connection, with a deadline. Used by the master to forward uploads to a
// node, and by the `dds` client verbs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "runtime/http/awaitable.h"
#include "runtime/http/http_common.h"

namespace dds::http {

// Largest response body the client accepts (catalog listings included).
inline constexpr uint64_t kMaxClientResponseBytes = 256ull << 20;

// Sends `request` to `address` ("host:port") and reads the answer. IOError
// naming the address on connection failures and timeouts. Sets Host and
// User-Agent; the caller sets method, target and body.
net::awaitable<Result<StringResponse>> Exchange(std::string address, Request request,
                                                std::chrono::milliseconds timeout);

// Exchange on a private io_context, for synchronous callers.
Result<StringResponse> ExchangeBlocking(const std::string& address, Request request,
                                        std::chrono::milliseconds timeout);

// "http://host:port" (an optional trailing '/' allowed) -> "host:port".
Result<std::string> AddressFromUrl(std::string_view url);

}  // namespace dds::http
