// The cost of IgnoreFilter::Ignored, which a node runs on every file it
// examines, reconciles or serves: the default patterns against ordinary
// paths of growing depth (none ignored, the common case), and against a
// cluster with a hundred more patterns.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/ignore_filter.h"

namespace dds {
namespace {

std::string PathOfDepth(int64_t depth) {
  std::string path;
  for (int64_t i = 1; i < depth; ++i) path += "dir" + std::to_string(i) + "/";
  return path + "report-2026.pdf";
}

void BM_IgnoredDefaults(benchmark::State& state) {
  const IgnoreFilter filter(IgnoreFilter::Defaults());
  const std::string path = PathOfDepth(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(filter.Ignored(path));
}
BENCHMARK(BM_IgnoredDefaults)->Arg(1)->Arg(3)->Arg(6);

void BM_IgnoredHundredMore(benchmark::State& state) {
  std::vector<std::string> patterns = IgnoreFilter::Defaults();
  for (int i = 0; i < 100; ++i)
    patterns.push_back("build" + std::to_string(i) + "/**/*.o");
  const IgnoreFilter filter(patterns);
  const std::string path = PathOfDepth(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(filter.Ignored(path));
}
BENCHMARK(BM_IgnoredHundredMore)->Arg(3);

}  // namespace
}  // namespace dds

BENCHMARK_MAIN();
