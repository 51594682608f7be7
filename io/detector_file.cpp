#include "io/detector_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_output.hpp"

namespace evspike {

namespace {

// Detector files carry the version and command only (no seed or config).
void write_version_and_command(h5::file& f, const std::string& command) {
    f.write_attribute("evspike_version", std::string(EVSPIKE_VERSION));
    f.write_attribute("evspike_command", command);
}

// 3-D float32 dataset, chunked and compressed (the wrapper covers 1-D and 2-D only).
void write_weights(h5::group& g, const detector_model& m) {
    const std::string name = "weights";
    const hsize_t dims[3] = {m.motifs, m.neurons, m.delays};
    h5::handle space(H5Screate_simple(3, dims, nullptr));
    if (!space.valid()) g.fail("cannot create the dataspace", name);
    h5::handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    if (!dcpl.valid() || H5Pset_obj_track_times(dcpl.get(), 0) < 0)
        g.fail("cannot set dataset properties", name);
    // One motif's kernel per chunk (capped at 2^16 values, the wrapper's default size).
    hsize_t chunk[3] = {1, m.neurons, m.delays};
    while (chunk[1] > 1 && chunk[1] * chunk[2] > (hsize_t{1} << 16)) chunk[1] = (chunk[1] + 1) / 2;
    if (H5Pset_chunk(dcpl.get(), 3, chunk) < 0 || H5Pset_shuffle(dcpl.get()) < 0 ||
        H5Pset_deflate(dcpl.get(), 1) < 0)
        g.fail("cannot set chunking and compression", name);
    h5::handle ds(
        H5Dcreate2(g.id(), name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!ds.valid()) g.fail("cannot create the dataset", name);
    if (H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, m.weights.data()) < 0)
        g.fail("cannot write", name);
    if (!ds.close()) g.fail("cannot close", name);
}

std::string id_range(const std::vector<std::uint64_t>& ids) {
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    return std::to_string(ids.size()) + " units (ids " + std::to_string(*lo) + ".." + std::to_string(*hi) + ")";
}

}  // namespace

void write_detector_model(const std::string& path, const detector_model& model, const std::string& command) {
    model.validate();
    atomic_path output(path);
    {
        auto f = create_hdf5_output(output);
        write_version_and_command(f, command);
        auto g = f.create_group("detector");
        write_weights(g, model);
        g.write_dataset<float>("bias", model.bias);
        if (!model.unit_ids.empty()) g.write_dataset<std::uint64_t>("unit_ids", model.unit_ids);
        g.write_attribute<double>("bin", model.bin_ms);
        g.write_attribute("bin_units", "ms");
        g.write_attribute<double>("threshold", model.threshold);
        g.write_attribute<std::uint64_t>("delays", model.delays);
        g.write_attribute<std::uint64_t>("refractory", static_cast<std::uint64_t>(model.refractory()));
        g.write_attribute("rule", to_string(model.rule));
        g.write_attribute("alignment",
                          "weights[b][a][d]: a spike of neuron a at bin s adds to detector b at bin s + d; "
                          "detections are reported at the motif start, detection bin - (delays - 1)");
        if (!model.origin.empty()) g.write_attribute("origin", model.origin);
        if (model.calibration_rate_hz > 0) g.write_attribute<double>("calibration_rate", model.calibration_rate_hz);
        for (const auto& [key, value] : model.settings) g.write_attribute("train_" + key, value);
        g = h5::group();
        f.close();
    }
    output.commit();  // on any throw above, `output` removes the temporary (after `f` closed it)
}

detector_model read_detector_model(const std::string& path) {
    auto f = h5::file::open_read(path);
    if (!f.is_group("detector")) throw io_error(path, "/detector", "missing: not a detector model file");
    auto g = f.open_group("detector");
    for (const char* name : {"weights", "bias"})
        if (!g.is_dataset(name)) throw io_error(path, std::string("/detector/") + name, "missing dataset");
    for (const char* name : {"bin", "threshold"})
        if (!g.has_attribute(name))
            throw io_error(path, "/detector", std::string("missing attribute '") + name + "'");
    detector_model m;
    auto w = g.open_dataset("weights");
    const auto dims = w.dims();
    if (dims.size() != 3)
        throw io_error(
            path, "/detector/weights",
            "expected 3 dimensions [motifs x neurons x delays], got " + std::to_string(dims.size()));
    if (w.type().cls != h5::type_class::floating)
        throw io_error(path, "/detector/weights", "expected floating point");
    m.motifs = dims[0];
    m.neurons = dims[1];
    m.delays = dims[2];
    m.weights = w.read_all<float>();
    m.bias = g.read_dataset<float>("bias");
    if (m.bias.size() != m.motifs)
        throw io_error(path, "/detector/bias",
                       "has " + std::to_string(m.bias.size()) + " values, expected " +
                           std::to_string(m.motifs) + " (one per motif)");
    m.bin_ms = g.read_attribute<double>("bin");
    m.threshold = g.read_attribute<double>("threshold");
    if (g.has_attribute("refractory")) m.refractory_bins = g.read_attribute<std::uint64_t>("refractory");
    // Files written before the rule was stored were calibrated with first-crossing, the default.
    if (g.has_attribute("rule")) {
        try {
            m.rule = parse_detection_rule(g.read_string_attribute("rule"));
        } catch (const model_error& e) {
            throw io_error(path, "/detector", e.what());
        }
    }
    if (g.has_attribute("origin")) m.origin = g.read_string_attribute("origin");
    if (g.is_dataset("unit_ids")) m.unit_ids = read_unit_ids(g, m.neurons);
    if (g.has_attribute("calibration_rate")) {
        m.calibration_rate_hz = g.read_attribute<double>("calibration_rate");
        if (!(m.calibration_rate_hz >= 0) || !std::isfinite(m.calibration_rate_hz))
            throw io_error(path, "/detector", "attribute 'calibration_rate' must be finite and >= 0");
    }
    try {
        m.validate();
    } catch (const model_error& e) {
        throw io_error(path, "/detector", e.what());
    }
    return m;
}

struct detections_writer::impl {
    std::string path;
    atomic_path output;  // declared before `file` and the handles: removes the temporary after them
    h5::file file;
    h5::group group;
    h5::dataset timestamps, motif_ids, scores;
    std::vector<double> buf_t;
    std::vector<std::uint64_t> buf_m;
    std::vector<float> buf_s;

    void flush() {
        timestamps.append<double>(buf_t);
        motif_ids.append<std::uint64_t>(buf_m);
        scores.append<float>(buf_s);
        buf_t.clear();
        buf_m.clear();
        buf_s.clear();
    }
};

detections_writer::detections_writer(std::string path, const std::string& command)
    : impl_(std::make_unique<impl>()) {
    impl_->path = std::move(path);
    impl_->output = atomic_path(impl_->path);
    impl_->file = create_hdf5_output(impl_->output);
    write_version_and_command(impl_->file, command);
    impl_->group = impl_->file.create_group("detections");
    impl_->timestamps = impl_->group.create_extensible<double>("timestamps");
    impl_->timestamps.write_attribute("units", "ms");
    impl_->motif_ids = impl_->group.create_extensible<std::uint64_t>("motif_ids");
    impl_->scores = impl_->group.create_extensible<float>("scores");
}

// Destroying impl_ closes the datasets, the group, the file, then removes the temporary unless committed.
detections_writer::~detections_writer() = default;

void detections_writer::append(double timestamp_ms, std::uint64_t motif_id, float score) {
    impl_->buf_t.push_back(timestamp_ms);
    impl_->buf_m.push_back(motif_id);
    impl_->buf_s.push_back(score);
    if (impl_->buf_t.size() >= (std::size_t{1} << 16)) impl_->flush();
}

void detections_writer::set_attribute(const std::string& name, const std::string& value) {
    impl_->group.write_attribute(name, value);
}

void detections_writer::set_attribute(const std::string& name, double value) {
    impl_->group.write_attribute<double>(name, value);
}

void detections_writer::set_unit_ids(std::span<const std::uint64_t> unit_ids) {
    if (!unit_ids.empty()) impl_->group.write_dataset<std::uint64_t>("unit_ids", unit_ids);
}

void detections_writer::commit() {
    impl_->flush();
    impl_->timestamps = h5::dataset();
    impl_->motif_ids = h5::dataset();
    impl_->scores = h5::dataset();
    impl_->group = h5::group();
    impl_->file.close();
    impl_->output.commit();
}

void write_detections(const std::string& path, const motif_events& detections, const std::string& command) {
    detections_writer w(path, command);
    for (std::size_t k = 0; k < detections.size(); ++k)
        w.append(detections.timestamps[k], detections.motif_ids[k],
                 k < detections.scores.size() ? detections.scores[k] : 0.0f);
    w.commit();
}

motif_events read_detections(const std::string& path) {
    auto f = h5::file::open_read(path);
    if (!f.is_group("detections")) throw io_error(path, "/detections", "missing: not a detections file");
    motif_events d;
    for (const char* name : {"timestamps", "motif_ids"})
        if (!f.is_dataset(std::string("detections/") + name))
            throw io_error(path, std::string("/detections/") + name, "missing dataset");
    d.timestamps = f.read_dataset<double>("detections/timestamps");
    d.motif_ids = f.read_dataset<std::uint64_t>("detections/motif_ids");
    if (f.is_dataset("detections/scores")) d.scores = f.read_dataset<float>("detections/scores");
    if (d.motif_ids.size() != d.timestamps.size())
        throw io_error(path, "/detections/motif_ids",
                       "length " + std::to_string(d.motif_ids.size()) + " differs from timestamps (" +
                           std::to_string(d.timestamps.size()) + ")");
    if (!d.scores.empty() && d.scores.size() != d.timestamps.size())
        throw io_error(path, "/detections/scores", "length differs from timestamps");
    for (std::size_t k = 0; k < d.size(); ++k)
        if (!std::isfinite(d.timestamps[k]))
            throw io_error(path, "/detections/timestamps", "non-finite value at index " + std::to_string(k));
    return d;
}

detections_meta read_detections_meta(const std::string& path) {
    auto f = h5::file::open_read(path);
    if (!f.is_group("detections")) throw io_error(path, "/detections", "missing: not a detections file");
    auto g = f.open_group("detections");
    detections_meta m;
    const auto text = [&](const char* name, std::string& out) {
        if (g.has_attribute(name) && g.attribute_type(name).cls == h5::type_class::string)
            out = g.read_string_attribute(name);
    };
    const auto number = [&](const char* name, double& out) {
        if (g.has_attribute(name) && g.attribute_type(name).cls != h5::type_class::string) {
            out = g.read_attribute<double>(name);
            if (!std::isfinite(out)) throw io_error(path, "/detections", std::string("attribute '") + name + "' is not finite");
        }
    };
    text("model", m.model);
    text("raster", m.raster);
    text("population", m.population);
    text("rule", m.rule);
    number("bin", m.bin_ms);
    number("delays", m.delays);
    number("threshold", m.threshold);
    if (g.is_dataset("unit_ids")) m.unit_ids = read_unit_ids(g, 0);
    return m;
}

neuron_mapping map_neurons(const detector_model& model, const std::string& model_path,
                           const std::optional<std::vector<std::uint64_t>>& raster_units,
                           const std::string& raster_path, const std::string& population) {
    neuron_mapping out;
    const bool raster_has = raster_units && !raster_units->empty();
    if (model.unit_ids.empty() && !raster_has) return out;
    if (model.unit_ids.empty()) {
        out.warning = model_path + " has no unit ids, " + raster_path + " names " + id_range(*raster_units) +
                      ": neurons are matched by node id";
        return out;
    }
    if (!raster_has) {
        out.warning = model_path + " was made from a recording with " + id_range(model.unit_ids) + ", " +
                      raster_path + " has no unit ids: neurons are matched by node id";
        return out;
    }
    if (*raster_units == model.unit_ids) return out;
    std::unordered_map<std::uint64_t, std::int64_t> neuron_of;
    for (std::size_t a = 0; a < model.unit_ids.size(); ++a) neuron_of.emplace(model.unit_ids[a], static_cast<std::int64_t>(a));
    out.model_neuron.assign(raster_units->size(), -1);
    for (std::size_t i = 0; i < raster_units->size(); ++i)
        if (const auto it = neuron_of.find((*raster_units)[i]); it != neuron_of.end()) {
            out.model_neuron[i] = it->second;
            ++out.matched;
        }
    if (out.matched == 0)
        throw io_error(raster_path, "/spikes/" + population + "/unit_ids",
                       "none of its " + id_range(*raster_units) + " is among the " + id_range(model.unit_ids) +
                           " of " + model_path);
    out.warning = raster_path + ": neurons matched to " + model_path + " by unit id: " + std::to_string(out.matched) +
                  " of the model's " + std::to_string(model.unit_ids.size()) + " units are in the raster; " +
                  std::to_string(raster_units->size() - out.matched) + " raster units are not in the model (ignored)";
    return out;
}

evspike_file_kind file_kind(const std::string& path) {
    auto f = h5::file::open_read(path);
    if (f.is_group("spikes")) return evspike_file_kind::spikes;
    if (f.is_group("detector")) return evspike_file_kind::detector_model;
    if (f.is_group("detections")) return evspike_file_kind::detections;
    return evspike_file_kind::other;
}

}  // namespace evspike
