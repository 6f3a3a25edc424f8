// Reads a hetsched-calibrate JSON document (schema_version 1) back into a
// CalibrationReport: what the scheduler uses to take in a node's
// measurements. Pure function; thread-safe.
#pragma once

#include <string_view>

#include "calibration/calibration_report.h"
#include "calibration/status.h"

namespace hetsched::calibrate {

// Parses `json` into `report`. "schema_version" and "status" are required;
// every other member is optional (absent or null leaves the struct's
// default: NaN for numbers, empty, nullopt), and unknown members are ignored
// so that later minor additions stay readable. Errors:
//   INVALID_ARGUMENT     malformed JSON, or a member of the wrong type
//                        (the message names the member, e.g.
//                        "devices[1].gemm[0].tflops: expected a number");
//   FAILED_PRECONDITION  a schema_version other than 1.
// On error `report` is left untouched.
Status ParseCalibrationReport(std::string_view json, CalibrationReport* report);

}  // namespace hetsched::calibrate
