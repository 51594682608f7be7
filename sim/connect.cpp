#include "sim/connect.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <bit>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "core/error.hpp"
#include "models/variates.hpp"

namespace evspike {

std::string connection_stream_name(const simulation_spec& spec, std::size_t index) {
    const auto& c = spec.connections.at(index);
    std::size_t k = 0;
    for (std::size_t i = 0; i < index; ++i)
        if (spec.connections[i].source == c.source && spec.connections[i].target == c.target) ++k;
    return "connection/" + c.source + "->" + c.target + "#" + std::to_string(k);
}

double draw_value(const distribution& d, random_stream& rng) {
    if (const auto* c = std::get_if<constant_dist>(&d)) return c->value;
    if (const auto* u = std::get_if<uniform_dist>(&d)) return u->lo + (u->hi - u->lo) * uniform01(rng);
    const auto& n = std::get<normal_dist>(d);
    return n.mean + n.sd * standard_normal(rng);
}

namespace {

void check_weight_dist(const distribution& d, const std::string& key) {
    const bool finite = std::visit(
        [](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, constant_dist>)
                return std::isfinite(x.value);
            else if constexpr (std::is_same_v<T, uniform_dist>)
                return std::isfinite(x.lo) && std::isfinite(x.hi) && x.lo <= x.hi;
            else
                return std::isfinite(x.mean) && std::isfinite(x.sd) && x.sd >= 0.0;
        },
        d);
    if (!finite)
        throw config_error(key, "weights must be finite (and uniform needs lo <= hi, normal sd >= 0)");
}

void check_delay_dist(const distribution& d, const std::string& key) {
    if (const auto* c = std::get_if<constant_dist>(&d)) {
        if (!(c->value >= min_delay_ms) || !std::isfinite(c->value))
            throw config_error(
                key, "delay must be finite and > 0 (at least 1e-9 ms), got " + std::to_string(c->value));
    } else if (const auto* u = std::get_if<uniform_dist>(&d)) {
        if (!(u->lo >= min_delay_ms) || !(u->hi >= u->lo) || !std::isfinite(u->hi))
            throw config_error(key, "a uniform delay needs 0 < lo <= hi (lo at least 1e-9 ms)");
    } else {
        const auto& n = std::get<normal_dist>(d);
        if (!std::isfinite(n.mean) || !std::isfinite(n.sd) || n.sd < 0.0)
            throw config_error(key, "a normal delay needs a finite mean and sd >= 0");
        // Redrawing until > 0 must terminate quickly: refuse P(delay > 0) < ~1e-6.
        if (n.sd == 0.0 ? !(n.mean > 0.0) : n.mean / n.sd < -4.75)
            throw config_error(key, "a normal delay with this mean and sd is almost never > 0");
    }
}

// A distribution resolved once per connection and drawn per synapse without a variant visit;
// the same arithmetic, so the same values, as draw_value.
struct sampler {
    enum kind_t : std::uint8_t { constant, uniform, normal };
    kind_t kind = constant;
    double a = 0.0, b = 0.0;  // value | lo, hi - lo | mean, sd
    explicit sampler(const distribution& d) {
        if (const auto* c = std::get_if<constant_dist>(&d)) {
            a = c->value;
        } else if (const auto* u = std::get_if<uniform_dist>(&d)) {
            kind = uniform;
            a = u->lo;
            b = u->hi - u->lo;
        } else {
            const auto& n = std::get<normal_dist>(d);
            kind = normal;
            a = n.mean;
            b = n.sd;
        }
    }
    double operator()(random_stream& rng) const {
        switch (kind) {
            case constant: return a;
            case uniform: return a + b * uniform01(rng);
            default: return a + b * standard_normal(rng);
        }
    }
    // Delays drawn from a normal are redrawn until >= min_delay_ms (SPEC §5 says > 0; below
    // min_delay_ms a delay is not resolvable, see connect.hpp).
    double delay(random_stream& rng) const {
        for (;;) {
            const double value = (*this)(rng);
            if (value >= min_delay_ms) return value;
        }
    }
};

// The distinct weights (as stored: network::stored_weight) of the synapses built so far, sorted
// by bits (so -0.0 and 0.0 stay apart), up to 257 (then: no palette).
struct weight_set {
    bool float32 = false;
    std::uint64_t bits_of(double w) const {
        return std::bit_cast<std::uint64_t>(float32 ? static_cast<double>(static_cast<float>(w)) : w);
    }
    std::vector<std::uint64_t> bits;
    bool overflow = false;
    void add(double w) {
        if (overflow) return;
        const std::uint64_t b = bits_of(w);
        const auto at = std::lower_bound(bits.begin(), bits.end(), b);
        if (at != bits.end() && *at == b) return;
        if (bits.size() == 256) {
            overflow = true;
            return;
        }
        bits.insert(at, b);
    }
    std::uint32_t index(double w) const {
        return static_cast<std::uint32_t>(std::lower_bound(bits.begin(), bits.end(), bits_of(w)) - bits.begin());
    }
};

// The distinct-draw check of choose() beyond a few draws: open addressing over a power-of-two
// table at most 1/4 full, emptied by bumping a stamp (no allocation or clearing per target, which
// made std::unordered_set the cost with multapses = false).
class draw_set {
public:
    void reset(std::uint64_t k) {
        const std::uint64_t want = std::bit_ceil(std::max<std::uint64_t>(64, 4 * k));
        if (slots_.size() != want) {
            slots_.assign(want, slot{});
            shift_ = 64 - std::countr_zero(want);
            now_ = 0;
        }
        if (++now_ == 0) {
            std::fill(slots_.begin(), slots_.end(), slot{});
            now_ = 1;
        }
    }
    // False if x is in the set already.
    bool insert(std::uint64_t x) {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t h = (x * 0x9E3779B97F4A7C15ull) >> shift_;; h = (h + 1) & mask) {
            slot& s = slots_[h];
            if (s.stamp != now_) {
                s = {x, now_};
                return true;
            }
            if (s.key == x) return false;
        }
    }

private:
    struct slot {
        std::uint64_t key = 0;
        std::uint64_t stamp = 0;
    };
    std::vector<slot> slots_;
    int shift_ = 58;
    std::uint64_t now_ = 0;
};

// Sorts a source's synapses by delay in place, ties in creation order (a source's fan-out is
// often already sorted: constant delays), and keeps the smallest and largest delay seen. A row is
// sorted by a stable bucket sort: bucket floor((d - lo) n / (hi - lo)) of n (monotone in d, so
// buckets in order and their elements in creation order, then a stable insertion sort within the
// nearly sorted row). With delays spread as in Benchmark 4's uniform [1, 3) that is ~1 element per
// bucket: linear, few mispredicted branches, where a comparison sort of 80 keys spent ~50 cycles
// a synapse on them. A row whose buckets come out crowded (> 32 in one: a skewed distribution)
// takes the comparison sort.
class row_sorter {
public:
    double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();

    // The row of n synapses at d, t and w64 or w32 (null when there are no per-synapse weights).
    void sort(double* d, std::uint32_t* t, double* w64, float* w32, std::size_t n) {
        if (n == 0) return;
        double row_lo = d[0], row_hi = d[0];
        bool sorted = true;
        for (std::size_t i = 1; i < n; ++i) {
            sorted &= d[i - 1] <= d[i];
            row_lo = std::min(row_lo, d[i]);
            row_hi = std::max(row_hi, d[i]);
        }
        lo = std::min(lo, row_lo);
        hi = std::max(hi, row_hi);
        if (sorted) return;
        const double scale = static_cast<double>(n) / (row_hi - row_lo);  // row_hi > row_lo: not sorted
        bool crowded = !std::isfinite(scale);
        if (!crowded) {
            bucket_.resize(n);
            count_.assign(n + 1, 0);
            for (std::size_t i = 0; i < n; ++i) {
                const double x = std::min(static_cast<double>(n - 1), (d[i] - row_lo) * scale);
                bucket_[i] = static_cast<std::uint32_t>(x);
                ++count_[bucket_[i] + 1];
            }
            for (std::size_t k = 1; k <= n; ++k) {
                crowded |= count_[k] > 32;
                count_[k] += count_[k - 1];
            }
        }
        if (crowded) {
            keys_.resize(n);
            for (std::size_t i = 0; i < n; ++i) keys_[i] = {std::bit_cast<std::uint64_t>(d[i]), static_cast<std::uint32_t>(i)};
            std::sort(keys_.begin(), keys_.end());
            targets_.assign(t, t + n);
            if (w64 != nullptr) weights_.assign(w64, w64 + n);
            if (w32 != nullptr) weights32_.assign(w32, w32 + n);
            for (std::size_t i = 0; i < n; ++i) {
                d[i] = std::bit_cast<double>(keys_[i].delay_bits);
                t[i] = targets_[keys_[i].at];
                if (w64 != nullptr) w64[i] = weights_[keys_[i].at];
                if (w32 != nullptr) w32[i] = weights32_[keys_[i].at];
            }
            return;
        }
        // Stable scatter by bucket into the scratch arrays, insertion sort there, copy back.
        delays_.resize(n);
        targets_.resize(n);
        if (w64 != nullptr) weights_.resize(n);
        if (w32 != nullptr) weights32_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint32_t at = count_[bucket_[i]]++;
            delays_[at] = d[i];
            targets_[at] = t[i];
            if (w64 != nullptr) weights_[at] = w64[i];
            if (w32 != nullptr) weights32_[at] = w32[i];
        }
        for (std::size_t i = 1; i < n; ++i) {
            const double x = delays_[i];
            if (!(delays_[i - 1] > x)) continue;
            const std::uint32_t y = targets_[i];
            const double wx = w64 != nullptr ? weights_[i] : 0.0;
            const float wx32 = w32 != nullptr ? weights32_[i] : 0.0f;
            std::size_t j = i;
            for (; j > 0 && delays_[j - 1] > x; --j) {
                delays_[j] = delays_[j - 1];
                targets_[j] = targets_[j - 1];
                if (w64 != nullptr) weights_[j] = weights_[j - 1];
                if (w32 != nullptr) weights32_[j] = weights32_[j - 1];
            }
            delays_[j] = x;
            targets_[j] = y;
            if (w64 != nullptr) weights_[j] = wx;
            if (w32 != nullptr) weights32_[j] = wx32;
        }
        std::copy(delays_.begin(), delays_.end(), d);
        std::copy(targets_.begin(), targets_.end(), t);
        if (w64 != nullptr) std::copy(weights_.begin(), weights_.end(), w64);
        if (w32 != nullptr) std::copy(weights32_.begin(), weights32_.end(), w32);
    }

private:
    struct key {
        std::uint64_t delay_bits;  // delays are > 0: their bits sort as the values
        std::uint32_t at;
        bool operator<(const key& o) const { return delay_bits != o.delay_bits ? delay_bits < o.delay_bits : at < o.at; }
    };
    std::vector<key> keys_;
    std::vector<std::uint32_t> bucket_, count_, targets_;
    std::vector<double> delays_, weights_;
    std::vector<float> weights32_;
};

// The fill pass's writes. Each synapse goes to its source's row in arrays far larger than the
// caches, and the synapses come in target order, so written one by one each would miss the TLB
// and two cache lines (its delay and its target) in a random place of the whole arrays: that was
// 65-80 % of the build at 4e6 neurons. Three ways, by size (docs/engine.md, "Building the network"):
// - direct (<= 2^23 synapses): batches of 4096 written in draw order, each synapse's cursor and
//   slots fetched ahead;
// - staged (the usual large case): the sources are cut into blocks of 2^shift_ consecutive ids
//   (~8192 blocks), whose rows are consecutive in the arrays. The fill pass appends each
//   synapse's record (delay, target word with the source's index within the block in its spare
//   top bits, weight) to its block's stream, written into the block's stretch of the arrays
//   themselves: ~8192 sequential streams whose current lines stay in L2. Then each block's
//   stream is copied aside and scattered into its rows, in order, and each row sorted by delay
//   while it is in cache;
// - sorted batches (large networks whose target words have too few spare bits): batches of 2^20
//   synapses (2 x 16 MB) sorted by source block (stable counting sort, ~1000 blocks) and written
//   block by block.
// Every way writes each source's synapses in the order they were drawn: the streams and the
// batch sort are stable and keep a source's synapses in one block.
// Blocks of 2^shift sources for the staged writes, and where a record keeps the source's index
// within its block (synapse_writer::put).
struct staging_plan {
    int shift = 0;  // 0: not staged
    int target_bits = 0, index_bits = 0;
    int low_bits = 0;  // bits of the index in the target word; the one above, if any, in the delay's sign
};

// shift from the node count (~2^stream_bits blocks). With a common delay a record has a word of
// its own for the index; otherwise the index goes in the target word's spare bits (above the
// target id, which is a neuron, and the palette index, at most `palette_size` values) and the
// delay's sign bit (delays are > 0), and blocks are made smaller when that is too few bits (not
// staged beyond 2^14 blocks: more streams than the caches hold).
staging_plan plan_staging(const network& net, std::size_t palette_size, bool common, const build_tuning& tuning) {
    staging_plan plan;
    if (!tuning.staged || net.node_count < 2) return plan;
    plan.target_bits = std::bit_width(std::max<std::uint32_t>(net.neuron_count, 2) - 1);
    plan.index_bits = palette_size > 0 ? std::bit_width(std::max<std::size_t>(palette_size, 2) - 1) : 0;
    const int bits = std::bit_width(net.node_count - 1);
    int shift = std::max(bits - tuning.stream_bits, 1);
    if (!common) {
        const int spare = tuning.word_bits - plan.target_bits - plan.index_bits;
        shift = std::min(shift, spare + 1);
        if (shift < 1 || bits - shift > 14 || plan.target_bits + plan.index_bits >= 32) return plan;
        plan.low_bits = std::min(shift, spare);
    }
    plan.shift = shift;
    return plan;
}

class synapse_writer {
public:
    // The arrays of `net` are allocated. `block_start` (size blocks + 1) holds where each block of
    // 2^plan.shift sources starts if the first pass counted per block: then the writes are
    // staged and net.offsets is set when the rows are placed. Otherwise net.offsets holds each
    // source's row start (and the total at node_count). `common` is the delay of every synapse
    // (common_delay) if there is one: then no delay is written nor sorted.
    synapse_writer(network& net, bool palette, std::optional<double> common, const build_tuning& tuning,
                   std::vector<std::uint64_t> block_start, staging_plan plan)
        : net_(net), palette_(palette), common_(common), block_start_(std::move(block_start)) {
        const std::uint64_t total = net.delays.size();
        const bool large = total > tuning.sort_above && net.node_count > 1;
        if (block_start_.empty() && large) {
            // Counted per source: staged if the bits allow it and no block is too wide.
            plan = plan_staging(net, palette ? net.weight_palette.size() : 0, common.has_value(), tuning);
            if (plan.shift > 0) {
                const std::uint64_t per = std::uint64_t{1} << plan.shift;
                std::uint64_t widest = 0;
                for (std::uint64_t first = 0; first < net.node_count; first += per) {
                    block_start_.push_back(net.offsets[first]);
                    widest = std::max(widest, net.offsets[std::min<std::uint64_t>(first + per, net.node_count)] -
                                                  net.offsets[first]);
                }
                block_start_.push_back(total);
                offsets_known_ = true;
                if (widest > tuning.max_stretch) block_start_.clear();  // a block too wide to copy aside
            }
        }
        if (!block_start_.empty()) {
            std::uint64_t widest = 0;
            for (std::size_t b = 0; b + 1 < block_start_.size(); ++b)
                widest = std::max(widest, block_start_[b + 1] - block_start_[b]);
            if (widest > tuning.max_stretch) throw internal_error("synapse_writer: a staged block is too wide");
            staged_ = true;
            shift_ = plan.shift;
            local_mask_ = (std::uint32_t{1} << shift_) - 1;
            target_bits_ = plan.target_bits;
            index_bits_ = plan.index_bits;
            low_bits_ = plan.low_bits;
            // The record's words and the arrays they are staged in, in this order: with a common
            // delay the target word and the index fill the delays' room, else the delay and the
            // target word fill the delays' and the targets'.
            segments_.push_back({reinterpret_cast<std::uint32_t*>(net.delays.data()), 2});
            if (!common) segments_.push_back({net.targets.data(), 1});
            if (!net.weights.empty()) segments_.push_back({reinterpret_cast<std::uint32_t*>(net.weights.data()), 2});
            if (!net.weights32.empty()) segments_.push_back({reinterpret_cast<std::uint32_t*>(net.weights32.data()), 1});
            for (const auto& g : segments_) words_ += g.words;
            weight_words_ = net.weights.empty() ? (net.weights32.empty() ? 0 : 1) : 2;
            stages_.resize(block_start_.size() - 1);
            for (std::size_t b = 0; b < stages_.size(); ++b) enter(b, 0);
            return;
        }
        // Batches, with net.offsets as the cursors (each source's row end after the fill).
        cursor_ = net.offsets.data();
        const std::size_t batch = static_cast<std::size_t>(
            std::min({total, std::max<std::uint64_t>(tuning.batch, 1), large ? total : std::uint64_t{4096}}));
        entries_.resize(batch);
        if (!palette_) weights_.resize(batch);
        if (large) {
            const int bits = std::bit_width(net.node_count - 1);
            shift_ = bits > tuning.block_bits ? bits - tuning.block_bits : 0;
            start_.resize((std::size_t{net.node_count - 1} >> shift_) + 2);
            sorted_.resize(batch);
            if (!palette_) sorted_weights_.resize(batch);
        }
    }

    // Synapse source -> target (global ids), its palette index (0 without a palette), delay and
    // weight (used without a palette only).
    void put(std::uint32_t source, std::uint32_t target, std::uint32_t index, double delay, double weight) {
        if (staged_) {
            // The record, appended to the block's stream: with a common delay the target word
            // (target | palette index << 24) and the source's index within its block; else the
            // delay (the index's top bit in its sign, if needed) and the target word with the
            // index's low bits above the target and the palette index. Then the weight without
            // a palette.
            std::uint32_t record[5] = {};
            const std::uint32_t local = source & local_mask_;
            std::size_t k;
            if (common_) {
                record[0] = target | index << 24;
                record[1] = local;
                k = 2;
            } else {
                const std::uint64_t bits = std::bit_cast<std::uint64_t>(delay) | std::uint64_t{local >> low_bits_} << 63;
                std::memcpy(record, &bits, 8);
                record[2] = target | index << target_bits_ |
                            (low_bits_ > 0 ? (local & ((std::uint32_t{1} << low_bits_) - 1)) << (target_bits_ + index_bits_) : 0);
                k = 3;
            }
            if (weight_words_ == 2) {
                std::memcpy(record + k, &weight, 8);
            } else if (weight_words_ == 1) {
                const float w = static_cast<float>(weight);
                std::memcpy(record + k, &w, 4);
            }
            stage& st = stages_[source >> shift_];
            __builtin_prefetch(st.at + 16 + words_, 1);  // the stream's next line
            if (st.end - st.at >= 5) [[likely]] {
                // 5 words, of which the ones past the record are overwritten by the block's next
                // records (a block's records fill its room exactly).
                std::memcpy(st.at, record, sizeof record);
                st.at += words_;
                return;
            }
            for (std::size_t w = 0; w < words_; ++w) {
                if (st.at == st.end) enter(source >> shift_, st.segment + 1);
                std::memcpy(st.at++, record + w, 4);
            }
            return;
        }
        entries_[n_] = {source, target | index << 24, delay};
        if (!palette_) weights_[n_] = weight;
        if (++n_ == entries_.size()) flush();
    }

    // After the fill pass: every synapse in its row, the rows sorted by delay, the offsets the
    // row starts again, the delay range set.
    void finish() {
        row_sorter sorter;
        if (staged_) {
            place(sorter);
        } else {
            flush();
            // The cursors stopped at each row's end, the next row's start: shifted back one place.
            for (std::uint32_t n = net_.node_count; n > 0; --n) net_.offsets[n] = net_.offsets[n - 1];
            net_.offsets[0] = 0;
            if (common_)
                std::fill(net_.delays.begin(), net_.delays.end(), *common_);
            else
                for (std::uint32_t n = 0; n < net_.node_count; ++n) sort_row(sorter, n);
        }
        if (net_.delays.empty()) return;
        net_.min_delay_ms = common_ ? *common_ : sorter.lo;
        net_.max_delay_ms = common_ ? *common_ : sorter.hi;
    }

private:
    struct entry {
        std::uint32_t source, word;
        double delay;
    };
    static constexpr std::size_t ahead = 16;  // slots fetched this many synapses ahead (cursors twice as far)
    // A staged block's stream: the next word and the end of the current segment's stretch.
    struct stage {
        std::uint32_t* at = nullptr;
        std::uint32_t* end = nullptr;
        std::uint32_t segment = 0;
    };
    // An array a staged record is written into, as 4-byte words, `words` per synapse.
    struct segment {
        std::uint32_t* base;
        std::uint32_t words;
    };

    // Block b's stream moves to segment g: the stretch of its rows in that array.
    void enter(std::size_t b, std::uint32_t g) {
        const std::uint64_t begin = block_start_[b], end = block_start_[b + 1];
        stages_[b] = {segments_[g].base + segments_[g].words * begin, segments_[g].base + segments_[g].words * end, g};
    }


    // Row n (net_.offsets[n] its start) sorted by delay.
    void sort_row(row_sorter& sorter, std::uint32_t n) {
        const std::uint64_t at = net_.offsets[n];
        sorter.sort(net_.delays.data() + at, net_.targets.data() + at,
                    net_.weights.empty() ? nullptr : net_.weights.data() + at,
                    net_.weights32.empty() ? nullptr : net_.weights32.data() + at, net_.offsets[n + 1] - at);
    }

    // The staged blocks, one by one: the stream (a few hundred KB) copied aside, its records
    // scattered into their rows in order (the target words restored: target | palette index <<
    // 24), the rows sorted by delay while in cache.
    void place(row_sorter& sorter) {
        std::uint64_t* const offsets = net_.offsets.data();
        double* const delays = net_.delays.data();
        std::uint32_t* const targets = net_.targets.data();
        double* const w64 = net_.weights.empty() ? nullptr : net_.weights.data();
        float* const w32 = net_.weights32.empty() ? nullptr : net_.weights32.data();
        const auto target_mask = static_cast<std::uint32_t>((std::uint64_t{1} << target_bits_) - 1);
        const auto index_mask = static_cast<std::uint32_t>((std::uint64_t{1} << index_bits_) - 1);
        const int local_shift = target_bits_ + index_bits_;
        const int low_bits = low_bits_;
        // The source's index within its block, from a record.
        const auto local_of = [&](const std::uint32_t* r) -> std::uint32_t {
            if (common_) return r[1];
            const std::uint32_t low = low_bits > 0 ? r[2] >> local_shift : 0;
            return low | (r[1] >> 31) << low_bits;
        };
        const double common = common_.value_or(0.0);
        const std::size_t words = words_;
        std::vector<std::uint32_t> stream;
        std::vector<std::uint64_t> row;  // each source's next place
        const std::uint32_t per = std::uint32_t{1} << shift_;
        for (std::uint64_t first = 0, b = 0; first < net_.node_count; first += per, ++b) {
            const std::uint32_t sources = static_cast<std::uint32_t>(std::min<std::uint64_t>(per, net_.node_count - first));
            const std::uint64_t begin = block_start_[b], end = block_start_[b + 1];
            if (begin == end) {
                if (!offsets_known_) std::fill(offsets + first, offsets + first + sources, begin);
                continue;
            }
            const std::size_t n = end - begin;
            stream.resize(n * words);
            std::uint32_t* to = stream.data();
            for (const auto& g : segments_) {
                to = std::copy(g.base + g.words * begin, g.base + g.words * end, to);
            }
            if (!offsets_known_) {
                // Counted per block only: the rows' starts from the block's records.
                row.assign(sources, 0);
                for (std::size_t i = 0; i < n; ++i) ++row[local_of(stream.data() + i * words)];
                std::uint64_t at = begin;
                for (std::uint32_t l = 0; l < sources; ++l) {
                    offsets[first + l] = at;
                    at += row[l];
                }
            }
            row.assign(offsets + first, offsets + first + sources);
            const std::uint32_t* r = stream.data();
            for (std::size_t i = 0; i < n; ++i, r += words) {
                const std::uint64_t at = row[local_of(r)]++;
                if (common_) {
                    targets[at] = r[0];
                    delays[at] = common;
                } else {
                    std::uint64_t bits;
                    std::memcpy(&bits, r, 8);
                    delays[at] = std::bit_cast<double>(bits & ~(std::uint64_t{1} << 63));
                    targets[at] = (r[2] & target_mask) | ((r[2] >> target_bits_) & index_mask) << 24;
                }
                const std::uint32_t* w = r + (common_ ? 2 : 3);
                if (w64 != nullptr)
                    std::memcpy(w64 + at, w, 8);
                else if (w32 != nullptr)
                    std::memcpy(w32 + at, w, 4);
            }
            if (!common_) {
                if (!offsets_known_) offsets[first + sources] = end;  // the next block's first row (or the total)
                for (std::uint32_t s = 0; s < sources; ++s) sort_row(sorter, static_cast<std::uint32_t>(first + s));
            }
        }
        offsets[net_.node_count] = net_.delays.size();
    }

    void flush() {
        const std::size_t n = n_;
        n_ = 0;
        if (n == 0) return;
        if (sorted_.empty()) {
            write(entries_.data(), weights_.data(), n);
            return;
        }
        std::fill(start_.begin(), start_.end(), 0);
        const int shift = shift_;
        const entry* const e = entries_.data();
        std::uint64_t* const count = start_.data() + 1;  // block b counted in start_[b + 1]
        for (std::size_t i = 0; i < n; ++i) ++count[e[i].source >> shift];
        std::uint64_t* const start = start_.data();
        for (std::size_t b = 1; b < start_.size(); ++b) start[b] += start[b - 1];
        entry* const out = sorted_.data();
        if (palette_) {
            for (std::size_t i = 0; i < n; ++i) out[start[e[i].source >> shift]++] = e[i];
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint64_t at = start[e[i].source >> shift]++;
                out[at] = e[i];
                sorted_weights_[at] = weights_[i];
            }
        }
        write(out, sorted_weights_.data(), n);
    }

    void write(const entry* e, const double* w, std::size_t n) {
        // Local pointers: the compiler cannot keep net_'s members in registers across stores.
        std::uint64_t* const cursor = cursor_;
        double* const delays = common_ ? nullptr : net_.delays.data();
        std::uint32_t* const targets = net_.targets.data();
        double* const weights = net_.weights.empty() ? nullptr : net_.weights.data();
        float* const weights32 = net_.weights32.empty() ? nullptr : net_.weights32.data();
        for (std::size_t i = 0; i < n; ++i) {
            if (i + 2 * ahead < n) __builtin_prefetch(cursor + e[i + 2 * ahead].source, 1);
            if (i + ahead < n) {
                // The cursor as it is now: the slot, or a few places before it.
                const std::uint64_t k = cursor[e[i + ahead].source];
                if (delays != nullptr) __builtin_prefetch(delays + k, 1);
                __builtin_prefetch(targets + k, 1);
            }
            const std::uint64_t k = cursor[e[i].source]++;
            if (delays != nullptr) delays[k] = e[i].delay;
            targets[k] = e[i].word;
            if (weights != nullptr)
                weights[k] = w[i];
            else if (weights32 != nullptr)
                weights32[k] = static_cast<float>(w[i]);
        }
    }

    network& net_;
    bool palette_;
    std::optional<double> common_;
    bool staged_ = false;
    std::vector<std::uint64_t> block_start_;    // staged: where each block's rows start (and the total)
    bool offsets_known_ = false;                // staged: counted per source (else place() sets the offsets)
    int shift_ = 0;                             // sources per block: 2^shift_
    int target_bits_ = 0, index_bits_ = 0;      // staged target words: target | index | source in block
    int low_bits_ = 0;                          // staged: bits of the source's index in the target word
    std::uint32_t local_mask_ = 0;              // a source's index in its block: source & local_mask_
    std::vector<segment> segments_;             // staged: where the records go
    std::size_t words_ = 0;                     // staged: 4-byte words per record
    int weight_words_ = 0;                      // staged: 2 (float64 weights), 1 (float32) or 0 (palette)
    std::vector<stage> stages_;                 // staged: each block's stream
    std::uint64_t* cursor_ = nullptr;           // batches: each source's next place
    std::vector<entry> entries_, sorted_;
    std::vector<double> weights_, sorted_weights_;
    std::vector<std::uint64_t> start_;  // per block: where its next synapse goes in sorted_
    std::size_t n_ = 0;
};

// Building runs every rule twice with the same streams: a first pass counts each source's
// synapses (and collects the distinct weights), the arrays are allocated once, and a second pass
// draws again and writes each synapse in place (docs/engine.md, "Building the network").
enum class pass { count, fill };

class connection_builder {
public:
    connection_builder(const simulation_spec& spec, const network& net, std::size_t index)
        : c_(spec.connections[index]), key_("connection[" + std::to_string(index) + "]") {
        const node_group* src = net.find(c_.source);
        if (src == nullptr)
            throw config_error(key_ + ".source", "no population or source named '" + c_.source + "'");
        const node_group* tgt = net.find(c_.target);
        if (tgt == nullptr) throw config_error(key_ + ".target", "no population named '" + c_.target + "'");
        if (tgt->is_source)
            throw config_error(key_ + ".target",
                               "'" + c_.target + "' is a source; only neuron populations receive");
        src_ = *src;
        tgt_ = *tgt;
        same_ = src == tgt;
        const std::string stem = connection_stream_name(spec, index);
        rule_seed_ = stream_seed(spec.seed, stem + "/rule");
        weight_seed_ = stream_seed(spec.seed, stem + "/weight");
        delay_seed_ = stream_seed(spec.seed, stem + "/delay");
        // The targets of this connection that this rank owns, as local ids [own_lo, own_hi).
        const std::uint64_t lo = std::max<std::uint64_t>(tgt_.first, net.owned_begin);
        const std::uint64_t hi = std::min<std::uint64_t>(tgt_.first + tgt_.size, net.owned_end);
        own_lo_ = lo < hi ? lo - tgt_.first : 0;
        own_hi_ = lo < hi ? hi - tgt_.first : 0;
        validate();
    }

    // First pass: counts[source global id >> shift] += synapses, and the distinct weights.
    void count(std::uint64_t* counts, int shift, weight_set& weights) {
        counts_ = counts;
        count_shift_ = shift;
        weights_ = &weights;
        if (const auto* d = std::get_if<distribution>(&c_.weight);
            d != nullptr && std::holds_alternative<constant_dist>(*d)) {
            weights.add(std::get<constant_dist>(*d).value);
            weights_ = nullptr;  // one value: no need to draw
        }
        mode_ = pass::count;
        run();
    }

    // Second pass: each synapse handed to `out` (written at its source's cursor).
    void fill(synapse_writer& out, const weight_set* palette) {
        out_ = &out;
        palette_ = palette;
        const auto* d = std::get_if<distribution>(&c_.weight);
        constant_index_ = palette != nullptr && d != nullptr && std::holds_alternative<constant_dist>(*d)
                              ? static_cast<std::int64_t>(palette->index(std::get<constant_dist>(*d).value))
                              : -1;
        mode_ = pass::fill;
        run();
    }

private:
    void validate() {
        if (const auto* d = std::get_if<distribution>(&c_.weight)) check_weight_dist(*d, key_ + ".weight");
        if (const auto* d = std::get_if<distribution>(&c_.delay)) check_delay_dist(*d, key_ + ".delay");
        const bool is_pairs = std::holds_alternative<pairs_rule>(c_.rule);
        if (!is_pairs && (!std::holds_alternative<distribution>(c_.weight) ||
                          !std::holds_alternative<distribution>(c_.delay)))
            throw config_error(
                key_ + (std::holds_alternative<distribution>(c_.weight) ? ".delay" : ".weight"),
                "a list of values is only allowed with the pairs rule");
        // Checked here, for every rank alike, not only where a rank owns a target.
        if (const auto* r = std::get_if<fixed_indegree_rule>(&c_.rule)) check_degree(r->k, src_.size, tgt_.size, "fixed_indegree");
        if (const auto* r = std::get_if<fixed_outdegree_rule>(&c_.rule)) check_degree(r->k, tgt_.size, src_.size, "fixed_outdegree");
        if (std::holds_alternative<one_to_one_rule>(c_.rule) && src_.size != tgt_.size)
            throw config_error(key_ + ".rule", "one_to_one needs equal sizes, got " + std::to_string(src_.size) +
                                                   " and " + std::to_string(tgt_.size));
        if (const auto* r = std::get_if<probability_rule>(&c_.rule); r != nullptr && !(r->p >= 0.0 && r->p <= 1.0))
            throw config_error(key_ + ".rule.probability", "must be in [0, 1], got " + std::to_string(r->p));
        if (const auto* r = std::get_if<pairs_rule>(&c_.rule)) validate_pairs(*r);
        if (!is_pairs) {
            weight_ = sampler(std::get<distribution>(c_.weight));
            delay_ = sampler(std::get<distribution>(c_.delay));
        }
    }

    void check_degree(std::uint64_t k, std::uint64_t n, std::uint64_t owners, const char* rule) const {
        if (owners == 0) return;
        // Every owner excludes at most itself (same group, no autapses): the same count for all.
        const std::uint64_t available = n - (same_ && !c_.autapses && n > 0 ? 1 : 0);
        if (k > 0 && available == 0) throw config_error(key_ + ".rule", std::string(rule) + ": no candidate to connect");
        if (!c_.multapses && k > available)
            throw config_error(key_ + ".rule", std::string(rule) + " " + std::to_string(k) + " exceeds the " +
                                                   std::to_string(available) + " candidates and multapses = false");
    }

    void run() {
        std::visit([this](const auto& rule) { apply(rule); }, c_.rule);
    }

    bool autapse(std::uint64_t i, std::uint64_t j) const { return same_ && !c_.autapses && i == j; }
    bool owned(std::uint64_t j) const { return j >= own_lo_ && j < own_hi_; }

    // Synapse i -> j (local ids), its weight and delay drawn from w_rng, d_rng in the fill pass.
    void add(std::uint64_t i, std::uint64_t j, random_stream& w_rng, random_stream& d_rng) {
        if (mode_ == pass::count) {
            ++counts_[(src_.first + i) >> count_shift_];
            if (weights_ != nullptr) weights_->add(weight_(w_rng));
            return;
        }
        const double w = weight_(w_rng);
        put(i, j, w, delay_.delay(d_rng));
    }

    // Synapse i -> j (local ids) to the writer, the weight as its palette index with a palette.
    void put(std::uint64_t i, std::uint64_t j, double w, double d) {
        const std::uint32_t index = constant_index_ >= 0   ? static_cast<std::uint32_t>(constant_index_)
                                    : palette_ != nullptr ? palette_->index(w)
                                                          : 0;
        out_->put(static_cast<std::uint32_t>(src_.first + i), static_cast<std::uint32_t>(tgt_.first + j), index, d, w);
    }

    // The count pass: chosen_ sources of local target j, counted (their counters fetched first).
    void count_chosen() {
        std::uint64_t* const counts = counts_;
        const int shift = count_shift_;
        const std::uint64_t first = src_.first;
        if (shift == 0)
            for (const std::uint64_t i : chosen_) __builtin_prefetch(counts + first + i, 1);
        for (const std::uint64_t i : chosen_) ++counts[(first + i) >> shift];
    }

    void apply(const one_to_one_rule&) {
        for (std::uint64_t j = own_lo_; j < own_hi_; ++j) {
            if (autapse(j, j)) continue;
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            add(j, j, w, d);
        }
    }

    void apply(const all_to_all_rule&) {
        for (std::uint64_t j = own_lo_; j < own_hi_; ++j) {
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            for (std::uint64_t i = 0; i < src_.size; ++i)
                if (!autapse(i, j)) add(i, j, w, d);
        }
    }

    // k distinct or independent draws from [0, n) minus `excluded` (if < n), in draw order, into
    // chosen_ (check_degree has made sure they exist).
    void choose(random_stream& rng, std::uint64_t n, std::uint64_t k, std::uint64_t excluded) {
        const std::uint64_t available = n - (excluded < n ? 1 : 0);
        chosen_.clear();
        auto one = [&] {
            std::uint64_t x = uniform_index(rng, available);
            if (excluded < n && x >= excluded) ++x;  // skip the excluded id without rejection
            return x;
        };
        if (c_.multapses) {
            // The stream in a local (kept in registers), written back after.
            random_stream local = rng;
            chosen_.resize(k);
            std::uint64_t* out = chosen_.data();
            for (std::uint64_t m = 0; m < k; ++m) {
                std::uint64_t x = uniform_index(local, available);
                if (excluded < n && x >= excluded) ++x;
                out[m] = x;
            }
            rng = local;
            return;
        }
        if (2 * k > available) {
            // Selection sampling (Knuth's algorithm S): one pass, exactly k, ascending.
            std::uint64_t needed = k, remaining = available;
            for (std::uint64_t x = 0; x < n && needed > 0; ++x) {
                if (x == excluded) continue;
                if (uniform_index(rng, remaining) < needed) {
                    chosen_.push_back(x);
                    --needed;
                }
                --remaining;
            }
            return;
        }
        // Rejection of repeats (the same draws as a std::set would accept): a linear scan for a
        // few, a hash set beyond.
        if (k <= 48) {
            while (chosen_.size() < k) {
                const std::uint64_t x = one();
                if (std::find(chosen_.begin(), chosen_.end(), x) == chosen_.end()) chosen_.push_back(x);
            }
            return;
        }
        seen_.reset(k);
        while (chosen_.size() < k) {
            const std::uint64_t x = one();
            if (seen_.insert(x)) chosen_.push_back(x);
        }
    }

    // fixed_indegree: per target, k sources drawn from its own substreams; only the targets this
    // rank owns are visited.
    void apply(const fixed_indegree_rule& r) {
        for (std::uint64_t j = own_lo_; j < own_hi_; ++j) {
            auto rng = substream(rule_seed_, j);
            const std::uint64_t excluded = same_ && !c_.autapses ? j : src_.size;
            choose(rng, src_.size, r.k, excluded);
            if (mode_ == pass::count && weights_ == nullptr) {
                count_chosen();
                continue;
            }
            if (mode_ == pass::fill && weight_.kind == sampler::constant && delay_.kind == sampler::constant) {
                // Nothing to draw (Benchmark 4): the same values as add() gives.
                for (const std::uint64_t i : chosen_) put(i, j, weight_.a, delay_.a);
                continue;
            }
            // Seeded only where drawn from (a substream costs ~6 mix64).
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            for (const std::uint64_t i : chosen_) add(i, j, w, d);
        }
    }

    // fixed_outdegree: per source, k targets drawn from its substreams. Every rank draws every
    // source's targets, weights and delays (the streams run along the source's choices) and keeps
    // the synapses onto its own targets.
    void apply(const fixed_outdegree_rule& r) {
        for (std::uint64_t o = 0; o < src_.size; ++o) {
            auto rng = substream(rule_seed_, o);
            const std::uint64_t excluded = same_ && !c_.autapses ? o : tgt_.size;
            choose(rng, tgt_.size, r.k, excluded);
            auto w = substream(weight_seed_, o), d = substream(delay_seed_, o);
            for (const std::uint64_t x : chosen_) {
                if (owned(x)) {
                    add(o, x, w, d);
                } else if (mode_ == pass::fill) {
                    weight_(w);
                    delay_.delay(d);
                }
            }
        }
    }

    void apply(const probability_rule& r) {
        if (r.p == 0.0) return;
        const double log_q = std::log1p(-r.p);  // -inf for p = 1: every gap is 0
        for (std::uint64_t j = own_lo_; j < own_hi_; ++j) {
            auto rng = substream(rule_seed_, j);
            auto w = substream(weight_seed_, j), d = substream(delay_seed_, j);
            // Geometric gaps between connected sources: O(connections), not O(pairs).
            std::uint64_t i = 0;
            for (;;) {
                if (r.p < 1.0) {
                    const double gap = std::floor(std::log(uniform_open0(rng)) / log_q);
                    if (gap >= static_cast<double>(src_.size - i)) break;
                    i += static_cast<std::uint64_t>(gap);
                }
                if (i >= src_.size) break;
                if (!autapse(i, j)) add(i, j, w, d);
                ++i;
            }
        }
    }

    const std::vector<double>* pair_values(const synapse_value& v, const char* name, std::size_t n) const {
        if (const auto* list = std::get_if<std::vector<double>>(&v)) {
            if (list->size() != n)
                throw config_error(key_ + "." + name, "has " + std::to_string(list->size()) + " values for " +
                                                          std::to_string(n) + " pairs");
            return list;
        }
        return nullptr;
    }

    void validate_pairs(const pairs_rule& r) {
        const std::size_t n = r.sources.size();
        if (r.targets.size() != n) throw config_error(key_ + ".rule.pairs", "sources and targets differ in length");
        const auto* weights = pair_values(c_.weight, "weight", n);
        const auto* delays = pair_values(c_.delay, "delay", n);
        std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t i = r.sources[k], j = r.targets[k];
            const std::string pair_key = key_ + ".rule.pairs[" + std::to_string(k) + "]";
            if (i >= src_.size || j >= tgt_.size)
                throw config_error(pair_key, "id out of range (" + std::to_string(src_.size) + " sources, " +
                                                 std::to_string(tgt_.size) + " targets)");
            if (autapse(i, j)) throw config_error(pair_key, "connects a neuron to itself but autapses = false");
            if (!c_.multapses && !seen.insert({i, j}).second)
                throw config_error(pair_key, "repeats a pair but multapses = false");
            if (weights != nullptr && !std::isfinite((*weights)[k]))
                throw config_error(key_ + ".weight[" + std::to_string(k) + "]", "must be finite");
            if (delays != nullptr && (!((*delays)[k] >= min_delay_ms) || !std::isfinite((*delays)[k])))
                throw config_error(key_ + ".delay[" + std::to_string(k) + "]",
                                   "delay must be finite and > 0 (at least 1e-9 ms)");
        }
    }

    // The pairs in list order; drawn weights and delays come from one stream each (substream 0),
    // along the list, on every rank.
    void apply(const pairs_rule& r) {
        const std::size_t n = r.sources.size();
        const auto* weights = pair_values(c_.weight, "weight", n);
        const auto* delays = pair_values(c_.delay, "delay", n);
        // (A list in place of a distribution: the sampler is never drawn.)
        const sampler w_dist(weights == nullptr ? std::get<distribution>(c_.weight) : distribution{});
        const sampler d_dist(delays == nullptr ? std::get<distribution>(c_.delay) : distribution{});
        auto w_rng = substream(weight_seed_, 0), d_rng = substream(delay_seed_, 0);
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t i = r.sources[k], j = r.targets[k];
            const bool mine = owned(j);
            if (mode_ == pass::count) {
                if (!mine) continue;
                ++counts_[(src_.first + i) >> count_shift_];
                if (weights_ != nullptr) weights_->add(weights != nullptr ? (*weights)[k] : w_dist(w_rng));
                continue;
            }
            const double w = weights != nullptr ? (*weights)[k] : w_dist(w_rng);
            const double d = delays != nullptr ? (*delays)[k] : d_dist.delay(d_rng);
            if (mine) put(i, j, w, d);
        }
    }

    const connection_spec& c_;
    std::string key_;
    node_group src_, tgt_;
    bool same_ = false;
    std::uint64_t rule_seed_ = 0, weight_seed_ = 0, delay_seed_ = 0;
    std::uint64_t own_lo_ = 0, own_hi_ = 0;
    sampler weight_{distribution{}}, delay_{distribution{}};
    pass mode_ = pass::count;
    std::uint64_t* counts_ = nullptr;
    int count_shift_ = 0;
    weight_set* weights_ = nullptr;  // count pass: where drawn weights go (null: constant)
    synapse_writer* out_ = nullptr;
    const weight_set* palette_ = nullptr;
    std::int64_t constant_index_ = -1;  // the palette index of a constant weight
    std::vector<std::uint64_t> chosen_;
    draw_set seen_;
};

// The number of distinct weights (as stored: rounded to float32 with float32 weights) if every
// connection's weight is a constant: the palette, known before the first pass.
std::optional<std::size_t> constant_weights(const simulation_spec& spec, bool float32) {
    std::set<std::uint64_t> bits;
    for (const auto& c : spec.connections) {
        const auto* d = std::get_if<distribution>(&c.weight);
        const auto* k = d != nullptr ? std::get_if<constant_dist>(d) : nullptr;
        if (k == nullptr) return std::nullopt;
        bits.insert(std::bit_cast<std::uint64_t>(float32 ? static_cast<double>(static_cast<float>(k->value)) : k->value));
    }
    return bits.size();
}

// The delay every synapse of the network has, if every connection's delay is the same constant
// (Benchmark 4): then the fill pass writes no delay (the array is filled in address order after,
// saving one of the two random cache misses of each synapse) and no row needs sorting.
std::optional<double> common_delay(const simulation_spec& spec) {
    std::optional<double> common;
    for (const auto& c : spec.connections) {
        const auto* d = std::get_if<distribution>(&c.delay);
        const auto* k = d != nullptr ? std::get_if<constant_dist>(d) : nullptr;
        if (k == nullptr) return std::nullopt;
        if (common && std::bit_cast<std::uint64_t>(*common) != std::bit_cast<std::uint64_t>(k->value)) return std::nullopt;
        common = k->value;
    }
    return common;
}

}  // namespace

network build_network(const simulation_spec& spec, const partition& part) {
    return build_network(spec, part, build_tuning{});
}

network build_network(const simulation_spec& spec, const partition& part, const build_tuning& tuning) {
    if (part.ranks == 0 || part.rank >= part.ranks) throw internal_error("build_network: bad partition");
    network net;
    std::uint64_t next = 0;
    auto add_group = [&](const std::string& name, std::uint64_t size, bool is_source, std::size_t index,
                         const std::string& key) {
        if (net.find(name) != nullptr) throw config_error(key + ".name", "duplicate name '" + name + "'");
        if (next + size >= std::numeric_limits<std::uint32_t>::max())
            throw config_error(key + ".size", "more than 2^32 - 1 nodes in total");
        net.groups.push_back(
            {name, static_cast<std::uint32_t>(next), static_cast<std::uint32_t>(size), is_source, index});
        next += size;
    };
    for (std::size_t p = 0; p < spec.populations.size(); ++p)
        add_group(spec.populations[p].name, spec.populations[p].size, false, p,
                  "population[" + std::to_string(p) + "]");
    net.neuron_count = static_cast<std::uint32_t>(next);
    for (std::size_t s = 0; s < spec.sources.size(); ++s)
        add_group(spec.sources[s].name, spec.sources[s].size, true, s, "source[" + std::to_string(s) + "]");
    net.node_count = static_cast<std::uint32_t>(next);
    net.rank = part.rank;
    net.ranks = part.ranks;
    net.owned_begin = net.block_begin(part.rank);
    net.owned_end = part.rank + 1 == part.ranks ? net.neuron_count : net.block_begin(part.rank + 1);

    std::vector<connection_builder> builders;
    builders.reserve(spec.connections.size());
    for (std::size_t c = 0; c < spec.connections.size(); ++c) builders.emplace_back(spec, net, c);

    // Pass 1: synapses per source (in offsets[source]) and the distinct weights. A large network
    // whose weights are all constants (so the palette is known before counting) is counted per
    // block of sources instead, for the staged writes (synapse_writer): a counter per block stays
    // in L1, one per source (32 MB at 4e6 neurons) missed the caches on every synapse.
    net.float32_weights = spec.float32_weights;
    net.offsets.assign(std::size_t{net.node_count} + 1, 0);
    weight_set weights;
    weights.float32 = net.float32_weights;
    staging_plan plan;
    std::vector<std::uint64_t> block_start;
    if (const auto bound = constant_weights(spec, net.float32_weights);
        bound && estimate_synapses(spec) / part.ranks > static_cast<double>(tuning.sort_above)) {
        plan = plan_staging(net, *bound <= 256 ? *bound : 0, common_delay(spec).has_value(), tuning);
        if (plan.shift > 0) {
            block_start.assign(((std::size_t{net.node_count} - 1) >> plan.shift) + 2, 0);
            for (auto& b : builders) b.count(block_start.data(), plan.shift, weights);
            std::uint64_t at = 0, widest = 0;
            for (auto& start : block_start) {
                widest = std::max(widest, start);
                at += std::exchange(start, at);
            }
            if (widest > tuning.max_stretch) {  // a block too wide to copy aside: count per source
                block_start.clear();
                weights = weight_set{};
                weights.float32 = net.float32_weights;
            }
        }
    }
    std::uint64_t total = 0;
    if (block_start.empty()) {
        for (auto& b : builders) b.count(net.offsets.data(), 0, weights);
        // offsets[n] = start of n's synapses (synapse_writer may use them as cursors).
        for (std::uint32_t n = 0; n <= net.node_count; ++n) {
            const std::uint64_t c = n < net.node_count ? net.offsets[n] : 0;
            net.offsets[n] = total;
            total += c;
        }
    } else {
        total = block_start.back();
    }
    const bool palette = !weights.overflow && net.node_count <= network::target_mask + 1 && total > 0;
    net.delays.resize(total);
    net.targets.resize(total);
    net.weights.clear();
    net.weights32.clear();
    net.weight_palette.clear();
    if (palette)
        for (const auto b : weights.bits) net.weight_palette.push_back(std::bit_cast<double>(b));
    else if (net.float32_weights)
        net.weights32.resize(total);
    else
        net.weights.resize(total);

    // Pass 2: the same draws, each synapse written in place.
    synapse_writer out(net, palette, common_delay(spec), tuning, std::move(block_start), plan);
    for (auto& b : builders) b.fill(out, palette ? &weights : nullptr);
    out.finish();
    return net;
}

}  // namespace evspike
