// End to end: `generate hawkes`, `generate motifs`, `generate poisson --rate-file` and
// `info --bin` on the bundled configs in data/: exit codes, file contents, byte-identical reruns,
// errors naming file and key, and a failed run leaving an existing output untouched.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

#include "file_util.hpp"
#include "io/motif_truth.hpp"
#include "io/spike_file.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

std::string data(const std::string& name) { return std::string(data_dir) + "/" + name; }

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("generate hawkes: the bundled configs run, sorted output in one population, byte-identical reruns") {
        temp_dir dir;
        for (const std::string config : {"hawkes_exponential.toml", "hawkes_shapes.toml"}) {
            CAPTURE(config);
            // same command line (the output path is part of the provenance): same bytes
            const std::string a = dir / "a.h5", b = dir / "b.h5";
            REQUIRE(run_evspike("generate hawkes " + data(config) + " -o " + a).exit_code == 0);
            const std::string first = slurp(a);
            REQUIRE(run_evspike("generate hawkes " + data(config) + " -o " + a).exit_code == 0);
            CHECK(slurp(a) == first);
            const evspike::spike_reader reader(a);
            REQUIRE(reader.populations().size() == 1);
            const auto t = reader.read(reader.populations()[0]);
            REQUIRE(t.size() > 100);
            for (std::size_t k = 1; k < t.size(); ++k)
                CHECK((t.timestamps[k - 1] < t.timestamps[k] ||
                       (t.timestamps[k - 1] == t.timestamps[k] && t.node_ids[k - 1] < t.node_ids[k])));
            CHECK(reader.sorting(reader.populations()[0]) == evspike::spike_sorting::by_time);
            CHECK(run_evspike("generate hawkes " + data(config) + " -o " + b + " --seed 5").exit_code == 0);
            CHECK(slurp(a) != slurp(b));
        }
        CHECK(run_evspike("generate hawkes --help").exit_code == 0);
        CHECK(run_evspike("generate hawkes").exit_code == 2);
    }

    TEST_CASE("generate hawkes: bad configs exit 1 naming file and key; an existing output is left as it was") {
        temp_dir dir;
        const std::string out = dir / "out.h5";
        REQUIRE(run_evspike("generate hawkes " + data("hawkes_exponential.toml") + " -o " + out).exit_code == 0);
        const std::string good = slurp(out);
        const std::string kernel = "[[kernel]]\nsource = 0\ntarget = 0\n";
        struct bad {
            std::string toml, reason;
        };
        for (const bad& b : {
                 bad{"t_stop = 100.0\nbaseline = [5.0]\n" + kernel + "norm = 1.2\nshape = \"exponential\"\ntau = 1.0\n",
                     "spectral radius"},
                 bad{"t_stop = 100.0\nbaseline = [5.0]\n" + kernel + "norm = -0.2\nshape = \"exponential\"\ntau = 1.0\n",
                     "kernel[0].norm"},
                 bad{"t_stop = 100.0\nbaseline = [5.0]\n" + kernel + "norm = 0.2\nshape = \"gamma\"\ntau = 1.0\n",
                     "kernel[0].shape"},
                 bad{"t_stop = 100.0\nbaseline = [5.0]\n" + kernel + "norm = 0.2\nshape = \"exponential\"\ntau = 1.0\nsupport = 3.0\n",
                     "kernel[0].support"},
                 bad{"t_stop = 100.0\nbaseline = [5.0]\n" + kernel + "norm = 0.2\nshape = \"raised_cosine\"\nstart = 1.0\n",
                     "kernel[0].width"},
                 bad{"t_stop = 100.0\nbaseline = [5.0, -1.0]\n", "baseline[1]"},
                 bad{"t_stop = 100.0\nbaseline = [5.0]\nrate = 3\n", "rate"},
                 bad{"baseline = [5.0]\n", "t_stop"}}) {
            CAPTURE(b.toml);
            const std::string config = dir / "bad.toml";
            write_text(config, b.toml);
            const auto r = run_evspike("generate hawkes " + config + " -o " + out);
            CHECK(r.exit_code == 1);
            CHECK(contains(r.out, "error: " + config));
            CHECK(contains(r.out, b.reason));
            CHECK(slurp(out) == good);
        }
    }

    TEST_CASE("generate motifs hdsnn: raster plus ground truth; template_seed keeps templates, seed changes occurrences") {
        temp_dir dir;
        const std::string config = dir / "hdsnn.toml";
        write_text(config, "model = \"hdsnn\"\nseed = 1\nneurons = 32\nmotifs = 6\ndelays = 11\nbins = 300\ntrials = 5\n"
                           "p_motif = 0.01\np_background = 0.005\nbin = 0.5\n");
        const std::string a = dir / "a.h5", b = dir / "b.h5", c = dir / "c.h5";
        REQUIRE(run_evspike("generate motifs " + config + " -o " + b).exit_code == 0);
        const std::string first = slurp(b);
        REQUIRE(run_evspike("generate motifs " + config + " -o " + b).exit_code == 0);
        CHECK(slurp(b) == first);
        REQUIRE(run_evspike("generate motifs " + config + " -o " + a).exit_code == 0);
        REQUIRE(run_evspike("generate motifs " + config + " -o " + c + " --seed 2").exit_code == 0);
        const auto ta = evspike::read_motif_truth(a), tc = evspike::read_motif_truth(c);
        CHECK(ta.template_weights == tc.template_weights);
        CHECK(ta.template_delays_ms == tc.template_delays_ms);
        CHECK(ta.occurrence_timestamps_ms != tc.occurrence_timestamps_ms);
        REQUIRE(!ta.occurrence_timestamps_ms.empty());
        CHECK(std::get<std::string>(ta.attributes.at("model")) == "hdsnn");
        CHECK(std::get<std::uint64_t>(ta.attributes.at("seed")) == 1);
        CHECK(std::get<std::uint64_t>(tc.attributes.at("seed")) == 2);
        CHECK(std::get<std::uint64_t>(tc.attributes.at("template_seed")) == 1);
        CHECK(std::get<double>(ta.attributes.at("bin")) == 0.5);
        for (double d : ta.template_delays_ms) CHECK(d < 11 * 0.5);
        for (auto m : ta.occurrence_motif_ids) CHECK(m < 6);
        const evspike::spike_reader reader(a);
        REQUIRE(reader.populations() == std::vector<std::string>{"motifs"});
        const auto t = reader.read("motifs");
        for (std::size_t k = 0; k < t.size(); ++k) {
            CHECK(t.node_ids[k] < 32);
            const double bin = t.timestamps[k] / 0.5;
            CHECK(bin == static_cast<double>(static_cast<std::uint64_t>(bin)));  // k * bin exactly
        }
        CHECK(t.timestamps.back() < 5 * (300 + 11) * 0.5);
    }

    TEST_CASE("generate motifs: the bundled hdsnn and jittered configs run and write §7.3 ground truth") {
        temp_dir dir;
        for (const std::string config : {"motifs_hdsnn.toml", "motifs_jittered.toml"}) {
            CAPTURE(config);
            const std::string out = dir / "m.h5";
            const auto r = run_evspike("generate motifs " + data(config) + " -o " + out);
            CHECK(r.exit_code == 0);
            const auto truth = evspike::read_motif_truth(out);
            CHECK(!truth.template_motif_ids.empty());
            CHECK(!truth.occurrence_motif_ids.empty());
            CHECK(std::is_sorted(truth.occurrence_timestamps_ms.begin(), truth.occurrence_timestamps_ms.end()));
            CHECK(evspike::spike_reader(out).size("motifs") > 0);
            CHECK(files_in(dir.path()) == 1);  // no temporaries left
            std::filesystem::remove(out);
        }
    }

    TEST_CASE("generate motifs: bad configs exit 1 naming file and key, and write nothing") {
        temp_dir dir;
        const std::string out = dir / "out.h5";
        struct bad {
            std::string toml, reason;
        };
        for (const bad& b : {bad{"model = \"hdsnn\"\nsparsity = 0.0\n", "sparsity"},
                             bad{"model = \"hdsnn\"\nsparsity = 1.5\n", "sparsity"},
                             bad{"model = \"hdsnn\"\np_background = 1.0\n", "p_background"},
                             bad{"model = \"hdsnn\"\njitter = 1.0\n", "jitter"},
                             bad{"model = \"hdsnn\"\nneurons = 12.5\n", "neurons"},
                             bad{"model = \"jittered\"\nneurons = 10\nsynapses = 20\n", "synapses"},
                             bad{"model = \"jittered\"\nparticipation = 0\n", "participation"},
                             bad{"model = \"markov\"\n", "model"},
                             bad{"neurons = 10\n", "model"}}) {
            CAPTURE(b.toml);
            const std::string config = dir / "bad.toml";
            write_text(config, b.toml);
            const auto r = run_evspike("generate motifs " + config + " -o " + out);
            CHECK(r.exit_code == 1);
            CHECK(contains(r.out, "error: " + config));
            CHECK(contains(r.out, b.reason));
            CHECK(files_in(dir.path()) == 1);  // the config only
        }
    }

    TEST_CASE("generate poisson --rate-file and info --bin: no spikes where the rate is 0; Fano and LZ76 reported") {
        temp_dir dir;
        const std::string out = dir / "p.h5";
        REQUIRE(run_evspike("generate poisson -o " + out + " --neurons 50 --t-stop 1000 --dead-time 1 --rate-file " +
                            data("rate_profile.csv"))
                    .exit_code == 0);
        const auto t = evspike::spike_reader(out).read("poisson");
        REQUIRE(t.size() > 100);
        CHECK(*std::max_element(t.timestamps.begin(), t.timestamps.end()) < 800.0);
        const auto info = run_evspike("info " + out + " --bin 10");
        CHECK(info.exit_code == 0);
        CHECK(contains(info.out, "Fano factor"));
        CHECK(contains(info.out, "LZ76 complexity"));
        const auto json = run_evspike("info " + out + " --bin 10 --json");
        CHECK(contains(json.out, "\"fano_factor\": "));
        CHECK(contains(json.out, "\"lz_complexity\": "));
        CHECK(run_evspike("info " + out + " --bin 0").exit_code == 2);
        const std::string csv = dir / "bad.csv";
        write_text(csv, "time_ms,rate_hz\n0,600\n");
        const auto r = run_evspike("generate poisson -o " + (dir / "q.h5") + " --neurons 5 --t-stop 100 --dead-time 2 --rate-file " + csv);
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, csv));
    }

    TEST_CASE("simulate: a poisson source with rate_file fires the trains of generate poisson --rate-file (same seed and name)") {
        temp_dir dir;
        const std::string config = dir / "sim.toml";
        write_text(config, "seed = 3\nt_stop = 1000.0\n[[population]]\nname = \"n\"\nsize = 1\nmodel = \"lif_delta\"\n"
                           "[[source]]\nname = \"stim\"\nkind = \"poisson\"\nsize = 20\nrate_file = \"" + data("rate_profile.csv") +
                           "\"\ndead_time = 1.0\n[[connection]]\nsource = \"stim\"\ntarget = \"n\"\nrule = \"all_to_all\"\n"
                           "weight = 0.1\ndelay = 1.0\n[output]\nspikes = \"sim.h5\"\nrecord = [\"stim\"]\n");
        REQUIRE(run_evspike("simulate " + config + " --quiet").exit_code == 0);
        REQUIRE(run_evspike("generate poisson -o " + (dir / "gp.h5") + " --neurons 20 --t-stop 1000 --dead-time 1 --seed 3 "
                            "--population stim --rate-file " + data("rate_profile.csv")).exit_code == 0);
        const auto a = evspike::spike_reader(dir / "sim.h5").read("stim");
        const auto b = evspike::spike_reader(dir / "gp.h5").read("stim");
        REQUIRE(a.size() > 50);
        CHECK(a.timestamps == b.timestamps);
        CHECK(a.node_ids == b.node_ids);
    }
}
