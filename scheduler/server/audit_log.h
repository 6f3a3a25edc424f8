// The audit trail: one JSON line on stderr for every registration,
// refusal, admin action and cancel, with the caller's identity, e.g.
// {"audit":"node.register","caller":"system:node:h0","target":"h0",
//  "outcome":"ok"}. journald and log shippers keep stderr; the lines are
// easy to grep and to parse. Thread-safe.
#pragma once

#include "absl/strings/string_view.h"

namespace hetsched::server {

// `outcome` is "ok" or the refusal's reason; `caller` is "" without TLS.
void Audit(absl::string_view action, absl::string_view caller,
           absl::string_view target, absl::string_view outcome);

}  // namespace hetsched::server
