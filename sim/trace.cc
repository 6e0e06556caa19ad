// The trace and timeline; see trace.h.
#include "sim/trace.h"

#include <array>
#include <cstdio>

#include "sim/units.h"

namespace dds::sim {

void Trace::Event(Instant at, std::string_view text) {
  if (!wanted()) return;
  int64_t micros = at.time_since_epoch().count();
  std::array<char, 32> stamp{};
  int n = std::snprintf(stamp.data(), stamp.size(), "%lld.%06lld ",
                        static_cast<long long>(micros / 1000000),
                        static_cast<long long>(micros % 1000000));
  line_.assign(stamp.data(), static_cast<size_t>(n));
  line_.append(text);
  line_.push_back('\n');
  digest_ = Fnv1a64(line_, digest_);
  ++lines_;
  if (file_) file_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

void Trace::Notable(Instant at, std::string_view text) {
  Event(at, text);
  if (timeline_) *timeline_ << "  " << FormatSeconds(at) << "  " << text << '\n';
}

void Trace::Say(std::string_view text) {
  if (timeline_) *timeline_ << text << '\n';
}

}  // namespace dds::sim
