// Walks a paged List call (AIP-158) to its last page: each page is one
// unary call with its own deadline, so a long list never runs into one
// overall deadline or the message size limit.
//
// Not thread-safe: one walk at a time per context.
#pragma once

#include "absl/status/status.h"
#include "cli/client.h"
#include "common/status_macros.h"

namespace hetsched::cli {

// Calls `method` with `request`, then with each next_page_token, handing
// every page to `on_page`; stops after the last page or when `on_page`
// returns false. `on_page` is callable as bool(const Response&).
template <typename Stub, typename Request, typename Response, typename OnPage>
absl::Status ForEachPage(const CommandContext& ctx, Stub* stub,
                         grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                      const Request&,
                                                      Response*),
                         Request request, OnPage on_page) {
  while (true) {
    Response page;
    RETURN_IF_ERROR(CallUnary(ctx, stub, method, request, &page));
    if (!on_page(page) || page.next_page_token().empty()) {
      return absl::OkStatus();
    }
    request.set_page_token(page.next_page_token());
  }
}

}  // namespace hetsched::cli
