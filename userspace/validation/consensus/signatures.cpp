#include "validation/consensus/signatures.h"

#include <openssl/err.h>

namespace validprof::validation {

namespace {

struct MdContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextFree>;

std::string openssl_error(const char* what) {
    char buffer[256];
    ERR_error_string_n(ERR_get_error(), buffer, sizeof(buffer));
    return std::string(what) + ": " + buffer;
}

}  // namespace

common::Result<SigningKey> SigningKey::generate() {
    SigningKey key;
    key.key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key.key_) return common::make_error(openssl_error("cannot generate an Ed25519 key"));
    std::size_t length = key.public_key_.size();
    if (EVP_PKEY_get_raw_public_key(key.key_.get(), key.public_key_.data(), &length) != 1 ||
        length != key.public_key_.size()) {
        return common::make_error(openssl_error("cannot read an Ed25519 public key"));
    }
    return key;
}

Signature SigningKey::sign(std::span<const std::uint8_t> data) const {
    Signature signature{};
    MdContext context(EVP_MD_CTX_new());
    std::size_t length = signature.size();
    // Ed25519 is a one-shot scheme: no digest is named, the whole message is
    // signed. A failure here (out of memory) leaves an all-zero signature,
    // which no verifier accepts: the message is then simply not believed.
    if (context && EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get()) == 1) {
        EVP_DigestSign(context.get(), signature.data(), &length, data.data(), data.size());
    }
    return signature;
}

common::Result<PublicKeys> PublicKeys::from(const std::vector<PublicKey>& keys) {
    PublicKeys out;
    for (const PublicKey& raw : keys) {
        detail::Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size()));
        if (!key) return common::make_error(openssl_error("cannot load an Ed25519 public key"));
        out.keys_.push_back(std::move(key));
    }
    return out;
}

bool PublicKeys::verify(int signer, std::span<const std::uint8_t> data, std::span<const std::uint8_t> signature) const {
    if (signer < 0 || signer >= size() || signature.size() != Signature{}.size()) return false;
    std::string seen(1, static_cast<char>(signer));
    seen.append(reinterpret_cast<const char*>(signature.data()), signature.size());
    seen.append(reinterpret_cast<const char*>(data.data()), data.size());
    if (verified_.count(seen) != 0) return true;
    MdContext context(EVP_MD_CTX_new());
    if (!context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, keys_[static_cast<std::size_t>(signer)].get()) != 1) {
        return false;
    }
    if (EVP_DigestVerify(context.get(), signature.data(), signature.size(), data.data(), data.size()) != 1) return false;
    verified_.insert(std::move(seen));
    return true;
}

}  // namespace validprof::validation
