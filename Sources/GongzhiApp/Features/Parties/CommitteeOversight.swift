import Fluent
import Foundation
import GongzhiCore

/// What an owners' committee oversees (seed 002: the committee supervises the property company): its compound's
/// property cases of the period — numbers, items, states, the day, who holds them; never the residents' words,
/// nor anonymous cases (neighbours could tell who raised them) — and the figures of the company on them. Shown to the committee's own staff and to those who see cases at the compound.
enum CommitteeOversight {
    struct CaseRow: Encodable {
        let number: String
        let item: String
        let state: String
        let opened: String
        let handler: String
    }

    struct View: Encodable {
        let compound: String
        let company: String
        let cells: [SupervisionPagesController.Cell]
        let cases: [CaseRow]
    }

    static func mayOversee(_ actor: Actor, committee: OrgNodeRecord, compound: CompoundRecord) -> Bool {
        actor.grants.contains { $0.path == committee.orgPath }
            || AccessPolicy.allows(.viewCases, actor: actor, at: OrgPath(compound.orgPath) ?? .root)
    }

    static func view(committee: OrgNodeRecord, profile: PartyProfileRecord?, actor: Actor, now: Date, lang: Lang,
                     on db: any Database) async throws -> View? {
        guard let compoundID = profile?.compoundID, let compound = try await CompoundRecord.find(compoundID, on: db),
              mayOversee(actor, committee: committee, compound: compound) else { return nil }
        let (from, _) = PartyPagesController.period(now)
        let buildings = try await BuildingRecord.query(on: db).filter(\.$compound.$id == compoundID).all().compactMap(\.id)
        let cases = buildings.isEmpty ? [] : try await CaseRecord.query(on: db).filter(\.$buildingID ~~ buildings)
            .filter(\.$handlerParty == .propertyCompany).filter(\.$openedAt >= DayNumber.start(of: from)).filter(\.$anonymous == false)
            .sort(\.$openedAt, .descending).limit(500).all()
        let facts = try await PartyDirectory.compoundFacts(compound, on: CivilDate(now), db: db)
        let companyID = facts.servingCompany.flatMap { UUID(uuidString: $0.id) }
        let companyCases = cases.filter { $0.handlerNodeID == companyID }
        let labels = try await CaseLabels.load(for: cases, lang: lang, reader: actor, on: db)
        return View(compound: compound.name, company: facts.servingCompany?.name ?? "",
                    cells: PartyPagesController.cells(companyCases.isEmpty ? nil : CaseKPIs.figures(companyCases.map(KPIRollups.kpiRow), now: now), lang),
                    cases: cases.prefix(50).map { record in
                        CaseRow(number: record.number, item: labels.items[record.itemCode] ?? record.itemCode,
                                state: CaseLabels.stateLabel(record.state, residentWords: false, lang), opened: CivilDate(record.openedAt).description,
                                handler: labels.handler(record))
                    })
    }
}
