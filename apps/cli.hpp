#pragma once
// Command-line plumbing shared by every command (SPEC §8): option parsing with --help, usage
// errors (exit 2) apart from runtime errors (exit 1), and a progress bar on a terminal.
#include <boost/program_options.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace evspike::cli {

namespace po = boost::program_options;

// Wrong command line: main() prints "error: <what>" and the usage, and exits 2.
struct usage_error : std::runtime_error {
    usage_error(const std::string& what, std::string usage_text)
        : std::runtime_error(what), usage(std::move(usage_text)) {}
    std::string usage;
};

// One command's interface: its usage line, options and positional arguments.
struct command_line {
    std::string usage;  // e.g. "evspike info FILE [--json]"
    po::options_description options{"Options"};
    po::positional_options_description positional;

    // Parses args (without the command words). Adds --help and --quiet. Returns false when
    // --help was given and printed (the command then returns 0). Throws usage_error.
    bool parse(const std::vector<std::string>& args, po::variables_map& vm);
};

// A progress bar on stderr, drawn only when stderr is a terminal and not quiet.
class progress_bar {
public:
    progress_bar(std::string label, double total, bool quiet);
    ~progress_bar();
    void update(double done);
    void finish();

private:
    void draw(double done);
    std::string label_;
    double total_;
    bool enabled_;
    bool finished_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

// The full command as typed, for provenance (root attribute evspike_command).
const std::string& invocation();
void set_invocation(int argc, char** argv);

}  // namespace evspike::cli
