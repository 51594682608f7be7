// The .npy reader (io/npy.cpp) on arbitrary bytes: the header parser alone, the whole file, and
// the conversion to unit ids / sample indices that the Kilosort importer applies.
#include <cstddef>
#include <span>

#include "fuzz/fuzz_support.hpp"
#include "io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
    try {
        const evspike::npy_header header = evspike::parse_npy_header(bytes, "fuzz.npy");
        if (header.data_offset > size) __builtin_trap();  // the header fits in what was given
    } catch (const evspike::error&) {
    }
    try {
        const evspike::npy_array array = evspike::parse_npy(bytes, "fuzz.npy");
        if (array.data.size() != array.header.values * array.header.item_size) __builtin_trap();
        if (array.header.data_offset + array.data.size() != size) __builtin_trap();
        const std::vector<std::uint64_t> values = evspike::npy_to_uint64(array, "fuzz.npy");
        if (values.size() != array.size()) __builtin_trap();
    } catch (const evspike::error&) {
    }
    return 0;
}
