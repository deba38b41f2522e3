#include "validation/consensus/message_auth.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string>

namespace validprof::validation {

namespace {

// libcrypto failures here mean a broken installation (no default provider),
// not bad input: they are programming-environment errors, so they throw.
[[noreturn]] void crypto_failure(const char* what) { throw std::runtime_error(std::string("libcrypto: ") + what); }

struct MacFree {
    void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};

// Fetched once per process: fetching is the expensive part of EVP_MAC.
EVP_MAC* hmac_algorithm() {
    static std::unique_ptr<EVP_MAC, MacFree> algorithm(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    if (!algorithm) crypto_failure("HMAC is not available");
    return algorithm.get();
}

}  // namespace

SessionSecret random_session_secret() {
    SessionSecret secret{};
    if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) crypto_failure("RAND_bytes failed");
    return secret;
}

Mac hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
    Mac mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), mac.data(), &length) ==
            nullptr ||
        length != mac.size()) {
        crypto_failure("HMAC-SHA256 failed");
    }
    return mac;
}

MacKey derive_pair_key(const SessionSecret& secret, int a, int b) {
    const std::string label =
        "validcore/pair-key/v1/" + std::to_string(std::min(a, b)) + "/" + std::to_string(std::max(a, b));
    return hmac_sha256(secret, std::span(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()));
}

bool mac_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

KeyRing KeyRing::for_party(const SessionSecret& secret, int self, int parties) {
    KeyRing ring;
    ring.self_ = self;
    ring.keyed_.resize(static_cast<std::size_t>(parties));
    char digest_name[] = "SHA256";
    for (int peer = 0; peer < parties; ++peer) {
        if (peer == self) continue;
        MacKey key = derive_pair_key(secret, self, peer);
        Context context(EVP_MAC_CTX_new(hmac_algorithm()));
        if (!context) crypto_failure("EVP_MAC_CTX_new failed");
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(context.get(), key.data(), key.size(), params) != 1) crypto_failure("EVP_MAC_init failed");
        OPENSSL_cleanse(key.data(), key.size());
        ring.keyed_[static_cast<std::size_t>(peer)] = std::move(context);
    }
    return ring;
}

Mac KeyRing::mac(int peer, std::span<const std::uint8_t> data) const {
    if (peer < 0 || peer >= parties() || !keyed_[static_cast<std::size_t>(peer)]) {
        throw std::out_of_range("no key for peer " + std::to_string(peer));
    }
    // A copy of the keyed context: HMAC's inner and outer pads are already
    // computed, so only the message itself is hashed.
    Context context(EVP_MAC_CTX_dup(keyed_[static_cast<std::size_t>(peer)].get()));
    if (!context) crypto_failure("EVP_MAC_CTX_dup failed");
    Mac mac{};
    std::size_t length = 0;
    if (EVP_MAC_update(context.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(context.get(), mac.data(), &length, mac.size()) != 1 || length != mac.size()) {
        crypto_failure("HMAC-SHA256 failed");
    }
    return mac;
}

}  // namespace validprof::validation
