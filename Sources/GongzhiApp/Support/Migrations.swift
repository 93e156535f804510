import Fluent
import SQLKit
import Vapor

/// Every schema change, in order. Never rename or reorder a landed migration: Fluent records them by type name.
enum GongzhiMigrations {
    static func register(_ app: Application) {
        // Organisation tree and places (SPEC §2)
        app.migrations.add(CreateOrgNode())
        app.migrations.add(CreateCompound())
        app.migrations.add(CreateBuilding())
        app.migrations.add(CreateUnit())
        // Households and persons, with encrypted personal numbers
        app.migrations.add(CreateHousehold())
        app.migrations.add(CreatePerson())
        app.migrations.add(CreateHouseholdMember())
        // Accounts, roles at nodes, API tokens, server-side login sessions
        app.migrations.add(CreateUser())
        app.migrations.add(CreateRoleGrant())
        app.migrations.add(CreateAPIToken())
        app.migrations.add(CreateLoginSession())
        // The hash-chained, append-only audit log
        app.migrations.add(CreateAuditLog())
        // Indexes for subtree filters and lookups
        app.migrations.add(CreateOrgIndexes())
        // The versioned affairs catalogue, then cases with their timeline and suspensions (SPEC §3, §4)
        app.migrations.add(CreateCatalogue())
        app.migrations.add(CreateCase())
        app.migrations.add(CreateCaseAttachment())
        // Points on buildings: coordinates → grid, duplicates within 50 m (issue 4 items 2 and 7)
        app.migrations.add(UpdateBuildingAddLocation())
        app.migrations.add(CreateCaseLocationIndex())
        // Open311: questions' answers and contact details on cases, client keys (issue 4 item 10)
        app.migrations.add(UpdateCaseAddIntakeDetails())
        app.migrations.add(CreateOpen311Key())
        // Notices to submitters and to the followers of merged cases (issue 4 item 7)
        app.migrations.add(CreateCaseNotice())
        app.migrations.add(UpdateCaseAttachmentAddEventSeq())
        // Owners' votes under Civil Code Art. 278: electorate, append-only ballots, co-owners' representatives (issue 6)
        app.migrations.add(CreateOwnerVotes())
        // Needs, supports, needs from repeated cases, per-community thresholds (issue 6)
        app.migrations.add(CreateNeeds())
        // Residents' polls (issue 6)
        app.migrations.add(CreatePolls())
        // The 3+X council, meetings, the resources list and the projects list (issue 6)
        app.migrations.add(CreateCouncil())
        app.migrations.add(CreateProjects())
        app.migrations.add(CreateDeliberationPhotos())
        // KPI rollups kept by a dirty-marking trigger on cases (issue 8 item 1)
        app.migrations.add(CreateKPIRollups())
        // Early warnings with their lifecycle (issue 8 item 2)
        app.migrations.add(CreateWarnings())
        app.migrations.add(CreateWarningSettings())
        // Idempotency-Key on API POSTs (issue 7 item 5)
        app.migrations.add(CreateIdempotencyKeys())
        // Failed sign-ins by address (issue 7 item 1)
        app.migrations.add(CreateLoginAddressFailures())
        // The workbench queue at millions of cases (issue 8)
        app.migrations.add(CreateCaseQueueIndex())
        // Signed audit checkpoints (issue 7 item 8)
        app.migrations.add(CreateAuditCheckpoints())
        // Only the columns a KPI contribution depends on mark a case dirty (issue 8, at millions of cases)
        app.migrations.add(NarrowKPIDirtyTrigger())
        // Rectification items and their overdue warnings (issue 8 item 2, SPEC §8)
        app.migrations.add(CreateRectifications())
        // Administrators' second factor and the 等保 password lifetime (issue 7, checklist row 31)
        app.migrations.add(AddSecondFactor())
    }
}
