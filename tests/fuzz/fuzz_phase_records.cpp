// phase_probes ring-buffer records (bpf/phase_probes.h): decode_phase_record
// with the phases of a typical executable (the attach cookies index them).
//
// Input: the record's bytes, decoded as they are and padded to the record
// size.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <linux/types.h>
#include "phase_probes.h"

#include "fuzz_input.h"
#include "phases/phase_records.h"

using validprof::phases::UsdtPhase;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<UsdtPhase> phases = {
        {"validcore", "parse", "parse_start", "parse_end"},
        {"validcore", "consensus", "consensus_begin", "consensus_end"},
        {"validcore", "store", "store_start", "store_end"},
    };
    (void)validprof::phases::decode_phase_record(data, size, phases);
    auto record = validprof::fuzz::padded(data, size, sizeof(vp_phase_event));
    (void)validprof::phases::decode_phase_record(record.data(), record.size(), phases);
    return 0;
}
