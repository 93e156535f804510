import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The pages of announcements: the list (residents: what is addressed to them, pinned first, new ones marked; staff:
/// every state with read counts; visitors: a community's public ones), publishing one (a community, or an owners'
/// committee to its compound), one announcement with its photos (withdrawing it, for its publisher), and the
/// community's Atom feed.
struct AnnouncementPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("announcements", use: list)
        routes.get("announcements", "new", use: newForm)
        // Up to six photos of 5 MB with the form around them.
        routes.on(.POST, "announcements", bodyUpTo: CasePhoto.maxFormSize, use: publish)
        routes.get("announcements", ":id", use: show)
        routes.post("announcements", ":id", "withdraw", use: withdraw)
        routes.get("communities", ":id", "announcements.atom", use: feed)
    }

    struct Row: Encodable {
        let href: String
        let title: String
        let publisher: String
        let audience: String
        let from: String
        let status: String
        let statusLabel: String
        let pinned: Bool
        let unread: Bool
        let reads: String?
    }

    struct ListView: Encodable {
        let page: PageBase
        let rows: [Row]
        let staffView: Bool
        let canPublish: Bool
        let committees: [SelectOption]
        let communities: [SelectOption]
        let feed: String?
        let community: String?
        let nextOffset: Int?
        let previousOffset: Int?
    }

    static let flashes = ["published", "withdrawn"]

    struct HomeRow: Encodable {
        let href: String
        let title: String
        let meta: String
        let pinned: Bool
        let unread: Bool
    }

    /// The home page's box: the five announcements a resident should see first, unread ones marked.
    static func homeRows(for actor: Actor, request: Request) async throws -> [HomeRow] {
        let records = try await Announcements.forResident(actor, limit: 5, now: request.now, on: request.db)
        guard !records.isEmpty else { return [] }
        let read = try await Announcements.read(by: actor.userID.uuid, among: records.compactMap(\.id), on: request.db)
        let publishers = try await Announcements.publishers(of: records, on: request.db)
        return records.map { record in
            HomeRow(href: "/announcements/\(record.id!.uuidString.lowercased())", title: record.title,
                    meta: (publishers[record.id!] ?? "") + " · " + PageDates.minute(record.publishFrom), pinned: record.pinned,
                    unread: !read.contains(record.id!))
        }
    }

    static func feedPath(_ community: UUID) -> String { "/communities/\(community.uuidString.lowercased())/announcements.atom" }

    @Sendable func list(_ request: Request) async throws -> View {
        let actor = request.current?.actor
        let lang = request.lang
        let db = request.db
        let offset = request.pageOffset
        let community = try AnnouncementsAPIController.community(request)
        var page = await PageBase.make(for: request, title: Strings.text("announcement.list_title", lang))
        let committees = try await Announcements.committees(of: actor, on: db)
        let staffView = actor.map { AccessPolicy.allowsAnywhere(.viewDeliberation, actor: $0) } ?? false || !committees.isEmpty
        // A visitor chooses a community with public announcements first.
        if actor == nil, community == nil {
            let ids = try await AnnouncementRecord.query(on: db).filter(\.$isPublic == true).filter(\.$withdrawnAt == nil).all(\.$communityID)
            let nodes = ids.isEmpty ? [] : try await OrgNodeRecord.query(on: db).filter(\.$id ~~ Set(ids)).sort(\.$name).limit(300).all()
            return try await request.view.render("disclosure/announcements", ListView(
                page: page, rows: [], staffView: false, canPublish: false, committees: [],
                communities: nodes.map { SelectOption(value: "/announcements?communityId=\($0.id!.uuidString.lowercased())", label: $0.name) },
                feed: nil, community: nil, nextOffset: nil, previousOffset: nil))
        }
        let found = try await Announcements.list(actor: actor, community: community, offset: offset, limit: 20, now: request.now, on: db)
        let publishers = try await Announcements.publishers(of: found.items, on: db)
        let audiences = try await Self.audienceNames(found.items, lang: lang, on: db)
        let counts = try await AnnouncementsAPIController.counts(found.items, actor: actor, request: request)
        var read: Set<UUID> = []
        if let actor { read = try await Announcements.read(by: actor.userID.uuid, among: found.items.compactMap(\.id), on: db) }
        // The feed of the community asked for, or of the resident's only community.
        let homes = try await Announcements.homes(of: actor, on: db)
        let feedCommunity = community ?? (Set(homes.map(\.community)).count == 1 ? homes.first.flatMap { UUID(uuidString: $0.community) } : nil)
        if let feedCommunity {
            page.alternates = [.init(type: "application/atom+xml", title: Strings.text("announcement.feed_title", lang), href: Self.feedPath(feedCommunity))]
        }
        var communityName: String?
        if let community { communityName = try await OrgNodeRecord.find(community, on: db)?.name }
        let canPublish = actor.map { AccessPolicy.allowsAnywhere(.manageDeliberation, actor: $0) } ?? false
        return try await request.view.render("disclosure/announcements", ListView(
            page: page,
            rows: found.items.map { record in
                let status = record.status(at: request.now)
                return Row(href: "/announcements/\(record.id!.uuidString.lowercased())", title: record.title, publisher: publishers[record.id!] ?? "",
                           audience: audiences[record.id!] ?? "", from: PageDates.minute(record.publishFrom), status: status.rawValue,
                           statusLabel: Strings.text("announcement.status.\(status.rawValue)", lang), pinned: record.pinned && status == .live,
                           unread: actor?.isResident == true && !read.contains(record.id!) && status == .live,
                           reads: counts[record.id!].map { String($0) })
            },
            staffView: staffView, canPublish: canPublish,
            committees: committees.map { SelectOption(value: "/announcements/new?committeeId=\($0.id!.uuidString.lowercased())", label: $0.name) },
            communities: [], feed: feedCommunity.map(Self.feedPath), community: communityName,
            nextOffset: offset + 20 < found.total ? offset + 20 : nil, previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    /// "全社区", the compound's name, or "compound · building", per announcement.
    static func audienceNames(_ records: [AnnouncementRecord], lang: Lang, on db: any Database) async throws -> [UUID: String] {
        let compounds = Set(records.compactMap(\.compoundID)), buildings = Set(records.compactMap(\.buildingID))
        let compoundNames = compounds.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await CompoundRecord.query(on: db).filter(\.$id ~~ compounds).all().map { ($0.id!, $0.name) })
        let buildingNames = buildings.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await BuildingRecord.query(on: db).filter(\.$id ~~ buildings).all().map { ($0.id!, $0.name) })
        var names: [UUID: String] = [:]
        for record in records {
            switch record.scope {
            case .community: names[record.id!] = Strings.text("announcement.scope.community", lang)
            case .compound: names[record.id!] = record.compoundID.flatMap { compoundNames[$0] } ?? ""
            case .building:
                names[record.id!] = [record.compoundID.flatMap { compoundNames[$0] }, record.buildingID.flatMap { buildingNames[$0] }]
                    .compactMap { $0 }.joined(separator: " · ")
            }
        }
        return names
    }

    // MARK: Publishing

    struct NewView: Encodable {
        let page: PageBase
        let committee: SelectOption?
        let communities: [SelectOption]
        let compounds: [SelectOption]
        let buildings: [SelectOption]
        let scope: String
        let title: String
        let body: String
        let isPublic: Bool
        let pinned: Bool
        let from: String
        let until: String
        let messages: [FormMessage]
    }

    struct NewForm: Content {
        var committeeId: String?
        var communityId: String?
        var scope: String?
        var compoundId: String?
        var buildingId: String?
        var title: String?
        var body: String?
        var isPublic: String?
        var pinned: String?
        var from: String?
        var until: String?
        var photos: [File]?
    }

    @Sendable func newForm(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let committee = request.query[String.self, at: "committeeId"]
        return try await renderNew(request, actor: actor, form: NewForm(committeeId: committee, scope: committee == nil ? "community" : "compound",
                                                                         isPublic: committee == nil ? "on" : nil))
    }

    func renderNew(_ request: Request, actor: Actor, form: NewForm, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let lang = request.lang
        var committee: SelectOption?
        var communities: [SelectOption] = []
        var compounds: [CompoundRecord] = []
        if let raw = form.committeeId, !raw.isEmpty {
            // A committee's staff publish to their compound.
            guard let id = UUID(uuidString: raw), let node = try await Announcements.committees(of: actor, on: db).first(where: { $0.id == id }),
                  let compoundID = try await PartyProfileRecord.query(on: db).filter(\.$node.$id == id).first()?.compoundID,
                  let compound = try await CompoundRecord.find(compoundID, on: db) else { throw AppError.notFound }
            committee = SelectOption(value: id.uuidString.lowercased(), label: node.name)
            compounds = [compound]
        } else {
            guard AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) else { throw AppError.forbidden }
            let nodes = try await OrgNodeRecord.query(on: db).filter(\.$level == .community).filter(\.$party == nil)
                .visible(to: actor, .manageDeliberation).sort(\.$name).limit(300).all()
            communities = nodes.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.communityId?.lowercased()) }
            if !nodes.isEmpty { compounds = try await CompoundRecord.query(on: db).filter(\.$community.$id ~~ nodes.compactMap(\.id)).sort(\.$name).limit(500).all() }
        }
        let compoundNames = Dictionary(uniqueKeysWithValues: compounds.map { ($0.id!, $0.name) })
        let buildings = compounds.isEmpty ? [] : try await BuildingRecord.query(on: db).filter(\.$compound.$id ~~ compounds.compactMap(\.id)).sort(\.$name).limit(1000).all()
        let page = await PageBase.make(for: request, title: Strings.text(committee == nil ? "announcement.new" : "announcement.new_committee", lang))
        return try await request.view.render("disclosure/announcement-new", NewView(
            page: page, committee: committee, communities: communities,
            compounds: compounds.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: $0.name, selected: $0.id!.uuidString.lowercased() == form.compoundId?.lowercased()) },
            buildings: buildings.map { SelectOption(value: $0.id!.uuidString.lowercased(), label: (compoundNames[$0.$compound.id] ?? "") + " · " + $0.name,
                                                    selected: $0.id!.uuidString.lowercased() == form.buildingId?.lowercased()) },
            scope: form.scope ?? "community", title: form.title ?? "", body: form.body ?? "", isPublic: form.isPublic == "on", pinned: form.pinned == "on",
            from: form.from ?? "", until: form.until ?? "", messages: messages)).encodeResponse(status: status, for: request)
    }

    @Sendable func publish(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let form = try request.content.decode(NewForm.self)
        do {
            let committee = try NeedPagesController.optionalUUID(form.committeeId, field: "committeeId")
            guard let scope = form.scope.flatMap(Announcement.Scope.init(rawValue:)) else { throw AppError.invalid("scope", "required") }
            let from = try Self.optionalDate(form.from, field: "from"), until = try Self.optionalDate(form.until, field: "until")
            let record = try await Announcements.publish(.init(
                communityID: try NeedPagesController.optionalUUID(form.communityId, field: "communityId"), committeeID: committee, scope: scope,
                compoundID: try NeedPagesController.optionalUUID(form.compoundId, field: "compoundId"),
                buildingID: try NeedPagesController.optionalUUID(form.buildingId, field: "buildingId"),
                title: form.title, body: form.body, isPublic: form.isPublic == "on", pinned: form.pinned == "on", from: from, until: until),
                photos: try DeliberationPhotos.checked(form.photos), in: request.context)
            return request.redirect(to: "/announcements/\(record.id!.uuidString.lowercased())?done=published", redirectType: .normal)
        } catch let error as AppError where error.status != .notFound && error.status != .forbidden {
            return try await renderNew(request, actor: actor, form: form, messages: request.formMessages(for: error), status: error.status)
        }
    }

    static func optionalDate(_ raw: String?, field: String) throws -> Date? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        guard let date = PageDates.parseLocal(raw) else { throw AppError.invalid(field) }
        return date
    }

    // MARK: One announcement

    struct AnnouncementView: Encodable {
        let page: PageBase
        let id: String
        let title: String
        let body: String
        let publisher: String
        let audience: String
        let from: String
        let until: String?
        let status: String
        let statusLabel: String
        let staff: Bool
        let reads: String?
        let photos: [String]
        let withdrawn: String?
        let canWithdraw: Bool
        let flash: String?
        let messages: [FormMessage]
    }

    @Sendable func show(_ request: Request) async throws -> Response {
        let flash = request.query[String.self, at: "done"].flatMap { Self.flashes.contains($0) ? Strings.text("announcement.done.\($0)", request.lang) : nil }
        return try await render(request, id: try request.uuidParameter(), flash: flash, noteRead: true)
    }

    func render(_ request: Request, id: UUID, flash: String? = nil, noteRead: Bool = false, messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let lang = request.lang
        let db = request.db
        let (record, access) = try await Announcements.visible(id, actor: request.current?.actor, now: request.now, on: db)
        if noteRead { try await Announcements.noteRead(record, access: access, in: request.context) }
        let state = record.status(at: request.now)
        let photos = try await DeliberationPhotos.ids(.announcement, of: [id], on: db)[id] ?? []
        var reads: String?
        if access.staff {
            reads = Strings.text("announcement.reads_of", lang)
                .replacingOccurrences(of: "{n}", with: String(try await Announcements.readCounts([id], on: db)[id] ?? 0))
                .replacingOccurrences(of: "{m}", with: String(try await Announcements.audienceSize(record, on: db)))
        }
        var page = await PageBase.make(for: request, title: record.title)
        if record.isPublic { page.alternates = [.init(type: "application/atom+xml", title: Strings.text("announcement.feed_title", lang), href: Self.feedPath(record.communityID))] }
        let context = AnnouncementView(
            page: page, id: id.uuidString.lowercased(), title: record.title, body: record.body,
            publisher: try await Announcements.publishers(of: [record], on: db)[id] ?? "",
            audience: try await Self.audienceNames([record], lang: lang, on: db)[id] ?? "",
            from: PageDates.minute(record.publishFrom), until: record.publishUntil.map(PageDates.minute),
            status: state.rawValue, statusLabel: Strings.text("announcement.status.\(state.rawValue)", lang), staff: access.staff, reads: reads,
            photos: photos.map { "/api/v1/announcements/\(id.uuidString.lowercased())/photos/\($0.uuidString.lowercased())" },
            withdrawn: record.withdrawnAt == nil ? nil : record.withdrawnReason,
            canWithdraw: access.manage && record.withdrawnAt == nil, flash: flash, messages: messages)
        return try await request.view.render("disclosure/announcement", context).encodeResponse(status: status, for: request)
    }

    struct WithdrawForm: Content {
        var reason: String?
    }

    @Sendable func withdraw(_ request: Request) async throws -> Response {
        try await request.objectFormWrite(base: "/announcements", done: "withdrawn", { _, id in
            let form = try request.content.decode(WithdrawForm.self)
            _ = try await Announcements.withdraw(id, reason: form.reason, in: request.context)
        }, rerender: { _, id, messages, status in
            try await render(request, id: id, messages: messages, status: status)
        })
    }

    // MARK: The feed

    /// A community's live public announcements as an Atom feed (RFC 4287), newest first, at most 50.
    @Sendable func feed(_ request: Request) async throws -> Response {
        let id = try request.uuidParameter()
        guard let community = try await OrgNodeRecord.find(id, on: request.db), community.isArea(.community) else { throw AppError.notFound }
        let query = AnnouncementRecord.query(on: request.db).filter(\.$communityID == id).filter(\.$isPublic == true)
        Announcements.live(query, now: request.now)
        let records = try await query.sort(\.$publishFrom, .descending).limit(50).all()
        let publishers = try await Announcements.publishers(of: records, on: request.db)
        let base = Open311Controller().baseURL(request)
        let lang = request.lang
        let feed = AtomFeed(
            id: "urn:uuid:\(id.uuidString.lowercased())", title: Strings.text("announcement.feed_of", lang).replacingOccurrences(of: "{community}", with: community.name),
            subtitle: nil, selfLink: base + Self.feedPath(id), pageLink: base + "/announcements?communityId=\(id.uuidString.lowercased())",
            author: community.name, language: lang == .en ? "en" : "zh-Hans",
            entries: records.map { record in
                AtomFeed.Entry(id: "urn:uuid:\(record.id!.uuidString.lowercased())", title: record.title, published: record.publishFrom,
                               updated: record.publishFrom, link: base + "/announcements/\(record.id!.uuidString.lowercased())",
                               author: publishers[record.id!] ?? community.name, content: record.body, category: record.scope.rawValue)
            }, emptyUpdated: community.createdAt ?? Date(timeIntervalSince1970: 0))
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "atom+xml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: feed.xml))
    }
}
