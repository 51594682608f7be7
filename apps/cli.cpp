#include "apps/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <iostream>
#include <unistd.h>

#include "core/error.hpp"
#include "core/time.hpp"

namespace evspike::cli {

bool command_line::parse(const std::vector<std::string>& args, po::variables_map& vm) {
    po::options_description all;
    po::options_description common{"Common options"};
    common.add_options()("help,h", "show this help and exit")("quiet,q", "no progress bar");
    all.add(options).add(common);
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
        if (vm.count("help") != 0) {
            std::cout << "usage: " << usage << "\n\n" << all << "\n";
            return false;
        }
        po::notify(vm);
    } catch (const po::required_option& e) {
        // A missing positional is named as the usage line shows it (CONFIG), not as "--config".
        std::string name = e.get_option_name();
        name.erase(0, name.find_first_not_of('-'));
        const unsigned n = positional.max_total_count();
        for (unsigned i = 0; i < n && i < 16; ++i)
            if (positional.name_for_position(i) == name) {
                std::string upper = name;
                for (char& c : upper) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                throw usage_error("the argument " + upper + " is required", usage);
            }
        throw usage_error(e.what(), usage);
    } catch (const po::error& e) {
        throw usage_error(e.what(), usage);
    }
    return true;
}

// ------------------------------------------------------------------------------ checked numbers

namespace {

[[noreturn]] void refuse(const std::string& limit, const std::string& token) {
    po::validation_error e(po::validation_error::invalid_option_value);
    // The store fills in the option's name (--name for options, the name for positionals).
    e.m_error_template = "%canonical_option%: must be " + limit + ", got '" + token + "'";
    throw e;
}

std::string shortest(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    for (int digits = 1; digits < 17; ++digits) {
        char candidate[32];
        std::snprintf(candidate, sizeof candidate, "%.*g", digits, v);
        if (std::strtod(candidate, nullptr) == v) return candidate;
    }
    return buffer;
}

std::string describe(const real_limits& l) {
    const std::string unit = l.unit.empty() ? "" : " " + l.unit;
    const bool low = l.min > -std::numeric_limits<double>::max(), high = l.max < std::numeric_limits<double>::max();
    if (low && high)
        return std::string("a finite number in ") + (l.min_open ? "(" : "[") + shortest(l.min) + ", " +
               shortest(l.max) + (l.max_open ? ")" : "]") + unit;
    if (low) return std::string("a finite number ") + (l.min_open ? "> " : ">= ") + shortest(l.min) + unit;
    if (high) return std::string("a finite number ") + (l.max_open ? "< " : "<= ") + shortest(l.max) + unit;
    return "a finite number" + unit;
}

}  // namespace

std::uint64_t parse_whole(const std::string& token, std::uint64_t min, std::uint64_t max) {
    const std::string limit =
        "a whole number " + (max == std::numeric_limits<std::uint64_t>::max() ? ">= " + std::to_string(min)
                                                                              : "in " + std::to_string(min) + " .. " +
                                                                                    std::to_string(max));
    const char* first = token.data();
    const char* last = first + token.size();
    if (first != last && *first == '+') ++first;
    std::uint64_t v = 0;
    // Digits only: from_chars on an unsigned type refuses a sign, so "-3" cannot wrap.
    if (first != last && *first >= '0' && *first <= '9') {
        const auto r = std::from_chars(first, last, v);
        if (r.ec == std::errc::result_out_of_range) refuse(limit, token);
        if (r.ec == std::errc{} && r.ptr == last) {
            if (v < min || v > max) refuse(limit, token);
            return v;
        }
        // "1e6": a real that is exactly a whole number in range.
        double d = 0;
        const auto rd = std::from_chars(first, last, d);
        if (rd.ec != std::errc{} || rd.ptr != last || !(d == std::floor(d)) || d < static_cast<double>(min) ||
            d > static_cast<double>(max) || d >= 18446744073709551616.0)
            refuse(limit, token);
        return static_cast<std::uint64_t>(d);
    }
    refuse(limit, token);
}

double parse_real(const std::string& token, const real_limits& l) {
    const char* first = token.data();
    const char* last = first + token.size();
    if (first != last && *first == '+') ++first;
    double v = 0;
    const auto r = std::from_chars(first, last, v);
    // from_chars accepts "nan" and "inf": refused below by the finiteness check.
    if (r.ptr != last || (r.ec != std::errc{} && r.ec != std::errc::result_out_of_range) || first == last)
        refuse(describe(l), token);
    if (r.ec == std::errc::result_out_of_range || !std::isfinite(v)) refuse(describe(l), token);
    if (v < l.min || (l.min_open && v == l.min) || v > l.max || (l.max_open && v == l.max)) refuse(describe(l), token);
    return v;
}

po::typed_value<double>* real(double* target, real_limits limits) {
    return new detail::checked_value<double>(target,
                                             [limits](const std::string& s) { return parse_real(s, limits); });
}

po::typed_value<double>* time_ms(double* target) { return real(target, {0.0, max_time_ms, false, false, "ms"}); }
po::typed_value<double>* positive_time_ms(double* target) {
    return real(target, {0.0, max_time_ms, true, false, "ms"});
}
po::typed_value<double>* probability(double* target) { return real(target, {0.0, 1.0, false, false, ""}); }
po::typed_value<double>* fraction(double* target) { return real(target, {0.0, 1.0, true, false, ""}); }
po::typed_value<double>* non_negative(double* target, const std::string& unit) {
    return real(target, {0.0, std::numeric_limits<double>::max(), false, false, unit});
}
po::typed_value<double>* positive(double* target, const std::string& unit) {
    return real(target, {0.0, std::numeric_limits<double>::max(), true, false, unit});
}
po::typed_value<double>* finite(double* target) { return real(target, {}); }

// ------------------------------------------------------------------------ memory and output size

po::typed_value<std::uint64_t>* byte_size(std::uint64_t* target) {
    return new detail::checked_value<std::uint64_t>(target, [](const std::string& token) {
        const std::string limit = "a size in bytes >= 1, with an optional suffix k, M, G or T";
        std::string digits = token;
        double scale = 1;
        if (!digits.empty()) {
            const char last = digits.back();
            const std::string suffixes = "kMGT";
            const auto at = suffixes.find(last == 'K' ? 'k' : last == 'm' ? 'M' : last == 'g' ? 'G' : last == 't' ? 'T' : last);
            if (at != std::string::npos) {
                scale = std::pow(1024.0, static_cast<double>(at + 1));
                digits.pop_back();
            }
        }
        double v = 0;
        try {
            v = static_cast<double>(parse_whole(digits, 1, std::numeric_limits<std::uint64_t>::max()));
        } catch (const po::error&) {
            refuse(limit, token);
        }
        if (v * scale >= 18446744073709551616.0) refuse(limit, token);
        return static_cast<std::uint64_t>(v * scale);
    });
}

void add_max_memory(po::options_description& options, std::uint64_t* limit) {
    options.add_options()("max-memory", byte_size(limit),
                          "refuse to start when the estimated memory exceeds this many bytes (suffix k, M, G, T; "
                          "default: the machine's physical memory)");
}

void note_output_size(const std::string& path, double bytes, const std::string& detail) {
    if (bytes > large_output_bytes)
        std::fprintf(stderr, "note: %s will be about %s (%s)\n", path.c_str(), human_bytes(bytes).c_str(), detail.c_str());
}

double free_disk_space(const std::string& path) {
    std::error_code ec;
    auto folder = std::filesystem::absolute(std::filesystem::path(path), ec).parent_path();
    if (ec) return std::numeric_limits<double>::infinity();
    const auto space = std::filesystem::space(folder, ec);
    if (ec) return std::numeric_limits<double>::infinity();
    return static_cast<double>(space.available);
}

void check_output_size(const std::string& path, double bytes, const std::string& detail) {
    const double free = free_disk_space(path);
    if (bytes > free)
        throw error(path + " would be about " + human_bytes(bytes) + " (" + detail + "), more than the " +
                    human_bytes(free) + " free there; nothing was written");
    note_output_size(path, bytes, detail);
}

// ------------------------------------------------------------------------------ progress bar

progress_bar::progress_bar(std::string label, double total, bool quiet)
    : label_(std::move(label)), total_(total), enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

progress_bar::~progress_bar() {
    if (enabled_ && !finished_) std::fputs("\n", stderr);
}

void progress_bar::update(double done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
}

void progress_bar::finish() {
    if (!enabled_ || finished_) return;
    draw(total_);
    std::fputs("\n", stderr);
    finished_ = true;
    drawn_ = false;
}

void progress_bar::note(const std::string& line) {
    if (drawn_) std::fprintf(stderr, "\r%*s\r", static_cast<int>(label_.size()) + 50, "");
    drawn_ = false;
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
}

void progress_bar::draw(double done) {
    constexpr int width = 40;
    const double fraction = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 1.0;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %5.1f%%", label_.c_str(), bar.c_str(), 100.0 * fraction);
    std::fflush(stderr);
    drawn_ = true;
}

namespace {
std::string& invocation_text() {
    static std::string text;
    return text;
}
}  // namespace

const std::string& invocation() { return invocation_text(); }

void set_invocation(int argc, char** argv) {
    std::string text;
    for (int i = 0; i < argc; ++i) {
        if (i > 0) text += ' ';
        text += argv[i];
    }
    invocation_text() = text;
}

}  // namespace evspike::cli
