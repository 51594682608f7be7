// The internal HDF5 wrapper (io/hdf5.hpp, used by every io/ file format): appends of any size mix
// our own chunk codec with HDF5's filter path and must read back exactly; attributes round-trip;
// errors name file and object.
#include "io/hdf5.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "support.hpp"

namespace h5 = evspike::h5;

TEST_SUITE("io") {
    TEST_CASE("hdf5: a memory_file serves the bytes of a file under its name, with nothing on disk") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "m.h5";
        std::vector<double> values;
        for (int i = 0; i < 70000; ++i) values.push_back(i * 0.25);  // two chunks: our codec's read path
        {
            auto f = h5::file::create(path);
            {
                auto d = f.create_extensible<double>("g/t");
                d.append<double>(values);
                d.write_attribute("units", "ms");
            }
            f.close();
        }
        std::ifstream in(path, std::ios::binary);
        const std::vector<unsigned char> image{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        std::filesystem::remove(path);
        const std::string name = dir / "not-on-disk.h5";
        {
            h5::memory_file served(name, image);
            auto f = h5::file::open_read(name);
            auto d = f.open_dataset("g/t");
            CHECK(d.read_string_attribute("units") == "ms");
            std::vector<double> back(values.size());
            d.read<double>(0, back);
            CHECK(back == values);
            CHECK_THROWS_AS(h5::memory_file(name, image), evspike::internal_error);  // one at a time
        }
        CHECK_THROWS_AS(h5::file::open_read(name), evspike::io_error);  // gone with the memory_file
        const std::vector<unsigned char> junk(100, 7);
        h5::memory_file served(name, junk);
        CHECK_THROWS_AS(h5::file::open_read(name), evspike::io_error);
    }

    TEST_CASE("hdf5: appends of odd sizes across chunk boundaries read back exactly") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "a.h5";
        std::vector<double> times;
        std::vector<std::uint64_t> ids;
        {
            auto f = h5::file::create(path);
            auto g = f.create_group("x/y");
            auto t = g.create_extensible<double>("t", {1000, 1, true});
            auto n = g.create_extensible<std::uint64_t>("n", {1000, 1, true});
            // 2500 (whole chunks + a partial one, our codec), then 1 and 777 (mid-chunk, HDF5's
            // path), then 1222 (back on a boundary), then 3000.
            for (std::size_t size : {2500u, 1u, 777u, 1222u, 3000u}) {
                std::vector<double> tb;
                std::vector<std::uint64_t> nb;
                for (std::size_t i = 0; i < size; ++i) {
                    tb.push_back(static_cast<double>(times.size() + i) * 0.37 + 1e6);
                    nb.push_back((times.size() + i) * 2654435761u % 100003);
                }
                t.append<double>(tb);
                n.append<std::uint64_t>(nb);
                times.insert(times.end(), tb.begin(), tb.end());
                ids.insert(ids.end(), nb.begin(), nb.end());
            }
            CHECK(t.size() == times.size());
            CHECK(t.chunk_values() == 1000);
        }
        auto f = h5::file::open_read(path);
        CHECK(f.read_dataset<double>("x/y/t") == times);
        CHECK(f.read_dataset<std::uint64_t>("/x/y/n") == ids);
        auto t = f.open_dataset("x/y/t");
        std::vector<double> part(1500);
        t.read<double>(1999, part);  // spans three chunks
        CHECK(std::equal(part.begin(), part.end(), times.begin() + 1999));
        std::vector<float> as_float(10);
        t.read<float>(5, as_float);  // converted by HDF5
        CHECK(as_float[0] == static_cast<float>(times[5]));
        CHECK(f.list_groups() == std::vector<std::string>{"x"});
        CHECK(f.open_group("x/y").list_datasets() == std::vector<std::string>{"n", "t"});
        CHECK(f.exists("x/y/t"));
        CHECK_FALSE(f.exists("x/z/t"));
        CHECK_FALSE(f.exists("x/y/t/deeper"));
        CHECK(f.is_group("x/y"));
        CHECK(f.is_dataset("x/y/t"));
        CHECK_FALSE(f.is_dataset("x/y"));
    }

    TEST_CASE("hdf5: 2-D row appends of odd sizes read back exactly") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "rows.h5";
        const std::uint64_t cols = 7;
        std::vector<float> all;
        {
            auto f = h5::file::create(path);
            auto d = f.create_extensible_2d<float>("v", cols, {70, 1, true});  // chunks of 10 rows
            for (std::size_t rows : {25u, 5u, 3u, 17u, 30u}) {  // codec, HDF5 (mid-chunk), codec, HDF5, codec
                std::vector<float> block;
                for (std::size_t i = 0; i < rows * cols; ++i)
                    block.push_back(-70.0f + 0.001f * static_cast<float>(all.size() + i));
                d.append_rows<float>(block);
                all.insert(all.end(), block.begin(), block.end());
            }
            CHECK_THROWS_AS(d.append_rows<float>(std::vector<float>(3)), evspike::io_error);
        }
        auto f = h5::file::open_read(path);
        auto m = f.read_dataset_2d<float>("v");
        CHECK(m.rows == 80);
        CHECK(m.cols == cols);
        CHECK(m.values == all);
    }

    TEST_CASE("hdf5: whole datasets, matrices, empty datasets and attributes round-trip") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "b.h5";
        {
            auto f = h5::file::create(path);
            f.write_dataset<std::uint8_t>("bytes", std::vector<std::uint8_t>{1, 2, 255});
            f.write_dataset<std::int64_t>("empty", std::vector<std::int64_t>{});
            std::vector<float> m = {1, 2, 3, 4, 5, 6};
            {
                auto d = f.write_dataset_2d<float>("m", m, 2, 3);
                d.write_attribute("units", "mV");
                d.write_attribute<double>("scale", 0.5);
                CHECK_THROWS_AS(f.close(), evspike::io_error);  // `d` is still open
            }
            f.write_attribute<std::uint64_t>("big", 18446744073709551615ull);
            f.write_attribute<std::int64_t>("neg", -3);
            const std::uint32_t v[] = {0, 1};
            f.write_attribute<std::uint32_t>("version", std::span<const std::uint32_t>(v));
            f.write_enum_attribute("sorting", {{"none", 0}, {"by_id", 1}, {"by_time", 2}}, 2);
            f.write_attribute("text", std::string("héllo"));
            f.write_attribute("text", std::string("replaced"));
            f.close();
        }
        auto f = h5::file::open_read(path);
        CHECK(f.read_dataset<std::uint8_t>("bytes") == std::vector<std::uint8_t>{1, 2, 255});
        CHECK(f.read_dataset<std::int64_t>("empty").empty());
        auto m = f.read_dataset_2d<double>("m");
        CHECK(m.rows == 2);
        CHECK(m.cols == 3);
        CHECK(m(1, 2) == 6.0);
        auto d = f.open_dataset("m");
        CHECK(d.read_string_attribute("units") == "mV");
        CHECK(d.read_attribute<double>("scale") == 0.5);
        CHECK(d.type().cls == h5::type_class::floating);
        CHECK(d.type().size == 4);
        CHECK(f.read_attribute<std::uint64_t>("big") == 18446744073709551615ull);
        CHECK_THROWS_AS(f.read_attribute<std::int64_t>("big"), evspike::io_error);
        CHECK_THROWS_AS(f.read_attribute<std::uint64_t>("neg"), evspike::io_error);
        CHECK(f.read_attribute<std::int64_t>("neg") == -3);
        CHECK(f.read_attribute_array<std::uint32_t>("version") == std::vector<std::uint32_t>{0, 1});
        CHECK(f.attribute_as_text("version") == "[0, 1]");
        CHECK(f.attribute_type("sorting").cls == h5::type_class::enumeration);
        CHECK(f.read_enum_attribute("sorting") == "by_time");
        CHECK(f.attribute_as_text("sorting") == "by_time");
        CHECK(f.read_string_attribute("text") == "replaced");
        CHECK_FALSE(f.has_attribute("nope"));
    }

    TEST_CASE("hdf5: errors name the file and the object") {
        evspike::test::temp_dir dir;
        const std::string path = dir / "c.h5";
        {
            auto f = h5::file::create(path);
            f.create_group("g").write_dataset<double>("d", std::vector<double>{1.0});
            CHECK_THROWS_AS(f.create_group("g"), evspike::io_error);
        }
        auto f = h5::file::open_read(path);
        try {
            f.open_dataset("g/missing");
            FAIL("no exception");
        } catch (const evspike::io_error& e) {
            CHECK(e.path == path);
            CHECK(e.dataset == "/g/missing");
        }
        try {
            f.open_group("g").read_attribute<double>("units");
            FAIL("no exception");
        } catch (const evspike::io_error& e) {
            CHECK(e.dataset == "/g");
            CHECK(std::string(e.what()).find("no attribute 'units'") != std::string::npos);
        }
        CHECK_THROWS_AS(f.read_dataset_2d<double>("g/d"), evspike::io_error);
        CHECK_THROWS_AS(h5::file::open_read(dir / "none.h5"), evspike::io_error);
        CHECK_THROWS_AS(h5::file::create(dir / "no/dir/x.h5"), evspike::io_error);
    }
}
