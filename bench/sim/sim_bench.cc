// How fast the simulator runs: events per second of the bare event loop and
// of a whole cluster, and the wall time to converge 100 nodes x 1,000 files
// (goals: >= 1M events/s; < 2 s). Run: build/release/bench/sim/sim_bench
// BM_Converge/100/1000, median of --benchmark_repetitions=5 on the 2 shared
// cores of the dev machine: 1.96-2.10 s depending on its load (2.39-2.72 s
// at dba0204, before the tuning that followed it, measured in the same
// conditions). On 2026-11-30, a slower day for the same machine, binaries run
// alternately (repetitions=3): 2.92-2.94 s at 78870ef, 2.37-2.60 s once news of
// one-chunk versions is fetched from the origin without asking the master
// (603.5k -> 405.4k messages; converged after 1.7 -> 0.8 s of virtual time).
#include <benchmark/benchmark.h>

#include <string>
#include <variant>

#include "sim/event_loop.h"
#include "sim/runner.h"
#include "sim/scenario_parser.h"

namespace dds::sim {
namespace {

// Timer-like events rescheduling themselves: the loop's own cost.
void BM_EventLoop(benchmark::State& state) {
  constexpr int kChains = 1000;
  for (auto _ : state) {
    EventLoop loop;
    for (int i = 0; i < kChains; ++i) {
      loop.At(Instant(Duration(i)),
              [&loop, i] { loop.After(Duration(1000 + i), [] {}); });
    }
    loop.RunUntil(Instant(std::chrono::seconds(1)));
    benchmark::DoNotOptimize(loop.events_run());
  }
  state.SetItemsProcessed(state.iterations() * kChains * 2);
}
BENCHMARK(BM_EventLoop);

Scenario Cluster(uint64_t nodes, uint64_t files) {
  std::string text = "[cluster]\nnodes = " + std::to_string(nodes) +
                     "\n[workload]\nfiles = " + std::to_string(files) +
                     "\nsize = \"1KiB\"\n[expect]\nconverged_within = \"5m\"\n";
  return std::get<Scenario>(ParseScenarioText(text, "bench"));
}

// A fresh cluster whose files start on random nodes, run until every node
// holds every file. Reports simulated events per wall second.
void BM_Converge(benchmark::State& state) {
  Scenario scenario = Cluster(static_cast<uint64_t>(state.range(0)),
                              static_cast<uint64_t>(state.range(1)));
  uint64_t events = 0;
  RunResult last;
  RunOptions options;
  options.digest = false;  // no trace text at all, as in a plain sweep
  for (auto _ : state) {
    last = RunScenario(scenario, options);
    events += last.events;
  }
  if (!last.ok() || !last.convergence) state.SkipWithError("did not converge");
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["virtual_ms"] = static_cast<double>(ToMillis(*last.convergence));
  state.counters["messages"] = static_cast<double>(last.messages);
}
BENCHMARK(BM_Converge)->Args({10, 100})->Args({100, 1000})->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dds::sim

BENCHMARK_MAIN();
