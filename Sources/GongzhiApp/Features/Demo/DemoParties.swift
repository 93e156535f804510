import Fluent
import Foundation
import GongzhiCore
import Vapor

/// The demo district's parties (issue 27), registered through the same use cases as the pages: the district's
/// departments and its supervisory commission, a street office, two property companies (the demo resident's
/// compound served by one; another commercial compound whose contract ended last year, so its matters go to the
/// community), the owners' committee of the resident's compound with the owners' vote that elected it, a social
/// organisation, a co-building unit and the community's party organisation — each with a demo login. The demo's
/// cases are then routed as intake routes them now.
enum DemoParties {
    struct Login: Sendable {
        let username: String
        let displayName: String
        /// The party's name in `parties` below.
        let party: String
    }

    static let logins: [Login] = [
        Login(username: "dept", displayName: "区城市管理委员会 周军", party: "区城市管理委员会"),
        Login(username: "wuye", displayName: "安居物业 管家 张明（也是网格员）", party: "安居物业服务有限公司"),
        Login(username: "wuye2", displayName: "恒泰物业 客服 孙丽", party: "恒泰物业管理有限公司"),
        Login(username: "yewei", displayName: "业主委员会办公室 李建国", party: "业主委员会"),
        Login(username: "shegong", displayName: "阳光社工服务中心 何平", party: "阳光社会工作服务中心"),
        Login(username: "gongjian", displayName: "共建单位联络员 郑洁", party: "区第一人民医院"),
        Login(username: "jiwei", displayName: "区纪委监委 林涛", party: "区纪委监委"),
        Login(username: "dangwei", displayName: "社区党委 党群服务中心 吴红", party: "社区党委"),
    ]

    static func seed(app: Application) async throws {
        let db = app.db
        guard let admin = try await DemoDeliberation.actor("admin", app), let worker = try await DemoDeliberation.actor("worker", app),
              let resident = try await DemoDeliberation.actor("resident", app),
              let compoundID = try await DemoDeliberation.residentCompound(resident, app),
              let compound = try await CompoundRecord.find(compoundID, on: db),
              let community = try await OrgNodeRecord.find(compound.$community.id, on: db),
              let streetID = community.$parent.id, let street = try await OrgNodeRecord.find(streetID, on: db),
              let districtID = street.$parent.id else { return }
        let system = app.context(.account(admin)), staff = app.context(.account(worker))
        let now = app.clock.now, today = CivilDate(now)
        func day(_ offset: Int) -> String { CivilDate(DayNumber.start(of: today).addingTimeInterval(Double(offset) * 86_400)).description }
        var nodes: [String: OrgNodeRecord] = [:]
        func register(_ kind: PartyKind, _ area: UUID, _ name: String, contact: String, phone: String, functions: [String] = [],
                      services: String = "", in context: UseCaseContext) async throws {
            nodes[name] = try await PartyChanges.register(kind: kind, areaID: area, input: .init(
                name: name, contactName: contact, contactPhone: phone, functions: functions, services: services), in: context)
        }
        // The district: its departments (by the catalogue's department names) and its supervisory commission.
        for (name, functions, phone) in [
            ("区城市管理委员会", ["城市管理", "园林绿化"], "010-6512 3401"), ("区市场监督管理局", ["市场监管"], "010-6512 3402"),
            ("区住房和城乡建设委员会", ["住房和城乡建设", "燃气", "供热"], "010-6512 3403"), ("区生态环境局", ["生态环境"], "010-6512 3404"),
            ("区卫生健康委员会", ["卫生健康"], "010-6512 3405"), ("区水务局", ["水务", "水务电力"], "010-6512 3406"),
            ("公安分局（辖区派出所）", ["公安", "公安交通"], "110"), ("区消防救援支队", ["消防"], "119"),
        ] {
            try await register(.department, districtID, name, contact: "值班室", phone: phone, functions: functions, in: system)
        }
        try await register(.supervisoryBody, districtID, "区纪委监委", contact: "信访室", phone: "12388", in: system)
        // Two property companies, registered once with the district.
        try await register(.propertyCompany, districtID, "安居物业服务有限公司", contact: "管家 张明", phone: "010-6523 8800", in: system)
        try await register(.propertyCompany, districtID, "恒泰物业管理有限公司", contact: "客服中心", phone: "010-6588 1200", in: system)
        // The street's office for its own items; the community's organisations.
        try await register(.streetOffice, streetID, "街道城市管理办公室", contact: "值班室", phone: "010-6512 5500",
                           functions: ["ADM-019", "ADM-020", "PRO-004", "PRO-006"], in: system)
        try await register(.socialOrganisation, community.id!, "阳光社会工作服务中心", contact: "社工站", phone: "010-6533 0101",
                           functions: ["SRV-010", "SRV-011", "SRV-001", "SRV-015"], services: "心理疏导、法律援助、居家养老和老年助餐。", in: staff)
        try await register(.coBuildingUnit, community.id!, "区第一人民医院", contact: "党办", phone: "010-6540 2000",
                           services: "每月一次义诊，健康讲座，志愿者服务。", in: staff)
        nodes["社区党委"] = try await PartyChanges.register(kind: .partyOrganisation, areaID: community.id!, input: .init(
            name: "\(community.name)党委", contactName: "党群服务中心", contactPhone: "010-6533 0100", functions: [], services: ""), in: staff)

        // The resident's compound: served by 安居 (it is a commercial compound here); another commercial compound
        // of the community was served by 恒泰 until last year and has no company now.
        if !compound.commercial {
            compound.commercial = true
            try await compound.update(on: db)
        }
        let company = nodes["安居物业服务有限公司"]!.id!, other = nodes["恒泰物业管理有限公司"]!.id!
        _ = try await PartyChanges.addContract(companyID: company, input: .init(compoundID: compoundID, startsOn: day(-400), endsOn: day(700),
                                                                                 serviceLevel: "二级", feeCenti: 250), in: staff)
        let others = try await CompoundRecord.query(on: db).filter(\.$community.$id == community.id!).filter(\.$id != compoundID).sort(\.$name).all()
        if let second = others.first(where: \.commercial) ?? others.first {
            if !second.commercial {
                second.commercial = true
                try await second.update(on: db)
            }
            _ = try await PartyChanges.addContract(companyID: other, input: .init(compoundID: second.id!, startsOn: day(-1_100), endsOn: day(-30),
                                                                                   serviceLevel: "三级", feeCenti: 180), in: staff)
        }
        // 恒泰 serves a compound of another street too (its staff see only their compounds' cases).
        if let far = try await CompoundRecord.query(on: db).filter(\.$orgPath !~ street.path).filter(\.$commercial == true).sort(\.$name).first() {
            _ = try await PartyChanges.addContract(companyID: other, input: .init(compoundID: far.id!, startsOn: day(-200), endsOn: day(900),
                                                                                   serviceLevel: "一级", feeCenti: 320), in: system)
        }

        // The owners' committee, elected by an owners' vote of the compound.
        let vote = try await electionVote(compoundID, staff: staff, app: app)
        nodes["业主委员会"] = try await PartyChanges.register(kind: .ownersCommittee, areaID: community.id!, input: .init(
            name: "\(compound.name)业主委员会", contactName: "业委会办公室", contactPhone: "010-6523 8899", compoundID: compoundID,
            termStarts: day(-60), termEnds: day(5 * 365 - 60), electedByVoteID: vote,
            powers: ["召集业主大会会议，报告物业管理的实施情况", "代表业主与业主大会选聘的物业服务企业签订物业服务合同",
                     "监督物业服务企业履行物业服务合同", "监督管理规约的实施", "督促业主交纳物业服务费"],
            duties: ["执行业主大会的决定和决议", "及时了解业主、物业使用人的意见和建议", "每半年公开一次业主委员会的工作情况和公共收益",
                     "配合社区居委会依法履行自治管理职责", "接受业主和街道、社区的监督"]), in: staff)

        // Its seats: five owners of the compound on the committee and two on its supervisory board.
        let owners = try await CommitteeMembers.owners(of: compoundID, on: db)
        let seats: [CommitteeRoster.Seat] = [.director, .deputy, .member, .member, .member, .supervisorChair, .supervisor]
        for (owner, seat) in zip(owners, seats) {
            _ = try await CommitteeMembers.seat(committeeID: nodes["业主委员会"]!.id!, personID: PersonID(owner.person), seat: seat.rawValue, in: staff)
        }
        // A demo login for each party (the steward is also the grid worker of the compound's first grid, as seed 002 allows).
        let hash = app.gongzhi.passwords.hash(DemoAccounts.password)
        let grid = try await BuildingRecord.query(on: db).filter(\.$compound.$id == compoundID).first()?.$grid.id
        // Every other party gets a duty account too (a party takes cases once someone works there).
        let named = Set(logins.map(\.party))
        let duty = nodes.keys.filter { !named.contains($0) }.sorted().enumerated().map { index, name in
            Login(username: "duty\(index + 1)", displayName: "\(name) 值班员", party: name)
        }
        for login in logins + duty {
            guard let node = nodes[login.party] else { continue }
            let user = UserRecord(id: UUID(), username: login.username, displayName: login.displayName, passwordHash: hash, now: now)
            try await user.create(on: db)
            try await RoleGrantRecord(userID: user.id!, role: .partyStaff, nodeID: node.id!, path: node.orgPath, grantedBy: nil).create(on: db)
            if login.username == "wuye", let grid, let gridNode = try await OrgNodeRecord.find(grid, on: db) {
                try await RoleGrantRecord(userID: user.id!, role: .gridWorker, nodeID: grid, path: gridNode.orgPath, grantedBy: nil).create(on: db)
            }
        }
        try await reroute(app: app)
    }

    /// An owners' vote electing the committee, with paper ballots from three owners in four, closed and passed.
    static func electionVote(_ compoundID: UUID, staff: UseCaseContext, app: Application) async throws -> UUID? {
        let vote = try await OwnerVotes.create(.init(compoundID: compoundID, title: "选举第一届业主委员会",
                                                     details: "候选人：李建国、王淑芬、张志强、刘红、陈伟。", matter: .electCommittee,
                                                     closesAt: app.clock.now.addingTimeInterval(86_400)), in: staff)
        _ = try await OwnerVotes.open(vote.id!, in: staff)
        // A ballot sheet's photo (a 1×1 PNG stands in for it).
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
                            0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1, 0x0D, 0x0A, 0x2D, 0xB4,
                            0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        let sheet = try CasePhoto(checking: File(data: ByteBuffer(bytes: png), filename: "ballot.png"), field: "evidence")
        let voters = try await OwnerVoteVoterRecord.query(on: app.db).filter(\.$voteID == vote.id!).sort(\.$voterKey).all()
        for (index, voter) in voters.enumerated() where index % 4 != 3 {
            _ = try await OwnerVotes.cast(vote.id!, choice: index % 9 == 4 ? .no : .yes, from: .paper(voterKey: voter.voterKey, evidence: sheet), in: staff)
        }
        try await staff.write { db in _ = try await OwnerVotes.finish(vote.id!, in: staff, on: db) }
        return vote.id
    }

    /// The demo's cases as intake routes them now: those still with the area the catalogue's level named pass to the
    /// party registered for them (`PartyDirectory`), as a case raised today would go.
    static func reroute(app: Application) async throws {
        let db = app.db
        guard let prepared = try await CatalogueStore.prepared(on: db) else { return }
        let today = CivilDate(app.clock.now)
        for record in try await CaseRecord.query(on: db).all() {
            guard let item = prepared.catalogue.item(record.itemCode), let place = OrgPath(record.placePath) else { continue }
            let segments = place.segments
            let level = item.responsible.level
            guard segments.count > level.depth, segments[level.depth].lowercased() == record.handlerNodeID.uuidString.lowercased(),
                  let handler = try await PartyDirectory.handler(for: item, placePath: place, buildingID: record.buildingID, on: today, db: db),
                  handler.id != record.handlerNodeID else { continue }
            record.handlerNodeID = handler.id
            record.handlerPath = handler.path
            try await record.update(on: db)
        }
    }
}
