#pragma once
// Atomic output (SPEC §8): every output is written under a temporary name beside its target and
// renamed over it only by commit(), so a failed or interrupted run never leaves a half-written file
// at the target path. atomic_path is the one mechanism (the HDF5 writers fill its temp() path);
// atomic_file is a text or binary stdio file on top of it.
#include <cstdio>
#include <string>
#include <string_view>

namespace evspike {

class atomic_path {
public:
    atomic_path() = default;                            // owns nothing
    explicit atomic_path(std::string target);           // temporary "<target>.tmp-<pid>" beside the target
    atomic_path(std::string target, std::string temp);  // a temporary the caller named (or created)
    atomic_path(atomic_path&& other) noexcept;
    atomic_path& operator=(atomic_path&& other) noexcept;
    ~atomic_path();  // without commit(): the temporary file (if any) is removed; close it first

    const std::string& target() const { return target_; }
    const std::string& temp() const { return temp_; }

    // Renames the finished (closed) temporary over the target. On failure the temporary is removed
    // and io_error naming the target is thrown.
    void commit();

private:
    void discard() noexcept;
    std::string target_;
    std::string temp_;
    bool pending_ = false;  // the temporary is ours to remove
};

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
    const std::string& path() const { return out_.target(); }

private:
    atomic_path out_;  // ~atomic_file closes file_, then out_ removes the temporary unless committed
    std::FILE* file_ = nullptr;
    bool committed_ = false;
};

}  // namespace evspike
