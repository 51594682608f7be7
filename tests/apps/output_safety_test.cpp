// Output safety (SPEC §8, io/atomic_file.hpp): no command overwrites one of its inputs, signals
// remove temporaries, and leftovers of dead processes are swept by the next write.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "file_util.hpp"
#include "support.hpp"

using namespace evspike::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    return names;
}

std::vector<std::string> temporaries_in(const fs::path& dir) {
    std::vector<std::string> found;
    for (const auto& n : names_in(dir))
        if (contains(n, "tmp")) found.push_back(n);
    return found;
}

// Runs evspike with `args` (split on spaces) in a child with default signal dispositions, waits
// until a temporary appears in `dir`, sends `signal` and returns the exit status (-1 if killed by
// the signal). `seen` receives the temporaries present just before the signal.
int interrupt(const std::string& args, const fs::path& dir, int signal, std::vector<std::string>& seen) {
    std::vector<std::string> words{evspike_binary};
    for (std::size_t at = 0; at < args.size();) {
        const auto space = args.find(' ', at);
        const auto end = space == std::string::npos ? args.size() : space;
        if (end > at) words.push_back(args.substr(at, end - at));
        at = end + 1;
    }
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (int s : {SIGINT, SIGTERM, SIGHUP}) ::signal(s, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    for (int i = 0; i < 400 && seen.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
        seen = temporaries_in(dir);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let it write for a while
    kill(pid, signal);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("output safety: no command writes over one of its inputs; the input stays byte-identical") {
        temp_dir dir;
        const auto p = [&](const std::string& name) { return dir / name; };
        // Inputs: a raster with ground truth, a model, detections, a config, a rate file, a CSV.
        write_text(p("m.toml"), "model = \"hdsnn\"\nseed = 1\nneurons = 16\nmotifs = 2\ndelays = 5\nbins = 100\n"
                                "bin = 1.0\np_background = 0.01\np_motif = 0.01\ntrials = 2\n");
        REQUIRE(run_evspike("generate motifs " + p("m.toml") + " -o " + p("d.h5") + " -q").exit_code == 0);
        REQUIRE(run_evspike("detect train --templates " + p("d.h5") + " -o " + p("model.h5") + " -q").exit_code == 0);
        write_text(p("r.csv"), "time_ms,rate_hz\n0,10\n50,0\n");
        write_text(p("h.toml"), "seed = 1\nt_stop = 100.0\nbaseline = [20.0]\n[[kernel]]\nsource = 0\ntarget = 0\n"
                                "norm = 0.3\nshape = \"exponential\"\ntau = 5.0\n");
        write_text(p("c.toml"), "t_stop = 10.0\n[[population]]\nname = \"exc\"\nsize = 2\nmodel = \"lif_delta\"\n"
                                "[output]\nspikes = \"" + p("s.h5") + "\"\n");
        REQUIRE(run_evspike("convert " + p("d.h5") + " " + p("d.csv") + " -q").exit_code == 0);
        fs::create_symlink(p("d.csv"), p("link.h5"));  // another name for the same file

        struct attempt {
            std::string command;
            std::string input;  // the file that must survive, named in the message
        };
        const attempt attempts[] = {
            {"simulate " + p("c.toml") + " -o " + p("c.toml"), p("c.toml")},
            {"generate poisson --neurons 2 --t-stop 100 --rate-file " + p("r.csv") + " -o " + p("r.csv"), p("r.csv")},
            {"generate hawkes " + p("h.toml") + " -o " + p("h.toml"), p("h.toml")},
            {"generate motifs " + p("m.toml") + " -o " + p("m.toml"), p("m.toml")},
            {"detect train " + p("d.h5") + " -o " + p("d.h5"), p("d.h5")},
            {"detect train --templates " + p("d.h5") + " -o " + dir.path().string() + "/./d.h5", p("d.h5")},
            {"detect run " + p("model.h5") + " " + p("d.h5") + " -o " + p("d.h5"), p("d.h5")},
            {"detect run " + p("model.h5") + " " + p("d.h5") + " -o " + p("model.h5"), p("model.h5")},
            {"detect discover " + p("d.h5") + " -o " + p("d.h5") + " --motifs 2 --duration 5", p("d.h5")},
            {"detect discover " + p("d.h5") + " -o " + p("x.h5") + " --occurrences " + p("d.h5") + " --motifs 2 --duration 5",
             p("d.h5")},
            {"fit hawkes " + p("d.h5") + " -o " + p("d.h5") + " --kernel exp", p("d.h5")},
            {"plot " + p("d.h5") + " -o " + p("d.h5"), p("d.h5")},
            {"convert " + p("d.csv") + " " + p("link.h5"), p("d.csv")},
        };
        for (const auto& a : attempts) {
            CAPTURE(a.command);
            const std::string before = slurp(a.input);
            const auto names = names_in(dir.path());
            const auto r = run_evspike(a.command + " -q");
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(contains(r.out, "the output is the same file as the"), r.out);
            CHECK(contains(r.out, fs::path(a.input).filename().string()));
            CHECK(slurp(a.input) == before);
            CHECK(names_in(dir.path()) == names);  // nothing created, nothing removed
        }
    }

    TEST_CASE("output safety: a simulation whose spike_file or rate_file source is its own output is refused") {
        temp_dir dir;
        REQUIRE(run_evspike("generate poisson -o " + dir / "in.h5" + " --neurons 2 --rate 50 --t-stop 100 -q").exit_code == 0);
        write_text(dir / "r.csv", "time_ms,rate_hz\n0,10\n");
        const std::string common = "t_stop = 10.0\n[[population]]\nname = \"exc\"\nsize = 2\nmodel = \"lif_delta\"\n";
        write_text(dir / "a.toml", common + "[[source]]\nname = \"in\"\nkind = \"spike_file\"\npath = \"" + dir / "in.h5" +
                                       "\"\n[output]\nspikes = \"" + dir / "in.h5" + "\"\n");
        write_text(dir / "b.toml", common + "[[source]]\nname = \"p\"\nkind = \"poisson\"\nsize = 2\nrate_file = \"" +
                                       dir / "r.csv" + "\"\n[output]\nspikes = \"" + dir / "r.csv" + "\"\n");
        for (const std::string& input : {dir / "in.h5", dir / "r.csv"}) {
            const std::string config = input == dir / "in.h5" ? dir / "a.toml" : dir / "b.toml";
            CAPTURE(config);
            const std::string before = slurp(input);
            const auto r = run_evspike("simulate " + config + " -q");
            CHECK(r.exit_code == 2);
            CHECK_MESSAGE(contains(r.out, "the output is the same file as the source"), r.out);
            CHECK(slurp(input) == before);
        }
        CHECK(files_in(dir.path()) == 4);
    }

    TEST_CASE("output safety: INT, TERM and HUP during generate poisson remove the temporary and exit 128 + signal") {
        for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
            CAPTURE(signal);
            temp_dir dir;
            write_text(dir / "x.h5", "the previous output");
            std::vector<std::string> seen;
            const int status = interrupt("generate poisson -q --neurons 1000 --rate 100 --t-stop 1e6 -o " + dir / "x.h5",
                                         dir.path(), signal, seen);
            CHECK(status == 128 + signal);
            REQUIRE(seen.size() == 1);
            // The recognisable name: <target>.evspike-tmp-<pid>-<6 characters>.
            CHECK(std::regex_match(seen[0], std::regex(R"(x\.h5\.evspike-tmp-[0-9]+-[A-Za-z0-9]{6})")));
            CHECK(temporaries_in(dir.path()).empty());
            CHECK(slurp(dir / "x.h5") == "the previous output");
        }
    }

    TEST_CASE("output safety: generate hawkes and motifs use one temporary (no doubled name) and clean it on TERM") {
        temp_dir dir;
        write_text(dir / "h.toml", "seed = 1\nt_stop = 1e9\nbaseline = [200.0, 200.0]\n");
        write_text(dir / "m.toml", "model = \"hdsnn\"\nneurons = 200\nmotifs = 4\ndelays = 5\nbins = 100000\n"
                                   "p_background = 0.01\np_motif = 0.001\ntrials = 1000\n");
        for (const std::string config : {"h.toml", "m.toml"}) {
            CAPTURE(config);
            std::vector<std::string> seen;
            const std::string kind = config == "h.toml" ? "hawkes" : "motifs";
            const int status = interrupt("generate " + kind + " -q " + dir / config + " -o " + dir / "out.h5", dir.path(),
                                         SIGTERM, seen);
            CHECK(status == 128 + SIGTERM);
            REQUIRE(seen.size() == 1);
            CHECK(std::regex_match(seen[0], std::regex(R"(out\.h5\.evspike-tmp-[0-9]+-[A-Za-z0-9]{6})")));
            CHECK(temporaries_in(dir.path()).empty());
        }
    }

    TEST_CASE("output safety: the next write into a folder removes temporaries of dead processes, not of live ones") {
        temp_dir dir;
        const pid_t dead = fork();
        REQUIRE(dead >= 0);
        if (dead == 0) _exit(0);
        waitpid(dead, nullptr, 0);  // reaped: no process has this pid now
        const std::string stale = dir / ("old.h5.evspike-tmp-" + std::to_string(dead) + "-a1B2c3");
        const std::string live = dir / ("old.h5.evspike-tmp-" + std::to_string(getpid()) + "-x9Y8z7");
        const std::string other = dir / "notes.evspike-tmp-draft";
        for (const auto& f : {stale, live, other}) write_text(f, std::string(1000, 'x'));
        REQUIRE(run_evspike("generate poisson -q --neurons 2 --rate 5 --t-stop 10 -o " + dir / "new.h5").exit_code == 0);
        CHECK_FALSE(fs::exists(stale));
        CHECK(fs::exists(live));  // this test process is alive: its file may be in use
        CHECK(fs::exists(other));  // not an evspike temporary name
        CHECK(fs::exists(dir / "new.h5"));
        CHECK(files_in(dir.path()) == 3);
    }
}
