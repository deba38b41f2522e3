// sqlite_probes ring-buffer records (bpf/sqlite_probes.h) through
// SqliteRecordDecoder, as a stream: a prepare and the executions that name
// its statement arrive in separate records.
//
// Input: records one after the other, each a 2-byte little-endian length
// and that many bytes; each is padded to the size of the kind it claims,
// so that short inputs reach the full-record paths (the unpadded length
// is also decoded, to check the short-record refusals).
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <linux/types.h>
#include "sqlite_probes.h"

#include "fuzz_input.h"
#include "sqlite/sqlite_records.h"

namespace {

std::size_t record_size_of(std::uint32_t kind) {
    switch (kind) {
        case VP_SQLITE_EVENT_DB_OPENED: return sizeof(vp_sqlite_db_opened);
        case VP_SQLITE_EVENT_PREPARED: return sizeof(vp_sqlite_prepared);
        case VP_SQLITE_EVENT_EXECUTION: return sizeof(vp_sqlite_execution);
        case VP_SQLITE_EVENT_FILE_OPENED: return sizeof(vp_sqlite_file_opened);
        case VP_SQLITE_EVENT_FILE_UNLINKED: return sizeof(vp_sqlite_file_unlinked);
        case VP_SQLITE_EVENT_MAPPING_GATED: return sizeof(vp_sqlite_mapping_gated);
        default: return sizeof(vp_sqlite_event_header);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    validprof::sqlite::SqliteRecordDecoder decoder;
    std::size_t at = 0;
    while (at + 2 <= size) {
        std::size_t length = data[at] | (std::size_t{data[at + 1]} << 8);
        at += 2;
        if (length > size - at) length = size - at;
        const std::uint8_t* bytes = data + at;
        at += length;
        decoder.handle_record(bytes, length);
        std::uint32_t kind = 0;
        std::memcpy(&kind, bytes, length < sizeof(kind) ? length : sizeof(kind));
        auto record = validprof::fuzz::padded(bytes, length, record_size_of(kind));
        decoder.handle_record(record.data(), record.size());
    }
    decoder.take_statements();
    decoder.take_gated_mappings();
    return 0;
}
