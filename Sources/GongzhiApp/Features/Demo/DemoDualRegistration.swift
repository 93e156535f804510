import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The demo's dual registration: the resident reports as a party member working at the co-building unit, the unit
/// reports too, the community's party organisation (`dangwei`) confirms both and offers three posts; the resident
/// holds one and has service confirmed and service waiting.
enum DemoDualRegistration {
    static func seed(app: Application) async throws {
        let db = app.db
        guard let resident = try await DemoDeliberation.actor("resident", app), let organisationStaff = try await DemoDeliberation.actor("dangwei", app),
              let unitStaff = try await DemoDeliberation.actor("gongjian", app),
              let unit = try await DualRegistrations.unitsStaffed(by: unitStaff, on: db).first,
              let organisation = try await DualRegistrations.organisations(for: organisationStaff, on: db).first?.node else { return }
        let own = app.context(.account(resident)), party = app.context(.account(organisationStaff)), unitContext = app.context(.account(unitStaff))
        let member = try await DualRegistrations.register(.init(kind: .inService, unitID: unit.id, unitName: nil, branch: "区第一人民医院第三党支部",
                                                                offer: "会一点急救知识，周末有空"), in: own)
        let unitRegistration = try await DualRegistrations.register(.init(kind: .unit, unitID: unit.id, unitName: nil, branch: "区第一人民医院党委",
                                                                          offer: "每月一次义诊，健康讲座"), in: unitContext)
        for id in [member.id!, unitRegistration.id!] { _ = try await DualRegistrations.decide(id, confirm: true, reason: nil, in: party) }
        var posts: [PartyServicePostRecord] = []
        for (title, details, capacity) in [("楼门长助理", "协助楼门长收集居民意见、通知事项。", 5 as Int?), ("文明劝导", "周末在小区门口劝导乱停车、乱扔垃圾。", nil),
                                           ("助老送餐", "每周二、四中午给独居老人送餐。", 3)] {
            posts.append(try await PartyService.createPost(.init(organisationID: organisation.id, title: title, details: details, capacity: capacity), in: party))
        }
        _ = try await PartyService.claim(posts[0].id!, in: own)
        _ = try await PartyService.claim(posts[2].id!, in: unitContext)
        let today = CivilDate(app.clock.now)
        func day(_ offset: Int) -> CivilDate { CivilDate(DayNumber.start(of: today).addingTimeInterval(Double(offset) * 86_400)) }
        let done = try await PartyService.log(.init(registrationID: nil, postID: posts[0].id, day: day(-5), minutes: 120, note: "挨家挨户通知停水，收集了 12 条意见。"), in: own)
        _ = try await PartyService.decide(done.id!, confirm: true, reason: nil, in: party)
        _ = try await PartyService.log(.init(registrationID: unitRegistration.id, postID: posts[2].id, day: day(-3), minutes: 180, note: "义诊，量血压 40 人次。"), in: party)
        _ = try await PartyService.log(.init(registrationID: nil, postID: posts[0].id, day: day(-1), minutes: 90, note: "楼道杂物清理，劝导 3 户。"), in: own)
    }
}
