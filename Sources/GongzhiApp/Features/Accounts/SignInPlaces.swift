import Fluent
import Foundation
import GongzhiCore
import SQLKit
import Vapor

/// Where an account's failed sign-ins came from, and the addresses it has signed in from (`AccountGuard`, issue 24
/// finding 5), in the database so that every instance judges alike. Failures are kept for the guard's window,
/// known addresses for a year after their last sign-in.
enum SignInPlaces {
    static let failures = "login_account_failures"
    static let known = "login_known_places"
    static let knownFor: TimeInterval = 365 * 24 * 3600

    /// The account's failures within the guard's window (at most the last 1 000: enough to judge, bounded to read).
    static func recentFailures(of userID: UUID, guard rule: AccountGuard, now: Date, on db: any Database) async throws -> [AccountGuard.Failure] {
        try await db.sql().select().columns("address", "at").from(failures)
            .where("user_id", .equal, SQLBind(userID)).where("at", .greaterThan, SQLBind(now.addingTimeInterval(-rule.window)))
            .orderBy("at", .descending).limit(1_000).all()
            .map { AccountGuard.Failure(address: try $0.decode(column: "address", as: String.self), at: try $0.decode(column: "at", as: Date.self)) }
    }

    static func recordFailure(of userID: UUID, from address: String, now: Date, on db: any Database) async throws {
        try await db.sql().insert(into: failures).columns("id", "user_id", "address", "at")
            .values(SQLBind(UUID()), SQLBind(userID), SQLBind(address), SQLBind(now)).run()
    }

    /// Whether the account has signed in from `address` within the last year.
    static func isKnown(_ address: String, for userID: UUID, now: Date, on db: any Database) async throws -> Bool {
        try await db.sql().select().column("user_id").from(known).where("user_id", .equal, SQLBind(userID))
            .where("place", .equal, SQLBind(placeKey(address))).where("last_seen", .greaterThan, SQLBind(now.addingTimeInterval(-knownFor)))
            .first() != nil
    }

    /// After a successful sign-in: the address becomes known, and its failures against the account are forgotten.
    static func signedIn(_ userID: UUID, from address: String, now: Date, on db: any Database) async throws {
        let place = placeKey(address)
        try await db.sql().delete(from: known).where("user_id", .equal, SQLBind(userID)).where("place", .equal, SQLBind(place)).run()
        try await db.sql().insert(into: known).columns("user_id", "place", "last_seen").values(SQLBind(userID), SQLBind(place), SQLBind(now)).run()
        try await db.sql().delete(from: failures).where("user_id", .equal, SQLBind(userID)).where("address", .equal, SQLBind(address)).run()
    }

    /// The address as kept: its SHA-256, so that the table is no list of where people sign in from.
    static func placeKey(_ address: String) -> String { Tokens.digest("address:" + address) }

    /// Forgets failures past the window and addresses unused for a year.
    static func sweep(_ context: UseCaseContext) async throws {
        let now = context.now
        try await context.write { db in
            try await db.sql().delete(from: failures).where("at", .lessThan, SQLBind(now.addingTimeInterval(-AccountGuard().window))).run()
            try await db.sql().delete(from: known).where("last_seen", .lessThan, SQLBind(now.addingTimeInterval(-knownFor))).run()
        }
    }
}

struct CreateSignInPlaces: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SignInPlaces.failures)
            .field("id", .uuid, .identifier(auto: false))
            .field("user_id", .uuid, .required)
            .field("address", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.sql().create(index: "idx_login_account_failures").on(SignInPlaces.failures).column("user_id").column("at").run()
        try await database.schema(SignInPlaces.known)
            .field("user_id", .uuid, .required)
            .field("place", .string, .required)
            .field("last_seen", .datetime, .required)
            .unique(on: "user_id", "place")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SignInPlaces.known).delete()
        try await database.schema(SignInPlaces.failures).delete()
    }
}
