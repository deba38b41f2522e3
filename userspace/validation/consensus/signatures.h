// Transferable proofs for PBFT: Ed25519 signatures over protocol statements.
//
// Pairwise MACs (message_auth.h) convince only the one receiver they were
// computed for, so a validator cannot show a third party what others told
// it. PBFT's view change needs exactly that: a view-change carries the
// sender's prepared certificate (a pre-prepare and Q-1 prepares) and a
// new-view carries Q view-changes, and whoever receives them must be able to
// check every signature inside. Replies carry a commit certificate (Q
// commits) that the client checks the same way. So each validator signs its
// pre-prepares, prepares, commits, view-changes and new-views with its own
// Ed25519 key; every party holds all validators' public keys (drawn fresh for
// each round by the round's set-up, which plays the role of PBFT's PKI).
//
// Ed25519 because it is fast (tens of microseconds to sign or verify on one
// core), deterministic (no nonce to get wrong) and in libcrypto.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace validprof::validation {

using Signature = std::array<std::uint8_t, 64>;
using PublicKey = std::array<std::uint8_t, 32>;

namespace detail {
struct PkeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
}  // namespace detail

// One validator's private key. Used by its owner's thread only.
class SigningKey {
public:
    static common::Result<SigningKey> generate();

    SigningKey(SigningKey&&) noexcept = default;
    SigningKey& operator=(SigningKey&&) noexcept = default;
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;
    ~SigningKey() = default;

    Signature sign(std::span<const std::uint8_t> data) const;
    const PublicKey& public_key() const { return public_key_; }

private:
    SigningKey() = default;
    detail::Pkey key_;
    PublicKey public_key_{};
};

// Every validator's public key, as one party holds them. Each party builds
// its own copy so that no OpenSSL object is shared between threads (and the
// cache below needs no lock).
//
// Verifications that succeeded are remembered: the same prepare or commit
// reaches a party on its own and again inside certificates, and Ed25519
// signatures are deterministic, so an exact repeat (signer, bytes,
// signature) needs no second verification. Only successes are cached: a bad
// signature is checked (and refused) every time.
class PublicKeys {
public:
    static common::Result<PublicKeys> from(const std::vector<PublicKey>& keys);

    PublicKeys(PublicKeys&&) noexcept = default;
    PublicKeys& operator=(PublicKeys&&) noexcept = default;
    PublicKeys(const PublicKeys&) = delete;
    PublicKeys& operator=(const PublicKeys&) = delete;
    ~PublicKeys() = default;

    int size() const { return static_cast<int>(keys_.size()); }
    // False for an unknown signer, a bad signature or a signature by
    // another key.
    bool verify(int signer, std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) const;

private:
    PublicKeys() = default;
    std::vector<detail::Pkey> keys_;
    mutable std::set<std::string> verified_;
};

}  // namespace validprof::validation
