// Command-line papercuts (issue 10 part 9): command groups list their commands, a missing
// positional is named as the usage shows it, generators say what they wrote, a CSV export says
// what it leaves out, and convert and a spike_file source follow one duplicate-spike rule.
#include <doctest/doctest.h>

#include <string>

#include "file_util.hpp"
#include "io/spike_file.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

std::string data(const std::string& name) { return std::string(data_dir) + "/" + name; }

std::uint64_t spikes_in(const std::string& path, const std::string& population) {
    return evspike::spike_reader(path).size(population);
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("papercuts: generate, detect and fit list their commands on --help, and refuse alone or unknown") {
        struct group {
            std::string word;
            std::vector<std::string> commands;
        };
        for (const group& g : {group{"generate", {"generate poisson", "generate hawkes", "generate motifs"}},
                               group{"detect", {"detect train", "detect run", "detect score", "detect discover"}},
                               group{"fit", {"fit hawkes"}}}) {
            CAPTURE(g.word);
            for (const std::string help : {" --help", " -h"}) {
                const auto r = run_evspike(g.word + help);
                CAPTURE(r.out);
                CHECK(r.exit_code == 0);
                CHECK(contains(r.out, "usage: evspike " + g.word + " <command>"));
                for (const auto& c : g.commands) CHECK(contains(r.out, "  " + c + " "));
                CHECK(!contains(r.out, "unknown command"));
                CHECK(!contains(r.out, "  simulate "));  // only the group's commands
            }
            const auto alone = run_evspike(g.word);
            CHECK(alone.exit_code == 2);
            CHECK(contains(alone.out, "error: '" + g.word + "' needs a command"));
            CHECK(contains(alone.out, "  " + g.commands.front() + " "));
            const auto unknown = run_evspike(g.word + " frobnicate");
            CHECK(unknown.exit_code == 2);
            CHECK(contains(unknown.out, "error: unknown command '" + g.word + " frobnicate'"));
            CHECK(contains(unknown.out, "  " + g.commands.front() + " "));
        }
        const auto r = run_evspike("frobnicate --help");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "error: unknown command 'frobnicate'"));
    }

    TEST_CASE("papercuts: a missing positional is named as the usage line shows it") {
        const auto simulate = run_evspike("simulate");
        CAPTURE(simulate.out);
        CHECK(simulate.exit_code == 2);
        CHECK(contains(simulate.out, "error: the argument CONFIG is required"));
        CHECK(contains(simulate.out, "usage: evspike simulate CONFIG"));
        CHECK(!contains(simulate.out, "--config"));
        const auto run = run_evspike("detect run");
        CHECK(run.exit_code == 2);
        CHECK(contains(run.out, "error: the argument MODEL is required"));
        const auto plot = run_evspike("plot -o x.svg");
        CHECK(plot.exit_code == 2);
        CHECK(contains(plot.out, "error: the argument FILE is required"));
        // An option that is not positional keeps its dashes.
        const auto poisson = run_evspike("generate poisson --neurons 2 --rate 1 --t-stop 10");
        CHECK(poisson.exit_code == 2);
        CHECK(contains(poisson.out, "'--output' is required"));
    }

    TEST_CASE("papercuts: generate commands print what they wrote, matching the file, and nothing with -q") {
        temp_dir dir;
        const std::string p = dir / "p.h5", h = dir / "h.h5", m = dir / "m.h5";
        auto r = run_evspike("generate poisson -o " + p + " --neurons 20 --rate 50 --t-stop 1000");
        REQUIRE(r.exit_code == 0);
        CHECK(r.out == "wrote " + p + ": " + std::to_string(spikes_in(p, "poisson")) + " spikes of 20 neurons in [0, 1000) ms\n");
        r = run_evspike("generate poisson -o " + p + " --neurons 5 --rate-file " + data("rate_profile.csv") +
                        " --t-stop 500 --population drive");
        REQUIRE(r.exit_code == 0);
        CHECK(r.out == "wrote " + p + ": " + std::to_string(spikes_in(p, "drive")) + " spikes of 5 neurons in [0, 500) ms\n");
        r = run_evspike("generate hawkes " + data("hawkes_exponential.toml") + " -o " + h);
        REQUIRE(r.exit_code == 0);
        const evspike::spike_reader hawkes(h);
        CHECK(contains(r.out, "wrote " + h + ": " + std::to_string(hawkes.size(hawkes.populations().front())) +
                                  " spikes of "));
        r = run_evspike("generate motifs " + data("motifs_jittered.toml") + " -o " + m);
        REQUIRE(r.exit_code == 0);
        const evspike::spike_reader motifs(m);
        CHECK(contains(r.out, "wrote " + m + ": " + std::to_string(motifs.size(motifs.populations().front())) +
                                  " spikes, "));
        CHECK(contains(r.out, " motif occurrences (jittered)\n"));
        CHECK(run_evspike("generate poisson -q -o " + p + " --neurons 2 --rate 5 --t-stop 100").out.empty());
        CHECK(run_evspike("generate motifs -q " + data("motifs_jittered.toml") + " -o " + m).out.empty());
    }

    TEST_CASE("papercuts: exporting a file with /motifs to CSV says the ground truth is left out") {
        temp_dir dir;
        const std::string m = dir / "m.h5", p = dir / "p.h5";
        REQUIRE(run_evspike("generate motifs -q " + data("motifs_jittered.toml") + " -o " + m).exit_code == 0);
        auto r = run_evspike("convert " + m + " " + (dir / "m.csv"));
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "note: " + m + ": the motif ground truth (/motifs) is not written to " + (dir / "m.csv")));
        REQUIRE(run_evspike("generate poisson -q -o " + p + " --neurons 2 --rate 5 --t-stop 100").exit_code == 0);
        r = run_evspike("convert " + p + " " + (dir / "p.csv"));
        CHECK(r.exit_code == 0);
        CHECK(r.out.empty());
    }

    TEST_CASE("papercuts: one duplicate-spike rule: convert drops repeats with a note, spike_file refuses them") {
        temp_dir dir;
        // evspike's CSV with one line doubled: two spikes of node 1 at 2.5 ms.
        write_text(dir / "d.csv", "population,node_id,timestamp_ms\nexc,1,2.5\nexc,0,1\nexc,1,2.5\nexc,1,3\n");
        auto r = run_evspike("convert " + (dir / "d.csv") + " " + (dir / "d.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "note: " + (dir / "d.csv") + ": dropped 1 duplicate spike of population exc (same node, "
                                                            "same time; first: node 1 at 2.5 ms)"));
        const auto t = evspike::spike_reader(dir / "d.h5").read("exc");
        CHECK(t.timestamps == std::vector<double>{1, 2.5, 3});
        CHECK(t.node_ids == std::vector<std::uint64_t>{0, 1, 1});
        // A recording (unit ids) follows the same rule, named by its unit.
        write_text(dir / "rec.txt", "unit,time_ms\n7,4\n7,4\n9,4\n");
        r = run_evspike("convert " + (dir / "rec.txt") + " " + (dir / "rec.h5"));
        CHECK(r.exit_code == 0);
        CHECK(contains(r.out, "dropped 1 duplicate spike of population units (same node, same time; first: node 0 "
                              "(unit 7) at 4 ms)"));
        CHECK(spikes_in(dir / "rec.h5", "units") == 2);

        // What convert wrote, a spike_file source replays; a file holding a repeat is refused.
        {
            evspike::spike_writer writer(dir / "dup.h5", evspike::provenance{});
            const auto p = writer.add_population("exc");
            writer.append(p, 1.0, 0);
            writer.append(p, 2.5, 1);
            writer.append(p, 2.5, 1);
            writer.commit();
        }
        const std::string config = "t_stop = 10.0\n[[population]]\nname = \"n\"\nsize = 2\nmodel = \"lif_delta\"\n"
                                   "[[source]]\nname = \"rep\"\nkind = \"spike_file\"\npath = \"FILE\"\n"
                                   "[[connection]]\nsource = \"rep\"\ntarget = \"n\"\nrule = \"one_to_one\"\n"
                                   "[output]\nspikes = \"out.h5\"\n";
        auto with_file = [&](const std::string& file) {
            std::string text = config;
            text.replace(text.find("FILE"), 4, file);
            return text;
        };
        write_text(dir / "ok.toml", with_file(dir / "d.h5"));
        r = run_evspike("simulate -q " + (dir / "ok.toml") + " -o " + (dir / "out.h5"));
        CAPTURE(r.out);
        CHECK(r.exit_code == 0);
        write_text(dir / "dup.toml", with_file(dir / "dup.h5"));
        r = run_evspike("simulate -q " + (dir / "dup.toml") + " -o " + (dir / "out2.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "node 1 of population 'exc' in " + (dir / "dup.h5") + " has two spikes at 2.5 ms (one spike per instant)"));
    }
}
