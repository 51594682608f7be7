// The delimited-text importer (io/text_spikes.cpp) on arbitrary text, then densify() on what it
// accepts. The first byte picks the options a user could give (time unit, sample rate, --columns,
// --time-offset), the rest is the file.
#include <cmath>
#include <optional>
#include <string>

#include "fuzz/fuzz_support.hpp"
#include "io/recording.hpp"
#include "io/text_spikes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t pick = data[0];
    evspike::text_options options;
    constexpr evspike::time_unit units[] = {evspike::time_unit::s, evspike::time_unit::ms, evspike::time_unit::us,
                                            evspike::time_unit::samples};
    if (pick & 4) options.unit = units[pick & 3];
    if (pick & 8) options.sample_rate_hz = 30000.0;
    constexpr const char* columns[] = {nullptr, "1,2", "2,1", "unit,time", "cluster,t", "3,1", "id,time_ms", "0,1"};
    if (const char* c = columns[(pick >> 4) & 7]) options.columns = c;
    if (pick & 0x80) options.time_offset_ms = 1500.0;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        evspike::unit_spikes spikes = evspike::parse_text_spikes(text, "fuzz.txt", options);
        if (spikes.units.size() != spikes.times_ms.size()) __builtin_trap();
        for (double t : spikes.times_ms)
            if (!std::isfinite(t) || t < 0.0) __builtin_trap();  // the importer promises finite times >= 0
        evspike::dense_population dense = evspike::densify(spikes);
        if (dense.spikes.size() != spikes.size()) __builtin_trap();
        for (std::size_t i = 0; i < dense.spikes.size(); ++i) {
            if (dense.spikes.node_ids[i] >= dense.unit_ids.size()) __builtin_trap();
            if (i > 0 && dense.spikes.timestamps[i] < dense.spikes.timestamps[i - 1]) __builtin_trap();
        }
    } catch (const evspike::error&) {
    }
    return 0;
}
