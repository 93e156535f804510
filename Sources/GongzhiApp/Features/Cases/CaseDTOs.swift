import Foundation
import GongzhiCore
import Vapor

struct CaseEventDTO: Content {
    let seq: Int
    let action: String
    let fromState: CaseState?
    let toState: CaseState
    let actor: String
    var note: String
    let at: Date
    /// Photos attached with this step (ids under the case's attachments).
    var attachments: [UUID]?

    /// `showActor: false` for the public tracking page, which shows only the notes that answer the resident.
    init(_ event: CaseEventRecord, showActor: Bool = true) {
        seq = event.seq
        action = event.action
        fromState = event.fromState
        toState = event.toState
        actor = showActor ? event.actorName : ""
        note = showActor || CaseAction.noteAudience(ofEvent: event.action).isRead(by: .everyone) ? event.note : ""
        at = event.at
    }
}

/// A case as its viewer sees it. Never names the submitter: anonymous reports stay anonymous.
struct CaseDTO: Content {
    let id: UUID
    let number: String
    private(set) var title: String
    private(set) var description: String
    let state: CaseState
    let itemCode: String
    let category: String
    let catalogueVersion: Int
    let classificationScore: Double
    let channel: String
    let `public`: Bool
    let anonymous: Bool
    let address: String
    let latitude: Double?
    let longitude: Double?
    let handlerNodeId: UUID
    let handlerParty: ResponsibleParty
    let handlerDepartment: String
    let returns: Int
    let reopens: Int
    let supervised: Bool
    let arbitrated: Bool
    let openedAt: Date
    let responseDueAt: Date
    let completionDueAt: Date
    let slaLevel: SLAClock.Level
    /// The deadlines reach into a year whose holiday arrangement is not loaded: computed again when it is.
    let deadlinesProvisional: Bool
    let signedAt: Date?
    let repliedAt: Date?
    let closedAt: Date?
    let ratingSolved: Bool?
    let ratingSatisfaction: String?
    let mergedInto: UUID?
    /// Answers to the item's questions.
    private(set) var answers: [String: [String]]
    var timeline: [CaseEventDTO]?
    /// What the viewer may do now.
    var actions: [String]?
    /// Only in the answer to an anonymous submission: the code to follow the case with.
    var trackingCode: String?
    /// Only in the answer to a submission: the classifier's proposals.
    var proposals: [ProposalDTO]?
    /// Only in the answer to a staff submission: open cases of the same item at the same place (to merge).
    var possibleDuplicates: [UUID]?

    struct ProposalDTO: Content {
        let itemCode: String
        let score: Double
    }

    /// The same case without its description or answers (for a follower of a private case).
    /// Mobile and ID numbers typed into the title, description and notes masked, for a reader who may not see them
    /// (`CaseText`).
    func maskingNumbers() -> CaseDTO {
        var copy = self
        copy.title = Masking.numbersInText(title)
        copy.description = Masking.numbersInText(description)
        copy.timeline = timeline?.map { event in
            var event = event
            event.note = Masking.numbersInText(event.note)
            return event
        }
        return copy
    }

    func withoutDescription() -> CaseDTO {
        var copy = self
        copy.description = ""
        copy.answers = [:]
        return copy
    }

    init(_ r: CaseRecord) {
        id = r.id!
        number = r.number
        title = r.title
        description = r.details
        state = r.state
        itemCode = r.itemCode
        category = r.category
        catalogueVersion = r.catalogueVersion
        classificationScore = r.classificationScore
        channel = r.channel
        self.public = r.isPublic
        anonymous = r.anonymous
        address = r.address
        latitude = r.latitude
        longitude = r.longitude
        handlerNodeId = r.handlerNodeID
        handlerParty = r.handlerParty
        handlerDepartment = r.handlerDepartment
        returns = r.returns
        reopens = r.reopens
        supervised = r.supervised
        arbitrated = r.arbitrated
        openedAt = r.openedAt
        responseDueAt = r.responseDueAt
        completionDueAt = r.completionDueAt
        deadlinesProvisional = r.deadlinesProvisional
        slaLevel = r.slaLevel
        signedAt = r.signedAt
        repliedAt = r.repliedAt
        closedAt = r.closedAt
        ratingSolved = r.ratingSolved
        ratingSatisfaction = r.ratingSatisfaction
        mergedInto = r.mergedInto
        answers = r.answers
    }
}
