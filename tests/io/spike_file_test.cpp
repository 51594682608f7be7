// SONATA spike files: round trips, selections, streaming, byte-identical reruns, atomic commit,
// writer errors, and an independent layout check with h5py (check_sonata.py).
#include "io/spike_file.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "core/random.hpp"
#include "support.hpp"

namespace {

using evspike::io_error;
using evspike::spike_reader;
using evspike::spike_sorting;
using evspike::spike_table;
using evspike::spike_writer;

// A time-sorted raster of n spikes on `neurons` nodes, with some exact ties.
spike_table make_raster(std::size_t n, std::uint64_t neurons, std::uint64_t seed) {
    auto rng = evspike::make_stream(seed, "raster");
    spike_table t;
    double now = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 17 != 0) now += evspike::exponential(rng, 2.0);
        t.timestamps.push_back(now);
        t.node_ids.push_back(rng() % neurons);
    }
    return t;
}

const evspike::provenance info{"evspike test --seed 9", 9, "seed = 9\nt_stop = 1.0\n"};

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::size_t files_in(const std::filesystem::path& dir) {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

// Writes `big` (spans and single spikes mixed), `empty`, and `small` into path.
void write_three(const std::string& path, const spike_table& big, const spike_table& small) {
    spike_writer w(path, info);
    auto b = w.add_population("big");
    auto e = w.add_population("empty");
    auto s = w.add_population("small", spike_sorting::none);
    (void)e;
    const std::size_t split = std::min<std::size_t>(70001, big.size());  // not a chunk multiple
    const std::size_t singles = std::min<std::size_t>(split + 1000, big.size());
    w.append(b, std::span(big.timestamps).first(split), std::span(big.node_ids).first(split));
    for (std::size_t i = split; i < singles; ++i) w.append(b, big.timestamps[i], big.node_ids[i]);
    w.append(b, std::span(big.timestamps).subspan(singles), std::span(big.node_ids).subspan(singles));
    for (std::size_t i = 0; i < small.size(); ++i) w.append(s, small.timestamps[i], small.node_ids[i]);
    w.commit();
}

spike_table brute_select(const spike_table& t, double t0, double t1, const std::set<std::uint64_t>* ids) {
    spike_table out;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (!(t.timestamps[i] >= t0 && t.timestamps[i] < t1)) continue;
        if (ids && !ids->count(t.node_ids[i])) continue;
        out.timestamps.push_back(t.timestamps[i]);
        out.node_ids.push_back(t.node_ids[i]);
    }
    return out;
}

}  // namespace

TEST_SUITE("io") {
    TEST_CASE("spike file: several populations round-trip exactly, across chunk boundaries and empty") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "out.h5";
        const spike_table big = make_raster(200000, 1000, 1);  // > 3 chunks of 2^16
        spike_table small;
        small.timestamps = {3.0, 1.0, 2.0};
        small.node_ids = {7, 8, 9};
        write_three(path, big, small);

        spike_reader r(path);
        CHECK(r.populations() == std::vector<std::string>{"big", "empty", "small"});
        CHECK(r.size("big") == big.size());
        CHECK(r.size("empty") == 0);
        CHECK(r.size("small") == 3);
        CHECK(r.sorting("big") == spike_sorting::by_time);
        CHECK(r.sorting("small") == spike_sorting::none);
        auto back = r.read("big");
        CHECK(back.timestamps == big.timestamps);
        CHECK(back.node_ids == big.node_ids);
        CHECK(r.read("empty").size() == 0);
        CHECK(r.read("empty", {0.0, 1.0, std::vector<std::uint64_t>{1}}).size() == 0);
        CHECK(r.read("small").timestamps == small.timestamps);
        CHECK(r.root_attribute("magic") == "2682");
        CHECK(r.root_attribute("version") == "[0, 1]");
        CHECK(r.root_attribute("evspike_version") == std::string(EVSPIKE_VERSION));
        CHECK(r.root_attribute("evspike_command") == info.command);
        CHECK(r.root_attribute("evspike_seed") == "9");
        CHECK(r.root_attribute("evspike_config") == info.config);
        CHECK_FALSE(r.root_attribute("no_such_attribute").has_value());
        CHECK_THROWS_AS(r.read("nope"), io_error);
    }

    TEST_CASE("spike file: time windows are half-open and match a brute-force filter") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "w.h5";
        const spike_table big = make_raster(150000, 300, 2);
        write_three(path, big, {});
        spike_reader r(path);
        const double last = big.timestamps.back();
        const double at = big.timestamps[100000];  // an existing spike time: included as t_start
        const std::vector<std::pair<double, double>> windows = {
            {0.0, last}, {at, at + 50.0},    {at - 1e-9, at},
            {at, at},    {last, last + 1.0}, {last + 1.0, last + 2.0},
            {-5.0, 0.5}, {at + 10.0, at},    {big.timestamps[65535], big.timestamps[65536]}};
        for (const auto& window : windows) {
            const double t0 = window.first, t1 = window.second;  // clang 14: CAPTURE needs variables, not bindings
            CAPTURE(t0);
            CAPTURE(t1);
            auto got = r.read("big", {t0, t1, std::nullopt});
            auto want = brute_select(big, t0, t1, nullptr);
            CHECK(got.timestamps == want.timestamps);
            CHECK(got.node_ids == want.node_ids);
        }
        // One-sided windows.
        CHECK(r.read("big", {at, std::nullopt, std::nullopt}).size() ==
              brute_select(big, at, std::numeric_limits<double>::infinity(), nullptr).size());
        CHECK(r.read("big", {std::nullopt, at, std::nullopt}).size() ==
              brute_select(big, -1.0, at, nullptr).size());
    }

    TEST_CASE("spike file: node selection (unsorted, duplicates) alone and with a window") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "n.h5";
        const spike_table big = make_raster(100000, 50, 3);
        write_three(path, big, {});
        spike_reader r(path);
        const std::vector<std::uint64_t> ids = {42, 3, 3, 17, 1000};
        const std::set<std::uint64_t> id_set(ids.begin(), ids.end());
        auto got = r.read("big", {std::nullopt, std::nullopt, ids});
        auto want = brute_select(big, -1.0, std::numeric_limits<double>::infinity(), &id_set);
        CHECK(got.timestamps == want.timestamps);
        CHECK(got.node_ids == want.node_ids);
        const double t0 = big.timestamps[20000], t1 = big.timestamps[90000];
        got = r.read("big", {t0, t1, ids});
        want = brute_select(big, t0, t1, &id_set);
        CHECK(got.node_ids == want.node_ids);
        CHECK(got.timestamps == want.timestamps);
        CHECK(r.read("big", {std::nullopt, std::nullopt, std::vector<std::uint64_t>{}}).size() == 0);
    }

    TEST_CASE("spike file: for_each_chunk streams the population in order, in chunks of at most the size") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "s.h5";
        const spike_table big = make_raster(140000, 100, 4);
        write_three(path, big, {});
        spike_reader r(path);
        for (std::size_t chunk :
             {std::size_t{1000}, std::size_t{65536}, std::size_t{100000}, std::size_t{1} << 20}) {
            CAPTURE(chunk);
            spike_table all;
            std::size_t calls = 0;
            r.for_each_chunk("big", chunk, [&](const spike_table& t) {
                CHECK(t.size() <= chunk);
                CHECK(t.size() > 0);
                all.timestamps.insert(all.timestamps.end(), t.timestamps.begin(), t.timestamps.end());
                all.node_ids.insert(all.node_ids.end(), t.node_ids.begin(), t.node_ids.end());
                ++calls;
            });
            CHECK(calls == (big.size() + chunk - 1) / chunk);
            CHECK(all.timestamps == big.timestamps);
            CHECK(all.node_ids == big.node_ids);
        }
        std::size_t empty_calls = 0;
        r.for_each_chunk("empty", 10, [&](const spike_table&) { ++empty_calls; });
        CHECK(empty_calls == 0);
    }

    TEST_CASE("spike file: writing the same spikes twice gives byte-identical files") {
        evspike::test::temp_dir dir;
        const spike_table big = make_raster(80000, 100, 5);
        spike_table small;
        small.timestamps = {0.0, 0.5};
        small.node_ids = {1, 0};
        write_three(dir / "a.h5", big, small);
        write_three(dir / "b.h5", big, small);
        const std::string a = read_bytes(dir / "a.h5");
        CHECK(a.size() > 1000);
        CHECK(a == read_bytes(dir / "b.h5"));
    }

    TEST_CASE("spike file: nothing appears at the target before commit, and no temporary file remains") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "atomic.h5";
        {
            spike_writer w(path, info);
            auto p = w.add_population("exc");
            w.append(p, 1.0, 0);
            CHECK_FALSE(std::filesystem::exists(path));
            CHECK(files_in(dir.path()) == 1);  // the temporary file, beside the target
        }
        CHECK_FALSE(std::filesystem::exists(path));
        CHECK(files_in(dir.path()) == 0);
    }

    TEST_CASE("spike file: an exception before commit leaves the previous good file untouched") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "keep.h5";
        write_three(path, make_raster(1000, 10, 6), {});
        const std::string before = read_bytes(path);
        try {
            spike_writer w(path, info);
            auto p = w.add_population("exc");
            for (int i = 0; i < 100000; ++i) w.append(p, i * 0.01, 1);
            throw std::runtime_error("interrupted");
        } catch (const std::runtime_error&) {
        }
        CHECK(read_bytes(path) == before);
        CHECK(files_in(dir.path()) == 1);
        spike_reader r(path);
        CHECK(r.size("big") == 1000);
    }

    TEST_CASE("spike file: an unwritable destination is an io_error naming the target") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "no/such/dir/out.h5";
        CHECK_THROWS_AS(spike_writer(path, info), io_error);
        try {
            spike_writer w(path, info);
        } catch (const io_error& e) {
            CHECK(e.path == path);
            CHECK(std::string(e.what()).find(path) == 0);
        }
    }

    TEST_CASE("spike file: the writer refuses invalid times, broken order and bad population names") {
        evspike::test::temp_dir dir;
        spike_writer w(dir / "bad.h5", info);
        auto p = w.add_population("exc");
        auto q = w.add_population("by_id", spike_sorting::by_id);
        CHECK_THROWS_AS(w.append(p, std::nan(""), 0), io_error);
        CHECK_THROWS_AS(w.append(p, -1.0, 0), io_error);
        CHECK_THROWS_AS(w.append(p, std::numeric_limits<double>::infinity(), 0), io_error);
        w.append(p, 5.0, 0);
        w.append(p, 5.0, 0);
        CHECK_THROWS_AS(w.append(p, 4.0, 0), io_error);
        w.append(q, 9.0, 3);
        CHECK_THROWS_AS(w.append(q, 1.0, 2), io_error);
        CHECK_THROWS_AS(w.add_population("exc"), io_error);
        CHECK_THROWS_AS(w.add_population("a/b"), io_error);
        CHECK_THROWS_AS(w.add_population(""), io_error);
        try {
            w.append(p, -1.0, 0);
        } catch (const io_error& e) {
            CHECK(e.dataset == "/spikes/exc/timestamps");
        }
    }

    TEST_CASE("spike file: h5py finds the exact SONATA layout, dtypes, enum and attributes") {
        evspike::test::temp_dir dir;
        const std::string sorted_path = dir / "sorted.h5";
        {
            spike_writer w(sorted_path, info);
            auto a = w.add_population("a");
            w.add_population("empty");
            spike_table t = make_raster(70000, 100, 8);
            w.append(a, t.timestamps, t.node_ids);
            auto ramp = w.add_population("ramp");  // 150001 spikes: 2 chunks + 1 partial
            for (std::uint64_t i = 0; i < 150001; ++i)
                w.append(ramp, static_cast<double>(i) * 0.25, i % 1000);
            w.commit();
        }
        auto r = evspike::test::run(std::string(evspike::test::system_python) + " " +
                                    evspike::test::source_dir + "/tests/io/check_sonata.py spikes " +
                                    sorted_path + " a=70000 empty=0 ramp=150001");
        CHECK_MESSAGE(r.exit_code == 0, r.out);  // exit 3 (no h5py) is a failure too, not a skip
    }
}

#include "io/hdf5.hpp"

namespace {

// A spike file written through io/hdf5 directly (the writer would refuse bad values): n times
// 0.5 i except bad_value at index bad, node ids 0, compressed in chunks of 2^16.
void write_raw_spikes(const std::string& path, std::size_t n, std::size_t bad, double bad_value,
                      const char* sorting) {
    std::vector<double> times(n);
    for (std::size_t i = 0; i < n; ++i) times[i] = 0.5 * static_cast<double>(i);
    times[bad] = bad_value;
    const std::vector<std::uint64_t> ids(n, 0);
    evspike::h5::file f = evspike::h5::file::create(path);
    {
        evspike::h5::group g = f.create_group("spikes/exc");
        g.write_enum_attribute("sorting", {{"none", 0}, {"by_id", 1}, {"by_time", 2}},
                               std::string(sorting) == "by_time" ? 2 : 0);
        g.create_extensible<double>("timestamps").append<double>(times);
        g.create_extensible<std::uint64_t>("node_ids").append<std::uint64_t>(ids);
    }
    f.close();
}

}  // namespace

TEST_SUITE("io") {
    // The reader checks a whole chunk in one vectorised pass and only then looks for the culprit:
    // a bad value at any position (first, odd, even, last of a chunk, in the partial last chunk)
    // must still be refused with its own index, streamed or read whole.
    TEST_CASE("spike reader: a bad time anywhere in a long population is refused with its index") {
        evspike::test::temp_dir tmp;
        const std::string path = (tmp.path() / "bad.h5").string();
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        const std::size_t n = 70001;  // one whole chunk of 2^16 and a partial one
        for (const char* sorting : {"by_time", "none"}) {
            for (std::size_t bad : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{40001},
                                    std::size_t{65535}, std::size_t{65536}, std::size_t{70000}}) {
                for (double value : {nan, inf, -1.0}) {
                    CAPTURE(sorting);
                    CAPTURE(bad);
                    CAPTURE(value);
                    write_raw_spikes(path, n, bad, value, sorting);
                    spike_reader r(path);
                    const std::string expected =
                        "at index " + std::to_string(bad) + " is not a finite time >= 0";
                    std::string streamed, whole;
                    try {
                        r.for_each_chunk("exc", std::size_t{1} << 16, [](const spike_table&) {});
                    } catch (const io_error& e) {
                        streamed = e.what();
                    }
                    try {
                        r.read("exc");
                    } catch (const io_error& e) {
                        whole = e.what();
                    }
                    CHECK(streamed.find(expected) != std::string::npos);
                    CHECK(whole.find(expected) != std::string::npos);
                }
            }
        }
        // A decrease (not a bad value) in a by_time population, also at chunk edges and odd places.
        for (std::size_t bad : {std::size_t{2}, std::size_t{3}, std::size_t{40001}, std::size_t{65536},
                                std::size_t{70000}}) {
            CAPTURE(bad);
            write_raw_spikes(path, n, bad, 0.5 * static_cast<double>(bad) - 0.75, "by_time");
            std::string message;
            try {
                spike_reader(path).for_each_chunk("exc", std::size_t{1} << 16, [](const spike_table&) {});
            } catch (const io_error& e) {
                message = e.what();
            }
            CHECK(message.find("time at index " + std::to_string(bad) + " is smaller than the one before") !=
                  std::string::npos);
            // Unsorted files may hold it: read whole without complaint.
            write_raw_spikes(path, n, bad, 0.5 * static_cast<double>(bad) - 0.75, "none");
            CHECK(spike_reader(path).read("exc").size() == n);
        }
    }
}

TEST_SUITE("io") {
    // append(span) checks a whole span in branch-free passes (by_time: order and the two ends)
    // and only then spike by spike: a bad value anywhere in a span must still be refused.
    TEST_CASE("spike file: the writer refuses a bad time or a decrease anywhere in a long span") {
        evspike::test::temp_dir dir;
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const double inf = std::numeric_limits<double>::infinity();
        const std::size_t n = 1001;
        for (spike_sorting sorting : {spike_sorting::by_time, spike_sorting::none}) {
            for (std::size_t bad : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{555},
                                    std::size_t{1000}}) {
                for (double value : {nan, inf, -1.0}) {
                    CAPTURE(bad);
                    CAPTURE(value);
                    std::vector<double> t(n);
                    for (std::size_t i = 0; i < n; ++i) t[i] = 1.0 + static_cast<double>(i);
                    t[bad] = value;
                    const std::vector<std::uint64_t> ids(n, 1);
                    spike_writer w(dir / "span.h5", info);
                    const auto p = w.add_population("exc", sorting);
                    CHECK_THROWS_AS(w.append(p, t, ids), io_error);
                }
            }
        }
        std::vector<double> t(n);
        for (std::size_t i = 0; i < n; ++i) t[i] = 10.0 + static_cast<double>(i);
        const std::vector<std::uint64_t> ids(n, 1);
        for (std::size_t bad : {std::size_t{1}, std::size_t{2}, std::size_t{555}, std::size_t{1000}}) {
            CAPTURE(bad);
            std::vector<double> d = t;
            d[bad] = d[bad - 1] - 0.5;  // a decrease inside the span
            spike_writer w(dir / "span.h5", info);
            const auto p = w.add_population("exc");
            CHECK_THROWS_AS(w.append(p, d, ids), io_error);
            const auto q = w.add_population("unsorted", spike_sorting::none);
            w.append(q, d, ids);  // allowed where nothing promises the order
        }
        // A span that starts before the last spike written is a decrease too; equal is not.
        spike_writer w(dir / "span.h5", info);
        const auto p = w.add_population("exc");
        w.append(p, t, ids);
        std::vector<double> next(n, t.back());
        w.append(p, next, ids);
        next[0] = t.back() - 1e-9;
        CHECK_THROWS_AS(w.append(p, next, ids), io_error);
        // Node ids are checked in spans too: above 2^64 - 2, or decreasing for by_id.
        std::vector<std::uint64_t> big = ids;
        big[777] = std::numeric_limits<std::uint64_t>::max();
        CHECK_THROWS_AS(w.append(p, std::vector<double>(n, t.back() + 1.0), big), io_error);
        const auto q = w.add_population("by_id", spike_sorting::by_id);
        std::vector<std::uint64_t> down(n);
        for (std::size_t i = 0; i < n; ++i) down[i] = i;
        down[600] = 3;
        CHECK_THROWS_AS(w.append(q, t, down), io_error);
    }
}
