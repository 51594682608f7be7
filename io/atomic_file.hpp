#pragma once
// A text or binary output file written under a temporary name beside its target and renamed over
// it only by commit() (SPEC §8): a failed or interrupted run never leaves a half-written file at
// the target path. The HDF5 writer does the same inside spike_writer.
#include <cstdio>
#include <string>
#include <string_view>

namespace evspike {

class atomic_file {
public:
    // Creates "<path>.tmp-XXXXXX" in the target's directory; io_error naming `path` on failure.
    explicit atomic_file(std::string path);
    ~atomic_file();  // without commit(): the temporary file is removed
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    void write(std::string_view text);
    std::FILE* stream() { return file_; }  // for fprintf-style writers; errors show at commit()

    // Flushes, checks every write succeeded, closes and renames onto the target path.
    void commit();
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string temp_path_;
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

}  // namespace evspike
