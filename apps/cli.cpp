#include "apps/cli.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace evspike::cli {

bool command_line::parse(const std::vector<std::string>& args, po::variables_map& vm) {
    po::options_description all;
    po::options_description common{"Common options"};
    common.add_options()("help,h", "show this help and exit")("quiet,q", "no progress bar");
    all.add(options).add(common);
    try {
        po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
        if (vm.count("help") != 0) {
            std::cout << "usage: " << usage << "\n\n" << all << "\n";
            return false;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw usage_error(e.what(), usage);
    }
    return true;
}

progress_bar::progress_bar(std::string label, double total, bool quiet)
    : label_(std::move(label)), total_(total), enabled_(!quiet && isatty(STDERR_FILENO) == 1) {}

progress_bar::~progress_bar() {
    if (enabled_ && !finished_) std::fputs("\n", stderr);
}

void progress_bar::update(double done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
}

void progress_bar::finish() {
    if (!enabled_ || finished_) return;
    draw(total_);
    std::fputs("\n", stderr);
    finished_ = true;
}

void progress_bar::draw(double done) {
    constexpr int width = 40;
    const double fraction = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 1.0;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.append(static_cast<std::size_t>(width - filled), '.');
    std::fprintf(stderr, "\r%s [%s] %5.1f%%", label_.c_str(), bar.c_str(), 100.0 * fraction);
    std::fflush(stderr);
}

namespace {
std::string& invocation_text() {
    static std::string text;
    return text;
}
}  // namespace

const std::string& invocation() { return invocation_text(); }

void set_invocation(int argc, char** argv) {
    std::string text;
    for (int i = 0; i < argc; ++i) {
        if (i > 0) text += ' ';
        text += argv[i];
    }
    invocation_text() = text;
}

}  // namespace evspike::cli
