import Crypto
import Foundation

/// The receipt an owner gets for a ballot (投票回执): a short code, keyed with the server's secret, that binds
/// the vote, the owner-person, the choice and the moment. The owner checks it against the published tally
/// without anyone learning their choice from the code alone; a changed ballot gets a new code.
public enum BallotReceipt {
    /// 12 characters people can read out (no 0/O, 1/I), in groups of four: "K7QM-3XRT-9WPA".
    public static func code(vote: String, voterKey: String, choice: OwnersVote.Choice, castAt: Date, sequence: Int, key: Data) -> String {
        let message = [vote, voterKey, choice.rawValue, String(Int64((castAt.timeIntervalSince1970 * 1000).rounded())), String(sequence)]
            .joined(separator: "\u{1F}")
        let mac = HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: key))
        let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
        let characters = Array(mac).prefix(12).map { alphabet[Int($0) % alphabet.count] }
        return stride(from: 0, to: 12, by: 4).map { String(characters[$0..<($0 + 4)]) }.joined(separator: "-")
    }

    /// Whether `code` (any case, with or without dashes) is the receipt of that ballot.
    public static func verify(_ code: String, vote: String, voterKey: String, choice: OwnersVote.Choice, castAt: Date, sequence: Int,
                              key: Data) -> Bool {
        let given = code.uppercased().filter { $0 != "-" && $0 != " " }
        let expected = Self.code(vote: vote, voterKey: voterKey, choice: choice, castAt: castAt, sequence: sequence, key: key).filter { $0 != "-" }
        return given.count == expected.count && zip(given.utf8, expected.utf8).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
