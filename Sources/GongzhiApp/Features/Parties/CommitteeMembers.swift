import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// A seat on an owners' committee or its supervisory board, held by an owner of the compound (`CommitteeRoster`).
final class CommitteeMemberRecord: Model, @unchecked Sendable {
    static let schema = "committee_members"

    @ID(key: .id) var id: UUID?
    @Parent(key: "committee_id") var committee: OrgNodeRecord
    /// The committee's path (moved with it).
    @Field(key: "org_path") var orgPath: String
    @Parent(key: "person_id") var person: PersonRecord
    @Field(key: "seat") var seat: CommitteeRoster.Seat
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $committee, $orgPath, $person, $seat, $createdAt] }

    init() {}
}

extension CommitteeMemberRecord: OrgScoped { static var pathKey: KeyPath<CommitteeMemberRecord, FieldProperty<CommitteeMemberRecord, String>> { \.$orgPath } }

struct CreateCommitteeMembers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CommitteeMemberRecord.schema)
            .id()
            .field("committee_id", .uuid, .required, .references(OrgNodeRecord.schema, .id, onDelete: .cascade))
            .field("org_path", .string, .required)
            .field("person_id", .uuid, .required, .references(PersonRecord.schema, .id, onDelete: .restrict))
            .field("seat", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "committee_id", "person_id")
            .create()
    }

    func revert(on database: any Database) async throws { try await database.schema(CommitteeMemberRecord.schema).delete() }
}

/// Seating and unseating the members of an owners' committee and its supervisory board, by those who manage the
/// committee's community.
enum CommitteeMembers {
    static func seat(committeeID: UUID, personID typed: PersonID?, seat raw: String?, in context: UseCaseContext) async throws -> CommitteeMemberRecord {
        let actor = try context.account()
        return try await context.write { db in
            let (committee, _) = try await PartyChanges.managed(committeeID, actor: actor, on: db)
            guard let seat = raw.flatMap(CommitteeRoster.Seat.init(rawValue:)) else { throw AppError.invalid("seat", "required") }
            guard let personID = typed?.uuid else { throw AppError.invalid("personId", "required") }
            guard committee.party == .ownersCommittee,
                  let compoundID = try await PartyProfileRecord.query(on: db).filter(\.$node.$id == committeeID).first()?.compoundID else {
                throw AppError.notFound
            }
            // The roster row of the committee is the lock: two seats given at once cannot both take a chair.
            try await db.sql().raw("UPDATE org_nodes SET name = name WHERE id = \(bind: committeeID)").run()
            let roster = try await CommitteeMemberRecord.query(on: db).filter(\.$committee.$id == committeeID).all()
            let isOwner = try await owns(personID, compoundID, on: db)
            do throws(CommitteeRoster.Problem) {
                try CommitteeRoster.check(.init(person: personID.uuidString, seat: seat), isOwner: isOwner,
                                          roster: roster.map { .init(person: $0.$person.id.uuidString, seat: $0.seat) })
            } catch {
                switch error {
                case .notAnOwner: throw AppError.invalid("personId", "not_an_owner")
                case .alreadySeated: throw AppError.conflict("already_seated", field: "personId")
                case .chairTaken: throw AppError.conflict("chair_taken", field: "seat")
                }
            }
            let record = CommitteeMemberRecord()
            record.id = UUID()
            record.$committee.id = committeeID
            record.orgPath = committee.path
            record.$person.id = personID
            record.seat = seat
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "committee.seat", objectType: "org_node", objectID: committeeID.uuidString.lowercased(),
                                               summary: seat.rawValue, change: ["person": personID.uuidString.lowercased()]), on: db)
            return record
        }
    }

    static func unseat(committeeID: UUID, memberID: UUID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        try await context.write { db in
            _ = try await PartyChanges.managed(committeeID, actor: actor, on: db)
            guard let member = try await CommitteeMemberRecord.query(on: db).filter(\.$id == memberID).filter(\.$committee.$id == committeeID).first() else {
                throw AppError.notFound
            }
            try await member.delete(on: db)
            try await context.audit(AuditEvent(action: "committee.unseat", objectType: "org_node", objectID: committeeID.uuidString.lowercased(),
                                               summary: member.seat.rawValue, change: ["person": member.$person.id.uuidString.lowercased()]), on: db)
        }
    }

    /// Whether the person owns (or co-owns) a unit of the compound, by the register.
    static func owns(_ personID: UUID, _ compoundID: UUID, on db: any Database) async throws -> Bool {
        try await owners(of: compoundID, on: db).contains { $0.person == personID }
    }

    /// The compound's owners and co-owners by the register, with a unit each ("3号楼 502").
    static func owners(of compoundID: UUID, on db: any Database) async throws -> [(person: UUID, unit: String)] {
        let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id == compoundID).all()
        let names = Dictionary(buildings.map { ($0.id!, $0.name) }) { a, _ in a }
        guard !buildings.isEmpty else { return [] }
        let units = try await HousingUnitRecord.query(on: db).filter(\.$building.$id ~~ Array(names.keys)).all()
        let unitNames = Dictionary(units.map { ($0.id!, "\(names[$0.$building.id] ?? "") \($0.number)") }) { a, _ in a }
        guard !units.isEmpty else { return [] }
        let households = try await HouseholdRecord.query(on: db).filter(\.$unit.$id ~~ Array(unitNames.keys)).all()
        let unitOf = Dictionary(households.map { ($0.id!, $0.$unit.id) }) { a, _ in a }
        guard !households.isEmpty else { return [] }
        let members = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id ~~ Array(unitOf.keys))
            .filter(\.$relation ~~ [.owner, .coOwner]).all()
        var seen = Set<UUID>()
        return members.compactMap { member in
            guard seen.insert(member.$person.id).inserted, let unit = unitOf[member.$household.id] else { return nil }
            return (member.$person.id, unitNames[unit] ?? "")
        }
    }
}

extension CommitteeMembers {
    /// A seat as shown: the seat in words, the owner's name (in full for those who may see full names) and unit.
    struct Row: Content {
        let id: UUID
        let seat: CommitteeRoster.Seat
        let seatName: String
        let personId: UUID
        let name: String
        let unit: String
    }

    static func rows(committee: OrgNodeRecord, compoundID: UUID?, actor: Actor, lang: Lang, on db: any Database) async throws -> [Row] {
        let members = try await CommitteeMemberRecord.query(on: db).filter(\.$committee.$id == committee.id!).with(\.$person).all()
        guard !members.isEmpty else { return [] }
        let full = AccessPolicy.allows(.viewFullNames, actor: actor, at: committee.orgPath) || actor.grants.contains { $0.path == committee.orgPath }
        var units: [(person: UUID, unit: String)] = []
        if let compoundID { units = try await owners(of: compoundID, on: db) }
        let unitOf = Dictionary(units.map { ($0.person, $0.unit) }) { a, _ in a }
        return members.sorted { ($0.seat.isSupervisory ? 1 : 0, CommitteeRoster.Seat.allCases.firstIndex(of: $0.seat)!) <
                                ($1.seat.isSupervisory ? 1 : 0, CommitteeRoster.Seat.allCases.firstIndex(of: $1.seat)!) }
            .map { member in
                Row(id: member.id!, seat: member.seat, seatName: Strings.text("committee.seat.\(member.seat.rawValue)", lang), personId: member.$person.id,
                    name: full ? member.person.name : Masking.name(member.person.name), unit: unitOf[member.$person.id] ?? "")
            }
    }
}
