// Message authentication for the validators: HMAC-SHA256 with pairwise keys,
// as in PBFT's MAC authenticators.
//
// Every round draws a fresh 32-byte session secret. The key between parties
// a and b (validators 0..n-1, the client n) is
//   k(a,b) = HMAC-SHA256(secret, "validcore/pair-key/v1/" min(a,b) "/" max(a,b))
// and each party is handed only its own row k(self, *). A message from a to
// b carries HMAC(k(a,b), header || payload); b recomputes it. A faulty
// validator therefore cannot forge a message from one honest party to
// another: it does not hold their key. Keys die with the round, so messages
// from an earlier hook never verify in a later one.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace validprof::validation {

using SessionSecret = std::array<std::uint8_t, 32>;
using MacKey = std::array<std::uint8_t, 32>;
using Mac = std::array<std::uint8_t, 32>;

// From the kernel's CSPRNG via OpenSSL (RAND_bytes).
SessionSecret random_session_secret();

MacKey derive_pair_key(const SessionSecret& secret, int a, int b);

// One-shot HMAC-SHA256, for tests and key derivation.
Mac hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

// Constant-time comparison (CRYPTO_memcmp): how long a check takes must not
// tell a forger how many leading bytes were right.
bool mac_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// One party's keys to every other party, each kept as a keyed EVP_MAC
// context so that a message costs one context copy instead of a key set-up.
// Used by one thread only (its owner's).
class KeyRing {
public:
    static KeyRing for_party(const SessionSecret& secret, int self, int parties);

    KeyRing(KeyRing&&) noexcept = default;
    KeyRing& operator=(KeyRing&&) noexcept = default;
    KeyRing(const KeyRing&) = delete;
    KeyRing& operator=(const KeyRing&) = delete;
    ~KeyRing() = default;

    int self() const { return self_; }
    int parties() const { return static_cast<int>(keyed_.size()); }
    // The MAC this party puts on (or expects on) a message exchanged with peer.
    Mac mac(int peer, std::span<const std::uint8_t> data) const;

private:
    struct ContextFree {
        void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
    };
    using Context = std::unique_ptr<EVP_MAC_CTX, ContextFree>;
    KeyRing() = default;

    int self_ = -1;
    std::vector<Context> keyed_;  // index: peer; null for self
};

}  // namespace validprof::validation
