#include "core/comm.hpp"

#include <cstdlib>

namespace evspike {

namespace {

class serial final : public communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void allgatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                    std::vector<std::size_t>& counts) override {
        all.assign(mine.begin(), mine.end());
        counts.assign(1, mine.size());
    }
    void gatherv(std::span<const std::byte> mine, std::vector<std::byte>& all,
                 std::vector<std::size_t>& counts) override {
        allgatherv(mine, all, counts);
    }
    std::vector<int> allgather(int mine) override { return {mine}; }
    void allreduce_min(std::span<double>) override {}
    void allreduce_sum(std::span<std::uint64_t>) override {}
    void allreduce_max(std::span<std::uint64_t>) override {}
    void barrier() override {}
    [[noreturn]] void abort(int code) override { std::exit(code); }
};

}  // namespace

communicator& serial_communicator() {
    static serial alone;
    return alone;
}

}  // namespace evspike
