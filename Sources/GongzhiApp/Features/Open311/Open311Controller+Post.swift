import Fluent
import Foundation
import GongzhiCore
import Vapor

extension Open311Controller {
    /// `POST requests.{fmt}`: a new case from an Open311 client, placed by `address_id` (a building or grid id),
    /// `lat`/`long` (the nearest building's grid) or `address_string` (a compound and building named in it).
    func post(_ request: Request, file: String) async throws -> Reply {
        guard file == "requests" else { throw Open311Error.notFound("unknown_resource", "Only requests can be posted") }
        let p = try formParameters(request)
        guard let key = try await key(p, on: request, required: true) else { throw Open311Error.badKey }
        guard let code = p.value("service_code") else { throw Open311Error.badRequest("missing_service_code", "service_code is required") }
        guard let catalogue = try await CatalogueStore.current(on: request.db), let item = catalogue.item(code) else {
            throw Open311Error.notFound("unknown_service_code", "No service \(code)")
        }
        let description = p.value("description") ?? ""
        guard description.count <= 4_000 else { throw Open311Error.badRequest("description_too_long", "description may have at most 4000 characters") }
        for field in ["email", "first_name", "last_name", "phone", "address_string", "account_id", "device_id", "media_url"] {
            guard (p.value(field) ?? "").count <= 200 else { throw Open311Error.badRequest("\(field)_too_long", "\(field) may have at most 200 characters") }
        }
        var input = CaseIntake.Input(
            title: item.name, description: description, buildingID: nil, gridID: nil, address: p.value("address_string") ?? "",
            latitude: nil, longitude: nil, itemCode: item.code, overrideReason: nil, channel: .api, isPublic: true, anonymous: false,
            accusedNodeID: nil, answers: p.attributes, itemChosenBySubmitter: true)
        try await locate(&input, p, key: key, on: request.db)
        let name = [p.value("last_name"), p.value("first_name")].compactMap { $0 }.joined()
        if !name.isEmpty || p.value("phone") != nil || p.value("email") != nil {
            input.contact = .init(name: name, phone: p.value("phone") ?? "", email: p.value("email") ?? "")
        }
        let client = Open311Client(keyID: key.id!.uuidString.lowercased(), name: key.name, scope: OrgPath(key.orgPath) ?? .root)
        let result = try await CaseIntake.submit(input, in: request.context.acting(as: .open311(client)))
        return Reply(root: "service_requests", body: .list(itemName: "request", [.object([
            ("service_request_id", .text(result.record.number)),
            ("service_notice", .text("\(item.completionDays == 0 ? "当日" : "\(item.completionDays) 个工作日内")办结，预计 \(W3CDateTime.format(result.record.completionDueAt)) 前")),
            ("account_id", .optional(p.value("account_id"))),
        ])]), status: .created)
    }

    /// Form fields, with the query string's as a fallback (some clients put api_key there).
    func formParameters(_ request: Request) throws -> Open311Parameters {
        let query = Open311Parameters(urlEncoded: request.url.query ?? "")
        guard let contentType = request.headers.contentType, contentType != .urlEncodedForm else {
            var buffer = request.body.data ?? ByteBuffer()
            return Open311Parameters(pairs: Open311Parameters(urlEncoded: buffer.readString(length: buffer.readableBytes) ?? "").pairs + query.pairs)
        }
        guard contentType == .formData else { throw Open311Error.badRequest("unsupported_content_type", "Send application/x-www-form-urlencoded") }
        let fields = (try? request.content.decode([String: String].self)) ?? [:]
        return Open311Parameters(pairs: fields.map { (name: $0.key, value: $0.value) }.sorted { $0.name < $1.name } + query.pairs)
    }

    func locate(_ input: inout CaseIntake.Input, _ p: Open311Parameters, key: Open311KeyRecord, on db: any Database) async throws {
        if let id = p.value("address_id") {
            guard let uuid = UUID(uuidString: id) else { throw Open311Error.badRequest("invalid_address_id", "address_id is not known") }
            if try await BuildingRecord.find(uuid, on: db) != nil {
                input.buildingID = uuid
            } else if let grid = try await OrgNodeRecord.find(uuid, on: db), grid.isArea(.grid) {
                input.gridID = grid.id
            } else {
                throw Open311Error.badRequest("invalid_address_id", "address_id is not known")
            }
        }
        switch (p.value("lat"), p.value("long")) {
        case (nil, nil): break
        case let (lat?, long?):
            guard let latitude = Double(lat), let longitude = Double(long), GeoPoint(latitude: latitude, longitude: longitude) != nil else {
                throw Open311Error.badRequest("invalid_location", "lat and long must be WGS 84 degrees")
            }
            (input.latitude, input.longitude) = (latitude, longitude)
        default:
            throw Open311Error.badRequest("invalid_location", "lat and long go together")
        }
        if input.buildingID == nil, input.gridID == nil, input.latitude == nil {
            guard let text = p.value("address_string") else {
                throw Open311Error.badRequest("missing_location", "Give lat and long, address_string or address_id")
            }
            guard let building = try await building(named: text, under: key.orgPath, on: db) else {
                throw Open311Error.badRequest("unknown_address", "No compound and building of this area are named in address_string")
            }
            input.buildingID = building.id
        }
    }

    /// The building an address names: the longest compound name found in the text, then the longest of its
    /// building names found in the rest (so that "13号楼" is not read as "3号楼"); its first building otherwise.
    func building(named text: String, under path: String, on db: any Database) async throws -> BuildingRecord? {
        let compounds = try await CompoundRecord.query(on: db).filter(\.$orgPath =~ path).all()
        guard let compound = compounds.filter({ text.contains($0.name) }).max(by: { $0.name.count < $1.name.count }) else { return nil }
        let rest = text.replacingOccurrences(of: compound.name, with: " ")
        let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id == compound.id!).sort(\.$name).all()
        return buildings.filter { rest.contains($0.name) }.max { $0.name.count < $1.name.count } ?? buildings.first
    }
}
