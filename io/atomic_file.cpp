#include "io/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace evspike {

// ------------------------------------------------------------------------------------ atomic_path

atomic_path::atomic_path(std::string target)
    : target_(std::move(target)), temp_(target_ + ".tmp-" + std::to_string(::getpid())), pending_(true) {}

atomic_path::atomic_path(std::string target, std::string temp)
    : target_(std::move(target)), temp_(std::move(temp)), pending_(true) {}

atomic_path::atomic_path(atomic_path&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      pending_(std::exchange(other.pending_, false)) {}

atomic_path& atomic_path::operator=(atomic_path&& other) noexcept {
    if (this != &other) {
        discard();
        target_ = std::move(other.target_);
        temp_ = std::move(other.temp_);
        pending_ = std::exchange(other.pending_, false);
    }
    return *this;
}

atomic_path::~atomic_path() { discard(); }

void atomic_path::discard() noexcept {
    if (!pending_) return;
    pending_ = false;
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
}

void atomic_path::commit() {
    if (!pending_) return;
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) {
        discard();
        throw io_error(target_, "", "cannot rename the finished temporary file into place: " + ec.message());
    }
    pending_ = false;
}

// ------------------------------------------------------------------------------------ atomic_file

atomic_file::atomic_file(std::string path) {
    std::string pattern = path + ".tmp-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    const int fd = mkstemp(buffer.data());
    if (fd < 0)
        throw io_error(path, "", std::string("cannot create the output file: ") + std::strerror(errno));
    out_ = atomic_path(std::move(path), buffer.data());
    file_ = fdopen(fd, "wb");
    if (file_ == nullptr) {
        const int saved = errno;
        ::close(fd);
        throw io_error(out_.target(), "",
                       std::string("cannot open the output file: ") + std::strerror(saved));
    }
}

atomic_file::~atomic_file() {
    if (file_ != nullptr) std::fclose(file_);
}

void atomic_file::write(std::string_view text) {
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), file_);
}

void atomic_file::commit() {
    if (committed_) return;
    const bool write_failed = std::ferror(file_) != 0 || std::fflush(file_) != 0;
    const int saved = errno;
    const bool close_failed = std::fclose(file_) != 0;
    file_ = nullptr;
    if (write_failed || close_failed)
        throw io_error(out_.target(), "",
                       std::string("cannot write the output file: ") + std::strerror(saved ? saved : errno));
    // mkstemp creates 0600; give the file the permissions a plain fopen would have.
    const mode_t mask = umask(0);
    umask(mask);
    ::chmod(out_.temp().c_str(), 0666 & ~mask);
    out_.commit();
    committed_ = true;
}

}  // namespace evspike
