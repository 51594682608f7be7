#pragma once
// Delimited text recordings (SPEC §9.1): one spike per line, a unit id column and a time column,
// as spike sorters, Brian2, NEST's ASCII recorder or a spreadsheet write them.
//
// - Delimiter: detected from the first line that is not blank or a comment: tab if it has one,
//   else comma, else semicolon, else runs of spaces. Fields may be double-quoted (RFC 4180).
// - Lines that are blank or start with '#' are skipped. A UTF-8 byte-order mark is ignored.
// - Header: the first line is a header when one of its fields is not a number. Columns are then
//   found by name (case-insensitive): unit, unit_id, units, neuron, neuron_id, cluster,
//   cluster_id, node_id, id, sender, i for the unit; time, t, times, spike_time, spike_times,
//   timestamp, timestamps for the time, each optionally with a unit suffix (time_ms, t_s,
//   "time (s)", "time [us]") that gives the time unit.
// - columns: "UNIT,TIME" as header names or 1-based column numbers (as cut and awk count them);
//   without a header and without columns a file must have exactly 2 columns, read as unit, time.
// - Unit ids are non-negative integers; "1.0" (an integral float, as some exporters write them)
//   is accepted up to 2^53. Times are finite numbers in the time unit, converted to ms.
// - Errors are io_error(file, "", "line N: ...").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/recording.hpp"

namespace evspike {

enum class time_unit { s, ms, us, samples };

// Parses "s", "ms", "us" or "samples"; nullopt otherwise.
std::optional<time_unit> parse_time_unit(std::string_view text);

struct text_options {
    std::optional<std::string> columns;      // "UNIT,TIME"
    std::optional<time_unit> unit;           // required unless the header's time name carries one
    std::optional<double> sample_rate_hz;    // required with time_unit::samples
    double time_offset_ms = 0.0;             // added to every time (after conversion to ms)
};

// A time in `unit` as ms: s x 1000, us / 1000, samples x 1000 / rate (one rounding each).
double to_ms(double value, time_unit unit, double sample_rate_hz);

// Splits one record (a line without its newline) at `delimiter`, fields double-quoted as in
// RFC 4180 ("" inside quotes is a quote); delimiter 0 means runs of spaces and tabs (no quotes).
// With trim_blanks (recordings, written by hand or by spreadsheets) an unquoted field loses its
// leading and trailing spaces and tabs and a quote may follow blanks; without (evspike's own CSV,
// apps/cmd_convert.cpp) every byte is kept. Returns false on an unterminated quote.
bool split_record(std::string_view line, char delimiter, std::vector<std::string>& fields, bool trim_blanks = true);

// `text` is the whole file; `name` is the file name used in messages.
unit_spikes parse_text_spikes(std::string_view text, const std::string& name, const text_options& options);
unit_spikes read_text_spikes(const std::string& path, const text_options& options);

// Reads a whole file into memory; io_error naming it if it cannot.
std::string read_whole_file(const std::string& path);

}  // namespace evspike
