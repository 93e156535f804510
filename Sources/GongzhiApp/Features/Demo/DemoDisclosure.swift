import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The demo's announcements, written through the same use case as the pages: the community's notices (one pinned,
/// one for the resident's building, one scheduled, one withdrawn) and a notice of the owners' committee to its compound.
enum DemoDisclosure {
    static func seed(app: Application) async throws {
        let db = app.db
        guard let worker = try await DemoDeliberation.actor("worker", app), let resident = try await DemoDeliberation.actor("resident", app),
              let home = try await Announcements.homes(of: resident, on: db).first,
              let communityID = UUID(uuidString: home.community), let buildingID = UUID(uuidString: home.building) else { return }
        let staff = app.context(.account(worker))
        let now = app.clock.now
        func publish(_ title: String, _ body: String, scope: Announcement.Scope = .community, building: UUID? = nil, isPublic: Bool = true,
                     pinned: Bool = false, hoursAgo: Double = 0, from: Date? = nil, in context: UseCaseContext? = nil, committee: UUID? = nil) async throws -> AnnouncementRecord {
            try await Announcements.publish(.init(
                communityID: committee == nil ? communityID : nil, committeeID: committee, scope: scope, compoundID: UUID(uuidString: home.compound),
                buildingID: building, title: title, body: body, isPublic: isPublic, pinned: pinned,
                from: from ?? now.addingTimeInterval(-hoursAgo * 3600), until: nil), in: context ?? staff)
        }
        _ = try await publish("社区新年联欢会报名开始", "1 月 10 日下午 2 点在社区活动中心举办新年联欢会，欢迎居民报名表演节目。\n报名：社区服务站一楼，或电话 010-6533 0100。", hoursAgo: 20)
        _ = try await publish("冬季用火用电安全提示", "天气寒冷，请不要在楼道里给电动车充电，不要私拉电线；使用燃气取暖请注意通风。\n发现燃气泄漏，请立即开窗、不要开关电器，拨打燃气抢修电话。",
                              pinned: true, hoursAgo: 18)
        _ = try await publish("二次供水水箱清洗，周四停水半天", "本周四上午 9:00 到 12:00 清洗本楼二次供水水箱，期间停水，请提前储水。给您带来不便，敬请谅解。",
                              scope: .building, building: buildingID, isPublic: false, hoursAgo: 6)
        _ = try await publish("下周二社区卫生服务站义诊", "区第一人民医院的医生下周二上午来社区义诊，量血压、测血糖、看常见病，带上医保卡。",
                              from: now.addingTimeInterval(3 * 86_400))
        let wrong = try await publish("停车收费标准调整（征求意见）", "小区地面停车收费标准拟调整，征求居民意见。", hoursAgo: 12)
        _ = try await Announcements.withdraw(wrong.id!, reason: "标准还没有经过业主大会表决，暂不征求意见。", in: staff)
        // The owners' committee writes to its compound's owners (its demo login is `yewei`).
        guard let member = try await DemoDeliberation.actor("yewei", app),
              let committee = try await Announcements.committees(of: member, on: db).first else { return }
        _ = try await publish("业主委员会第一次会议决定公示", "业主委员会第一次会议决定：\n1. 每月第一个周六上午在小区会所接待业主；\n2. 半年公开一次公共收益和支出；\n3. 监督物业做好冬季供暖和电梯维保。",
                              scope: .compound, isPublic: false, hoursAgo: 15, in: app.context(.account(member)), committee: committee.id)
    }
}

/// The demo's points: the community's rules, a catalogue with stock, what the demo resident earned, and one of their
/// exchanges waiting to be handed over.
enum DemoPoints {
    static func seed(app: Application) async throws {
        let db = app.db
        guard let worker = try await DemoDeliberation.actor("worker", app), let resident = try await DemoDeliberation.actor("resident", app),
              let personID = resident.personID, let person = try await PersonRecord.find(personID.uuid, on: db),
              let community = try await Points.community(of: person, on: db) else { return }
        let staff = app.context(.account(worker))
        for (earning, points, daily, monthly) in [(PointsRules.Earning.volunteerHours, 10, 100, 300), (.meetingAttendance, 5, nil, 20),
                                                   (.validReport, 2, 4, 20), (.pledge, 10, nil, 10)] as [(PointsRules.Earning, Int, Int?, Int?)] {
            _ = try await Points.setRule(communityID: community.id.map(OrgNodeID.init), earning: earning, pointsPerUnit: points, dailyCap: daily, monthlyCap: monthly, from: nil, in: staff)
        }
        for (name, description, points, limit, stock) in [
            ("理发一次", "社区服务站每周三上午，志愿者理发师。", 30, 2, 20), ("鸡蛋一盒", "爱心超市提供，十枚装。", 20, 0, 50),
            ("社区食堂午餐券", "老年助餐点，一次午餐。", 15, 0, 100), ("家电清洗一次", "共建单位提供：油烟机或空调清洗一次。", 120, 1, 5),
        ] as [(String, String, Int64, Int, Int64)] {
            let item = try await Points.addItem(communityID: community.id.map(OrgNodeID.init), name: name, description: description, points: points, perPersonLimit: limit, in: staff)
            _ = try await Points.addStock(item.id!, quantity: stock, note: "", transferID: nil, in: staff)
        }
        _ = try await Points.award(communityID: community.id.map(OrgNodeID.init), personID: personID, earning: .volunteerHours, units: 4, note: "社区图书室值班", transferID: nil, in: staff)
        _ = try await Points.award(communityID: community.id.map(OrgNodeID.init), personID: personID, earning: .meetingAttendance, units: 1, note: "楼门议事会", transferID: nil, in: staff)
        _ = try await Points.award(communityID: community.id.map(OrgNodeID.init), personID: personID, earning: .validReport, units: 1, note: "", transferID: nil, in: staff)
        if let eggs = try await RewardItemRecord.query(on: db).filter(\.$communityID == community.id!).filter(\.$name == "鸡蛋一盒").first() {
            _ = try await Points.redeem(eggs.id!, transferID: nil, in: app.context(.account(resident)))
        }
    }
}

/// The demo's volunteer activities: one next week with places, one the day after tomorrow already full, one last
/// week where the demo resident's hours were confirmed; the resident in the volunteer pool.
enum DemoActivities {
    static func seed(app: Application) async throws {
        let db = app.db
        guard let worker = try await DemoDeliberation.actor("worker", app), let resident = try await DemoDeliberation.actor("resident", app),
              let personID = resident.personID, let person = try await PersonRecord.find(personID.uuid, on: db),
              let community = try await Points.community(of: person, on: db) else { return }
        let staff = app.context(.account(worker)), own = app.context(.account(resident))
        let now = app.clock.now
        let day = 86_400.0
        func make(_ title: String, _ place: String, _ details: String, in days: Double, hours: Double, capacity: Int) async throws -> ActivityRecord {
            // Starting at 9:00 Beijing time `days` from today.
            let start = DayNumber.start(of: CivilDate(now.addingTimeInterval(days * day))).addingTimeInterval(9 * 3600)
            return try await Activities.create(.init(communityID: community.id, title: title, details: details, place: place, starts: start,
                                                     ends: start.addingTimeInterval(hours * 3600), capacity: capacity), in: staff)
        }
        _ = try await make("社区图书室值班", "社区服务站二楼图书室", "整理图书、借还登记，适合喜欢安静的居民。", in: 7, hours: 3, capacity: 6)
        _ = try await make("楼道清理日", "各楼楼道", "清理楼道杂物，保持消防通道畅通。手套、袋子社区提供。", in: 2, hours: 2, capacity: 1)
        let past = try await make("陪伴独居老人", "幸福苑 3 号楼", "上门陪独居老人聊天、读报。", in: 1, hours: 2, capacity: 8)
        _ = try await Activities.signUp(past.id!, in: own)
        // Moved back a week, with the resident checked in and out, then the hours confirmed (points by the rule).
        let start = past.startsAt.addingTimeInterval(-8 * day)
        past.startsAt = start
        past.endsAt = start.addingTimeInterval(2 * 3600)
        try await past.update(on: db)
        if let signUp = try await ActivitySignupRecord.query(on: db).filter(\.$activityID == past.id!).first() {
            signUp.signedUpAt = start.addingTimeInterval(-2 * day)
            signUp.checkedInAt = start.addingTimeInterval(-300)
            signUp.checkedOutAt = start.addingTimeInterval(2 * 3600)
            try await signUp.update(on: db)
            _ = try await Activities.confirm(signUp.id!, hours: 2, in: staff)
        }
        _ = try await Activities.register(pool: .volunteer, skills: "陪老人聊天、整理图书", availability: "周末上午", in: own)
    }
}

/// The demo's residents' convention: adopted after comments, with the demo resident's pledge.
enum DemoConvention {
    static func seed(app: Application) async throws {
        let db = app.db
        guard let worker = try await DemoDeliberation.actor("worker", app), let resident = try await DemoDeliberation.actor("resident", app),
              let personID = resident.personID, let person = try await PersonRecord.find(personID.uuid, on: db),
              let community = try await Points.community(of: person, on: db) else { return }
        let staff = app.context(.account(worker)), own = app.context(.account(resident))
        let text = """
            一、爱护公共环境，垃圾分类投放，不在楼道堆放杂物。
            二、文明养犬，出门牵绳，及时清理犬只粪便。
            三、不高空抛物，不私拉电线给电动车充电。
            四、邻里互助，关心独居老人和困难家庭。
            五、积极参加社区议事和志愿服务。
            """
        let convention = try await Conventions.create(communityID: community.id.map(OrgNodeID.init), title: "\(community.name)居民公约", text: text, in: staff)
        _ = try await Conventions.step(convention.id!, .init(step: .consult, text: nil, note: nil, until: app.clock.now.addingTimeInterval(14 * 86_400), basis: nil, link: nil), in: staff)
        let comment = try await Conventions.comment(convention.id!, text: "建议加上：装修不在午休时间施工。", in: own)
        _ = try await Conventions.moderate(comment.id!, publish: true, reason: nil, in: staff)
        _ = try await Conventions.step(convention.id!, .init(step: .revise, text: text + "\n六、装修施工避开午休和夜间。", note: "采纳居民意见，加了第六条", until: nil, basis: nil, link: nil), in: staff)
        _ = try await Conventions.step(convention.id!, .init(step: .adopt, text: nil, note: nil, until: nil,
                                                             basis: "社区居民代表会议表决通过（到会 45 人，同意 41 人）", link: nil), in: staff)
        _ = try await Conventions.pledge(convention.id!, in: own)
    }
}

/// The demo's compound money: this month's parking and advertising income and a maintenance-fund deposit.
enum DemoFinances {
    static func seed(app: Application) async throws {
        guard let worker = try await DemoDeliberation.actor("worker", app), let resident = try await DemoDeliberation.actor("resident", app),
              let compound = try await Announcements.homes(of: resident, on: app.db).first.flatMap({ UUID(uuidString: $0.compound) }) else { return }
        let staff = app.context(.account(worker))
        for (movement, income, fen, note) in [(CompoundFinances.Movement.income, FundStatement.Income.parking, Int64(1_286_000), "地面停车费（本月）"),
                                              (.income, .advertising, 360_000, "电梯广告费"), (.deposit, .deposit, 4_500_000, "首期维修资金缴存")] {
            _ = try await CompoundFinances.record(compoundID: compound, .init(movement: movement, income: income, amountFen: fen, note: note, voteID: nil, transferID: nil),
                                                  photos: [], in: staff)
        }
    }
}
