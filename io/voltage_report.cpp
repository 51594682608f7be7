#include "io/voltage_report.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/time.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5.hpp"
#include "io/hdf5_output.hpp"

namespace evspike {

namespace {

// Values per chunk and per write, as for spike files.
constexpr std::size_t chunk_values = std::size_t{1} << 16;

std::string report_path(const std::string& population) { return "/report/" + population; }

}  // namespace

struct voltage_report_writer::impl {
    struct population {
        std::string name;
        std::size_t nodes = 0;
        double t_start = 0.0, t_stop = 0.0, step = 0.0;
        std::uint64_t expected = 0;
        std::uint64_t written = 0;  // rows appended (buffered or in the file)
        bool float64 = false;
        std::size_t rows_per_write = 1;
        h5::dataset data;
        std::vector<double> buffer64;
        std::vector<float> buffer32;
    };

    std::string path;
    atomic_path output;  // declared before `file`: removes the temporary after it is closed
    h5::file file;
    h5::group report;
    std::vector<population> populations;  // after `file`: closed before it
    bool committed = false;

    void check_open() const {
        if (committed) throw internal_error(path + ": voltage_report_writer used after commit()");
    }

    population& get(std::size_t index) {
        check_open();
        if (index >= populations.size())
            throw internal_error(path + ": voltage report population " + std::to_string(index) +
                                 " not declared");
        return populations[index];
    }

    void flush(population& pop) {
        if (pop.float64) {
            pop.data.append_rows<double>(pop.buffer64);
            pop.buffer64.clear();
        } else {
            pop.data.append_rows<float>(pop.buffer32);
            pop.buffer32.clear();
        }
    }
};

voltage_report_writer::voltage_report_writer(std::string path, const provenance& info)
    : impl_(std::make_unique<impl>()) {
    impl_->path = std::move(path);
    impl_->output = atomic_path(impl_->path);
    impl_->file = create_hdf5_output(impl_->output);
    // If anything below throws, destroying impl_ (a member) closes the file and removes the temporary.
    write_provenance(impl_->file, info);
    impl_->report = impl_->file.create_group("report");
}

voltage_report_writer::voltage_report_writer(std::string path, const provenance& info,
                                             const std::string& population,
                                             std::vector<std::uint64_t> node_ids, double t_start_ms,
                                             double t_stop_ms, double step_ms, bool float64)
    : voltage_report_writer(std::move(path), info) {
    add_population(population, std::move(node_ids), t_start_ms, t_stop_ms, step_ms, float64);
}

// Destroying impl_ closes every handle, then the file, then removes the temporary unless committed.
voltage_report_writer::~voltage_report_writer() = default;

std::size_t voltage_report_writer::add_population(const std::string& name,
                                                  std::vector<std::uint64_t> node_ids, double t_start_ms,
                                                  double t_stop_ms, double step_ms, bool float64) {
    impl_->check_open();
    const std::string where = report_path(name);
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        throw io_error(impl_->path, "/report", "invalid population name '" + name + "'");
    for (const auto& pop : impl_->populations)
        if (pop.name == name) throw io_error(impl_->path, where, "population declared twice");
    if (!(step_ms > 0.0) || !std::isfinite(step_ms))
        throw io_error(impl_->path, where, "sampling step " + std::to_string(step_ms) + " ms is not > 0");
    if (!std::isfinite(t_start_ms) || !std::isfinite(t_stop_ms) || !(t_start_ms <= t_stop_ms))
        throw io_error(
            impl_->path, where,
            "time range [" + std::to_string(t_start_ms) + ", " + std::to_string(t_stop_ms) + ") is invalid");

    h5::group g = impl_->report.create_group(name);
    h5::group mapping = g.create_group("mapping");
    const std::size_t nodes = node_ids.size();
    mapping.write_dataset<std::uint64_t>("node_ids", node_ids);
    mapping.write_dataset<std::uint32_t>("element_ids", std::vector<std::uint32_t>(nodes, 0));
    std::vector<std::uint64_t> pointers(nodes + 1);
    for (std::size_t i = 0; i <= nodes; ++i) pointers[i] = i;
    mapping.write_dataset<std::uint64_t>("index_pointers", pointers);
    mapping.write_dataset<double>("time", std::vector<double>{t_start_ms, t_stop_ms, step_ms})
        .write_attribute("units", "ms");

    impl::population pop;
    pop.name = name;
    pop.nodes = nodes;
    pop.t_start = t_start_ms;
    pop.t_stop = t_stop_ms;
    pop.step = step_ms;
    pop.expected = sample_count(t_start_ms, t_stop_ms, step_ms);  // as a reader counts
    pop.float64 = float64;
    pop.rows_per_write = std::max<std::size_t>(1, chunk_values / std::max<std::size_t>(1, nodes));
    h5::chunking storage{chunk_values, 1, true};
    pop.data = float64 ? g.create_extensible_2d<double>("data", nodes, storage)
                       : g.create_extensible_2d<float>("data", nodes, storage);
    pop.data.write_attribute("units", "mV");
    impl_->populations.push_back(std::move(pop));
    return impl_->populations.size() - 1;
}

std::uint64_t voltage_report_writer::expected_samples(std::size_t population) const {
    if (population >= impl_->populations.size())
        throw internal_error(impl_->path + ": voltage report population " + std::to_string(population) +
                             " not declared");
    return impl_->populations[population].expected;
}

double voltage_report_writer::sample_time(std::size_t population, std::uint64_t k) const {
    if (population >= impl_->populations.size())
        throw internal_error(impl_->path + ": voltage report population " + std::to_string(population) +
                             " not declared");
    const auto& pop = impl_->populations[population];
    return pop.t_start + static_cast<double>(k) * pop.step;
}

void voltage_report_writer::append_sample(std::size_t population, std::span<const double> values_mv) {
    auto& pop = impl_->get(population);
    const std::string where = report_path(pop.name) + "/data";
    if (values_mv.size() != pop.nodes)
        throw io_error(impl_->path, where,
                       "sample of " + std::to_string(values_mv.size()) + " values for " +
                           std::to_string(pop.nodes) + " nodes");
    if (pop.written >= pop.expected)
        throw io_error(impl_->path, where,
                       "more than the " + std::to_string(pop.expected) + " samples in [t_start, t_stop)");
    if (pop.float64) {
        pop.buffer64.insert(pop.buffer64.end(), values_mv.begin(), values_mv.end());
    } else {
        for (double v : values_mv) pop.buffer32.push_back(static_cast<float>(v));
    }
    ++pop.written;
    if (pop.written % pop.rows_per_write == 0) impl_->flush(pop);
}

void voltage_report_writer::commit() {
    impl_->check_open();
    for (auto& pop : impl_->populations) {
        if (pop.written != pop.expected)
            throw io_error(impl_->path, report_path(pop.name) + "/data",
                           std::to_string(pop.written) + " samples written, " + std::to_string(pop.expected) +
                               " expected in [t_start, t_stop)");
        impl_->flush(pop);
    }
    impl_->populations.clear();
    impl_->report = h5::group();
    impl_->file.close();
    impl_->output.commit();
    impl_->committed = true;
}

const std::string& voltage_report_writer::path() const { return impl_->path; }

std::vector<std::string> voltage_report_populations(const std::string& path) {
    h5::file f = h5::file::open_read(path);
    if (!f.is_group("report")) f.fail("missing group (not a compartment report)", "report");
    return f.open_group("report").list_groups();
}

voltage_report_data read_voltage_report(const std::string& path, const std::string& population) {
    h5::file f = h5::file::open_read(path);
    const std::string where = "report/" + population;
    if (!f.is_group(where)) f.fail("no such report population", where);
    h5::group g = f.open_group(where);
    voltage_report_data out;
    out.node_ids = g.read_dataset<std::uint64_t>("mapping/node_ids");
    out.element_ids = g.read_dataset<std::uint32_t>("mapping/element_ids");
    out.index_pointers = g.read_dataset<std::uint64_t>("mapping/index_pointers");
    std::vector<double> time = g.read_dataset<double>("mapping/time");
    if (time.size() != 3) g.fail("expected {t_start, t_stop, step}", "mapping/time");
    out.t_start_ms = time[0];
    out.t_stop_ms = time[1];
    out.step_ms = time[2];
    h5::dataset data = g.open_dataset("data");
    std::vector<std::uint64_t> dims = data.dims();
    if (dims.size() != 2 || dims[1] != out.node_ids.size())
        data.fail("expected [samples x " + std::to_string(out.node_ids.size()) + "] values");
    h5::type_info type = data.type();
    if (type.cls != h5::type_class::floating) data.fail("potentials must be floating point");
    out.float64 = type.size == 8;
    out.samples = dims[0];
    out.values = data.read_all<double>();
    return out;
}

}  // namespace evspike
