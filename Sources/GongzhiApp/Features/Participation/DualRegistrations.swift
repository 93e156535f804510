import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// Dual registration (双报到, `DualRegistration` in Core): party members who live in a community and the community's
/// co-building units register with its party organisation, which confirms them with a receipt their unit can verify.
/// The organisation's staff run it; the street's supervisors see it; a member or unit sees its own.
enum DualRegistrations {
    /// How the actor stands to one registration.
    enum Standing: Equatable {
        /// The member, or the staff of the unit.
        case own
        case reader(DualRegistration.Reader)
    }

    /// The community's party organisation, if it has one.
    static func organisation(ofCommunity id: UUID, on db: any Database) async throws -> OrgNodeRecord? {
        try await OrgNodeRecord.query(on: db).filter(\.$parent.$id == id).filter(\.$party == .partyOrganisation).sort(\.$name).first()
    }

    /// The party organisations the actor runs or sees, by name.
    static func organisations(for actor: Actor, on db: any Database) async throws -> [(node: OrgNodeRecord, reader: DualRegistration.Reader)] {
        let paths = actor.grants.filter { $0.role == .partyStaff || $0.role == .streetSupervisor }.map(\.path)
        guard !paths.isEmpty else { return [] }
        let nodes = try await OrgNodeRecord.query(on: db).filter(\.$party == .partyOrganisation).group(.or) { group in
            for path in paths { group.filter(\.$path =~ path.rawValue) }
        }.sort(\.$name).limit(500).all()
        return nodes.compactMap { node in DualRegistration.reader(actor, organisation: node.orgPath).map { (node, $0) } }
    }

    /// The organisation with `id` as the actor reads it, or 404 whether it exists or not.
    static func organisation(_ id: UUID?, actor: Actor, on db: any Database) async throws -> (node: OrgNodeRecord, reader: DualRegistration.Reader) {
        guard let id, let node = try await OrgNodeRecord.find(id, on: db), node.party == .partyOrganisation,
              let reader = DualRegistration.reader(actor, organisation: node.orgPath) else { throw AppError.notFound }
        return (node, reader)
    }

    /// The co-building units whose staff the actor is.
    static func unitsStaffed(by actor: Actor, on db: any Database) async throws -> [OrgNodeRecord] {
        let ids = actor.grants.filter { $0.role == .partyStaff }.compactMap { $0.path.segments.last.flatMap(UUID.init(uuidString:)) }
        guard !ids.isEmpty else { return [] }
        return try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).filter(\.$party == .coBuildingUnit).sort(\.$name).all()
    }

    static func standing(_ actor: Actor, _ record: PartyRegistrationRecord, on db: any Database) async throws -> Standing {
        if let person = record.personID, person == actor.personID?.uuid { return .own }
        if record.kind == .unit, let unit = record.unitID, try await unitsStaffed(by: actor, on: db).contains(where: { $0.id == unit }) { return .own }
        if let organisation = try await OrgNodeRecord.find(record.organisationID, on: db),
           let reader = DualRegistration.reader(actor, organisation: organisation.orgPath) { return .reader(reader) }
        throw AppError.notFound
    }

    static func find(_ id: UUID, on db: any Database) async throws -> PartyRegistrationRecord {
        guard let record = try await PartyRegistrationRecord.find(id, on: db) else { throw AppError.notFound }
        return record
    }

    /// Posts and service need a confirmed registration: refused (403) until there is one.
    static let notRegistered = AppError(status: .forbidden, code: "not_registered", messageKey: "error.not_registered", field: nil)

    /// The actor's own registrations (as a member, or for the units they staff), newest first.
    static func mine(_ actor: Actor, on db: any Database) async throws -> [PartyRegistrationRecord] {
        let units = try await unitsStaffed(by: actor, on: db).compactMap(\.id)
        let person = actor.personID?.uuid
        guard person != nil || !units.isEmpty else { return [] }
        return try await PartyRegistrationRecord.query(on: db).group(.or) { group in
            if let person { group.filter(\.$personID == person) }
            if !units.isEmpty { group.group(.and) { $0.filter(\.$kind == .unit).filter(\.$unitID ~~ units) } }
        }.sort(\.$createdAt, .descending).limit(20).all()
    }

    struct RegisterInput: Sendable {
        let kind: DualRegistration.Kind?
        /// A unit registering: the co-building unit. A member: their workplace, when it is one of the community's co-building units.
        let unitID: UUID?
        let unitName: String?
        let branch: String?
        let offer: String?
    }

    /// A member registers with the party organisation of the community they live in; a co-building unit's staff
    /// register the unit with its community's organisation, or the organisation's staff do (confirmed at once).
    static func register(_ input: RegisterInput, in context: UseCaseContext) async throws -> PartyRegistrationRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            // Who may register anything at all: residents (themselves), a unit's staff, an organisation's staff.
            let runsOne = try await organisations(for: actor, on: db).contains { $0.reader == .organisation }
            let staffsUnit = !(try await unitsStaffed(by: actor, on: db).isEmpty)
            guard actor.isResident || runsOne || staffsUnit else { throw AppError.forbidden }
            guard let kind = input.kind else { throw AppError.invalid("kind", "required") }
            let record = PartyRegistrationRecord()
            record.id = UUID()
            record.kind = kind
            record.state = .pending
            record.reason = ""
            record.createdAt = now
            record.branch = try Validate.text(input.branch, field: "branch", limit: 200)
            record.offer = try Validate.text(input.offer, field: "offer", limit: 500)
            let community: OrgNodeRecord
            var confirmAtOnce = false
            if kind == .unit {
                guard let unitID = input.unitID else { throw AppError.invalid("unitId", "required") }
                guard let unit = try await OrgNodeRecord.find(unitID, on: db), unit.party == .coBuildingUnit,
                      let communityID = unit.$parent.id, let found = try await OrgNodeRecord.find(communityID, on: db) else { throw AppError.notFound }
                let staffOfUnit = actor.grants.contains { $0.role == .partyStaff && $0.path == unit.orgPath }
                let organisation = try await organisation(ofCommunity: communityID, on: db)
                let runsIt = organisation.map { DualRegistration.reader(actor, organisation: $0.orgPath) == .organisation } ?? false
                guard staffOfUnit || runsIt else { throw AppError.notFound }
                community = found
                confirmAtOnce = runsIt
                record.unitID = unitID
                record.unitName = unit.name
            } else {
                let (person, home) = try await Activities.residentOf(actor, on: db)
                community = home
                record.personID = person.id
                if let unitID = input.unitID {
                    guard let unit = try await OrgNodeRecord.find(unitID, on: db), unit.party == .coBuildingUnit,
                          unit.$parent.id == home.id else { throw AppError.invalid("unitId", "not_found") }
                    record.unitID = unitID
                    record.unitName = unit.name
                } else {
                    record.unitName = try Validate.text(input.unitName, field: "unitName", limit: 200)
                }
                if kind == .inService, record.unitName.isEmpty { throw AppError.invalid("unitName", "required") }
                if record.branch.isEmpty { throw AppError.invalid("branch", "required") }
            }
            guard let organisation = try await organisation(ofCommunity: community.id!, on: db) else { throw AppError.conflict("no_party_organisation") }
            record.communityID = community.id!
            record.orgPath = community.path
            record.organisationID = organisation.id!
            // One registration in force per member or unit and organisation.
            let active: [DualRegistration.State] = DualRegistration.State.allCases.filter(\.isActive)
            let same = PartyRegistrationRecord.query(on: db).filter(\.$organisationID == organisation.id!).filter(\.$state ~~ active)
            if let person = record.personID { same.filter(\.$personID == person) } else { same.filter(\.$kind == .unit).filter(\.$unitID == record.unitID) }
            guard try await same.first() == nil else { throw AppError.conflict("already_reported") }
            if confirmAtOnce {
                record.state = .confirmed
                record.receipt = DualRegistration.Receipt.make()
                record.decidedBy = actor.userID.uuid
                record.decidedAt = now
            }
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "party.register", objectType: "party_registration", objectID: record.id!.uuidString.lowercased(),
                                               change: ["kind": kind.rawValue, "state": record.state.rawValue]), on: db)
            return record
        }
    }

    /// The organisation confirms a pending registration (a receipt is issued) or declines it with a reason.
    static func decide(_ id: UUID, confirm: Bool?, reason raw: String?, in context: UseCaseContext) async throws -> PartyRegistrationRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let record = try await find(id, on: db)
            let standing = try await standing(actor, record, on: db)
            guard standing == .reader(.organisation) else { throw AppError.forbidden }
            guard let confirm else { throw AppError.invalid("decision", "required") }
            let reason = try Validate.text(raw, field: "reason", limit: 500)
            guard confirm || !reason.isEmpty else { throw AppError.invalid("reason", "required") }
            do { record.state = try DualRegistration.decide(record.state, confirm: confirm) } catch { throw AppError.conflict("already_decided") }
            record.reason = reason
            record.decidedBy = actor.userID.uuid
            record.decidedAt = now
            if confirm { record.receipt = DualRegistration.Receipt.make() }
            try await record.update(on: db)
            try await context.audit(AuditEvent(action: "party.decide", objectType: "party_registration", objectID: id.uuidString.lowercased(),
                                               change: ["state": record.state.rawValue]), on: db)
            return record
        }
    }

    /// The member, the unit or the organisation ends a registration in force; the posts it held are let go.
    static func withdraw(_ id: UUID, reason raw: String?, in context: UseCaseContext) async throws -> PartyRegistrationRecord {
        let actor = try context.account()
        let now = context.now
        return try await context.write { db in
            let record = try await find(id, on: db)
            let standing = try await standing(actor, record, on: db)
            guard standing == .own || standing == .reader(.organisation) else { throw AppError.forbidden }
            let reason = try Validate.text(raw, field: "reason", limit: 500)
            do { record.state = try DualRegistration.withdraw(record.state) } catch { throw AppError.conflict("not_active") }
            record.reason = reason
            record.endedAt = now
            try await record.update(on: db)
            try await PartyPostClaimRecord.query(on: db).filter(\.$registrationID == id).filter(\.$releasedAt == nil).set(\.$releasedAt, to: now).update()
            try await context.audit(AuditEvent(action: "party.withdraw", objectType: "party_registration", objectID: id.uuidString.lowercased()), on: db)
            return record
        }
    }

    /// What a receipt's code shows to whoever holds it (the member's unit): the member's masked name, the
    /// organisation, since when, and the confirmed service of this year and the last. Nothing for a wrong code.
    struct Receipt: Sendable {
        let code: String
        let holder: String
        let kind: DualRegistration.Kind
        let state: DualRegistration.State
        let unitName: String
        let organisation: String
        let community: String
        let confirmedAt: Date?
        let endedAt: Date?
        let minutesByYear: [(year: Int, minutes: Int)]
    }

    static func receipt(_ typed: String, today: CivilDate, on db: any Database) async throws -> Receipt {
        guard let code = DualRegistration.Receipt.normalise(typed),
              let record = try await PartyRegistrationRecord.query(on: db).filter(\.$receipt == code).first() else { throw AppError.notFound }
        let holder: String
        if let person = record.personID { holder = Masking.name(try await PersonRecord.find(person, on: db)?.name ?? "") } else { holder = record.unitName }
        let organisation = try await OrgNodeRecord.find(record.organisationID, on: db)
        let community = try await OrgNodeRecord.find(record.communityID, on: db)
        let logs = try await PartyServiceLogRecord.query(on: db).filter(\.$registrationID == record.id!).filter(\.$state == .confirmed)
            .filter(\.$day >= "\(today.year - 1)-01-01").all()
        let years = [today.year, today.year - 1].map { year in
            (year: year, minutes: logs.filter { $0.day.hasPrefix("\(year)-") }.reduce(0) { $0 + $1.minutes })
        }
        return Receipt(code: code, holder: holder, kind: record.kind, state: record.state, unitName: record.unitName, organisation: organisation?.name ?? "",
                       community: community?.name ?? "", confirmedAt: record.decidedAt, endedAt: record.endedAt, minutesByYear: years)
    }
}
