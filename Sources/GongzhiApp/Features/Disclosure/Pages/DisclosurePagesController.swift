import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A community's disclosure page (居务公开) by month, its Atom feed, and the same as JSON. Public, like the
/// noticeboard at the community's door (`DisclosureBook` says what is in it).
struct DisclosurePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("disclosure", use: page)
        routes.get("communities", ":id", "disclosure.atom", use: feed)
        routes.get("api", "v1", "disclosure", use: api)
    }

    static func feedPath(_ community: UUID) -> String { "/communities/\(community.uuidString.lowercased())/disclosure.atom" }

    /// The community asked for, or the caller's own (their home, or the only one they see as staff).
    static func community(_ request: Request) async throws -> OrgNodeRecord? {
        if let id = try AnnouncementsAPIController.community(request) {
            guard let node = try await OrgNodeRecord.find(id, on: request.db), node.isArea(.community) else { throw AppError.notFound }
            return node
        }
        guard let actor = request.current?.actor else { return nil }
        if let person = actor.personID?.uuid, let record = try await PersonRecord.find(person, on: request.db), let home = try await Points.community(of: record, on: request.db) {
            return home
        }
        return try await OrgNodeRecord.query(on: request.db).filter(\.$level == .community).filter(\.$party == nil).visible(to: actor, .viewDeliberation).sort(\.$name).first()
    }

    static func month(_ request: Request) throws -> DisclosureRecord.Month {
        guard let raw = request.query[String.self, at: "month"], !raw.isEmpty else { return DisclosureRecord.Month(request.now) }
        guard let month = DisclosureRecord.Month(raw) else { throw AppError.invalid("month") }
        return month
    }

    static func monthEntries(_ community: OrgNodeRecord, month: DisclosureRecord.Month, request: Request) async throws -> [DisclosureRecord.Entry] {
        let from = DayNumber.start(of: month.first), to = DayNumber.start(of: month.next.first)
        let reader = try await DisclosureBook.reader(request.current?.actor, of: community, on: request.db)
        var all = try await DisclosureBook.entries(community: community, from: from, to: to, now: request.now, reader: reader, lang: request.lang, on: request.db)
        if let points = try await DisclosureBook.pointsEntry(community: community, from: from, to: to, now: request.now, lang: request.lang, on: request.db) {
            all.append(points)
        }
        return DisclosureRecord.entries(of: month, in: all)
    }

    struct Row: Encodable {
        let kind: String
        let kindLabel: String
        let day: String
        let title: String
        let detail: String
        let href: String?
    }

    struct PageView: Encodable {
        let page: PageBase
        let community: String?
        let communityId: String
        let month: String
        let previous: String
        let next: String?
        let groups: [Group]
        let communities: [SelectOption]
        let feed: String?
    }

    struct Group: Encodable {
        let label: String
        let rows: [Row]
    }

    @Sendable func page(_ request: Request) async throws -> View {
        let lang = request.lang
        let month = try Self.month(request)
        var page = await PageBase.make(for: request, title: Strings.text("disclosure.title", lang))
        guard let community = try await Self.community(request) else {
            // A visitor chooses a community first.
            let nodes = try await OrgNodeRecord.query(on: request.db).filter(\.$level == .community).filter(\.$party == nil).sort(\.$name).limit(300).all()
            return try await request.view.render("disclosure/disclosure", PageView(
                page: page, community: nil, communityId: "", month: month.description, previous: month.previous.description, next: nil, groups: [],
                communities: nodes.map { SelectOption(value: "/disclosure?communityId=\($0.id!.uuidString.lowercased())", label: $0.name) }, feed: nil))
        }
        let entries = try await Self.monthEntries(community, month: month, request: request)
        page.alternates = [.init(type: "application/atom+xml", title: Strings.text("disclosure.feed_title", lang), href: Self.feedPath(community.id!))]
        let groups = DisclosureRecord.Kind.allCases.compactMap { kind -> Group? in
            let rows = entries.filter { $0.kind == kind }
            guard !rows.isEmpty else { return nil }
            return Group(label: Strings.text("disclosure.kind.\(kind.rawValue)", lang), rows: rows.map {
                Row(kind: $0.kind.rawValue, kindLabel: Strings.text("disclosure.kind.\($0.kind.rawValue)", lang), day: CivilDate($0.at).description, title: $0.title,
                    detail: $0.detail, href: $0.link)
            })
        }
        let current = DisclosureRecord.Month(request.now)
        return try await request.view.render("disclosure/disclosure", PageView(
            page: page, community: community.name, communityId: community.id!.uuidString.lowercased(), month: month.description,
            previous: month.previous.description, next: month < current ? month.next.description : nil, groups: groups, communities: [],
            feed: Self.feedPath(community.id!)))
    }

    struct EntryDTO: Content {
        let id: String
        let kind: DisclosureRecord.Kind
        let at: Date
        let title: String
        let detail: String
        let link: String?
    }

    struct MonthDTO: Content {
        let communityId: UUID
        let month: String
        let entries: [EntryDTO]
    }

    @Sendable func api(_ request: Request) async throws -> MonthDTO {
        guard try AnnouncementsAPIController.community(request) != nil || request.current != nil else { throw AppError.invalid("communityId", "required") }
        guard let community = try await Self.community(request) else { throw AppError.invalid("communityId", "required") }
        let month = try Self.month(request)
        let entries = try await Self.monthEntries(community, month: month, request: request)
        return MonthDTO(communityId: community.id!, month: month.description,
                        entries: entries.map { EntryDTO(id: $0.id, kind: $0.kind, at: $0.at, title: $0.title, detail: $0.detail, link: $0.link) })
    }

    /// The last three months' entries as an Atom feed (at most 50).
    @Sendable func feed(_ request: Request) async throws -> Response {
        let id = try request.uuidParameter()
        guard let community = try await OrgNodeRecord.find(id, on: request.db), community.isArea(.community) else { throw AppError.notFound }
        let current = DisclosureRecord.Month(request.now)
        let from = DayNumber.start(of: current.previous.previous.first)
        // The feed is for readers who cannot sign in: what anyone may see.
        let entries = try await DisclosureBook.entries(community: community, from: from, to: DayNumber.start(of: current.next.first), now: request.now,
                                                       reader: .anyone, lang: request.lang, on: request.db).sorted { $0.at > $1.at }.prefix(50)
        let base = Open311Controller().baseURL(request)
        let lang = request.lang
        let feed = AtomFeed(
            id: "urn:uuid:\(id.uuidString.lowercased())-disclosure",
            title: Strings.text("disclosure.feed_of", lang).replacingOccurrences(of: "{community}", with: community.name), subtitle: nil,
            selfLink: base + Self.feedPath(id), pageLink: base + "/disclosure?communityId=\(id.uuidString.lowercased())", author: community.name,
            language: lang == .en ? "en" : "zh-Hans",
            entries: entries.map { entry in
                AtomFeed.Entry(id: "urn:uuid:" + entry.id.lowercased(), title: Strings.text("disclosure.kind.\(entry.kind.rawValue)", lang) + "：" + entry.title,
                               published: entry.at, updated: entry.at, link: base + (entry.link ?? "/disclosure?communityId=\(id.uuidString.lowercased())"),
                               author: community.name, content: entry.detail, category: entry.kind.rawValue)
            }, emptyUpdated: community.createdAt ?? Date(timeIntervalSince1970: 0))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "atom+xml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: feed.xml))
    }
}
