// The one validation layer for command-line numbers (apps/cli.hpp, SPEC §8): every bad number of
// every command is a usage error (exit 2) naming the option and the limit, and nothing is written.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

struct bad_number {
    std::string command;  // evspike arguments; OUT stands for an output path in the test's folder
    std::string message;  // expected in the error: the option and its limit
};

std::string with_output(std::string command, const std::string& out) {
    for (auto at = command.find("OUT"); at != std::string::npos; at = command.find("OUT"))
        command.replace(at, 3, out);
    return command;
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("validation: every bad number of every command exits 2 naming the option and the limit") {
        temp_dir dir;
        const std::string out = dir / "out.h5";
        const std::string poisson = "generate poisson -o OUT --rate 5 --t-stop 10 ";
        const bad_number cases[] = {
            // counts: negative numbers are refused, never wrapped to 2^64 - n
            {poisson + "--neurons -1", "--neurons: must be a whole number >= 1, got '-1'"},
            {poisson + "--neurons 0", "--neurons: must be a whole number >= 1"},
            {poisson + "--neurons 2.5", "--neurons: must be a whole number >= 1"},
            {poisson + "--neurons 18446744073709551616", "--neurons: must be a whole number >= 1"},
            {poisson + "--neurons 3 --seed -3", "--seed: must be a whole number >= 0, got '-3'"},
            {"generate hawkes c.toml -o OUT --seed -3", "--seed: must be a whole number >= 0"},
            {"generate motifs c.toml -o OUT --template-seed -1", "--template-seed: must be a whole number >= 0"},
            {"simulate c.toml -o OUT --seed -3", "--seed: must be a whole number >= 0"},
            {"detect train d.h5 -o OUT --epochs -1", "--epochs: must be a whole number >= 1, got '-1'"},
            {"detect train d.h5 -o OUT --epochs 0", "--epochs: must be a whole number >= 1"},
            {"detect train d.h5 -o OUT --batch-trials -1", "--batch-trials: must be a whole number >= 1"},
            {"detect train d.h5 -o OUT --delays 0", "--delays: must be a whole number >= 1, got '0'"},
            {"detect train d.h5 -o OUT --trial-bins 0", "--trial-bins: must be a whole number in 1 .."},
            {"detect train d.h5 -o OUT --refractory -2", "--refractory: must be a whole number >= 0"},
            {"detect train d.h5 -o OUT --seed -1", "--seed: must be a whole number >= 0"},
            {"detect run m.h5 r.h5 -o OUT --expected-count -1", "--expected-count: must be a whole number >= 1"},
            {"detect run m.h5 r.h5 -o OUT --refractory 0", "--refractory: must be a whole number >= 1"},
            {"plot r.h5 -o OUT --max-marks -1", "--max-marks: must be a whole number >= 0, got '-1'"},
            {"plot r.h5 -o OUT --width 100", "--width: must be a whole number in 200 .. 20000"},
            {"plot r.h5 -o OUT --height -600", "--height: must be a whole number in 150 .. 20000"},
            // times: finite, within [0, 2^52 ms] (core/time.hpp), positive where a span is meant
            {"simulate c.toml -o OUT --t-stop 1e19", "--t-stop: must be a finite number in (0, 4503599627370496] ms, got '1e19'"},
            {"simulate c.toml -o OUT --t-stop 1e300", "--t-stop: must be a finite number in (0, 4503599627370496] ms"},
            {"simulate c.toml -o OUT --t-stop inf", "--t-stop: must be a finite number"},
            {"simulate c.toml -o OUT --t-stop 0", "--t-stop: must be a finite number in (0,"},
            {"generate poisson -o OUT --rate 5 --neurons 3 --t-stop 1e19", "--t-stop: must be a finite number in (0, 4503599627370496] ms"},
            {poisson + "--neurons 3 --dead-time -1", "--dead-time: must be a finite number in [0, 4503599627370496] ms"},
            {"detect train d.h5 -o OUT --bin 0", "--bin: must be a finite number in (0, 4503599627370496] ms, got '0'"},
            {"detect train d.h5 -o OUT --tolerance -1", "--tolerance: must be a finite number in [0,"},
            {"detect score d.h5 t.h5 --tolerance -1", "--tolerance: must be a finite number in [0,"},
            {"info r.h5 --bin 0", "--bin: must be a finite number in (0,"},
            {"info r.h5 --duration nan", "--duration: must be a finite number in (0,"},
            {"plot r.h5 -o OUT --t-start -5", "--t-start: must be a finite number in [0,"},
            {"plot r.h5 -o OUT --t-stop 1e400", "--t-stop: must be a finite number in (0,"},
            // other reals
            {"detect train d.h5 -o OUT --learning-rate nan", "--learning-rate: must be a finite number > 0, got 'nan'"},
            {"detect train d.h5 -o OUT --learning-rate 0", "--learning-rate: must be a finite number > 0"},
            {"detect train d.h5 -o OUT --l1 -0.5", "--l1: must be a finite number >= 0"},
            {"detect train d.h5 -o OUT --prune 0", "--prune: must be a finite number in (0, 1]"},
            {"detect run m.h5 r.h5 -o OUT --prune 2", "--prune: must be a finite number in (0, 1]"},
            {"detect run m.h5 r.h5 -o OUT --threshold nan", "--threshold: must be a finite number, got 'nan'"},
            {"generate poisson -o OUT --neurons 3 --t-stop 10 --rate -1", "--rate: must be a finite number >= 0 Hz"},
            {"generate poisson -o OUT --neurons 3 --t-stop 10 --rate 5x", "--rate: must be a finite number >= 0 Hz, got '5x'"},
        };
        for (const auto& c : cases) {
            const std::string command = with_output(c.command, out);
            CAPTURE(command);
            const auto r = run_evspike(command);
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(contains(r.out, "error: " + c.message), r.out);
            CHECK(contains(r.out, "usage: evspike"));
            CHECK(files_in(dir.path()) == 0);
        }
    }

    TEST_CASE("validation: numbers at their limits are accepted (1e6 counts, 2^52 ms, seeds up to 2^64 - 1)") {
        temp_dir dir;
        auto r = run_evspike("generate poisson -o " + dir / "a.h5" +
                             " --neurons 1e1 --rate 0 --t-stop 4503599627370496 --seed 18446744073709551615 -q");
        CHECK_MESSAGE(r.exit_code == 0, r.out);
        r = run_evspike("generate poisson -o " + dir / "b.h5" + " --neurons +2 --rate 5 --t-stop 10 --seed 0 -q");
        CHECK_MESSAGE(r.exit_code == 0, r.out);
    }

    TEST_CASE("validation: detect run --expected-count beyond spikes x delays x motifs is refused up front") {
        temp_dir dir;
        std::ofstream(dir / "m.toml") << "model = \"hdsnn\"\nseed = 1\nneurons = 16\nmotifs = 2\ndelays = 5\n"
                                         "bins = 100\nbin = 1.0\np_background = 0.01\np_motif = 0.01\ntrials = 2\n";
        REQUIRE(run_evspike("generate motifs " + dir / "m.toml" + " -o " + dir / "d.h5 -q").exit_code == 0);
        REQUIRE(run_evspike("detect train --templates " + dir / "d.h5" + " -o " + dir / "t.h5 -q").exit_code == 0);
        const auto r = run_evspike("detect run " + dir / "t.h5 " + dir / "d.h5 -o " + dir / "o.h5 --expected-count 1e12");
        CHECK(r.exit_code == 2);
        CHECK_MESSAGE(contains(r.out, "--expected-count: must be at most"), r.out);
        CHECK(contains(r.out, "(spikes x delays x motifs), got 1000000000000"));
        CHECK_FALSE(std::filesystem::exists(dir / "o.h5"));
    }

    TEST_CASE("validation: a CSV node id that does not fit (2^64 - 1) is refused naming the line, not wrapped") {
        temp_dir dir;
        write_text(dir / "a.csv", "population,node_id,timestamp_ms\np,3,1.0\np,18446744073709551615,2.0\n");
        auto r = run_evspike("convert " + dir / "a.csv " + dir / "a.h5");
        CHECK(r.exit_code == 1);
        CHECK_MESSAGE(contains(r.out, "line 3: node_id '18446744073709551615' does not fit"), r.out);
        CHECK_FALSE(std::filesystem::exists(dir / "a.h5"));
        // The largest id that fits is kept: its neuron count max id + 1 is 2^64 - 1.
        write_text(dir / "b.csv", "population,node_id,timestamp_ms\np,18446744073709551614,2.0\n");
        r = run_evspike("convert " + dir / "b.csv " + dir / "b.h5");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        r = run_evspike("info " + dir / "b.h5 --json");
        CHECK(contains(r.out, "\"neurons\": 18446744073709551615"));
    }
}
