// evspike convert on recordings (SPEC §9.1) end to end: the bundled songbird recording, sparse
// unit ids and a late start (info and plot must report the units and the span they cover),
// Kilosort folders, export back to CSV/TSV (spikes with unit ids, detections), and usage errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "file_util.hpp"
#include "io/detector_file.hpp"
#include "support.hpp"

using namespace evspike::test;

namespace {

// The number after "key": in `json` (NaN if absent).
double json_number(const std::string& json, const std::string& key) {
    const auto at = json.find("\"" + key + "\": ");
    if (at == std::string::npos) return std::nan("");
    return std::stod(json.substr(at + key.size() + 4));
}

// A little-endian .npy 1.0 file of uint64 or int32 values.
template <class T>
void write_npy(const std::string& path, const char* descr, const std::vector<T>& values) {
    std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                         std::to_string(values.size()) + ",), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    write_text(path, bytes);
}

}  // namespace

TEST_SUITE("apps") {
    TEST_CASE("convert: the songbird recording (ids written as 1.0, times in s) gives 3336 spikes of units 1..75 over 22.2 s") {
        temp_dir dir;
        const std::string in = std::string(data_dir) + "/songbird/songbird_spikes.txt";
        auto r = run_evspike("convert " + in + " " + (dir / "songbird.h5") + " --time-unit s");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        CHECK(contains(r.out, "3336 spikes of 74 units (ids 1..75)"));
        r = run_evspike("info " + (dir / "songbird.h5") + " --json");
        REQUIRE(r.exit_code == 0);
        CHECK(json_number(r.out, "spikes") == 3336);
        // The recording has 75 neurons; neuron 9 fires no spike in this file, so 74 units have a node.
        CHECK(json_number(r.out, "neurons") == 74);
        CHECK(json_number(r.out, "unit_id_min") == 1);
        CHECK(json_number(r.out, "unit_id_max") == 75);
        CHECK(json_number(r.out, "t_first_ms") == doctest::Approx(1000.0 / 30));
        CHECK(json_number(r.out, "t_last_ms") == 22200);
        CHECK(json_number(r.out, "duration_ms") == doctest::Approx(22200 - 1000.0 / 30));
        CHECK(json_number(r.out, "mean_rate_hz") == doctest::Approx(3336 / 74.0 / (22.2 - 1.0 / 30)));
        r = run_evspike("info " + (dir / "songbird.h5"));
        CHECK(contains(r.out, "units             74 (ids 1..75)"));
    }

    TEST_CASE("convert + info + plot: 100 sparse units (ids 3..999) starting at 1e6 ms report 100 units at 6 Hz, not 1000 neurons") {
        temp_dir dir;
        // Unit 3 + 10 k - (k == 99 ? -6 : 0): ids 3, 13, ..., 983, 999; each fires every 1000/6 ms
        // for 10 s from 1e6 ms, with a per-unit phase.
        std::string text = "cluster\tspike_time\n";
        for (int k = 0; k < 100; ++k)
            for (int j = 0; j < 60; ++j)
                text += std::to_string(k == 99 ? 999 : 3 + 10 * k) + "\t" + std::to_string(1000.0 + (j + k / 100.0) / 6.0) + "\n";
        write_text(dir / "late.tsv", text);
        auto r = run_evspike("convert " + (dir / "late.tsv") + " " + (dir / "late.h5") + " --time-unit s --t-start 1000000 --t-stop 1010000");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        r = run_evspike("info " + (dir / "late.h5"));
        CHECK(contains(r.out, "units             100 (ids 3..999)"));
        CHECK(contains(r.out, "rate window       10000 ms (t_start .. t_stop of the recording)"));
        CHECK(contains(r.out, "mean rate         6 Hz"));
        // Without a given span, the span covered is first .. last spike.
        REQUIRE(run_evspike("convert " + (dir / "late.tsv") + " " + (dir / "late2.h5") + " --time-unit s").exit_code == 0);
        r = run_evspike("info " + (dir / "late2.h5") + " --json --bin 10");
        CHECK(json_number(r.out, "t_start_ms") == doctest::Approx(1e6));
        CHECK(json_number(r.out, "duration_ms") == doctest::Approx((59 + 0.99) / 6.0 * 1000.0));
        CHECK(json_number(r.out, "mean_rate_hz") == doctest::Approx(6000 / 100.0 / ((59 + 0.99) / 6.0)));
        CHECK(contains(r.out, "\"bin_ms\": 10, "));
        CHECK(json_number(r.out, "fano_factor") < 1.0);  // regular trains, binned over the span only
        // The plot's axis starts at the recording and labels rows by unit id.
        r = run_evspike("plot " + (dir / "late.h5") + " -o " + (dir / "late.svg"));
        REQUIRE(r.exit_code == 0);
        const std::string svg = slurp(dir / "late.svg");
        CHECK(contains(svg, ">unit id</text>"));
        CHECK(contains(svg, "text-anchor=\"end\">3</text>"));    // row 0
        CHECK(contains(svg, "text-anchor=\"end\">203</text>"));  // row 20
        CHECK(contains(svg, ">1002000</text>"));
        CHECK(!contains(svg, ">0</text>"));
        // A span that excludes spikes is refused.
        r = run_evspike("convert " + (dir / "late.tsv") + " " + (dir / "bad.h5") + " --time-unit s --t-stop 1000500");
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "lie outside --t-start/--t-stop"));
    }

    TEST_CASE("convert: negative times are refused naming the line and the --time-offset that fixes them") {
        temp_dir dir;
        write_text(dir / "aligned.csv", "unit,time_ms\n4,-20\n5,10\n");
        auto r = run_evspike("convert " + (dir / "aligned.csv") + " " + (dir / "a.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + (dir / "aligned.csv") + ": line 2: time -20 ms is negative"));
        CHECK(contains(r.out, "--time-offset 20"));
        CHECK(files_in(dir.path()) == 1);
        r = run_evspike("convert " + (dir / "aligned.csv") + " " + (dir / "a.h5") + " --time-offset 20");
        REQUIRE(r.exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "a.h5") + " " + (dir / "a.csv")).exit_code == 0);
        CHECK(slurp(dir / "a.csv") == "population,node_id,timestamp_ms,unit_id\nunits,0,0,4\nunits,1,30,5\n");
    }

    TEST_CASE("convert: unit ids survive SONATA -> CSV/TSV -> SONATA; evspike's CSV without unit_id keeps node ids") {
        temp_dir dir;
        write_text(dir / "rec.txt", "# sorted by hand\n812 0.5\n5 0.25\n812 0.125\n");
        REQUIRE(run_evspike("convert " + (dir / "rec.txt") + " " + (dir / "a.h5") + " --time-unit ms --population ca1").exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "a.h5") + " " + (dir / "a.tsv")).exit_code == 0);
        CHECK(slurp(dir / "a.tsv") == "population\tnode_id\ttimestamp_ms\tunit_id\nca1\t1\t0.125\t812\nca1\t0\t0.25\t5\nca1\t1\t0.5\t812\n");
        REQUIRE(run_evspike("convert " + (dir / "a.tsv") + " " + (dir / "b.h5")).exit_code == 0);
        REQUIRE(run_evspike("convert " + (dir / "b.h5") + " " + (dir / "b.tsv")).exit_code == 0);
        CHECK(slurp(dir / "b.tsv") == slurp(dir / "a.tsv"));
        const auto r = run_evspike("info " + (dir / "b.h5"));
        CHECK(contains(r.out, "units             2 (ids 5..812)"));
    }

    TEST_CASE("convert: a Kilosort/Phy folder with --good-only keeps the good clusters, in ms from params.py's rate") {
        temp_dir dir;
        const std::string ks = dir / "ks";
        std::filesystem::create_directory(ks);
        write_npy<std::uint64_t>(ks + "/spike_times.npy", "<u8", {300, 600, 900, 1200});
        write_npy<std::int32_t>(ks + "/spike_clusters.npy", "<i4", {17, 2, 17, 40});
        write_text(ks + "/params.py", "sample_rate = 30000.0\n");
        write_text(ks + "/cluster_group.tsv", "cluster_id\tgroup\n2\tnoise\n17\tgood\n40\tgood\n");
        auto r = run_evspike("convert " + ks + " " + (dir / "ks.h5") + " --good-only");
        REQUIRE_MESSAGE(r.exit_code == 0, r.out);
        CHECK(contains(r.out, "3 spikes of 2 units (ids 17..40), 10 .. 40 ms"));
        REQUIRE(run_evspike("convert " + (dir / "ks.h5") + " " + (dir / "ks.csv")).exit_code == 0);
        CHECK(slurp(dir / "ks.csv") == "population,node_id,timestamp_ms,unit_id\nunits,0,10,17\nunits,0,30,17\nunits,1,40,40\n");
        r = run_evspike("info " + (dir / "ks.h5") + " --json");
        CHECK(json_number(r.out, "t_start_ms") == 0);  // Kilosort's samples count from the recording's start
        write_text(ks + "/spike_times.npy", "\x93NUMPY\x01");
        r = run_evspike("convert " + ks + " " + (dir / "ks2.h5"));
        CHECK(r.exit_code == 1);
        CHECK(contains(r.out, "error: " + ks + "/spike_times.npy: truncated"));
    }

    TEST_CASE("convert: detections export to CSV as time_ms,motif,score") {
        temp_dir dir;
        evspike::motif_events d;
        d.timestamps = {1.5, 20.0};
        d.motif_ids = {3, 0};
        d.scores = {2.5f, -0.125f};
        evspike::write_detections(dir / "det.h5", d, "test");
        REQUIRE(run_evspike("convert " + (dir / "det.h5") + " " + (dir / "det.csv")).exit_code == 0);
        CHECK(slurp(dir / "det.csv") == "time_ms,motif,score\n1.5,3,2.5\n20,0,-0.125\n");
    }

    TEST_CASE("convert: options that do not fit the input are usage errors (2) and write nothing") {
        temp_dir dir;
        write_text(dir / "r.txt", "1 2\n");
        for (const char* options : {"--time-unit hours", "--time-unit samples", "--time-unit s --sample-rate 100", "--good-only --time-unit s",
                                    "--sample-rate -5 --time-unit samples", "--time-unit s --t-start 5 --t-stop 1"}) {
            CAPTURE(options);
            const auto r = run_evspike("convert " + (dir / "r.txt") + " " + (dir / "r.h5") + " " + options);
            CHECK(r.exit_code == 2);
            CHECK(files_in(dir.path()) == 1);
        }
        write_text(dir / "own.csv", "population,node_id,timestamp_ms\na,1,2\n");
        auto r = run_evspike("convert " + (dir / "own.csv") + " " + (dir / "own.h5") + " --time-unit s");
        CHECK(r.exit_code == 2);
        CHECK(contains(r.out, "is for recordings, not evspike's CSV"));
    }
}
