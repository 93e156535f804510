import Testing
@testable import GongzhiCore

@Suite("Buildings named in a resident's words")
struct PlaceMentionTests {
    @Test("numbers in digits, full-width digits and Chinese numerals before 号楼, 楼, 栋, 幢, 座", arguments: [
        ("3号楼的电梯坏了", ["3"]), ("三号楼门口", ["3"]), ("１２栋楼道灯不亮", ["12"]), ("十二幢和5号楼之间", ["12", "5"]),
        ("二十一号楼", ["21"]), ("B座3号楼", ["3"]), ("03号楼", ["3"]),
    ])
    func found(text: String, expected: [String]) {
        #expect(PlaceMention.buildingNumbers(in: text) == expected)
    }

    @Test("floors, rooms, times and amounts are not buildings", arguments: [
        "我住3楼", "三楼楼道堆满杂物", "5楼层高", "已经三天了", "花了200元", "10号那天", "3单元", "301室漏水", "一楼", "两栋楼中间",
    ])
    func notFound(text: String) {
        #expect(PlaceMention.buildingNumbers(in: text).isEmpty, "\(PlaceMention.buildingNumbers(in: text))")
    }

    @Test("a building name's own number")
    func buildingName() {
        #expect(PlaceMention.number(ofBuilding: "3号楼") == "3")
        #expect(PlaceMention.number(ofBuilding: "12栋") == "12")
        #expect(PlaceMention.number(ofBuilding: "综合楼") == nil)
    }
}
