// The SONATA spike reader (io/spike_file.cpp) on arbitrary HDF5 files: every query kind, the
// streaming path and the root attributes.
#include "fuzz/fuzz_support.hpp"
#include "io/spike_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    evspike::fuzz::with_hdf5_input(data, size, [](const std::string& path) {
        evspike::spike_reader reader(path);
        for (const char* name : {"evspike_command", "evspike_seed", "evspike_config", "magic", "version"})
            (void)reader.root_attribute(name);
        for (const std::string& population : reader.populations()) {
            (void)reader.size(population);
            (void)reader.sorting(population);
            std::uint64_t streamed = 0;
            reader.for_each_chunk(population, 1000, [&](const evspike::spike_table& t) { streamed += t.size(); });
            evspike::spike_table all = reader.read(population);
            evspike::spike_query window;
            window.t_start = 1.0;
            window.t_stop = 50.0;
            (void)reader.read(population, window);
            window.node_ids = std::vector<std::uint64_t>{0, 3, 3, 7};
            (void)reader.read(population, window);
            if (streamed != all.size()) __builtin_trap();  // the two read paths must agree
        }
    });
    return 0;
}
