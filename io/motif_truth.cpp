#include "io/motif_truth.hpp"

#include <filesystem>
#include <system_error>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"

namespace evspike {

namespace {

// The attribute names the generators write (h5 offers no attribute listing; unknown names in a
// file from elsewhere are simply not read).
constexpr const char* known_attributes[] = {
    "model",        "population",   "seed",      "template_seed", "neurons",      "motifs",     "delays",
    "bins",         "bin",          "trials",    "p_background",  "p_motif",      "weight_scale", "sparsity",
    "tau_rise",     "tau_decay",    "t_stop",    "duration",      "synapses",     "participation", "jitter",
    "motif_rate",   "background_rate", "total_bins"};

void check_lengths(const std::string& path, const motif_truth& t) {
    const auto n = t.template_motif_ids.size();
    if (t.template_node_ids.size() != n || t.template_delays_ms.size() != n || t.template_weights.size() != n)
        throw io_error(path, "/motifs/templates", "motif_ids, node_ids, delays and weights differ in length");
    if (t.occurrence_timestamps_ms.size() != t.occurrence_motif_ids.size())
        throw io_error(path, "/motifs/occurrences", "timestamps and motif_ids differ in length");
}

void write_truth(const std::string& path, const motif_truth& truth) {
    auto f = h5::file::open_write(path);
    {
        auto motifs = f.create_group("motifs");
        for (const auto& [name, value] : truth.attributes) {
            if (const auto* d = std::get_if<double>(&value)) motifs.write_attribute<double>(name, *d);
            else if (const auto* u = std::get_if<std::uint64_t>(&value)) motifs.write_attribute<std::uint64_t>(name, *u);
            else motifs.write_attribute(name, std::get<std::string>(value));
        }
        auto templates = motifs.create_group("templates");
        templates.write_dataset<std::uint64_t>("motif_ids", truth.template_motif_ids);
        templates.write_dataset<std::uint64_t>("node_ids", truth.template_node_ids);
        templates.write_dataset<double>("delays", truth.template_delays_ms).write_attribute("units", "ms");
        templates.write_dataset<double>("weights", truth.template_weights);
        auto occurrences = motifs.create_group("occurrences");
        occurrences.write_dataset<double>("timestamps", truth.occurrence_timestamps_ms).write_attribute("units", "ms");
        occurrences.write_dataset<std::uint64_t>("motif_ids", truth.occurrence_motif_ids);
    }
    f.close();
}

}  // namespace

void add_motif_truth(const std::string& spike_file_path, const motif_truth& truth, bool atomic) {
    check_lengths(spike_file_path, truth);
    {
        auto f = h5::file::open_read(spike_file_path);
        if (f.exists("motifs")) throw io_error(spike_file_path, "/motifs", "already present");
        f.close();
    }
    if (!atomic) {
        write_truth(spike_file_path, truth);
        return;
    }
    atomic_path output(spike_file_path);  // on any throw below, removes the temporary copy
    std::error_code ec;
    if (!std::filesystem::copy_file(spike_file_path, output.temp(), std::filesystem::copy_options::overwrite_existing,
                                    ec))
        throw io_error(output.temp(), "", "cannot copy the spike file: " + ec.message());
    write_truth(output.temp(), truth);
    output.commit();
}

bool has_motif_truth(const std::string& path) { return h5::file::open_read(path).is_group("motifs"); }

motif_truth read_motif_truth(const std::string& path) {
    auto f = h5::file::open_read(path);
    if (!f.is_group("motifs")) throw io_error(path, "/motifs", "no motif ground truth in this file");
    motif_truth t;
    const auto motifs = f.open_group("motifs");
    for (const char* name : known_attributes) {
        if (!motifs.has_attribute(name)) continue;
        const auto type = motifs.attribute_type(name);
        if (type.cls == h5::type_class::string) t.attributes[name] = motifs.read_string_attribute(name);
        else if (type.cls == h5::type_class::integer) t.attributes[name] = motifs.read_attribute<std::uint64_t>(name);
        else t.attributes[name] = motifs.read_attribute<double>(name);
    }
    t.template_motif_ids = f.read_dataset<std::uint64_t>("motifs/templates/motif_ids");
    t.template_node_ids = f.read_dataset<std::uint64_t>("motifs/templates/node_ids");
    t.template_delays_ms = f.read_dataset<double>("motifs/templates/delays");
    t.template_weights = f.read_dataset<double>("motifs/templates/weights");
    t.occurrence_timestamps_ms = f.read_dataset<double>("motifs/occurrences/timestamps");
    t.occurrence_motif_ids = f.read_dataset<std::uint64_t>("motifs/occurrences/motif_ids");
    check_lengths(path, t);
    return t;
}

}  // namespace evspike
