import Fluent
import Foundation
import GongzhiCore
import Vapor

/// A few rectification items for the demo district (整改): one waiting, one past its deadline, one reported and
/// waiting for verification, one verified, opened by the street supervisor for the first communities, so that the
/// pages and the overdue warning have something to show.
enum DemoRectifications {
    struct Item {
        let finding: String
        let plan: String
        /// Days from now: opened, and the deadline.
        let openedDaysAgo: Int
        let deadlineInDays: Int
        let state: RectificationRules.State
        let evidence: String
        let reviewNote: String
    }

    static let items = [
        Item(finding: "居民议事会会议记录不全，9—11 月缺签到表。", plan: "补齐会议记录和签到表，按月归档。", openedDaysAgo: 3, deadlineInDays: 12,
             state: .open, evidence: "", reviewNote: ""),
        Item(finding: "3 号楼楼道堆放杂物，消防通道不畅。", plan: "通知住户限期清理，物业每周巡查。", openedDaysAgo: 9, deadlineInDays: -2,
             state: .open, evidence: "", reviewNote: ""),
        Item(finding: "网格巡查台账缺少现场照片。", plan: "补拍照片并与台账一同归档。", openedDaysAgo: 6, deadlineInDays: 4,
             state: .submitted, evidence: "已补拍 10 月以来的巡查照片，随台账归档在社区服务站。", reviewNote: ""),
        Item(finding: "小区消防通道标识缺失。", plan: "重新喷涂标识，设置警示牌。", openedDaysAgo: 20, deadlineInDays: -5,
             state: .verified, evidence: "已重新喷涂标识并设置警示牌 4 块。", reviewNote: "现场核验通过。"),
    ]

    /// The items at the communities of the demo accounts `worker` and `worker2` (who report), opened by `street`.
    @discardableResult
    static func seed(app: Application) async throws -> Int {
        guard let street = try await UserRecord.query(on: app.db).filter(\.$username == "street").first()?.id else { return 0 }
        var owners: [(id: UUID, path: String, staff: UUID)] = []
        for name in ["worker", "worker2"] {
            guard let staff = try await UserRecord.query(on: app.db).filter(\.$username == name).first()?.id,
                  let grant = try await RoleGrantRecord.query(on: app.db).filter(\.$user.$id == staff).first(), let node = grant.$node.id else { continue }
            owners.append((node, grant.path, staff))
        }
        return try await write(owners: owners, supervisor: street, now: app.clock.now, app: app)
    }

    /// Writes `items` in turn at `owners` (the org, its path and a staff member who reports; the first owner takes
    /// the first item, and so on round), opened by `supervisor`; returns how many.
    @discardableResult
    static func write(owners: [(id: UUID, path: String, staff: UUID)], supervisor: UUID, now: Date, app: Application) async throws -> Int {
        guard !owners.isEmpty else { return 0 }
        let day: Double = 86_400
        let records = items.enumerated().map { index, item in
            let owner = owners[index % owners.count]
            let record = RectificationRecord()
            record.id = UUID()
            record.ownerNodeID = owner.id
            record.orgPath = owner.path
            record.finding = item.finding
            record.plan = item.plan
            record.deadline = CivilDate(now.addingTimeInterval(Double(item.deadlineInDays) * day)).description
            record.state = item.state
            record.evidence = item.evidence
            record.reviewNote = item.reviewNote
            record.createdBy = supervisor
            record.createdAt = now.addingTimeInterval(-Double(item.openedDaysAgo) * day)
            if item.state != .open {
                record.submittedBy = owner.staff
                record.submittedAt = now.addingTimeInterval(-Double(item.openedDaysAgo) * day / 2)
            }
            if item.state == .verified {
                record.verifiedBy = supervisor
                record.verifiedAt = now.addingTimeInterval(-Double(item.openedDaysAgo) * day / 4)
            }
            return record
        }
        try await app.write { db in
            for record in records { try await record.create(on: db) }
        }
        return records.count
    }
}
