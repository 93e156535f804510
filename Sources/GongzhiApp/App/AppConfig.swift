import Foundation
import GongzhiCore
import Vapor

/// Everything Gongzhi reads from its environment, decoded and checked once at start-up.
public struct AppConfig: Sendable {
    public enum DatabaseChoice: Sendable, Equatable {
        /// An embedded SQLite file.
        case sqlite(path: String)
        /// A PostgreSQL server, from `DATABASE_URL`.
        case postgres(url: String)
    }

    public var database: DatabaseChoice
    /// The 32-byte key that encrypts ID and phone numbers and keys their lookup hashes.
    public var dataKey: Data
    /// Where the data key lives when it was not given in the environment (for the README's backup advice).
    public var dataKeySource: String
    /// Serve over HTTPS (behind a TLS proxy): Secure and `__Host-` cookies, HSTS.
    public var https: Bool
    public var passwordRounds: Int
    public var passwordProfile: PasswordPolicy.Profile
    public var sessionLifetime: SessionLifetime
    public var lockout: LoginLockout
    /// Households of the demo district created on the first start of `serve` (0: none).
    public var firstStartDemoHouseholds: Int
    /// Largest accepted request body.
    public var maxBodySize: ByteCount
    /// Where uploaded files go (outside any web root).
    public var storageDirectory: String
    /// Working hours of a working day (default 09:00–12:00 and 13:30–17:30).
    public var workingPeriods: [WorkingCalendar.Period] = WorkingCalendar.defaultPeriods
    /// A directory of extra `cn-YYYY.json` holiday files; a year there replaces the shipped one.
    public var calendarDirectory: String?
    /// Days a resident has to rate a reply before the case closes by itself, counted as the Civil Code counts days
    /// (`WorkingCalendar.periodEnd`).
    public var autoCloseDays: Int = 7
    /// Closed cases drawn for a follow-up after closing, per 1 000 (`GONGZHI_FOLLOW_UP_PER_MILLE`, default 100).
    public var followUpPerMille: Int = 100
    /// SQLite's `synchronous` level in WAL mode: `full` (default: an acknowledged write survives a power cut)
    /// or `normal` (survives a crash of Gongzhi or of the OS process, may lose the last writes on a power cut).
    public var sqliteSynchronous: SQLiteSynchronous = .full
    /// The audit administrator's Ed25519 public key (base64), `GONGZHI_AUDIT_PUBLIC_KEY`: verification checks the
    /// signed checkpoints with it. Kept outside the database on purpose: whoever could rewrite the chain could
    /// otherwise replace the key as well.
    public var auditPublicKey: String?
    /// Failed sign-ins allowed from one address before it is refused for a while (5 in 10 minutes → 10 minutes).
    public var addressLockout = LoginLockout(maxFailures: 5, window: 10 * 60, lockDuration: 10 * 60)
    /// Proxies whose `X-Forwarded-For` is believed (the TLS proxy in front of Gongzhi).
    public var trustedProxies: Set<String> = []
    /// Requests a resident or an anonymous caller may raise (`GONGZHI_SUBMISSION_RATE`, "20/3600"; "0" = no limit).
    public var submissionRate = RateWindow(limit: 20, window: 3600)
    /// Requests any one address may make (`GONGZHI_REQUEST_RATE`, "1200/60": a burst of 1 200, then 20 a second; "0" = no limit).
    public var requestRate = RateWindow(limit: 1_200, window: 60)

    /// Where one-time codes go (`GONGZHI_SMS_PROVIDER`).
    public var sms: SMSSetting = .file(path: nil)

    /// The C library's allocator, set before the first thread starts (`ProcessMemory.configureAllocator`).
    public var allocator = AllocatorSettings()

    public enum SMSSetting: Sendable, Equatable {
        /// Development and tests (`file:PATH`; unset: `<storage>/sms-outbox.jsonl`): never over HTTPS.
        case file(path: String?)
        /// A real gateway (`http`, with `GONGZHI_SMS_URL`, `GONGZHI_SMS_KEY`, `GONGZHI_SMS_TEMPLATE`).
        case http(url: String, key: String, template: String)
        /// Over HTTPS with no provider set: sign-in by phone is off (staff keep their usernames).
        case disabled
    }

    public enum SQLiteSynchronous: String, Sendable, CaseIterable {
        case full, normal
    }

    /// Reads the environment; throws one error listing every problem found.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        var problems: [String] = []
        let workingDirectory = FileManager.default.currentDirectoryPath

        let database: DatabaseChoice
        if let url = env["DATABASE_URL"], !url.isEmpty {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                database = .postgres(url: url)
            } else {
                problems.append("DATABASE_URL must start with postgres:// (leave it unset for SQLite)")
                database = .sqlite(path: "gongzhi.sqlite")
            }
        } else {
            database = .sqlite(path: env["GONGZHI_SQLITE_PATH"] ?? workingDirectory + "/gongzhi.sqlite")
        }

        var dataKey = Data()
        var dataKeySource = "GONGZHI_DATA_KEY"
        if let encoded = env["GONGZHI_DATA_KEY"], !encoded.isEmpty {
            if let key = Data(base64Encoded: encoded), key.count == 32 {
                dataKey = key
            } else {
                problems.append("GONGZHI_DATA_KEY must be 32 bytes in base64 (openssl rand -base64 32)")
            }
        } else {
            let path = env["GONGZHI_KEY_FILE"] ?? workingDirectory + "/gongzhi.key"
            dataKeySource = path
            do { dataKey = try DataKeyFile.loadOrCreate(at: path) } catch { problems.append("\(error)") }
        }

        func int(_ name: String, default value: Int, range: ClosedRange<Int>) -> Int {
            guard let raw = env[name], !raw.isEmpty else { return value }
            guard let parsed = Int(raw), range.contains(parsed) else {
                problems.append("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
                return value
            }
            return parsed
        }

        let profileRaw = env["GONGZHI_PASSWORD_PROFILE"] ?? "standard"
        let profile = PasswordPolicy.Profile(rawValue: profileRaw)
        if profile == nil { problems.append("GONGZHI_PASSWORD_PROFILE must be standard or dengbao") }

        let config = AppConfig(
            database: database,
            dataKey: dataKey,
            dataKeySource: dataKeySource,
            https: ["1", "true", "yes"].contains(env["GONGZHI_HTTPS"]?.lowercased() ?? ""),
            passwordRounds: int("GONGZHI_PASSWORD_ROUNDS", default: GongzhiCore.PasswordHasher.productionRounds, range: 1_000...10_000_000),
            passwordProfile: profile ?? .standard,
            sessionLifetime: SessionLifetime(
                idle: TimeInterval(int("GONGZHI_SESSION_IDLE_MINUTES", default: 30, range: 1...720) * 60),
                absolute: TimeInterval(int("GONGZHI_SESSION_MAX_HOURS", default: 12, range: 1...168) * 3600)),
            lockout: LoginLockout(),
            firstStartDemoHouseholds: int("GONGZHI_DEMO_HOUSEHOLDS", default: 600, range: 0...1_000_000),
            maxBodySize: ByteCount(value: int("GONGZHI_MAX_BODY_MB", default: 8, range: 1...100) * 1024 * 1024),
            storageDirectory: env["GONGZHI_STORAGE_DIR"] ?? workingDirectory + "/data"
        )
        var result = config
        if let raw = env["GONGZHI_WORKING_HOURS"], !raw.isEmpty {
            if let periods = WorkingHours.parse(raw) { result.workingPeriods = periods } else {
                problems.append("GONGZHI_WORKING_HOURS must look like 09:00-12:00,13:30-17:30")
            }
        }
        result.calendarDirectory = env["GONGZHI_CALENDAR_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        result.autoCloseDays = int("GONGZHI_AUTO_CLOSE_DAYS", default: 7, range: 1...60)
        result.followUpPerMille = int("GONGZHI_FOLLOW_UP_PER_MILLE", default: 100, range: 0...1_000)
        result.trustedProxies = Set((env["GONGZHI_TRUSTED_PROXIES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty })
        if let raw = env["GONGZHI_SUBMISSION_RATE"], !raw.isEmpty {
            if let rate = RateWindow.parse(raw) { result.submissionRate = rate } else {
                problems.append("GONGZHI_SUBMISSION_RATE must look like 20/3600 (requests/seconds), or 0 for no limit")
            }
        }
        if let raw = env["GONGZHI_REQUEST_RATE"], !raw.isEmpty {
            if let rate = RateWindow.parse(raw) { result.requestRate = rate } else {
                problems.append("GONGZHI_REQUEST_RATE must look like 1200/60 (requests/seconds), or 0 for no limit")
            }
        }
        if let raw = env["GONGZHI_SQLITE_SYNCHRONOUS"], !raw.isEmpty {
            if let level = SQLiteSynchronous(rawValue: raw.lowercased()) { result.sqliteSynchronous = level } else {
                problems.append("GONGZHI_SQLITE_SYNCHRONOUS must be full or normal")
            }
        }
        result.allocator = AllocatorSettings(
            arenas: env["MALLOC_ARENA_MAX"] == nil ? int("GONGZHI_MALLOC_ARENAS", default: 2, range: 0...64) : 0,
            mmapThresholdKiB: env["MALLOC_MMAP_THRESHOLD_"] == nil
                ? int("GONGZHI_MALLOC_MMAP_THRESHOLD_KB", default: 256, range: 0...32_768) : 0)
        if let raw = env["GONGZHI_AUDIT_PUBLIC_KEY"], !raw.isEmpty {
            if AuditCheckpoint.publicKey(base64: raw) != nil { result.auditPublicKey = raw } else {
                problems.append("GONGZHI_AUDIT_PUBLIC_KEY must be an Ed25519 public key in base64 (gongzhi audit keygen prints it)")
            }
        }
        result.sms = smsSetting(env, https: result.https, problems: &problems)
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return result
    }
}

extension AppConfig {
    /// `GONGZHI_SMS_PROVIDER`: `file:PATH` (development; refused over HTTPS), `http` (a gateway, with its URL, key
    /// and template), or unset (a file beside the uploads; over HTTPS, phone sign-in is off).
    static func smsSetting(_ env: [String: String], https: Bool, problems: inout [String]) -> SMSSetting {
        let raw = env["GONGZHI_SMS_PROVIDER"] ?? ""
        if raw.isEmpty { return https ? .disabled : .file(path: nil) }
        if raw.hasPrefix("file:") {
            let path = String(raw.dropFirst(5))
            if https { problems.append("GONGZHI_SMS_PROVIDER=file: writes codes to a file and is for development only; set it to http with GONGZHI_HTTPS") }
            if path.isEmpty { problems.append("GONGZHI_SMS_PROVIDER=file: needs a path, e.g. file:./sms-outbox.jsonl") }
            return .file(path: path)
        }
        guard raw == "http" else {
            problems.append("GONGZHI_SMS_PROVIDER must be file:PATH or http")
            return .disabled
        }
        let url = env["GONGZHI_SMS_URL"] ?? "", key = env["GONGZHI_SMS_KEY"] ?? ""
        if !(url.hasPrefix("https://") || (url.hasPrefix("http://") && !https)) {
            problems.append("GONGZHI_SMS_URL must be the gateway's https:// address")
        }
        if key.isEmpty { problems.append("GONGZHI_SMS_KEY must hold the gateway's key") }
        return .http(url: url, key: key, template: env["GONGZHI_SMS_TEMPLATE"].flatMap { $0.isEmpty ? nil : $0 } ?? "GONGZHI_CODE")
    }
}

/// glibc's malloc for a long-running server (SECURITY row 38). Left alone, it gives each busy thread an arena of
/// its own (up to 8 per core) and raises its mmap threshold after every large free, so large buffers come to live
/// in the arenas too; a soak saw what malloc held grow 19 → 39 MiB while the heap in use grew 8 → 11 MiB. Fewer
/// arenas and a fixed threshold keep freed memory where it is reused.
public struct AllocatorSettings: Sendable, Equatable {
    /// At most this many arenas (`GONGZHI_MALLOC_ARENAS`, 2; 0 = glibc's own limit, 8 per core).
    public var arenas: Int = 2
    /// Blocks of this many KiB or more get their own mapping, returned whole when freed
    /// (`GONGZHI_MALLOC_MMAP_THRESHOLD_KB`, 256; 0 = glibc's sliding threshold, 128 KiB up to 32 MiB).
    public var mmapThresholdKiB: Int = 256

    public init(arenas: Int = 2, mmapThresholdKiB: Int = 256) {
        self.arenas = arenas
        self.mmapThresholdKiB = mmapThresholdKiB
    }
}

/// "09:00-12:00,13:30-17:30" → working periods (ordered, not overlapping).
enum WorkingHours {
    static func parse(_ text: String) -> [WorkingCalendar.Period]? {
        var periods: [WorkingCalendar.Period] = []
        for part in text.split(separator: ",") {
            let ends = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, let start = minutes(ends[0]), let end = minutes(ends[1]), start < end else { return nil }
            if let last = periods.last, last.end > start { return nil }
            periods.append(WorkingCalendar.Period(start: start, end: end))
        }
        return periods.isEmpty ? nil : periods
    }

    static func minutes(_ text: String) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }
}

/// Start-up refuses to run with a bad configuration and says everything that is wrong at once.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "Gongzhi cannot start, the configuration has problems:\n" + problems.map { "  - " + $0 }.joined(separator: "\n")
    }
}

/// The data key kept in a file of its own (mode 0600) when none is given in the environment.
enum DataKeyFile {
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    static func loadOrCreate(at path: String) throws -> Data {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            let attributes = try manager.attributesOfItem(atPath: path)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw Problem(description: "the key file \(path) is readable by others: chmod 600 \(path)")
            }
            let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let key = Data(base64Encoded: text), key.count == 32 else {
                throw Problem(description: "the key file \(path) does not hold a 32-byte base64 key")
            }
            return key
        }
        let key = FieldCipher.generateDataKey()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard manager.createFile(atPath: path, contents: Data((key.base64EncodedString() + "\n").utf8),
                                 attributes: [.posixPermissions: 0o600])
        else { throw Problem(description: "cannot create the key file \(path)") }
        return key
    }
}
