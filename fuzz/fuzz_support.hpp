#pragma once
// Shared by the harnesses: expected refusals, in-memory HDF5 files and the size caps.
//
// A harness feeds one input to a reader and accepts any evspike::error (a refusal with a message is
// the right answer to a bad file). Anything else fails: a crash, a sanitizer report, another
// exception type (std::bad_alloc, std::out_of_range: internal errors reaching the user), a leak, or
// more than 1 s for one input (fuzz/run.sh passes -timeout=1).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/error.hpp"
#include "io/hdf5.hpp"

namespace evspike::fuzz {

// Name under which the input is served (io/hdf5.hpp's memory_file): no file of that name exists.
inline constexpr const char* image_name = "/fuzz-input/input.h5";

// Files are cheap to make huge (a dataspace of 2^40 values costs a few bytes): readers allocate
// what a file declares, as h5py and libsonata do, so the harnesses skip inputs that declare more
// than these. 2^22 values = 32 MiB of doubles.
inline constexpr std::uint64_t max_values = std::uint64_t{1} << 22;
inline constexpr std::uint64_t max_chunk_values = std::uint64_t{1} << 22;

// True if every dataset and attribute in the file is within the caps (false also for a file that
// cannot be walked: the reader then gets it anyway and must refuse it cleanly).
inline bool within_caps(const h5::location& loc, int depth = 0) {
    if (depth > 8) return false;
    for (const std::string& name : loc.list_datasets()) {
        h5::dataset d = loc.open_dataset(name);
        std::uint64_t n = 1;
        for (std::uint64_t dim : d.dims()) {
            if (dim > max_values) return false;
            n *= dim;
            if (n > max_values) return false;
        }
        if (d.chunk_values() > max_chunk_values) return false;
        if (d.type().size > 64) return false;
    }
    for (const std::string& name : loc.list_groups())
        if (!within_caps(loc.open_group(name), depth + 1)) return false;
    return true;
}

inline bool image_within_caps() {
    try {
        h5::file f = h5::file::open_read(image_name);
        return within_caps(f);
    } catch (const evspike::error&) {
        return true;  // let the reader meet it
    }
}

// Runs `body` on the input served as an HDF5 file; evspike::error is an accepted outcome.
template <class Body>
void with_hdf5_input(const std::uint8_t* data, std::size_t size, Body body) {
    h5::memory_file image(image_name, std::span<const unsigned char>(data, size));
    if (!image_within_caps()) return;
    try {
        body(std::string(image_name));
    } catch (const evspike::error&) {
    }
}

}  // namespace evspike::fuzz
