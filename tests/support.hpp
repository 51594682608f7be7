#pragma once
// Shared test helpers: per-test temporary directories, running the evspike binary, and checking
// that bad parameters are refused naming their key.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <sys/wait.h>

#include <doctest/doctest.h>

#include "core/error.hpp"
#include "test_paths.hpp"

namespace evspike::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir() {
        std::random_device rd;
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto candidate = std::filesystem::temp_directory_path() /
                             ("evspike-test-" + std::to_string(rd()) + std::to_string(rd()));
            if (std::filesystem::create_directory(candidate)) {
                path_ = candidate;
                return;
            }
        }
        throw std::runtime_error("cannot create a temporary directory");
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

struct command_result {
    int exit_code = -1;
    std::string out;  // stdout and stderr, merged
};

// Runs a shell command line, capturing stdout and stderr together.
inline command_result run(const std::string& command_line) {
    command_result result;
    FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.out.append(buffer.data(), n);
    int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

// Runs `evspike <args>`.
inline command_result run_evspike(const std::string& args) {
    return run(std::string(evspike_binary) + " " + args);
}

// Checks that params.validate() refuses `params` with a config_error naming `key`.
template <class Params>
void check_rejected_key(const Params& params, const std::string& key) {
    CAPTURE(key);
    try {
        params.validate();
        FAIL("accepted");
    } catch (const config_error& e) {
        CHECK(e.key == key);
    }
}

}  // namespace evspike::test
