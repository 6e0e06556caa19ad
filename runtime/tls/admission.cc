// Which role sends which message; see admission.h.
#include "runtime/tls/admission.h"

#include <type_traits>

namespace dds {
namespace {

template <typename T>
constexpr bool kFromNode =
    kOneOf<T, Register, Heartbeat, Changes, Haves, Dropped, WhoHas, CatalogRequest,
           HoldingsList, HoldingsSummary, Fetch, Chunks>;

}  // namespace

Status Admit(const CertIdentity& sender, const Message& message) {
  return std::visit(
      [&](const auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        static_assert(kFromMaster<T> != kFromNode<T>,
                      "every message has exactly one sender role");
        const Role role = kFromMaster<T> ? Role::kMaster : Role::kNode;
        if (sender.role != role) {
          return Status::InvalidArgument(std::string(RoleName(sender.role)) + " " +
                                         sender.name + " sent a message only a " +
                                         std::string(RoleName(role)) + " sends");
        }
        if constexpr (requires { m.node; }) {
          if (m.node != sender.name) {
            // The claimed name is the peer's to choose: shown only if it is one.
            const std::string claimed =
                CheckMemberName(m.node).empty() ? m.node : "an invalid name";
            return Status::InvalidArgument("node " + sender.name +
                                           " sent a message in the name of " + claimed);
          }
        }
        return Status::Ok();
      },
      message);
}

}  // namespace dds
