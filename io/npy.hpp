#pragma once
// A small, strict reader of NumPy .npy files (format versions 1.0, 2.0 and 3.0), for the 1-D
// arrays spike sorters write (Kilosort/Phy's spike_times.npy, spike_clusters.npy, ...).
//
// Layout: magic "\x93NUMPY", major and minor version bytes, the header length (uint16 little-endian
// in 1.0, uint32 in 2.0 and 3.0), then a Python dict literal {'descr': '<u8', 'fortran_order':
// False, 'shape': (n,)} padded with spaces and a newline, then the data.
//
// Accepted: descr of kind u/i (1, 2, 4, 8 bytes), f (4, 8) or b1, either byte order ('<', '>', or
// '|' for one byte); shape (n,), (n, 1) or (1, n), where fortran_order does not change the layout.
// Refused, with an io_error naming the file and what is wrong: a bad magic or version, a header
// that is not exactly that dict (other keys, structured or object dtypes, a malformed literal),
// any other shape, and a data size that is not exactly shape x item size. The size is checked
// against the file (or buffer) size before anything is allocated, so a header that claims 2^60
// values costs nothing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace evspike {

struct npy_header {
    char kind = 0;               // 'u', 'i', 'f' or 'b'
    std::size_t item_size = 0;   // bytes per value
    bool big_endian = false;
    std::uint64_t values = 0;    // product of the shape
    std::string shape_text;      // as written, e.g. "(3, 1)", for messages
    std::size_t data_offset = 0; // bytes before the data
};

struct npy_array {
    npy_header header;
    std::vector<std::byte> data;  // values in native (little-endian) byte order
    std::uint64_t size() const { return header.values; }
};

// Parses the header from the first bytes of a file (at least data_offset bytes are needed; fewer
// is a "truncated" error). `name` is used in messages.
npy_header parse_npy_header(std::span<const std::byte> bytes, const std::string& name);

// A whole .npy file in memory.
npy_array parse_npy(std::span<const std::byte> bytes, const std::string& name);

// Reads a file: the header first, then the data once its size matches the file's.
npy_array read_npy(const std::string& path);

// The values as uint64: integer kinds (negative values refused, naming the index) and b1; float
// arrays are refused ("dtype '<f8': expected integers").
std::vector<std::uint64_t> npy_to_uint64(const npy_array& array, const std::string& name);

}  // namespace evspike
