#include "io/atomic_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "core/error.hpp"

namespace evspike {

atomic_file::atomic_file(std::string path) : path_(std::move(path)) {
    std::string pattern = path_ + ".tmp-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    const int fd = mkstemp(buffer.data());
    if (fd < 0) throw io_error(path_, "", std::string("cannot create the output file: ") + std::strerror(errno));
    temp_path_ = buffer.data();
    file_ = fdopen(fd, "wb");
    if (file_ == nullptr) {
        const int saved = errno;
        ::close(fd);
        std::remove(temp_path_.c_str());
        throw io_error(path_, "", std::string("cannot open the output file: ") + std::strerror(saved));
    }
}

atomic_file::~atomic_file() {
    if (committed_) return;
    if (file_ != nullptr) std::fclose(file_);
    std::remove(temp_path_.c_str());
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
        throw io_error(path_, "", std::string("cannot write the output file: ") + std::strerror(saved ? saved : errno));
    // mkstemp creates 0600; give the file the permissions a plain fopen would have.
    const mode_t mask = umask(0);
    umask(mask);
    ::chmod(temp_path_.c_str(), 0666 & ~mask);
    if (std::rename(temp_path_.c_str(), path_.c_str()) != 0)
        throw io_error(path_, "", std::string("cannot rename the finished output into place: ") + std::strerror(errno));
    committed_ = true;
}

}  // namespace evspike
