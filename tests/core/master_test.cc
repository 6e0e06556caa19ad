// Goal: the master tells a late copy of a superseded version (a node that
// installed it, then lost its record of that in a crash) from a concurrent
// edit, also after a restart, and still treats a revert as an edit.
// Method: drive one Master through a minimal Env and read its acks.
#include "core/master.h"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/mem_meta.h"

namespace dds {
namespace {

// Keeps what the master sends; the master never touches files. Its durable
// state lives in the simulator's MetaStore, which outlives a restart.
class RecordingEnv final : public Env {
 public:
  Instant Now() const override { return Instant{}; }
  void SetTimer(TimerId, Duration) override {}
  void CancelTimer(TimerId) override {}
  void Send(const Address& to, const Message& message) override {
    if (auto* ack = std::get_if<ChangeAck>(&message)) acks[to].push_back(*ack);
  }
  FileStore& Files() override { std::abort(); }
  MetaStore& Meta() override { return meta; }
  uint64_t Random() override { return 4; }
  void Note(std::string_view) override {}

  sim::MemMetaStore meta;
  std::map<Address, std::vector<ChangeAck>> acks;
};

Digest Content(char fill) {
  Digest d;
  d.bytes.fill(static_cast<uint8_t>(fill));
  return d;
}

struct Fixture {
  Fixture() { Restart(); }
  void Restart() {
    master = std::make_unique<Master>(&env, MasterOptions{});
    master->Start();
    for (const char* n : {"n1", "n2", "n3"}) master->OnMessage(n, Register{n, "", {}});
  }
  ChangeAck Change(const std::string& node, uint64_t base, char content) {
    master->OnMessage(node, Changed{node, "p.txt", base, Content(content), 10, 0, {}});
    return env.acks[node].back();
  }
  bool HasConflictCopy() const {
    for (const auto& [path, entry] : master->catalog().entries()) {
      if (path != "p.txt") return true;
    }
    return false;
  }

  RecordingEnv env;
  std::unique_ptr<Master> master;
};

BOOST_FIXTURE_TEST_CASE(a_late_copy_of_a_superseded_version_is_not_an_edit, Fixture) {
  BOOST_TEST(Change("n1", 0, 'A').version == 1u);
  BOOST_TEST(Change("n1", 1, 'B').version == 2u);
  // n2 installed v1 (A) and lost its record of it: it reports A from base 0.
  ChangeAck late = Change("n2", 0, 'A');
  BOOST_TEST(late.accepted);
  BOOST_TEST(late.version == 1u);  // it holds v1; it will pull v2
  BOOST_TEST(late.conflict_path.empty());
  BOOST_TEST(master->catalog().Find("p.txt")->version == 2u);
  BOOST_TEST(!HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(superseded_versions_survive_a_master_restart, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  Restart();
  ChangeAck late = Change("n3", 0, 'A');
  BOOST_TEST(late.accepted);
  BOOST_TEST(late.version == 1u);
  BOOST_TEST(!HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(new_content_from_an_old_base_is_still_a_conflict, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  Change("n2", 0, 'C');  // never recorded: a concurrent edit
  BOOST_TEST(HasConflictCopy());
}

BOOST_FIXTURE_TEST_CASE(a_revert_from_the_current_version_is_an_edit, Fixture) {
  Change("n1", 0, 'A');
  Change("n1", 1, 'B');
  ChangeAck revert = Change("n2", 2, 'A');  // n2 held v2 and put A back
  BOOST_TEST(revert.accepted);
  BOOST_TEST(revert.version == 3u);
  BOOST_TEST((master->catalog().Find("p.txt")->hash == Content('A')));
}

}  // namespace
}  // namespace dds
