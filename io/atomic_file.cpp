#include "io/atomic_file.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <utility>

namespace evspike {

namespace fs = std::filesystem;

// ------------------------------------------------------------------------------------ inputs

namespace {

struct input {
    std::string path;
    std::string role;
};

std::vector<input>& inputs() {
    static std::vector<input> list;
    return list;
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {}, sb {};
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    std::error_code ea, eb;
    const auto ca = fs::weakly_canonical(a, ea), cb = fs::weakly_canonical(b, eb);
    return !ea && !eb && ca == cb;
}

}  // namespace

void declare_input(const std::string& path, const std::string& role) {
    if (!path.empty()) inputs().push_back({path, role});
}

void check_output(const std::string& output) {
    for (const auto& in : inputs())
        if (same_file(output, in.path)) throw output_is_input(output, in.path, in.role);
}

void check_output_against(const std::string& output,
                          std::initializer_list<std::pair<std::string, std::string>> inputs) {
    for (const auto& [path, role] : inputs)
        if (!path.empty() && !output.empty() && same_file(output, path)) throw output_is_input(output, path, role);
}

void clear_inputs() { inputs().clear(); }

// ------------------------------------------------------------------------------------ temporaries
// The registry is read by signal handlers: fixed slots of pre-computed C strings, claimed and
// released with atomics; the handler only loads pointers and calls unlink (async-signal-safe).

namespace {

constexpr std::size_t max_temporaries = 256;
std::atomic<char*> registry[max_temporaries];

extern "C" void remove_temporaries_and_exit(int signal) {
    for (auto& slot : registry)
        if (char* path = slot.load()) ::unlink(path);
    ::_exit(128 + signal);
}

}  // namespace

void remove_temporaries_on_signals() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = remove_temporaries_and_exit;
        sigemptyset(&action.sa_mask);
        // Block the other two while one runs, so that the list is walked once.
        for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&action.sa_mask, s);
        for (int s : {SIGINT, SIGTERM, SIGHUP}) {
            struct sigaction old {};
            // A signal the parent set to be ignored (nohup) stays ignored.
            if (::sigaction(s, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
            ::sigaction(s, &action, nullptr);
        }
    });
}

namespace {

// Returns the slot holding `path`, or max_temporaries if the registry is full (the temporary is
// then only removed by the destructor and by the stale sweep of a later run).
std::size_t register_temporary(const std::string& path) {
    char* copy = ::strdup(path.c_str());
    if (copy == nullptr) throw std::bad_alloc();
    for (std::size_t i = 0; i < max_temporaries; ++i) {
        char* expected = nullptr;
        if (registry[i].compare_exchange_strong(expected, copy)) return i;
    }
    std::free(copy);
    return max_temporaries;
}

void unregister_temporary(const std::string& path) {
    for (auto& slot : registry) {
        char* p = slot.load();
        if (p != nullptr && path == p && slot.compare_exchange_strong(p, nullptr)) {
            std::free(p);
            return;
        }
    }
}

// "<name>.evspike-tmp-<pid>-<6 characters>": the owner's pid, or 0 if the name is not ours.
pid_t owner_of(const std::string& name) {
    const auto at = name.rfind(temp_marker);
    if (at == std::string::npos || at == 0) return 0;
    const std::string rest = name.substr(at + temp_marker.size());
    const auto dash = rest.find('-');
    if (dash == std::string::npos || dash == 0 || rest.size() != dash + 7) return 0;
    long long pid = 0;
    for (std::size_t i = 0; i < dash; ++i) {
        if (rest[i] < '0' || rest[i] > '9' || pid > 1'000'000'000) return 0;
        pid = pid * 10 + (rest[i] - '0');
    }
    return static_cast<pid_t>(pid);
}

std::string folder_of(const std::string& target) {
    const auto parent = fs::path(target).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

std::size_t remove_stale_temporaries(const std::string& folder) {
    const std::string dir = folder.empty() ? std::string(".") : folder;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return 0;
    std::size_t removed = 0;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        const pid_t pid = owner_of(name);
        // A live pid (ours included) may be writing it; kill(pid, 0) fails with ESRCH only when no
        // such process exists (EPERM: it exists under another user).
        if (pid <= 0 || pid == ::getpid()) continue;
        if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
        if (::unlink((dir + "/" + name).c_str()) == 0) ++removed;
    }
    ::closedir(d);
    return removed;
}

// ------------------------------------------------------------------------------------ atomic_path

atomic_path::atomic_path(std::string target) : target_(std::move(target)) {
    check_output(target_);
    remove_stale_temporaries(folder_of(target_));
    std::string pattern = target_ + std::string(temp_marker) + std::to_string(::getpid()) + "-XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    // Register the name before the file exists: a signal between mkstemp and registration would
    // otherwise leave it behind. The random part is only known after mkstemp, so block the three
    // signals around the pair instead.
    sigset_t block, old;
    sigemptyset(&block);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, s);
    ::sigprocmask(SIG_BLOCK, &block, &old);
    const int fd = ::mkstemp(buffer.data());
    const int saved = errno;
    if (fd >= 0) {
        temp_ = buffer.data();
        pending_ = true;
        try {
            register_temporary(temp_);
        } catch (...) {
            ::close(fd);
            discard();
            ::sigprocmask(SIG_SETMASK, &old, nullptr);
            throw;
        }
        ::close(fd);
    }
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (fd < 0) throw io_error(target_, "", std::string("cannot create the output file: ") + std::strerror(saved));
}

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
    ::unlink(temp_.c_str());
    unregister_temporary(temp_);
}

void atomic_path::commit() {
    if (!pending_) return;
    // mkstemp creates 0600; give the file the permissions a plain fopen would have.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::chmod(temp_.c_str(), 0666 & ~mask);
    std::error_code ec;
    fs::rename(temp_, target_, ec);
    if (ec) {
        discard();
        throw io_error(target_, "", "cannot rename the finished temporary file into place: " + ec.message());
    }
    pending_ = false;
    unregister_temporary(temp_);  // after the rename: a signal in between finds no file, harmlessly
}

// ------------------------------------------------------------------------------------ atomic_file

atomic_file::atomic_file(std::string path) : out_(std::move(path)) {
    file_ = std::fopen(out_.temp().c_str(), "wb");
    if (file_ == nullptr)
        throw io_error(out_.target(), "", std::string("cannot open the output file: ") + std::strerror(errno));
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
    out_.commit();
    committed_ = true;
}

}  // namespace evspike
