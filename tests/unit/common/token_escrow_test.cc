// SPDX-License-Identifier: MIT
// Tests for the jobserver token escrow over real pipes and fifos.
#include "common/token_escrow.h"
#include "tests/testing/temp_dir.h"

#include <gtest/gtest.h>

namespace bbrun::common {
namespace {

TEST(TokenEscrowTest, MovesOneTokenAtATimeAndNeverWaits) {
  // Given a jobserver pipe with two tokens and an empty escrow, we should move one token per
  // call, exactly the bytes there were, and get "none" rather than block once it is empty.
  testing::TempDir temp;
  auto jobserver = make_pipe();
  ASSERT_TRUE(jobserver);
  ASSERT_TRUE(set_nonblocking(jobserver->read.get(), true));
  ASSERT_TRUE(write_all(jobserver->write.get(), "ab"));
  auto escrow = create_escrow(temp.path() / "escrow");
  ASSERT_TRUE(escrow) << escrow.error().message;
  EXPECT_TRUE(move_token(jobserver->read.get(), escrow->get()).value());
  EXPECT_TRUE(move_token(jobserver->read.get(), escrow->get()).value());
  EXPECT_FALSE(move_token(jobserver->read.get(), escrow->get()).value());
  EXPECT_EQ(release_escrow(escrow->get(), jobserver->write.get()), 2u);
  EXPECT_EQ(release_escrow(escrow->get(), jobserver->write.get()), 0u);
  jobserver->write.reset();
  EXPECT_EQ(read_all(jobserver->read.get()).value(), "ab");
}

TEST(TokenEscrowTest, OnlyAFifoIsAnEscrow) {
  // Given a regular file where the escrow should be, opening it should fail; creating the
  // escrow there should replace the file with a fifo.
  testing::TempDir temp;
  auto path = temp.write("escrow", "not a fifo");
  EXPECT_FALSE(open_escrow(path));
  auto created = create_escrow(path);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(is_pipe(created->get()));
  EXPECT_TRUE(open_escrow(path));
}

} // namespace
} // namespace bbrun::common
