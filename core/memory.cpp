#include "core/memory.hpp"

#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <limits>

#include "core/error.hpp"

namespace evspike {

std::uint64_t physical_memory() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::string human_bytes(double bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    std::size_t u = 0;
    while (bytes >= 1000 && u + 1 < std::size(units)) {
        bytes /= 1000;
        ++u;
    }
    char buffer[48];
    if (bytes >= 1e6)
        std::snprintf(buffer, sizeof buffer, "%.2g %s", bytes, units[u]);
    else
        std::snprintf(buffer, sizeof buffer, "%.*f %s", bytes < 10 && u > 0 ? 1 : 0, bytes, units[u]);
    return buffer;
}

void check_memory(const std::string& what, double bytes, const std::string& detail, std::uint64_t limit,
                  const std::string& limit_name) {
    const bool given = limit != 0;
    const double cap = static_cast<double>(given ? limit : physical_memory());
    if (!(bytes > cap)) return;
    throw error(what + " needs about " + human_bytes(bytes) + " of memory (" + detail + "), more than " +
                (given ? limit_name + " " + human_bytes(cap) : "the " + human_bytes(cap) + " of this machine") +
                "; nothing was started");
}

}  // namespace evspike
