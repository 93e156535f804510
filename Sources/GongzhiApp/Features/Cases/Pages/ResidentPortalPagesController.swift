import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The resident portal (一网通办 style): the home with big entries, my requests with their notices, a request's
/// page with its timeline in plain words and the rating form, the public board, and tracking by code.
struct ResidentPortalPagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("requests", use: mine)
        routes.get("requests", ":id", use: show)
        routes.post("requests", ":id", "rate", use: rate)
        routes.get("track", use: track)
        routes.get("board", use: board)
        routes.get("board", ":id", use: boardCase)
    }

    static let boardSize = 10

    struct PortalPage: Encodable {
        let page: PageBase
        let mine: CaseTable
        let notices: [CaseNoticeDTO]
        let board: CaseTable
        /// Owners' votes open now in the resident's compounds.
        let votes: [OwnerVotePagesController.Row]
        /// Paper ballots staff entered in the resident's name (issue 24 finding 3).
        let paperBallots: [PaperBallotNotice]
        /// Not yet anyone's neighbour (signed up, no household joined): what that means and what to do.
        let unjoined: Bool
        /// Just signed up.
        let welcome: Bool
        /// Just joined a household.
        let joined: Bool
        /// The yearly rating of the property service of the resident's compounds (`PropertySurveys`).
        let surveys: [PropertySurveyController.OpenDTO]
        let surveyThanks: Bool
        /// The live announcements addressed to where the resident lives, pinned first (`Announcements`).
        let announcements: [AnnouncementPagesController.HomeRow]
        let messages: [FormMessage]
    }

    struct PaperBallotNotice: Encodable {
        let href: String
        let text: String
    }

    /// The home page of a resident account.
    static func home(_ request: Request, actor: Actor, messages: [FormMessage] = []) async throws -> View {
        let userID = actor.userID.uuid
        let mine = try await CaseRecord.query(on: request.db).filter(\.$submitterUserID == userID).sort(\.$openedAt, .descending).limit(5).all()
        let notices = try await CaseNoticeRecord.query(on: request.db).filter(\.$userID == userID).filter(\.$readAt == nil)
            .sort(\.$createdAt, .descending).limit(5).all()
        let board = try await boardCases(actor: actor, limit: boardSize, on: request.db)
        let labels = try await CaseLabels.load(for: mine + board, lang: request.lang, reader: actor, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("portal.title", request.lang))
        let votes = try await OwnerVotes.list(actor: actor, offset: 0, limit: 5, on: request.db).items.filter { $0.state == .open }
        let compounds = try await OwnerVotePagesController.compoundNames(votes.map { $0.$compound.id }, on: request.db)
        return try await request.view.render("cases/portal", PortalPage(
            page: page, mine: CaseTable(t: page.t, rows: mine.map { labels.row($0, linkTo: "/requests/") }, caption: page.t["portal_mine"] ?? ""),
            notices: notices.map { CaseNoticeDTO($0, lang: request.lang) },
            board: CaseTable(t: page.t, rows: board.map { labels.row($0, linkTo: "/board/") }, caption: page.t["portal_board"] ?? ""),
            votes: votes.map { OwnerVotePagesController.row($0, compound: compounds[$0.$compound.id] ?? "", lang: request.lang) },
            paperBallots: try await paperBallotNotices(userID, lang: request.lang, on: request.db),
            unjoined: !actor.grants.contains { $0.role == .resident }, welcome: (try? request.query.get(String.self, at: "welcome")) != nil,
            joined: (try? request.query.get(String.self, at: "joined")) != nil && actor.personID != nil,
            surveys: try await PropertySurveyController.open(request, actor: actor),
            surveyThanks: (try? request.query.get(String.self, at: "survey")) != nil,
            announcements: try await AnnouncementPagesController.homeRows(for: actor, request: request), messages: messages))
    }

    /// Paper ballots entered in the resident's name that they have not yet seen on the vote's page, naming the vote.
    static func paperBallotNotices(_ userID: UUID, lang: Lang, on db: any Database) async throws -> [PaperBallotNotice] {
        let notices = try await VoteNotices.paperBallots(for: userID, limit: 5, on: db)
        guard !notices.isEmpty else { return [] }
        let titles = Dictionary(uniqueKeysWithValues: try await OwnerVoteRecord.query(on: db).filter(\.$id ~~ notices.map(\.0.voteID)).all()
            .map { ($0.id!, $0.title) })
        return notices.map { notice, ballot in
            PaperBallotNotice(href: "/votes/\(notice.voteID.uuidString.lowercased())",
                              text: Strings.text("vote.paper_entered_home", lang).replacingOccurrences(of: "{vote}", with: titles[notice.voteID] ?? "")
                                + " · " + PageDates.minute(ballot.castAt))
        }
    }

    /// Public cases of the resident's own community, newest first.
    static func boardCases(actor: Actor, limit: Int, offset: Int = 0, on db: any Database) async throws -> [CaseRecord] {
        let scopes = actor.grants.filter { $0.role == .resident }.map(\.path.rawValue)
        guard !scopes.isEmpty else { return [] }
        return try await CaseRecord.query(on: db).filter(\.$isPublic == true).filter(\.$state != .merged)
            .group(.or) { group in for scope in scopes { group.filter(\.$placePath =~ scope) } }
            .sort(\.$openedAt, .descending).range(offset..<(offset + limit)).all()
    }

    struct MinePage: Encodable {
        let page: PageBase
        let cases: CaseTable
        let notices: [CaseNoticeDTO]
        let nextOffset: Int?
        let previousOffset: Int?
    }

    @Sendable func mine(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let userID = actor.userID.uuid
        let offset = request.pageOffset
        // A resident sees their own cases and the ones theirs were merged into.
        let cases = try await CaseRecord.visible(to: actor, on: request.db)
            .sort(\.$openedAt, .descending).range(offset..<(offset + 21)).all()
        let notices = try await CaseNoticeRecord.query(on: request.db).filter(\.$userID == userID).sort(\.$createdAt, .descending).limit(20).all()
        let labels = try await CaseLabels.load(for: cases, lang: request.lang, reader: actor, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("portal.mine", request.lang))
        return try await request.view.render("cases/mine", MinePage(
            page: page, cases: CaseTable(t: page.t, rows: cases.prefix(20).map { labels.row($0, linkTo: "/requests/") }, caption: page.title), notices: notices.map { CaseNoticeDTO($0, lang: request.lang) },
            nextOffset: cases.count > 20 ? offset + 20 : nil, previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    struct RequestPage: Encodable {
        let page: PageBase
        let item: CaseRowView
        let description: String
        let answers: [String]
        let timeline: [TimelineView]
        let canRate: Bool
        let mergedInto: CaseRowView?
        let flash: String?
        let trackingCode: String?
        let messages: [FormMessage]
        let emergency: EmergencyView?
    }

    /// A request as its submitter (or a follower) sees it. Staff are sent to the case page.
    @Sendable func show(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        if AccessPolicy.allowsAnywhere(.viewCases, actor: actor) { return request.redirect(to: "/cases/\(id.uuidString.lowercased())") }
        let trackingCode = PageRedirect.takeSecret(request)
        let response = try await render(request, actor: actor, id: id, done: request.query[String.self, at: "done"], trackingCode: trackingCode)
        if trackingCode != nil { PageRedirect.clearSecret(response, for: request) }
        return response
    }

    func render(_ request: Request, actor: Actor, id: UUID, done: String? = nil, trackingCode: String? = nil,
                messages: [FormMessage] = [], status: HTTPStatus = .ok) async throws -> Response {
        let db = request.db
        let record = try await CaseActions.visibleCase(id, actor: actor, allowFollowers: .yes, on: db)
        let follower = !CasePolicy.canView(actor, record.facts)
        var master: CaseRecord?
        if let masterID = record.mergedInto { master = try await CaseActions.visibleCase(masterID, actor: actor, allowFollowers: .yes, on: db) }
        let labels = try await CaseLabels.load(for: [record] + (master.map { [$0] } ?? []), lang: request.lang, reader: actor, on: db)
        let showWords = !follower || record.isPublic
        let answers = showWords ? try await CaseLabels.answers(record, lang: request.lang, on: db) : []
        let context = RequestPage(
            page: await PageBase.make(for: request, title: record.number), item: labels.row(record, linkTo: "/requests/"),
            description: showWords ? CaseText.shown(record.details, to: actor, of: record) : "", answers: answers,
            timeline: try await CaseLabels.timeline(record, lang: request.lang, reader: actor, showActors: false, showPhotos: showWords, on: db),
            canRate: CaseActions.available(record, to: actor).contains(.rateSatisfied),
            mergedInto: master.map { labels.row($0, linkTo: "/requests/") }, flash: done == "rated" ? Strings.text("request.rated", request.lang)
                : CasePagesController.doneMessage(done == "submitted" ? done : nil, number: record.number, lang: request.lang),
            trackingCode: trackingCode, messages: messages, emergency: try await EmergencyView.of(record, lang: request.lang, on: db))
        let response = try await request.view.render("cases/request", context).encodeResponse(status: status, for: request)
        return response
    }

    struct RateForm: Content {
        var solved: String?
        var satisfaction: String?
        var note: String?
    }

    @Sendable func rate(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let form = try request.content.decode(RateForm.self)
        let satisfaction = form.satisfaction.flatMap(CaseActions.Satisfaction.init(rawValue:))
        let solved: Bool? = form.solved == "yes" ? true : form.solved == "no" ? false : nil
        do {
            guard let solved else { throw AppError.invalid("solved", "required") }
            guard let satisfaction else { throw AppError.invalid("satisfaction", "required") }
            let action: CaseAction = solved && satisfaction != .unsatisfied ? .rateSatisfied : .rateUnsatisfied
            _ = try await CaseActions.perform(action, caseID: CaseID(id), input: .init(note: form.note ?? "", solved: solved, satisfaction: satisfaction),
                                              in: request.context)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await render(request, actor: actor, id: id, messages: request.formMessages(for: error), status: error.status)
        }
        return PageRedirect.to("/requests/\(id.uuidString.lowercased())?done=rated", for: request)
    }

    struct TrackPage: Encodable {
        let page: PageBase
        let code: String
        let searched: Bool
        let item: TrackItem?
        let master: TrackItem?
    }

    struct TrackItem: Encodable {
        let number: String
        let stateLabel: String
        let due: String
        let timeline: [TimelineView]
    }

    /// Anyone with a tracking code may follow that case: state and timeline, no names.
    @Sendable func track(_ request: Request) async throws -> View {
        let code = ((try? request.query.get(String.self, at: "code")) ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        var item: TrackItem?
        var master: TrackItem?
        func trackItem(_ record: CaseRecord) async throws -> TrackItem {
            TrackItem(number: record.number, stateLabel: CaseLabels.stateLabel(record.state, residentWords: true, request.lang),
                      due: CaseLabels.due(record, request.lang),
                      timeline: try await CaseLabels.timeline(record, lang: request.lang, reader: nil, showActors: false, showPhotos: false, on: request.db))
        }
        if (6...40).contains(code.count), let record = try await CaseRecord.query(on: request.db).filter(\.$trackingHash == Tokens.digest(code)).first() {
            item = try await trackItem(record)
            if let masterID = record.mergedInto, let found = try await CaseRecord.find(masterID, on: request.db) { master = try await trackItem(found) }
        }
        return try await request.view.render("cases/track", TrackPage(
            page: await PageBase.make(for: request, title: Strings.text("track.title", request.lang)),
            code: code, searched: !code.isEmpty, item: item, master: master))
    }

    struct BoardPage: Encodable {
        let page: PageBase
        let cases: CaseTable
        let nextOffset: Int?
        let previousOffset: Int?
    }

    @Sendable func board(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let offset = request.pageOffset
        let cases = try await Self.boardCases(actor: actor, limit: 21, offset: offset, on: request.db)
        // A public list: numbers typed into the words are masked for every reader.
        let labels = try await CaseLabels.load(for: cases, lang: request.lang, reader: nil, on: request.db)
        let page = await PageBase.make(for: request, title: Strings.text("portal.board", request.lang))
        return try await request.view.render("cases/board", BoardPage(
            page: page, cases: CaseTable(t: page.t, rows: cases.prefix(20).map { labels.row($0, linkTo: "/board/") }, caption: page.title),
            nextOffset: cases.count > 20 ? offset + 20 : nil,
            previousOffset: offset > 0 ? max(0, offset - 20) : nil))
    }

    struct PublicCasePage: Encodable {
        let page: PageBase
        let item: CaseRowView
        let description: String
        let timeline: [TimelineView]
    }

    /// A public case on the board: what was raised and how it was handled; never who raised it, no photos.
    @Sendable func boardCase(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let id = try request.uuidParameter()
        let scopes = actor.grants.filter { $0.role == .resident }.compactMap { OrgPath($0.path.rawValue) }
        guard let record = try await CaseRecord.find(id, on: request.db), record.isPublic, record.state != .merged,
              let place = OrgPath(record.placePath),
              scopes.contains(where: { $0.contains(place) }) || CasePolicy.canView(actor, record.facts) else { throw AppError.notFound }
        let labels = try await CaseLabels.load(for: [record], lang: request.lang, reader: nil, on: request.db)
        return try await request.view.render("cases/public", PublicCasePage(
            page: await PageBase.make(for: request, title: Masking.numbersInText(record.title)), item: labels.row(record, linkTo: "/board/"),
            description: Masking.numbersInText(record.details),
            timeline: try await CaseLabels.timeline(record, lang: request.lang, reader: nil, showActors: false, showPhotos: false, on: request.db)))
    }
}
