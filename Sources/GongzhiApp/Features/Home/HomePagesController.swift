import Fluent
import SQLKit
import GongzhiCore
import Vapor

/// The home page (the workbench of each role) and the language and elderly-mode switches.
struct HomePagesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        routes.get("prefs", "lang", ":lang", use: setLanguage)
        routes.get("prefs", "elderly", ":mode", use: setElderly)
    }

    struct HomePage: Encodable {
        let page: PageBase
        let household: [HouseholdView]
    }

    struct HouseholdView: Encodable {
        let unit: String
        let members: [String]
    }

    struct FrontDoor: Encodable {
        let page: PageBase
    }

    @Sendable func home(_ request: Request) async throws -> View {
        // A visitor finds the front door: what this is, where to raise a problem, track one, sign in or up.
        guard let actor = request.currentActor else {
            return try await request.view.render("home/front-door", FrontDoor(page: await PageBase.make(for: request, title: Strings.text("front.title", request.lang))))
        }
        // A resident's home is the request portal (also for one who signed up and joined no household yet); staff
        // get their workbench entries.
        if actor.isResident { return try await ResidentPortalPagesController.home(request, actor: actor) }
        var households: [HouseholdView] = []
        if let personID = actor.personID?.uuid {
            let memberships = try await HouseholdMemberRecord.query(on: request.db).filter(\.$person.$id == personID)
                .with(\.$household) { $0.with(\.$unit) { $0.with(\.$building) { $0.with(\.$compound) } } }.all()
            for membership in memberships {
                let household = membership.household
                let others = try await HouseholdMemberRecord.query(on: request.db).filter(\.$household.$id == household.requireID())
                    .with(\.$person).all()
                let unit = household.unit
                households.append(HouseholdView(
                    unit: "\(unit.building.compound.name) \(unit.building.name) \(unit.number)",
                    members: others.map { "\($0.person.name)（\(Strings.text("relation.\($0.relation.rawValue)", request.lang))）" }))
            }
        }
        return try await request.view.render("home/index", HomePage(
            page: await PageBase.make(for: request, title: Strings.text("home.title", request.lang)), household: households))
    }

    @Sendable func setLanguage(_ request: Request) async throws -> Response {
        let lang = Lang(rawValue: request.parameters.get("lang") ?? "") ?? .zh
        let response = request.redirect(to: request.safeNext(try? request.query.get(String.self, at: "next")))
        response.cookies[Lang.cookieName] = preference(lang.rawValue, request)
        return response
    }

    @Sendable func setElderly(_ request: Request) async throws -> Response {
        let on = request.parameters.get("mode") == "on"
        let response = request.redirect(to: request.safeNext(try? request.query.get(String.self, at: "next")))
        response.cookies["gz_elderly"] = preference(on ? "1" : "0", request)
        return response
    }

    func preference(_ value: String, _ request: Request) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, maxAge: 365 * 24 * 3600, path: "/", isSecure: request.gongzhi.config.https,
                          isHTTPOnly: true, sameSite: .lax)
    }
}
