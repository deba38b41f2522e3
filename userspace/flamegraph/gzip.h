// gzip (RFC 1952) through zlib, for pprof files: profile.proto is specified
// to be gzip-compressed on disk, and every pprof reader expects it so.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace validprof::flamegraph {

// level: zlib's 1 (fastest) to 9 (smallest). Go's runtime/pprof writes its
// profiles at the fastest level too: profiles are written far more often
// than they are archived, and level 1 keeps a million-sample export under a
// second.
common::Result<std::string> gzip_compress(std::string_view data, int level = 1);

}  // namespace validprof::flamegraph
