import Fluent
import Foundation
import GongzhiCore
import Vapor

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
