// Up-front estimates (SPEC §8, issue 10 part 4): a command whose memory or output would exceed the
// machine (or --max-memory, or the free disk space) refuses before allocating anything, naming
// the estimate and the limit, and leaves no file. The figures in the messages follow from the
// documented per-item costs (docs/cli.md, "Memory and output size"), so they are checked exactly.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

const char* network = R"(seed = 1
t_stop = 100.0
[[population]]
name = "exc"
size = SIZE
model = "lif_delta"
params = { tau_m = 20.0, E_L = -70.0, V_th = -50.0, V_reset = -70.0, t_ref = 2.0 }
[[connection]]
source = "exc"
target = "exc"
rule = { fixed_indegree = INDEGREE }
weight = 0.1
delay = 1.0
[output]
spikes = "out.h5"
)";

std::string config(std::string text, const std::string& size, const std::string& indegree) {
    text.replace(text.find("SIZE"), 4, size);
    text.replace(text.find("INDEGREE"), 8, indegree);
    return text;
}

// Only the inputs the test wrote are left in the folder.
void check_nothing_written(const temp_dir& dir, std::size_t inputs) { CHECK(files_in(dir.path()) == inputs); }

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("estimates: simulate refuses a network beyond the machine's memory before building it") {
        temp_dir dir;
        // 1000 neurons x fixed_indegree 1e9 = 1e12 synapses x 16 B = 16 TB.
        write_text(dir / "big.toml", config(network, "1000", "1000000000"));
        const auto r = run_evspike("simulate " + (dir / "big.toml") + " -o " + (dir / "out.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "big.toml: the network needs about 16 TB of memory (1e+12 synapses x 16 B"));
        CHECK(contains(r.out, "of this machine; nothing was started"));
        check_nothing_written(dir, 1);
    }

    TEST_CASE("estimates: simulate counts neurons and voltage buffers against --max-memory") {
        temp_dir dir;
        // 1e8 neurons x 160 B = 16 GB, + 1e8 recorded x 24 B = 2.4 GB, + one report buffer.
        std::string text = config(network, "100000000", "0");
        text.replace(text.find("[[connection]]"), text.find("[output]") - text.find("[[connection]]"), "");
        text += "[[output.voltage]]\npopulation = \"exc\"\ninterval = 10.0\n";
        write_text(dir / "wide.toml", text);
        const auto r = run_evspike("simulate " + (dir / "wide.toml") + " -o " + (dir / "out.h5") + " --max-memory 1G");
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "the network needs about 18 GB of memory (0 synapses x 16 B, 1e+08 neurons x 160 B, "
                              "1e+08 recorded x 24 B), more than --max-memory 1.1 GB; nothing was started"));
        check_nothing_written(dir, 1);
        // Within the limit the same check passes: a small network runs.
        write_text(dir / "small.toml", config(network, "10", "2"));
        const auto ok = run_evspike("simulate " + (dir / "small.toml") + " -o " + (dir / "out.h5") + " --max-memory 1G");
        CAPTURE(ok.out);
        CHECK(ok.exit_code == 0);
    }

    TEST_CASE("estimates: simulate refuses a voltage report beyond the free disk space") {
        temp_dir dir;
        // 1e4 nodes x 1e11 samples x 4 B = 4 PB.
        std::string text = config(network, "10000", "0");
        text.replace(text.find("[[connection]]"), text.find("[output]") - text.find("[[connection]]"), "");
        text.replace(text.find("t_stop = 100.0"), 14, "t_stop = 1e10");
        text += "[[output.voltage]]\npopulation = \"exc\"\ninterval = 0.1\n";
        write_text(dir / "long.toml", text);
        const auto r = run_evspike("simulate " + (dir / "long.toml") + " -o " + (dir / "out.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "out.h5.voltage.h5 would be about 4.0 PB (voltage samples), more than the "));
        CHECK(contains(r.out, "free there; nothing was written"));
        check_nothing_written(dir, 1);
    }

    TEST_CASE("estimates: generate poisson refuses an output beyond the free disk space, and notes a large one") {
        temp_dir dir;
        // 1000 neurons x 1e12 Hz x 1 s = 1e15 spikes x 8 B = 8 PB.
        const auto r = run_evspike("generate poisson -o " + (dir / "p.h5") + " --neurons 1000 --rate 1e12 --t-stop 1000");
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "p.h5 would be about 8.0 PB (1e+15 spikes x 8 B), more than the "));
        check_nothing_written(dir, 0);
        // 1e8 neurons x 1 Hz x 2 s = 2e8 spikes x 8 B = 1.6 GB: a notice, then --max-memory
        // stops the run (1e8 neurons x 352 B), so that the test writes nothing.
        const auto big = run_evspike("generate poisson -o " + (dir / "p.h5") +
                                     " --neurons 100000000 --rate 1 --t-stop 2000 --max-memory 1k");
        CAPTURE(big.out);
        CHECK(big.exit_code == 1);
        CHECK(contains(big.out, "note: " + (dir / "p.h5") + " will be about 1.6 GB (2e+08 spikes x 8 B)"));
        CHECK(contains(big.out, "generate poisson needs about 35 GB of memory (1e+08 neurons x 352 B), "
                                "more than --max-memory 1.0 kB; nothing was started"));
        check_nothing_written(dir, 0);
    }

    TEST_CASE("estimates: generate hawkes refuses from its config alone: file, heap and the stability check") {
        temp_dir dir;
        // `generate hawkes NAME.toml` with `options` exits 1 with `message`, and writes nothing.
        std::size_t inputs = 0;
        auto refused = [&](const std::string& name, const std::string& config, const std::string& options,
                           const std::string& message) {
            write_text(dir / (name + ".toml"), config);
            ++inputs;
            const auto r = run_evspike("generate hawkes " + (dir / (name + ".toml")) + " -o " + (dir / "h.h5") + options);
            CAPTURE(r.out);
            CHECK(r.exit_code == 1);
            CHECK(contains(r.out, message));
            check_nothing_written(dir, inputs);
        };
        // One unit at 1e12 Hz for 1 s, no kernel: 1e12 events x 8 B = 8 TB of file.
        refused("fast", "t_stop = 1000.0\nbaseline = [1e12]\n", "",
                "h.h5 would be about 8.0 TB (1e+12 events expected x 8 B), more than the ");
        // Near-critical self-excitation (G = 0.999) at 1 kHz: rate 1e6 Hz; children wait tau = 1e4 ms,
        // so 1e6 / 1000 x 0.999 x 1e4 = 9.99e6 pending at once x 64 B = 639 MB (+ 3 MB of batch);
        // 1e6 Hz x 10 ms = 1e4 events.
        refused("critical",
                "t_stop = 10.0\nbaseline = [1000.0]\n[[kernel]]\nsource = 0\ntarget = 0\nshape = \"exponential\"\n"
                "norm = 0.999\ntau = 10000.0\n",
                " --max-memory 100M",
                "error: generate hawkes needs about 643 MB of memory (1e+04 events expected, 9.99e+06 pending at once x "
                "64 B), more than --max-memory 105 MB; nothing was started");
        // 2000 units with 4 kernels each (radius 0.8): the stability check keeps the kernel list
        // and three vectors (8,000 x 16 B + 2,000 x 32 B = 192 kB), not 2000^2 matrices (whose
        // repeated squaring took 75 s here).
        std::string many = "t_stop = 10.0\nbaseline = [";
        for (int i = 0; i < 2000; ++i) many += i == 0 ? "1.0" : ", 1.0";
        many += "]\n";
        for (int i = 0; i < 2000; ++i)
            for (int k = 1; k <= 4; ++k)
                many += "[[kernel]]\nsource = " + std::to_string((i + 97 * k) % 2000) + "\ntarget = " +
                        std::to_string(i) + "\nnorm = 0.2\nshape = \"exponential\"\ntau = 5.0\n";
        refused("many", many, " --max-memory 100k",
                "error: generate hawkes needs about 192 kB of memory (2000 units, 8000 kernels: the stability "
                "check's kernel list and vectors), more than --max-memory 102 kB; nothing was started");
        write_text(dir / "many.toml", many);
        const auto m = run_evspike("generate hawkes " + (dir / "many.toml") + " -o " + (dir / "h.h5") + " --max-memory 100M");
        CAPTURE(m.out);
        CHECK(m.exit_code == 0);
        CHECK(contains(m.out, "of 2000 units"));
        // Within the limits it runs: 1 Hz for 10 ms.
        write_text(dir / "small.toml", "t_stop = 10.0\nbaseline = [1.0]\n");
        const auto r = run_evspike("generate hawkes " + (dir / "small.toml") + " -o " + (dir / "h.h5") + " --max-memory 100M");
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "wrote " + (dir / "h.h5")));
    }

    TEST_CASE("estimates: generate motifs refuses a raster beyond memory from its config alone") {
        temp_dir dir;
        // 5 motifs x 1e9 Hz x 10 s = 5e10 occurrences; x 20 synapses x 0.9 = 9e11 spikes.
        write_text(dir / "m.toml", "model = \"jittered\"\nmotif_rate = 1e9\n");
        const auto r = run_evspike("generate motifs " + (dir / "m.toml") + " -o " + (dir / "m.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "generate motifs needs about 46 TB of memory"));
        CHECK(contains(r.out, "(9e+11 spikes and 5e+10 motif occurrences expected)"));
        check_nothing_written(dir, 1);
    }
}

TEST_SUITE("apps") {
    TEST_CASE("estimates: detect train and detect run refuse beyond --max-memory before binning or scanning") {
        temp_dir dir;
        write_text(dir / "m.toml", "model = \"hdsnn\"\nneurons = 32\nmotifs = 4\ndelays = 11\nbins = 500\ntrials = 20\n"
                                   "p_background = 0.002\np_motif = 0.004\n");
        REQUIRE(run_evspike("generate motifs -q " + (dir / "m.toml") + " -o " + (dir / "train.h5")).exit_code == 0);
        // --delays 100000: 4 motifs x 32 neurons x 1e5 delays = 1.28e7 cells x 24 B = 307 MB.
        auto r = run_evspike("detect train -q " + (dir / "train.h5") + " -o " + (dir / "model.h5") +
                             " --delays 100000 --max-memory 100M");
        CAPTURE(r.out);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: detect train needs about 3"));
        CHECK(contains(r.out, "(4 motifs x 32 neurons x 100000 delays x 24 B, "));
        CHECK(contains(r.out, "more than --max-memory 105 MB; nothing was started"));
        // --bin 1e-6: the 10220 ms raster is 1.022e10 bins, 2e7 trials of 511 bins (8 B each).
        r = run_evspike("detect train -q " + (dir / "train.h5") + " -o " + (dir / "model.h5") +
                        " --bin 1e-6 --max-memory 100M");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: detect train needs about 160 MB of memory (4 motifs x 32 neurons x 11 delays x "
                              "24 B, 2e+07 trials of 511 bins of 1e-06 ms)"));
        CHECK(files_in(dir.path()) == 2);
        // Within memory, --bin 1e-6 is a long run: a warning with the estimate before training starts
        // (4 motifs x 1.02e10 bins = 4.09e10 logits x 4 epochs / 6e7 per s = 45 min); interrupted here.
        r = run("timeout -s INT 4 " + std::string(evspike::test::evspike_binary) + " detect train -q " +
                (dir / "train.h5") + " -o " + (dir / "model.h5") + " --bin 1e-6");
        CAPTURE(r.out);
        CHECK(r.exit_code != 0);
        CHECK(contains(r.out, "warning: " + (dir / "train.h5") + ": --bin 1e-06 ms makes 1.02e+10 bins: training "
                              "evaluates 4.09e+10 bin x motif logits per epoch x 4 epochs, about 45 min on one core"));
        CHECK(files_in(dir.path()) == 2);
        // detect run --expected-count 1e4 holds 4e4 candidates x 16 B = 640 kB.
        REQUIRE(run_evspike("detect train -q --templates " + (dir / "train.h5") + " -o " + (dir / "model.h5")).exit_code == 0);
        r = run_evspike("detect run -q " + (dir / "model.h5") + " " + (dir / "train.h5") + " -o " + (dir / "d.h5") +
                        " --expected-count 10000 --max-memory 100k");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: detect run needs about 657 kB of memory (1.41e+03 weights x 12 B, 4e+04 candidates "
                              "x 16 B), more than --max-memory 102 kB; nothing was started"));
        CHECK(files_in(dir.path()) == 3);
    }
}
