// hook_trace ring-buffer records (bpf/hook_trace.h): decode_event,
// decode_span, decode_wait and the byte-string helpers behind them. The
// kernel side is ours, but a record is still outside data to userspace:
// a mismatched build, a truncated record, garbage in its strings.
//
// Input: the record's bytes, decoded as they are (any size) and padded to
// each record type's size.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "tracer/event_decoder.h"

using namespace validprof::tracer;

namespace {

void decode_all(const void* record, std::size_t size) {
    record_kind(record, size);
    (void)decode_event(record, size);
    (void)decode_span(record, size);
    (void)decode_wait(record, size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    decode_all(data, size);
    for (std::size_t record_size : {sizeof(vp_fork_event), sizeof(vp_exec_event), sizeof(vp_exit_event),
                                    sizeof(vp_wait_event), sizeof(vp_span_event)}) {
        auto record = validprof::fuzz::padded(data, size, record_size);
        decode_all(record.data(), record.size());
    }
    const char* bytes = reinterpret_cast<const char*>(data);
    join_argv(bytes, size);
    join_path_components(bytes, size);
    return 0;
}
