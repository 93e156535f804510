/// How a case came in (SPEC §4).
public enum IntakeChannel: String, Codable, Sendable, CaseIterable {
    /// The resident's own page or app
    case resident
    /// 一窗受理: staff enter it for a resident who came in person
    case window
    /// 热线: a phone call taken by staff
    case hotline
    /// 网格巡查: found on patrol
    case patrol
    /// An API client (an Open311 key, or staff's own software)
    case api
}

/// Who may submit a case through which channel — decided once, for every entry point (the JSON API, the
/// resident's form, window entry, Open311).
public enum IntakeChannelPolicy {
    /// Who is submitting, as the policy needs to know it.
    public enum Submitter: Sendable, Equatable, CaseIterable {
        /// An account whose only role is resident.
        case resident
        /// A staff account that may take in cases somewhere (`intakeCases`).
        case intakeStaff
        /// A staff account without that permission.
        case otherStaff
        /// A client of the Open311 interface, by its key.
        case open311Client
        /// Nobody signed in.
        case visitor
    }

    public enum Refusal: Error, Equatable {
        /// Not signed in: 401.
        case signInFirst
        /// Signed in but may not submit at all: 403.
        case notAllowed
        /// May submit, but not through this channel: the `channel` field is wrong.
        case wrongChannel
        /// Staff using the residents' own channel (the resident's page): they enter cases at the window instead.
        case residentsOnly
    }

    /// The channels `submitter` may use.
    public static func channels(for submitter: Submitter) -> Set<IntakeChannel> {
        switch submitter {
        case .resident: [.resident]
        case .intakeStaff: [.window, .hotline, .patrol, .api]
        case .open311Client: [.api]
        case .otherStaff, .visitor: []
        }
    }

    /// The channel a submission goes through: the one asked for, or `fallback` (the entry point's own: the
    /// resident's page, the API) when none was named; refused when `submitter` may not use it.
    public static func channel(requested: IntakeChannel?, fallback: IntakeChannel, submitter: Submitter) throws(Refusal) -> IntakeChannel {
        switch submitter {
        case .visitor: throw .signInFirst
        case .otherStaff: throw .notAllowed
        default: break
        }
        let allowed = channels(for: submitter)
        // A resident's own submissions always come through the resident's channel, whatever the client's default.
        let channel = requested ?? (submitter == .resident ? .resident : fallback)
        if channel == .resident, submitter == .intakeStaff { throw .residentsOnly }
        guard allowed.contains(channel) else { throw .wrongChannel }
        return channel
    }
}
