#include <doctest/doctest.h>

#include <filesystem>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

TEST_SUITE("apps") {
    TEST_CASE("generate poisson: --help exits 0 with the usage") {
        const auto r = run_evspike("generate poisson --help");
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "usage: evspike generate poisson"));
        CHECK(contains(r.out, "--dead-time"));
    }

    TEST_CASE("generate poisson: usage errors exit 2 with a reason and write nothing") {
        temp_dir dir;
        const std::string out = dir / "x.h5";
        struct bad {
            std::string args, reason;
        };
        for (const bad& b : {bad{"--neurons 3 --rate 5", "t-stop"},
                             bad{"--neurons 3 --t-stop 10", "--rate"},
                             bad{"--neurons 0 --rate 5 --t-stop 10", "--neurons"},
                             bad{"--neurons 3 --rate 5 --t-stop -1", "--t-stop"},
                             bad{"--neurons 3 --rate 100 --dead-time 10 --t-stop 10", "dead"},
                             bad{"--neurons 3 --rate -1 --t-stop 10", "rate"},
                             bad{"--neurons 3 --rate 5 --t-stop 10 --rate-file r.csv", "--rate-file"},
                             bad{"--neurons three --rate 5 --t-stop 10", "neurons"}}) {
            CAPTURE(b.args);
            const auto r = run_evspike("generate poisson -o " + out + " " + b.args);
            CHECK(r.exit_code == 2);
            CHECK(contains(r.out, "error:"));
            CHECK(contains(r.out, b.reason));
            CHECK(files_in(dir.path()) == 0);
        }
    }

    TEST_CASE("generate poisson: an unwritable output is a runtime error naming the file, exit 1") {
        const auto r = run_evspike("generate poisson -o /nonexistent-dir/x.h5 --neurons 2 --rate 5 --t-stop 10");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: /nonexistent-dir/x.h5"));
    }

    TEST_CASE("generate poisson: same seed gives byte-identical files, another seed a different file") {
        temp_dir dir;
        const std::string common = " --neurons 40 --rate 30 --dead-time 2 --t-stop 5000 --quiet";
        REQUIRE(run_evspike("generate poisson -o " + (dir / "a.h5") + common + " --seed 7").exit_code == 0);
        REQUIRE(run_evspike("generate poisson -o " + (dir / "b.h5") + common + " --seed 7").exit_code == 0);
        REQUIRE(run_evspike("generate poisson -o " + (dir / "c.h5") + common + " --seed 8").exit_code == 0);
        // The file names differ, so the provenance (the command line) differs: write both to the
        // same path in turn to compare bytes.
        const std::string same = dir / "same.h5";
        REQUIRE(run_evspike("generate poisson -o " + same + common + " --seed 7").exit_code == 0);
        const std::string first = slurp(same);
        REQUIRE(run_evspike("generate poisson -o " + same + common + " --seed 7").exit_code == 0);
        CHECK(first.size() > 1000);
        CHECK(slurp(same) == first);
        REQUIRE(run_evspike("generate poisson -o " + same + common + " --seed 8").exit_code == 0);
        CHECK(slurp(same) != first);
        CHECK(files_in(dir.path()) == 4);  // no temporary files left behind
    }

    TEST_CASE("generate poisson: the file has the SONATA layout, sorted by time then id, with the rate asked for") {
        if (std::string(system_python).empty()) return;
        temp_dir dir;
        const std::string out = dir / "p.h5";
        REQUIRE(run_evspike("generate poisson -o " + out +
                            " --neurons 200 --rate 20 --t-stop 10000 --population stim --seed 3 --quiet")
                    .exit_code == 0);
        const std::string script = dir / "check.py";
        write_text(script, R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["magic"] == 0x0A7A and list(f.attrs["version"]) == [0, 1]
assert int(f.attrs["evspike_seed"]) == 3
assert "generate poisson" in str(f.attrs["evspike_command"])
g = f["spikes/stim"]
t, i = g["timestamps"], g["node_ids"]
assert t.dtype == np.float64 and i.dtype == np.uint64 and t.shape == i.shape
assert t.attrs["units"] in (b"ms", "ms")
assert g.attrs["sorting"] == 2 and h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype)["by_time"] == 2
t, i = t[:], i[:]
assert np.all((t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (i[1:] > i[:-1])))
assert t.min() >= 0 and t.max() < 10000 and i.max() < 200
n = len(t); mean = 200 * 20 * 10.0
assert abs(n - mean) / mean ** 0.5 < 3.89, n
print("ok")
)");
        const auto r = run(std::string(system_python) + " " + script + " " + out);
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "ok"));
        if (r.exit_code != 0) MESSAGE(r.out);
    }

    TEST_CASE("generate poisson: a failed run leaves an existing output untouched") {
        temp_dir dir;
        const std::string out = dir / "keep.h5";
        REQUIRE(run_evspike("generate poisson -o " + out + " --neurons 5 --rate 10 --t-stop 100 -q").exit_code == 0);
        const std::string before = slurp(out);
        CHECK(run_evspike("generate poisson -o " + out + " --neurons 5 --rate 200 --dead-time 5 --t-stop 100").exit_code == 2);
        CHECK(slurp(out) == before);
        CHECK(files_in(dir.path()) == 1);
    }
}
