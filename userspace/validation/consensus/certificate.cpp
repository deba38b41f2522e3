#include "validation/consensus/certificate.h"

#include <cstring>
#include <set>

namespace validprof::validation {

namespace {

constexpr std::size_t kStatementBytes = 56;
constexpr std::size_t kSignatureBytes = 64;
// Prepended to what is signed: a signature made here can never be taken for
// one over some other format.
constexpr std::string_view kDomain = "validcore/pbft-statement/v1";

template <typename T>
void put(std::string& out, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

template <typename T>
T get(std::string_view bytes, std::size_t offset) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        value |= static_cast<T>(static_cast<std::uint8_t>(bytes[offset + i])) << (8 * i);
    }
    return value;
}

std::string statement_bytes(const Statement& statement) {
    std::string out;
    out.reserve(kStatementBytes);
    put<std::uint8_t>(out, static_cast<std::uint8_t>(statement.type));
    put<std::uint16_t>(out, statement.signer);
    put<std::uint32_t>(out, statement.view);
    put<std::uint64_t>(out, statement.sequence);
    put<std::uint64_t>(out, statement.session);
    out.append(reinterpret_cast<const char*>(statement.digest.data()), statement.digest.size());
    put<std::uint8_t>(out, static_cast<std::uint8_t>(statement.decision));
    return out;
}

std::string signing_bytes(const Statement& statement, std::string_view attachment) {
    std::string out(kDomain);
    out += statement_bytes(statement);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(attachment.size()));
    out.append(attachment);
    return out;
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Decodes one element at `offset`, advancing it.
std::optional<SignedStatement> decode_at(std::string_view bytes, std::size_t& offset) {
    if (bytes.size() - offset < kStatementBytes + 4 + kSignatureBytes) return std::nullopt;
    SignedStatement out;
    Statement& s = out.statement;
    const std::uint8_t type = get<std::uint8_t>(bytes, offset);
    if (type < static_cast<std::uint8_t>(MessageType::PrePrepare) || type > static_cast<std::uint8_t>(MessageType::NewView)) {
        return std::nullopt;
    }
    s.type = static_cast<MessageType>(type);
    s.signer = get<std::uint16_t>(bytes, offset + 1);
    s.view = get<std::uint32_t>(bytes, offset + 3);
    s.sequence = get<std::uint64_t>(bytes, offset + 7);
    s.session = get<std::uint64_t>(bytes, offset + 15);
    std::memcpy(s.digest.data(), bytes.data() + offset + 23, s.digest.size());
    const std::uint8_t decision = get<std::uint8_t>(bytes, offset + 55);
    if (decision > static_cast<std::uint8_t>(Decision::Reject)) return std::nullopt;
    s.decision = static_cast<Decision>(decision);
    const std::uint32_t attachment = get<std::uint32_t>(bytes, offset + kStatementBytes);
    offset += kStatementBytes + 4;
    if (bytes.size() - offset < static_cast<std::size_t>(attachment) + kSignatureBytes) return std::nullopt;
    out.attachment.assign(bytes.substr(offset, attachment));
    offset += attachment;
    std::memcpy(out.signature.data(), bytes.data() + offset, kSignatureBytes);
    offset += kSignatureBytes;
    return out;
}

}  // namespace

SignedStatement sign_statement(const Statement& statement, std::string attachment, const SigningKey& key) {
    SignedStatement out;
    out.statement = statement;
    out.signature = key.sign(as_bytes(signing_bytes(statement, attachment)));
    out.attachment = std::move(attachment);
    return out;
}

bool signature_valid(const SignedStatement& signed_statement, const PublicKeys& keys) {
    return keys.verify(signed_statement.statement.signer,
                       as_bytes(signing_bytes(signed_statement.statement, signed_statement.attachment)),
                       signed_statement.signature);
}

std::string encode_signed(const SignedStatement& signed_statement) {
    std::string out = statement_bytes(signed_statement.statement);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(signed_statement.attachment.size()));
    out += signed_statement.attachment;
    out.append(reinterpret_cast<const char*>(signed_statement.signature.data()), signed_statement.signature.size());
    return out;
}

std::optional<SignedStatement> decode_signed(std::string_view bytes) {
    std::size_t offset = 0;
    auto out = decode_at(bytes, offset);
    if (!out || offset != bytes.size()) return std::nullopt;
    return out;
}

std::string encode_signed_list(const std::vector<SignedStatement>& list) {
    std::string out;
    put<std::uint16_t>(out, static_cast<std::uint16_t>(list.size()));
    for (const SignedStatement& element : list) out += encode_signed(element);
    return out;
}

std::optional<std::vector<SignedStatement>> decode_signed_list(std::string_view bytes) {
    if (bytes.size() < 2) return std::nullopt;
    const std::uint16_t count = get<std::uint16_t>(bytes, 0);
    std::size_t offset = 2;
    std::vector<SignedStatement> list;
    for (std::uint16_t i = 0; i < count; ++i) {
        auto element = decode_at(bytes, offset);
        if (!element) return std::nullopt;
        list.push_back(std::move(*element));
    }
    if (offset != bytes.size()) return std::nullopt;
    return list;
}

bool RoundContext::belongs(const Statement& statement, MessageType type) const {
    return statement.type == type && statement.session == session && statement.sequence == sequence &&
           statement.digest == digest && statement.signer < validators;
}

std::optional<Certified> verify_prepared_certificate(const std::vector<SignedStatement>& certificate,
                                                     const RoundContext& round, const PublicKeys& keys) {
    if (static_cast<int>(certificate.size()) < round.quorum()) return std::nullopt;
    const Statement& proposal = certificate.front().statement;
    if (!round.belongs(proposal, MessageType::PrePrepare) || proposal.signer != round.primary_of(proposal.view) ||
        proposal.decision == Decision::None || !signature_valid(certificate.front(), keys)) {
        return std::nullopt;
    }
    std::set<int> backups;
    for (std::size_t i = 1; i < certificate.size(); ++i) {
        const Statement& prepare = certificate[i].statement;
        if (!round.belongs(prepare, MessageType::Prepare) || prepare.view != proposal.view ||
            prepare.decision != proposal.decision || prepare.signer == proposal.signer ||
            !backups.insert(prepare.signer).second || !signature_valid(certificate[i], keys)) {
            return std::nullopt;
        }
    }
    return Certified{proposal.view, proposal.decision};
}

std::optional<ViewChangeClaim> verify_view_change(const SignedStatement& view_change, const RoundContext& round,
                                                  const PublicKeys& keys) {
    const Statement& s = view_change.statement;
    if (!round.belongs(s, MessageType::ViewChange) || !signature_valid(view_change, keys)) return std::nullopt;
    ViewChangeClaim claim{s.signer, s.view, std::nullopt};
    if (s.decision == Decision::None) {
        if (!view_change.attachment.empty()) return std::nullopt;
        return claim;
    }
    auto certificate = decode_signed_list(view_change.attachment);
    if (!certificate) return std::nullopt;
    auto prepared = verify_prepared_certificate(*certificate, round, keys);
    if (!prepared || prepared->view >= s.view || prepared->decision != s.decision) return std::nullopt;
    claim.prepared = prepared;
    return claim;
}

std::optional<Decision> forced_proposal(const std::vector<ViewChangeClaim>& claims) {
    std::optional<Certified> highest;
    for (const ViewChangeClaim& claim : claims) {
        if (claim.prepared && (!highest || claim.prepared->view > highest->view)) highest = claim.prepared;
    }
    if (!highest) return std::nullopt;
    return highest->decision;
}

std::optional<NewViewProof> verify_new_view(const SignedStatement& new_view, const RoundContext& round,
                                            const PublicKeys& keys) {
    const Statement& s = new_view.statement;
    if (!round.belongs(s, MessageType::NewView) || s.signer != round.primary_of(s.view) ||
        s.decision == Decision::None || !signature_valid(new_view, keys)) {
        return std::nullopt;
    }
    auto parts = decode_signed_list(new_view.attachment);
    if (!parts || parts->empty()) return std::nullopt;
    const SignedStatement pre_prepare = parts->back();
    parts->pop_back();
    const Statement& p = pre_prepare.statement;
    if (!round.belongs(p, MessageType::PrePrepare) || p.signer != s.signer || p.view != s.view ||
        p.decision != s.decision || !signature_valid(pre_prepare, keys)) {
        return std::nullopt;
    }
    std::vector<ViewChangeClaim> claims;
    std::set<int> senders;
    for (const SignedStatement& view_change : *parts) {
        auto claim = verify_view_change(view_change, round, keys);
        if (!claim || claim->new_view != s.view || !senders.insert(claim->sender).second) return std::nullopt;
        claims.push_back(*claim);
    }
    if (static_cast<int>(claims.size()) < round.quorum()) return std::nullopt;
    NewViewProof proof{s.view, s.decision, false, pre_prepare};
    if (auto forced = forced_proposal(claims)) {
        if (*forced != s.decision) return std::nullopt;
        proof.forced = true;
    }
    return proof;
}

}  // namespace validprof::validation
