// Order statistics over repeated timings. Pure functions; thread-safe.
#pragma once

#include <vector>

namespace hetsched::calibrate {

// The median of `values` (the mean of the two middle values for an even
// count); NaN when `values` is empty.
double Median(std::vector<double> values);

// The arithmetic mean; NaN when `values` is empty.
double Mean(const std::vector<double>& values);

}  // namespace hetsched::calibrate
