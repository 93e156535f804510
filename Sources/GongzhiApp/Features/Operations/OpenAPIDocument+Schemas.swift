import Foundation
import GongzhiCore
import Vapor

extension OpenAPIDocument {
    /// Values a path or query parameter takes, where they are a closed set.
    static let parameterValues: [String: [String]] = [
        "state": CaseState.allCases.map(\.rawValue),
        "slaLevel": SLAClock.Level.allCases.map(\.rawValue),
        "level": OrgLevel.allCases.map(\.rawValue),
        "by": OrgLevel.allCases.map(\.rawValue) + ["category", "handler", "party", "day", "week", "month"],
        "kind": PartyKind.allCases.map(\.rawValue),
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
        case "text200": ["type": "string", "maxLength": 200]
        case "label": ["type": "string", "maxLength": 30]
        case "label60": ["type": "string", "maxLength": 60]
        case "lines": ["type": "array", "maxItems": 60, "items": ["type": "string", "maxLength": 200]]
        case "partyKind": ["type": "string", "enum": PartyKind.allCases.map(\.rawValue)]
        case "committeeSeat": ["type": "string", "enum": CommitteeRoster.Seat.allCases.map(\.rawValue)]
        case "feeStandard": ["type": "integer", "minimum": 0, "maximum": 100_000]
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
        case "text20000": ["type": "string", "maxLength": 20_000]
        case "conventionStep": ["type": "string", "enum": Convention.Step.allCases.map(\.rawValue)]
        case "moderation": ["type": "string", "enum": ["publish", "reject"]]
        case "financeMovement": ["type": "string", "enum": CompoundFinances.Movement.allCases.map(\.rawValue)]
        case "financeIncome": ["type": "string", "enum": FundStatement.Income.allCases.map(\.rawValue)]
        case "yuanText": ["type": "string", "pattern": "^[0-9]{1,9}(\\.[0-9]{1,2})?$"]
        case "capacity": ["type": "integer", "minimum": 1, "maximum": 1_000]
        case "registrationKind": ["type": "string", "enum": DualRegistration.Kind.allCases.map(\.rawValue)]
        case "partyDecision": ["type": "string", "enum": ["confirm", "decline"]]
        case "serviceMinutes": ["type": "integer", "minimum": 15, "maximum": DualRegistration.maxMinutes, "multipleOf": 15]
        case "checkInCode": ["type": "string", "pattern": "^[0-9]{6}$"]
        case "activityHours": ["type": "integer", "minimum": 1, "maximum": 12]
        case "volunteerPool": ["type": "string", "enum": VolunteerRecord.Pool.allCases.map(\.rawValue)]
        case "earning": ["type": "string", "enum": PointsRules.Earning.allCases.map(\.rawValue)]
        case "pointsAmount": ["type": "integer", "minimum": 1, "maximum": 100_000]
        case "perPersonLimit": ["type": "integer", "minimum": 0, "maximum": 1_000]
        case "pointsUnits": ["type": "integer", "minimum": 1, "maximum": 1_000]
        case "pointsPerUnit": ["type": "integer", "minimum": 1, "maximum": 1_000]
        case "pointsCap": ["type": "integer", "minimum": 1, "maximum": 100_000]
        case "announcementScope": ["type": "string", "enum": Announcement.Scope.allCases.map(\.rawValue)]
        case "seat": ["type": "string", "enum": CouncilRules.Seat.allCases.map(\.rawValue)]
        case "outcome": ["type": "string", "enum": MeetingDecisionRecord.Outcome.allCases.map(\.rawValue)]
        case "resourceKind": ["type": "string", "enum": ResourceOfferRecord.Kind.allCases.map(\.rawValue)]
        case "resourceProvider": ["type": "string", "enum": ResourceOfferRecord.Provider.allCases.map(\.rawValue)]
        case "projectRating": ["type": "string", "enum": ProjectRules.Rating.allCases.map(\.rawValue)]
        case "uuidList": ["type": "array", "maxItems": 30, "items": ["type": "string", "format": "uuid"]]
        case "longText": ["type": "string", "maxLength": 20_000]
        case "fen": ["type": "integer", "minimum": 0, "maximum": 10_000_000_000]
        case "percent": ["type": "integer", "minimum": 0, "maximum": 100]
        case "funding": ["type": "array", "maxItems": 20, "items": ["type": "object", "required": ["source", "amountFen"], "properties": [
            "source": ["type": "string", "enum": ProjectFundingRecord.Source.allCases.map(\.rawValue)], "resourceId": ["type": "string", "format": "uuid"],
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
        case "id", "grantId", "personId", "attachmentId", "milestoneId", "photoId", "updateId", "parentId", "communityId", "compoundId", "gridId", "buildingId", "unitId", "householdId", "areaId", "memberId", "organisationId":
            return ["type": "string", "format": "uuid"]
        case "offset": return ["type": "integer", "minimum": 0, "maximum": Paging.maxOffset]
        case "page": return ["type": "integer", "minimum": 1, "maximum": 1_000_000]
        case "from", "to": return ["type": "string", "format": "date"]
        case "limit": return ["type": "integer", "minimum": 1, "maximum": 200]
        case "page_size": return ["type": "integer", "minimum": 1, "maximum": 1_000]
        case "before", "version": return ["type": "integer", "minimum": 1]
        case "year": return ["type": "integer", "minimum": 2000, "maximum": 2100]
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
