// Boost.Asio's awaitable with the include Boost 1.74 forgets: its
// awaitable.hpp uses std::exchange without including <utility>. Include this
// instead of <boost/asio/awaitable.hpp>.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio/awaitable.hpp>
// clang-format on
