// The NWB Units table reader (io/nwb_units.cpp) and the content sniffing `convert` uses to pick a
// reader, on arbitrary HDF5 files.
#include <cmath>

#include "fuzz/fuzz_support.hpp"
#include "io/nwb_units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    evspike::fuzz::with_hdf5_input(data, size, [](const std::string& path) {
        try {
            (void)evspike::hdf5_content_of(path);
        } catch (const evspike::error&) {
        }
        const evspike::unit_spikes spikes = evspike::read_nwb_units(path);
        if (spikes.units.size() != spikes.times_ms.size()) __builtin_trap();
        for (double t : spikes.times_ms)
            if (!std::isfinite(t) || t < 0.0) __builtin_trap();
    });
    return 0;
}
