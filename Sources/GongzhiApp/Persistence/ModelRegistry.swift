import Fluent

/// Every Fluent model of the application. Each lists its property wrappers by hand (`var properties`): FluentKit's
/// default finds them by reflection (`Mirror`) on every row read or written, which cost a third of the CPU time of
/// taking a case (measured with `perf`, issue 8). `ModelRegistryTests` compares every list with reflection and
/// fails on a model missing here, so a field added without being listed cannot go unnoticed.
enum ModelRegistry {
    static let all: [any Model.Type] = [
        User.self, RoleGrantRecord.self, APIToken.self, LoginSession.self, AuditRecord.self, AuditCheckpointRecord.self, CaseAttachment.self,
        CaseRecord.self, RectificationRecord.self, CaseEventRecord.self, CasePause.self, CaseFollowUp.self, CalendarYearRecord.self, VoteNotice.self, WarningRecord.self, CatalogueVersion.self,
        CatalogueItemRecord.self, CouncilMember.self, MeetingRecord.self, MeetingDecision.self, ResourceOffer.self,
        DeliberationPhoto.self, NeedRecord.self, NeedSupport.self, NeedCase.self, DeliberationSettings.self,
        OwnerVoteRecord.self, OwnerVoteVoter.self, OwnerVoteBallot.self, PollRecord.self, PollVote.self, ProjectRecord.self,
        ProjectFunding.self, ProjectMilestone.self, ProjectUpdate.self, ProjectRating.self, CaseNotice.self, Open311Key.self,
        OrgNode.self, Compound.self, Building.self, HousingUnit.self, Household.self, Person.self, HouseholdMember.self
    ]
}
