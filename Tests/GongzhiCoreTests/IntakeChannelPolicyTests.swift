import Testing
@testable import GongzhiCore

@Suite("Who may submit a case through which channel")
struct IntakeChannelPolicyTests {
    typealias Outcome = Result<IntakeChannel, IntakeChannelPolicy.Refusal>

    static func outcome(_ requested: IntakeChannel?, fallback: IntakeChannel, _ submitter: IntakeChannelPolicy.Submitter) -> Outcome {
        do throws(IntakeChannelPolicy.Refusal) {
            return .success(try IntakeChannelPolicy.channel(requested: requested, fallback: fallback, submitter: submitter))
        } catch {
            return .failure(error)
        }
    }

    /// Every submitter × every channel asked for (and none), through the API (fallback `api`) and the resident's
    /// page (fallback `resident`).
    @Test("the whole table")
    func table() {
        let expected: [IntakeChannelPolicy.Submitter: [IntakeChannel?: Outcome]] = [
            .resident: [nil: .success(.resident), .resident: .success(.resident), .window: .failure(.wrongChannel),
                        .hotline: .failure(.wrongChannel), .patrol: .failure(.wrongChannel), .api: .failure(.wrongChannel)],
            .intakeStaff: [nil: .success(.api), .resident: .failure(.residentsOnly), .window: .success(.window),
                           .hotline: .success(.hotline), .patrol: .success(.patrol), .api: .success(.api)],
            .open311Client: [nil: .success(.api), .resident: .failure(.wrongChannel), .window: .failure(.wrongChannel),
                             .hotline: .failure(.wrongChannel), .patrol: .failure(.wrongChannel), .api: .success(.api)],
            .otherStaff: Dictionary(uniqueKeysWithValues: ([nil] + IntakeChannel.allCases.map(Optional.some)).map { ($0, .failure(.notAllowed)) }),
            .visitor: Dictionary(uniqueKeysWithValues: ([nil] + IntakeChannel.allCases.map(Optional.some)).map { ($0, .failure(.signInFirst)) }),
        ]
        #expect(Set(expected.keys) == Set(IntakeChannelPolicy.Submitter.allCases))
        for (submitter, rows) in expected {
            #expect(rows.count == IntakeChannel.allCases.count + 1)
            for (requested, outcome) in rows {
                #expect(Self.outcome(requested, fallback: .api, submitter) == outcome, "\(submitter) asking \(String(describing: requested))")
            }
        }
    }

    @Test("an entry point's own channel is used when none is named, and only if the submitter may use it")
    func fallback() {
        #expect(Self.outcome(nil, fallback: .window, .intakeStaff) == .success(.window))
        #expect(Self.outcome(nil, fallback: .resident, .resident) == .success(.resident))
        #expect(Self.outcome(nil, fallback: .api, .resident) == .success(.resident), "a resident's own submission is always theirs")
        #expect(Self.outcome(nil, fallback: .resident, .intakeStaff) == .failure(.residentsOnly), "staff on the resident's page are sent to the window")
        for submitter in IntakeChannelPolicy.Submitter.allCases {
            for channel in IntakeChannel.allCases {
                if case .success(let used) = Self.outcome(channel, fallback: .api, submitter) {
                    #expect(IntakeChannelPolicy.channels(for: submitter).contains(used))
                }
            }
        }
    }
}
