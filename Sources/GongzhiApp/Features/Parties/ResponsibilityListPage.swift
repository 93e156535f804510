import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The responsibility list (权责清单) for staff, `/catalogue`: every item of the catalogue with its time limits, the
/// kind of party responsible, and who concretely takes it at the staff member's place (`PartyRouting`), with the
/// contact — so that a worker at the window can tell a resident who will handle their matter.
struct ResponsibilityListPage: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("catalogue", use: show)
    }

    struct Row: Encodable {
        let name: String
        let limits: String
        let party: String
        let holder: String
        let contact: String
        let href: String?
    }

    struct Group: Encodable {
        let title: String
        let rows: [Row]
    }

    struct Page: Encodable {
        let page: PageBase
        let place: String
        let groups: [Group]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.require(.viewCases)
        let db = request.db, lang = request.lang
        guard let catalogue = try await CatalogueStore.current(on: db) else { throw AppError.conflict("no_catalogue") }
        // The place: the actor's first area (a party's staff: the area their party is registered with).
        var path = AccessPolicy.scopes(.viewCases, actor: actor).first ?? .root
        if let id = path.segments.last.flatMap(UUID.init(uuidString:)), let node = try await OrgNodeRecord.find(id, on: db), node.party != nil {
            path = node.orgPath.parent ?? .root
        }
        let areaIDs = path.segments.prefix(OrgLevel.community.depth + 1).compactMap(UUID.init(uuidString:))
        let areas = Dictionary(try await OrgNodeRecord.query(on: db).filter(\.$id ~~ areaIDs).all().map { ($0.level, $0) }) { a, _ in a }
        var registered: [PartyRouting.Party] = []
        for kind in PartyKind.allCases where kind != .propertyCompany && kind != .ownersCommittee {
            if let area = areas[kind.homeLevel] { registered += try await PartyDirectory.parties(kind, under: area.id!, on: db) }
        }
        let profiles = try await PartiesAPIController.profiles(registered.compactMap { UUID(uuidString: $0.id) }, on: db)
        let categories = Dictionary(catalogue.categories.map { ($0.code, lang == .zh ? $0.name : $0.nameEn) }) { a, _ in a }
        var groups: [Group] = []
        for category in catalogue.categories {
            let rows = catalogue.items.filter { $0.category == category.code }.map { item -> Row in
                // 0 working days: the same day (`CatalogueItem.completionDays`).
                let limits = Strings.text(item.completionDays == 0 ? "catalogue.limits_same_day" : "catalogue.limits", lang)
                    .replacingOccurrences(of: "{h}", with: String(item.responseHours)).replacingOccurrences(of: "{d}", with: String(item.completionDays))
                let party = item.department.isEmpty ? Strings.text("party.\(item.responsible.rawValue)", lang) : item.department
                var holder = "", contact = "", href: String?
                switch PartyRouting.handler(for: item, compound: nil, registered: PartyRouting.Registered(registered)) {
                case .party(let found):
                    holder = found.name
                    let profile = UUID(uuidString: found.id).flatMap { profiles[$0] }
                    contact = profile.map { CaseLabels.contact($0, masked: false) } ?? ""
                    href = "/parties/\(found.id)"
                case .area(let level):
                    holder = [.propertyCompany, .ownersCommittee].contains(item.responsible)
                        ? Strings.text(item.responsible == .propertyCompany ? "catalogue.by_compound_property_company" : "catalogue.by_compound_owners_committee", lang)
                        : areas[level]?.name ?? Strings.text("level.\(level.rawValue)", lang)
                }
                return Row(name: lang == .zh ? item.name : item.nameEn, limits: limits, party: party, holder: holder, contact: contact, href: href)
            }
            if !rows.isEmpty { groups.append(Group(title: categories[category.code] ?? category.code, rows: rows)) }
        }
        let place = (areas[.community] ?? areas[.street] ?? areas[.district])?.name ?? ""
        return try await request.view.render("org/catalogue", Page(page: await PageBase.make(for: request, title: Strings.text("catalogue.title", lang)),
                                                                   place: place, groups: groups)).encodeResponse(for: request)
    }
}
