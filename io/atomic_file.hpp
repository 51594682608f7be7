#pragma once
// Atomic output (SPEC §8): every output is written under a temporary name beside its target and
// renamed over it only by commit(), so a failed or interrupted run never leaves a half-written file
// at the target path. atomic_path is the one mechanism (the HDF5 writers fill its temp() path);
// atomic_file is a text or binary stdio file on top of it. The safety rules live here, once:
//
//   1. An output is never an input. Commands declare their inputs (declare_input) before writing;
//      creating an atomic_path whose target is the same file as a declared input (same device and
//      inode, or the same canonical path) throws output_is_input before anything is created.
//   2. A temporary never outlives its command. Temporaries are named
//      "<target>.evspike-tmp-<pid>-<6 random characters>" (temp_marker) and registered in a
//      process-wide list; once a program calls remove_temporaries_on_signals() (the evspike
//      command does, a library user such as the Python module keeps its own handlers), SIGINT,
//      SIGTERM and SIGHUP remove them and exit with 128 + the signal.
//   3. Leftovers of a killed process (SIGKILL, power loss) are removed by the next atomic_path
//      created in the same folder once their owner pid is gone (kill(pid, 0) fails with ESRCH).
#include <cstdio>
#include <initializer_list>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace evspike {

// The part of a temporary's file name after the target's name, before the pid.
inline constexpr std::string_view temp_marker = ".evspike-tmp-";

// An output that names an input of the same command: a usage error (apps/ maps it to exit 2).
struct output_is_input : error {
    output_is_input(const std::string& output, const std::string& input, const std::string& role)
        : error(output + ": the output is the same file as the " + role + " " + input +
                " (an output never overwrites an input; choose another output path)") {}
};

// Declares a file the running command reads; `role` names it in messages ("config", "raster").
// Paths that do not exist are ignored (reading them fails on its own).
void declare_input(const std::string& path, const std::string& role = "input");
// Throws output_is_input if `output` is the same file as a declared input.
void check_output(const std::string& output);
// Throws output_is_input if `output` is the same file as one of `inputs` ({path, role}; empty
// paths ignored): the same test as check_output, against a library call's own inputs (no
// process-wide list, so concurrent calls from Python threads do not see each other's).
void check_output_against(const std::string& output,
                          std::initializer_list<std::pair<std::string, std::string>> inputs);
// Forgets every declared input (tests run several commands in one process).
void clear_inputs();

// Installs the handlers of rule 2 for SIGINT, SIGTERM and SIGHUP (once; a signal the parent
// ignores, as under nohup, stays ignored).
void remove_temporaries_on_signals();

// Removes leftover temporaries of dead processes in `folder` ("" = the current folder); returns
// how many were removed. Called by every new atomic_path for its target's folder.
std::size_t remove_stale_temporaries(const std::string& folder);

class atomic_path {
public:
    atomic_path() = default;                   // owns nothing
    // Checks the target against the declared inputs, removes stale temporaries of the folder and
    // creates an empty temporary "<target>.evspike-tmp-<pid>-XXXXXX" beside it (io_error naming
    // the target if it cannot); the temporary is registered for removal on a signal.
    explicit atomic_path(std::string target);
    atomic_path(atomic_path&& other) noexcept;
    atomic_path& operator=(atomic_path&& other) noexcept;
    ~atomic_path();  // without commit(): the temporary file (if any) is removed; close it first

    const std::string& target() const { return target_; }
    const std::string& temp() const { return temp_; }

    // Gives the finished (closed) temporary the permissions a plain fopen would (0666 & ~umask)
    // and renames it over the target. On failure the temporary is removed and io_error naming the
    // target is thrown.
    void commit();

private:
    void discard() noexcept;
    std::string target_;
    std::string temp_;
    bool pending_ = false;  // the temporary is ours to remove
};

class atomic_file {
public:
    // Creates the temporary of atomic_path(path); io_error naming `path` on failure.
    explicit atomic_file(std::string path);
    ~atomic_file();  // without commit(): the temporary file is removed
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    void write(std::string_view text);
    std::FILE* stream() { return file_; }  // for fprintf-style writers; errors show at commit()

    // Flushes, checks every write succeeded, closes and renames onto the target path.
    void commit();
    const std::string& path() const { return out_.target(); }

private:
    atomic_path out_;  // ~atomic_file closes file_, then out_ removes the temporary unless committed
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

}  // namespace evspike
