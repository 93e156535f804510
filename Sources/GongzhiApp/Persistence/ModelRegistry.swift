import Fluent

/// Every Fluent model of the application. Each lists its property wrappers by hand (`var properties`): FluentKit's
/// default finds them by reflection (`Mirror`) on every row read or written, which cost a third of the CPU time of
/// taking a case (measured with `perf`, issue 8). `ModelRegistryTests` compares every list with reflection and
/// fails on a model missing here, so a field added without being listed cannot go unnoticed.
enum ModelRegistry {
    static let all: [any Model.Type] = [
        UserRecord.self, RoleGrantRecord.self, APITokenRecord.self, LoginSessionRecord.self, AuditRecord.self, AuditCheckpointRecord.self, CaseAttachmentRecord.self,
        CaseRecord.self, RectificationRecord.self, CaseEventRecord.self, CasePauseRecord.self, CaseFollowUpRecord.self, CalendarYearRecord.self, VoteNoticeRecord.self, WarningRecord.self, CatalogueVersionRecord.self,
        CatalogueItemRecord.self, CouncilMemberRecord.self, MeetingRecord.self, MeetingDecisionRecord.self, ResourceOfferRecord.self,
        DeliberationPhotoRecord.self, NeedRecord.self, NeedSupportRecord.self, NeedCaseRecord.self, DeliberationSettingsRecord.self,
        OwnerVoteRecord.self, OwnerVoteVoterRecord.self, OwnerVoteBallotRecord.self, PollRecord.self, PollVoteRecord.self, AnnouncementRecord.self, AnnouncementReadRecord.self, LedgerAccountRecord.self, LedgerTransferRecord.self, PointsRuleRecord.self, RewardItemRecord.self, RedemptionRecord.self, VolunteerRecord.self, ActivityRecord.self, ActivitySignupRecord.self, ConventionRecord.self, ConventionVersionRecord.self, ConventionCommentRecord.self, ConventionPledgeRecord.self, PartyRegistrationRecord.self, PartyServicePostRecord.self, PartyPostClaimRecord.self, PartyServiceLogRecord.self, ProjectRecord.self,
        ProjectFundingRecord.self, ProjectMilestoneRecord.self, ProjectUpdateRecord.self, ProjectRatingRecord.self, CaseNoticeRecord.self, Open311KeyRecord.self,
        OrgNodeRecord.self, CompoundRecord.self, BuildingRecord.self, HousingUnitRecord.self, HouseholdRecord.self, PersonRecord.self, HouseholdMemberRecord.self, PhoneCodeRecord.self,
        HouseholdJoinRecord.self, CaseDraftRecord.self, PartyProfileRecord.self, PropertyContractRecord.self, PropertySurveyRecord.self, CommitteeMemberRecord.self
    ]
}
