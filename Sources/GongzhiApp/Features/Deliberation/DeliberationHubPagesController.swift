import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/deliberation` (议事协商): one entry to the needs and topics, owners' votes and residents' polls, with what is
/// open now in each.
struct DeliberationHubPagesController: RouteCollection {
    /// The pages the hub leads to (the navigation marks the hub as current on them).
    static var sections: [String] { PageBase.deliberationSections }

    func boot(routes: any RoutesBuilder) throws {
        routes.get("deliberation", use: hub)
    }

    struct Entry: Encodable {
        let href: String
        let title: String
        let hint: String
        let count: Int
    }

    struct HubView: Encodable {
        let page: PageBase
        let entries: [Entry]
    }

    @Sendable func hub(_ request: Request) async throws -> View {
        let actor = try request.requireActor()
        let db = request.db
        let lang = request.lang
        let openNeeds = try await Needs.list(actor: actor, states: [.open, .topic], offset: 0, limit: 1, on: db).total
        let votes = try await OwnerVotes.list(actor: actor, offset: 0, limit: 50, on: db).items.filter { $0.state == .open }.count
        let polls = try await Polls.list(actor: actor, offset: 0, limit: 50, on: db).items.filter { $0.state == .open }.count
        let meetings = try await Council.meetings(actor: actor, offset: 0, limit: 50, on: db).items.filter { $0.heldAt >= request.now.addingTimeInterval(-86_400) }.count
        let projects = try await Projects.list(actor: actor, offset: 0, limit: 100, on: db).items
            .filter { [.planned, .inProgress, .acceptance].contains($0.state) }.count
        let page = await PageBase.make(for: request, title: Strings.text("nav.deliberation", lang))
        var conventions = 0
        if let community = try await DisclosurePagesController.community(request) {
            conventions = try await Conventions.list(community: community.id!, actor: actor, on: db).filter { $0.state == .consultation }.count
        }
        // Staff: the points of the community, with the exchanges waiting to be handed over.
        var points: [Entry] = []
        if AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor),
           let waiting = DeliberationScope.visible(RedemptionRecord.query(on: db).filter(\RedemptionRecord.$state == RedemptionRecord.State.reserved), actor: actor, path: \RedemptionRecord.$orgPath, residentFilter: nil) {
            points = [Entry(href: "/points/manage", title: Strings.text("points.manage_title", lang), hint: Strings.text("hub.points_hint", lang),
                            count: try await waiting.count())]
        }
        return try await request.view.render("deliberation/hub", HubView(page: page, entries: [
            Entry(href: "/needs", title: Strings.text("need.list_title", lang), hint: Strings.text("hub.needs_hint", lang), count: openNeeds),
            Entry(href: "/votes", title: Strings.text("vote.list_title", lang), hint: Strings.text("hub.votes_hint", lang), count: votes),
            Entry(href: "/polls", title: Strings.text("poll.list_title", lang), hint: Strings.text("hub.polls_hint", lang), count: polls),
            Entry(href: "/council", title: Strings.text("council.title", lang), hint: Strings.text("hub.council_hint", lang), count: meetings),
            Entry(href: "/projects", title: Strings.text("project.list_title", lang), hint: Strings.text("hub.projects_hint", lang), count: projects),
            Entry(href: "/conventions", title: Strings.text("convention.title", lang), hint: Strings.text("hub.convention_hint", lang), count: conventions),
        ] + points))
    }
}
