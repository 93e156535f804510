import Fluent
import Foundation
import GongzhiCore
import Vapor

/// Deliberation for the demo district (issue 26: "each page shows what it is for on the first start"), written
/// through the same use cases as the pages, by the demo accounts of the first community: the "3+X" council, needs
/// residents raised (one taken up as a topic), a meeting with its minutes and decision, published, the project it
/// became, a poll and an owners' vote open now.
enum DemoDeliberation {
    static func seed(app: Application) async throws {
        guard let worker = try await actor("worker", app), let resident = try await actor("resident", app),
              let communityID = worker.grants.first?.path.segments.last.flatMap(UUID.init(uuidString:)),
              let compound = try await residentCompound(resident, app) else { return }
        let staff = app.context(.account(worker))
        let neighbour = app.context(.account(resident))
        let day: TimeInterval = 86_400
        let now = app.clock.now

        // The council: the community, the owners' committee, the property company, and the X seats.
        var members: [UUID] = []
        for (seat, name, organisation) in [
            (CouncilRules.Seat.community, "王秀兰", "社区居委会"), (.ownersCommittee, "李建国", "业主委员会"),
            (.propertyCompany, "赵明", "物业服务中心"), (.tenantsRepresentative, "陈静", "租户代表"), (.coBuildingUnit, "刘洋", "辖区共建单位"),
        ] {
            members.append(try await Council.addMember(.init(communityID: communityID, compoundID: nil, seat: seat, name: name,
                                                              organisation: organisation), in: staff).id!)
        }

        // Needs: raised by residents; the first is taken up as a topic for the council.
        let charging = try await Needs.raise(.init(title: "小区想装电动自行车充电桩", details: "楼道里充电太危险，晚上经常有人飞线充电。希望在车棚装一排充电桩。",
                                                   place: "北门车棚", communityID: nil, compoundID: compound), in: neighbour)
        _ = try await Needs.raise(.init(title: "健身区加几张长椅", details: "老人锻炼完没地方坐，希望在健身器材旁边加几张长椅。",
                                        place: "中心花园", communityID: nil, compoundID: compound), in: neighbour)
        _ = try await Needs.raise(.init(title: "周末开放社区活动室给孩子写作业", details: "", place: "社区活动室", communityID: communityID, compoundID: nil),
                                  in: neighbour)
        _ = try await Needs.decide(charging.id!, .takeUp, note: "车棚改造涉及消防和用电，提交议事会协商。", in: staff)

        // The council met, agreed, and published its minutes; the decision became a project.
        let meeting = try await Council.schedule(.init(communityID: communityID, compoundID: nil, title: "第三季度居民议事会",
                                                       heldAt: now.addingTimeInterval(-10 * day), place: "社区议事厅", agenda: [charging.id!]), in: staff)
        _ = try await Council.record(meeting.id!, present: members, minutes: """
            到会 5 人，议事会成员全部出席。议题：北门车棚加装电动自行车充电桩。物业介绍了车棚用电容量和消防要求；业委会同意使用部分公共收益；\
            居民代表希望按次收费、价格公开。表决：同意 5 票。
            """, in: staff)
        let decision = try await Council.decide(meeting.id!, needID: charging.id!, text: "同意在北门车棚加装 20 个充电口，费用由公共收益和社区公益金共同承担，按次收费、价格公示。",
                                                outcome: .agreed, in: staff)
        _ = try await Council.publish(meeting.id!, in: staff)
        let project = try await Projects.create(.init(
            decisionID: decision.id!, title: "北门车棚充电桩", details: "加装 20 个充电口，配灭火器和监控。", ownerOrg: "物业服务中心", budgetFen: 3_600_000,
            funding: [.init(source: .communityFund, resourceID: nil, amountFen: 1_600_000, note: "社区公益金"),
                      .init(source: .other, resourceID: nil, amountFen: 2_000_000, note: "小区公共收益")],
            milestones: [.init(title: "确定施工单位", dueOn: CivilDate(now.addingTimeInterval(-3 * day)).description),
                         .init(title: "安装完成并验收", dueOn: CivilDate(now.addingTimeInterval(20 * day)).description)]), in: staff)
        _ = try await Projects.report(project.id!, text: "施工单位已确定，材料进场。", percent: 30, in: staff)

        // A poll and an owners' vote, open now.
        _ = try await Polls.create(.init(communityID: communityID, compoundID: nil, title: "社区活动室周末开放时间",
                                         details: "想请大家说说周末什么时间开放最方便。", options: ["上午 9–12 点", "下午 2–5 点", "晚上 7–9 点"],
                                         multipleChoice: true, unit: .resident, closesAt: now.addingTimeInterval(7 * day)), in: staff)
        let vote = try await OwnerVotes.create(.init(compoundID: compound, title: "使用专项维修资金更换 1 号楼电梯",
                                                     details: "1 号楼电梯已使用 18 年，多次困人。拟使用专项维修资金约 42 万元更换。",
                                                     matter: .useMaintenanceFund, closesAt: now.addingTimeInterval(14 * day)), in: staff)
        _ = try await OwnerVotes.open(vote.id!, in: staff)
    }

    /// A demo account as an actor (its grants and person).
    static func actor(_ username: String, _ app: Application) async throws -> Actor? {
        guard let user = try await UserRecord.query(on: app.db).filter(\.$username == username).first() else { return nil }
        let grants = try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == user.id!).all().compactMap(\.grant)
        return Actor(userID: AccountID(user.id!), username: user.username, grants: grants, personID: user.$person.id.map(PersonID.init))
    }

    /// The compound the demo resident lives in.
    static func residentCompound(_ resident: Actor, _ app: Application) async throws -> UUID? {
        guard let person = resident.personID?.uuid,
              let member = try await HouseholdMemberRecord.query(on: app.db).filter(\.$person.$id == person)
                .with(\.$household, { $0.with(\.$unit, { $0.with(\.$building) }) }).first() else { return nil }
        return member.household.unit.building.$compound.id
    }
}
