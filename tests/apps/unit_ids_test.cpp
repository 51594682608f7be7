// Unit ids through detection (SPEC §9.1, §9.2; docs/detection.md "Unit ids"): a model discovered
// on an imported recording names its neurons by the recording's unit ids, its occurrences carry
// them, `info` shows them, and `detect run` on a recording whose units differ matches neurons by
// unit id (refusing one with no unit in common).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "file_util.hpp"
#include "io/detector_file.hpp"
#include "support.hpp"

using namespace evspike;
using namespace evspike::test;

namespace {

// A recording in ms ("unit,time_ms"): `sequence` units fire 0, 5, 10, 15 ms after each start,
// every unit (sequence or not) also fires at scattered background times.
std::string recording(const std::vector<int>& sequence, const std::vector<int>& others,
                      const std::vector<double>& starts, double span_ms) {
    std::string text = "unit,time_ms\n";
    for (double s : starts)
        for (std::size_t i = 0; i < sequence.size(); ++i)
            text += std::to_string(sequence[i]) + "," + std::to_string(s + 5.0 * static_cast<double>(i)) + "\n";
    std::vector<int> all = sequence;
    all.insert(all.end(), others.begin(), others.end());
    std::uint64_t x = 12345;
    for (int unit : all)
        for (int k = 0; k < static_cast<int>(span_ms / 100); ++k) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            text += std::to_string(unit) + "," + std::to_string(static_cast<double>(x >> 11) / 9007199254740992.0 * span_ms) + "\n";
        }
    return text;
}

// The delay (bins after the start) of each neuron's largest weight in motif k, -1 if none.
std::vector<int> peak_delays(const detector_model& m, std::size_t k) {
    std::vector<int> out(m.neurons, -1);
    for (std::size_t a = 0; a < m.neurons; ++a) {
        float top = 0;
        for (std::size_t d = 0; d < m.delays; ++d)
            if (m.weight(k, a, d) > top) {
                top = m.weight(k, a, d);
                out[a] = static_cast<int>(m.delays - 1 - d);
            }
    }
    return out;
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("unit ids: a sequence discovered in a recording with sparse unit ids is named by them, and found "
              "by unit id in a recording whose units differ") {
        temp_dir dir;
        std::vector<double> starts;
        for (int j = 0; j < 30; ++j) starts.push_back(100.0 + 250.0 * j);
        write_text(dir / "a.csv", recording({205, 333, 412, 999}, {7, 58, 77}, starts, 7600));
        auto r = run_evspike("convert " + (dir / "a.csv") + " " + (dir / "a.h5"));
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        r = run_evspike("detect discover " + (dir / "a.h5") + " -o " + (dir / "m.h5") +
                        " --motifs 1 --duration 20 --occurrences " + (dir / "occ.h5") + " -q");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);

        // The model and its occurrences name the recording's units, in node id order.
        const std::vector<std::uint64_t> units{7, 58, 77, 205, 333, 412, 999};
        const auto m = read_detector_model(dir / "m.h5");
        CHECK(m.unit_ids == units);
        CHECK(read_detections_meta(dir / "occ.h5").unit_ids == units);
        const auto delay = peak_delays(m, 0);
        CHECK(delay[0] == -1);  // units 7, 58, 77: background only
        CHECK(delay[1] == -1);
        CHECK(delay[2] == -1);
        REQUIRE(delay[3] >= 0);
        CHECK(delay[4] == delay[3] + 5);
        CHECK(delay[5] == delay[3] + 10);
        CHECK(delay[6] == delay[3] + 15);
        const auto occ = read_detections(dir / "occ.h5");
        REQUIRE(occ.size() == 30);
        const double offset = occ.timestamps[0] - starts[0];  // the motif's window starts before unit 205

        // info lists the motif's units in firing order, by unit id.
        r = run_evspike("info " + (dir / "m.h5"));
        REQUIRE(r.exit_code == 0);
        CHECK(contains(r.out, "units             ids 7..999"));
        const auto line = r.out.substr(r.out.find("motif 0"));
        CHECK(contains(line.substr(0, line.find('\n')), ": 205; "));
        CHECK(line.find("205") < line.find("333"));
        CHECK(line.find("333") < line.find("412"));
        CHECK(line.find("412") < line.find("999"));
        r = run_evspike("info " + (dir / "m.h5") + " --json");
        CHECK(contains(r.out, "\"motif_units\": [[[205, "));
        CHECK(contains(r.out, "\"unit_id_min\": 7,"));
        CHECK(contains(r.out, "\"unit_id_max\": 999,"));
        CHECK(contains(run_evspike("info " + (dir / "occ.h5")).out, "model units       7 (ids 7..999)"));

        // Another recording: units 7 and 77 absent, 1234 new, so node ids differ (205 is node 1
        // here, 3 in the model). Matched by unit id, the sequence is found where it was planted.
        std::vector<double> later;
        for (int j = 0; j < 10; ++j) later.push_back(300.0 + 400.0 * j);
        write_text(dir / "b.csv", recording({205, 333, 412, 999}, {58, 1234}, later, 4300));
        REQUIRE(run_evspike("convert " + (dir / "b.csv") + " " + (dir / "b.h5")).exit_code == 0);
        r = run_evspike("detect run " + (dir / "m.h5") + " " + (dir / "b.h5") + " -o " + (dir / "det.h5") + " -q");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        CHECK(contains(r.out, "neurons matched to " + (dir / "m.h5") + " by unit id: 5 of the model's 7 units are in "
                              "the raster; 1 raster units are not in the model (ignored)"));
        const auto det = read_detections(dir / "det.h5");
        REQUIRE(det.size() == later.size());
        for (std::size_t j = 0; j < later.size(); ++j) CHECK(std::abs(det.timestamps[j] - (later[j] + offset)) < 1e-9);
        CHECK(read_detections_meta(dir / "det.h5").unit_ids == units);
        // plot matches neurons the same way: sorted by motif 0, its units are the top rows in
        // firing order (205 first); by node id they would be units 58, 77, ... of the model.
        r = run_evspike("plot " + (dir / "b.h5") + " -o " + (dir / "b.svg") + " --detections " + (dir / "det.h5") +
                        " --model " + (dir / "m.h5") + " --sort-by-motif 0");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        CHECK(contains(r.out, "by unit id: 5 of the model's 7 units"));
        const std::string svg = slurp(dir / "b.svg");
        const auto row_y = [&](int unit) {  // y of the row label naming `unit` (smaller: higher up)
            const auto at = svg.find("text-anchor=\"end\">" + std::to_string(unit) + "</text>");
            REQUIRE(at != std::string::npos);
            const auto y = svg.rfind("y=\"", at);
            return std::stod(svg.substr(y + 3));
        };
        CHECK(row_y(205) < row_y(333));
        CHECK(row_y(333) < row_y(412));
        CHECK(row_y(412) < row_y(999));
        CHECK(row_y(999) < row_y(58));
        CHECK(row_y(999) < row_y(1234));

        // A recording with no unit in common is refused, naming its unit_ids; nothing is written.
        write_text(dir / "c.csv", recording({1, 2}, {3}, later, 4300));
        REQUIRE(run_evspike("convert " + (dir / "c.csv") + " " + (dir / "c.h5")).exit_code == 0);
        r = run_evspike("detect run " + (dir / "m.h5") + " " + (dir / "c.h5") + " -o " + (dir / "none.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "/spikes/units/unit_ids: none of its 3 units (ids 1..3) is among the 7 units (ids 7..999)"));
        CHECK_FALSE(std::filesystem::exists(dir / "none.h5"));

        // A raster without unit ids (evspike's own CSV) is matched by node id, with a warning.
        std::string own = "population,node_id,timestamp_ms\n";
        for (double s : later)
            for (int i = 0; i < 4; ++i) own += "p," + std::to_string(3 + i) + "," + std::to_string(s + 5.0 * i) + "\n";
        own += "p,6,4300\n";
        write_text(dir / "d.csv", own);
        REQUIRE(run_evspike("convert " + (dir / "d.csv") + " " + (dir / "d.h5")).exit_code == 0);
        r = run_evspike("detect run " + (dir / "m.h5") + " " + (dir / "d.h5") + " -o " + (dir / "d_det.h5") + " -q");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        CHECK(contains(r.out, "has no unit ids: neurons are matched by node id"));
        CHECK(read_detections(dir / "d_det.h5").size() == later.size());
    }

    TEST_CASE("unit ids: model and detections files keep them; a wrong count or a repeated id is refused") {
        temp_dir dir;
        detector_model m;
        m.motifs = 1;
        m.neurons = 3;
        m.delays = 2;
        m.weights.assign(6, 1.0f);
        m.bias = {-2.0f};
        m.unit_ids = {40, 7, 1000};
        write_detector_model(dir / "m.h5", m, "test");
        CHECK(read_detector_model(dir / "m.h5").unit_ids == m.unit_ids);
        m.unit_ids = {};
        write_detector_model(dir / "plain.h5", m, "test");
        CHECK(read_detector_model(dir / "plain.h5").unit_ids.empty());
        m.unit_ids = {1, 2};
        CHECK_THROWS_WITH_AS(m.validate(), doctest::Contains("unit_ids has 2 values, expected 3"), model_error);
        m.unit_ids = {1, 2, 1};
        CHECK_THROWS_WITH_AS(m.validate(), doctest::Contains("unit id 1 appears twice"), model_error);
        {
            detections_writer w(dir / "d.h5", "test");
            w.append(1.0, 0, 2.0f);
            const std::vector<std::uint64_t> ids{40, 7, 1000};
            w.set_unit_ids(ids);
            w.commit();
        }
        CHECK(read_detections_meta(dir / "d.h5").unit_ids == std::vector<std::uint64_t>{40, 7, 1000});
        // Files written by another tool: the reader checks what it is given.
        for (const auto& bad : std::vector<std::pair<std::string, std::string>>{
                 {"[40, 7]", "has 2 values, expected 3 (one per neuron)"},
                 {"[40, 7, 40]", "unit id 40 appears twice"},
                 {"[40, -7, 1]", "negative unit id -7 at index 1"},
                 {"[0.5, 1.0, 2.0]", "unit ids must be integers"}}) {
            const std::string& data = bad.first;  // clang 14: CAPTURE needs variables, not bindings
            const std::string& what = bad.second;
            CAPTURE(data);
            const auto r = run(std::string(system_python) + " -c \"import h5py; f = h5py.File('" + (dir / "m.h5") +
                               "', 'a'); del f['detector/unit_ids']; f['detector/unit_ids'] = " + data + "\"");
            REQUIRE_MESSAGE(r.exit_code == 0, r.out);
            CHECK_THROWS_WITH_AS(read_detector_model(dir / "m.h5"), doctest::Contains(("/detector/unit_ids: " + what).c_str()),
                                 io_error);
        }
    }
}
