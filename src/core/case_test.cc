#include "core/case.h"

#include <gtest/gtest.h>

#include "core/abuse_type.h"

namespace vigie {
namespace {

TEST(CaseLifecycle, ForwardAndRejectOnlyFromUndecidedCases) {
  EXPECT_EQ(StatusAfter(CaseStatus::kNew, DecisionAction::kForward), CaseStatus::kForwarded);
  EXPECT_EQ(StatusAfter(CaseStatus::kNew, DecisionAction::kReject), CaseStatus::kRejected);
  EXPECT_FALSE(StatusAfter(CaseStatus::kForwarded, DecisionAction::kForward));
  EXPECT_FALSE(StatusAfter(CaseStatus::kClosed, DecisionAction::kReject));
}

TEST(CaseLifecycle, CloseFromAnyOpenOrRestrictedCase) {
  EXPECT_EQ(StatusAfter(CaseStatus::kForwarded, DecisionAction::kClose), CaseStatus::kClosed);
  EXPECT_EQ(StatusAfter(CaseStatus::kRestricted, DecisionAction::kClose), CaseStatus::kClosed);
  EXPECT_FALSE(StatusAfter(CaseStatus::kClosed, DecisionAction::kClose));
}

TEST(CaseLifecycle, ReopenOnlyClosedWork) {
  EXPECT_EQ(StatusAfter(CaseStatus::kClosed, DecisionAction::kReopen), CaseStatus::kTriage);
  EXPECT_FALSE(StatusAfter(CaseStatus::kNew, DecisionAction::kReopen));
}

TEST(AbuseTypes, TableHoldsTheTwentySixTypesWithTheirRules) {
  EXPECT_EQ(AllAbuseTypes().size(), 26u);
  const AbuseType* csam = FindAbuseType("child_sexual_abuse");
  ASSERT_NE(csam, nullptr);
  EXPECT_TRUE(csam->anonymous_allowed);
  EXPECT_FALSE(csam->name_required);
  EXPECT_EQ(csam->points_to, "pharos");
  EXPECT_TRUE(FindAbuseType("copyright")->name_required);
  EXPECT_EQ(FindAbuseType("spam")->dsa_category, "");
  EXPECT_EQ(FindAbuseType("nonsense"), nullptr);
}

TEST(AbuseTypes, HarmToPeopleIsMoreUrgentThanSpam) {
  EXPECT_GT(UrgencyOf("child_sexual_abuse"), UrgencyOf("phishing"));
  EXPECT_GT(UrgencyOf("phishing"), UrgencyOf("spam"));
}

}  // namespace
}  // namespace vigie
