#include "flamegraph/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace validprof::flamegraph {

namespace {

// Owns an initialised deflate stream.
class Deflater {
public:
    Deflater() = default;
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;
    ~Deflater() {
        if (initialised_) deflateEnd(&stream_);
    }

    bool init(int level) {
        // windowBits 15 + 16 asks zlib for a gzip header and trailer instead of zlib's own.
        initialised_ = deflateInit2(&stream_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
        return initialised_;
    }
    z_stream& stream() { return stream_; }

private:
    z_stream stream_{};
    bool initialised_ = false;
};

}  // namespace

common::Result<std::string> gzip_compress(std::string_view data, int level) {
    Deflater deflater;
    if (!deflater.init(std::clamp(level, 1, 9))) return common::make_error("zlib: deflateInit2 failed");
    z_stream& stream = deflater.stream();

    std::string out;
    out.resize(deflateBound(&stream, static_cast<uLong>(std::min<std::size_t>(data.size(), std::numeric_limits<uLong>::max()))) + 64);
    std::size_t consumed = 0;
    constexpr std::size_t kChunk = 1u << 30;  // avail_in is 32 bits
    int status = Z_OK;
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size(), kChunk));
    while (status != Z_STREAM_END) {
        if (stream.avail_in == 0 && consumed < data.size()) {
            const std::size_t take = std::min(kChunk, data.size() - consumed);
            stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + consumed));
            stream.avail_in = static_cast<uInt>(take);
            consumed += take;
        }
        if (stream.avail_out == 0) {
            const std::size_t used = static_cast<std::size_t>(stream.next_out - reinterpret_cast<Bytef*>(out.data()));
            out.resize(out.size() * 2);
            stream.next_out = reinterpret_cast<Bytef*>(out.data() + used);
            stream.avail_out = static_cast<uInt>(std::min(out.size() - used, kChunk));
        }
        status = deflate(&stream, consumed == data.size() && stream.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
            return common::make_error("zlib: deflate failed (" + std::to_string(status) + ")");
        }
    }
    out.resize(stream.total_out);
    return out;
}

}  // namespace validprof::flamegraph
