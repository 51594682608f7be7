#pragma once
// Rate files for inhomogeneous Poisson trains (SPEC §5 `rate_file`, §6 `--rate-file`): CSV text
//
//     time_ms,rate_hz          <- optional header (exactly these names)
//     0,5
//     100.5,20                 <- rate 20 Hz from 100.5 ms until the next row
//     250,0
//
// giving a piecewise-constant rate: rate_hz[k] holds on [time_ms[k], time_ms[k+1]) and the last
// rate holds until the end of the run. Rules: two comma-separated numbers per row (spaces around
// them allowed), times finite, >= 0 and strictly increasing, rates finite and >= 0; blank lines
// and lines starting with '#' are skipped; at least one row. If the first time is > 0 the rate is
// zero before it: the returned profile then starts with an explicit (0 ms, 0 Hz) row, so for
// consumers a profile always starts at time 0.
// Errors are io_error "<file>: line <n>: <what>" (n counts from 1, including header and blanks).
#include <string>

#include "sim/spec.hpp"

namespace evspike {

rate_profile read_rate_file(const std::string& path);

// Same, from text in memory; `file_name` is used in messages only.
rate_profile parse_rate_csv(const std::string& text, const std::string& file_name);

}  // namespace evspike
