import Foundation

/// A compound's money (小区资金, seed 002 "小区资金管理…透明度不高"): its public revenue (公共收益: parking, advertising,
/// rents of common parts) and its maintenance fund (专项维修资金), each a guarded account of the ledger's money book;
/// a monthly statement that balances: opening + in − out = closing.
public enum FundStatement {
    public enum Fund: String, Codable, Sendable, CaseIterable {
        /// 公共收益
        case revenue
        /// 专项维修资金
        case maintenance
    }

    public enum Income: String, Codable, Sendable, CaseIterable {
        case parking, advertising, rent, deposit, other
    }

    public struct Movement: Sendable, Equatable {
        public let at: Date
        /// Positive in, negative out, in fen.
        public let amount: Int64

        public init(at: Date, amount: Int64) {
            self.at = at
            self.amount = amount
        }
    }

    public struct Month: Sendable, Equatable {
        public let opening: Int64
        public let incoming: Int64
        public let outgoing: Int64
        public let closing: Int64

        /// opening + in − out = closing.
        public var balances: Bool { opening + incoming - outgoing == closing }
    }

    /// The statement of the period [from, to) from every movement of the fund.
    public static func month(_ movements: [Movement], from: Date, to: Date) -> Month {
        let opening = movements.filter { $0.at < from }.reduce(Int64(0)) { $0 + $1.amount }
        let inside = movements.filter { $0.at >= from && $0.at < to }
        let incoming = inside.filter { $0.amount > 0 }.reduce(Int64(0)) { $0 + $1.amount }
        let outgoing = inside.filter { $0.amount < 0 }.reduce(Int64(0)) { $0 - $1.amount }
        return Month(opening: opening, incoming: incoming, outgoing: outgoing, closing: opening + incoming - outgoing)
    }
}
