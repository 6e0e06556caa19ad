// What a member may say. Every protocol message has one sender role (the
// master's answers and pushes, or a node's reports, requests and chunks),
// and a message that names its sender must name the holder of the
// certificate it came under. The transport checks every message that
// arrives on a TLS connection, so a member can neither pose as another nor
// speak for a role it does not hold, and the core (like the simulator)
// never sees such a message: authentication lives below the Env seam.
#pragma once

#include "core/messages.h"
#include "core/status.h"
#include "runtime/tls/certs.h"

namespace dds {

// Ok, or why `sender` may not send `message` (one line, for the log).
Status Admit(const CertIdentity& sender, const Message& message);

}  // namespace dds
