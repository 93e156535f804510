import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// A person as shown to a viewer: numbers always masked; the name masked unless the viewer may see full names
/// there (or it is the viewer's own household).
struct PersonDTO: Content {
    let id: UUID
    let name: String
    let idNumber: String
    let phone: String?

    init(_ person: PersonRecord, viewer: Actor, ownHousehold: Bool = false) {
        id = person.id!
        let fullName = ownHousehold || OrgPath(person.orgPath).map { AccessPolicy.allows(.viewFullNames, actor: viewer, at: $0) } == true
        name = fullName ? person.name : Masking.name(person.name)
        idNumber = person.idNumberMask
        phone = person.phoneMask
    }
}

struct MemberDTO: Content {
    let person: PersonDTO
    let relation: HouseholdRelation
    let resides: Bool
}

struct HouseholdDTO: Content {
    let id: UUID
    let unitId: UUID
    let label: String
    let members: [MemberDTO]?
}

/// The full numbers, returned once by an audited unmasking.
struct UnmaskedDTO: Content {
    let id: UUID
    let name: String
    let idNumber: String
    let phone: String?
}

/// What a resident reaches outside any staff role: their own households and the people in them.
enum ResidentReach {
    static func households(of actor: Actor, on db: any Database) async throws -> [UUID] {
        guard let personID = actor.personID?.uuid else { return [] }
        return try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == personID).all().map(\.$household.id)
    }

    static func persons(of actor: Actor, on db: any Database) async throws -> [UUID] {
        let households = try await households(of: actor, on: db)
        guard !households.isEmpty else { return [] }
        return try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id ~~ households).all().map(\.$person.id)
    }
}

/// Validation of personal fields, with the API's error codes.
enum PersonInput {
    static func idNumber(_ raw: String?, today: Date, field: String = "idNumber") throws -> ResidentIDNumber {
        guard let raw, !raw.isEmpty else { throw AppError.invalid(field, "required") }
        do { return try ResidentIDNumber(validating: raw, today: today) } catch { throw AppError.invalid(field, "invalid_id_number") }
    }

    static func phone(_ raw: String?, field: String = "phone") throws -> MobileNumber? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do { return try MobileNumber(validating: raw) } catch { throw AppError.invalid(field, "invalid_phone") }
    }
}
