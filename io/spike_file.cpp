// SONATA spike files (SPEC §7.1). Choices where the SPEC is silent (also in docs/ via README):
// - Reader accepts `sorting` as a uint8-based enum, a string, a small integer 0/1/2, or missing
//   (= none); timestamps of any float type with `units` "ms", "s" (scaled to ms) or missing (= ms);
//   node ids of any integer type, refusing negative values. Float node ids and integer timestamps
//   are refused.
// - The pre-population layout `/spikes/{gids, timestamps}` (old BMTK) is read as one population
//   named "default".
// - Values (finite, non-negative times; non-negative ids; non-decreasing times when sorting is
//   by_time) are checked as they are read, so a bad value is reported by the read that meets it,
//   naming the dataset and the index.
// - The writer enforces the order its `sorting` attribute promises: by_time means non-decreasing
//   times, by_id non-decreasing node ids, so the reader's binary search can trust the attribute.
#include "io/spike_file.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_output.hpp"

namespace evspike {

namespace {

// Values per HDF5 chunk and per write: 2^16 (512 KiB of float64), shuffle + deflate. 2^15 wrote
// slower, 2^17 read slower in 2^16-spike streaming steps (found by bench/spike_read_bench.cpp, see
// bench/README.md). The level only matters to other writers of the dataset: our own chunks are
// compressed by io/hdf5.cpp's plane-by-plane codec.
constexpr std::size_t chunk_values = std::size_t{1} << 16;
constexpr int deflate_level = 1;

const std::vector<std::pair<std::string, std::uint8_t>>& sorting_members() {
    static const std::vector<std::pair<std::string, std::uint8_t>> members = {
        {"none", 0}, {"by_id", 1}, {"by_time", 2}};
    return members;
}

bool valid_population_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

std::string population_path(const std::string& name) { return "/spikes/" + name; }

#if defined(__x86_64__) && defined(__GNUC__)
// never_decreases' loop, 8 values a time with AVX2 (when the CPU has it): returns where it
// stopped, and false if some t[i] < t[i - 1] (or NaN) before that.
__attribute__((target("avx2"))) std::size_t never_decreases_avx2(const double* t, std::size_t n,
                                                                  bool& bad) {
    std::size_t i = 1;
    __m256d fails0 = _mm256_setzero_pd(), fails1 = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        const __m256d a = _mm256_loadu_pd(t + i), b = _mm256_loadu_pd(t + i + 4);
        fails0 = _mm256_or_pd(fails0, _mm256_cmp_pd(a, _mm256_loadu_pd(t + i - 1), _CMP_NGE_UQ));
        fails1 = _mm256_or_pd(fails1, _mm256_cmp_pd(b, _mm256_loadu_pd(t + i + 3), _CMP_NGE_UQ));
    }
    bad = _mm256_movemask_pd(_mm256_or_pd(fails0, fails1)) != 0;
    return i;
}

bool cpu_has_avx2() {
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
}
#endif

// True if t[i] >= t[i - 1] for every i (false if any is NaN).
bool never_decreases(const double* t, std::size_t n) {
    std::size_t i = 1;
    bool bad = false;
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2()) i = never_decreases_avx2(t, n, bad);
#endif
#if defined(__SSE2__)
    __m128d fails = _mm_setzero_pd();
    for (; i + 2 <= n; i += 2)
        fails = _mm_or_pd(fails, _mm_cmpnge_pd(_mm_loadu_pd(t + i), _mm_loadu_pd(t + i - 1)));
    bad |= _mm_movemask_pd(fails) != 0;
#endif
    for (; i < n; ++i) bad |= !(t[i] >= t[i - 1]);
    return !bad;
}

}  // namespace

// ------------------------------------------------------------------------------------------ writer

struct spike_writer::impl {
    struct population {
        std::string name;
        spike_sorting sorting = spike_sorting::by_time;
        h5::dataset timestamps;
        h5::dataset node_ids;
        std::vector<double> time_buffer;
        std::vector<std::uint64_t> id_buffer;
        double last_time = 0.0;
        std::uint64_t last_id = 0;
        bool any = false;
        double min_time = std::numeric_limits<double>::infinity();
        double max_time = -std::numeric_limits<double>::infinity();
        std::uint64_t max_id = 0;
        std::optional<std::uint64_t> unit_count;  // set_unit_ids
        std::optional<time_span> span;            // set_span
    };

    std::string path;
    atomic_path output;  // declared before `file`: removes the temporary after it is closed
    h5::file file;
    h5::group spikes;
    std::vector<population> populations;  // declared after `file`: closed before it
    bool committed = false;

    void check_open() const {
        if (committed) throw internal_error(path + ": spike_writer used after commit()");
    }

    void flush(population& pop) {
        pop.timestamps.append<double>(pop.time_buffer);
        pop.node_ids.append<std::uint64_t>(pop.id_buffer);
        pop.time_buffer.clear();
        pop.id_buffer.clear();
    }

    // Checks one spike against the file's promises (valid time, the declared order).
    void check(population& pop, double t, std::uint64_t id) {
        if (!(t >= 0.0) || std::isinf(t))
            throw io_error(path, population_path(pop.name) + "/timestamps",
                           "spike time " + std::to_string(t) + " is not a finite time >= 0 ms");
        if (id > max_node_id)
            throw io_error(path, population_path(pop.name) + "/node_ids",
                           "node id " + std::to_string(id) + " > 2^64 - 2 (max id + 1 must fit in uint64)");
        if (pop.any) {
            if (pop.sorting == spike_sorting::by_time && t < pop.last_time)
                throw io_error(path, population_path(pop.name) + "/timestamps",
                               "spikes out of time order (" + std::to_string(t) + " after " +
                                   std::to_string(pop.last_time) + ") but sorting is by_time");
            if (pop.sorting == spike_sorting::by_id && id < pop.last_id)
                throw io_error(path, population_path(pop.name) + "/node_ids",
                               "node ids out of order (" + std::to_string(id) + " after " +
                                   std::to_string(pop.last_id) + ") but sorting is by_id");
        }
        pop.last_time = t;
        pop.last_id = id;
        pop.any = true;
        pop.min_time = std::min(pop.min_time, t);
        pop.max_time = std::max(pop.max_time, t);
        pop.max_id = std::max(pop.max_id, id);
    }

    // check() over n spikes: branch-free passes when every spike is valid (the common case), else
    // spike by spike to report the first bad one. For by_time, times that never decrease from a
    // first one >= 0 (and >= the last one written) to a finite last one are all valid, so one
    // SSE2 pass checks them and the ends give min and max; other sortings check every value.
    void check_all(population& pop, const double* t, const std::uint64_t* id, std::size_t n) {
        if (n == 0) return;
        const bool by_time = pop.sorting == spike_sorting::by_time, by_id = pop.sorting == spike_sorting::by_id;
        double lo = pop.min_time, hi = pop.max_time;
        bool bad = false;
        if (by_time) {
            bad = !(t[0] >= 0.0) || (pop.any && !(t[0] >= pop.last_time)) ||
                  !(t[n - 1] <= std::numeric_limits<double>::max()) || !never_decreases(t, n);
            lo = std::min(lo, t[0]);
            hi = std::max(hi, t[n - 1]);
        } else {
            for (std::size_t k = 0; k < n; ++k) {
                const double x = t[k];
                bad |= !(x >= 0.0) | (x == std::numeric_limits<double>::infinity());
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
        }
        std::uint64_t prev_id = pop.any && by_id ? pop.last_id : 0;
        std::uint64_t top = pop.max_id;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint64_t i = id[k];
            bad |= (i > max_node_id) | (by_id & (i < prev_id));
            prev_id = i;
            top = std::max(top, i);
        }
        if (bad) {
            for (std::size_t k = 0; k < n; ++k) check(pop, t[k], id[k]);
            return;
        }
        pop.last_time = t[n - 1];
        pop.last_id = id[n - 1];
        pop.any = true;
        pop.min_time = lo;
        pop.max_time = hi;
        pop.max_id = top;
    }

    population& find(std::size_t index) {
        check_open();
        if (index >= populations.size())
            throw internal_error(path + ": spike_writer: undeclared population " + std::to_string(index));
        return populations[index];
    }

    // The promises of set_unit_ids and set_span hold for every spike written.
    void check_final(const population& pop) const {
        if (pop.unit_count && pop.any && pop.max_id >= *pop.unit_count)
            throw io_error(path, population_path(pop.name) + "/unit_ids",
                           "node id " + std::to_string(pop.max_id) + " has no unit id (" +
                               std::to_string(*pop.unit_count) + " unit ids)");
        if (pop.span && pop.any && (pop.min_time < pop.span->t_start_ms || pop.max_time > pop.span->t_stop_ms))
            throw io_error(path, population_path(pop.name),
                           "spikes from " + std::to_string(pop.min_time) + " to " + std::to_string(pop.max_time) +
                               " ms lie outside the span t_start " + std::to_string(pop.span->t_start_ms) +
                               " .. t_stop " + std::to_string(pop.span->t_stop_ms) + " ms");
    }
};

spike_writer::spike_writer(std::string path, const provenance& info) : impl_(std::make_unique<impl>()) {
    impl_->path = std::move(path);
    impl_->output = atomic_path(impl_->path);
    impl_->file = create_hdf5_output(impl_->output);
    // If anything below throws, destroying impl_ (a member) closes the file and removes the temporary.
    h5::file& f = impl_->file;
    f.write_attribute<std::uint32_t>("magic", 0x0A7A);
    const std::uint32_t version[] = {0, 1};
    f.write_attribute<std::uint32_t>("version", std::span<const std::uint32_t>(version));
    write_provenance(f, info);
    impl_->spikes = f.create_group("spikes");
}

// Destroying impl_ closes every handle, then the file, then removes the temporary unless committed.
spike_writer::~spike_writer() = default;

std::size_t spike_writer::add_population(const std::string& name, spike_sorting sorting) {
    impl_->check_open();
    if (!valid_population_name(name))
        throw io_error(impl_->path, "/spikes", "invalid population name '" + name + "'");
    for (const auto& pop : impl_->populations)
        if (pop.name == name) throw io_error(impl_->path, population_path(name), "population declared twice");
    h5::group g = impl_->spikes.create_group(name);
    g.write_enum_attribute("sorting", sorting_members(), static_cast<std::uint8_t>(sorting));
    h5::chunking storage{chunk_values, deflate_level, true};
    impl::population pop;
    pop.name = name;
    pop.sorting = sorting;
    pop.timestamps = g.create_extensible<double>("timestamps", storage);
    pop.node_ids = g.create_extensible<std::uint64_t>("node_ids", storage);
    pop.timestamps.write_attribute("units", std::string("ms"));
    pop.time_buffer.reserve(chunk_values);
    pop.id_buffer.reserve(chunk_values);
    impl_->populations.push_back(std::move(pop));
    return impl_->populations.size() - 1;
}

void spike_writer::append(std::size_t population, double timestamp_ms, std::uint64_t node_id) {
    impl_->check_open();
    if (population >= impl_->populations.size())
        throw internal_error(impl_->path + ": spike_writer::append to undeclared population " +
                             std::to_string(population));
    auto& pop = impl_->populations[population];
    impl_->check(pop, timestamp_ms, node_id);
    pop.time_buffer.push_back(timestamp_ms);
    pop.id_buffer.push_back(node_id);
    if (pop.time_buffer.size() == chunk_values) impl_->flush(pop);
}

void spike_writer::append(std::size_t population, std::span<const double> timestamps_ms,
                          std::span<const std::uint64_t> node_ids) {
    impl_->check_open();
    if (population >= impl_->populations.size())
        throw internal_error(impl_->path + ": spike_writer::append to undeclared population " +
                             std::to_string(population));
    if (timestamps_ms.size() != node_ids.size())
        throw internal_error(impl_->path + ": spike_writer::append with " +
                             std::to_string(timestamps_ms.size()) + " times but " +
                             std::to_string(node_ids.size()) + " node ids");
    auto& pop = impl_->populations[population];
    std::size_t i = 0;
    const std::size_t n = timestamps_ms.size();
    while (i < n) {
        std::size_t take = std::min(n - i, chunk_values - pop.time_buffer.size());
        impl_->check_all(pop, timestamps_ms.data() + i, node_ids.data() + i, take);
        pop.time_buffer.insert(pop.time_buffer.end(), timestamps_ms.begin() + static_cast<std::ptrdiff_t>(i),
                               timestamps_ms.begin() + static_cast<std::ptrdiff_t>(i + take));
        pop.id_buffer.insert(pop.id_buffer.end(), node_ids.begin() + static_cast<std::ptrdiff_t>(i),
                             node_ids.begin() + static_cast<std::ptrdiff_t>(i + take));
        if (pop.time_buffer.size() == chunk_values) impl_->flush(pop);
        i += take;
    }
}

void spike_writer::set_unit_ids(std::size_t population, std::span<const std::uint64_t> unit_ids) {
    auto& pop = impl_->find(population);
    std::vector<std::uint64_t> sorted(unit_ids.begin(), unit_ids.end());
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw internal_error(impl_->path + ": spike_writer::set_unit_ids: unit ids are not distinct");
    if (pop.unit_count) throw internal_error(impl_->path + ": spike_writer::set_unit_ids called twice");
    h5::group g = impl_->spikes.open_group(pop.name);
    g.write_dataset<std::uint64_t>("unit_ids", unit_ids, h5::chunking{chunk_values, deflate_level, true});
    pop.unit_count = unit_ids.size();
}

void spike_writer::set_span(std::size_t population, const time_span& span) {
    auto& pop = impl_->find(population);
    if (!(span.t_start_ms >= 0 && std::isfinite(span.t_stop_ms) && span.t_stop_ms >= span.t_start_ms))
        throw io_error(impl_->path, population_path(pop.name),
                       "span " + std::to_string(span.t_start_ms) + " .. " + std::to_string(span.t_stop_ms) +
                           " ms: needs 0 <= t_start <= t_stop, finite");
    h5::group g = impl_->spikes.open_group(pop.name);
    g.write_attribute<double>("t_start", span.t_start_ms);
    g.write_attribute<double>("t_stop", span.t_stop_ms);
    pop.span = span;
}

void spike_writer::commit() {
    impl_->check_open();
    for (const auto& pop : impl_->populations) impl_->check_final(pop);
    for (auto& pop : impl_->populations) impl_->flush(pop);
    impl_->populations.clear();
    impl_->spikes = h5::group();
    impl_->file.close();
    impl_->output.commit();
    impl_->committed = true;
}

atomic_path spike_writer::finish() {
    impl_->check_open();
    for (auto& pop : impl_->populations) impl_->flush(pop);
    impl_->populations.clear();
    impl_->spikes = h5::group();
    impl_->file.close();
    impl_->committed = true;
    return std::move(impl_->output);
}

const std::string& spike_writer::path() const { return impl_->path; }

// ------------------------------------------------------------------------------------------ reader

struct spike_reader::impl {
    struct population {
        std::string group_path;  // "/spikes/exc" (or "/spikes" for the old layout)
        std::string times_path;  // full dataset paths, for opening and for messages
        std::string ids_path;
        std::uint64_t size = 0;
        spike_sorting sorting = spike_sorting::none;
        double time_scale = 1.0;  // file unit to ms
        bool signed_ids = false;
    };

    std::string path;
    h5::file file;
    std::map<std::string, population> populations;

    const population& find(const std::string& name) const {
        auto it = populations.find(name);
        if (it != populations.end()) return it->second;
        std::string known;
        for (const auto& [n, p] : populations) known += (known.empty() ? "" : ", ") + n;
        throw io_error(path, population_path(name),
                       "no such population (the file has: " + (known.empty() ? "none" : known) + ")");
    }

    void scan(const h5::group& g, const std::string& name, const std::string& times_name,
              const std::string& ids_name);

    // Reads [begin, begin + n) into `out`, scaled to ms and validated. `previous` is the time
    // just before `begin` (-inf at the start), for the by_time order check; it becomes the last
    // time read.
    void read_range(const population& pop, const h5::dataset& times, const h5::dataset& ids,
                    std::uint64_t begin, std::size_t n, spike_table& out,
                    std::vector<std::int64_t>& signed_buffer, double& previous) const;

    // The checks of read_range spike by spike, for a chunk the fast check refused: throws the
    // io_error naming the first bad value (or the first decrease of a by_time population).
    void check_slow(const population& pop, std::uint64_t begin, const spike_table& out,
                    double previous) const;

    // First index whose time is >= t (by_time populations only).
    std::uint64_t lower_bound(const population& pop, const h5::dataset& times, double t_ms) const;
};

namespace {

// True if every t[i] is a finite time >= 0 (NaN fails every comparison).
bool times_valid(const double* t, std::size_t n) {
    constexpr double max_time = std::numeric_limits<double>::max();
    std::size_t i = 0;
    bool bad = false;
#if defined(__SSE2__)
    __m128d fails = _mm_setzero_pd();
    const __m128d zero = _mm_setzero_pd(), top = _mm_set1_pd(max_time);
    for (; i + 2 <= n; i += 2) {
        const __m128d v = _mm_loadu_pd(t + i);
        fails = _mm_or_pd(fails, _mm_or_pd(_mm_cmpnge_pd(v, zero), _mm_cmpnle_pd(v, top)));
    }
    bad = _mm_movemask_pd(fails) != 0;
#endif
    for (; i < n; ++i) bad |= !(t[i] >= 0.0) || !(t[i] <= max_time);
    return !bad;
}

// True if t[0..n) never decreases, starts at >= max(previous, 0) and ends finite: then every
// value is a finite time >= 0 in order.
bool times_valid_sorted(const double* t, std::size_t n, double previous) {
    if (n == 0) return true;
    return t[0] >= previous && t[0] >= 0.0 && t[n - 1] <= std::numeric_limits<double>::max() &&
           never_decreases(t, n);
}

spike_sorting parse_sorting(const h5::group& g) {
    if (!g.has_attribute("sorting")) return spike_sorting::none;
    h5::type_info type = g.attribute_type("sorting");
    if (type.cls == h5::type_class::integer) {
        std::uint64_t v = g.read_attribute<std::uint64_t>("sorting");
        if (v <= 2) return static_cast<spike_sorting>(v);
        g.fail("attribute 'sorting' = " + std::to_string(v) + " is not 0 (none), 1 (by_id) or 2 (by_time)");
    }
    std::string text = g.read_enum_attribute("sorting");
    for (const auto& [member, code] : sorting_members())
        if (text == member) return static_cast<spike_sorting>(code);
    g.fail("attribute 'sorting' = '" + text + "' is not none, by_id or by_time");
}

}  // namespace

void spike_reader::impl::scan(const h5::group& g, const std::string& name, const std::string& times_name,
                              const std::string& ids_name) {
    population pop;
    pop.group_path = g.path();
    pop.times_path = g.child_path(times_name);
    pop.ids_path = g.child_path(ids_name);
    if (!g.is_dataset(times_name)) g.fail("missing dataset", times_name);
    if (!g.is_dataset(ids_name)) g.fail("missing dataset", ids_name);
    h5::dataset times = g.open_dataset(times_name);
    h5::dataset ids = g.open_dataset(ids_name);
    if (times.dims().size() != 1) times.fail("not a 1-D dataset");
    if (ids.dims().size() != 1) ids.fail("not a 1-D dataset");
    h5::type_info tt = times.type();
    if (tt.cls != h5::type_class::floating)
        times.fail("spike times must be floating point (float64), found " +
                   std::string(tt.cls == h5::type_class::integer ? "integers" : "a non-numeric type"));
    h5::type_info it = ids.type();
    if (it.cls != h5::type_class::integer || it.size > 8)
        ids.fail("node ids must be integers (uint64), found " +
                 std::string(it.cls == h5::type_class::floating ? "floating point" : "a non-integer type"));
    pop.signed_ids = it.is_signed;
    pop.size = times.size();
    if (ids.size() != pop.size)
        g.fail(times_name + " has " + std::to_string(pop.size) + " values but " + ids_name + " has " +
               std::to_string(ids.size()));
    if (times.has_attribute("units")) {
        std::string units = times.read_string_attribute("units");
        if (units == "s")
            pop.time_scale = 1000.0;
        else if (units != "ms")
            times.fail("unsupported units '" + units + "' (expected ms or s)");
    }
    pop.sorting = parse_sorting(g);
    populations.emplace(name, std::move(pop));
}

void spike_reader::impl::check_slow(const population& pop, std::uint64_t begin, const spike_table& out,
                                    double previous) const {
    const std::size_t n = out.timestamps.size();
    bool bad = false;
    for (double t : out.timestamps) bad |= !(t >= 0.0 && t <= std::numeric_limits<double>::max());
    // A by_time population must be sorted: binary searches trust it.
    if (pop.sorting == spike_sorting::by_time && !bad) {
        bool unsorted = n > 0 && out.timestamps[0] < previous;
        for (std::size_t i = 1; i < n; ++i) unsorted |= out.timestamps[i] < out.timestamps[i - 1];
        if (unsorted) {
            // The decrease is at 0 (against the previous chunk) or at the first i with t[i] < t[i-1].
            std::size_t i = 0;
            if (!(out.timestamps[0] < previous)) {
                i = 1;
                while (out.timestamps[i] >= out.timestamps[i - 1]) ++i;
            }
            throw io_error(path, pop.times_path,
                           "sorting is by_time but the time at index " + std::to_string(begin + i) +
                               " is smaller than the one before");
        }
    }
    if (bad) {
        auto it = std::find_if(out.timestamps.begin(), out.timestamps.end(), [](double t) {
            return !(t >= 0.0 && t <= std::numeric_limits<double>::max());
        });
        std::size_t index = begin + static_cast<std::size_t>(it - out.timestamps.begin());
        throw io_error(path, pop.times_path,
                       "value " + std::to_string(*it) + " at index " + std::to_string(index) +
                           " is not a finite time >= 0");
    }
}

void spike_reader::impl::read_range(const population& pop, const h5::dataset& times, const h5::dataset& ids,
                                    std::uint64_t begin, std::size_t n, spike_table& out,
                                    std::vector<std::int64_t>& signed_buffer, double& previous) const {
    out.timestamps.resize(n);
    out.node_ids.resize(n);
    times.read<double>(begin, out.timestamps);
    double* t = out.timestamps.data();
    if (pop.time_scale != 1.0)
        for (std::size_t i = 0; i < n; ++i) t[i] *= pop.time_scale;
    // Fast path, one branch-free pass over the chunk: for by_time, times that never decrease (NaN
    // fails >=) from a first time >= 0 to a last finite one are all valid. Anything else goes to
    // check_slow, which names the first bad value. (g++ kept these loops scalar; as short-circuit
    // loops they were a quarter of a streaming read's instructions: bench/README.md.)
    const bool bad =
        pop.sorting == spike_sorting::by_time ? !times_valid_sorted(t, n, previous) : !times_valid(t, n);
    if (bad) check_slow(pop, begin, out, previous);
    if (n > 0) previous = t[n - 1];
    if (pop.signed_ids) {
        signed_buffer.resize(n);
        ids.read<std::int64_t>(begin, signed_buffer);
        for (std::size_t i = 0; i < n; ++i) {
            if (signed_buffer[i] < 0)
                throw io_error(path, pop.ids_path,
                               "negative node id " + std::to_string(signed_buffer[i]) + " at index " +
                                   std::to_string(begin + i));
            out.node_ids[i] = static_cast<std::uint64_t>(signed_buffer[i]);
        }
    } else {
        ids.read<std::uint64_t>(begin, out.node_ids);
    }
}

std::uint64_t spike_reader::impl::lower_bound(const population& pop, const h5::dataset& times,
                                              double t_ms) const {
    std::uint64_t lo = 0, hi = pop.size;
    double value = 0.0;
    while (lo < hi) {
        std::uint64_t mid = lo + (hi - lo) / 2;
        times.read<double>(mid, std::span<double>(&value, 1));
        if (value * pop.time_scale < t_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

spike_reader::spike_reader(std::string path) : impl_(std::make_unique<impl>()) {
    impl_->path = std::move(path);
    impl_->file = h5::file::open_read(impl_->path);
    h5::file& f = impl_->file;
    if (!f.is_group("spikes")) f.fail("missing group (not a SONATA spike file)", "spikes");
    h5::group spikes = f.open_group("spikes");
    if (spikes.is_dataset("gids") && spikes.is_dataset("timestamps")) {
        impl_->scan(spikes, "default", "timestamps", "gids");
        return;
    }
    for (const std::string& name : spikes.list_groups())
        impl_->scan(spikes.open_group(name), name, "timestamps", "node_ids");
}

spike_reader::~spike_reader() = default;
spike_reader::spike_reader(spike_reader&&) noexcept = default;
spike_reader& spike_reader::operator=(spike_reader&&) noexcept = default;

const std::string& spike_reader::path() const { return impl_->path; }

std::vector<std::string> spike_reader::populations() const {
    std::vector<std::string> names;
    for (const auto& [name, pop] : impl_->populations) names.push_back(name);
    return names;
}

std::uint64_t spike_reader::size(const std::string& population) const { return impl_->find(population).size; }

spike_sorting spike_reader::sorting(const std::string& population) const {
    return impl_->find(population).sorting;
}

spike_table spike_reader::read(const std::string& population, const spike_query& query) const {
    const impl::population& pop = impl_->find(population);
    if ((query.t_start && std::isnan(*query.t_start)) || (query.t_stop && std::isnan(*query.t_stop)))
        throw io_error(impl_->path, pop.group_path, "a time window bound is NaN");
    h5::dataset times = impl_->file.open_dataset(pop.times_path);
    h5::dataset ids = impl_->file.open_dataset(pop.ids_path);
    const double t_start = query.t_start.value_or(-std::numeric_limits<double>::infinity());
    const double t_stop = query.t_stop.value_or(std::numeric_limits<double>::infinity());
    std::uint64_t begin = 0, end = pop.size;
    if (pop.sorting == spike_sorting::by_time) {
        if (query.t_start) begin = impl_->lower_bound(pop, times, t_start);
        if (query.t_stop) end = std::max(begin, impl_->lower_bound(pop, times, t_stop));
    }
    std::vector<std::uint64_t> wanted;
    if (query.node_ids) {
        wanted = *query.node_ids;
        std::sort(wanted.begin(), wanted.end());
        wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    }
    const bool filter_time = query.t_start.has_value() || query.t_stop.has_value();
    const bool filter_ids = query.node_ids.has_value();

    spike_table result;
    if (!filter_time && !filter_ids) {
        std::vector<std::int64_t> signed_buffer;
        double previous = -std::numeric_limits<double>::infinity();
        impl_->read_range(pop, times, ids, 0, pop.size, result, signed_buffer, previous);
        return result;
    }
    // Blocks of several chunks keep memory bounded by the result, not by the population.
    const std::size_t block = chunk_values * 4;
    spike_table buffer;
    std::vector<std::int64_t> signed_buffer;
    double previous = -std::numeric_limits<double>::infinity();
    for (std::uint64_t at = begin; at < end; at += block) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(block, end - at));
        impl_->read_range(pop, times, ids, at, n, buffer, signed_buffer, previous);
        for (std::size_t i = 0; i < n; ++i) {
            double t = buffer.timestamps[i];
            if (filter_time && !(t >= t_start && t < t_stop)) continue;
            if (filter_ids && !std::binary_search(wanted.begin(), wanted.end(), buffer.node_ids[i])) continue;
            result.timestamps.push_back(t);
            result.node_ids.push_back(buffer.node_ids[i]);
        }
    }
    return result;
}

void spike_reader::for_each_chunk(const std::string& population, std::size_t chunk_size,
                                  const std::function<void(const spike_table&)>& callback) const {
    if (chunk_size == 0) throw internal_error(impl_->path + ": for_each_chunk with chunk_size 0");
    const impl::population& pop = impl_->find(population);
    h5::dataset times = impl_->file.open_dataset(pop.times_path);
    h5::dataset ids = impl_->file.open_dataset(pop.ids_path);
    spike_table buffer;
    std::vector<std::int64_t> signed_buffer;
    double previous = -std::numeric_limits<double>::infinity();
    for (std::uint64_t at = 0; at < pop.size; at += chunk_size) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, pop.size - at));
        impl_->read_range(pop, times, ids, at, n, buffer, signed_buffer, previous);
        callback(buffer);
    }
}

std::vector<std::uint64_t> read_unit_ids(const h5::group& g, std::size_t expected) {
    const h5::dataset d = g.open_dataset("unit_ids");
    const h5::type_info t = d.type();
    if (t.cls != h5::type_class::integer || t.size > 8) d.fail("unit ids must be integers (uint64)");
    if (d.dims().size() != 1) d.fail("not a 1-D dataset");
    std::vector<std::uint64_t> ids(static_cast<std::size_t>(d.size()));
    if (t.is_signed) {
        std::vector<std::int64_t> values(ids.size());
        d.read<std::int64_t>(0, values);
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (values[i] < 0) d.fail("negative unit id " + std::to_string(values[i]) + " at index " + std::to_string(i));
            ids[i] = static_cast<std::uint64_t>(values[i]);
        }
    } else {
        d.read<std::uint64_t>(0, ids);
    }
    if (expected != 0 && ids.size() != expected)
        d.fail("has " + std::to_string(ids.size()) + " values, expected " + std::to_string(expected) + " (one per neuron)");
    std::vector<std::uint64_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    if (const auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end())
        d.fail("unit id " + std::to_string(*dup) + " appears twice");
    return ids;
}

std::optional<std::vector<std::uint64_t>> spike_reader::unit_ids(const std::string& population) const {
    const impl::population& pop = impl_->find(population);
    const h5::group g = impl_->file.open_group(pop.group_path);
    if (!g.is_dataset("unit_ids")) return std::nullopt;
    return read_unit_ids(g, 0);
}

std::optional<time_span> spike_reader::recorded_span(const std::string& population) const {
    const impl::population& pop = impl_->find(population);
    const h5::group g = impl_->file.open_group(pop.group_path);
    const bool has_start = g.has_attribute("t_start"), has_stop = g.has_attribute("t_stop");
    if (!has_start && !has_stop) return std::nullopt;
    if (has_start != has_stop) g.fail("attribute t_start without t_stop or the reverse (both give the span, ms)");
    time_span span{g.read_attribute<double>("t_start"), g.read_attribute<double>("t_stop")};
    if (!(span.t_start_ms >= 0 && std::isfinite(span.t_stop_ms) && span.t_stop_ms >= span.t_start_ms))
        g.fail("attributes t_start " + std::to_string(span.t_start_ms) + " and t_stop " + std::to_string(span.t_stop_ms) +
               " are not a span (0 <= t_start <= t_stop, ms)");
    return span;
}

std::optional<time_span> spike_reader::spike_range(const std::string& population) const {
    const impl::population& pop = impl_->find(population);
    if (pop.size == 0) return std::nullopt;
    if (pop.sorting == spike_sorting::by_time) {
        // The first and last values, through the validating path (a bad value is still refused).
        h5::dataset times = impl_->file.open_dataset(pop.times_path);
        h5::dataset ids = impl_->file.open_dataset(pop.ids_path);
        spike_table one;
        std::vector<std::int64_t> buffer;
        double previous = -std::numeric_limits<double>::infinity();
        impl_->read_range(pop, times, ids, 0, 1, one, buffer, previous);
        const double first = one.timestamps[0];
        previous = -std::numeric_limits<double>::infinity();
        impl_->read_range(pop, times, ids, pop.size - 1, 1, one, buffer, previous);
        return time_span{first, one.timestamps[0]};
    }
    time_span range{std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
    for_each_chunk(population, chunk_values * 16, [&](const spike_table& chunk) {
        for (double t : chunk.timestamps) {
            range.t_start_ms = std::min(range.t_start_ms, t);
            range.t_stop_ms = std::max(range.t_stop_ms, t);
        }
    });
    return range;
}

time_span covered_span(const spike_reader& reader, const std::string& population) {
    if (auto span = reader.recorded_span(population)) return *span;
    const auto range = reader.spike_range(population);
    if (!range) return {};
    if (reader.root_attribute("evspike_version")) return {0.0, range->t_stop_ms};
    return *range;
}

std::optional<std::string> spike_reader::root_attribute(const std::string& name) const {
    if (!impl_->file.has_attribute(name)) return std::nullopt;
    return impl_->file.attribute_as_text(name);
}

}  // namespace evspike
