import Fluent
import SQLKit
import Foundation
import GongzhiCore

/// A community's disclosure record (`DisclosureRecord` in Core), gathered from what each part has made public:
/// public announcements (not withdrawn), published council meetings and their decisions, project progress reports,
/// owners' votes' published results, and the month's points. It holds nothing that was not already published, and
/// no one's name or number; each reader sees what they could already see elsewhere (`Reader`).
enum DisclosureBook {
    /// Who reads: anyone sees the public announcements and the points (the noticeboard at the community's door, the
    /// feed); the community's residents and staff also its meetings, projects and each compound's money totals;
    /// owners' vote results go to the compound's residents and to staff.
    enum Reader: Sendable {
        case anyone
        case resident(compounds: Set<UUID>)
        case staff
    }

    static func reader(_ actor: Actor?, of community: OrgNodeRecord, on db: any Database) async throws -> Reader {
        guard let actor else { return .anyone }
        if AccessPolicy.reaches(.viewDeliberation, actor: actor, place: community.orgPath) { return .staff }
        let homes = try await Announcements.homes(of: actor, on: db).filter { $0.community == community.id!.uuidString }
        return homes.isEmpty ? .anyone : .resident(compounds: Set(homes.compactMap { UUID(uuidString: $0.compound) }))
    }

    static func entries(community: OrgNodeRecord, from: Date, to: Date, now: Date, reader: Reader, lang: Lang, on db: any Database) async throws -> [DisclosureRecord.Entry] {
        let id = community.id!
        var entries: [DisclosureRecord.Entry] = []
        let announcements = try await AnnouncementRecord.query(on: db).filter(\.$communityID == id).filter(\.$isPublic == true).filter(\.$withdrawnAt == nil)
            .filter(\.$publishFrom >= from).filter(\.$publishFrom < to).filter(\.$publishFrom <= now).all()
        for a in announcements {
            entries.append(.init(id: a.id!.uuidString, kind: .announcement, at: a.publishFrom, title: a.title, detail: String(a.body.prefix(140)),
                                 link: "/announcements/\(a.id!.uuidString.lowercased())"))
        }
        guard !reader.isAnyone else { return entries }
        let meetings = try await MeetingRecord.query(on: db).filter(\.$communityID == id).filter(\.$publishedAt != nil)
            .filter(\.$publishedAt >= from).filter(\.$publishedAt < to).all()
        let decisions = meetings.isEmpty ? [] : try await MeetingDecisionRecord.query(on: db).filter(\.$meetingID ~~ meetings.compactMap(\.id)).all()
        for m in meetings {
            let texts = decisions.filter { $0.meetingID == m.id }.map { Strings.text("outcome.\($0.outcome.rawValue)", lang) + "：" + $0.text }
            entries.append(.init(id: m.id!.uuidString, kind: .meeting, at: m.publishedAt!, title: m.title, detail: texts.joined(separator: "；"),
                                 link: "/meetings/\(m.id!.uuidString.lowercased())"))
        }
        let projects = try await ProjectRecord.query(on: db).filter(\.$communityID == id).all()
        if !projects.isEmpty {
            let titles = Dictionary(uniqueKeysWithValues: projects.map { ($0.id!, $0.title) })
            for u in try await ProjectUpdateRecord.query(on: db).filter(\.$projectID ~~ projects.compactMap(\.id)).filter(\.$createdAt >= from).filter(\.$createdAt < to).all() {
                entries.append(.init(id: u.id!.uuidString, kind: .project, at: u.createdAt, title: (titles[u.projectID] ?? "") + " · \(u.percent)%", detail: u.text,
                                     link: "/projects/\(u.projectID.uuidString.lowercased())"))
            }
        }
        // Each compound's money of the period: totals for the community's residents (the detail is on its page).
        for compound in try await CompoundRecord.query(on: db).filter(\.$community.$id == id).sort(\.$name).all() {
            let money = try await CompoundFinances.month(compound: compound.id!, from: from, to: to, on: db)
            guard !money.lines.isEmpty, let revenue = money.funds.first(where: { $0.fund == .revenue })?.month,
                  let maintenance = money.funds.first(where: { $0.fund == .maintenance })?.month else { continue }
            let detail = Strings.text("disclosure.finance_detail", lang).replacingOccurrences(of: "{rin}", with: FinancePagesController.yuan(revenue.incoming))
                .replacingOccurrences(of: "{rout}", with: FinancePagesController.yuan(revenue.outgoing))
                .replacingOccurrences(of: "{rclose}", with: FinancePagesController.yuan(revenue.closing))
                .replacingOccurrences(of: "{mclose}", with: FinancePagesController.yuan(maintenance.closing))
            entries.append(.init(id: "finance-\(compound.id!.uuidString)-\(DisclosureRecord.Month(from))", kind: .finance, at: min(now, to.addingTimeInterval(-1)),
                                 title: Strings.text("disclosure.finance_title", lang).replacingOccurrences(of: "{compound}", with: compound.name), detail: detail,
                                 link: "/finances?compoundId=\(compound.id!.uuidString.lowercased())&month=\(DisclosureRecord.Month(from))"))
        }
        for v in try await OwnerVoteRecord.query(on: db).filter(\.$orgPath == community.path).filter(\.$state == .closed).filter(\.$closedAt >= from).filter(\.$closedAt < to).all() {
            if case .resident(let compounds) = reader, !compounds.contains(v.$compound.id) { continue }
            guard let tally = OwnerVoteTallyDTO.decode(v.resultJSON) else { continue }
            let detail = Strings.text(tally.passed ? "vote.passed" : "vote.failed", lang) + " · "
                + Strings.text("disclosure.vote_turnout", lang).replacingOccurrences(of: "{n}", with: String(tally.participatingHeadcount))
                    .replacingOccurrences(of: "{m}", with: String(tally.totalHeadcount))
            entries.append(.init(id: v.id!.uuidString, kind: .ownersVote, at: v.closedAt!, title: v.title, detail: detail, link: "/votes/\(v.id!.uuidString.lowercased())"))
        }
        return entries
    }

    /// The month's points of the community: earned (net of corrections) and exchanged, as one entry at the month's end (or now).
    static func pointsEntry(community: OrgNodeRecord, from: Date, to: Date, now: Date, lang: Lang, on db: any Database) async throws -> DisclosureRecord.Entry? {
        let accounts = try await LedgerAccountRecord.query(on: db).filter(\.$communityID == community.id!).filter(\.$book == .points).filter(\.$personID != nil).all()
        guard !accounts.isEmpty else { return nil }
        let ids = accounts.compactMap(\.id)
        let moves = try await LedgerTransferRecord.query(on: db).filter(\.$createdAt >= from).filter(\.$createdAt < to)
            .group(.or) { $0.filter(\.$creditAccountID ~~ ids).filter(\.$debitAccountID ~~ ids) }.all()
        let earnedCodes = Set(PointsRules.Earning.allCases.map(\.rawValue))
        let earned = moves.filter { earnedCodes.contains($0.code.rawValue) }.reduce(Int64(0)) { $0 + $1.amount }
            - moves.filter { $0.code == .correction }.reduce(Int64(0)) { $0 + $1.amount }
        let exchanged = moves.filter { $0.kind == .postPending }.reduce(Int64(0)) { $0 + $1.amount }
        guard earned != 0 || exchanged != 0 else { return nil }
        let detail = Strings.text("disclosure.points_detail", lang).replacingOccurrences(of: "{earned}", with: String(earned))
            .replacingOccurrences(of: "{exchanged}", with: String(exchanged))
        return .init(id: "points-\(DisclosureRecord.Month(from))", kind: .points, at: min(now, to.addingTimeInterval(-1)), title: Strings.text("disclosure.points_title", lang),
                     detail: detail, link: nil)
    }
}

extension DisclosureBook.Reader {
    var isAnyone: Bool {
        if case .anyone = self { return true }
        return false
    }
}
