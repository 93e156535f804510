import Fluent
import GongzhiCore
import Vapor

/// What every page needs: its words, language, elderly mode, the CSRF token for its forms and the navigation.
struct PageBase: Encodable {
    /// The lists the deliberation hub (`/deliberation`) leads to: the menu marks the hub while one is open.
    static let deliberationSections = ["/needs", "/votes", "/polls", "/council", "/meetings", "/projects"]

    struct NavItem: Encodable {
        let href: String
        let label: String
        var current: Bool
    }

    struct Me: Encodable {
        let displayName: String
        let roles: [String]
    }

    let t: PageWords
    let lang: String
    let elderly: Bool
    let title: String
    let csrf: String
    /// A one-time key for this page's forms (`_once`): the same form posted twice does its work once.
    let once: String
    let me: Me?
    let nav: [NavItem]
    /// The current path and query, percent-encoded, for the language and elderly-mode switches to come back to.
    let here: String
    /// For staff and administrators: a year within 60 days has no holiday arrangement loaded.
    var calendarNotice: String? = nil
    /// Shown as a box with what to do (the system administrator) rather than a line.
    var calendarNoticeForAdmin = false
    /// Other forms of the page (`<link rel="alternate">`): an Atom feed, a calendar.
    var alternates: [Alternate] = []

    struct Alternate: Encodable {
        let type: String
        let title: String
        let href: String
    }

    static func make(for request: Request, title: String) async -> PageBase {
        let lang = request.lang
        var nav: [NavItem] = []
        var me: Me?
        if let current = request.current {
            let actor = current.actor
            func item(_ href: String, _ key: String, _ permission: Permission?) {
                if let permission, !AccessPolicy.allowsAnywhere(permission, actor: actor) { return }
                nav.append(NavItem(href: href, label: Strings.text(key, lang), current: false))
            }
            item("/", "nav.home", nil)
            if actor.roles.contains(.resident) {
                item("/requests/new", "nav.raise", nil)
                item("/requests", "nav.requests", nil)
                item("/points", "nav.points", nil)
                item("/activities", "nav.activities", nil)
                item("/my-data", "nav.my_data", nil)
            }
            if actor.roles.contains(.resident) || AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) {
                item("/deliberation", "nav.deliberation", nil)
            }
            if actor.roles.contains(.resident) || actor.roles.contains(.partyStaff) || AccessPolicy.allowsAnywhere(.viewDeliberation, actor: actor) {
                item("/announcements", "nav.announcements", nil)
            }
            if await Self.takesPartInDualRegistration(actor, on: request.db) { item("/party", "nav.party", nil) }
            item("/workbench", "nav.workbench", .viewCases)
            item("/supervise", "nav.supervise", .superviseCases)
            item("/dashboard", "nav.dashboard", .viewCases)
            item("/rectifications", "nav.rectifications", .viewCases)
            item("/org", "nav.org", .viewOrganisation)
            item("/parties", "nav.parties", .viewOrganisation)
            item("/people", "nav.people", .viewResidents)
            item("/import", "nav.import", .manageResidents)
            item("/users", "nav.users", .manageAccounts)
            item("/audit", "nav.audit", .readAuditLog)
            // The current page is the longest item the path is in ("/requests/new" rather than "/requests").
            // The deliberation hub stands for the lists it leads to.
            var path = request.url.path
            if Self.deliberationSections.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { path = "/deliberation" }
            if let best = nav.indices.filter({ nav[$0].href == path || (nav[$0].href != "/" && path.hasPrefix(nav[$0].href + "/")) })
                .max(by: { nav[$0].href.count < nav[$1].href.count }) {
                nav[best].current = true
            }
            me = Me(displayName: current.displayName,
                    roles: actor.roles.map { Strings.text("role.\($0.rawValue)", lang) }.sorted())
        }
        var here = request.url.path
        if let query = request.url.query, !query.isEmpty { here += "?" + query }
        var calendarNotice: String?
        var calendarNoticeForAdmin = false
        if let actor = request.current?.actor, actor.roles.contains(where: { $0 != .resident }),
           let year = request.gongzhi.calendar.unarrangedYear(within: WorkingCalendar.arrangementWarningDays, of: request.now) {
            // The system administrator is told what to do; other staff, in a line, what it means for their deadlines.
            calendarNoticeForAdmin = actor.roles.contains(.systemAdmin)
            calendarNotice = Strings.text(calendarNoticeForAdmin ? "calendar.missing_year" : "calendar.missing_year_staff", lang)
                .replacingOccurrences(of: "{year}", with: "\(year)")
        }
        return PageBase(t: PageWords(lang), lang: lang.rawValue, elderly: request.elderlyMode, title: title,
                        csrf: request.csrfToken, once: Tokens.random(), me: me, nav: nav,
                        here: here.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "/-_."))) ?? "/",
                        calendarNotice: calendarNotice, calendarNoticeForAdmin: calendarNoticeForAdmin)
    }
}

extension PageBase {
    /// The street's supervisors, and the staff of a party organisation or a co-building unit (one small query, for
    /// party staff only), work with dual registration.
    static func takesPartInDualRegistration(_ actor: Actor, on db: any Database) async -> Bool {
        if actor.roles.contains(.streetSupervisor) { return true }
        let nodes = actor.grants.filter { $0.role == .partyStaff }.compactMap { $0.path.segments.last.flatMap(UUID.init(uuidString:)) }
        guard !nodes.isEmpty else { return false }
        let count = try? await OrgNodeRecord.query(on: db).filter(\.$id ~~ nodes).filter(\.$party ~~ [.partyOrganisation, .coBuildingUnit]).count()
        return (count ?? 0) > 0
    }
}

/// A message shown above a form: what is wrong with which field.
struct FormMessage: Encodable {
    let field: String?
    let text: String
}

/// A page link's query string from its parameters, each value percent-encoded (filters carried from page to page).
func pageQueryString(_ items: [(String, String)]) -> String {
    items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
}

extension Request {
    /// A page's `offset`: a missing, negative or absurd one is clamped (page links never need more).
    var pageOffset: Int { min(max(0, (try? query.get(Int.self, at: "offset")) ?? 0), Paging.maxOffset) }

    /// A local path to go back to: only "/..." and never "//host" (no open redirect).
    func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return "/" }
        return raw
    }

    /// The messages for a failed form submission, in the user's language; led by the field's name where the
    /// words have one (`field.<name>`), so that "Required." says which box.
    func formMessages(for error: any Error) -> [FormMessage] {
        let problem = GongzhiErrorMiddleware.describe(error, request: self)
        var text = problem.message(lang)
        if let field = problem.field, let label = Strings.entry("field.\(field)", lang) {
            text = label + (lang == .zh ? "：" : ": ") + text
        }
        return [FormMessage(field: problem.field, text: text)]
    }
}

extension Request {
    /// A page form that writes to the object at `base/:id`: on success back to its page (with `?done=…` for the
    /// page's thanks), on a refusal (anything but 404) the page again with the reason, answered with the
    /// refusal's status.
    func objectFormWrite(base: String, done: String? = nil, _ body: (Actor, UUID) async throws -> Void,
                         rerender: (Actor, UUID, [FormMessage], HTTPStatus) async throws -> Response) async throws -> Response {
        let actor = try requireActor()
        let id = try uuidParameter()
        do {
            try await body(actor, id)
            return redirect(to: "\(base)/\(id.uuidString.lowercased())" + (done.map { "?done=\($0)" } ?? ""), redirectType: .normal)
        } catch let error as AppError where error.status != .notFound {
            return try await rerender(actor, id, formMessages(for: error), error.status)
        }
    }
}
