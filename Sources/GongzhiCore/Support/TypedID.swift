import Foundation

/// A UUID that says what it identifies: an `AccountID` cannot be passed where a `CaseID` is expected, and neither
/// is a bare string. Written and read as the lowercase UUID text, the form stored in paths and audit entries.
/// Deliberately not `Codable`: a query must bind `.uuid` (a UUID column compared with the text of an id matches
/// nothing on SQLite and fails on PostgreSQL), and the compiler now refuses `\(bind: id)` outright.
public struct TypedID<Kind: IDKind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) { self.uuid = uuid }

    /// Parses the UUID text (any case); nil for anything else.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.uuid = uuid
    }

    /// The lowercase UUID text.
    public var description: String { uuid.uuidString.lowercased() }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

/// What a `TypedID` identifies.
public protocol IDKind: Sendable {}

/// The kinds of `TypedID`.
public enum IDKinds {
    public enum Account: IDKind {}
    public enum Person: IDKind {}
    public enum Case: IDKind {}
    public enum OrgNode: IDKind {}
    public enum Household: IDKind {}
}

/// A sign-in account (`users`).
public typealias AccountID = TypedID<IDKinds.Account>
/// A resident's person record (`persons`).
public typealias PersonID = TypedID<IDKinds.Person>
/// A case (`cases`).
public typealias CaseID = TypedID<IDKinds.Case>
/// A node of the organisation tree (`org_nodes`).
public typealias OrgNodeID = TypedID<IDKinds.OrgNode>
/// A household (`households`).
public typealias HouseholdID = TypedID<IDKinds.Household>
