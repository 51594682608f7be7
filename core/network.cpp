#include "core/network.hpp"

#include <algorithm>
#include <bit>

#include "core/error.hpp"

namespace evspike {

double network::bytes_per_synapse() const {
    if (delays.empty()) return 0.0;
    const double bytes = static_cast<double>(delays.capacity() * sizeof(double) +
                                             targets.capacity() * sizeof(std::uint32_t) +
                                             weights.capacity() * sizeof(double) +
                                             weights32.capacity() * sizeof(float) +
                                             weight_palette.capacity() * sizeof(double) +
                                             offsets.capacity() * sizeof(std::uint64_t));
    return bytes / static_cast<double>(delays.size());
}

void network::store(const std::vector<synapse>& s) {
    delays.resize(s.size());
    targets.resize(s.size());
    weights.clear();
    weights32.clear();
    weight_palette.clear();
    for (std::size_t k = 0; k < s.size(); ++k) delays[k] = s[k].delay_ms;
    // The distinct weights, compared bit for bit (so -0.0 and 0.0 stay apart), kept sorted: at
    // most 256? (A binary search per synapse, stopping at the 257th value.)
    std::vector<std::uint64_t> bits;
    const auto bits_of = [this](double w) { return std::bit_cast<std::uint64_t>(stored_weight(w)); };
    bool palette = node_count <= target_mask + 1;
    for (std::size_t k = 0; palette && k < s.size(); ++k) {
        const std::uint64_t b = bits_of(s[k].weight);
        const auto at = std::lower_bound(bits.begin(), bits.end(), b);
        if (at == bits.end() || *at != b) {
            if (bits.size() == 256) palette = false;
            bits.insert(at, b);
        }
    }
    if (palette && !s.empty()) {
        for (const std::uint64_t b : bits) weight_palette.push_back(std::bit_cast<double>(b));
        for (std::size_t k = 0; k < s.size(); ++k) {
            const auto index = std::lower_bound(bits.begin(), bits.end(), bits_of(s[k].weight)) - bits.begin();
            targets[k] = s[k].target | (static_cast<std::uint32_t>(index) << 24);
        }
    } else {
        for (std::size_t k = 0; k < s.size(); ++k) targets[k] = s[k].target;
        if (float32_weights) {
            weights32.resize(s.size());
            for (std::size_t k = 0; k < s.size(); ++k) weights32[k] = static_cast<float>(s[k].weight);
        } else {
            weights.resize(s.size());
            for (std::size_t k = 0; k < s.size(); ++k) weights[k] = s[k].weight;
        }
    }
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
