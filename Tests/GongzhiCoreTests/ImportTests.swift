import Foundation
import Testing
@testable import GongzhiCore

@Suite("CSV reading and writing")
struct CSVTests {
    @Test("quotes, doubled quotes, embedded commas and line breaks, CRLF, a BOM, blank lines")
    func parse() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n1,,3\n"
        #expect(try CSV.parse(text) == [["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["1", "", "3"]])
        #expect(try CSV.parse("a,b") == [["a", "b"]])
        #expect(try CSV.parse("a,\"\"") == [["a", ""]])
        #expect(try CSV.parse("") == [])
    }

    @Test("an unclosed quote and text after a closing quote are errors with the record number")
    func malformed() {
        #expect(throws: CSV.Error.unterminatedQuote(record: 2)) { try CSV.parse("a,b\n\"open,c\n") }
        #expect(throws: CSV.Error.textAfterQuote(record: 1)) { try CSV.parse("\"a\"b,c") }
    }

    @Test("writing quotes what needs it and defuses spreadsheet formulas")
    func write() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("=SUM(A1)") == "'=SUM(A1)")
        #expect(CSV.field("+86138") == "'+86138")
    }

    @Test("a mark after the first character, and CR LF, do not hide a formula, a comma or a line break (found by fuzz-csv-import)")
    func writeByScalars() throws {
        #expect(CSV.field("-\u{311}1+1") == "'-\u{311}1+1")
        #expect(CSV.field("=\u{301}cmd") == "'=\u{301}cmd")
        #expect(CSV.field("a,\u{301}b") == "\"a,\u{301}b\"")
        #expect(CSV.field("a\r\nb") == "\"a\r\nb\"")
        #expect(CSV.field("\"\u{301}x") == "\"\"\"\u{301}x\"")
        for value in ["a,\u{301}b", "a\r\nb", "\"\u{301}x", "x\"\u{301}"] {
            #expect(try CSV.parse("\u{FEFF}" + CSV.field(value) + ",z") == [[value, "z"]], "\(value.debugDescription)")
        }
    }
}

@Suite("Resident import validation")
struct ResidentImportTests {
    let today = Date(timeIntervalSince1970: 1_795_000_000)
    let header = "小区,楼栋,房号,面积,网格,姓名,身份证号,手机号,关系\n"

    @Test("valid rows come out typed; invalid ones are reported by row, field and reason")
    func rowsAndIssues() {
        let csv = header + """
            和平里小区,1号楼,101,89.5,第1网格,张伟,11010519491231002X,13812341234,业主
            和平里小区,1号楼,102,abc,第1网格,,,,
            和平里小区,1号楼,103,60,第1网格,李娜,110105194912310021,13812341234,租户
            和平里小区,1号楼,104,60,第1网格,王芳,11010519491231002X,1381234,家属
            和平里小区,,105,60,,,,,
            和平里小区,1号楼,106,70.25,第1网格,,,,
            """
        let result = ResidentImport.validate(csv: csv, today: today)
        #expect(result.rows.map(\.row) == [2, 7])
        #expect(result.rows[0].area.centiSquareMetres == 8950)
        #expect(result.rows[0].resident?.relation == .owner)
        #expect(result.rows[0].resident?.phone?.value == "13812341234")
        #expect(result.rows[1].resident == nil)
        #expect(result.issues == [
            .init(row: 3, field: "area", reason: .invalidArea),
            .init(row: 4, field: "id_number", reason: .invalidIDCheckDigit),
            .init(row: 5, field: "phone", reason: .invalidPhone),
            .init(row: 6, field: "building", reason: .required),
        ])
    }

    @Test("English headers work; a missing required column refuses the file")
    func headers() {
        let english = ResidentImport.validate(csv: "compound,building,unit,area\nA,1,101,50\n", today: today)
        #expect(english.rows.count == 1 && english.issues.isEmpty)
        let missing = ResidentImport.validate(csv: "compound,building,area\nA,1,50\n", today: today)
        #expect(missing.rows.isEmpty)
        #expect(missing.issues == [.init(row: 1, field: "unit", reason: .missingColumn)])
    }

    @Test("rows that contradict earlier rows of the same file are refused")
    func contradictions() {
        let csv = header + """
            A,1,101,50,,张伟,11010519491231002X,,
            A,1,101,51,,,,,
            A,1,102,50,,李伟,11010519491231002X,,
            A,1,101,50.00,,,,,
            """
        let result = ResidentImport.validate(csv: csv, today: today)
        #expect(result.rows.map(\.row) == [2, 5])
        #expect(result.issues == [.init(row: 3, field: "area", reason: .conflictingArea), .init(row: 4, field: "name", reason: .conflictingPerson)])
    }

    @Test("a wrong number of fields, an unknown relation and a malformed file")
    func otherIssues() {
        let result = ResidentImport.validate(csv: header + "A,1,101\nA,1,102,50,,张伟,11010519491231002X,,邻居\n", today: today)
        #expect(result.issues == [.init(row: 2, field: "", reason: .wrongFieldCount), .init(row: 3, field: "relation", reason: .invalidRelation)])
        #expect(ResidentImport.validate(csv: header + "\"A,1", today: today).issues == [.init(row: 2, field: "", reason: .malformedFile)])
    }
}

@Suite("Demo district generator")
struct DemoDistrictTests {
    @Test("the same seed gives the same district; another seed another")
    func deterministic() {
        let a = DemoDistrict.generate(streets: 2, households: 300, seed: 42)
        let b = DemoDistrict.generate(streets: 2, households: 300, seed: 42)
        let c = DemoDistrict.generate(streets: 2, households: 300, seed: 43)
        #expect(a.persons.map(\.idNumber) == b.persons.map(\.idNumber))
        #expect(a.nodes.map(\.name) == b.nodes.map(\.name))
        #expect(a.persons.map(\.idNumber) != c.persons.map(\.idNumber))
    }

    @Test("the requested households, a valid tree, and unique personal numbers that pass validation")
    func realistic() throws {
        let plan = DemoDistrict.generate(streets: 3, households: 20_000, seed: 42)
        let today = Date(timeIntervalSince1970: 1_795_000_000)
        #expect(plan.households.count == 20_000)
        #expect(Set(plan.persons.map(\.idNumber)).count == plan.persons.count)
        #expect(Set(plan.persons.map(\.phone)).count == plan.persons.count)
        #expect(plan.nodes.filter { $0.level == .street }.count == 3)
        #expect(plan.nodes.filter { $0.level == .community }.count >= 3)
        for node in plan.nodes {
            let parentLevel = node.parent.map { plan.nodes[$0].level }
            try OrgTreeRules.checkPlacement(level: node.level, parentLevel: parentLevel)
        }
        for person in plan.persons {
            _ = try ResidentIDNumber(validating: person.idNumber, today: today)
            _ = try MobileNumber(validating: person.phone)
        }
        #expect(Set(plan.nodes.filter { $0.level != .grid }.map(\.name)).count == plan.nodes.filter { $0.level != .grid }.count)
        // Developer-held units have no household; every household's unit exists.
        let occupied = Set(plan.households.map(\.unit))
        #expect(plan.units.indices.filter { plan.units[$0].developerHeld }.allSatisfy { !occupied.contains($0) })
        // Owners of several units exist (one person in owners' votes), and every household has an owner.
        let owners = plan.members.filter { $0.relation == .owner }
        #expect(Set(owners.map(\.household)).count == plan.households.count)
        #expect(Set(owners.map(\.person)).count < owners.count)
    }
}
