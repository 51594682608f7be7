#include "core/network.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace evspike {

double network::bytes_per_synapse() const {
    if (synapses.empty()) return 0.0;
    const double bytes = static_cast<double>(synapses.capacity() * sizeof(synapse) +
                                             offsets.capacity() * sizeof(std::uint64_t));
    return bytes / static_cast<double>(synapses.size());
}

const node_group& network::group_of(std::uint32_t gid) const {
    // Groups are contiguous and ordered by first id.
    auto it = std::upper_bound(groups.begin(), groups.end(), gid,
                               [](std::uint32_t id, const node_group& g) { return id < g.first; });
    if (it == groups.begin())
        throw internal_error("network: no group holds global id " + std::to_string(gid));
    --it;
    if (gid >= it->first + it->size)
        throw internal_error("network: no group holds global id " + std::to_string(gid));
    return *it;
}

const node_group* network::find(const std::string& name) const {
    for (const auto& g : groups)
        if (g.name == name) return &g;
    return nullptr;
}

}  // namespace evspike
