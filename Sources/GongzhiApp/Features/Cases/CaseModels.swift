import Fluent
import Foundation
import GongzhiCore

/// A case (诉求/事件): where it is, what it is, who handles it, its state and its time limits.
final class CaseRecord: Model, @unchecked Sendable {
    static let schema = "cases"

    @ID(key: .id) var id: UUID?
    /// A number people can read out on the phone: GZ + date + sequence.
    @Field(key: "number") var number: String
    @Field(key: "title") var title: String
    @Field(key: "description") var details: String
    @Field(key: "channel") var channel: String
    @Field(key: "public") var isPublic: Bool
    @Field(key: "anonymous") var anonymous: Bool
    /// SHA-256 of an anonymous submitter's tracking code.
    @OptionalField(key: "tracking_hash") var trackingHash: String?
    @OptionalField(key: "submitter_user_id") var submitterUserID: UUID?
    @OptionalField(key: "submitter_person_id") var submitterPersonID: UUID?
    // Classification
    @Field(key: "catalogue_version") var catalogueVersion: Int
    @Field(key: "item_code") var itemCode: String
    @Field(key: "category") var category: String
    @Field(key: "classification_score") var classificationScore: Double
    @OptionalField(key: "override_reason") var overrideReason: String?
    // Place
    @Field(key: "place_path") var placePath: String
    @OptionalField(key: "building_id") var buildingID: UUID?
    @Field(key: "address") var address: String
    @OptionalField(key: "latitude") var latitude: Double?
    @OptionalField(key: "longitude") var longitude: Double?
    // Handler
    @Field(key: "handler_node_id") var handlerNodeID: UUID
    @Field(key: "handler_path") var handlerPath: String
    @Field(key: "handler_party") var handlerParty: ResponsibleParty
    @Field(key: "handler_department") var handlerDepartment: String
    @OptionalField(key: "accused_path") var accusedPath: String?
    /// A report's person, as the resident named them ("城管队员 李某"): shown to those who handle the report.
    @OptionalField(key: "accused_person") var accusedPerson: String?
    // Workflow
    @Field(key: "state") var state: CaseState
    @Field(key: "returns") var returns: Int
    @Field(key: "reopens") var reopens: Int
    @OptionalField(key: "suspended_from") var suspendedFrom: CaseState?
    @Field(key: "arbitrated") var arbitrated: Bool
    @Field(key: "supervised") var supervised: Bool
    @OptionalField(key: "merged_into") var mergedInto: UUID?
    // Time limits
    @Field(key: "response_hours") var responseHours: Int
    @Field(key: "completion_days") var completionDays: Int
    @Field(key: "extension_days") var extensionDays: Int
    @Field(key: "opened_at") var openedAt: Date
    @Field(key: "response_due_at") var responseDueAt: Date
    @Field(key: "completion_due_at") var completionDueAt: Date
    @Field(key: "sla_level") var slaLevel: SLAClock.Level
    /// The deadlines reach into a year whose holiday arrangement is not loaded (`CaseDeadlines.provisional`).
    @Field(key: "deadlines_provisional") var deadlinesProvisional: Bool
    /// An emergency (`EmergencyRule`): minutes to take it, on the clock; nil for every other case.
    @OptionalField(key: "emergency_minutes") var emergencyMinutes: Int?
    @OptionalField(key: "signed_at") var signedAt: Date?
    @OptionalField(key: "replied_at") var repliedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    // Follow-up
    @OptionalField(key: "rating_solved") var ratingSolved: Bool?
    @OptionalField(key: "rating_satisfaction") var ratingSatisfaction: String?
    @Field(key: "event_count") var eventCount: Int
    // Intake details
    /// Answers to the item's questions (code → values), as JSON.
    @OptionalField(key: "answers_json") var answersJSON: String?
    /// The Open311 client that submitted it.
    @OptionalField(key: "api_key_id") var apiKeyID: UUID?
    /// Name, phone and e-mail sent by an Open311 client, encrypted (`FieldCipher.Field.caseContact`).
    @OptionalField(key: "contact_sealed") var contactSealed: String?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] {
        [
            $id, $number, $title, $details, $channel, $isPublic, $anonymous, $trackingHash, $submitterUserID, $submitterPersonID,
            $catalogueVersion, $itemCode, $category, $classificationScore, $overrideReason, $placePath, $buildingID, $address, $latitude,
            $longitude, $handlerNodeID, $handlerPath, $handlerParty, $handlerDepartment, $accusedPath, $accusedPerson, $state, $returns, $reopens,
            $suspendedFrom, $arbitrated, $supervised, $mergedInto, $responseHours, $completionDays, $extensionDays, $openedAt,
            $responseDueAt, $completionDueAt, $slaLevel, $deadlinesProvisional, $emergencyMinutes, $signedAt, $repliedAt, $closedAt, $ratingSolved, $ratingSatisfaction, $eventCount,
            $answersJSON, $apiKeyID, $contactSealed, $updatedAt
        ]
    }

    init() {}

    var answers: [String: [String]] {
        get { answersJSON.flatMap { try? JSONDecoder().decode([String: [String]].self, from: Data($0.utf8)) } ?? [:] }
        set {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            answersJSON = newValue.isEmpty ? nil : (try? encoder.encode(newValue)).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    var snapshot: CaseSnapshot {
        get {
            CaseSnapshot(state: state, returns: returns, reopens: reopens, suspendedFrom: suspendedFrom,
                         arbitrated: arbitrated, supervised: supervised)
        }
        set {
            state = newValue.state
            returns = newValue.returns
            reopens = newValue.reopens
            suspendedFrom = newValue.suspendedFrom
            arbitrated = newValue.arbitrated
            supervised = newValue.supervised
        }
    }

    var facts: CasePolicy.Facts { facts(followers: []) }

    /// The facts with the accounts following the case through merged duplicates.
    func facts(followers: [AccountID]) -> CasePolicy.Facts {
        CasePolicy.Facts(placePath: OrgPath(placePath) ?? .root, handlerPath: OrgPath(handlerPath) ?? .root,
                         submitterUserID: submitterUserID.map(AccountID.init), accusedPath: accusedPath.flatMap(OrgPath.init),
                         followerUserIDs: followers)
    }

    /// An emergency (`EmergencyRule`) still open that the one responsible has not signed for: first in every
    /// queue, marked, warned about.
    var isPendingEmergency: Bool { emergencyMinutes != nil && signedAt == nil && state.isOpen }
}

/// One step in a case's timeline: who did what, when, with what note.
final class CaseEventRecord: Model, @unchecked Sendable {
    static let schema = "case_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "seq") var seq: Int
    @Field(key: "action") var action: String
    @OptionalField(key: "from_state") var fromState: CaseState?
    @Field(key: "to_state") var toState: CaseState
    /// The acting account, or nil for the system (auto-close) or an anonymous submitter.
    @OptionalField(key: "actor_user_id") var actorUserID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "note") var note: String
    @Field(key: "at") var at: Date
    /// The org the case went to (dispatch, arbitration, escalation), by its name at the time.
    @OptionalField(key: "target") var target: String?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $caseID, $seq, $action, $fromState, $toState, $actorUserID, $actorName, $note, $at, $target] }

    init() {}

    init(caseID: UUID, seq: Int, action: String, from: CaseState?, to: CaseState, actorUserID: UUID?, actorName: String, note: String, at: Date,
         target: String? = nil) {
        self.target = target
        self.caseID = caseID
        self.seq = seq
        self.action = action
        self.fromState = from
        self.toState = to
        self.actorUserID = actorUserID
        self.actorName = actorName
        self.note = note
        self.at = at
    }
}

/// A suspension: the SLA clock stops between `startedAt` and `endedAt`.
final class CasePauseRecord: Model, @unchecked Sendable {
    static let schema = "case_pauses"

    @ID(key: .id) var id: UUID?
    @Field(key: "case_id") var caseID: UUID
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "ended_at") var endedAt: Date?

    /// Every property wrapper above, in order, listed by hand: Fluent would otherwise find them by reflection
    /// on every row read or written (`ModelRegistry`; a test compares the list with reflection).
    var properties: [any AnyProperty] { [$id, $caseID, $startedAt, $endedAt] }

    init() {}

    init(caseID: UUID, startedAt: Date) {
        self.caseID = caseID
        self.startedAt = startedAt
    }
}
