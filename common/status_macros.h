// Small error-propagation macros: Debian's Abseil (20220623) has none.
// Thread-safe: they are plain expressions.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HETSCHED_CONCAT_INNER(a, b) a##b
#define HETSCHED_CONCAT(a, b) HETSCHED_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)              \
  do {                                     \
    ::absl::Status status_macro_ = (expr); \
    if (!status_macro_.ok()) {             \
      return status_macro_;                \
    }                                      \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, Foo());` binds the value or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(HETSCHED_CONCAT(statusor_, __LINE__), lhs, expr)

// `lhs` is a declaration ("auto x"), which parentheses would break.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) {                            \
    return tmp.status();                      \
  }                                           \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
