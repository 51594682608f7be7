#pragma once
// Internal to io/: the start every HDF5 writer shares. The file is created under the temporary name
// of an atomic_path (renamed over the target by its commit()), and carries provenance attributes.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"
#include "io/spike_file.hpp"  // provenance

namespace evspike {

// The `unit_ids` dataset of a group (a spike population, a model, detections): 1-D integers >= 0,
// distinct, `expected` values when not 0; io_error naming file and dataset otherwise
// (io/spike_file.cpp).
std::vector<std::uint64_t> read_unit_ids(const h5::group& g, std::size_t expected);

// Creates output.temp(); io_error naming the target on failure.
inline h5::file create_hdf5_output(const atomic_path& output) {
    try {
        return h5::file::create(output.temp());
    } catch (const io_error& e) {
        throw io_error(output.target(), "", std::string("cannot create the output file: ") + e.what());
    }
}

// Root attributes evspike_version, evspike_command, evspike_seed and evspike_config.
inline void write_provenance(h5::file& f, const provenance& info) {
    f.write_attribute("evspike_version", std::string(EVSPIKE_VERSION));
    f.write_attribute("evspike_command", info.command);
    f.write_attribute<std::uint64_t>("evspike_seed", info.seed);
    f.write_attribute("evspike_config", info.config);
}

}  // namespace evspike
