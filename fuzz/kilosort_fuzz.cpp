// The text parts of a Kilosort / Phy folder (io/kilosort.cpp): params.py's sample_rate and the
// cluster_group.tsv / cluster_info.tsv labels, both on the same arbitrary text. (The .npy files
// have their own harness, npy_fuzz.)
#include <algorithm>
#include <cmath>
#include <string_view>

#include "fuzz/fuzz_support.hpp"
#include "io/kilosort.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const std::optional<double> rate = evspike::parse_params_sample_rate(text, "params.py");
        if (rate && !(std::isfinite(*rate) && *rate > 0.0)) __builtin_trap();  // a usable rate or a refusal
    } catch (const evspike::error&) {
    }
    try {
        const std::vector<std::uint64_t> good = evspike::parse_good_clusters(text, "cluster_group.tsv");
        if (!std::is_sorted(good.begin(), good.end())) __builtin_trap();
    } catch (const evspike::error&) {
    }
    return 0;
}
