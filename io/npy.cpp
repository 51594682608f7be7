#include "io/npy.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace evspike {
namespace {

constexpr std::string_view magic = "\x93NUMPY";

// A cursor over the header's dict literal; every mistake is an io_error naming the file.
struct literal_parser {
    std::string_view s;
    std::size_t at = 0;
    const std::string& name;

    [[noreturn]] void fail(const std::string& what) const {
        throw io_error(name, "", "not a valid .npy header (" + what + "): " + std::string(s.substr(0, 200)));
    }
    void skip_blanks() {
        while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == '\n' || s[at] == '\r')) ++at;
    }
    bool accept(char c) {
        skip_blanks();
        if (at < s.size() && s[at] == c) {
            ++at;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!accept(c)) fail(std::string("expected '") + c + "'");
    }
    std::string string_literal() {
        skip_blanks();
        if (at >= s.size() || (s[at] != '\'' && s[at] != '"')) fail("expected a quoted string");
        const char quote = s[at++];
        const auto end = s.find(quote, at);
        if (end == std::string_view::npos) fail("unterminated string");
        std::string out(s.substr(at, end - at));
        if (out.find('\\') != std::string::npos) fail("escapes in a string");
        at = end + 1;
        return out;
    }
    bool boolean() {
        skip_blanks();
        for (auto [word, value] : {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}})
            if (s.substr(at, word.size()) == word) {
                at += word.size();
                return value;
            }
        fail("expected True or False");
    }
    std::uint64_t integer() {
        skip_blanks();
        const std::size_t start = at;
        std::uint64_t v = 0;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            const auto digit = static_cast<std::uint64_t>(s[at] - '0');
            if (v > (UINT64_MAX - digit) / 10) fail("a shape dimension does not fit in 64 bits");
            v = v * 10 + digit;
            ++at;
        }
        if (at == start) fail("expected a non-negative integer in the shape");
        if (at < s.size() && s[at] == 'L') ++at;  // Python 2 longs
        return v;
    }
};

std::uint16_t little16(const std::byte* p) {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | (std::to_integer<unsigned>(p[1]) << 8));
}
std::uint32_t little32(const std::byte* p) {
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k) v = (v << 8) | std::to_integer<std::uint32_t>(p[k]);
    return v;
}

void check_data_size(const npy_header& h, std::uint64_t available, const std::string& name) {
    if (h.item_size != 0 && h.values > UINT64_MAX / h.item_size)
        throw io_error(name, "", "shape " + h.shape_text + " is too large (more than 2^64 bytes)");
    const std::uint64_t needed = h.values * h.item_size;
    if (needed > available)
        throw io_error(name, "", "truncated: shape " + h.shape_text + " needs " + std::to_string(needed) +
                                     " bytes of data but only " + std::to_string(available) + " follow the header");
    if (needed < available)
        throw io_error(name, "", "shape " + h.shape_text + " needs " + std::to_string(needed) + " bytes of data but " +
                                     std::to_string(available) + " follow the header (the header does not match the data)");
}

void to_native(npy_array& a) {
    const std::size_t n = a.header.item_size;
    if (!a.header.big_endian || n == 1) return;
    static_assert(std::endian::native == std::endian::little, "the .npy reader assumes a little-endian machine");
    for (std::size_t at = 0; at + n <= a.data.size(); at += n) std::reverse(a.data.begin() + static_cast<std::ptrdiff_t>(at),
                                                                            a.data.begin() + static_cast<std::ptrdiff_t>(at + n));
}

}  // namespace

npy_header parse_npy_header(std::span<const std::byte> bytes, const std::string& name) {
    if (bytes.size() < 10) throw io_error(name, "", "truncated: " + std::to_string(bytes.size()) + " bytes is not a .npy file");
    if (std::memcmp(bytes.data(), magic.data(), magic.size()) != 0)
        throw io_error(name, "", "not a .npy file (no \\x93NUMPY magic at the start)");
    const unsigned major = std::to_integer<unsigned>(bytes[6]), minor = std::to_integer<unsigned>(bytes[7]);
    if (!(major >= 1 && major <= 3 && minor == 0))
        throw io_error(name, "", ".npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                                     " is not supported (1.0, 2.0 and 3.0 are)");
    std::size_t prefix = 10;
    std::uint64_t header_length = little16(bytes.data() + 8);
    if (major >= 2) {
        if (bytes.size() < 12) throw io_error(name, "", "truncated: the .npy header length is cut off");
        prefix = 12;
        header_length = little32(bytes.data() + 8);
    }
    if (header_length > bytes.size() - prefix)
        throw io_error(name, "", "truncated: the .npy header claims " + std::to_string(header_length) + " bytes but " +
                                     std::to_string(bytes.size() - prefix) + " follow");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + prefix), static_cast<std::size_t>(header_length));

    literal_parser p{text, 0, name};
    npy_header h;
    h.data_offset = prefix + static_cast<std::size_t>(header_length);
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::vector<std::uint64_t> shape;
    bool have_shape = false;
    p.expect('{');
    while (!p.accept('}')) {
        const std::string key = p.string_literal();
        p.expect(':');
        if (key == "descr") {
            p.skip_blanks();
            if (p.at < text.size() && text[p.at] == '[') p.fail("structured dtypes are not supported");
            if (descr) p.fail("'descr' given twice");
            descr = p.string_literal();
        } else if (key == "fortran_order") {
            if (fortran) p.fail("'fortran_order' given twice");
            fortran = p.boolean();
        } else if (key == "shape") {
            if (have_shape) p.fail("'shape' given twice");
            have_shape = true;
            p.expect('(');
            while (!p.accept(')')) {
                shape.push_back(p.integer());
                if (!p.accept(',')) {
                    p.expect(')');
                    break;
                }
            }
        } else {
            p.fail("unexpected key '" + key + "'");
        }
        if (!p.accept(',')) {
            p.expect('}');
            break;
        }
    }
    p.skip_blanks();
    if (p.at != text.size()) p.fail("text after the dict");
    if (!descr || !fortran || !have_shape) p.fail("it needs the keys 'descr', 'fortran_order' and 'shape'");

    const std::string& d = *descr;
    std::size_t size = 0;
    if (d.size() >= 3) {
        const auto r = std::from_chars(d.data() + 2, d.data() + d.size(), size);
        if (r.ec != std::errc{} || r.ptr != d.data() + d.size()) size = 0;
    }
    const char order = d.empty() ? 0 : d[0];
    h.kind = d.size() >= 2 ? d[1] : 0;
    h.item_size = size;
    const bool known = (h.kind == 'u' || h.kind == 'i') ? (size == 1 || size == 2 || size == 4 || size == 8)
                       : h.kind == 'f'                  ? (size == 4 || size == 8)
                       : h.kind == 'b'                  ? size == 1
                                                        : false;
    if (!known || !(order == '<' || order == '>' || (order == '|' && size == 1)))
        throw io_error(name, "", "dtype '" + d + "' is not supported (integers u1..u8/i1..i8, floats f4/f8 or bool b1)");
    h.big_endian = order == '>';

    h.shape_text = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) h.shape_text += (k ? ", " : "") + std::to_string(shape[k]);
    h.shape_text += shape.size() == 1 ? ",)" : ")";
    const bool one_d = shape.size() == 1 || (shape.size() == 2 && (shape[0] == 1 || shape[1] == 1));
    if (!one_d) throw io_error(name, "", "shape " + h.shape_text + " is not 1-D (expected (n,), (n, 1) or (1, n))");
    h.values = shape.size() == 1 ? shape[0] : shape[0] * shape[1];
    return h;
}

npy_array parse_npy(std::span<const std::byte> bytes, const std::string& name) {
    npy_array a;
    a.header = parse_npy_header(bytes, name);
    check_data_size(a.header, bytes.size() - a.header.data_offset, name);
    a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(a.header.data_offset), bytes.end());
    to_native(a);
    return a;
}

npy_array read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw io_error(path, "", "cannot open for reading");
    const auto file_size = static_cast<std::uint64_t>(in.tellg());
    in.seekg(0);
    // The header: at most 12 + 2^32 bytes by the format; real ones are 128 bytes. Read what the
    // prefix announces, bounded by the file size.
    std::vector<std::byte> head(static_cast<std::size_t>(std::min<std::uint64_t>(file_size, 12)));
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    std::uint64_t want = head.size();
    if (head.size() >= 10 && std::memcmp(head.data(), magic.data(), magic.size()) == 0) {
        const unsigned major = std::to_integer<unsigned>(head[6]);
        want = major >= 2 && head.size() >= 12 ? 12 + std::uint64_t{little32(head.data() + 8)} : 10 + std::uint64_t{little16(head.data() + 8)};
    }
    want = std::min(want, file_size);
    head.resize(static_cast<std::size_t>(want));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    if (!in) throw io_error(path, "", "read error");
    npy_array a;
    a.header = parse_npy_header(head, path);
    check_data_size(a.header, file_size - a.header.data_offset, path);
    a.data.resize(static_cast<std::size_t>(a.header.values * a.header.item_size));
    in.read(reinterpret_cast<char*>(a.data.data()), static_cast<std::streamsize>(a.data.size()));
    if (!in) throw io_error(path, "", "read error");
    to_native(a);
    return a;
}

std::vector<std::uint64_t> npy_to_uint64(const npy_array& a, const std::string& name) {
    const npy_header& h = a.header;
    if (h.kind == 'f')
        throw io_error(name, "", "dtype is float" + std::to_string(8 * h.item_size) + ": expected integers");
    std::vector<std::uint64_t> out(static_cast<std::size_t>(h.values));
    const std::byte* p = a.data.data();
    for (std::size_t i = 0; i < out.size(); ++i, p += h.item_size) {
        if (h.kind == 'i') {
            std::int64_t v = 0;
            switch (h.item_size) {
                case 1: { std::int8_t x; std::memcpy(&x, p, 1); v = x; break; }
                case 2: { std::int16_t x; std::memcpy(&x, p, 2); v = x; break; }
                case 4: { std::int32_t x; std::memcpy(&x, p, 4); v = x; break; }
                default: std::memcpy(&v, p, 8);
            }
            if (v < 0) throw io_error(name, "", "value " + std::to_string(v) + " at index " + std::to_string(i) + " is negative");
            out[i] = static_cast<std::uint64_t>(v);
        } else {
            std::uint64_t v = 0;
            std::memcpy(&v, p, h.item_size);  // little-endian: the low bytes
            out[i] = v;
        }
    }
    return out;
}

}  // namespace evspike
