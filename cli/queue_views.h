// The human view of queues: the `queues` table. Pure: reads API messages
// and writes text. Thread-safe.
#pragma once

#include <ostream>

#include "google/protobuf/repeated_ptr_field.h"
#include "hetsched/v1/scheduler.pb.h"

namespace hetsched::cli {

// QUEUE, WEIGHT, COHORT, PENDING, DEPS (jobs waiting for dependencies),
// RUNNING, OLDEST (age of the oldest pending job), then KIND, QUOTA
// (nominal, "-" without a quota), USED,
// BORROWED: one row per kind the queue has a quota for or holds; a queue's
// further kinds continue on rows with the queue columns left blank.
void PrintQueuesTable(
    const google::protobuf::RepeatedPtrField<v1::Queue>& queues,
    std::ostream& out);

}  // namespace hetsched::cli
