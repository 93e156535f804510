import Foundation
import Testing
@testable import GongzhiApp
@testable import GongzhiCore

/// The interface's words are data (`Resources/Words/*.strings`): every key in both languages, none twice, and every
/// key the code asks for — written out or built from an enum's cases — present.
@Suite("Interface words: both languages, no key twice, none missing")
struct WordsTests {
    @Test("the parser reads entries, escapes and comments, and names the line of a malformed entry or a repeated key")
    func parser() throws {
        let text = """
            /* a comment
               over two lines */
            "a.b" = "一 \\"二\\" 三";
            // a line comment

            "c" = "x\\ny";  /* not allowed after an entry */
            """
        #expect(throws: WordsFile.Problem.malformed(line: 6)) { try WordsFile.parse(text) }
        #expect(try WordsFile.parse("\"a.b\" = \"一 \\\"二\\\" 三\";\n\"c\" = \"x\\ny\";") == ["a.b": "一 \"二\" 三", "c": "x\ny"])
        #expect(throws: WordsFile.Problem.duplicate(key: "k", lines: [1, 3])) { try WordsFile.parse("\"k\" = \"1\";\n\n\"k\" = \"2\";") }
        for bad in ["k = \"v\";", "\"k\" \"v\";", "\"k\" = \"v\"", "\"k\" = \"v\\q\";", "\"\" = \"v\";"] {
            #expect(throws: WordsFile.Problem.malformed(line: 1), "\(bad)") { try WordsFile.parse(bad) }
        }
    }

    @Test("the shipped files load: the same keys in Chinese and English, none twice; a damaged copy stops the start with the reason")
    func shippedFiles() throws {
        let words = try Strings.load(root: repositoryRoot.path + "/")
        #expect(words.zh.count > 800 && Set(words.zh.keys) == Set(words.en.keys))
        #expect(words.zh.values.allSatisfy { !$0.isEmpty } && words.en.values.allSatisfy { !$0.isEmpty })
        // A copy with a key twice, and one with a key in one language only.
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("gongzhi-words-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy.appendingPathComponent(Strings.directory), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        let zh = try String(contentsOf: repositoryRoot.appendingPathComponent(Strings.directory + "zh-Hans.strings"), encoding: .utf8)
        let en = try String(contentsOf: repositoryRoot.appendingPathComponent(Strings.directory + "en.strings"), encoding: .utf8)
        func write(_ zhText: String, _ enText: String) throws {
            try zhText.write(to: copy.appendingPathComponent(Strings.directory + "zh-Hans.strings"), atomically: true, encoding: .utf8)
            try enText.write(to: copy.appendingPathComponent(Strings.directory + "en.strings"), atomically: true, encoding: .utf8)
        }
        try write(zh + "\"app.name\" = \"又一个\";\n", en)
        #expect(throws: ConfigurationError.self) { try Strings.load(root: copy.path + "/") }
        try write(zh + "\"only.chinese\" = \"只有中文\";\n", en)
        do {
            _ = try Strings.load(root: copy.path + "/")
            Issue.record("a key in one language only was taken")
        } catch let error as ConfigurationError {
            #expect(error.description.contains("only.chinese has no English words"))
        }
    }

    /// Keys the code writes out in full.
    static func literalKeys() throws -> Set<String> {
        let code = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
        var keys = Set<String>()
        for match in code.matches(of: /(?:Strings\.(?:text|entry)\(|messageKey: )"([a-z0-9_.]+)"/) { keys.insert(String(match.output.1)) }
        return keys
    }

    @Test("every key the code writes out is there")
    func literal() throws {
        let keys = try Self.literalKeys()
        #expect(keys.count > 100)
        let missing = keys.filter { Strings.entry($0, .zh) == nil || Strings.entry($0, .en) == nil }
        #expect(missing.sorted() == [])
    }

    /// Each family of keys the code builds by interpolation, with every value it can take.
    static func families() -> [(String, [String])] {
        func raw<T: RawRepresentable & CaseIterable>(_: T.Type) -> [String] where T.RawValue == String { T.allCases.map(\.rawValue) }
        return [
            ("state.", raw(CaseState.self)), ("mine.state.", raw(CaseState.self)), ("role.", raw(Role.self)), ("level.", raw(OrgLevel.self)), ("sla.", raw(SLAClock.Level.self)),
            ("channel.", raw(IntakeChannel.self)), ("relation.", raw(HouseholdRelation.self)), ("party.", raw(ResponsibleParty.self)), ("partykind.", raw(PartyKind.self)), ("mine.partykind.", raw(PartyKind.self)), ("committee.seat.", raw(CommitteeRoster.Seat.self)),
            ("seat.", raw(CouncilRules.Seat.self)), ("outcome.", raw(MeetingDecisionRecord.Outcome.self)), ("matter.", raw(OwnersVote.Matter.self)),
            ("vote.choice.", raw(OwnersVote.Choice.self)), ("project.action.", raw(ProjectRules.Action.self)),
            ("project.state.", raw(ProjectRules.State.self)), ("need.state.", raw(NeedRules.State.self)),
            ("poll.state.", raw(PollRecord.State.self)), ("vote.state.", raw(OwnerVoteRecord.State.self)),
            ("rectification.state.", raw(RectificationRules.State.self)), ("warning.kind.", raw(WarningRules.Kind.self)),
            ("warning.state.", raw(WarningRules.State.self)), ("funding.", raw(ProjectFundingRecord.Source.self)),
            ("resource.provider.", raw(ResourceOfferRecord.Provider.self)), ("notice.", raw(CaseNoticeRecord.Kind.self)),
            ("resource.kind.", raw(ResourceOfferRecord.Kind.self)), ("satisfaction.", raw(CaseActions.Satisfaction.self)),
            ("import.reason.", raw(ResidentImport.Reason.self)), ("account.", raw(AccountObligation.self)),
            ("audit.outcome_", AuditSearch.outcomes), ("workbench.sort_", WorkbenchPagesController.sorts),
            ("workbench.stage_", raw(WorkStage.self)), ("workbench.due_", raw(WorkStage.Deadline.self)),
            ("workbench.bulk_done_", CaseBulkActions.actions.map(\.rawValue)),
            ("need.done.", NeedPagesController.flashes), ("announcement.done.", AnnouncementPagesController.flashes), ("points.done.", PointsPagesController.flashes), ("activity.done.", ActivityPagesController.flashes), ("volunteer.pool.", raw(VolunteerRecord.Pool.self)), ("disclosure.kind.", raw(DisclosureRecord.Kind.self)), ("convention.state.", raw(Convention.State.self)), ("convention.comment.", raw(ConventionCommentRecord.State.self)), ("convention.done.", ConventionPagesController.flashes), ("party.done.", PartyMemberPagesController.flashes + PartyOrganisationPagesController.flashes), ("party.kind.", raw(DualRegistration.Kind.self)), ("party.state.", raw(DualRegistration.State.self)), ("party.service.", raw(PartyServiceLogRecord.State.self)), ("finance.fund.", raw(FundStatement.Fund.self)), ("finance.income.", raw(FundStatement.Income.self)), ("points.code.", raw(LedgerTransferRecord.Code.self)), ("points.state.", raw(RedemptionRecord.State.self)), ("announcement.status.", raw(Announcement.Status.self)), ("kpi.", CommunityComparison.definitionKeys), ("kpi.def.", CommunityComparison.definitionKeys), ("rectification.done.", RectificationPagesController.flashes), ("category.", CatalogueCategory.requiredCodes),
            ("action.", raw(CaseAction.self).filter { $0 != "rate_satisfied" && $0 != "rate_unsatisfied" } + ["rate", "submit", CaseClock.recomputedAction,
                                                                                                                   OrgTreeChanges.handlerMovedAction]),
            ("mine.action.", raw(CaseAction.self) + ["rate", "submit", CaseClock.recomputedAction, OrgTreeChanges.handlerMovedAction]),
        ]
    }

    @Test("every key built from an enum's cases is there, in both languages")
    func built() {
        var missing: [String] = []
        for (prefix, values) in Self.families() {
            #expect(!values.isEmpty, "\(prefix)")
            for value in values where Strings.entry(prefix + value, .zh) == nil || Strings.entry(prefix + value, .en) == nil {
                missing.append(prefix + value)
            }
        }
        #expect(missing == [])
    }

    @Test("every family of keys the code builds by interpolation is enumerated above")
    func everyFamilyEnumerated() throws {
        let code = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
        let built = Set(code.matches(of: /Strings\.(?:text|entry)\("([a-z0-9_.]+)\\\(/).map { String($0.output.1) })
        #expect(built.count > 25)
        // Optional by design: a form message without a label for its field shows the message alone; a number to
        // call without a name (`call.<number>`) shows the number alone; an audit action without words (`audit.act.<action>`)
        // shows its code; a refusal whose code has no words (`error.<code>`, the bulk actions' report) says that nothing was done.
        #expect(built.subtracting(Self.families().map(\.0) + ["field.", "call.", "audit.act.", "error."]).sorted() == [])
    }

    @Test("every action the audit log records by name has words on the audit page, in both languages")
    func auditActions() throws {
        let code = try SourceLintTests.files(under: "Sources/GongzhiApp", extension: "swift").map { try String(contentsOf: $0, encoding: .utf8) }
            .joined(separator: "\n")
        let actions = Set(code.matches(of: /AuditEvent\(action: "([a-z0-9_.]+)"/).map { String($0.output.1) })
        #expect(actions.count > 60)
        let missing = actions.filter { Strings.entry("audit.act.\($0)", .zh) == nil || Strings.entry("audit.act.\($0)", .en) == nil }
        #expect(missing.sorted() == [])
        #expect(AuditController.EntryRow.label("case.dispatch", .zh) == "诉求：派单")
        #expect(AuditController.EntryRow.label("login.success", .zh) == "登录成功")
    }
}
