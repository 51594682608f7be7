// The rate file parser (io/rate_file.cpp: `time_ms,rate_hz` CSV) on arbitrary text.
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "io/rate_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        evspike::rate_profile p =
            evspike::parse_rate_csv(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
        if (p.time_ms.size() != p.rate_hz.size()) __builtin_trap();
    } catch (const evspike::error&) {
    }
    return 0;
}
