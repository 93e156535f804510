import Fluent
import Foundation
import GongzhiCore
import Vapor

struct OrgNodeDTO: Content {
    let id: UUID
    let level: OrgLevel
    let name: String
    let code: String
    let parentId: UUID?
    let path: String

    init(_ node: OrgNode) {
        id = node.id!
        level = node.level
        name = node.name
        code = node.code
        parentId = node.$parent.id
        path = node.path
    }
}

struct CompoundDTO: Content {
    let id: UUID
    let communityId: UUID
    let name: String
    let address: String
    let commercial: Bool

    init(_ compound: Compound) {
        id = compound.id!
        communityId = compound.$community.id
        name = compound.name
        address = compound.address
        commercial = compound.commercial
    }
}

struct BuildingDTO: Content {
    let id: UUID
    let compoundId: UUID
    let gridId: UUID
    let name: String
    let latitude: Double?
    let longitude: Double?

    init(_ building: Building) {
        id = building.id!
        compoundId = building.$compound.id
        gridId = building.$grid.id
        name = building.name
        latitude = building.latitude
        longitude = building.longitude
    }
}

struct UnitDTO: Content {
    let id: UUID
    let buildingId: UUID
    let number: String
    /// Exact, in m² with two decimals ("89.50").
    let area: String
    let developerHeld: Bool
    /// For a co-owned unit: the co-owner who casts its ballot in owners' votes.
    let voteRepresentativeId: UUID?

    init(_ unit: HousingUnit) {
        id = unit.id!
        buildingId = unit.$building.id
        number = unit.number
        area = unit.area.description
        developerHeld = unit.developerHeld
        voteRepresentativeId = unit.voteRepresentativeID
    }
}

/// A page of a list: the items and where the next page starts.
struct ListPage<Item: Content>: Content {
    let items: [Item]
    let total: Int
    let offset: Int
    let limit: Int
}

/// `?offset=&limit=` with limit 1…200 (default 50).
struct Paging {
    let offset: Int
    let limit: Int

    static let maxOffset = 1_000_000

    init(_ request: Request) throws {
        let offset = try request.queryInt("offset") ?? 0
        let limit = try request.queryInt("limit") ?? 50
        // Bounded, so that offset + limit can never overflow.
        guard (0...Paging.maxOffset).contains(offset) else { throw AppError.invalid("offset") }
        guard (1...200).contains(limit) else { throw AppError.invalid("limit") }
        self.offset = offset
        self.limit = limit
    }
}

extension QueryBuilder {
    /// One page of the (sorted) query's rows, with the total count (Fluent drops the sort for the count).
    func listPage<Item: Content>(_ paging: Paging, _ transform: (Model) -> Item) async throws -> ListPage<Item> {
        let (rows, total) = try await page(offset: paging.offset, limit: paging.limit)
        return ListPage(items: rows.map(transform), total: total, offset: paging.offset, limit: paging.limit)
    }

    /// One page of the (sorted) query's rows and the total count. The count runs first: the builder is a class,
    /// and a count on a builder that already holds the page's range fails.
    func page(offset: Int, limit: Int) async throws -> (items: [Model], total: Int) {
        let total = try await count()
        return (try await range(offset..<(offset + limit)).all(), total)
    }
}

extension Request {
    /// The one value of a query parameter, nil when it is not there; given twice it is a 422 naming it (which
    /// one would count is not for the server to guess).
    func queryValue(_ name: String) throws -> String? {
        let values = (url.query ?? "").split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == name else { return nil }
            return parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "\u{FFFD}") : ""
        }
        guard values.count <= 1 else { throw AppError.invalid(name) }
        return values.first
    }

    /// An optional integer in the query string; anything else given is a 422 naming the parameter.
    func queryInt(_ name: String) throws -> Int? {
        guard let raw = try queryValue(name) else { return nil }
        guard let value = Int(raw) else { throw AppError.invalid(name) }
        return value
    }

    /// An optional UUID in the query string; a malformed or empty one is a 422 naming the parameter. Pages, whose
    /// filter forms send an empty value for "any", say `emptyIsAbsent`.
    func queryUUID(_ name: String, emptyIsAbsent: Bool = false) throws -> UUID? {
        guard let raw = try queryValue(name), !(raw.isEmpty && emptyIsAbsent) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw AppError.invalid(name) }
        return id
    }
}
