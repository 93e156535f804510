import Fluent
import SQLKit
import Foundation
import GongzhiCore
import Vapor

/// Use cases for households, persons and their links.
enum PeopleChanges {
    /// A person as sent (the API's JSON, the household page's form): `createPerson` checks the name, the ID
    /// number (a real date of birth, not in the future) and the mobile number.
    struct NewPerson: Sendable {
        var name: String?
        var idNumber: String?
        var phone: String?
        var relation: HouseholdRelation
        var resides: Bool
    }

    static func createHousehold(unitID: UUID, label: String, in context: UseCaseContext) async throws -> HouseholdRecord {
        let actor = try context.account()
        return try await context.write { db in
            let unit = try await Scoped.find(HousingUnitRecord.self, unitID, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: unit.orgPath)
            if try await HouseholdRecord.query(on: db).filter(\.$unit.$id == unitID).filter(\.$label == label).count() > 0 {
                throw AppError.conflict("duplicate", field: "label")
            }
            let household = HouseholdRecord(unitID: unitID, orgPath: unit.orgPath, label: label)
            try await household.create(on: db)
            try await context.audit(AuditEvent(action: "household.create", objectType: "household", objectID: household.id!.uuidString.lowercased(),
                                               change: ["unit": unitID.uuidString, "label": label]), on: db)
            return household
        }
    }

    /// Registers a person in a household. The ID number must not be registered already (its keyed hash is unique).
    static func createPerson(householdID: UUID, input sent: NewPerson, in context: UseCaseContext) async throws -> PersonRecord {
        let actor = try context.account()
        let input = (name: try Validate.name(sent.name), idNumber: try PersonInput.idNumber(sent.idNumber, today: context.now),
                     phone: try PersonInput.phone(sent.phone), relation: sent.relation, resides: sent.resides)
        let cipher = context.services.cipher
        return try await context.write { db in
            let household = try await Scoped.find(HouseholdRecord.self, householdID, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: household.orgPath)
            let hash = cipher.blindIndex(input.idNumber.value, field: .idNumber)
            if try await PersonRecord.query(on: db).filter(\.$idNumberHash == hash).count() > 0 {
                throw AppError.conflict("duplicate_person", field: "idNumber")
            }
            let person = PersonRecord(orgPath: household.orgPath, name: input.name, idNumber: input.idNumber, phone: input.phone, cipher: cipher)
            try await person.create(on: db)
            try await HouseholdMemberRecord(householdID: householdID, personID: person.id!, relation: input.relation, resides: input.resides).create(on: db)
            try await context.audit(AuditEvent(action: "person.create", objectType: "person", objectID: person.id!.uuidString.lowercased(),
                                               change: ["name": input.name, "id_number": person.idNumberSealed, "phone": person.phoneSealed ?? "",
                                                        "household": householdID.uuidString, "relation": input.relation.rawValue]), on: db)
            return person
        }
    }

    static func updatePerson(id: PersonID, name: String?, idNumber: ResidentIDNumber?, phone: MobileNumber??, in context: UseCaseContext) async throws -> PersonRecord {
        let actor = try context.account()
        let cipher = context.services.cipher
        return try await context.write { db in
            let person = try await Scoped.find(PersonRecord.self, id.uuid, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: person.orgPath)
            var fields: [String] = []
            if let name, name != person.name {
                person.name = name
                fields.append("name")
            }
            if let idNumber {
                let hash = cipher.blindIndex(idNumber.value, field: .idNumber)
                if hash != person.idNumberHash {
                    if try await PersonRecord.query(on: db).filter(\.$idNumberHash == hash).count() > 0 {
                        throw AppError.conflict("duplicate_person", field: "idNumber")
                    }
                    person.setIDNumber(idNumber, cipher: cipher)
                    fields.append("id_number")
                }
            }
            if let phone, phone.map({ cipher.blindIndex($0.value, field: .phone) }) != person.phoneHash {
                person.setPhone(phone, cipher: cipher)
                fields.append("phone")
            }
            guard !fields.isEmpty else { return person }
            try await person.update(on: db)
            try await context.audit(AuditEvent(action: "person.update", objectType: "person", objectID: id.description,
                                               summary: "fields=" + fields.joined(separator: ","),
                                               change: ["name": person.name, "id_number": person.idNumberSealed, "phone": person.phoneSealed ?? ""]), on: db)
            return person
        }
    }

    static func addMember(householdID: UUID, personID: PersonID, relation: HouseholdRelation, resides: Bool, in context: UseCaseContext) async throws {
        let actor = try context.account()
        return try await context.write { db in
            let household = try await Scoped.find(HouseholdRecord.self, householdID, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: household.orgPath)
            _ = try await Scoped.find(PersonRecord.self, personID.uuid, actor: actor, .viewResidents, on: db)
            if let existing = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id == householdID).filter(\.$person.$id == personID.uuid).first() {
                guard existing.relation != relation || existing.resides != resides else { return }
                existing.relation = relation
                existing.resides = resides
                try await existing.update(on: db)
            } else {
                try await HouseholdMemberRecord(householdID: householdID, personID: personID.uuid, relation: relation, resides: resides).create(on: db)
                try await PersonRecord.query(on: db).filter(\.$id == personID.uuid).set(\.$deregisteredAt, to: nil).update()
            }
            try await context.audit(AuditEvent(action: "household.member", objectType: "household", objectID: householdID.uuidString.lowercased(),
                                               change: ["person": personID.uuid.uuidString, "relation": relation.rawValue, "resides": "\(resides)"]), on: db)
        }
    }

    static func removeMember(householdID: UUID, personID: PersonID, in context: UseCaseContext) async throws {
        let actor = try context.account()
        return try await context.write { db in
            let household = try await Scoped.find(HouseholdRecord.self, householdID, actor: actor, .viewResidents, on: db)
            try Scoped.require(.manageResidents, actor: actor, at: household.orgPath)
            guard let member = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id == householdID)
                .filter(\.$person.$id == personID.uuid).first() else { throw AppError.notFound }
            try await member.delete(on: db)
            // Out of their last household: the register's retention period starts.
            if try await HouseholdMemberRecord.query(on: db).filter(\.$person.$id == personID.uuid).count() == 0 {
                try await PersonRecord.query(on: db).filter(\.$id == personID.uuid).set(\.$deregisteredAt, to: context.now).update()
            }
            try await context.audit(AuditEvent(action: "household.member_remove", objectType: "household", objectID: householdID.uuidString.lowercased(),
                                               change: ["person": personID.uuid.uuidString]), on: db)
        }
    }

    /// Shows the full ID and mobile numbers to an actor with the unmask permission at the person's place, with a
    /// reason; the viewing is audited in the same transaction, before anything is returned.
    static func unmask(personID: PersonID, reason: String, in context: UseCaseContext) async throws -> UnmaskedDTO {
        let actor = try context.account()
        let cipher = context.services.cipher
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard reason.count >= 2 else { throw AppError.invalid("reason", "reason_required") }
        guard reason.count <= 200 else { throw AppError.invalid("reason", "too_long") }
        return try await context.write { db in
            let person = try await Scoped.find(PersonRecord.self, personID.uuid, actor: actor, .viewResidents, on: db)
            try Scoped.require(.unmaskPersonalData, actor: actor, at: person.orgPath)
            let idNumber = try cipher.open(person.idNumberSealed, field: .idNumber)
            let phone = try person.phoneSealed.map { try cipher.open($0, field: .phone) }
            try await context.audit(AuditEvent(action: "person.unmask", objectType: "person", objectID: personID.description,
                                               summary: "reason=" + reason, change: ["reason": reason]), on: db)
            return UnmaskedDTO(id: personID.uuid, name: person.name, idNumber: idNumber, phone: phone)
        }
    }

    /// Finds persons by an exact ID or mobile number through the keyed hash, within the actor's scope.
    static func lookup(idNumber: ResidentIDNumber?, phone: MobileNumber?, actor: Actor, on db: any Database, cipher: FieldCipher) async throws -> [PersonRecord] {
        var query = PersonRecord.query(on: db).visible(to: actor, .viewResidents)
        if let idNumber { query = query.filter(\.$idNumberHash == cipher.blindIndex(idNumber.value, field: .idNumber)) }
        if let phone { query = query.filter(\.$phoneHash == cipher.blindIndex(phone.value, field: .phone)) }
        return try await query.limit(50).all()
    }
}
