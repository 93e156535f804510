import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

/// The fixed instant tests start at (2026-11-18 19:06:40 CST).
let testNow = Date(timeIntervalSince1970: 1_795_000_000)
let demoPassword = DemoAccounts.password

/// Where the suite runs: SQLite files in a temporary directory, or PostgreSQL when `DATABASE_URL` is set
/// (each test then gets a schema of its own, so tests run in parallel and leave nothing behind).
enum TestDatabase {
    static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? ""
        return url.isEmpty ? nil : url
    }

    static var isPostgres: Bool { postgresURL != nil }
}

/// What the seeded demo district gives a test: two communities on different streets, with their staff.
struct Fixture: Sendable {
    let communityA: OrgNodeRecord
    let communityB: OrgNodeRecord
    let gridA: OrgNodeRecord
    let personA: PersonRecord
    let personB: PersonRecord
    let householdA: HouseholdRecord
    let householdB: HouseholdRecord
    let unitA: HousingUnitRecord
    let unitB: HousingUnitRecord
}

/// Makes an app on a fresh database, migrates it, seeds a small demo district (unless `seed` is false), runs
/// `body`, then removes everything.
func withApp(seed: Bool = true, households: Int = 40, adjust: (inout AppConfig) -> Void = { _ in },
             _ body: (Application, Fixture?) async throws -> Void) async throws {
    TestLog.start()
    let app = try await Application.make(.testing)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
    var config = AppConfig(
        database: TestDatabase.postgresURL.map { .postgres(url: $0) } ?? .sqlite(path: directory.path + "/test.sqlite"),
        dataKey: Data(repeating: 42, count: 32), dataKeySource: "test", https: false, passwordRounds: 1_000,
        passwordProfile: .standard, sessionLifetime: SessionLifetime(), lockout: LoginLockout(),
        firstStartDemoHouseholds: 0, maxBodySize: ByteCount(value: 1024 * 1024), storageDirectory: directory.path)
    // The per-address request limit would count every in-process request as one address's: ThrottlingTests sets it.
    config.requestRate = RateWindow(limit: 0, window: 1)
    adjust(&config)
    func cleanUp() async {
        if TestDatabase.isPostgres { try? await app.db.sql().raw("DROP SCHEMA IF EXISTS \(ident: String(schema)) CASCADE").run() }
        try? await app.asyncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }
    do {
        try configure(app, config: config, postgresSearchPath: TestDatabase.isPostgres ? String(schema) : nil)
        app.storage[TestSchemaKey.self] = TestDatabase.isPostgres ? String(schema) : nil
        if TestDatabase.isPostgres { try await app.db.sql().raw("CREATE SCHEMA \(ident: String(schema))").run() }
        app.clock.set(testNow)
        try await app.prepareAndMigrate()
        var fixture: Fixture?
        if seed {
            _ = try await DemoDistrictSeeder.seed(app: app, streets: 2, households: households, seed: 42, progress: false, examples: false)
            fixture = try await makeFixture(app)
        }
        try await body(app, fixture)
    } catch {
        await cleanUp()
        throw error
    }
    await cleanUp()
}

func makeFixture(_ app: Application) async throws -> Fixture {
    let db = app.db
    func grantNode(_ username: String) async throws -> OrgNodeRecord {
        let user = try await UserRecord.query(on: db).filter(\.$username == username).first()!
        let grant = try await RoleGrantRecord.query(on: db).filter(\.$user.$id == user.id!).first()!
        return try await OrgNodeRecord.find(grant.$node.id!, on: db)!
    }
    let a = try await grantNode("worker")
    let b = try await grantNode("worker2")
    let grid = try await grantNode("grid")
    func firstPerson(in community: OrgNodeRecord) async throws -> (PersonRecord, HouseholdRecord, HousingUnitRecord) {
        let household = try await HouseholdRecord.query(on: db).filter(\.$orgPath =~ community.path).sort(\.$orgPath).first()!
        let member = try await HouseholdMemberRecord.query(on: db).filter(\.$household.$id == household.id!).first()!
        let person = try await PersonRecord.find(member.$person.id, on: db)!
        let unit = try await HousingUnitRecord.find(household.$unit.id, on: db)!
        return (person, household, unit)
    }
    let (pa, ha, ua) = try await firstPerson(in: a)
    let (pb, hb, ub) = try await firstPerson(in: b)
    return Fixture(communityA: a, communityB: b, gridA: grid, personA: pa, personB: pb, householdA: ha, householdB: hb, unitA: ua, unitB: ub)
}

/// The demo resident account's own building.
func residentBuilding(_ app: Application) async throws -> UUID {
    let user = try #require(try await UserRecord.query(on: app.db).filter(\.$username == "resident").first())
    let member = try #require(try await HouseholdMemberRecord.query(on: app.db).filter(\.$person.$id == user.$person.id!).first())
    let household = try #require(try await HouseholdRecord.find(member.$household.id, on: app.db))
    return try #require(try await HousingUnitRecord.find(household.$unit.id, on: app.db)).$building.id
}

struct TestSchemaKey: StorageKey { typealias Value = String }

/// A second app instance on the same database (on PostgreSQL the same schema), as a second server process
/// would be: its own connection pool, its own in-process write gate.
func withTwin(of app: Application, _ body: (Application) async throws -> Void) async throws {
    let twin = try await Application.make(.testing)
    do {
        try configure(twin, config: app.gongzhi.config, postgresSearchPath: app.storage[TestSchemaKey.self])
        twin.clock.set(app.clock.now)
        try await body(twin)
    } catch {
        try? await twin.asyncShutdown()
        throw error
    }
    try await twin.asyncShutdown()
}

extension Application {
    /// The number of audit entries (to prove a refused request wrote nothing).
    func auditCount() async throws -> Int { try await AuditRecord.query(on: db).count() }

    /// Entries that record a change (or a sign-in), leaving out the `access.denied` records of refusals.
    func auditCount(excludingDenials: Bool) async throws -> Int {
        try await AuditRecord.query(on: db).filter(\.$action != "access.denied").count()
    }
}

/// Runs `body` with a random port below Linux's ephemeral range (32768–60999), so that no client connection (the
/// PostgreSQL pools' among them) holds it; another test may have drawn the same port, so a bind failure draws again.
/// VaporTesting gives a request to a running server 30 s: with the whole PostgreSQL suite beside it on two cores, a
/// multi-megabyte upload once took longer, so a deadline exceeded tries again too (callers send idempotent requests:
/// a refusal, or a POST under an Idempotency-Key that replays).
/// Sends one request to `app` running on a free port. `performTest` throws without recording an issue (VaporTesting's
/// `sendRequest` records one before rethrowing, so a retried deadline would still fail the test).
///
/// A request retried after its deadline passed may find its first try still running on the server: with an
/// `Idempotency-Key` that is a 409 `idempotency_in_flight`, and a client waits and asks again, as any client of
/// the key would, until the first try's answer is stored and replayed.
func sendLive(_ app: Application, _ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) async throws -> TestingHTTPResponse {
    var waits = 0
    while true {
        let response = try await onFreePort { port in
            try await app.testing(method: .running(port: port))
                .performTest(request: TestingHTTPRequest(method: method, url: URI(path: path), headers: headers, body: body))
        }
        guard response.status == .conflict, response.body.string.contains("idempotency_in_flight"), headers.first(name: "Idempotency-Key") != nil,
              waits < 60 else { return response }
        waits += 1
        try await Task.sleep(for: .seconds(1))
    }
}

func onFreePort<T>(_ body: (Int) async throws -> T) async throws -> T {
    var attempt = 0
    while true {
        do {
            return try await body(Int.random(in: 20_000...32_000))
        } catch where attempt < 5 && ["Address already in use", "deadlineExceeded"].contains(where: String(describing: error).contains) {
            attempt += 1
        }
    }
}

/// The repository's root (where `Package.swift` is), found upwards from this file, wherever a test file sits.
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path), url.path != "/" {
        url.deleteLastPathComponent()
    }
    return url
}()
