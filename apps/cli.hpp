#pragma once
// Command-line plumbing shared by every command (SPEC §8): option parsing with --help, usage
// errors (exit 2) apart from runtime errors (exit 1), and a progress bar on a terminal.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/memory.hpp"

namespace evspike::cli {

namespace po = boost::program_options;

// Wrong command line: main() prints "error: <what>" and the usage, and exits 2.
struct usage_error : std::runtime_error {
    usage_error(const std::string& what, std::string usage_text)
        : std::runtime_error(what), usage(std::move(usage_text)) {}
    std::string usage;
};

// Runs `f` (a library call that runs a command, io/detection.hpp), turning its option_error into
// the command's usage_error, so a wrong option still prints the usage and exits 2.
template <class F>
decltype(auto) with_usage(const std::string& usage, F&& f) {
    try {
        return f();
    } catch (const option_error& e) {
        throw usage_error(e.what(), usage);
    }
}

// One command's interface: its usage line, options and positional arguments.
struct command_line {
    std::string usage;  // e.g. "evspike info FILE [--json]"
    po::options_description options{"Options"};
    po::positional_options_description positional;

    // Parses args (without the command words). Adds --help and --quiet. Returns false when
    // --help was given and printed (the command then returns 0). Throws usage_error.
    bool parse(const std::vector<std::string>& args, po::variables_map& vm);
};

// ------------------------------------------------------------------------------ checked numbers
// Every numeric option of every command is declared through these (never po::value<number>), so
// that one rule holds everywhere (SPEC §8, limits in docs/cli.md): whole numbers are decimal
// digits within their limits ("-3" is refused, never wrapped to 2^64 - 3), reals are finite and
// within theirs, times within [0, max_time_ms]. A violation is a usage error (exit 2) naming the
// option and the limit: "--neurons: must be a whole number >= 1, got '-1'".

namespace detail {
// A typed_value whose token is parsed by `parse`, which throws po::validation_error (the store
// adds the option name).
template <class T>
class checked_value final : public po::typed_value<T> {
public:
    checked_value(T* target, std::function<T(const std::string&)> parse)
        : po::typed_value<T>(target), parse_(std::move(parse)) {}
    void xparse(boost::any& store, const std::vector<std::string>& tokens) const override {
        po::validators::check_first_occurrence(store);
        store = boost::any(parse_(po::validators::get_single_string(tokens)));
    }

private:
    std::function<T(const std::string&)> parse_;
};
}  // namespace detail

// Parses a whole number in [min, max]: decimal digits, or a real written with an exponent that is
// exactly a whole number ("1e6"). Throws po::validation_error naming the limit.
std::uint64_t parse_whole(const std::string& token, std::uint64_t min, std::uint64_t max);

// Limits of a real option; `unit` is appended to the limit in messages ("ms", "Hz", "").
struct real_limits {
    double min = -std::numeric_limits<double>::max();
    double max = std::numeric_limits<double>::max();
    bool min_open = false;  // min itself excluded
    bool max_open = false;
    std::string unit;
};
double parse_real(const std::string& token, const real_limits& limits);

// A whole-number option in [min, max] (T an unsigned or signed integer type).
template <class T>
po::typed_value<T>* whole(T* target, std::uint64_t min, std::uint64_t max = std::numeric_limits<T>::max()) {
    return new detail::checked_value<T>(
        target, [min, max](const std::string& s) { return static_cast<T>(parse_whole(s, min, max)); });
}
// A count: a whole number >= 1 (neurons, epochs, trials per batch, ...).
inline po::typed_value<std::uint64_t>* count(std::uint64_t* target = nullptr) { return whole(target, 1); }
// A count that may be 0 (where 0 has a documented meaning).
inline po::typed_value<std::uint64_t>* count_or_zero(std::uint64_t* target = nullptr) { return whole(target, 0); }
// A seed: any uint64 (SPEC §1), never a negative number.
inline po::typed_value<std::uint64_t>* seed(std::uint64_t* target = nullptr) { return whole(target, 0); }

// A real option within `limits`.
po::typed_value<double>* real(double* target, real_limits limits);
// A time or duration, ms, in [0, max_time_ms] (core/time.hpp).
po::typed_value<double>* time_ms(double* target = nullptr);
// A positive time or duration, ms, in (0, max_time_ms]: t_stop, bin widths, intervals.
po::typed_value<double>* positive_time_ms(double* target = nullptr);
// A probability in [0, 1].
po::typed_value<double>* probability(double* target = nullptr);
// A fraction in (0, 1].
po::typed_value<double>* fraction(double* target = nullptr);
// A finite real >= 0, or > 0 with `positive`, with its unit for messages.
po::typed_value<double>* non_negative(double* target, const std::string& unit = "");
po::typed_value<double>* positive(double* target, const std::string& unit = "");
// Any finite real.
po::typed_value<double>* finite(double* target = nullptr);

// ------------------------------------------------------------------------ memory and output size
// Up-front estimates (SPEC §8): before allocating, a command estimates the bytes it will hold and
// the bytes it will write. Beyond the limit (--max-memory, else the machine's physical memory)
// it refuses at once with the estimate; a large output gets a one-line notice.

// A byte count: a whole number with an optional suffix k, M, G or T (powers of 1024), > 0.
po::typed_value<std::uint64_t>* byte_size(std::uint64_t* target);
// Adds --max-memory to `options`; `*limit` stays 0 when it is not given.
void add_max_memory(po::options_description& options, std::uint64_t* limit);
// human_bytes and check_memory (the up-front refusal): core/memory.hpp.
// File bytes per spike of a generated raster (float64 time + uint64 node id, shuffle + deflate),
// measured on 1e6 Poisson spikes: 6.0 B (100 neurons at 1 kHz), 6.8 B (1e4 at 10 Hz), 7.6 B (1e6 at
// 1 Hz); rounded up.
inline constexpr double file_bytes_per_spike = 8.0;
// Outputs above this many bytes get a notice.
inline constexpr double large_output_bytes = 1e9;
// Prints "note: <path> will be about 3.8 GB (<detail>)" on stderr when bytes > large_output_bytes.
void note_output_size(const std::string& path, double bytes, const std::string& detail);
// Free bytes in the folder that will hold `path` (infinity when it cannot be told).
double free_disk_space(const std::string& path);
// As note_output_size, but first throws evspike::error when `bytes` exceeds the free space of the
// output's folder: "<path> would be about 16 TB (<detail>), more than the 95 GB free there; ...".
void check_output_size(const std::string& path, double bytes, const std::string& detail);

// A progress bar on stderr, drawn only when stderr is a terminal and not quiet.
class progress_bar {
public:
    progress_bar(std::string label, double total, bool quiet);
    ~progress_bar();
    void update(double done);
    void finish();
    // Prints one line on stderr: a drawn bar is cleared first and redrawn by the next update().
    void note(const std::string& line);

private:
    void draw(double done);
    std::string label_;
    double total_;
    bool enabled_;
    bool finished_ = false;
    bool drawn_ = false;  // the bar is on the current line of stderr
    std::chrono::steady_clock::time_point last_draw_{};
};

// The full command as typed, for provenance (root attribute evspike_command).
const std::string& invocation();
void set_invocation(int argc, char** argv);

}  // namespace evspike::cli
