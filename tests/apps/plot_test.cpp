#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

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
        // Colours by name (FNV-1a into the palette, docs/cli.md): exc orange, inh pink.
        CHECK(contains(svg, "stroke=\"#ff7f0e\""));
        CHECK(contains(svg, "stroke=\"#e377c2\""));
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

TEST_CASE("plot --detections: occurrences banded, motif spikes coloured, neurons sorted by delay in a motif") {
    temp_dir dir;
    {
        std::ofstream out(dir / "m.toml");
        out << "model = \"hdsnn\"\nseed = 1\ntemplate_seed = 5\nneurons = 64\nmotifs = 2\ndelays = 21\n"
               "bins = 1000\nbin = 1.0\np_background = 0.001\np_motif = 0.002\nweight_scale = 6.0\n"
               "sparsity = 0.1\ntrials = 4\n";
    }
    REQUIRE(run_evspike("generate motifs " + dir / "m.toml -o " + dir / "d.h5 -q").exit_code == 0);
    REQUIRE(run_evspike("detect discover " + dir / "d.h5 -o " + dir / "model.h5 --motifs 2 --duration 21 --occurrences " +
                        dir / "occ.h5 -q")
                .exit_code == 0);
    auto r = run_evspike("plot " + dir / "d.h5 -o " + dir / "plain.svg -q");
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    r = run_evspike("plot " + dir / "d.h5 -o " + dir / "det.svg --detections " + dir / "occ.h5 --sort-by-motif 0 -q");
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    const auto plain = slurp(dir / "plain.svg");
    const auto svg = slurp(dir / "det.svg");
    CHECK_FALSE(contains(plain, "fill-opacity=\"0.10\""));
    CHECK(contains(svg, "fill=\"#d62728\" fill-opacity=\"0.10\""));  // bands of motif 0
    CHECK(contains(svg, "stroke=\"#d62728\" stroke-width=\"1.6\""));  // spikes of motif 0
    CHECK(contains(svg, "stroke=\"#b0b0b0\""));                      // the other spikes, grey
    CHECK(contains(svg, "sorted by delay in motif 0"));
    // --model given explicitly works too; the model's motif count bounds --sort-by-motif.
    r = run_evspike("plot " + dir / "d.h5 -o " + dir / "det2.svg --detections " + dir / "occ.h5 --model " +
                    dir / "model.h5 --sort-by-motif 1 -q");
    CHECK_MESSAGE(r.exit_code == 0, r.out);
    CHECK(run_evspike("plot " + dir / "d.h5 -o " + dir / "bad.svg --detections " + dir / "occ.h5 --sort-by-motif 2")
              .exit_code == 2);
    CHECK(run_evspike("plot " + dir / "d.h5 -o " + dir / "bad.svg --sort-by-motif 0").exit_code == 2);
    CHECK_FALSE(std::filesystem::exists(dir / "bad.svg"));
    r = run_evspike("plot " + dir / "d.h5 -o " + dir / "bad.svg --detections " + dir / "d.h5");
    CHECK(r.exit_code == 1);
    CHECK(contains(r.out, "/detections"));
}
