#pragma once
// sort_runs: sorts a sequence that is made of a few runs already in order (the engine's calendar
// buckets: each epoch appends its re-queued walks, then its new spikes' walks, each lot in order)
// by merging the runs pairwise, ~log2(runs) passes instead of a full sort's ~log2(n). With more
// than max_runs runs it falls back to std::sort. Results as std::sort's when `less` is a strict
// total order on the elements (no two equal).
#include <algorithm>
#include <cstddef>
#include <vector>

namespace evspike {

template <class T, class Less>
void sort_runs(std::vector<T>& v, std::vector<T>& scratch, std::vector<std::size_t>& starts, Less less,
               std::size_t max_runs = 32) {
    const std::size_t n = v.size();
    starts.assign(1, 0);
    for (std::size_t i = 1; i < n; ++i)
        if (less(v[i], v[i - 1])) starts.push_back(i);
    if (starts.size() == 1) return;
    if (starts.size() > max_runs) {
        std::sort(v.begin(), v.end(), less);
        return;
    }
    starts.push_back(n);
    scratch.resize(n);
    T* from = v.data();
    T* to = scratch.data();
    while (starts.size() > 2) {  // runs [starts[r], starts[r + 1]), merged two by two
        std::size_t kept = 0;
        for (std::size_t r = 0; r + 1 < starts.size(); r += 2) {
            const std::size_t a = starts[r], b = starts[r + 1];
            const std::size_t c = r + 2 < starts.size() ? starts[r + 2] : b;
            std::merge(from + a, from + b, from + b, from + c, to + a, less);
            starts[kept++] = a;
        }
        starts[kept++] = n;
        starts.resize(kept);
        std::swap(from, to);
    }
    if (from != v.data()) v.swap(scratch);  // (the result is in scratch's storage)
}

}  // namespace evspike
