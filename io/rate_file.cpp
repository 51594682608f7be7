#include "io/rate_file.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "core/error.hpp"
#include "io/toml_util.hpp"

namespace evspike {

namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

bool parse_double(std::string_view text, double& out) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

rate_profile parse_rate_csv(const std::string& text, const std::string& file_name) {
    rate_profile profile;
    std::string_view rest = text;
    if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte order mark
    bool seen_row = false;  // a header is allowed only before the first data row
    std::size_t line_number = 0;
    while (!rest.empty()) {
        ++line_number;
        const auto end = rest.find('\n');
        const std::string_view line = trim(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        auto fail = [&](const std::string& what) {
            throw io_error(file_name, "", "line " + std::to_string(line_number) + ": " + what);
        };
        if (line.empty() || line.front() == '#') continue;
        const auto comma = line.find(',');
        if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos)
            fail("expected two comma-separated columns time_ms,rate_hz, got \"" + std::string(line) + "\"");
        const std::string_view first = trim(line.substr(0, comma));
        const std::string_view second = trim(line.substr(comma + 1));
        double time_ms = 0.0;
        double rate_hz = 0.0;
        const bool time_ok = parse_double(first, time_ms);
        const bool rate_ok = parse_double(second, rate_hz);
        if (!seen_row && !time_ok && !rate_ok) {
            if (first != "time_ms" || second != "rate_hz")
                fail("the header must be \"time_ms,rate_hz\", got \"" + std::string(line) + "\"");
            seen_row = true;
            continue;
        }
        seen_row = true;
        if (!time_ok) fail("time_ms is not a number: \"" + std::string(first) + "\"");
        if (!rate_ok) fail("rate_hz is not a number: \"" + std::string(second) + "\"");
        if (!std::isfinite(time_ms)) fail("time_ms must be finite, got " + detail::format_number(time_ms));
        if (!std::isfinite(rate_hz)) fail("rate_hz must be finite, got " + detail::format_number(rate_hz));
        if (time_ms < 0.0) fail("time_ms must be >= 0, got " + detail::format_number(time_ms));
        if (rate_hz < 0.0) fail("rate_hz must be >= 0, got " + detail::format_number(rate_hz));
        if (!profile.time_ms.empty() && time_ms <= profile.time_ms.back())
            fail("times must be strictly increasing: " + detail::format_number(time_ms) + " ms follows " +
                 detail::format_number(profile.time_ms.back()) + " ms");
        profile.time_ms.push_back(time_ms);
        profile.rate_hz.push_back(rate_hz);
    }
    if (profile.time_ms.empty()) throw io_error(file_name, "", "no rows: expected lines time_ms,rate_hz");
    if (profile.time_ms.front() > 0.0) {
        profile.time_ms.insert(profile.time_ms.begin(), 0.0);
        profile.rate_hz.insert(profile.rate_hz.begin(), 0.0);
    }
    return profile;
}

rate_profile read_rate_file(const std::string& path) {
    return parse_rate_csv(detail::read_text_file(path), path);
}

}  // namespace evspike
