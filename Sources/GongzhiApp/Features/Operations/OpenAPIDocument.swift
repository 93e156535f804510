import Foundation
import GongzhiCore
import Vapor

/// The OpenAPI 3 document of `/api/v1`, served at `/openapi.json`. Every API route has an entry here (a test
/// compares the routes the app registers with this list).
enum OpenAPIDocument {
    struct Operation {
        let method: String
        let path: String
        let tag: String
        let summary: String
        var query: [String] = []
        var body: [String: String]? = nil
        var required: [String] = []
        var bodyType: String = "application/json"
        var success: Int = 200
        var auth: Bool = true
        /// Closed sets of values of this operation's own path and query parameters (where a name means something else elsewhere).
        var ownValues: [String: [String]] = [:]
        /// This operation's query parameters that take any text (where the name is a closed set elsewhere).
        var freeText: [String] = []
        /// What a success answer carries (nothing for 204).
        var answer: Answer = .none
    }

    /// The body of a success answer: its media types and, for JSON, the schema of the type the handler returns.
    struct Answer: Sendable {
        let mediaTypes: [String]
        let schema: @Sendable () -> [String: Any]

        static let none = Answer(mediaTypes: [], schema: { [:] })
        static let images = Answer(mediaTypes: ["image/jpeg", "image/png", "image/webp"], schema: { ["type": "string", "format": "binary"] })
        /// Open311 answers in the format its file name asks for (`services.xml`, `requests.json`).
        static let open311 = Answer(mediaTypes: ["text/xml", "application/json"], schema: { [:] })

        static func json<T: Decodable & SendableMetatype>(_ type: T.Type) -> Answer { Answer(mediaTypes: ["application/json"], schema: { TypeSchema.of(T.self) }) }
        static func media(_ types: String...) -> Answer { Answer(mediaTypes: types, schema: { [:] }) }
    }

    static let operations: [Operation] = [
        Operation(method: "post", path: "/api/v1/auth/token", tag: "accounts",
                  summary: "Sign in: a bearer token (shown once); `otp`, the authenticator code, for an account with a second factor",
                  body: ["username": "string", "password": "string", "name": "string", "otp": "string"], success: 201, auth: false, answer: .json(LoginController.TokenResponse.self)),
        Operation(method: "delete", path: "/api/v1/auth/token", tag: "accounts", summary: "Revoke the token in use", success: 204),
        Operation(method: "get", path: "/api/v1/me", tag: "accounts", summary: "Who am I, with my role grants", answer: .json(LoginController.MeResponse.self)),
        Operation(method: "post", path: "/api/v1/me/password", tag: "accounts", summary: "Change my password (ends every session)",
                  body: ["currentPassword": "string", "newPassword": "string"], success: 204),
        Operation(method: "get", path: "/api/v1/me/data", tag: "accounts", summary: "A copy of everything kept about me (JSON download, audited)", answer: .json(PersonalDataExport.Document.self)),
        Operation(method: "post", path: "/api/v1/me/erasure", tag: "accounts", summary: "Erase my account (residents; password and confirm: true)",
                  body: ["password": "string", "confirm": "yes"], required: ["password", "confirm"], success: 204),
        Operation(method: "get", path: "/api/v1/users", tag: "accounts", summary: "Accounts and their grants (security admin)", answer: .json([AccountsController.UserDTO].self)),
        Operation(method: "post", path: "/api/v1/users", tag: "accounts", summary: "Create an account",
                  body: ["username": "string", "displayName": "string", "password": "string", "personId": "uuid"], success: 201, answer: .json(AccountsController.UserDTO.self)),
        Operation(method: "post", path: "/api/v1/users/{id}/grants", tag: "accounts", summary: "Grant a role at a node",
                  body: ["role": "role", "nodeId": "uuid"], required: ["role"], success: 201, answer: .json(AccountsController.UserDTO.Grant.self)),
        Operation(method: "delete", path: "/api/v1/users/{id}/grants/{grantId}", tag: "accounts", summary: "Revoke a grant", success: 204),
        Operation(method: "post", path: "/api/v1/users/{id}/disable", tag: "accounts", summary: "Disable an account (ends its sessions)", success: 204),
        Operation(method: "post", path: "/api/v1/users/{id}/enable", tag: "accounts", summary: "Enable an account", success: 204),
        Operation(method: "post", path: "/api/v1/users/{id}/second-factor/reset", tag: "accounts",
                  summary: "Clear an account's authenticator (a lost phone; ends its sessions)", success: 204),
        Operation(method: "get", path: "/api/v1/org/nodes", tag: "organisation", summary: "Nodes of the tree", query: ["parentId", "level", "offset", "limit"], answer: .json(ListPage<OrgNodeDTO>.self)),
        Operation(method: "post", path: "/api/v1/org/nodes", tag: "organisation", summary: "Create a node",
                  body: ["parentId": "uuid", "level": "level", "name": "name", "code": "string"], required: ["parentId", "level", "name"], success: 201, answer: .json(OrgNodeDTO.self)),
        Operation(method: "get", path: "/api/v1/org/nodes/{id}", tag: "organisation", summary: "A node", answer: .json(OrgNodeDTO.self)),
        Operation(method: "patch", path: "/api/v1/org/nodes/{id}", tag: "organisation", summary: "Rename or recode a node", body: ["name": "string", "code": "string"], answer: .json(OrgNodeDTO.self)),
        Operation(method: "post", path: "/api/v1/org/nodes/{id}/move", tag: "organisation", summary: "Move a node with its subtree", body: ["parentId": "uuid"], answer: .json(OrgNodeDTO.self)),
        Operation(method: "get", path: "/api/v1/org/compounds", tag: "organisation", summary: "Compounds", query: ["communityId", "offset", "limit"], answer: .json(ListPage<CompoundDTO>.self)),
        Operation(method: "post", path: "/api/v1/org/compounds", tag: "organisation", summary: "Create a compound",
                  body: ["communityId": "uuid", "name": "name", "address": "short", "commercial": "boolean"], success: 201, answer: .json(CompoundDTO.self)),
        Operation(method: "get", path: "/api/v1/org/compounds/{id}", tag: "organisation", summary: "A compound", answer: .json(CompoundDTO.self)),
        Operation(method: "patch", path: "/api/v1/org/compounds/{id}", tag: "organisation", summary: "Edit a compound",
                  body: ["name": "name", "address": "short", "commercial": "boolean"], answer: .json(CompoundDTO.self)),
        Operation(method: "get", path: "/api/v1/org/buildings", tag: "organisation", summary: "Buildings", query: ["compoundId", "gridId", "offset", "limit"], answer: .json(ListPage<BuildingDTO>.self)),
        Operation(method: "post", path: "/api/v1/org/buildings", tag: "organisation", summary: "Create a building",
                  body: ["compoundId": "uuid", "gridId": "uuid", "name": "name", "latitude": "latitude", "longitude": "longitude"],
                  required: ["compoundId", "gridId", "name"], success: 201, answer: .json(BuildingDTO.self)),
        Operation(method: "get", path: "/api/v1/org/buildings/{id}", tag: "organisation", summary: "A building", answer: .json(BuildingDTO.self)),
        Operation(method: "patch", path: "/api/v1/org/buildings/{id}", tag: "organisation", summary: "Rename a building or move it to another grid",
                  body: ["name": "name", "gridId": "uuid", "latitude": "latitude", "longitude": "longitude"], answer: .json(BuildingDTO.self)),
        Operation(method: "get", path: "/api/v1/org/units", tag: "organisation", summary: "Units", query: ["buildingId", "offset", "limit"], answer: .json(ListPage<UnitDTO>.self)),
        Operation(method: "post", path: "/api/v1/org/units", tag: "organisation", summary: "Create a unit (area in m², two decimals)",
                  body: ["buildingId": "uuid", "number": "string", "area": "string", "developerHeld": "boolean"], success: 201, answer: .json(UnitDTO.self)),
        Operation(method: "get", path: "/api/v1/org/units/{id}", tag: "organisation", summary: "A unit", answer: .json(UnitDTO.self)),
        Operation(method: "patch", path: "/api/v1/org/units/{id}", tag: "organisation", summary: "Edit a unit",
                  body: ["number": "string", "area": "string", "developerHeld": "boolean", "voteRepresentativeId": "uuid"], answer: .json(UnitDTO.self)),
        Operation(method: "get", path: "/api/v1/households", tag: "people", summary: "Households", query: ["unitId", "offset", "limit"], answer: .json(ListPage<HouseholdDTO>.self)),
        Operation(method: "post", path: "/api/v1/households", tag: "people", summary: "Create a household", body: ["unitId": "uuid", "label": "label"], required: ["unitId"], success: 201, answer: .json(HouseholdDTO.self)),
        Operation(method: "get", path: "/api/v1/households/{id}", tag: "people", summary: "A household with its members (masked)", answer: .json(HouseholdDTO.self)),
        Operation(method: "post", path: "/api/v1/households/{id}/members", tag: "people", summary: "Add or change a member",
                  body: ["personId": "uuid", "relation": "relation", "resides": "boolean"], required: ["personId", "relation"], success: 204),
        Operation(method: "delete", path: "/api/v1/households/{id}/members/{personId}", tag: "people", summary: "Remove a member", success: 204),
        Operation(method: "get", path: "/api/v1/persons", tag: "people", summary: "Persons (masked)", query: ["householdId", "offset", "limit"], answer: .json(ListPage<PersonDTO>.self)),
        Operation(method: "post", path: "/api/v1/persons", tag: "people", summary: "Register a person in a household",
                  body: ["householdId": "uuid", "name": "name", "idNumber": "string", "phone": "string", "relation": "relation", "resides": "boolean"],
                  required: ["householdId", "name", "idNumber"], success: 201, answer: .json(PersonDTO.self)),
        Operation(method: "post", path: "/api/v1/persons/lookup", tag: "people", summary: "Find by exact ID or mobile number (keyed hash)",
                  body: ["idNumber": "string", "phone": "string"], answer: .json([PersonDTO].self)),
        Operation(method: "get", path: "/api/v1/persons/{id}", tag: "people", summary: "A person (masked)", answer: .json(PersonDTO.self)),
        Operation(method: "patch", path: "/api/v1/persons/{id}", tag: "people", summary: "Edit a person", body: ["name": "string", "idNumber": "string", "phone": "string"], answer: .json(PersonDTO.self)),
        Operation(method: "post", path: "/api/v1/persons/{id}/unmask", tag: "people", summary: "Full numbers, with a reason (audited)", body: ["reason": "string"], answer: .json(UnmaskedDTO.self)),
        Operation(method: "post", path: "/api/v1/import/residents", tag: "people", summary: "Import units and residents from CSV",
                  query: ["communityId"], required: ["communityId"], bodyType: "text/csv", answer: .json(ImportResidents.Report.self)),
        Operation(method: "get", path: "/api/v1/rectifications", tag: "supervision", summary: "Rectification items at my places", query: ["state"],
                  ownValues: ["state": RectificationRules.State.allCases.map(\.rawValue)], answer: .json([RectificationDTO].self)),
        Operation(method: "post", path: "/api/v1/rectifications", tag: "supervision", summary: "Open a rectification item for an org (supervisors)",
                  body: ["ownerNodeId": "uuid", "finding": "text2000", "plan": "text2000", "deadline": "dateOnly"], required: ["ownerNodeId", "finding", "deadline"],
                  success: 201, answer: .json(RectificationDTO.self)),
        Operation(method: "get", path: "/api/v1/rectifications/{id}", tag: "supervision", summary: "One rectification item", answer: .json(RectificationDTO.self)),
        Operation(method: "post", path: "/api/v1/rectifications/{id}/{step}", tag: "supervision",
                  summary: "Hand in evidence (submit: the owner), verify or send back (send_back: a supervisor above)", body: ["text": "text"],
                  ownValues: ["step": RectificationRules.Step.allCases.map(\.rawValue)], answer: .json(RectificationDTO.self)),
        Operation(method: "get", path: "/api/v1/audit", tag: "audit", summary: "Audit entries, newest first (audit admin)", query: ["actor", "action", "objectType", "objectId", "outcome", "from", "to", "before", "limit"],
                  ownValues: ["outcome": AuditSearch.outcomes], freeText: ["action"], answer: .json([AuditController.EntryDTO].self)),
        Operation(method: "get", path: "/api/v1/audit/verify", tag: "audit", summary: "Verify the hash chain", answer: .json(AuditController.VerifyDTO.self)),
        Operation(method: "get", path: "/api/v1/catalogue", tag: "cases", summary: "The affairs catalogue in force", answer: .json(Catalogue.self)),
        Operation(method: "post", path: "/api/v1/catalogue", tag: "cases", summary: "Import a whole catalogue as a new version", success: 201, answer: .json(Catalogue.self)),
        Operation(method: "get", path: "/api/v1/catalogue/export", tag: "cases", summary: "Export a version as JSON or CSV", query: ["version", "format"], answer: .media("application/json", "text/csv")),
        Operation(method: "patch", path: "/api/v1/catalogue/items/{code}", tag: "cases", summary: "Edit an item (publishes a new version)",
                  body: ["name": "string", "responseHours": "integer", "completionDays": "integer"], answer: .json(CatalogueItem.self)),
        Operation(method: "post", path: "/api/v1/cases", tag: "cases", summary: "Submit a case (classified, routed, timed)",
                  body: ["title": "name", "description": "text", "buildingId": "uuid", "gridId": "uuid", "address": "short", "itemCode": "string",
                         "latitude": "latitude", "longitude": "longitude", "overrideReason": "text500", "channel": "channel", "public": "boolean",
                         "anonymous": "boolean", "accusedNodeId": "uuid", "answers": "answers"], required: ["title"], success: 201, answer: .json(CaseDTO.self)),
        Operation(method: "get", path: "/api/v1/cases", tag: "cases", summary: "Cases the caller may see", query: ["state", "slaLevel", "offset", "limit"], answer: .json(ListPage<CaseDTO>.self)),
        Operation(method: "get", path: "/api/v1/cases/track/{code}", tag: "cases", summary: "Follow an anonymous case by its code", auth: false, answer: .json(CasesAPIController.TrackDTO.self)),
        Operation(method: "get", path: "/api/v1/cases/{id}", tag: "cases", summary: "A case with its timeline and the caller's possible actions", answer: .json(CaseDTO.self)),
        Operation(method: "post", path: "/api/v1/cases/{id}/actions/{action}", tag: "cases", summary: "Act on a case (409 names the allowed actions)",
                  body: ["note": "text2000", "handlerNodeId": "uuid", "mergeInto": "uuid", "extraDays": "integer", "solved": "boolean", "satisfaction": "satisfaction",
                         "calledAt": "datetime", "attachmentIds": "uuids"], answer: .json(CaseDTO.self)),
        Operation(method: "get", path: "/api/v1/cases/{id}/attachments", tag: "cases", summary: "The case's photos", answer: .json([CaseAttachmentsAPIController.AttachmentDTO].self)),
        Operation(method: "post", path: "/api/v1/cases/{id}/attachments", tag: "cases", summary: "Attach a photo (JPEG, PNG, WebP; ≤ 5 MB; ≤ 6)",
                  bodyType: "multipart/form-data", success: 201, answer: .json(CaseAttachmentsAPIController.AttachmentDTO.self)),
        Operation(method: "get", path: "/api/v1/cases/{id}/attachments/{attachmentId}", tag: "cases", summary: "A photo", answer: .images),
        Operation(method: "get", path: "/api/v1/notices", tag: "cases", summary: "My notices: merged cases, replies, closings", query: ["offset", "limit"], answer: .json(ListPage<CaseNoticeDTO>.self)),
        Operation(method: "post", path: "/api/v1/notices/{id}/read", tag: "cases", summary: "Mark one of my notices read", answer: .json(CaseNoticeDTO.self)),
        Operation(method: "get", path: "/api/v1/warnings", tag: "cases", summary: "Early warnings at the caller's places (open and acknowledged by default)",
                  query: ["state"], ownValues: ["state": WarningRules.State.allCases.map(\.rawValue)], answer: .json([WarningDTO].self)),
        Operation(method: "get", path: "/api/v1/warning-settings", tag: "cases", summary: "The early-warning thresholds (hotspots, repeat complainants)", answer: .json(WarningRules.Settings.self)),
        Operation(method: "put", path: "/api/v1/warning-settings", tag: "cases", summary: "Change some early-warning thresholds (system administrator)",
                  body: ["hotspotWindowDays": "integer", "hotspotBaselineDays": "integer", "hotspotFactor": "number", "hotspotMinimum": "integer",
                         "repeatDays": "integer", "repeatMinimum": "integer"], answer: .json(WarningRules.Settings.self)),
        Operation(method: "post", path: "/api/v1/warnings/{id}/{step}", tag: "cases", summary: "Acknowledge or resolve a warning",
                  body: ["note": "text1000"], ownValues: ["step": WarningRules.Step.allCases.map(\.rawValue)], answer: .json(WarningDTO.self)),
        Operation(method: "post", path: "/api/v1/me/data", tag: "accounts", summary: "My data with my ID and phone numbers whole: the password (and code) again",
                  body: ["password": "string", "otp": "string"], required: ["password"], answer: .json(PersonalDataExport.Document.self)),
        Operation(method: "post", path: "/api/v1/persons/{id}/account", tag: "people",
                  summary: "Link an existing account to this resident, saying how the worker confirmed who they are (a person has one account)",
                  body: ["userId": "uuid", "evidence": "text"], required: ["userId", "evidence"], answer: .json(PeopleAPIController.LinkedAccountDTO.self)),
        Operation(method: "get", path: "/api/v1/follow-ups", tag: "cases", summary: "Follow-ups after closing due at the caller's places, soonest first",
                  answer: .json([FollowUpDTO].self)),
        Operation(method: "post", path: "/api/v1/follow-ups/{id}", tag: "cases", summary: "Record a follow-up: the resident reached (what they said, solved, satisfaction) or not",
                  body: ["reached": "boolean", "residentSaid": "text2000", "solved": "boolean", "satisfaction": "satisfaction"], required: ["reached"],
                  answer: .json(FollowUpDTO.self)),
        Operation(method: "get", path: "/api/v1/kpis", tag: "cases", summary: "KPIs of the caller's cases", query: ["from", "to", "by"], answer: .json(KPIAPIController.Answer.self)),
        Operation(method: "get", path: "/api/v1/owner-votes", tag: "deliberation", summary: "Owners' votes the caller may see", query: ["offset", "limit"], answer: .json(ListPage<OwnerVoteDTO>.self)),
        Operation(method: "post", path: "/api/v1/owner-votes", tag: "deliberation", summary: "Draft an owners' vote of a compound (Art. 278 matter)",
                  body: ["compoundId": "uuid", "title": "name", "description": "text", "matter": "matter", "closesAt": "datetime"],
                  required: ["compoundId", "title", "matter", "closesAt"], success: 201, answer: .json(OwnerVoteDTO.self)),
        Operation(method: "get", path: "/api/v1/owner-votes/{id}", tag: "deliberation",
                  summary: "A vote: participation while open, the published tally once closed, the caller's own ballot", answer: .json(OwnerVoteDTO.self)),
        Operation(method: "post", path: "/api/v1/owner-votes/{id}/open", tag: "deliberation", summary: "Fix the electorate and open the vote", answer: .json(OwnerVoteDTO.self)),
        Operation(method: "post", path: "/api/v1/owner-votes/{id}/close", tag: "deliberation", summary: "Close after its time, tally and publish", answer: .json(OwnerVoteDTO.self)),
        Operation(method: "post", path: "/api/v1/owner-votes/{id}/ballots", tag: "deliberation",
                  summary: "Cast or change my ballot (owners only; the last one counts); returns the receipt code",
                  body: ["choice": "choice", "voterKey": "string"], required: ["choice"], success: 201, answer: .json(OwnerVoteBallotDTO.self)),
        Operation(method: "post", path: "/api/v1/owner-votes/{id}/paper-ballots", tag: "deliberation",
                  summary: "Enter a paper ballot for a voter (staff), with the photo of the signed sheet; 409 when the owner voted online",
                  body: ["choice": "choice", "voterKey": "string", "photo": "binary"], required: ["choice", "voterKey", "photo"],
                  bodyType: "multipart/form-data", success: 201, answer: .json(OwnerVoteBallotDTO.self)),
        Operation(method: "get", path: "/api/v1/owner-votes/{id}/voters", tag: "deliberation", summary: "The electorate and who has voted (staff)", answer: .json([OwnerVoteVoterDTO].self)),
        Operation(method: "get", path: "/api/v1/owner-votes/{id}/receipts/{code}", tag: "deliberation", summary: "Check a receipt code: received, counted or replaced", answer: .json(OwnerVoteReceiptDTO.self)),
        Operation(method: "get", path: "/api/v1/needs", tag: "deliberation", summary: "The needs list of the caller's communities",
                  query: ["state", "offset", "limit"], ownValues: ["state": NeedRules.State.allCases.map(\.rawValue)], answer: .json(ListPage<NeedDTO>.self)),
        Operation(method: "post", path: "/api/v1/needs", tag: "deliberation", summary: "Raise a need (residents: in their community)",
                  body: ["title": "name", "description": "text", "place": "short", "communityId": "uuid", "compoundId": "uuid"], required: ["title"], success: 201, answer: .json(NeedDTO.self)),
        Operation(method: "get", path: "/api/v1/needs/suggestions", tag: "deliberation", summary: "Repeated cases (same item, same compound, ≥ 3 in 90 days) to turn into needs", answer: .json([NeedSuggestionDTO].self)),
        Operation(method: "post", path: "/api/v1/needs/from-cases", tag: "deliberation", summary: "Turn similar cases into one need, linking them",
                  body: ["caseIds": "caseIds", "title": "name"], required: ["caseIds"], success: 201, answer: .json(NeedDTO.self)),
        Operation(method: "get", path: "/api/v1/needs/{id}", tag: "deliberation", summary: "A need with its support, threshold and cases", answer: .json(NeedDTO.self)),
        Operation(method: "post", path: "/api/v1/needs/{id}/photos", tag: "deliberation", summary: "Add photos to a need (JPEG, PNG, WebP; ≤ 5 MB; ≤ 6)",
                  bodyType: "multipart/form-data", answer: .json(NeedDTO.self)),
        Operation(method: "get", path: "/api/v1/needs/{id}/photos/{photoId}", tag: "deliberation", summary: "A need's photo", answer: .images),
        Operation(method: "post", path: "/api/v1/needs/{id}/support", tag: "deliberation", summary: "Support a need (附议), once; at the threshold it becomes a topic", answer: .json(NeedDTO.self)),
        Operation(method: "post", path: "/api/v1/needs/{id}/take-up", tag: "deliberation", summary: "The committee takes it up as a topic", body: ["note": "text2000"], answer: .json(NeedDTO.self)),
        Operation(method: "post", path: "/api/v1/needs/{id}/decline", tag: "deliberation", summary: "Decline an open need, with the reason", body: ["note": "text2000"], required: ["note"], answer: .json(NeedDTO.self)),
        Operation(method: "post", path: "/api/v1/needs/{id}/close", tag: "deliberation", summary: "Close a topic or project", body: ["note": "text2000"], answer: .json(NeedDTO.self)),
        Operation(method: "get", path: "/api/v1/deliberation-settings/{id}", tag: "deliberation", summary: "A community's support threshold", answer: .json(DeliberationSettingsDTO.self)),
        Operation(method: "put", path: "/api/v1/deliberation-settings/{id}", tag: "deliberation", summary: "Set a community's support threshold",
                  body: ["needSupportThreshold": "threshold"], required: ["needSupportThreshold"], answer: .json(DeliberationSettingsDTO.self)),
        Operation(method: "get", path: "/api/v1/polls", tag: "deliberation", summary: "Residents' polls of the caller's communities", query: ["offset", "limit"], answer: .json(ListPage<PollDTO>.self)),
        Operation(method: "post", path: "/api/v1/polls", tag: "deliberation", summary: "Draft a poll (one vote per resident or per household)",
                  body: ["communityId": "uuid", "compoundId": "uuid", "title": "name", "description": "text", "options": "pollOptions",
                         "multipleChoice": "boolean", "unit": "pollUnit", "closesAt": "datetime"],
                  required: ["communityId", "title", "options", "closesAt"], success: 201, answer: .json(PollDTO.self)),
        Operation(method: "get", path: "/api/v1/polls/{id}", tag: "deliberation", summary: "A poll: results once closed (staff: live), my choices", answer: .json(PollDTO.self)),
        Operation(method: "post", path: "/api/v1/polls/{id}/open", tag: "deliberation", summary: "Open a drafted poll", answer: .json(PollDTO.self)),
        Operation(method: "post", path: "/api/v1/polls/{id}/close", tag: "deliberation", summary: "Close a poll and publish its result", answer: .json(PollDTO.self)),
        Operation(method: "post", path: "/api/v1/polls/{id}/votes", tag: "deliberation", summary: "Vote, or change my vote, while it is open",
                  body: ["choices": "pollChoices"], required: ["choices"], success: 201, answer: .json(PollDTO.self)),
        Operation(method: "get", path: "/api/v1/council-members", tag: "deliberation", summary: "The 3+X council rosters the caller may see", query: ["communityId"], answer: .json([CouncilMemberDTO].self)),
        Operation(method: "post", path: "/api/v1/council-members", tag: "deliberation", summary: "Add a council member to a seat",
                  body: ["communityId": "uuid", "compoundId": "uuid", "seat": "seat", "name": "name", "organisation": "short"],
                  required: ["communityId", "seat", "name"], success: 201, answer: .json(CouncilMemberDTO.self)),
        Operation(method: "post", path: "/api/v1/council-members/{id}/retire", tag: "deliberation", summary: "Retire a council member", answer: .json(CouncilMemberDTO.self)),
        Operation(method: "get", path: "/api/v1/meetings", tag: "deliberation", summary: "Council meetings (residents: published ones)", query: ["offset", "limit"], answer: .json(ListPage<MeetingDTO>.self)),
        Operation(method: "post", path: "/api/v1/meetings", tag: "deliberation", summary: "Schedule a meeting with its agenda of topics",
                  body: ["communityId": "uuid", "compoundId": "uuid", "title": "name", "heldAt": "datetime", "place": "short", "agenda": "uuidList"],
                  required: ["communityId", "title", "heldAt"], success: 201, answer: .json(MeetingDTO.self)),
        Operation(method: "get", path: "/api/v1/meetings/{id}", tag: "deliberation", summary: "A meeting: agenda, attendance, minutes, decisions, quorum", answer: .json(MeetingDTO.self)),
        Operation(method: "post", path: "/api/v1/meetings/{id}/record", tag: "deliberation", summary: "Record attendance and minutes",
                  body: ["present": "uuidList", "minutes": "longText"], answer: .json(MeetingDTO.self)),
        Operation(method: "post", path: "/api/v1/meetings/{id}/decisions", tag: "deliberation", summary: "Record a decision (needs the quorum)",
                  body: ["needId": "uuid", "text": "text2000", "outcome": "outcome"], required: ["text", "outcome"], success: 201, answer: .json(MeetingDTO.Decision.self)),
        Operation(method: "post", path: "/api/v1/meetings/{id}/publish", tag: "deliberation", summary: "Publish minutes and decisions to residents", answer: .json(MeetingDTO.self)),
        Operation(method: "get", path: "/api/v1/resources", tag: "deliberation", summary: "The resources list", query: ["offset", "limit"], answer: .json(ListPage<ResourceDTO>.self)),
        Operation(method: "post", path: "/api/v1/resources", tag: "deliberation", summary: "Add an offer to the resources list",
                  body: ["communityId": "uuid", "kind": "resourceKind", "provider": "resourceProvider", "providerName": "name", "title": "name",
                         "description": "text", "amountFen": "fen"], required: ["communityId", "kind", "provider", "providerName", "title"], success: 201, answer: .json(ResourceDTO.self)),
        Operation(method: "get", path: "/api/v1/projects", tag: "deliberation", summary: "The projects list", query: ["offset", "limit"], answer: .json(ListPage<ProjectDTO>.self)),
        Operation(method: "post", path: "/api/v1/projects", tag: "deliberation", summary: "A project from an agreed decision, with funding and milestones",
                  body: ["decisionId": "uuid", "title": "name", "description": "text", "ownerOrg": "name", "budgetFen": "fen", "funding": "funding",
                         "milestones": "milestones"], required: ["decisionId", "title", "ownerOrg", "budgetFen"], success: 201, answer: .json(ProjectDTO.self)),
        Operation(method: "get", path: "/api/v1/projects/{id}", tag: "deliberation", summary: "A project: funding and shortfall, milestones, progress, evaluation", answer: .json(ProjectDTO.self)),
        Operation(method: "post", path: "/api/v1/projects/{id}/actions/{action}", tag: "deliberation",
                  summary: "start, request_acceptance (every milestone done), accept, reopen, cancel", body: ["note": "text2000"],
                  ownValues: ["action": ProjectRules.Action.allCases.map(\.rawValue)], answer: .json(ProjectDTO.self)),
        Operation(method: "post", path: "/api/v1/projects/{id}/milestones/{milestoneId}/done", tag: "deliberation", summary: "Mark a milestone done", answer: .json(ProjectDTO.self)),
        Operation(method: "post", path: "/api/v1/projects/{id}/updates", tag: "deliberation", summary: "Publish a progress report",
                  body: ["text": "text", "percent": "percent"], required: ["text"], success: 201, answer: .json(ProjectDTO.self)),
        Operation(method: "post", path: "/api/v1/projects/{id}/updates/{updateId}/photos", tag: "deliberation",
                  summary: "Add photos to a progress report", bodyType: "multipart/form-data", answer: .json(ProjectDTO.self)),
        Operation(method: "get", path: "/api/v1/projects/{id}/photos/{photoId}", tag: "deliberation", summary: "A progress report's photo", answer: .images),
        Operation(method: "post", path: "/api/v1/projects/{id}/ratings", tag: "deliberation", summary: "Evaluate a project at acceptance (residents)",
                  body: ["rating": "projectRating", "comment": "text1000"], required: ["rating"], success: 201, answer: .json(ProjectDTO.self)),
        // Open311 GeoReport v2: `{file}` is a resource with its format (`services.json`); the bodies are XML or JSON.
        Operation(method: "get", path: "/open311/v2/{file}", tag: "open311",
                  summary: "discovery, services, requests or servicerequestupdates, as .xml or .json",
                  query: ["jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size", "api_key"],
                  auth: false, answer: .open311),
        Operation(method: "post", path: "/open311/v2/{file}", tag: "open311", summary: "Create a service request (requests.xml / requests.json; api_key)",
                  body: ["api_key": "string", "jurisdiction_id": "string", "service_code": "string", "lat": "latitude", "long": "longitude",
                         "address_string": "string", "address_id": "string", "email": "string", "device_id": "string", "account_id": "string",
                         "first_name": "string", "last_name": "string", "phone": "string", "description": "text", "media_url": "string"],
                  bodyType: "application/x-www-form-urlencoded", success: 201, auth: false, answer: .open311),
        Operation(method: "get", path: "/open311/v2/services/{file}", tag: "open311", summary: "A service definition (PRC-001.json)",
                  query: ["jurisdiction_id"], auth: false, answer: .open311),
        Operation(method: "get", path: "/open311/v2/service/{file}", tag: "open311", summary: "The same, singular (used by some clients)",
                  query: ["jurisdiction_id"], auth: false, answer: .open311),
        Operation(method: "get", path: "/open311/v2/requests/{file}", tag: "open311", summary: "One request, as a list of one",
                  query: ["jurisdiction_id"], auth: false, answer: .open311),
        Operation(method: "get", path: "/open311/v2/tokens/{file}", tag: "open311", summary: "The request a token became",
                  query: ["jurisdiction_id"], auth: false, answer: .open311),
    ]

    /// Values a path or query parameter takes, where they are a closed set.
    static let parameterValues: [String: [String]] = [
        "state": CaseState.allCases.map(\.rawValue),
        "slaLevel": SLAClock.Level.allCases.map(\.rawValue),
        "level": OrgLevel.allCases.map(\.rawValue),
        "by": OrgLevel.allCases.map(\.rawValue) + ["category", "handler", "day", "week", "month"],
        "format": ["json", "csv"],
        "action": CaseAction.allCases.map(\.rawValue).filter { !$0.hasPrefix("rate_") } + ["rate"],
        "status": ["open", "closed"],
    ]

    /// The schema of a body field: a JSON type, or one of the names below for the checked kinds.
    static func schema(_ type: String) -> [String: Any] {
        switch type {
        case "uuid": ["type": "string", "format": "uuid"]
        case "name": ["type": "string", "minLength": 1, "maxLength": 100]
        case "text": ["type": "string", "maxLength": 4_000]
        case "text2000": ["type": "string", "maxLength": 2_000]
        case "text1000": ["type": "string", "maxLength": 1_000]
        case "text500": ["type": "string", "maxLength": 500]
        case "label": ["type": "string", "maxLength": 30]
        case "yes": ["type": "boolean", "enum": [true]]
        case "latitude": ["type": "number", "minimum": -90, "maximum": 90]
        case "longitude": ["type": "number", "minimum": -180, "maximum": 180]
        case "role": ["type": "string", "enum": Role.allCases.map(\.rawValue)]
        case "level": ["type": "string", "enum": OrgLevel.allCases.map(\.rawValue)]
        case "relation": ["type": "string", "enum": HouseholdRelation.allCases.map(\.rawValue)]
        case "channel": ["type": "string", "enum": CaseIntake.Channel.allCases.map(\.rawValue)]
        case "satisfaction": ["type": "string", "enum": ["satisfied", "basically_satisfied", "unsatisfied"]]
        case "short": ["type": "string", "maxLength": 200]
        case "threshold": ["type": "integer", "minimum": 1, "maximum": 10_000]
        case "caseIds": ["type": "array", "minItems": 2, "maxItems": 200, "items": ["type": "string", "format": "uuid"]]
        case "pollOptions": ["type": "array", "minItems": 2, "maxItems": 20, "uniqueItems": true, "items": ["type": "string", "minLength": 1, "maxLength": 100]]
        case "pollChoices": ["type": "array", "minItems": 1, "maxItems": 20, "items": ["type": "integer", "minimum": 0, "maximum": 19]]
        case "pollUnit": ["type": "string", "enum": ResidentPoll.Unit.allCases.map(\.rawValue)]
        case "seat": ["type": "string", "enum": CouncilRules.Seat.allCases.map(\.rawValue)]
        case "outcome": ["type": "string", "enum": MeetingDecision.Outcome.allCases.map(\.rawValue)]
        case "resourceKind": ["type": "string", "enum": ResourceOffer.Kind.allCases.map(\.rawValue)]
        case "resourceProvider": ["type": "string", "enum": ResourceOffer.Provider.allCases.map(\.rawValue)]
        case "projectRating": ["type": "string", "enum": ProjectRules.Rating.allCases.map(\.rawValue)]
        case "uuidList": ["type": "array", "maxItems": 30, "items": ["type": "string", "format": "uuid"]]
        case "longText": ["type": "string", "maxLength": 20_000]
        case "fen": ["type": "integer", "minimum": 0, "maximum": 10_000_000_000]
        case "percent": ["type": "integer", "minimum": 0, "maximum": 100]
        case "funding": ["type": "array", "maxItems": 20, "items": ["type": "object", "required": ["source", "amountFen"], "properties": [
            "source": ["type": "string", "enum": ProjectFunding.Source.allCases.map(\.rawValue)], "resourceId": ["type": "string", "format": "uuid"],
            "amountFen": ["type": "integer", "minimum": 1, "maximum": 10_000_000_000], "note": ["type": "string", "maxLength": 200]]]]
        case "milestones": ["type": "array", "maxItems": 30, "items": ["type": "object", "required": ["title", "dueOn"], "properties": [
            "title": ["type": "string", "minLength": 1, "maxLength": 100], "dueOn": ["type": "string", "format": "date"]]]]
        case "datetime": ["type": "string", "format": "date-time"]
        case "binary": ["type": "string", "format": "binary"]
        case "dateOnly": ["type": "string", "format": "date"]
        case "matter": ["type": "string", "enum": OwnersVote.Matter.allCases.map(\.rawValue)]
        case "choice": ["type": "string", "enum": OwnersVote.Choice.allCases.map(\.rawValue)]
        case "uuids": ["type": "array", "maxItems": 6, "items": ["type": "string", "format": "uuid"]]
        case "answers": ["type": "object", "additionalProperties": ["type": "array", "items": ["type": "string"]]]
        default: ["type": type]
        }
    }

    static func parameterSchema(_ name: String) -> [String: Any] {
        if let values = parameterValues[name] { return ["type": "string", "enum": values] }
        switch name {
        case "id", "grantId", "personId", "attachmentId", "milestoneId", "photoId", "updateId", "parentId", "communityId", "compoundId", "gridId", "buildingId", "unitId", "householdId":
            return ["type": "string", "format": "uuid"]
        case "offset": return ["type": "integer", "minimum": 0, "maximum": Paging.maxOffset]
        case "page": return ["type": "integer", "minimum": 1, "maximum": 1_000_000]
        case "from", "to": return ["type": "string", "format": "date"]
        case "limit": return ["type": "integer", "minimum": 1, "maximum": 200]
        case "page_size": return ["type": "integer", "minimum": 1, "maximum": 1_000]
        case "before", "version": return ["type": "integer", "minimum": 1]
        default: return ["type": "string"]
        }
    }

    static var document: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for op in operations {
            var operation: [String: Any] = [
                "tags": [op.tag], "summary": op.summary,
                "operationId": op.method + op.path.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "{", with: "").replacingOccurrences(of: "}", with: ""),
            ]
            var parameters: [[String: Any]] = op.path.split(separator: "/").filter { $0.hasPrefix("{") }.map {
                let name = String($0.dropFirst().dropLast())
                let schema: [String: Any] = op.ownValues[name].map { ["type": "string", "enum": $0] } ?? parameterSchema(name)
                return ["name": name, "in": "path", "required": true, "schema": schema]
            }
            parameters += op.query.map { name in
                let schema: [String: Any] = op.freeText.contains(name) ? ["type": "string", "maxLength": 200]
                    : op.ownValues[name].map { ["type": "string", "enum": $0] } ?? parameterSchema(name)
                // A query parameter is required when the operation lists it so (it has no JSON body then).
                return ["name": name, "in": "query", "required": op.required.contains(name), "schema": schema]
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = op.body {
                var object: [String: Any] = ["type": "object", "properties": body.mapValues(schema)]
                if !op.required.isEmpty { object["required"] = op.required }
                operation["requestBody"] = ["required": true, "content": [op.bodyType: ["schema": object]]]
            } else if op.bodyType != "application/json" {
                operation["requestBody"] = ["required": true, "content": [op.bodyType: ["schema": ["type": "string"]]]]
            }
            let errorSchema: [String: Any] = ["$ref": "#/components/schemas/Error"]
            // Open311 answers errors in the format the file name asked for, as its specification says.
            let error: [String: Any] = ["description": "Error", "content": op.answer.mediaTypes.contains("text/xml")
                ? ["text/xml": ["schema": [String: Any]()], "application/json": ["schema": [String: Any]()]]
                : ["application/json": ["schema": errorSchema]]]
            var success: [String: Any] = ["description": "Success"]
            if !op.answer.mediaTypes.isEmpty {
                let schema = op.answer.schema()
                success["content"] = Dictionary(uniqueKeysWithValues: op.answer.mediaTypes.map { ($0, ["schema": schema]) })
            }
            let busy: [String: Any] = ["description": "Busy: try again after Retry-After seconds",
                                       "content": ["application/json": ["schema": errorSchema]]]
            operation["responses"] = [String(op.success): success, "4XX": error, "503": busy]
            if !op.auth { operation["security"] = [[String: Any]]() }
            paths[op.path, default: [:]][op.method] = operation
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "Gongzhi 共治 API", "version": "1"],
            "servers": [["url": "/"]],
            "security": [["bearer": [String]()]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": ["Error": [
                    "type": "object", "required": ["error"],
                    "properties": ["error": ["type": "object", "required": ["code", "message"], "properties": [
                        "code": ["type": "string"], "message": ["type": "string"], "field": ["type": "string", "nullable": true],
                        "allowed": ["type": "array", "items": ["type": "string"]]]]]]],
            ],
        ]
    }
}

struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json", use: serve)
    }

    @Sendable func serve(_ request: Request) async throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: OpenAPIDocument.document, options: [.sortedKeys, .prettyPrinted])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        return response
    }
}
