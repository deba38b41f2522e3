// An open-addressing hash index for the exporters' inner loop, merging a
// million samples by key (stack_set.cpp, pprof.cpp): it maps a key to the
// dense id of the record that holds it, and stores only the id and 32 bits
// of the key's hash, 8 bytes a slot. The records stay in the caller's
// vector, which the caller touches anyway; the index adds about one cache
// miss per lookup. std::unordered_map allocated a node per key and chased
// pointers, which made merging samples the slowest step of the pprof export.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace validprof::flamegraph {

class FlatIndex {
public:
    explicit FlatIndex(std::size_t expected = 0) {
        std::size_t capacity = 1024;
        while (capacity < expected * 2) capacity *= 2;
        slots_.resize(capacity);
    }

    // The id of the record whose key hashes to `hash` and for which
    // `same(id)` holds; otherwise stores and returns `id_if_new` and sets
    // `inserted`. The caller then appends that record.
    template <typename Same>
    std::uint32_t find_or_insert(std::uint64_t hash, Same&& same, std::uint32_t id_if_new, bool& inserted) {
        if ((used_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        const std::uint32_t tag = static_cast<std::uint32_t>(hash >> 32) | 1u;  // 0 marks an empty slot
        std::size_t at = static_cast<std::size_t>(hash) & mask;
        while (slots_[at].tag != 0) {
            if (slots_[at].tag == tag && same(slots_[at].id)) {
                inserted = false;
                return slots_[at].id;
            }
            at = (at + 1) & mask;
        }
        slots_[at] = Slot{tag, id_if_new, static_cast<std::uint32_t>(hash)};
        ++used_;
        inserted = true;
        return id_if_new;
    }

    std::size_t size() const { return used_; }

private:
    struct Slot {
        std::uint32_t tag = 0;   // high half of the hash, low bit set
        std::uint32_t id = 0;
        std::uint32_t low = 0;   // low half of the hash, to re-place the slot on growth
    };

    void grow() {
        std::vector<Slot> old(slots_.size() * 2);
        old.swap(slots_);
        const std::size_t mask = slots_.size() - 1;
        for (const Slot& slot : old) {
            if (slot.tag == 0) continue;
            std::size_t at = slot.low & mask;
            while (slots_[at].tag != 0) at = (at + 1) & mask;
            slots_[at] = slot;
        }
    }

    std::vector<Slot> slots_;
    std::size_t used_ = 0;
};

// A 64-bit finaliser (splitmix64): linear probing needs every key bit to
// reach the low bits the mask keeps.
inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

}  // namespace validprof::flamegraph
