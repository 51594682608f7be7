// The voltage (compartment) report reader (io/voltage_report.cpp) on arbitrary HDF5 files.
#include "fuzz/fuzz_support.hpp"
#include "io/voltage_report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    evspike::fuzz::with_hdf5_input(data, size, [](const std::string& path) {
        for (const std::string& population : evspike::voltage_report_populations(path)) {
            evspike::voltage_report_data report = evspike::read_voltage_report(path, population);
            if (report.values.size() != report.samples * report.node_ids.size()) __builtin_trap();
        }
    });
    return 0;
}
