import Fluent
import SQLKit
import Testing
@testable import GongzhiApp

/// Fluent records each migration it has run by its name (the type's name): a database made by an earlier release
/// starts under this one only if every name it recorded is still registered. Renaming or moving a migration type
/// to another module changes its name; this list, frozen, says which names databases in use carry.
@Suite("Migrations keep their names")
struct MigrationNamesTests {
    static let landed: [String] = [
        "GongzhiApp.AddCouncilMemberRetiredAt",
        "GongzhiApp.AddPersonDeregisteredAt",
        "GongzhiApp.AddSecondFactor",
        "GongzhiApp.CreateAPIToken",
        "GongzhiApp.CreateAuditCheckpoints",
        "GongzhiApp.CreateAuditLog",
        "GongzhiApp.CreateAuditSearchIndexes",
        "GongzhiApp.CreateBuilding",
        "GongzhiApp.CreateCalendarYears",
        "GongzhiApp.CreateCase",
        "GongzhiApp.CreateCaseAttachment",
        "GongzhiApp.CreateCaseDuplicateIndex",
        "GongzhiApp.CreateCaseFollowUps",
        "GongzhiApp.CreateCaseLocationIndex",
        "GongzhiApp.CreateCaseNotice",
        "GongzhiApp.CreateCaseQueueIndex",
        "GongzhiApp.CreateCatalogue",
        "GongzhiApp.CreateCompound",
        "GongzhiApp.CreateCouncil",
        "GongzhiApp.CreateDeliberationPhotos",
        "GongzhiApp.CreateHousehold",
        "GongzhiApp.CreateHouseholdMember",
        "GongzhiApp.CreateIdempotencyKeys",
        "GongzhiApp.CreateKPIRollups",
        "GongzhiApp.CreateLoginAddressFailures",
        "GongzhiApp.CreateLoginSession",
        "GongzhiApp.CreateNeeds",
        "GongzhiApp.CreateOpen311Key",
        "GongzhiApp.CreateOrgIndexes",
        "GongzhiApp.CreateOrgNode",
        "GongzhiApp.CreateOwnerVotes",
        "GongzhiApp.CreatePerson",
        "GongzhiApp.CreatePolls",
        "GongzhiApp.CreateProjects",
        "GongzhiApp.CreateRectifications",
        "GongzhiApp.CreateRoleGrant",
        "GongzhiApp.CreateSignInPlaces",
        "GongzhiApp.CreateUnit",
        "GongzhiApp.CreateUser",
        "GongzhiApp.CreateVoteNotices",
        "GongzhiApp.CreateWarningSettings",
        "GongzhiApp.CreateWarnings",
        "GongzhiApp.MarkOpenCasesForRecompute",
        "GongzhiApp.CreatePhoneCodes",
        "GongzhiApp.AddUserPhone",
        "GongzhiApp.AddCaseEmergencyMinutes",
        "GongzhiApp.CreateHouseholdJoins",
        "GongzhiApp.AddCaseEventTarget",
        "GongzhiApp.AddCaseResponseDueIndex",
        "GongzhiApp.CreateCaseDrafts",
        "GongzhiApp.AddOrgNodeParty", "GongzhiApp.CreatePartyProfiles", "GongzhiApp.CreatePropertyContracts",
        "GongzhiApp.MoveDepartmentTextsToNodes", "GongzhiApp.CreatePropertySurveys", "GongzhiApp.CreateCommitteeMembers", "GongzhiApp.CreateAnnouncements", "GongzhiApp.CreatePointsLedger", "GongzhiApp.CreateActivities", "GongzhiApp.CreateConventions", "GongzhiApp.AddCaseAccusedPerson", "GongzhiApp.CreatePartyRegistrations", "GongzhiApp.AddCaseEmergencyQueueIndex", "GongzhiApp.CreateKPIMonthlyRollups", "GongzhiApp.CreateKPIWaitingCounters",
        "GongzhiApp.NarrowKPIDirtyTrigger",
        "GongzhiApp.RecountNeverSignedCases",
        "GongzhiApp.UniqueAccountPerPerson",
        "GongzhiApp.UpdateBuildingAddLocation",
        "GongzhiApp.UpdateCaseAddDeadlinesProvisional",
        "GongzhiApp.UpdateCaseAddIntakeDetails",
        "GongzhiApp.UpdateCaseAttachmentAddEventSeq",
    ]

    @Test("every migration a database in use has recorded is still registered under its name")
    func namesAreFrozen() async throws {
        try await withApp(seed: false) { app, _ in
            let rows = try await app.db.sql().select().column("name").from("_fluent_migrations").all()
            let names = Set(try rows.map { try $0.decode(column: "name", as: String.self) })
            let missing = Set(Self.landed).subtracting(names)
            #expect(missing.isEmpty, "renamed or removed migrations: \(missing.sorted())")
            #expect(Set(Self.landed).count == Self.landed.count)
            let added = names.subtracting(Self.landed)
            #expect(added.isEmpty, "new migrations: add them to `landed` once they land: \(added.sorted().map { "\"\($0)\"" }.joined(separator: ", "))")
        }
    }
}
