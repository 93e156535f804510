import Crypto
import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

extension CaseIntake {
    /// The question at fault and the error code.
    static func describe(_ problem: CatalogueQuestion.Problem) -> (question: String, code: String) {
        switch problem {
        case .missing(let q): (q, "required")
        case .unknownQuestion(let q): (q, "unknown_question")
        case .notANumber(let q): (q, "not_a_number")
        case .notADatetime(let q): (q, "not_a_datetime")
        case .notAChoice(let q, _): (q, "not_a_choice")
        case .tooMany(let q): (q, "too_many_values")
        case .tooLong(let q): (q, "too_long")
        }
    }

    /// Where a case is: a building (in its grid), a grid, or coordinates placed at the nearest building's grid.
    static func place(_ input: Input, on db: any Database) async throws -> (OrgPath, UUID?, GeoPoint?) {
        let point = try Validate.point(latitude: input.latitude, longitude: input.longitude)
        if let buildingID = input.buildingID {
            // The three columns it needs, with SQLKit (see the handler's read in `submit`).
            guard let row = try await db.sql().select().columns("org_path", "latitude", "longitude").from(BuildingRecord.schema)
                .where("id", .equal, buildingID).first(),
                  let path = OrgPath(try row.decode(column: "org_path", as: String.self)) else { throw AppError.notFound }
            let location = try row.decode(column: "latitude", as: Double?.self).flatMap { latitude in
                try row.decode(column: "longitude", as: Double?.self).flatMap { GeoPoint(latitude: latitude, longitude: $0) }
            }
            return (path, buildingID, point ?? location)
        }
        if let gridID = input.gridID {
            guard let grid = try await OrgNodeRecord.find(gridID, on: db), grid.isArea(.grid) else { throw AppError.notFound }
            return (grid.orgPath, nil, point)
        }
        if let point {
            guard let building = try await nearestBuilding(to: point, on: db), let path = OrgPath(building.orgPath) else {
                throw AppError.invalid("latitude", "outside_area")
            }
            return (path, building.id, point)
        }
        throw AppError.invalid("buildingId", "required")
    }

    /// The building nearest to `point` within `PlaceLocator.defaultReach` metres, if any.
    static func nearestBuilding(to point: GeoPoint, on db: any Database) async throws -> BuildingRecord? {
        let box = point.box(metres: PlaceLocator.defaultReach)
        let candidates = try await BuildingRecord.query(on: db)
            .filter(\.$latitude >= box.latitude.lowerBound).filter(\.$latitude <= box.latitude.upperBound)
            .filter(\.$longitude >= box.longitude.lowerBound).filter(\.$longitude <= box.longitude.upperBound)
            .limit(500).all()
        let points = candidates.compactMap { building in building.location.map { (id: building, point: $0) } }
        return PlaceLocator.nearest(to: point, among: points)?.id
    }

    /// Open cases of the same item opened in the last 30 days, in the same grid or within 50 m (issue 4 item 7).
    static func possibleDuplicates(itemCode: String, placePath: OrgPath, location: GeoPoint?, now: Date, on db: any Database) async throws -> [UUID] {
        // Four columns of at most 20 rows (SQLKit: decoding whole case models cost more than the rest of an intake).
        let box = location?.box(metres: PlaceLocator.duplicateRadius)
        let closedStates = [CaseState.closed, .rejected, .merged].map(\.rawValue)
        let rows = try await db.sql().select().columns("id", "place_path", "latitude", "longitude").from(CaseRecord.schema)
            .where("item_code", .equal, itemCode)
            .where("state", .notIn, closedStates)
            .where("opened_at", .greaterThan, now.addingTimeInterval(-Double(duplicateWindowDays) * 86_400))
            .where { group in
                var group = group.orWhere("place_path", .equal, placePath.rawValue)
                if let box {
                    group = group.orWhere { near in
                        near.where("latitude", .greaterThanOrEqual, box.latitude.lowerBound).where("latitude", .lessThanOrEqual, box.latitude.upperBound)
                            .where("longitude", .greaterThanOrEqual, box.longitude.lowerBound).where("longitude", .lessThanOrEqual, box.longitude.upperBound)
                    }
                }
                return group
            }
            .orderBy("opened_at", .descending).limit(20).all()
        var found: [UUID] = []
        for row in rows where found.count < 5 {
            let id = try row.decode(column: "id", as: UUID.self)
            if try row.decode(column: "place_path", as: String.self) == placePath.rawValue {
                found.append(id)
                continue
            }
            guard let location, let lat = try row.decode(column: "latitude", as: Double?.self), let lon = try row.decode(column: "longitude", as: Double?.self),
                  let other = GeoPoint(latitude: lat, longitude: lon) else { continue }
            if location.distance(to: other) <= PlaceLocator.duplicateRadius { found.append(id) }
        }
        return found
    }

    /// GZ + the date in Beijing + six characters people can read out (no 0/O, 1/I).
    static func caseNumber(_ now: Date, code: String = randomCode(length: 6)) -> String {
        let date = CivilDate(now)
        return String(format: "GZ%04d%02d%02d-", date.year, date.month, date.day) + code
    }

    /// Runs `attempt` (a write inserting a case) with a case number, drawn again while the number is taken. The random
    /// part has 32⁶ values a day: at a hundred thousand cases in one day a few collide (the soak saw 8 in 123 574,
    /// each then a UNIQUE failure and a 500). The number is not looked up before the write — a read inside it would
    /// hold SQLite's one writer longer for every case — the UNIQUE index decides: a write refused by a constraint is
    /// tried again with a new number only when its number turns out to be taken (the write has rolled back by then);
    /// any other refusal is the caller's. After 8 taken numbers: 409 `case_number_taken`.
    static func numbered<T>(_ now: Date, on db: any Database, code: () -> String = { randomCode(length: 6) },
                            _ attempt: (String) async throws -> T) async throws -> T {
        for _ in 0..<8 {
            let number = caseNumber(now, code: code())
            do {
                return try await attempt(number)
            } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
                guard try await CaseRecord.query(on: db).filter(\.$number == number).count() > 0 else { throw error }
            }
        }
        throw AppError.conflict("case_number_taken")
    }

    static func trackingCodeValue() -> String { randomCode(length: 10) }

    static func randomCode(length: Int) -> String {
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
