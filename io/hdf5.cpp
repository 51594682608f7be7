#include "io/hdf5.hpp"

#include <hdf5.h>
#include <libdeflate.h>
#include <zlib.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <limits>
#include <new>
#include <type_traits>

#include "core/error.hpp"
#include "core/memory.hpp"

namespace evspike::h5 {

static_assert(std::is_same_v<hid_t, hid>, "io/hdf5.hpp assumes HDF5 1.10's 64-bit hid_t");

namespace {

// HDF5 prints its error stack to stderr by default; we turn failures into io_errors instead.
void silence_hdf5() {
    static const bool silenced = [] {
        H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        return true;
    }();
    (void)silenced;
}
[[maybe_unused]] const bool silenced_at_load = (silence_hdf5(), true);

// The most specific message on HDF5's error stack (then cleared), e.g. "truncated file: eof = ...".
std::string hdf5_message() {
    std::string message;
    H5Ewalk2(
        H5E_DEFAULT, H5E_WALK_DOWNWARD,
        [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
            if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
            return 0;
        },
        &message);
    H5Eclear2(H5E_DEFAULT);
    return message;
}

[[noreturn]] void throw_io(const std::string& file, const std::string& path, const std::string& what) {
    std::string detail = hdf5_message();
    throw io_error(file, path, detail.empty() ? what : what + " (HDF5: " + detail + ")");
}

template <value_type T>
hid_t memory_type() {
    if constexpr (std::is_same_v<T, double>)
        return H5T_NATIVE_DOUBLE;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_NATIVE_FLOAT;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return H5T_NATIVE_UINT64;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return H5T_NATIVE_UINT32;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return H5T_NATIVE_INT64;
    else
        return H5T_NATIVE_UINT8;
}

// Files are written little-endian whatever the machine, so they are identical everywhere.
template <value_type T>
hid_t file_type() {
    if constexpr (std::is_same_v<T, double>)
        return H5T_IEEE_F64LE;
    else if constexpr (std::is_same_v<T, float>)
        return H5T_IEEE_F32LE;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return H5T_STD_U64LE;
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return H5T_STD_U32LE;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return H5T_STD_I64LE;
    else
        return H5T_STD_U8LE;
}

template <value_type T>
const char* type_name() {
    if constexpr (std::is_same_v<T, double>)
        return "float64";
    else if constexpr (std::is_same_v<T, float>)
        return "float32";
    else if constexpr (std::is_same_v<T, std::uint64_t>)
        return "uint64";
    else if constexpr (std::is_same_v<T, std::uint32_t>)
        return "uint32";
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return "int64";
    else
        return "uint8";
}

type_info describe(hid_t type) {
    type_info info;
    switch (H5Tget_class(type)) {
        case H5T_INTEGER:
            info.cls = type_class::integer;
            break;
        case H5T_FLOAT:
            info.cls = type_class::floating;
            break;
        case H5T_STRING:
            info.cls = type_class::string;
            break;
        case H5T_ENUM:
            info.cls = type_class::enumeration;
            break;
        default:
            info.cls = type_class::other;
            break;
    }
    info.size = H5Tget_size(type);
    if (info.cls == type_class::integer) info.is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (info.cls == type_class::string) info.variable_length = H5Tis_variable_str(type) > 0;
    return info;
}

// Converts a value read as int64/uint64/double to T, refusing what does not fit.
template <value_type T, class From>
bool fits(From v) {
    if constexpr (std::is_floating_point_v<T>) {
        return true;  // a double too large for float becomes inf, as in any narrowing
    } else if constexpr (std::is_floating_point_v<From>) {
        return v == v && v >= static_cast<From>(std::numeric_limits<T>::min()) &&
               v <= static_cast<From>(std::numeric_limits<T>::max()) &&
               v == static_cast<From>(static_cast<T>(v));
    } else {
        return std::in_range<T>(v);
    }
}

handle make_plist(hid_t cls, const std::string& file, const std::string& path) {
    handle plist(H5Pcreate(cls));
    if (!plist.valid()) throw_io(file, path, "cannot create a property list");
    return plist;
}

handle group_creation_plist(const std::string& file, const std::string& path) {
    handle gcpl = make_plist(H5P_GROUP_CREATE, file, path);
    if (H5Pset_obj_track_times(gcpl.get(), 0) < 0) throw_io(file, path, "cannot disable time tracking");
    return gcpl;
}

handle dataset_access_plist(const std::string& file, const std::string& path) {
    handle dapl = make_plist(H5P_DATASET_ACCESS, file, path);
    // Large enough for a few chunks of 2^17 values; the default 1 MiB would evict them.
    if (H5Pset_chunk_cache(dapl.get(), 521, std::size_t{8} << 20, 1.0) < 0)
        throw_io(file, path, "cannot set the chunk cache");
    return dapl;
}

template <class Fn>
std::string format_number(Fn value) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

}  // namespace

// ---------------------------------------------------------------------------------------- handle

handle::~handle() {
    if (!close()) id_ = -1;  // nothing more can be done in a destructor
}

handle& handle::operator=(handle&& other) noexcept {
    if (this != &other) {
        close();
        id_ = std::exchange(other.id_, -1);
    }
    return *this;
}

bool handle::close() noexcept {
    if (id_ < 0) return true;
    herr_t status = -1;
    switch (H5Iget_type(id_)) {
        case H5I_FILE:
            status = H5Fclose(id_);
            break;
        case H5I_GROUP:
            status = H5Gclose(id_);
            break;
        case H5I_DATASET:
            status = H5Dclose(id_);
            break;
        case H5I_DATASPACE:
            status = H5Sclose(id_);
            break;
        case H5I_DATATYPE:
            status = H5Tclose(id_);
            break;
        case H5I_ATTR:
            status = H5Aclose(id_);
            break;
        case H5I_GENPROP_LST:
            status = H5Pclose(id_);
            break;
        default:
            status = H5Idec_ref(id_) < 0 ? -1 : 0;
            break;
    }
    if (status < 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;  // still owned: e.g. a file with open objects can be closed after them
    }
    id_ = -1;
    return true;
}

// ---------------------------------------------------------------------------------------- object

void object::fail(const std::string& what, const std::string& child) const {
    throw_io(file_path_, child.empty() ? path_ : child_path(child), what);
}

std::string object::child_path(const std::string& name) const {
    if (!name.empty() && name.front() == '/') return name;
    return path_ == "/" ? "/" + name : path_ + "/" + name;
}

namespace {

handle open_attribute(const object& obj, const std::string& name) {
    if (obj.has_attribute(name) == false) obj.fail("no attribute '" + name + "'");
    handle attr(H5Aopen(obj.id(), name.c_str(), H5P_DEFAULT));
    if (!attr.valid()) obj.fail("cannot open attribute '" + name + "'");
    return attr;
}

handle attribute_type_handle(const object& obj, const handle& attr, const std::string& name) {
    handle type(H5Aget_type(attr.get()));
    if (!type.valid()) obj.fail("cannot read the type of attribute '" + name + "'");
    return type;
}

std::uint64_t attribute_elements(const object& obj, const handle& attr, const std::string& name) {
    handle space(H5Aget_space(attr.get()));
    if (!space.valid()) obj.fail("cannot read the shape of attribute '" + name + "'");
    hssize_t n = H5Sget_simple_extent_npoints(space.get());
    if (n < 0) obj.fail("cannot read the shape of attribute '" + name + "'");
    return static_cast<std::uint64_t>(n);
}

// Creates `name` (replacing any existing attribute) with the given file type and shape.
handle create_attribute(object& obj, const std::string& name, hid_t type, const std::vector<hsize_t>& dims) {
    if (obj.has_attribute(name) && H5Adelete(obj.id(), name.c_str()) < 0)
        obj.fail("cannot replace attribute '" + name + "'");
    handle space(dims.empty() ? H5Screate(H5S_SCALAR)
                              : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    if (!space.valid()) obj.fail("cannot create the dataspace of attribute '" + name + "'");
    handle attr(H5Acreate2(obj.id(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr.valid()) obj.fail("cannot create attribute '" + name + "'");
    return attr;
}

// Reads a numeric attribute as its widest type of the same kind, then narrows to T with a check.
template <value_type T, class Wide>
std::vector<T> read_numeric_attribute_as(const object& obj, const handle& attr, const std::string& name,
                                         std::uint64_t n) {
    std::vector<Wide> wide(n);
    if (n > 0 && H5Aread(attr.get(), memory_type<Wide>(), wide.data()) < 0)
        obj.fail("cannot read attribute '" + name + "'");
    std::vector<T> out;
    out.reserve(n);
    for (Wide v : wide) {
        if (!fits<T>(v)) obj.fail("attribute '" + name + "' value does not fit " + type_name<T>());
        out.push_back(static_cast<T>(v));
    }
    return out;
}

template <value_type T>
std::vector<T> read_numeric_attribute(const object& obj, const std::string& name) {
    handle attr = open_attribute(obj, name);
    handle type = attribute_type_handle(obj, attr, name);
    type_info info = describe(type.get());
    std::uint64_t n = attribute_elements(obj, attr, name);
    if (info.cls == type_class::integer)
        return info.is_signed ? read_numeric_attribute_as<T, std::int64_t>(obj, attr, name, n)
                              : read_numeric_attribute_as<T, std::uint64_t>(obj, attr, name, n);
    if (info.cls == type_class::floating) return read_numeric_attribute_as<T, double>(obj, attr, name, n);
    obj.fail("attribute '" + name + "' is not numeric");
}

}  // namespace

bool object::has_attribute(const std::string& name) const {
    htri_t found = H5Aexists(id(), name.c_str());
    if (found < 0) fail("cannot look up attribute '" + name + "'");
    return found > 0;
}

type_info object::attribute_type(const std::string& name) const {
    handle attr = open_attribute(*this, name);
    handle type = attribute_type_handle(*this, attr, name);
    return describe(type.get());
}

std::vector<std::uint64_t> object::attribute_dims(const std::string& name) const {
    handle attr = open_attribute(*this, name);
    handle space(H5Aget_space(attr.get()));
    int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
    if (rank < 0) fail("cannot read the shape of attribute '" + name + "'");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        fail("cannot read the shape of attribute '" + name + "'");
    return {dims.begin(), dims.end()};
}

template <value_type T>
void object::write_attribute(const std::string& name, T value) {
    handle attr = create_attribute(*this, name, file_type<T>(), {});
    if (H5Awrite(attr.get(), memory_type<T>(), &value) < 0) fail("cannot write attribute '" + name + "'");
}

template <value_type T>
void object::write_attribute(const std::string& name, std::span<const T> values) {
    handle attr = create_attribute(*this, name, file_type<T>(), {static_cast<hsize_t>(values.size())});
    if (!values.empty() && H5Awrite(attr.get(), memory_type<T>(), values.data()) < 0)
        fail("cannot write attribute '" + name + "'");
}

void object::write_attribute(const std::string& name, const std::string& text) {
    handle type(H5Tcopy(H5T_C_S1));
    if (!type.valid() || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        fail("cannot create a string type for attribute '" + name + "'");
    handle attr = create_attribute(*this, name, type.get(), {});
    const char* data = text.c_str();
    if (H5Awrite(attr.get(), type.get(), &data) < 0) fail("cannot write attribute '" + name + "'");
}

void object::write_enum_attribute(const std::string& name,
                                  const std::vector<std::pair<std::string, std::uint8_t>>& members,
                                  std::uint8_t value) {
    handle type(H5Tenum_create(H5T_NATIVE_UINT8));
    if (!type.valid()) fail("cannot create the enum type of attribute '" + name + "'");
    for (const auto& [member, code] : members)
        if (H5Tenum_insert(type.get(), member.c_str(), &code) < 0)
            fail("cannot add member '" + member + "' to the enum of attribute '" + name + "'");
    handle attr = create_attribute(*this, name, type.get(), {});
    if (H5Awrite(attr.get(), type.get(), &value) < 0) fail("cannot write attribute '" + name + "'");
}

template <value_type T>
T object::read_attribute(const std::string& name) const {
    std::vector<T> values = read_numeric_attribute<T>(*this, name);
    if (values.size() != 1) fail("attribute '" + name + "' is not a single number");
    return values.front();
}

template <value_type T>
std::vector<T> object::read_attribute_array(const std::string& name) const {
    return read_numeric_attribute<T>(*this, name);
}

std::string object::read_string_attribute(const std::string& name) const {
    handle attr = open_attribute(*this, name);
    handle type = attribute_type_handle(*this, attr, name);
    type_info info = describe(type.get());
    if (info.cls != type_class::string) fail("attribute '" + name + "' is not a string");
    if (attribute_elements(*this, attr, name) != 1) fail("attribute '" + name + "' is not a single string");
    handle memtype(H5Tcopy(H5T_C_S1));
    if (!memtype.valid() || H5Tset_cset(memtype.get(), H5Tget_cset(type.get())) < 0)
        fail("cannot create a string type for attribute '" + name + "'");
    if (info.variable_length) {
        if (H5Tset_size(memtype.get(), H5T_VARIABLE) < 0) fail("cannot read attribute '" + name + "'");
        char* data = nullptr;
        if (H5Aread(attr.get(), memtype.get(), &data) < 0) fail("cannot read attribute '" + name + "'");
        std::string text = data != nullptr ? data : "";
        handle space(H5Screate(H5S_SCALAR));
        if (!space.valid() || H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, &data) < 0)
            fail("cannot release attribute '" + name + "'");
        return text;
    }
    // NULLPAD in memory: a NULLTERM buffer of the file's size would give up its last byte to the
    // terminator, so a NULLPAD string filling its size ("by_time" in 7 bytes) would lose a character.
    if (H5Tset_size(memtype.get(), info.size) < 0 || H5Tset_strpad(memtype.get(), H5T_STR_NULLPAD) < 0)
        fail("cannot read attribute '" + name + "'");
    std::string text(info.size, '\0');
    if (H5Aread(attr.get(), memtype.get(), text.data()) < 0) fail("cannot read attribute '" + name + "'");
    text.resize(std::min(text.size(), text.find('\0')));
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

std::string object::read_enum_attribute(const std::string& name) const {
    handle attr = open_attribute(*this, name);
    handle type = attribute_type_handle(*this, attr, name);
    type_info info = describe(type.get());
    if (info.cls == type_class::string) return read_string_attribute(name);
    if (info.cls != type_class::enumeration) fail("attribute '" + name + "' is neither an enum nor a string");
    if (attribute_elements(*this, attr, name) != 1) fail("attribute '" + name + "' is not a single value");
    handle native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    if (!native.valid()) fail("cannot read the type of attribute '" + name + "'");
    std::vector<unsigned char> value(H5Tget_size(native.get()));
    if (H5Aread(attr.get(), native.get(), value.data()) < 0) fail("cannot read attribute '" + name + "'");
    char member[256] = {};
    if (H5Tenum_nameof(native.get(), value.data(), member, sizeof member) < 0)
        fail("attribute '" + name + "' holds a value that is not a member of its enum");
    return member;
}

std::string object::attribute_as_text(const std::string& name) const {
    type_info info = attribute_type(name);
    if (info.cls == type_class::string || info.cls == type_class::enumeration)
        return read_enum_attribute(name);
    if (info.cls != type_class::integer && info.cls != type_class::floating)
        fail("attribute '" + name + "' has a type that cannot be shown as text");
    std::vector<std::string> parts;
    if (info.cls == type_class::floating) {
        for (double v : read_attribute_array<double>(name)) parts.push_back(format_number(v));
    } else if (info.is_signed) {
        for (std::int64_t v : read_attribute_array<std::int64_t>(name)) parts.push_back(format_number(v));
    } else {
        for (std::uint64_t v : read_attribute_array<std::uint64_t>(name)) parts.push_back(format_number(v));
    }
    if (attribute_dims(name).empty() && parts.size() == 1) return parts.front();
    std::string text = "[";
    for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
    return text + "]";
}

// ------------------------------------------------------------------- fast shuffle + deflate codec
//
// HDF5's own deflate filter runs zlib level 1 over every byte plane alike; on spike times half the
// planes are random mantissa bytes that deflate cannot shrink but still spends most of its time
// on. For datasets whose filters are exactly shuffle + deflate (1-D, or 2-D with chunks of whole
// rows) we compress whole chunks ourselves and hand them to H5Dwrite_chunk: the same shuffle, then ONE zlib
// stream in which each byte plane gets the zlib setting that suits it (stored when random, else Huffman or
// level 1). Any inflate reads it, so every HDF5 reader (h5py, libsonata) sees an ordinary shuffle + deflate
// dataset. Reading goes the other way with H5Dread_chunk, saving HDF5's extra buffer copies, and
// libdeflate's zlib decoder (2-3x faster than zlib's inflate on these chunks; it checks the
// header and the Adler-32 itself). Writing stays with zlib: libdeflate has no streaming API, so
// it cannot give each byte plane its own setting, and level 1 over a whole chunk was ~3x slower.
// Speeds: bench/README.md, "SONATA spike files: write and read throughput".

namespace {

struct codec_scratch {
    std::vector<unsigned char> plain;   // shuffled (write) or inflated (read) chunk
    std::vector<unsigned char> packed;  // compressed chunk
    z_stream stream{};                  // raw deflate: the zlib header and Adler-32 trailer are ours
    bool deflate_ready = false;
    libdeflate_decompressor* decompressor = nullptr;
    codec_scratch() = default;
    codec_scratch(const codec_scratch&) = delete;
    codec_scratch& operator=(const codec_scratch&) = delete;
    ~codec_scratch() {
        if (deflate_ready) deflateEnd(&stream);
        libdeflate_free_decompressor(decompressor);
    }
};

codec_scratch& scratch() {
    thread_local codec_scratch s;
    return s;
}

// Chunk shape if `d` is a 1-D or 2-D chunked dataset filtered by exactly shuffle then deflate,
// else {} (then the ordinary H5Dread/H5Dwrite path is used).
std::vector<hsize_t> shuffle_deflate_chunk(const dataset& d) {
    handle dcpl(H5Dget_create_plist(d.id()));
    if (!dcpl.valid()) d.fail("cannot read the storage layout");
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return {};
    hsize_t chunk[H5S_MAX_RANK];
    const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk);
    if (rank != 1 && rank != 2) return {};
    if (H5Pget_nfilters(dcpl.get()) != 2) return {};
    const H5Z_filter_t expected[2] = {H5Z_FILTER_SHUFFLE, H5Z_FILTER_DEFLATE};
    for (unsigned i = 0; i < 2; ++i) {
        unsigned flags = 0, config = 0;
        std::size_t n_values = 8;
        unsigned values[8];
        char name[64];
        if (H5Pget_filter2(dcpl.get(), i, &flags, &n_values, values, sizeof name, name, &config) !=
            expected[i])
            return {};
    }
    return std::vector<hsize_t>(chunk, chunk + rank);
}

// True if the file's element type is exactly T in memory (same class, size, order and sign).
template <value_type T>
bool stored_as(const dataset& d) {
    handle type(H5Dget_type(d.id()));
    return type.valid() && H5Tequal(type.get(), memory_type<T>()) > 0;
}

bool file_is_read_only(const dataset& d) {
    handle f(H5Iget_file_id(d.id()));
    unsigned intent = 0;
    return f.valid() && H5Fget_intent(f.get(), &intent) >= 0 && intent == H5F_ACC_RDONLY;
}

// Zlib setting for one shuffled byte plane (measured per plane kind, see bench/README.md):
// random bytes are stored, since deflate only wastes time on them; bytes with few repeats
// (e.g. the second byte of node ids) are Huffman-coded only, since match search finds nothing;
// the rest (constant or slowly changing bytes) get deflate level 1, whose long-distance matches
// also inflate fastest. Judged on every 16th byte (4096 of a 2^16 plane): enough to tell.
struct plane_setting {
    int level;
    int strategy;
};

plane_setting choose_setting(const unsigned char* plane, std::size_t n) {
    // Four partial histograms, summed: on a constant plane one counter took every increment, a
    // chain of store-to-load dependencies (~2 % of `generate poisson`).
    std::uint32_t partial[4][256] = {};
    std::size_t samples = 0, repeats = 0;
    std::size_t i = 16;
    for (; i + 48 < n; i += 64, samples += 4) {
        ++partial[0][plane[i]];
        ++partial[1][plane[i + 16]];
        ++partial[2][plane[i + 32]];
        ++partial[3][plane[i + 48]];
        repeats += (plane[i] == plane[i - 1]) + (plane[i + 16] == plane[i + 15]) +
                   (plane[i + 32] == plane[i + 31]) + (plane[i + 48] == plane[i + 47]);
    }
    for (; i < n; i += 16, ++samples) {
        ++partial[0][plane[i]];
        repeats += plane[i] == plane[i - 1];
    }
    std::uint32_t histogram[256];
    for (std::size_t b = 0; b < 256; ++b)
        histogram[b] = partial[0][b] + partial[1][b] + partial[2][b] + partial[3][b];
    if (samples == 0) return {1, Z_DEFAULT_STRATEGY};
    double entropy = 0.0;
    for (std::uint32_t c : histogram) {
        if (c == 0) continue;
        const double p = static_cast<double>(c) / static_cast<double>(samples);
        entropy -= p * std::log2(p);
    }
    // Near-uniform bytes (> 7.5 bits): Huffman coding saves at most 1/16 and measured ~0 (e.g. a
    // time byte with 25 % repeats), so without long runs to match they are stored.
    if (entropy > 7.5 && repeats * 2 < samples) return {0, Z_DEFAULT_STRATEGY};
    if (repeats * 2 < samples) return {1, Z_HUFFMAN_ONLY};
    return {1, Z_DEFAULT_STRATEGY};
}

// HDF5's shuffle: byte k of value i goes to planes[k * plane_size + i]. For 8-byte values, 16 at
// a time by an SSE2 byte transpose: one round of unpacks of registers k and k + 4 moves the byte
// at bit-position p (register * 16 + lane, 7 bits) to rotl(p, 1), so four rounds take byte
// 8 i + k to 16 k + i. The plain loop's strided byte copies were ~17 instructions per value.
template <std::size_t width>
void shuffle(const unsigned char* values, std::size_t n, std::size_t plane_size, unsigned char* planes) {
    std::size_t i = 0;
#if defined(__SSE2__)
    if constexpr (width == 8) {
        for (; i + 16 <= n; i += 16) {
            __m128i r[8], t[8];
            for (std::size_t k = 0; k < 8; ++k)
                r[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + i * 8 + k * 16));
            for (int round = 0; round < 4; ++round) {
                for (std::size_t k = 0; k < 4; ++k) {
                    t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + 4]);
                    t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + 4]);
                }
                for (std::size_t k = 0; k < 8; ++k) r[k] = t[k];
            }
            for (std::size_t k = 0; k < 8; ++k)
                _mm_storeu_si128(reinterpret_cast<__m128i*>(planes + k * plane_size + i), r[k]);
        }
    }
#endif
    for (; i < n; ++i)
        for (std::size_t k = 0; k < width; ++k) planes[k * plane_size + i] = values[i * width + k];
}

// Shuffles `count` values of `width` bytes (zero-padded to `chunk` values) and deflates them into
// s.packed as one zlib stream. Returns the compressed size.
template <std::size_t width>
std::size_t encode_chunk(const dataset& d, const unsigned char* values, std::size_t count, std::size_t chunk,
                         codec_scratch& s) {
    const std::size_t bytes = chunk * width;
    if (s.plain.size() < bytes) s.plain.resize(bytes);
    unsigned char* plain = s.plain.data();
    shuffle<width>(values, count, chunk, plain);
    for (std::size_t k = 0; k < width; ++k) std::fill(plain + k * chunk + count, plain + (k + 1) * chunk, 0);
    s.packed.resize(compressBound(static_cast<uLong>(bytes)) + 64 * width);
    z_stream& z = s.stream;
    if (!s.deflate_ready) {
        if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) d.fail("cannot start zlib");
        s.deflate_ready = true;
    } else if (deflateReset(&z) != Z_OK) {
        d.fail("cannot reset zlib");
    }
    // A zlib stream (RFC 1950): header 0x78 0x01 (32 KiB window, fastest), raw deflate, Adler-32.
    s.packed[0] = 0x78;
    s.packed[1] = 0x01;
    z.next_out = s.packed.data() + 2;
    z.avail_out = static_cast<uInt>(s.packed.size() - 6);
    for (std::size_t k = 0; k < width; ++k) {
        unsigned char* plane = s.plain.data() + k * chunk;
        const plane_setting setting = choose_setting(plane, chunk);
        if (deflateParams(&z, setting.level, setting.strategy) != Z_OK) d.fail("cannot set zlib parameters");
        z.next_in = plane;
        z.avail_in = static_cast<uInt>(chunk);
        const int status = deflate(&z, k + 1 == width ? Z_FINISH : Z_NO_FLUSH);
        if (status != (k + 1 == width ? Z_STREAM_END : Z_OK) || z.avail_in != 0)
            d.fail("zlib failed to compress");
    }
    const std::size_t end = 2 + static_cast<std::size_t>(z.total_out);
    // zlib's own adler32 was ~12 % of writing a spike file; libdeflate's is vectorised.
    const auto adler = static_cast<std::uint32_t>(libdeflate_adler32(1, s.plain.data(), bytes));
    for (int i = 0; i < 4; ++i)
        s.packed[end + static_cast<std::size_t>(i)] = static_cast<unsigned char>(adler >> (24 - 8 * i));
    return end + 4;
}

// Appends whole chunks of `chunk` values (the last one may be partial, then zero-padded) starting
// at value `start`, a multiple of `chunk`. For a 2-D dataset whose chunks span all `cols` columns,
// a chunk is chunk / cols whole rows.
template <value_type T>
void append_chunks(const dataset& d, std::uint64_t start, std::span<const T> values, std::uint64_t chunk,
                   std::uint64_t cols, int rank) {
    codec_scratch& s = scratch();
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    for (std::size_t done = 0; done < values.size(); done += chunk) {
        const std::size_t count = std::min<std::size_t>(chunk, values.size() - done);
        const std::size_t packed = encode_chunk<sizeof(T)>(d, bytes + done * sizeof(T), count, chunk, s);
        hsize_t offset[2] = {(start + done) / cols, 0};
        if (rank == 1) offset[0] = start + done;
        if (H5Dwrite_chunk(d.id(), H5P_DEFAULT, 0, offset, packed, s.packed.data()) < 0)
            d.fail("cannot write a chunk");
    }
}

// Decodes the zlib stream s.packed[0, stored) into exactly s.plain[0, bytes), checking header,
// length and Adler-32; false if any is wrong.
bool inflate_chunk(codec_scratch& s, std::size_t stored, std::size_t bytes) {
    if (s.decompressor == nullptr) {
        s.decompressor = libdeflate_alloc_decompressor();
        if (s.decompressor == nullptr) throw std::bad_alloc();
    }
    return libdeflate_zlib_decompress(s.decompressor, s.packed.data(), stored, s.plain.data(), bytes, nullptr) ==
           LIBDEFLATE_SUCCESS;
}

#if defined(__x86_64__) && defined(__GNUC__)
// The inverse of shuffle() for 8-byte values, 32 at a time with AVX2 (when the CPU has it): three
// rounds of the same in-lane unpacks take byte 16 k + i of each 128-bit lane to 8 i + k, then the
// lanes are regrouped. ~1.5 instructions per value against ~3.7 for g++'s vectorisation of the
// plain loop (SSE2; a hand-written SSE2 transpose executed as many as g++'s).
__attribute__((target("avx2"))) std::size_t unshuffle8_avx2(const unsigned char* planes,
                                                             std::size_t plane_size, std::size_t n,
                                                             unsigned char* out) {
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i r[8], t[8];
        for (std::size_t k = 0; k < 8; ++k)
            r[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(planes + k * plane_size + i));
        for (int round = 0; round < 3; ++round) {
            for (std::size_t k = 0; k < 4; ++k) {
                t[2 * k] = _mm256_unpacklo_epi8(r[k], r[k + 4]);
                t[2 * k + 1] = _mm256_unpackhi_epi8(r[k], r[k + 4]);
            }
            for (std::size_t k = 0; k < 8; ++k) r[k] = t[k];
        }
        // r[k] holds values 2k, 2k + 1 in its low lane and 16 + 2k, 17 + 2k in its high lane.
        for (std::size_t k = 0; k < 8; k += 2) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (i + 2 * k) * 8),
                                _mm256_permute2x128_si256(r[k], r[k + 1], 0x20));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + (i + 16 + 2 * k) * 8),
                                _mm256_permute2x128_si256(r[k], r[k + 1], 0x31));
        }
    }
    return i;
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}
#endif

// Undoes HDF5's shuffle: value i's byte k is planes[k * plane_size + i].
template <std::size_t width>
void unshuffle(const unsigned char* planes, std::size_t plane_size, std::size_t n, unsigned char* out) {
    std::size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (width == 8)
        if (cpu_has_avx2()) i = unshuffle8_avx2(planes, plane_size, n, out);
#endif
    for (; i < n; ++i)
        for (std::size_t k = 0; k < width; ++k) out[i * width + k] = planes[k * plane_size + i];
}

// Reads values [begin, begin + n) of chunk `index` into out; false if HDF5 must do it (chunk not
// stored or some filter skipped).
template <value_type T>
bool read_chunk_part(const dataset& d, std::uint64_t index, std::uint64_t chunk, std::uint64_t begin,
                     std::size_t n, T* out) {
    codec_scratch& s = scratch();
    hsize_t offset = index * chunk;
    hsize_t stored = 0;
    if (H5Dget_chunk_storage_size(d.id(), &offset, &stored) < 0 || stored == 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
    }
    // Grown, never shrunk: time and id chunks alternate, and each regrowth would zero-fill.
    if (s.packed.size() < stored) s.packed.resize(stored);
    std::uint32_t filter_mask = 0;
    if (H5Dread_chunk(d.id(), H5P_DEFAULT, &offset, &filter_mask, s.packed.data()) < 0)
        d.fail("cannot read chunk " + std::to_string(index) + " (corrupt or truncated data?)");
    if (filter_mask != 0) return false;
    const std::size_t bytes = chunk * sizeof(T);
    if (s.plain.size() < bytes) s.plain.resize(bytes);
    if (!inflate_chunk(s, stored, bytes))
        d.fail("cannot inflate chunk " + std::to_string(index) + " (corrupt data)");
    unshuffle<sizeof(T)>(s.plain.data() + begin, chunk, n, reinterpret_cast<unsigned char*>(out));
    return true;
}

}  // namespace

// --------------------------------------------------------------------------------------- dataset

namespace {

handle dataset_space(const dataset& d) {
    handle space(H5Dget_space(d.id()));
    if (!space.valid()) d.fail("cannot read the shape");
    return space;
}

std::vector<hsize_t> space_dims(const dataset& d, const handle& space) {
    int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0) d.fail("cannot read the shape");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
        d.fail("cannot read the shape");
    return dims;
}

// Writes `values` into the hyperslab [start, start + count) of the (already extended) dataset.
template <value_type T>
void write_slab(const dataset& d, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                const T* values) {
    handle fspace = dataset_space(d);
    if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr) < 0)
        d.fail("cannot select where to write");
    handle mspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr));
    if (!mspace.valid()) d.fail("cannot create a memory dataspace");
    if (H5Dwrite(d.id(), memory_type<T>(), mspace.get(), fspace.get(), H5P_DEFAULT, values) < 0)
        d.fail("cannot write");
}

template <value_type T>
void read_slab(const dataset& d, std::uint64_t offset, std::span<T> out) {
    handle fspace = dataset_space(d);
    hsize_t start = offset;
    hsize_t count = out.size();
    if (H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0)
        d.fail("cannot select what to read");
    handle mspace(H5Screate_simple(1, &count, nullptr));
    if (!mspace.valid()) d.fail("cannot create a memory dataspace");
    if (H5Dread(d.id(), memory_type<T>(), mspace.get(), fspace.get(), H5P_DEFAULT, out.data()) < 0)
        d.fail("cannot read (corrupt or truncated data?)");
}

}  // namespace

type_info dataset::type() const {
    handle type(H5Dget_type(id()));
    if (!type.valid()) fail("cannot read the type");
    return describe(type.get());
}

std::vector<std::uint64_t> dataset::dims() const {
    handle space = dataset_space(*this);
    std::vector<hsize_t> dims = space_dims(*this, space);
    return {dims.begin(), dims.end()};
}

std::uint64_t dataset::size() const {
    std::vector<std::uint64_t> d = dims();
    if (d.size() != 1) fail("expected a 1-D dataset, found rank " + std::to_string(d.size()));
    return d.front();
}

std::uint64_t dataset::chunk_values() const {
    handle dcpl(H5Dget_create_plist(id()));
    if (!dcpl.valid()) fail("cannot read the storage layout");
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return 0;
    hsize_t chunk[H5S_MAX_RANK];
    int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk);
    if (rank < 0) fail("cannot read the chunk shape");
    std::uint64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= chunk[i];
    return n;
}

template <value_type T>
void dataset::read(std::uint64_t offset, std::span<T> out) const {
    if (out.empty()) return;
    std::vector<hsize_t> dims = space_dims(*this, dataset_space(*this));
    if (dims.size() != 1) fail("expected a 1-D dataset, found rank " + std::to_string(dims.size()));
    if (offset > dims[0] || out.size() > dims[0] - offset)
        fail("read past the end (" + std::to_string(offset + out.size()) + " > " + std::to_string(dims[0]) +
             ")");
    const std::vector<hsize_t> chunk_dims = shuffle_deflate_chunk(*this);
    if (chunk_dims.size() != 1 || !stored_as<T>(*this) || !file_is_read_only(*this)) {
        read_slab<T>(*this, offset, out);
        return;
    }
    const std::uint64_t chunk = chunk_dims[0];
    const std::uint64_t end = offset + out.size();
    for (std::uint64_t at = offset; at < end;) {
        const std::uint64_t index = at / chunk;
        const std::uint64_t part_end = std::min(end, (index + 1) * chunk);
        const std::span<T> part = out.subspan(at - offset, part_end - at);
        // Small parts (a binary search's probes) go through HDF5's chunk cache instead; the last,
        // partial chunk counts as whole when all its values are read.
        const bool whole_enough = part.size() * 4 >= std::min<std::uint64_t>(chunk, dims[0] - index * chunk);
        if (!whole_enough ||
            !read_chunk_part<T>(*this, index, chunk, at - index * chunk, part.size(), part.data()))
            read_slab<T>(*this, at, part);
        at = part_end;
    }
}

namespace {

// The number of values of a dataset's dimensions, checked before memory is taken (SPEC §8): a
// corrupt or crafted file declares any size at no cost (unwritten chunks read as fill values),
// so more than 2^64 values, or more bytes than this machine has, is refused naming the dataset.
std::uint64_t checked_value_count(const dataset& d, std::size_t value_bytes) {
    std::uint64_t n = 1;
    for (std::uint64_t dim : d.dims()) {
        if (dim != 0 && n > std::numeric_limits<std::uint64_t>::max() / dim)
            d.fail("declares more than 2^64 values (corrupt file?)");
        n *= dim;
    }
    const double bytes = static_cast<double>(n) * static_cast<double>(value_bytes);
    const auto memory = static_cast<double>(physical_memory());
    if (bytes > memory) {
        char detail[160];
        std::snprintf(detail, sizeof detail, "declares %llu values (%.3g GB), more than the %.3g GB of this machine (corrupt file?)",
                      static_cast<unsigned long long>(n), bytes / 1e9, memory / 1e9);
        d.fail(detail);
    }
    return n;
}

}  // namespace

template <value_type T>
std::vector<T> dataset::read_all() const {
    const std::uint64_t n = checked_value_count(*this, sizeof(T));
    std::vector<T> values(n);
    if (n > 0 && H5Dread(id(), memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
        fail("cannot read (corrupt or truncated data?)");
    return values;
}

template <value_type T>
void dataset::append(std::span<const T> values) {
    if (values.empty()) return;
    std::vector<hsize_t> dims = space_dims(*this, dataset_space(*this));
    if (dims.size() != 1) fail("append needs a 1-D dataset");
    hsize_t grown = dims[0] + values.size();
    if (H5Dset_extent(id(), &grown) < 0) fail("cannot extend");
    const std::vector<hsize_t> chunk = shuffle_deflate_chunk(*this);
    if (chunk.size() == 1 && dims[0] % chunk[0] == 0 && stored_as<T>(*this))
        append_chunks<T>(*this, dims[0], values, chunk[0], 1, 1);
    else
        write_slab<T>(*this, {dims[0]}, {static_cast<hsize_t>(values.size())}, values.data());
}

template <value_type T>
void dataset::append_rows(std::span<const T> values) {
    std::vector<hsize_t> dims = space_dims(*this, dataset_space(*this));
    if (dims.size() != 2) fail("append_rows needs a 2-D dataset");
    if (dims[1] == 0) {
        if (!values.empty()) fail("append_rows: values for a dataset without columns");
        return;
    }
    if (values.size() % dims[1] != 0)
        fail("append_rows: " + std::to_string(values.size()) + " values are not whole rows of " +
             std::to_string(dims[1]));
    if (values.empty()) return;
    hsize_t rows = values.size() / dims[1];
    std::vector<hsize_t> grown = {dims[0] + rows, dims[1]};
    if (H5Dset_extent(id(), grown.data()) < 0) fail("cannot extend");
    const std::vector<hsize_t> chunk = shuffle_deflate_chunk(*this);
    if (chunk.size() == 2 && chunk[1] == dims[1] && dims[0] % chunk[0] == 0 && stored_as<T>(*this))
        append_chunks<T>(*this, dims[0] * dims[1], values, chunk[0] * chunk[1], dims[1], 2);
    else
        write_slab<T>(*this, {dims[0], 0}, {rows, dims[1]}, values.data());
}

// -------------------------------------------------------------------------------------- location

namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t begin = 0;
    while (begin <= path.size()) {
        std::size_t end = path.find('/', begin);
        if (end == std::string::npos) end = path.size();
        if (end > begin) parts.push_back(path.substr(begin, end - begin));
        begin = end + 1;
    }
    return parts;
}

std::string join_prefix(const std::string& path, const std::vector<std::string>& parts, std::size_t n) {
    std::string prefix = (!path.empty() && path.front() == '/') ? "/" : "";
    for (std::size_t i = 0; i < n; ++i) prefix += (i ? "/" : "") + parts[i];
    return prefix;
}

int object_type(hid_t loc, const std::string& name) {
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    return info.type;
}

std::vector<std::string> list_children(const location& loc, int wanted_type) {
    struct state {
        std::vector<std::string> names;
        int wanted;
    } st{{}, wanted_type};
    herr_t status = H5Literate(
        loc.id(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
        [](hid_t group, const char* name, const H5L_info_t*, void* data) -> herr_t {
            auto* s = static_cast<state*>(data);
            if (object_type(group, name) == s->wanted) s->names.emplace_back(name);
            return 0;
        },
        &st);
    if (status < 0) loc.fail("cannot list the members");
    std::sort(st.names.begin(), st.names.end());
    return st.names;
}

handle dataset_creation_plist(const location& loc, const std::string& name, int rank, const hsize_t* chunk,
                              const chunking& storage) {
    handle dcpl = make_plist(H5P_DATASET_CREATE, loc.file_path(), loc.child_path(name));
    if (H5Pset_obj_track_times(dcpl.get(), 0) < 0) loc.fail("cannot disable time tracking", name);
    if (chunk != nullptr) {
        if (H5Pset_chunk(dcpl.get(), rank, chunk) < 0) loc.fail("cannot set the chunk shape", name);
        // Every value is written before it is read, so fill values would only cost time.
        if (H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER) < 0) loc.fail("cannot set the fill time", name);
        if (storage.shuffle && H5Pset_shuffle(dcpl.get()) < 0) loc.fail("cannot enable shuffle", name);
        if (storage.deflate_level > 0 &&
            H5Pset_deflate(dcpl.get(), static_cast<unsigned>(storage.deflate_level)) < 0)
            loc.fail("cannot enable deflate", name);
    }
    return dcpl;
}

template <value_type T>
dataset create_dataset(location& loc, const std::string& name, const std::vector<hsize_t>& dims,
                       const std::vector<hsize_t>& max_dims, const std::vector<hsize_t>* chunk,
                       const chunking& storage) {
    std::size_t slash = name.rfind('/');
    if (slash != std::string::npos && slash > 0) loc.require_group(name.substr(0, slash));
    std::string path = loc.child_path(name);
    if (loc.exists(name)) loc.fail("already exists", name);
    int rank = static_cast<int>(dims.size());
    handle space(H5Screate_simple(rank, dims.data(), max_dims.data()));
    if (!space.valid()) loc.fail("cannot create the dataspace", name);
    handle dcpl = dataset_creation_plist(loc, name, rank, chunk ? chunk->data() : nullptr, storage);
    handle dapl = dataset_access_plist(loc.file_path(), path);
    handle d(
        H5Dcreate2(loc.id(), name.c_str(), file_type<T>(), space.get(), H5P_DEFAULT, dcpl.get(), dapl.get()));
    if (!d.valid()) loc.fail("cannot create dataset", name);
    return dataset(std::move(d), loc.file_path(), path);
}

hsize_t clamp_chunk(std::size_t wanted) { return std::max<hsize_t>(1, wanted); }

}  // namespace

bool location::exists(const std::string& path) const {
    std::vector<std::string> parts = split_path(path);
    if (parts.empty()) return true;
    for (std::size_t n = 1; n <= parts.size(); ++n) {
        std::string prefix = join_prefix(path, parts, n);
        htri_t found = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
        if (found <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return false;
        }
        if (n < parts.size() && object_type(id(), prefix) != H5O_TYPE_GROUP) return false;
    }
    return object_type(id(), path) >= 0;
}

bool location::is_group(const std::string& path) const {
    return exists(path) && object_type(id(), path.empty() ? "." : path) == H5O_TYPE_GROUP;
}

bool location::is_dataset(const std::string& path) const {
    return exists(path) && object_type(id(), path) == H5O_TYPE_DATASET;
}

group location::create_group(const std::string& name) {
    std::vector<std::string> parts = split_path(name);
    if (parts.empty()) fail("empty group name");
    for (std::size_t n = 1; n < parts.size(); ++n) require_group(join_prefix(name, parts, n));
    std::string path = child_path(name);
    if (exists(name)) fail("already exists", name);
    handle gcpl = group_creation_plist(file_path(), path);
    handle g(H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT));
    if (!g.valid()) fail("cannot create group", name);
    return group(std::move(g), file_path(), path);
}

group location::open_group(const std::string& name) const {
    if (!exists(name)) fail("no such group", name);
    if (!is_group(name)) fail("not a group", name);
    handle g(H5Gopen2(id(), name.c_str(), H5P_DEFAULT));
    if (!g.valid()) fail("cannot open group", name);
    return group(std::move(g), file_path(), child_path(name));
}

group location::require_group(const std::string& name) {
    return exists(name) ? open_group(name) : create_group(name);
}

std::vector<std::string> location::list_groups() const { return list_children(*this, H5O_TYPE_GROUP); }
std::vector<std::string> location::list_datasets() const { return list_children(*this, H5O_TYPE_DATASET); }

dataset location::open_dataset(const std::string& name) const {
    if (!exists(name)) fail("no such dataset", name);
    if (!is_dataset(name)) fail("not a dataset", name);
    handle dapl = dataset_access_plist(file_path(), child_path(name));
    handle d(H5Dopen2(id(), name.c_str(), dapl.get()));
    if (!d.valid()) fail("cannot open dataset", name);
    return dataset(std::move(d), file_path(), child_path(name));
}

template <value_type T>
dataset location::create_extensible(const std::string& name, const chunking& storage) {
    std::vector<hsize_t> chunk = {clamp_chunk(storage.chunk_values)};
    return create_dataset<T>(*this, name, {0}, {H5S_UNLIMITED}, &chunk, storage);
}

template <value_type T>
dataset location::create_extensible_2d(const std::string& name, std::uint64_t cols, const chunking& storage) {
    hsize_t chunk_cols = std::clamp<hsize_t>(cols, 1, clamp_chunk(storage.chunk_values));
    std::vector<hsize_t> chunk = {clamp_chunk(storage.chunk_values / chunk_cols), chunk_cols};
    return create_dataset<T>(*this, name, {0, cols}, {H5S_UNLIMITED, cols == 0 ? H5S_UNLIMITED : cols},
                             &chunk, storage);
}

template <value_type T>
dataset location::write_dataset(const std::string& name, std::span<const T> values, const chunking& storage) {
    hsize_t n = values.size();
    std::vector<hsize_t> chunk = {std::min<hsize_t>(n, clamp_chunk(storage.chunk_values))};
    dataset d = create_dataset<T>(*this, name, {n}, {n}, n > 0 ? &chunk : nullptr, storage);
    if (n > 0) write_slab<T>(d, {0}, {n}, values.data());
    return d;
}

template <value_type T>
dataset location::write_dataset_2d(const std::string& name, std::span<const T> values, std::uint64_t rows,
                                   std::uint64_t cols, const chunking& storage) {
    if (values.size() != rows * cols)
        fail(std::to_string(values.size()) + " values for a " + std::to_string(rows) + " x " +
                 std::to_string(cols) + " dataset",
             name);
    hsize_t chunk_cols = std::clamp<hsize_t>(cols, 1, clamp_chunk(storage.chunk_values));
    std::vector<hsize_t> chunk = {
        std::clamp<hsize_t>(storage.chunk_values / chunk_cols, 1, std::max<hsize_t>(rows, 1)), chunk_cols};
    bool chunked = rows > 0 && cols > 0;
    dataset d =
        create_dataset<T>(*this, name, {rows, cols}, {rows, cols}, chunked ? &chunk : nullptr, storage);
    if (chunked) write_slab<T>(d, {0, 0}, {rows, cols}, values.data());
    return d;
}

template <value_type T>
std::vector<T> location::read_dataset(const std::string& name) const {
    dataset d = open_dataset(name);
    d.size();  // throws unless 1-D
    return d.read_all<T>();
}

template <value_type T>
matrix<T> location::read_dataset_2d(const std::string& name) const {
    dataset d = open_dataset(name);
    std::vector<std::uint64_t> dims = d.dims();
    if (dims.size() != 2) d.fail("expected a 2-D dataset, found rank " + std::to_string(dims.size()));
    return matrix<T>{d.read_all<T>(), dims[0], dims[1]};
}

// ------------------------------------------------------------------------------------------ file

file file::create(const std::string& path) {
    silence_hdf5();
    handle fcpl = make_plist(H5P_FILE_CREATE, path, "");
    if (H5Pset_obj_track_times(fcpl.get(), 0) < 0) throw_io(path, "", "cannot disable time tracking");
    handle fapl = make_plist(H5P_FILE_ACCESS, path, "");
    // Closing the file fails loudly if one of its objects is still open, instead of deferring the
    // close (and the last writes) past a rename.
    if (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI) < 0)
        throw_io(path, "", "cannot set the close degree");
    handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()));
    if (!f.valid()) throw_io(path, "", "cannot create HDF5 file");
    return file(std::move(f), path);
}

namespace {

struct memory_image {
    std::string name;
    std::span<const unsigned char> bytes;
    bool active = false;
};

memory_image& current_image() {
    static memory_image image;
    return image;
}

}  // namespace

memory_file::memory_file(std::string name, std::span<const unsigned char> image) {
    memory_image& m = current_image();
    if (m.active) throw internal_error("h5::memory_file: one at a time");
    m = {std::move(name), image, true};
}

memory_file::~memory_file() { current_image() = {}; }

file file::open_read(const std::string& path) {
    const memory_image& m = current_image();
    if (!m.active || path != m.name) return open_existing(path, false);
    silence_hdf5();
    handle fapl = make_plist(H5P_FILE_ACCESS, path, "");
    if (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI) < 0 || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
        H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(m.bytes.data()), m.bytes.size()) < 0)
        throw_io(path, "", "cannot set up an in-memory file");
    handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
    if (!f.valid()) throw_io(path, "", "cannot open HDF5 file (truncated or corrupt?)");
    return file(std::move(f), path);
}

file file::open_write(const std::string& path) { return open_existing(path, true); }

file file::open_existing(const std::string& path, bool writable) {
    silence_hdf5();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw io_error(path, "", "no such file");
    if (!std::filesystem::is_regular_file(path, ec)) throw io_error(path, "", "not a regular file");
    htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 < 0) throw_io(path, "", "cannot read file");
    if (is_hdf5 == 0) {
        H5Eclear2(H5E_DEFAULT);
        throw io_error(path, "", "not an HDF5 file");
    }
    handle fapl = make_plist(H5P_FILE_ACCESS, path, "");
    if (H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_SEMI) < 0)
        throw_io(path, "", "cannot set the close degree");
    handle f(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.get()));
    if (!f.valid()) throw_io(path, "", "cannot open HDF5 file (truncated or corrupt?)");
    return file(std::move(f), path);
}

void file::flush() {
    if (H5Fflush(id(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush");
}

void file::close() {
    if (!handle_.valid()) return;
    if (!handle_.close())
        throw io_error(
            file_path(), "",
            "cannot close the file: a group or dataset of it is still open, or the last writes failed");
}

// --------------------------------------------------------------------------- explicit instances

#define EVSPIKE_H5_INSTANTIATE(T)                                                                           \
    template void object::write_attribute<T>(const std::string&, T);                                        \
    template void object::write_attribute<T>(const std::string&, std::span<const T>);                       \
    template T object::read_attribute<T>(const std::string&) const;                                         \
    template std::vector<T> object::read_attribute_array<T>(const std::string&) const;                      \
    template void dataset::read<T>(std::uint64_t, std::span<T>) const;                                      \
    template std::vector<T> dataset::read_all<T>() const;                                                   \
    template void dataset::append<T>(std::span<const T>);                                                   \
    template void dataset::append_rows<T>(std::span<const T>);                                              \
    template dataset location::create_extensible<T>(const std::string&, const chunking&);                   \
    template dataset location::create_extensible_2d<T>(const std::string&, std::uint64_t, const chunking&); \
    template dataset location::write_dataset<T>(const std::string&, std::span<const T>, const chunking&);   \
    template dataset location::write_dataset_2d<T>(const std::string&, std::span<const T>, std::uint64_t,   \
                                                   std::uint64_t, const chunking&);                         \
    template std::vector<T> location::read_dataset<T>(const std::string&) const;                            \
    template matrix<T> location::read_dataset_2d<T>(const std::string&) const;

EVSPIKE_H5_INSTANTIATE(double)
EVSPIKE_H5_INSTANTIATE(float)
EVSPIKE_H5_INSTANTIATE(std::uint64_t)
EVSPIKE_H5_INSTANTIATE(std::uint32_t)
EVSPIKE_H5_INSTANTIATE(std::int64_t)
EVSPIKE_H5_INSTANTIATE(std::uint8_t)

#undef EVSPIKE_H5_INSTANTIATE

}  // namespace evspike::h5
