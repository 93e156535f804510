import Foundation
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
        var bodyType: String = "application/json"
        var success: Int = 200
        var auth: Bool = true
    }

    static let operations: [Operation] = [
        Operation(method: "post", path: "/api/v1/auth/token", tag: "accounts", summary: "Sign in: a bearer token (shown once)",
                  body: ["username": "string", "password": "string", "name": "string"], success: 201, auth: false),
        Operation(method: "delete", path: "/api/v1/auth/token", tag: "accounts", summary: "Revoke the token in use", success: 204),
        Operation(method: "get", path: "/api/v1/me", tag: "accounts", summary: "Who am I, with my role grants"),
        Operation(method: "post", path: "/api/v1/me/password", tag: "accounts", summary: "Change my password (ends every session)",
                  body: ["currentPassword": "string", "newPassword": "string"], success: 204),
        Operation(method: "get", path: "/api/v1/users", tag: "accounts", summary: "Accounts and their grants (security admin)"),
        Operation(method: "post", path: "/api/v1/users", tag: "accounts", summary: "Create an account",
                  body: ["username": "string", "displayName": "string", "password": "string", "personId": "uuid"], success: 201),
        Operation(method: "post", path: "/api/v1/users/{id}/grants", tag: "accounts", summary: "Grant a role at a node",
                  body: ["role": "string", "nodeId": "uuid"], success: 201),
        Operation(method: "delete", path: "/api/v1/users/{id}/grants/{grantId}", tag: "accounts", summary: "Revoke a grant", success: 204),
        Operation(method: "post", path: "/api/v1/users/{id}/disable", tag: "accounts", summary: "Disable an account (ends its sessions)", success: 204),
        Operation(method: "post", path: "/api/v1/users/{id}/enable", tag: "accounts", summary: "Enable an account", success: 204),
        Operation(method: "get", path: "/api/v1/org/nodes", tag: "organisation", summary: "Nodes of the tree", query: ["parentId", "level", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/org/nodes", tag: "organisation", summary: "Create a node",
                  body: ["parentId": "uuid", "level": "string", "name": "string", "code": "string"], success: 201),
        Operation(method: "get", path: "/api/v1/org/nodes/{id}", tag: "organisation", summary: "A node"),
        Operation(method: "patch", path: "/api/v1/org/nodes/{id}", tag: "organisation", summary: "Rename or recode a node", body: ["name": "string", "code": "string"]),
        Operation(method: "post", path: "/api/v1/org/nodes/{id}/move", tag: "organisation", summary: "Move a node with its subtree", body: ["parentId": "uuid"]),
        Operation(method: "get", path: "/api/v1/org/compounds", tag: "organisation", summary: "Compounds", query: ["communityId", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/org/compounds", tag: "organisation", summary: "Create a compound",
                  body: ["communityId": "uuid", "name": "string", "address": "string", "commercial": "boolean"], success: 201),
        Operation(method: "get", path: "/api/v1/org/compounds/{id}", tag: "organisation", summary: "A compound"),
        Operation(method: "patch", path: "/api/v1/org/compounds/{id}", tag: "organisation", summary: "Edit a compound",
                  body: ["name": "string", "address": "string", "commercial": "boolean"]),
        Operation(method: "get", path: "/api/v1/org/buildings", tag: "organisation", summary: "Buildings", query: ["compoundId", "gridId", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/org/buildings", tag: "organisation", summary: "Create a building",
                  body: ["compoundId": "uuid", "gridId": "uuid", "name": "string"], success: 201),
        Operation(method: "get", path: "/api/v1/org/buildings/{id}", tag: "organisation", summary: "A building"),
        Operation(method: "patch", path: "/api/v1/org/buildings/{id}", tag: "organisation", summary: "Rename a building or move it to another grid",
                  body: ["name": "string", "gridId": "uuid"]),
        Operation(method: "get", path: "/api/v1/org/units", tag: "organisation", summary: "Units", query: ["buildingId", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/org/units", tag: "organisation", summary: "Create a unit (area in m², two decimals)",
                  body: ["buildingId": "uuid", "number": "string", "area": "string", "developerHeld": "boolean"], success: 201),
        Operation(method: "get", path: "/api/v1/org/units/{id}", tag: "organisation", summary: "A unit"),
        Operation(method: "patch", path: "/api/v1/org/units/{id}", tag: "organisation", summary: "Edit a unit",
                  body: ["number": "string", "area": "string", "developerHeld": "boolean"]),
        Operation(method: "get", path: "/api/v1/households", tag: "people", summary: "Households", query: ["unitId", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/households", tag: "people", summary: "Create a household", body: ["unitId": "uuid", "label": "string"], success: 201),
        Operation(method: "get", path: "/api/v1/households/{id}", tag: "people", summary: "A household with its members (masked)"),
        Operation(method: "post", path: "/api/v1/households/{id}/members", tag: "people", summary: "Add or change a member",
                  body: ["personId": "uuid", "relation": "string", "resides": "boolean"], success: 204),
        Operation(method: "delete", path: "/api/v1/households/{id}/members/{personId}", tag: "people", summary: "Remove a member", success: 204),
        Operation(method: "get", path: "/api/v1/persons", tag: "people", summary: "Persons (masked)", query: ["householdId", "offset", "limit"]),
        Operation(method: "post", path: "/api/v1/persons", tag: "people", summary: "Register a person in a household",
                  body: ["householdId": "uuid", "name": "string", "idNumber": "string", "phone": "string", "relation": "string", "resides": "boolean"], success: 201),
        Operation(method: "post", path: "/api/v1/persons/lookup", tag: "people", summary: "Find by exact ID or mobile number (keyed hash)",
                  body: ["idNumber": "string", "phone": "string"]),
        Operation(method: "get", path: "/api/v1/persons/{id}", tag: "people", summary: "A person (masked)"),
        Operation(method: "patch", path: "/api/v1/persons/{id}", tag: "people", summary: "Edit a person", body: ["name": "string", "idNumber": "string", "phone": "string"]),
        Operation(method: "post", path: "/api/v1/persons/{id}/unmask", tag: "people", summary: "Full numbers, with a reason (audited)", body: ["reason": "string"]),
        Operation(method: "post", path: "/api/v1/import/residents", tag: "people", summary: "Import units and residents from CSV",
                  query: ["communityId"], bodyType: "text/csv"),
        Operation(method: "get", path: "/api/v1/audit", tag: "audit", summary: "Audit entries, newest first (audit admin)", query: ["before", "action", "limit"]),
        Operation(method: "get", path: "/api/v1/audit/verify", tag: "audit", summary: "Verify the hash chain"),
        Operation(method: "get", path: "/api/v1/catalogue", tag: "cases", summary: "The affairs catalogue in force"),
        Operation(method: "post", path: "/api/v1/catalogue", tag: "cases", summary: "Import a whole catalogue as a new version", success: 201),
        Operation(method: "get", path: "/api/v1/catalogue/export", tag: "cases", summary: "Export a version as JSON or CSV", query: ["version", "format"]),
        Operation(method: "patch", path: "/api/v1/catalogue/items/{code}", tag: "cases", summary: "Edit an item (publishes a new version)",
                  body: ["name": "string", "responseHours": "integer", "completionDays": "integer"]),
        Operation(method: "post", path: "/api/v1/cases", tag: "cases", summary: "Submit a case (classified, routed, timed)",
                  body: ["title": "string", "description": "string", "buildingId": "uuid", "gridId": "uuid", "address": "string", "itemCode": "string",
                         "overrideReason": "string", "channel": "string", "public": "boolean", "anonymous": "boolean", "accusedNodeId": "uuid"], success: 201),
        Operation(method: "get", path: "/api/v1/cases", tag: "cases", summary: "Cases the caller may see", query: ["state", "slaLevel", "offset", "limit"]),
        Operation(method: "get", path: "/api/v1/cases/track/{code}", tag: "cases", summary: "Follow an anonymous case by its code", auth: false),
        Operation(method: "get", path: "/api/v1/cases/{id}", tag: "cases", summary: "A case with its timeline and the caller's possible actions"),
        Operation(method: "post", path: "/api/v1/cases/{id}/actions/{action}", tag: "cases", summary: "Act on a case (409 names the allowed actions)",
                  body: ["note": "string", "handlerNodeId": "uuid", "mergeInto": "uuid", "extraDays": "integer", "solved": "boolean", "satisfaction": "string"]),
        Operation(method: "get", path: "/api/v1/cases/{id}/attachments", tag: "cases", summary: "The case's photos"),
        Operation(method: "post", path: "/api/v1/cases/{id}/attachments", tag: "cases", summary: "Attach a photo (JPEG, PNG, WebP; ≤ 5 MB; ≤ 6)",
                  bodyType: "multipart/form-data", success: 201),
        Operation(method: "get", path: "/api/v1/cases/{id}/attachments/{attachmentId}", tag: "cases", summary: "A photo"),
        Operation(method: "get", path: "/api/v1/kpis", tag: "cases", summary: "KPIs of the caller's cases", query: ["from", "to", "by"]),
    ]

    static func schema(_ type: String) -> [String: Any] {
        switch type {
        case "uuid": ["type": "string", "format": "uuid"]
        default: ["type": type]
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
                ["name": String($0.dropFirst().dropLast()), "in": "path", "required": true, "schema": ["type": "string"]]
            }
            parameters += op.query.map { ["name": $0, "in": "query", "required": false, "schema": ["type": "string"]] }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = op.body {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": [
                    "type": "object", "properties": body.mapValues(schema)]]]]
            } else if op.bodyType != "application/json" {
                operation["requestBody"] = ["required": true, "content": [op.bodyType: ["schema": ["type": "string"]]]]
            }
            let error: [String: Any] = ["description": "Error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
            operation["responses"] = [String(op.success): ["description": "Success"], "4XX": error]
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
