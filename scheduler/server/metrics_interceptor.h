// A gRPC server interceptor that counts every call by method and status
// code and times it into SchedulerMetrics. Streams are timed over their
// whole life. Thread-safe (one interceptor per call; metrics are shared).
#pragma once

#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "scheduler/server/metrics.h"

namespace hetsched::server {

// "OK", "INVALID_ARGUMENT", ...: gRPC's canonical code names.
std::string GrpcCodeName(grpc::StatusCode code);

class MetricsInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(SchedulerMetrics* metrics)
      : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  SchedulerMetrics* const metrics_;
};

}  // namespace hetsched::server
