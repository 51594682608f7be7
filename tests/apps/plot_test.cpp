#include <doctest/doctest.h>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

TEST_SUITE("apps") {
    TEST_CASE("plot: --help exits 0; bad windows are usage errors (2)") {
        CHECK(run_evspike("plot --help").exit_code == 0);
        temp_dir dir;
        const auto r = run_evspike("plot x.h5 -o " + (dir / "x.svg") + " --t-start 10 --t-stop 5");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "--t-stop"));
        CHECK(files_in(dir.path()) == 0);
    }

    TEST_CASE("plot: draws a raster with axes, units and one colour per population") {
        temp_dir dir;
        write_text(dir / "s.csv", "population,node_id,timestamp_ms\nexc,0,1.5\nexc,3,7\ninh,1,2\n");
        REQUIRE(run_evspike("convert " + (dir / "s.csv") + " " + (dir / "s.h5")).exit_code == 0);
        const auto r = run_evspike("plot " + (dir / "s.h5") + " -o " + (dir / "r.svg"));
        CHECK(r.exit_code == 0);
        const std::string svg = slurp(dir / "r.svg");
        CHECK(svg.rfind("<?xml", 0) == 0);
        CHECK(contains(svg, "time (ms)"));
        CHECK(contains(svg, "node id"));
        CHECK(contains(svg, ">exc</text>"));
        CHECK(contains(svg, ">inh</text>"));
        CHECK(contains(svg, "stroke=\"#1f77b4\""));
        CHECK(contains(svg, "stroke=\"#d62728\""));
        CHECK(contains(svg, "3 spikes"));

        const auto one = run_evspike("plot " + (dir / "s.h5") + " -o " + (dir / "i.svg") + " --population inh --t-stop 5");
        CHECK(one.exit_code == 0);
        CHECK(!contains(slurp(dir / "i.svg"), ">exc</text>"));
    }

    TEST_CASE("plot: an unknown population is an error naming it, and no output is written") {
        temp_dir dir;
        write_text(dir / "s.csv", "population,node_id,timestamp_ms\nexc,0,1.5\n");
        REQUIRE(run_evspike("convert " + (dir / "s.csv") + " " + (dir / "s.h5")).exit_code == 0);
        const auto r = run_evspike("plot " + (dir / "s.h5") + " -o " + (dir / "r.svg") + " --population nope");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + (dir / "s.h5")));
        CHECK(contains(r.out, "nope"));
        CHECK(files_in(dir.path()) == 2);
    }

    TEST_CASE("plot: many spikes become a density image, and the file stays small") {
        temp_dir dir;
        REQUIRE(run_evspike("generate poisson -o " + (dir / "p.h5") + " --neurons 300 --rate 40 --t-stop 20000 -q").exit_code == 0);
        const auto r = run_evspike("plot " + (dir / "p.h5") + " -o " + (dir / "p.svg") + " --max-marks 1000");
        CHECK(r.exit_code == 0);
        const std::string svg = slurp(dir / "p.svg");
        CHECK(contains(svg, "data:image/png;base64,"));
        CHECK(svg.size() < 1'000'000);
    }
}
