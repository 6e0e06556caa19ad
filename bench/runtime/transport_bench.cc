// Bulk throughput of the control transport, mutual TLS against plaintext:
// how nodes ship file data (Chunks messages of 1 MiB pieces) from one
// Transport to another over loopback. Both ends run on one io_context and
// one thread, so the time per byte is the CPU cost of both ends together
// (framing, copies, and for TLS encryption and decryption). Issue 9 asks
// TLS to cost at most 10% of bulk throughput; bench/cluster/README.md
// records the figures.
//
// Run: build/release/bench/runtime/transport_bench
//      (BM_Transport/0 plaintext, BM_Transport/1 TLS; alternate them with
//      --benchmark_repetitions=5 --benchmark_enable_random_interleaving)
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "runtime/memory.h"
#include "runtime/tests/test_util.h"
#include "runtime/tls/certs.h"
#include "runtime/tls/credentials.h"
#include "runtime/transport.h"

namespace dds {
namespace {

constexpr size_t kPieceBytes = 1 << 20;    // one chunk, as nodes fetch them
constexpr uint64_t kPiecesPerRound = 256;  // 256 MiB a benchmark iteration
constexpr uint64_t kWindow = 16;           // pieces in flight: under kMaxQueuedBytes

// A cluster CA and two node certificates in a scratch directory.
class Credentials {
 public:
  Credentials() {
    if (!InitCa(dir_.path()).ok()) std::abort();
  }
  std::shared_ptr<TlsCredentials> Node(const std::string& name) {
    if (!IssueCert(dir_.path(), name, Role::kNode, 1, dir_.path(), true).ok())
      std::abort();
    auto loaded = TlsCredentials::Load({CaPaths::Cert(dir_.path()),
                                        CaPaths::MemberCert(dir_.path(), name),
                                        CaPaths::MemberKey(dir_.path(), name)});
    if (!loaded.ok()) std::abort();
    return *loaded;
  }

 private:
  testing::TempDir dir_;
};

// The receiving end counts pieces and, like a node asking for the next
// chunk, lets the sender put one more in flight for each that lands.
class Pump final : public Transport::Delegate {
 public:
  Pump(Transport& from, Transport& to) : from_(from), to_(to) {}

  // Sends `pieces` and returns once all have arrived.
  void Run(boost::asio::io_context& io, uint64_t pieces) {
    sent_ = received_ = 0;
    total_ = pieces;
    for (uint64_t i = 0; i < kWindow && sent_ < total_; ++i) SendOne();
    io.restart();
    while (received_ < total_) io.run_one();
  }

  void OnMessages(const std::string&, std::vector<Message> messages) override {
    for (const Message& message : messages) {
      const auto* chunks = std::get_if<Chunks>(&message);
      if (chunks == nullptr) continue;
      received_ += chunks->items.size();
      for (size_t i = 0; i < chunks->items.size() && sent_ < total_; ++i) SendOne();
    }
  }
  void OnPeerLost(const std::string& peer) override {
    std::fprintf(stderr, "transport_bench: lost %s\n", peer.c_str());
    std::abort();
  }

 private:
  void SendOne() {
    Chunks chunks;
    chunks.items.push_back(ChunkData{1, sent_ * kPieceBytes, piece_});
    from_.Send(to_.self(), chunks);
    ++sent_;
  }

  Transport& from_;
  Transport& to_;
  const std::string piece_ = std::string(kPieceBytes, 'x');
  uint64_t sent_ = 0, received_ = 0, total_ = 0;
};

void BM_Transport(benchmark::State& state) {
  const bool tls = state.range(0) != 0;
  boost::asio::io_context io;
  Credentials credentials;
  Transport sender(io), receiver(io);
  if (tls) {
    sender.set_tls(credentials.Node("n1"));
    receiver.set_tls(credentials.Node("n2"));
  }
  if (!sender.Listen("127.0.0.1:0", "").ok() || !receiver.Listen("127.0.0.1:0", "").ok())
    std::abort();
  Pump pump(sender, receiver);
  receiver.set_delegate(&pump);
  pump.Run(io, 1);  // Connected (and for TLS, handshaken) before timing.
  for (auto _ : state) pump.Run(io, kPiecesPerRound);
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * kPiecesPerRound * kPieceBytes));
  state.SetLabel(tls ? "mutual TLS 1.3" : "plaintext");
}
BENCHMARK(BM_Transport)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace dds

// As `dds` does first thing: message-sized buffers come from the heap.
int main(int argc, char** argv) {
  dds::TuneAllocator();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
