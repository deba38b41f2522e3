// The validators' message network: one mailbox (a queue behind a mutex and a
// condition variable) per party, validators 0..n-1 and the client n, each
// drained by its owner's thread only.
//
// A send stamps the message with a delivery time: now plus a link delay drawn
// from a seeded generator (zero by default; tests and stress runs set a
// range to explore other interleavings), plus any extra delay the sender
// asks for (a slow validator). The receiver sees a message only once its
// delivery time has passed, earliest first, so delays reorder messages the
// way a real network would, without a thread per message.
//
// What crosses the network is bytes, never objects: every message is encoded
// and authenticated by its sender and decoded and verified by its receiver.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <vector>

namespace validprof::validation {

using Clock = std::chrono::steady_clock;

struct LinkDelay {
    std::chrono::microseconds min{0};
    std::chrono::microseconds max{0};
};

class Network {
public:
    // Sees every message as sent (before delay), on the sender's thread; may
    // inject() more (tests use it to replay or forge).
    using Tap = std::function<void(int from, int to, const std::vector<std::uint8_t>& bytes, Network& network)>;

    Network(int parties, LinkDelay delay, std::uint64_t seed);
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    int parties() const { return static_cast<int>(mailboxes_.size()); }

    // Called only from `from`'s own thread (each sender has its own delay
    // generator, so sends need no shared lock besides the recipient's).
    void send(int from, int to, std::vector<std::uint8_t> bytes, std::chrono::microseconds extra_delay = {});
    // Delivered as is after `delay`, bypassing the tap and the delay model.
    void inject(int to, std::vector<std::uint8_t> bytes, std::chrono::microseconds delay = {});

    enum class Wait { Message, Timeout, Stopped };
    // Blocks until a message for `party` is due, `deadline` passes, or the
    // network stops.
    Wait receive(int party, Clock::time_point deadline, std::vector<std::uint8_t>& out);
    // Non-blocking: a message already due, if any (tests).
    std::optional<std::vector<std::uint8_t>> try_receive(int party);

    void stop();
    bool stopped() const { return stopped_.load(std::memory_order_acquire); }
    void set_tap(Tap tap) { tap_ = std::move(tap); }

    std::uint64_t messages_sent() const { return messages_.load(std::memory_order_relaxed); }
    std::uint64_t bytes_sent() const { return bytes_.load(std::memory_order_relaxed); }

private:
    struct Envelope {
        Clock::time_point deliver_at;
        std::uint64_t order;  // FIFO among equal delivery times
        std::vector<std::uint8_t> bytes;
        bool operator>(const Envelope& other) const {
            return deliver_at != other.deliver_at ? deliver_at > other.deliver_at : order > other.order;
        }
    };
    struct Mailbox {
        std::mutex mutex;
        std::condition_variable ready;
        std::priority_queue<Envelope, std::vector<Envelope>, std::greater<>> queue;
        std::uint64_t next_order = 0;
    };
    void deliver(int to, std::vector<std::uint8_t> bytes, Clock::time_point at);

    std::vector<std::unique_ptr<Mailbox>> mailboxes_;
    std::vector<std::mt19937_64> generators_;  // one per sender
    LinkDelay delay_;
    Tap tap_;
    std::atomic<bool> stopped_{false};
    std::atomic<std::uint64_t> messages_{0};
    std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace validprof::validation
