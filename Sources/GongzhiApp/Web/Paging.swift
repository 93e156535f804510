import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A page of a list: the items and where the next page starts.
struct ListPage<Item: Content>: Content {
    let items: [Item]
    /// How many there are: exact when `totalExact`; else at least this many (`Paging.countCap` past the page's start,
    /// shown as "1 000+" the way mature trackers do), because an exact count of millions of rows costs seconds.
    let total: Int
    let totalExact: Bool
    let offset: Int
    let limit: Int

    init(items: [Item], total: Int, totalExact: Bool = true, offset: Int, limit: Int) {
        self.items = items
        self.total = total
        self.totalExact = totalExact
        self.offset = offset
        self.limit = limit
    }
}

/// `?offset=&limit=` with limit 1…200 (default 50).
struct Paging {
    let offset: Int
    let limit: Int

    static let maxOffset = 1_000_000
    /// How far past a page's start a list counts before it answers "at least" (`ListPage.totalExact`).
    static let countCap = 1_000

    init(offset: Int, limit: Int) {
        self.offset = offset
        self.limit = limit
    }

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
    /// One page of the (sorted) query's rows, with the total counted up to `cap` past the page's start: the cost of
    /// a list grows with what it shows, not with the history behind it.
    func listPage<Item: Content>(_ paging: Paging, cap: Int = Paging.countCap, _ transform: (Model) -> Item) async throws -> ListPage<Item> {
        let limit = paging.offset + cap
        let counted = try await countRows(upTo: limit + 1)
        let rows = try await range(paging.offset..<(paging.offset + paging.limit)).all()
        return ListPage(items: rows.map(transform), total: Swift.min(counted, limit), totalExact: counted <= limit, offset: paging.offset, limit: paging.limit)
    }

    /// How many rows the query has, counted no further than `cap`, without the sort (the database walks whichever
    /// index serves the filter and stops at the cap): one statement and one row back, `NestedQueries.cappedCounts`.
    func countRows(upTo cap: Int) async throws -> Int {
        try await NestedQueries.cappedCounts([(query: self, cap: cap)], on: database)[0]
    }

    /// One page of the (sorted) query's rows and the total count. The count runs first: the builder is a class,
    /// and a count on a builder that already holds the page's range fails.
    func page(offset: Int, limit: Int) async throws -> (items: [Model], total: Int) {
        let total = try await count()
        return (try await range(offset..<(offset + limit)).all(), total)
    }
}
