import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// How a resident who signed up becomes a registered person's account (issue 26): by the household code a worker
/// gives them (入户码) with their own name, at once; or by name and ID number, confirmed by a worker of the
/// community. Either way the account is linked to the person (one account per person, issue 24) and gets the
/// resident role at the household's community — votes and the compound's own pages open.
enum HouseholdJoining {
    static let rules = HouseholdCodeRules()

    // MARK: The household's code (workers)

    /// Issues a new code for the household (the old one stops working) and returns it.
    static func issueCode(householdID: HouseholdID, in context: UseCaseContext) async throws -> String {
        let actor = try context.account()
        let cipher = context.services.cipher
        var generator = SystemRandomNumberGenerator()
        let code = rules.generate(using: &generator)
        let now = context.now
        try await context.write { db in
            let household = try await Scoped.find(HouseholdRecord.self, householdID.uuid, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: household.orgPath)
            household.joinCodeSealed = cipher.seal(code, field: .householdCode)
            household.joinCodeHash = cipher.blindIndex(code, field: .householdCode)
            household.joinCodeIssuedAt = now
            try await household.update(on: db)
            try await context.audit(AuditEvent(action: "household.join_code", objectType: "household", objectID: householdID.description), on: db)
        }
        return code
    }

    /// The household's code as a worker reads it out, and until when it works; nil when none is valid.
    static func currentCode(of household: HouseholdRecord, cipher: FieldCipher, now: Date) -> (code: String, validUntil: Date)? {
        guard let sealed = household.joinCodeSealed, let issued = household.joinCodeIssuedAt, rules.isValid(issuedAt: issued, now: now),
              let code = try? cipher.open(sealed, field: .householdCode) else { return nil }
        return (rules.display(code), issued.addingTimeInterval(rules.lifetime))
    }

    // MARK: Joining (residents)

    /// Joins the household whose code is `rawCode` as its registered member named `rawName`. A wrong code or a
    /// name not in the household get the same answer and count as a failed try for the account and the address.
    static func join(code rawCode: String?, name rawName: String?, in context: UseCaseContext) async throws -> HouseholdRecord {
        let actor = try unjoinedResident(context)
        let name = try Validate.name(rawName)
        guard let code = rules.normalised(rawCode ?? "") else { throw AppError.invalid("householdCode", "invalid_household_code") }
        let services = context.services, now = context.now
        let keys = [context.address, "account:\(actor.userID.uuid.uuidString.lowercased())"]
        for key in keys {
            if let wait = services.config.addressLockout.retryAfter(try await AddressFailures.state(key, on: context.db), now: now) {
                throw AppError(status: .tooManyRequests, code: "too_many_tries", messageKey: "error.join_too_many_tries", field: "householdCode",
                               headers: ["Retry-After": String(wait)])
            }
        }
        let hash = services.cipher.blindIndex(code, field: .householdCode)
        let outcome = try await context.write { db -> HouseholdRecord? in
            guard let household = try await HouseholdRecord.query(on: db).filter(\.$joinCodeHash == hash).first(),
                  let issued = household.joinCodeIssuedAt, rules.isValid(issuedAt: issued, now: now) else { return nil }
            let members = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id == household.id!).with(\.$person).all()
            let linked = Set(try await UserRecord.query(on: db).filter(\.$person.$id ~~ members.map(\.$person.id)).all().compactMap(\.$person.id))
            guard let member = members.first(where: { PersonName.matches(name, registered: $0.person.name) && !linked.contains($0.$person.id) }) else {
                return nil
            }
            try await admit(userID: actor.userID.uuid, personID: member.$person.id, at: OrgPath(household.orgPath) ?? .root,
                            how: "household_code", decidedBy: nil, in: context, on: db)
            return household
        }
        guard let household = outcome else {
            try await context.write { db in
                for key in keys { _ = try await AddressFailures.record(key, lockout: services.config.addressLockout, now: now, on: db) }
            }
            throw AppError.invalid("householdCode", "household_code_wrong")
        }
        return household
    }

    /// Asks the community where `buildingID` is to confirm the resident as the registered person with this name
    /// and ID number. One open request per account: a new one replaces it.
    static func request(buildingID: UUID?, name rawName: String?, idNumber rawID: String?, in context: UseCaseContext) async throws -> HouseholdJoinRecord {
        let actor = try unjoinedResident(context)
        guard let buildingID else { throw AppError.invalid("buildingId", "required") }
        let name = try Validate.name(rawName)
        let idNumber = try PersonInput.idNumber(rawID, today: context.now)
        let cipher = context.services.cipher, now = context.now, id = context.ids.next()
        return try await context.write { db in
            guard let building = try await BuildingRecord.find(buildingID, on: db), let path = OrgPath(building.orgPath),
                  let community = try await OrgNodeRecord.community(containing: path, on: db) else {
                throw AppError.invalid("buildingId", "not_found")
            }
            try await HouseholdJoinRecord.query(on: db).filter(\.$userID == actor.userID.uuid).filter(\.$state == .pending).delete()
            let record = HouseholdJoinRecord(id: id, userID: actor.userID.uuid, orgPath: community.orgPath, buildingID: buildingID, name: name,
                                             idNumber: idNumber, cipher: cipher, now: now)
            try await record.create(on: db)
            try await context.audit(AuditEvent(action: "household.join_request", objectType: "household_join", objectID: id.uuidString.lowercased(),
                                               change: ["community": community.id!.uuidString.lowercased()]), on: db)
            return record
        }
    }

    /// The account's open request, if any.
    static func openRequest(of actor: Actor, on db: any Database) async throws -> HouseholdJoinRecord? {
        try await HouseholdJoinRecord.query(on: db).filter(\.$userID == actor.userID.uuid).sort(\.$createdAt, .descending).first()
    }

    // MARK: Deciding requests (workers)

    /// Open requests in the communities where `actor` registers residents, oldest first.
    static func pending(for actor: Actor, limit: Int = 200, on db: any Database) async throws -> [HouseholdJoinRecord] {
        try await pendingQuery(for: actor, on: db)?.sort(\.$createdAt).limit(limit).all() ?? []
    }

    /// How many requests wait for `actor`, counted up to `cap` (one row read, whatever the count).
    static func pendingCount(for actor: Actor, upTo cap: Int, on db: any Database) async throws -> Int {
        try await pendingQuery(for: actor, on: db)?.countRows(upTo: cap) ?? 0
    }

    /// The requests waiting in `actor`'s places (nil: they manage no residents).
    private static func pendingQuery(for actor: Actor, on db: any Database) -> QueryBuilder<HouseholdJoinRecord>? {
        let scopes = AccessPolicy.scopes(.manageResidents, actor: actor)
        guard !scopes.isEmpty else { return nil }
        return HouseholdJoinRecord.query(on: db).filter(\.$state == .pending)
            .group(.or) { group in for scope in scopes { group.filter(\.$orgPath =~ scope.rawValue) } }
    }

    /// The registered person a request names (same ID number, same name, in the request's community), if any.
    static func registeredPerson(for request: HouseholdJoinRecord, on db: any Database) async throws -> PersonRecord? {
        guard let person = try await PersonRecord.query(on: db).filter(\.$idNumberHash == request.idNumberHash).first(),
              PersonName.matches(request.name, registered: person.name),
              OrgPath(request.orgPath)?.contains(OrgPath(person.orgPath) ?? .root) == true else { return nil }
        return person
    }

    static func decide(joinID: UUID, confirm: Bool, in context: UseCaseContext) async throws {
        let actor = try context.account()
        let now = context.now
        try await context.write { db in
            let request = try await Scoped.find(HouseholdJoinRecord.self, joinID, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: request.orgPath)
            guard request.state == .pending else { throw AppError.conflict("join_decided") }
            guard AccountID(request.userID) != actor.userID else { throw AppError.conflict("own_account") }
            if confirm {
                guard let person = try await registeredPerson(for: request, on: db) else { throw AppError.conflict("join_not_registered") }
                try await admit(userID: request.userID, personID: person.id!, at: OrgPath(person.orgPath) ?? .root, how: "confirmed",
                                decidedBy: actor.userID.uuid, in: context, on: db)
            }
            request.state = confirm ? .confirmed : .refused
            request.decidedAt = now
            request.decidedBy = actor.userID.uuid
            try await request.update(on: db)
            try await context.audit(AuditEvent(action: confirm ? "household.join_confirm" : "household.join_refuse", objectType: "household_join",
                                               objectID: joinID.uuidString.lowercased()), on: db)
        }
    }

    /// Decided requests are kept 30 days (what the resident sees), then deleted with their ID number.
    static func sweep(_ context: UseCaseContext) async throws {
        let before = context.now.addingTimeInterval(-30 * 86_400)
        try await context.write { db in
            try await HouseholdJoinRecord.query(on: db).filter(\.$state != .pending).filter(\.$decidedAt < before).delete()
        }
    }

    // MARK: Shared

    /// A resident account not yet linked to a person.
    private static func unjoinedResident(_ context: UseCaseContext) throws -> Actor {
        let actor = try context.account()
        guard actor.isResident else { throw AppError.forbidden }
        guard actor.personID == nil else { throw AppError.conflict("already_joined") }
        return actor
    }

    /// Links the account to the person and grants it the resident role at the person's community, in the caller's
    /// transaction. One account per person: a person who already has one is refused.
    private static func admit(userID: UUID, personID: UUID, at path: OrgPath, how: String, decidedBy: UUID?,
                              in context: UseCaseContext, on db: any Database) async throws {
        guard let user = try await UserRecord.find(userID, on: db) else { throw AppError.notFound }
        let grants = try await AccountLinks.checkLinkable(user, to: personID, on: db)
        guard let community = try await OrgNodeRecord.community(containing: path, on: db) else { throw AppError.notFound }
        user.$person.id = personID
        // An account named by its masked number (a phone sign-up) is named by the person from now on.
        if user.displayName.contains("*"), let person = try await PersonRecord.find(personID, on: db) {
            user.displayName = person.name
        }
        try await user.update(on: db)
        if !grants.contains(where: { $0.path == community.path }) {
            try await RoleGrantRecord(userID: userID, role: .resident, nodeID: community.id, path: community.orgPath,
                                      grantedBy: decidedBy).create(on: db)
        }
        // Joined by code while a request waited: the request has nothing left to decide.
        try await HouseholdJoinRecord.query(on: db).filter(\.$userID == userID).filter(\.$state == .pending)
            .set(\.$state, to: .confirmed).set(\.$decidedAt, to: context.now).update()
        try await context.audit(AuditEvent(action: "household.join", objectType: "user", objectID: userID.uuidString.lowercased(),
                                           change: ["person": personID.uuidString.lowercased(), "how": how]), on: db)
    }
}

extension OrgNodeRecord {
    /// The community node on the path from the root to `path` (nil above community level).
    static func community(containing path: OrgPath, on db: any Database) async throws -> OrgNodeRecord? {
        let ids = path.segments.compactMap(UUID.init(uuidString:))
        guard !ids.isEmpty else { return nil }
        return try await OrgNodeRecord.query(on: db).filter(\.$id ~~ ids).filter(\.$level == .community).filter(\.$party == nil).first()
    }
}
