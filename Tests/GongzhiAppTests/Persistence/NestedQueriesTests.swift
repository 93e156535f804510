import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// Several Fluent queries answered in one statement (issue 29: the workbench's counts and per-state first rows):
/// each nested part must read exactly what its builder reads.
@Suite("Nested queries: several builders in one statement")
struct NestedQueriesTests {
    @Test("capped counts: each builder's own count, up to its own cap, with the builder's filters and binds")
    func cappedCounts() async throws {
        try await withApp { app, _ in
            let people = try await PersonRecord.query(on: app.db).all()
            #expect(people.count > 40)
            let path = try #require(Dictionary(grouping: people, by: \.orgPath).max { $0.value.count < $1.value.count }?.key)
            let inPlace = people.filter { $0.orgPath == path }.count
            let named = people.filter { $0.name.hasPrefix("王") }.count
            let counts = try await NestedQueries.cappedCounts([
                (PersonRecord.query(on: app.db), people.count + 10),
                (PersonRecord.query(on: app.db), 7),
                (PersonRecord.query(on: app.db).filter(\.$orgPath == path), 10_000),
                (PersonRecord.query(on: app.db).filter(\.$name =~ "王"), 10_000),
                (PersonRecord.query(on: app.db).filter(\.$orgPath == "/nowhere/"), 5),
            ], on: app.db)
            #expect(counts == [people.count, 7, inPlace, named, 0])
            #expect(try await NestedQueries.cappedCounts([(query: PersonRecord.query(on: app.db), cap: 3)], on: app.db) == [3])
        }
    }

    @Test("a union keeps each part's own order and limit, and only its builder's rows")
    func union() async throws {
        try await withApp { app, _ in
            let people = try await PersonRecord.query(on: app.db).all()
            let paths = Array(Set(people.map(\.orgPath))).sorted().prefix(2)
            #expect(paths.count == 2)
            let parts = paths.map { path in
                NestedQueries.select(PersonRecord.query(on: app.db).filter(\.$orgPath == path),
                                     columns: [SQLColumn("id"), SQLColumn("name"), SQLColumn("org_path")],
                                     order: [SQLOrderBy(expression: SQLColumn("name"), direction: SQLDirection.descending),
                                             SQLOrderBy(expression: SQLColumn("id"), direction: SQLDirection.ascending)],
                                     limit: 4)
            }
            let rows = try await NestedQueries.union(parts, on: app.db.sql())
            let read = try rows.map { (try $0.decode(column: "org_path", as: String.self), try $0.decode(column: "id", as: UUID.self)) }
            // Part after part, each the first four of its place by name, descending.
            let expected = paths.flatMap { path in
                people.filter { $0.orgPath == path }.sorted { ($0.name, $1.id!.uuidString) > ($1.name, $0.id!.uuidString) }.prefix(4).map { (path, $0.id!) }
            }
            #expect(read.map(\.0) == expected.map(\.0))
            #expect(Set(read.map(\.1)) == Set(expected.map(\.1)))
            for path in paths {
                let names = try rows.filter { try $0.decode(column: "org_path", as: String.self) == path }.map { try $0.decode(column: "name", as: String.self) }
                #expect(names == names.sorted(by: >))
            }
            #expect(try await NestedQueries.union([], on: app.db.sql()).isEmpty)
        }
    }
}
