#include "validation/consensus/network.h"

namespace validprof::validation {

Network::Network(int parties, LinkDelay delay, std::uint64_t seed) : delay_(delay) {
    for (int party = 0; party < parties; ++party) {
        mailboxes_.push_back(std::make_unique<Mailbox>());
        // Distinct, reproducible streams per sender.
        generators_.emplace_back(seed * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(party) + 1);
    }
}

void Network::send(int from, int to, std::vector<std::uint8_t> bytes, std::chrono::microseconds extra_delay) {
    if (to < 0 || to >= parties() || stopped()) return;
    messages_.fetch_add(1, std::memory_order_relaxed);
    bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
    if (tap_) tap_(from, to, bytes, *this);
    std::chrono::microseconds delay = extra_delay;
    if (delay_.max > delay_.min) {
        std::uniform_int_distribution<long long> pick(delay_.min.count(), delay_.max.count());
        delay += std::chrono::microseconds(pick(generators_[static_cast<std::size_t>(from)]));
    } else {
        delay += delay_.min;
    }
    deliver(to, std::move(bytes), Clock::now() + delay);
}

void Network::inject(int to, std::vector<std::uint8_t> bytes, std::chrono::microseconds delay) {
    if (to < 0 || to >= parties()) return;
    deliver(to, std::move(bytes), Clock::now() + delay);
}

void Network::deliver(int to, std::vector<std::uint8_t> bytes, Clock::time_point at) {
    Mailbox& mailbox = *mailboxes_[static_cast<std::size_t>(to)];
    {
        std::lock_guard lock(mailbox.mutex);
        mailbox.queue.push(Envelope{at, mailbox.next_order++, std::move(bytes)});
    }
    mailbox.ready.notify_one();
}

Network::Wait Network::receive(int party, Clock::time_point deadline, std::vector<std::uint8_t>& out) {
    Mailbox& mailbox = *mailboxes_[static_cast<std::size_t>(party)];
    std::unique_lock lock(mailbox.mutex);
    for (;;) {
        if (stopped()) return Wait::Stopped;
        const auto now = Clock::now();
        if (!mailbox.queue.empty() && mailbox.queue.top().deliver_at <= now) {
            // priority_queue::top is const; the envelope is popped right
            // after, so moving its bytes out is safe.
            out = std::move(const_cast<Envelope&>(mailbox.queue.top()).bytes);
            mailbox.queue.pop();
            return Wait::Message;
        }
        if (now >= deadline) return Wait::Timeout;
        auto wake = deadline;
        if (!mailbox.queue.empty() && mailbox.queue.top().deliver_at < wake) wake = mailbox.queue.top().deliver_at;
        mailbox.ready.wait_until(lock, wake);
    }
}

std::optional<std::vector<std::uint8_t>> Network::try_receive(int party) {
    std::vector<std::uint8_t> out;
    if (receive(party, Clock::now(), out) == Wait::Message) return out;
    return std::nullopt;
}

void Network::stop() {
    stopped_.store(true, std::memory_order_release);
    for (auto& mailbox : mailboxes_) {
        // Taking the lock orders the store before any waiter's next check.
        std::lock_guard lock(mailbox->mutex);
        mailbox->ready.notify_all();
    }
}

}  // namespace validprof::validation
