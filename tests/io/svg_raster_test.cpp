#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <zlib.h>

#include "core/error.hpp"
#include "core/random.hpp"
#include "io/svg_raster.hpp"

using evspike::raster_options;
using evspike::raster_population;
using evspike::svg_raster;

namespace {
std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
    return n;
}

// The ticks of every <path d="M x y v h ...">, in document order: {x, y, h} per tick.
std::vector<std::vector<std::array<double, 3>>> path_ticks(const std::string& svg) {
    std::vector<std::vector<std::array<double, 3>>> paths;
    for (auto pos = svg.find("<path "); pos != std::string::npos; pos = svg.find("<path ", pos + 1)) {
        const auto d = svg.find(" d=\"", pos) + 4;
        std::istringstream in(svg.substr(d, svg.find('"', d) - d));
        paths.emplace_back();
        char m = 0, v = 0;
        std::array<double, 3> tick{};
        while (in >> m >> tick[0] >> tick[1] >> v >> tick[2]) {
            REQUIRE(m == 'M');
            REQUIRE(v == 'v');
            paths.back().push_back(tick);
        }
    }
    return paths;
}

// --- a PNG decoder for the density image, independent of the encoder: chunks with CRCs, zlib's
// uncompress (stored or compressed deflate; checks the Adler-32), the five scanline filters.
struct png_image {
    std::uint32_t width = 0, height = 0;
    std::vector<std::uint8_t> pixels;            // palette indices, row 0 at the top
    std::vector<std::uint8_t> palette, alpha;    // PLTE (RGB triples) and tRNS
    std::size_t idat_bytes = 0;                  // compressed image data
};

std::vector<std::uint8_t> base64_decode(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::vector<std::uint8_t> out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        const int v = value(c);
        REQUIRE(v >= 0);
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
        }
    }
    return out;
}

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

png_image decode_png(const std::vector<std::uint8_t>& png) {
    const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    REQUIRE(png.size() > 8);
    REQUIRE(std::equal(signature, signature + 8, png.begin()));
    png_image img;
    std::vector<std::uint8_t> idat;
    bool ended = false;
    for (std::size_t pos = 8; !ended;) {
        REQUIRE(pos + 12 <= png.size());
        const std::uint32_t length = be32(&png[pos]);
        REQUIRE(pos + 12 + length <= png.size());
        const std::string type(png.begin() + static_cast<std::ptrdiff_t>(pos + 4), png.begin() + static_cast<std::ptrdiff_t>(pos + 8));
        const std::uint8_t* data = &png[pos + 8];
        CHECK(be32(data + length) == crc32(crc32(0, nullptr, 0), &png[pos + 4], length + 4));
        if (type == "IHDR") {
            REQUIRE(length == 13);
            img.width = be32(data);
            img.height = be32(data + 4);
            CHECK(data[8] == 8);   // bit depth
            CHECK(data[9] == 3);   // indexed colour
            CHECK(data[12] == 0);  // not interlaced
        } else if (type == "PLTE") {
            img.palette.assign(data, data + length);
        } else if (type == "tRNS") {
            img.alpha.assign(data, data + length);
        } else if (type == "IDAT") {
            idat.insert(idat.end(), data, data + length);
        } else if (type == "IEND") {
            ended = true;
        }
        pos += 12 + length;
    }
    img.idat_bytes = idat.size();
    const std::size_t stride = img.width + 1;
    std::vector<std::uint8_t> raw(stride * img.height);
    uLongf raw_size = raw.size();
    REQUIRE(uncompress(raw.data(), &raw_size, idat.data(), idat.size()) == Z_OK);
    REQUIRE(raw_size == raw.size());
    img.pixels.assign(static_cast<std::size_t>(img.width) * img.height, 0);
    for (std::size_t y = 0; y < img.height; ++y) {
        const std::uint8_t filter = raw[y * stride];
        REQUIRE(filter <= 4);
        for (std::size_t x = 0; x < img.width; ++x) {
            const int a = x > 0 ? img.pixels[y * img.width + x - 1] : 0;
            const int b = y > 0 ? img.pixels[(y - 1) * img.width + x] : 0;
            const int c = x > 0 && y > 0 ? img.pixels[(y - 1) * img.width + x - 1] : 0;
            int predictor = 0;
            if (filter == 1) predictor = a;
            if (filter == 2) predictor = b;
            if (filter == 3) predictor = (a + b) / 2;
            if (filter == 4) {
                const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
                predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
            }
            img.pixels[y * img.width + x] = static_cast<std::uint8_t>(raw[y * stride + 1 + x] + predictor);
        }
    }
    return img;
}

// The PNG images embedded as data URIs, decoded.
std::vector<png_image> embedded_pngs(const std::string& svg) {
    std::vector<png_image> out;
    const std::string prefix = "data:image/png;base64,";
    for (auto pos = svg.find(prefix); pos != std::string::npos; pos = svg.find(prefix, pos + 1)) {
        const auto begin = pos + prefix.size();
        out.push_back(decode_png(base64_decode(svg.substr(begin, svg.find('"', begin) - begin))));
    }
    return out;
}
}  // namespace

TEST_SUITE("io") {
    TEST_CASE("svg_raster: a small raster draws one tick per spike, axes, units and population names") {
        raster_options o;
        o.title = "demo <a&b>";
        o.t_start_ms = 0;
        o.t_stop_ms = 100;
        svg_raster r({{"exc", 10}, {"inh", 3}}, o);
        const std::vector<double> t = {1, 50, 99.5, 100, 200};  // the last two are outside [0, 100)
        const std::vector<std::uint64_t> id = {0, 9, 3, 1, 1};
        r.add(0, t, id);
        r.add(1, std::vector<double>{5}, std::vector<std::uint64_t>{2});
        r.add(1, std::vector<double>{6}, std::vector<std::uint64_t>{3});  // id >= neurons: ignored
        CHECK(r.spikes_in_window() == 4);
        CHECK(!r.density_mode());
        const std::string svg = r.render();
        CHECK(svg.rfind("<?xml", 0) == 0);
        CHECK(svg.find("</svg>") != std::string::npos);
        CHECK(svg.find("time (ms)") != std::string::npos);
        CHECK(svg.find("node id") != std::string::npos);
        CHECK(svg.find(">exc</text>") != std::string::npos);
        CHECK(svg.find(">inh</text>") != std::string::npos);
        CHECK(svg.find("demo &lt;a&amp;b&gt;") != std::string::npos);
        // One path per population, one tick per spike in the window, at x linear in time and y
        // linear in node id (node 0 at the bottom of its band).
        const auto ticks = path_ticks(svg);
        REQUIRE(ticks.size() == 2);
        REQUIRE(ticks[0].size() == 3);  // exc: t = 1, 50, 99.5 at nodes 0, 9, 3
        REQUIRE(ticks[1].size() == 1);  // inh: t = 5 at node 2
        const auto& e = ticks[0];
        CHECK((e[1][0] - e[0][0]) / (e[2][0] - e[0][0]) == doctest::Approx(49.0 / 98.5));
        const double centre0 = e[0][1] + e[0][2] / 2, centre9 = e[1][1] + e[1][2] / 2, centre3 = e[2][1] + e[2][2] / 2;
        CHECK(centre9 < centre3);
        CHECK(centre3 < centre0);
        CHECK((centre0 - centre9) / (centre0 - centre3) == doctest::Approx(3.0));
        CHECK((e[1][0] - e[0][0]) / (ticks[1][0][0] - e[0][0]) == doctest::Approx(49.0 / 4.0));
        CHECK(ticks[1][0][1] + ticks[1][0][2] / 2 < centre9);  // inh's band is above exc's
        CHECK(svg.find("<image") == std::string::npos);
        CHECK(svg.find(">100</text>") != std::string::npos);  // last time tick
    }

    TEST_CASE("svg_raster: millions of spikes become a density image of bounded size") {
        raster_options o;
        o.t_stop_ms = 1e6;
        svg_raster r({{"poisson", 1000}}, o);
        auto rng = evspike::make_stream(1, "svg");
        std::vector<double> t(1 << 16);
        std::vector<std::uint64_t> id(t.size());
        for (int chunk = 0; chunk < 32; ++chunk) {  // 2e6 spikes
            for (std::size_t i = 0; i < t.size(); ++i) {
                t[i] = evspike::uniform01(rng) * 1e6;
                id[i] = rng() % 1000;
            }
            r.add(0, t, id);
        }
        CHECK(r.density_mode());
        const std::string svg = r.render();
        const auto images = embedded_pngs(svg);
        REQUIRE(images.size() == 1);
        const png_image& img = images[0];
        CHECK(img.width > 500);
        CHECK(img.height > 200);
        // ~4 uniform spikes per cell: most cells are drawn, a few (Poisson zeros) are not.
        const auto empty = static_cast<double>(std::count(img.pixels.begin(), img.pixels.end(), std::uint8_t{0}));
        CHECK(empty / static_cast<double>(img.pixels.size()) < 0.1);
        CHECK(*std::max_element(img.pixels.begin(), img.pixels.end()) == 255);
        CHECK(img.alpha.size() == 256);
        CHECK(svg.size() < 2'000'000);
        CHECK(count(svg, "<path ") == 0);
    }

    TEST_CASE("svg_raster: the density PNG decodes to the documented cells and log opacity levels") {
        raster_options o;
        o.t_stop_ms = 100;
        o.max_marks = 3;
        svg_raster r({{"p", 2}}, o);
        r.add(0, std::vector<double>{10, 10, 10, 60}, std::vector<std::uint64_t>{0, 0, 0, 1});
        REQUIRE(r.density_mode());
        const auto images = embedded_pngs(r.render());
        REQUIRE(images.size() == 1);
        const png_image& img = images[0];
        REQUIRE(img.height == 2);  // one grid row per neuron (row 0 at the top: node 1)
        REQUIRE(img.width > 100);
        const auto col = [&](double t) { return static_cast<std::size_t>(t / 100.0 * img.width); };
        std::vector<std::uint8_t> expected(std::size_t{img.width} * 2, 0);
        expected[std::size_t{img.width} + col(10)] = 255;  // 3 spikes: the top level
        // 1 spike: ceil(255 log(1 + 1) / log(1 + 3)) = ceil(127.5)
        expected[col(60)] = 128;
        CHECK(img.pixels == expected);
        REQUIRE(img.alpha.size() == 256);
        REQUIRE(img.palette.size() == 3 * 256);
        CHECK(img.alpha[0] == 0);  // empty cells are transparent
        CHECK(img.alpha[255] == 255);
        CHECK(img.alpha[128] == static_cast<std::uint8_t>(std::lround(255.0 * (0.15 + 0.85 * 128 / 255))));
    }

    TEST_CASE("svg_raster: the density PNG's pixels are deflated, not stored") {
        raster_options o;
        o.t_stop_ms = 100;
        o.max_marks = 10;
        svg_raster r({{"exc", 10}}, o);
        std::vector<double> t;
        for (int k = 0; k < 5000; ++k) t.push_back(k * 0.01);  // neuron 3 fires all through [0, 50)
        r.add(0, t, std::vector<std::uint64_t>(t.size(), 3));
        REQUIRE(r.density_mode());
        const auto images = embedded_pngs(r.render());
        REQUIRE(images.size() == 1);
        const png_image& img = images[0];
        REQUIRE(img.pixels.size() > 4000);
        CHECK(img.idat_bytes * 20 < img.pixels.size());  // stored blocks would exceed the pixel count
        std::size_t lit = 0;
        for (std::uint32_t x = 0; x < img.width; ++x) lit += img.pixels[std::size_t{9 - 3} * img.width + x] != 0;
        CHECK(lit >= img.width / 2 - 1);
        CHECK(lit <= img.width / 2 + 1);
    }

    TEST_CASE("svg_raster: a population's colour follows its name, not its band position") {
        // The colour of the label of `name` and of the tick path drawn for its one spike.
        auto colours_of = [](const std::vector<std::string>& names, const std::string& name) {
            raster_options o;
            o.t_start_ms = 0;
            o.t_stop_ms = 10;
            std::vector<raster_population> pops;
            for (const auto& n : names) pops.push_back({n, 2});
            svg_raster r(pops, o);
            const auto at = static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
            r.add(at, std::vector<double>{1}, std::vector<std::uint64_t>{0});
            const std::string svg = r.render();
            const auto label = svg.find(">" + name + "</text>");
            REQUIRE(label != std::string::npos);
            const auto fill = svg.rfind("fill=\"", label) + 6;
            const auto stroke = svg.find("stroke=\"", svg.find("<path fill=\"none\"")) + 8;
            return std::pair{svg.substr(fill, 7), svg.substr(stroke, 7)};
        };
        const auto reference = colours_of({"exc", "inh", "ext"}, "exc");
        CHECK(reference.first == reference.second);
        CHECK(reference.first[0] == '#');
        for (const auto& order : std::vector<std::vector<std::string>>{
                 {"inh", "exc", "ext"}, {"ext", "inh", "exc"}, {"inh", "ext", "exc"}})
            CHECK(colours_of(order, "exc") == reference);
        // Different names of one plot get different colours, here as in the first order.
        CHECK(colours_of({"exc", "inh", "ext"}, "inh").first != reference.first);
        CHECK(colours_of({"exc", "inh", "ext"}, "ext").first != reference.first);
        // "motifs" and "noise" hash to the same palette entry: the later name takes the next one.
        CHECK(colours_of({"noise", "motifs"}, "noise").first != colours_of({"noise", "motifs"}, "motifs").first);
        CHECK(colours_of({"noise", "motifs"}, "noise") == colours_of({"motifs", "noise"}, "noise"));
    }

    TEST_CASE("svg_raster: an empty time range is a bug, not a plot") {
        raster_options o;
        o.t_start_ms = 5;
        o.t_stop_ms = 5;
        CHECK_THROWS_AS(svg_raster({{"a", 1}}, o), evspike::internal_error);
    }
}
