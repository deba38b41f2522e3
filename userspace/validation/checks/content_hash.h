// SHA-256 of file contents (OpenSSL libcrypto). The hash is the identity of
// what was validated: it goes into the evidence the validators agree on, and
// hashing again after the checks tells whether the file changed underneath
// them (a formatter run by --check-command, a concurrent edit).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace validprof::validation {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::span<const std::uint8_t> bytes);
Sha256Digest sha256(std::string_view bytes);

// Lower-case hex, two characters per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace validprof::validation
