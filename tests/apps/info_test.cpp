#include <doctest/doctest.h>
#include <fstream>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

TEST_SUITE("apps") {
    TEST_CASE("info: --help exits 0, a missing FILE is a usage error (2)") {
        CHECK(run_evspike("info --help").exit_code == 0);
        const auto r = run_evspike("info");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "usage: evspike info"));
    }

    TEST_CASE("info: missing and non-HDF5 files are runtime errors naming the file (1)") {
        temp_dir dir;
        auto r = run_evspike("info " + (dir / "none.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + (dir / "none.h5")));
        write_text(dir / "text.h5", "not hdf5\n");
        r = run_evspike("info " + (dir / "text.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + (dir / "text.h5")));
    }

    TEST_CASE("info: reports the counts, rate and CV of a hand-made file, as text and JSON") {
        temp_dir dir;
        // Neuron 0: 1, 2, 4 (CV 1/3); neuron 2: 0, 10; neuron 5: 3, 6, 9, 12 (CV 0): mean CV 1/6.
        write_text(dir / "s.csv",
                   "population,node_id,timestamp_ms\n"
                   "a,2,0\na,0,1\na,0,2\na,5,3\na,0,4\na,5,6\na,5,9\na,2,10\na,5,12\nb,0,5\n");
        REQUIRE(run_evspike("convert " + (dir / "s.csv") + " " + (dir / "s.h5")).exit_code == 0);
        auto r = run_evspike("info " + (dir / "s.h5"));
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "population a"));
        CHECK(contains(r.out, "population b"));
        CHECK(contains(r.out, "spikes            9"));
        CHECK(contains(r.out, "neurons           6"));
        CHECK(contains(r.out, "active neurons    3"));
        CHECK(contains(r.out, "mean rate         125 Hz"));
        CHECK(contains(r.out, "mean CV of ISIs   0.166667"));

        r = run_evspike("info " + (dir / "s.h5") + " --json --duration 20");
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "\"name\": \"a\", \"spikes\": 9, \"neurons\": 6, \"active_neurons\": 3"));
        CHECK(contains(r.out, "\"mean_rate_hz\": 75,"));
        CHECK(contains(r.out, "\"mean_cv\": 0.1666666666666666"));
        CHECK(contains(r.out, "\"mean_cv\": null"));  // population b: one spike
        if (!std::string(system_python).empty()) {
            write_text(dir / "out.json", r.out);
            const auto p = run(std::string(system_python) + " -c \"import json; d = json.load(open('" + (dir / "out.json") +
                               "')); assert [q['name'] for q in d['populations']] == ['a', 'b']; print('ok')\"");
            CHECK(contains(p.out, "ok"));
        }
    }

    TEST_CASE("info: a generated Poisson raster shows the rate and CV asked for") {
        temp_dir dir;
        REQUIRE(run_evspike("generate poisson -o " + (dir / "p.h5") +
                            " --neurons 100 --rate 50 --dead-time 4 --t-stop 20000 -q")
                    .exit_code == 0);
        const auto r = run_evspike("info " + (dir / "p.h5") + " --json --duration 20000");
        REQUIRE(r.exit_code == 0);
        auto value = [&](const std::string& key) {
            const auto at = r.out.find("\"" + key + "\": ");
            REQUIRE(at != std::string::npos);
            return std::stod(r.out.substr(at + key.size() + 4));
        };
        CHECK(value("mean_rate_hz") == doctest::Approx(50).epsilon(0.02));
        CHECK(value("mean_cv") == doctest::Approx(0.8).epsilon(0.03));  // 1 - r d
        CHECK(value("neurons") == 100);
        CHECK(value("evspike_seed") == 1);
    }
}

TEST_CASE("info summarises a detector model and a detections file") {
    evspike::test::temp_dir dir;
    {
        std::ofstream out(dir / "m.toml");
        out << "model = \"hdsnn\"\nseed = 1\ntemplate_seed = 5\nneurons = 64\nmotifs = 2\ndelays = 21\n"
               "bins = 1000\nbin = 1.0\np_background = 0.001\np_motif = 0.002\nweight_scale = 6.0\n"
               "sparsity = 0.1\ntrials = 4\n";
    }
    REQUIRE(evspike::test::run_evspike("generate motifs " + dir / "m.toml -o " + dir / "d.h5 -q").exit_code == 0);
    REQUIRE(evspike::test::run_evspike("detect discover " + dir / "d.h5 -o " + dir / "model.h5 --motifs 2 --duration 21 "
                                       "--occurrences " + dir / "occ.h5 -q")
                .exit_code == 0);
    auto r = evspike::test::run_evspike("info " + dir / "model.h5");
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    CHECK(r.out.find("detector model") != std::string::npos);
    CHECK(r.out.find("origin            discovered") != std::string::npos);
    CHECK(r.out.find("motifs            2") != std::string::npos);
    CHECK(r.out.find("neurons           64") != std::string::npos);
    CHECK(r.out.find("delays            21 bins (21 ms)") != std::string::npos);
    r = evspike::test::run_evspike("info " + dir / "occ.h5 --json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.out);
    CHECK(r.out.find("\"kind\": \"detections\"") != std::string::npos);
    CHECK(r.out.find("\"per_motif\": {\"0\": ") != std::string::npos);
    CHECK(r.out.find("\"model\": ") != std::string::npos);
}
