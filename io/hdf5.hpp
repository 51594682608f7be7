#pragma once
// Internal RAII wrapper over the HDF5 1.10 C API, for io/*.cpp only (io/ is the only folder that
// touches HDF5; this header keeps <hdf5.h> itself out of view too).
//
// Rules it enforces so callers need not think about them:
// - every identifier is owned by a `handle` and closed exactly once;
// - every HDF5 return value is checked; failures throw io_error(file, object path, what), with
//   HDF5's own innermost message appended, and HDF5's automatic error printing is silenced;
// - creation-time tracking is off on every file, group and dataset, so reruns are byte-identical;
// - datasets are chunked (default 2^16 values) with shuffle + deflate level 1 (see bench/README.md,
//   "SONATA spike files: write and read throughput"); appends on chunk boundaries and large reads
//   use a faster codec of our own that any HDF5 reader decodes.
// Debian's HDF5 is not thread-safe: use the wrapper from one thread at a time.
//
// Paths given to location methods may be relative ("spikes/exc/timestamps") or absolute.
// Element types: double, float, uint64, uint32, int64, uint8. Numeric reads convert from whatever
// numeric type is in the file (HDF5 conversion); check dataset::type() first when the file's type
// matters (e.g. refuse float node ids).
//
// Example:
//   auto f = h5::file::create(tmp_path);
//   {
//       auto g = f.create_group("detections");
//       g.write_dataset<double>("timestamps", times);  // whole 1-D dataset, compressed
//       auto d = g.create_extensible<std::uint64_t>("motif_ids");  // then d.append<std::uint64_t>(...)
//       g.write_attribute("units", "ms");
//   }           // groups and datasets closed first:
//   f.close();  // a checked close (throws if something is still open) before the rename
//
//   auto r = h5::file::open_read(path);                     // clear io_error if not HDF5 etc.
//   if (r.exists("detections/scores")) auto s = r.read_dataset<float>("detections/scores");
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace evspike::h5 {

using hid = std::int64_t;  // HDF5 1.10's hid_t (static_assert in hdf5.cpp)

template <class T>
concept value_type = std::same_as<T, double> || std::same_as<T, float> || std::same_as<T, std::uint64_t> ||
    std::same_as<T, std::uint32_t> || std::same_as<T, std::int64_t> || std::same_as<T, std::uint8_t>;

// Owns one HDF5 identifier of any kind and closes it with the matching H5*close.
class handle {
public:
    handle() noexcept = default;
    explicit handle(hid id) noexcept : id_(id) {}
    ~handle();
    handle(handle&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
    handle& operator=(handle&& other) noexcept;
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    hid get() const noexcept { return id_; }
    bool valid() const noexcept { return id_ >= 0; }
    // Closes now; returns false (and keeps the identifier) if HDF5 refused, e.g. a file whose
    // objects are still open. The destructor tries once and then lets go.
    bool close() noexcept;

private:
    hid id_ = -1;
};

// What a dataset or attribute holds in the file.
enum class type_class { integer, floating, string, enumeration, other };
struct type_info {
    type_class cls = type_class::other;
    std::size_t size = 0;          // bytes per element
    bool is_signed = false;        // integers only
    bool variable_length = false;  // strings only
};

// Storage of a compressed chunked dataset.
struct chunking {
    std::size_t chunk_values = std::size_t{1} << 16;  // values per chunk (rows * cols for 2-D)
    int deflate_level = 1;                            // 0 disables deflate
    bool shuffle = true;
};

// A row-major matrix read from a 2-D dataset.
template <class T>
struct matrix {
    std::vector<T> values;
    std::uint64_t rows = 0;
    std::uint64_t cols = 0;
    T operator()(std::uint64_t row, std::uint64_t col) const { return values[row * cols + col]; }
};

// An HDF5 object with attributes: a file (its root group), a group or a dataset. Remembers the file
// name and its own path so every error names both.
class object {
public:
    const std::string& file_path() const { return file_path_; }
    const std::string& path() const { return path_; }  // "/" for the root, "/spikes/exc", ...
    hid id() const { return handle_.get(); }

    bool has_attribute(const std::string& name) const;
    type_info attribute_type(const std::string& name) const;
    std::vector<std::uint64_t> attribute_dims(const std::string& name) const;  // {} if scalar

    // Writers replace an existing attribute of the same name.
    template <value_type T>
    void write_attribute(const std::string& name, T value);  // scalar
    template <value_type T>
    void write_attribute(const std::string& name, std::span<const T> values);  // 1-D array
    void write_attribute(const std::string& name, const std::string& text);    // variable-length UTF-8
    void write_attribute(const std::string& name, const char* text) {
        write_attribute(name, std::string(text));
    }
    // Scalar enum attribute of base uint8, e.g. SONATA's `sorting` {none=0, by_id=1, by_time=2}.
    void write_enum_attribute(const std::string& name,
                              const std::vector<std::pair<std::string, std::uint8_t>>& members,
                              std::uint8_t value);

    // Numeric scalar (or 1-element array) of any numeric file type; throws if it does not fit T.
    template <value_type T>
    T read_attribute(const std::string& name) const;
    template <value_type T>
    std::vector<T> read_attribute_array(const std::string& name) const;
    // Scalar string, fixed or variable length (trailing NULs and padding removed).
    std::string read_string_attribute(const std::string& name) const;
    // Name of the member for an enum attribute; the text itself for a string attribute.
    std::string read_enum_attribute(const std::string& name) const;
    // Any attribute rendered as text: strings as is, numbers in decimal (arrays as "[0, 1]"),
    // enums by member name.
    std::string attribute_as_text(const std::string& name) const;

    // Throws io_error(file_path(), path() [+ "/" + child], what).
    [[noreturn]] void fail(const std::string& what, const std::string& child = "") const;
    std::string child_path(const std::string& name) const;

protected:
    object() = default;
    object(handle h, std::string file_path, std::string path)
        : handle_(std::move(h)), file_path_(std::move(file_path)), path_(std::move(path)) {}
    handle handle_;
    std::string file_path_;
    std::string path_;
};

class dataset : public object {
public:
    dataset() = default;
    dataset(handle h, std::string file_path, std::string path)
        : object(std::move(h), std::move(file_path), std::move(path)) {}

    type_info type() const;
    std::vector<std::uint64_t> dims() const;
    std::uint64_t size() const;          // element count of a 1-D dataset; throws if the rank is not 1
    std::uint64_t chunk_values() const;  // values per chunk, 0 if not chunked

    // Reads out.size() values of a 1-D dataset starting at `offset`.
    template <value_type T>
    void read(std::uint64_t offset, std::span<T> out) const;
    // Whole dataset, any rank, row-major.
    template <value_type T>
    std::vector<T> read_all() const;

    // Extensible datasets (created by location::create_extensible*): grow and write at the end.
    template <value_type T>
    void append(std::span<const T> values);  // 1-D
    template <value_type T>
    void append_rows(std::span<const T> values);  // 2-D: values.size() is a multiple of the column count
};

class group;

// A file's root or a group: holds groups and datasets.
class location : public object {
public:
    // True if every component of `path` exists (no error for a missing intermediate group).
    bool exists(const std::string& path) const;
    bool is_group(const std::string& path) const;    // exists and is a group
    bool is_dataset(const std::string& path) const;  // exists and is a dataset

    group create_group(const std::string& name);  // intermediate groups created as needed
    group open_group(const std::string& name) const;
    group require_group(const std::string& name);    // open, or create if missing
    std::vector<std::string> list_groups() const;    // direct children, sorted by name
    std::vector<std::string> list_datasets() const;  // direct children, sorted by name

    dataset open_dataset(const std::string& name) const;
    // Empty 1-D dataset with unlimited size, filled by dataset::append.
    template <value_type T>
    dataset create_extensible(const std::string& name, const chunking& storage = {});
    // Empty [0 x cols] dataset with unlimited rows, filled by dataset::append_rows.
    template <value_type T>
    dataset create_extensible_2d(const std::string& name, std::uint64_t cols, const chunking& storage = {});
    // Whole datasets at once (chunked + compressed unless empty).
    template <value_type T>
    dataset write_dataset(const std::string& name, std::span<const T> values, const chunking& storage = {});
    template <value_type T>
    dataset write_dataset(const std::string& name, const std::vector<T>& values,
                          const chunking& storage = {}) {
        return write_dataset<T>(name, std::span<const T>(values), storage);
    }
    template <value_type T>
    dataset write_dataset_2d(const std::string& name, std::span<const T> values, std::uint64_t rows,
                             std::uint64_t cols, const chunking& storage = {});
    template <value_type T>
    std::vector<T> read_dataset(const std::string& name) const;  // 1-D (throws if rank != 1)
    template <value_type T>
    matrix<T> read_dataset_2d(const std::string& name) const;  // 2-D (throws if rank != 2)

protected:
    using object::object;
};

class group : public location {
public:
    group() = default;
    group(handle h, std::string file_path, std::string path)
        : location(std::move(h), std::move(file_path), std::move(path)) {}
};

// While alive, file::open_read(name) opens `image` (the bytes of an HDF5 file) from memory through
// HDF5's core driver instead of a file on disk: the fuzzing harnesses (fuzz/) feed their inputs to
// the readers this way, with no disk I/O per input. One at a time per process; the bytes must
// outlive this object.
class memory_file {
public:
    memory_file(std::string name, std::span<const unsigned char> image);
    ~memory_file();
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;
};

class file : public location {
public:
    file() = default;
    // Creates (truncating) a file for writing.
    static file create(const std::string& path);
    // Opens read-only; distinct io_errors for a missing file, a non-HDF5 file and a corrupt or
    // truncated one.
    static file open_read(const std::string& path);
    // Opens an existing file read-write (e.g. to add /motifs to a copy of a spike file); same
    // errors as open_read.
    static file open_write(const std::string& path);
    void flush();
    // Closes the file, throwing if HDF5 cannot (e.g. a failed final write). Open groups and
    // datasets of the file must be gone first.
    void close();

private:
    static file open_existing(const std::string& path, bool writable);
    file(handle h, std::string path) : location(std::move(h), std::move(path), "/") {}
};

}  // namespace evspike::h5
