#include <doctest/doctest.h>

#include <string>
#include <vector>

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
        CHECK(count(svg, "<path ") == 2);
        CHECK(count(svg, "v") >= 4);
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
        CHECK(svg.find("data:image/png;base64,iVBORw0KGgo") != std::string::npos);  // PNG signature
        CHECK(svg.size() < 2'000'000);
        CHECK(count(svg, "<path ") == 0);
    }

    TEST_CASE("svg_raster: an empty time range is a bug, not a plot") {
        raster_options o;
        o.t_start_ms = 5;
        o.t_stop_ms = 5;
        CHECK_THROWS_AS(svg_raster({{"a", 1}}, o), evspike::internal_error);
    }
}
