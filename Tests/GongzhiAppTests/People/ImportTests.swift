import Fluent
import Foundation
import Testing
import VaporTesting
@testable import GongzhiApp
@testable import GongzhiCore

@Suite("CSV import of units and residents")
struct ImportTests {
    let header = "小区,楼栋,房号,面积,网格,姓名,身份证号,手机号,关系\n"

    func file(grid: String) -> String {
        header + """
            幸福里小区,1号楼,101,89.5,\(grid),赵一,11010519491231002X,13812340001,业主
            幸福里小区,1号楼,101,89.5,\(grid),钱二,110101199001011237,13812340002,家庭成员
            幸福里小区,1号楼,102,abc,\(grid),孙三,110101199001011245,,业主
            幸福里小区,1号楼,103,60,\(grid),李四,110101199001011232,13812340004,租户
            幸福里小区,1号楼,104,70,不存在的网格,周五,110101199001011253,,业主
            幸福里小区,2号楼,201,75.25,\(grid),,,,
            """
    }

    @Test("valid rows are imported in one go, invalid rows reported by row, field and reason; re-import changes nothing")
    func importAndReimport() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let csv = file(grid: f.gridA.name)
            let units = try await HousingUnitRecord.query(on: app.db).count()
            let response = try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", raw: csv, contentType: HTTPMediaType(type: "text", subType: "csv"))
            #expect(response.status == .ok, "\(response.body.string)")
            let report = try response.content.decode(ImportResidents.Report.self)
            #expect(report.createdUnits == 2)
            #expect(report.createdPersons == 2)
            #expect(report.createdMembers == 2)
            #expect(report.issues.map { "\($0.row):\($0.field):\($0.reason)" } == ["4:area:invalid_area", "5:id_number:invalid_id_check_digit", "6:grid:unknown_grid"])
            #expect(report.issues[0].message.contains("面积"))
            #expect(try await HousingUnitRecord.query(on: app.db).count() == units + 2)
            // Nothing of a refused row was written: only units 101 and 201 exist in the new compound.
            let compound = try #require(try await CompoundRecord.query(on: app.db).filter(\.$name == "幸福里小区").first())
            let buildings = try await BuildingRecord.query(on: app.db).filter(\.$compound.$id == compound.id!).all()
            let imported = try await HousingUnitRecord.query(on: app.db).filter(\.$building.$id ~~ buildings.map { $0.id! }).all()
            #expect(imported.map(\.number).sorted() == ["101", "201"])
            #expect(imported.first { $0.number == "201" }?.areaCenti == 7525)
            #expect(imported.first { $0.number == "101" }?.areaCenti == 8950)
            let audits = try await app.auditCount()
            let persons = try await PersonRecord.query(on: app.db).count()
            let again = try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", raw: csv, contentType: HTTPMediaType(type: "text", subType: "csv"))
            let second = try again.content.decode(ImportResidents.Report.self)
            #expect(second.createdUnits + second.updatedUnits + second.createdPersons + second.updatedPersons + second.createdMembers == 0)
            #expect(second.unchangedRows == 3)
            #expect(try await HousingUnitRecord.query(on: app.db).count() == units + 2)
            #expect(try await PersonRecord.query(on: app.db).count() == persons)
            #expect(try await app.auditCount() == audits)
        }
    }

    @Test("a worker cannot import into another community; a grid worker cannot import at all")
    func importScope() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var worker = try await TestClient.api(app, as: "worker")
            let units = try await HousingUnitRecord.query(on: app.db).count()
            let other = try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityB.id!.uuidString)", raw: file(grid: "第1网格"), contentType: HTTPMediaType(type: "text", subType: "csv"))
            #expect(other.status == .notFound)
            var grid = try await TestClient.api(app, as: "grid")
            let denied = try await grid.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", raw: file(grid: f.gridA.name), contentType: HTTPMediaType(type: "text", subType: "csv"))
            #expect(denied.status == .forbidden || denied.status == .notFound)
            #expect(try await HousingUnitRecord.query(on: app.db).count() == units)
            let wrongType = try await worker.send(.POST, "/api/v1/import/residents?communityId=\(f.communityA.id!.uuidString)", json: ["a": "b"])
            #expect(wrongType.status == .unsupportedMediaType)
        }
    }

    @Test("the import page shows the report in the user's language")
    func importPage() async throws {
        try await withApp { app, f in
            let f = try #require(f)
            var browser = try await TestClient.browser(app, as: "worker")
            let page = try await browser.send(.GET, "/import")
            #expect(page.status == .ok && page.body.string.contains(f.communityA.name) && !page.body.string.contains(f.communityB.name))
            let boundary = "----gongzhi-test"
            let body = """
                --\(boundary)\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n\(browser.csrf ?? "")\r\n\
                --\(boundary)\r\nContent-Disposition: form-data; name="communityId"\r\n\r\n\(f.communityA.id!.uuidString)\r\n\
                --\(boundary)\r\nContent-Disposition: form-data; name="file"; filename="residents.csv"\r\nContent-Type: text/csv\r\n\r\n\(file(grid: f.gridA.name))\r\n\
                --\(boundary)--\r\n
                """
            let result = try await browser.send(.POST, "/import", raw: body, contentType: HTTPMediaType(type: "multipart", subType: "form-data", parameters: ["boundary": boundary]))
            #expect(result.status == .ok, "\(result.body.string.prefix(300))")
            let html = result.body.string
            #expect(html.contains("id=\"created-units\">2<"))
            #expect(html.contains("身份证号校验码不正确"))
        }
    }
}
