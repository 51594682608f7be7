#include "io/nwb_units.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "io/hdf5.hpp"

namespace evspike {
namespace {

// A 1-D integer dataset as uint64, refusing negative values (naming the index).
std::vector<std::uint64_t> read_counts(const h5::dataset& d, const char* what) {
    const h5::type_info t = d.type();
    if (t.cls != h5::type_class::integer || t.size > 8) d.fail(std::string(what) + " must be integers");
    if (d.dims().size() != 1) d.fail("not a 1-D dataset");
    std::vector<std::uint64_t> out(static_cast<std::size_t>(d.size()));
    if (!t.is_signed) {
        d.read<std::uint64_t>(0, out);
        return out;
    }
    std::vector<std::int64_t> values(out.size());
    d.read<std::int64_t>(0, values);
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] < 0) d.fail("negative value " + std::to_string(values[i]) + " at index " + std::to_string(i));
        out[i] = static_cast<std::uint64_t>(values[i]);
    }
    return out;
}

}  // namespace

hdf5_content hdf5_content_of(const std::string& path) {
    const h5::file f = h5::file::open_read(path);
    if (f.is_group("spikes")) return hdf5_content::spikes;
    if (f.is_group("units")) return hdf5_content::nwb_units;
    if (f.is_group("detections")) return hdf5_content::detections;
    return hdf5_content::other;
}

unit_spikes read_nwb_units(const std::string& path, double time_offset_ms) {
    const h5::file f = h5::file::open_read(path);
    if (!f.is_group("units")) f.fail("missing group (not an NWB file with a Units table)", "units");
    const h5::group units = f.open_group("units");
    for (const char* name : {"id", "spike_times", "spike_times_index"})
        if (!units.is_dataset(name)) units.fail("missing dataset", name);

    const h5::dataset ids_set = units.open_dataset("id");
    const h5::dataset index_set = units.open_dataset("spike_times_index");
    const h5::dataset times_set = units.open_dataset("spike_times");
    const std::vector<std::uint64_t> ids = read_counts(ids_set, "unit ids");
    const std::vector<std::uint64_t> index = read_counts(index_set, "offsets");
    if (times_set.type().cls != h5::type_class::floating) times_set.fail("spike times must be floating point (seconds)");
    if (times_set.dims().size() != 1) times_set.fail("not a 1-D dataset");
    const std::uint64_t n_times = times_set.size();

    if (index.size() != ids.size())
        units.fail("spike_times_index has " + std::to_string(index.size()) + " values but id has " +
                   std::to_string(ids.size()) + " (one per unit)");
    for (std::size_t k = 0; k < index.size(); ++k) {
        if (index[k] > n_times)
            index_set.fail("value " + std::to_string(index[k]) + " at index " + std::to_string(k) +
                           " is past the end of spike_times (" + std::to_string(n_times) + " values)");
        if (k > 0 && index[k] < index[k - 1])
            index_set.fail("decreases at index " + std::to_string(k) + " (" + std::to_string(index[k - 1]) + " then " +
                           std::to_string(index[k]) + "): it must hold cumulative end offsets");
    }
    const std::uint64_t owned = index.empty() ? 0 : index.back();
    if (owned != n_times)
        units.fail("spike_times has " + std::to_string(n_times) + " values but spike_times_index ends at " +
                   std::to_string(owned));
    {
        std::vector<std::uint64_t> sorted = ids;
        std::sort(sorted.begin(), sorted.end());
        const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
        if (dup != sorted.end()) ids_set.fail("unit id " + std::to_string(*dup) + " appears twice");
    }

    unit_spikes out;
    out.known_units = ids;
    out.times_ms.resize(static_cast<std::size_t>(n_times));
    times_set.read<double>(0, out.times_ms);
    out.units.resize(out.times_ms.size());
    std::uint64_t begin = 0;
    for (std::size_t k = 0; k < index.size(); ++k) {
        std::fill(out.units.begin() + static_cast<std::ptrdiff_t>(begin), out.units.begin() + static_cast<std::ptrdiff_t>(index[k]), ids[k]);
        begin = index[k];
    }
    for (std::size_t i = 0; i < out.times_ms.size(); ++i) {
        if (!std::isfinite(out.times_ms[i]))
            times_set.fail("value " + std::to_string(out.times_ms[i]) + " at index " + std::to_string(i) + " is not a finite time");
        out.times_ms[i] *= 1000.0;  // s to ms
    }
    apply_time_offset(out.times_ms, time_offset_ms, path, [](std::size_t i) { return "/units/spike_times: index " + std::to_string(i); });
    return out;
}

}  // namespace evspike
