// evspike: the command dispatcher. Maps errors to exit codes once, for every command:
// 0 success or --help, 2 usage error, 1 runtime error (SPEC §8).
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/comm.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace {

using evspike::cli::args;

struct command {
    const char* words;  // "generate poisson"
    int (*run)(const args&);
    const char* summary;
};

constexpr command commands[] = {
    {"simulate", evspike::cli::run_simulate, "run an event-driven simulation from a TOML config"},
    {"generate poisson", evspike::cli::run_generate_poisson, "Poisson spike trains (dead time, rate file)"},
    {"generate hawkes", evspike::cli::run_generate_hawkes, "a multivariate Hawkes process from a TOML config"},
    {"generate motifs", evspike::cli::run_generate_motifs, "a raster with embedded spiking motifs"},
    {"detect train", evspike::cli::run_detect_train, "learn a motif detector (HD-SNN)"},
    {"detect run", evspike::cli::run_detect_run, "detect motifs in a raster"},
    {"detect score", evspike::cli::run_detect_score, "score detections against ground truth"},
    {"detect discover", evspike::cli::run_detect_discover, "learn motifs from an unlabeled raster"},
    {"fit hawkes", evspike::cli::run_fit_hawkes, "estimate a multivariate Hawkes process (config for generate hawkes)"},
    {"info", evspike::cli::run_info, "summarise a spike file"},
    {"plot", evspike::cli::run_plot, "draw a raster plot as SVG"},
    {"convert", evspike::cli::run_convert, "convert spike files between SONATA HDF5 and CSV"},
};

void print_usage(std::FILE* out) {
    std::fputs("usage: evspike <command> [args] [--help]\n\nevspike: precise spike timing from the "
               "command line.\n\ncommands:\n",
               out);
    for (const auto& c : commands) std::fprintf(out, "  %-18s %s\n", c.words, c.summary);
}

// Prints the commands whose first word is `group` ("generate"), for `evspike generate --help`;
// with out == nullptr only tells whether there are any.
bool print_group(std::FILE* out, const std::string& group) {
    bool any = false;
    for (const auto& c : commands) {
        const std::string words = c.words;
        if (words.size() > group.size() && words.compare(0, group.size(), group) == 0 && words[group.size()] == ' ') {
            if (out == nullptr) return true;
            if (!any) std::fprintf(out, "usage: evspike %s <command> [args] [--help]\n\ncommands:\n", group.c_str());
            any = true;
            std::fprintf(out, "  %-18s %s\n", c.words, c.summary);
        }
    }
    return any;
}

// Finds the longest command whose words match the leading arguments.
const command* find_command(const std::vector<std::string>& argv, std::size_t& words_used) {
    for (const auto& c : commands) {
        std::string words = c.words;
        const auto space = words.find(' ');
        if (space == std::string::npos) {
            if (!argv.empty() && argv[0] == words) {
                words_used = 1;
                return &c;
            }
        } else if (argv.size() >= 2 && argv[0] == words.substr(0, space) && argv[1] == words.substr(space + 1)) {
            words_used = 2;
            return &c;
        }
    }
    return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
    evspike::cli::set_invocation(argc, argv);
    evspike::remove_temporaries_on_signals();
    std::vector<std::string> all(argv + 1, argv + argc);
    if (all.empty()) {
        print_usage(stderr);
        return 2;
    }
    if (all[0] == "--help" || all[0] == "-h" || all[0] == "help") {
        print_usage(stdout);
        return 0;
    }
    if (all[0] == "--version") {
        std::printf("evspike %s\n", EVSPIKE_VERSION);
        return 0;
    }
    std::size_t used = 0;
    const command* c = find_command(all, used);
    if (c == nullptr) {
        // A group word ("generate") alone, with --help or with an unknown second word lists its
        // commands.
        if (print_group(nullptr, all[0])) {
            const bool help = all.size() >= 2 && (all[1] == "--help" || all[1] == "-h" || all[1] == "help");
            if (help) {
                print_group(stdout, all[0]);
                return 0;
            }
            if (all.size() == 1)
                std::fprintf(stderr, "error: '%s' needs a command\n", all[0].c_str());
            else
                std::fprintf(stderr, "error: unknown command '%s %s'\n", all[0].c_str(), all[1].c_str());
            print_group(stderr, all[0]);
            return 2;
        }
        std::fprintf(stderr, "error: unknown command '%s'\n", all[0].c_str());
        print_usage(stderr);
        return 2;
    }
    try {
        return c->run(args(all.begin() + static_cast<std::ptrdiff_t>(used), all.end()));
    } catch (const evspike::peer_failure& e) {
        return e.exit_code;  // another rank failed and reported it (core/comm.hpp)
    } catch (const evspike::cli::usage_error& e) {
        std::fprintf(stderr, "error: %s\nusage: %s\n(see 'evspike %s --help')\n", e.what(), e.usage.c_str(), c->words);
        return 2;
    } catch (const evspike::output_is_input& e) {
        std::fprintf(stderr, "error: %s\n(see 'evspike %s --help')\n", e.what(), c->words);
        return 2;
    } catch (const evspike::error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fputs("error: out of memory\n", stderr);
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: internal: %s\n", e.what());
        return 1;
    }
}
