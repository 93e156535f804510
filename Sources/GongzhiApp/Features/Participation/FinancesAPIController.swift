import Fluent
import Foundation
import GongzhiCore
import Vapor

/// `/api/v1/finances`: a compound's public revenue and maintenance fund, month by month (`CompoundFinances`).
struct FinancesAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let finances = routes.grouped("api", "v1", "finances")
        finances.get(use: show)
        // Up to six vouchers of 5 MB with the form around them.
        finances.on(.POST, bodyUpTo: CasePhoto.maxFormSize, use: record)
        finances.get(":id", "vouchers", ":photoId", use: voucher)
    }

    struct FundDTO: Content {
        let fund: FundStatement.Fund
        let openingFen: Int64
        let incomingFen: Int64
        let outgoingFen: Int64
        let closingFen: Int64
    }

    struct LineDTO: Content {
        let id: UUID
        let fund: FundStatement.Fund
        let code: LedgerTransferRecord.Code
        let signedFen: Int64
        let note: String
        let at: Date
        let voteId: UUID?
        let vouchers: [String]
    }

    struct MonthDTO: Content {
        let compoundId: UUID
        let month: String
        let funds: [FundDTO]
        /// The compound's residents and staff only.
        let lines: [LineDTO]?
    }

    static func month(_ compound: CompoundRecord, month: DisclosureRecord.Month, detail: Bool, on db: any Database) async throws -> MonthDTO {
        let from = DayNumber.start(of: month.first), to = DayNumber.start(of: month.next.first)
        let result = try await CompoundFinances.month(compound: compound.id!, from: from, to: to, on: db)
        var lines: [LineDTO]?
        if detail {
            let photos = try await DeliberationPhotos.ids(.voucher, of: result.lines.compactMap(\.transfer.id), on: db)
            lines = result.lines.map { line in
                LineDTO(id: line.transfer.id!, fund: line.fund, code: line.transfer.code, signedFen: line.signed, note: line.transfer.note, at: line.transfer.createdAt,
                        voteId: line.transfer.code == .fundUse ? line.transfer.referenceID : nil,
                        vouchers: (photos[line.transfer.id!] ?? []).map { "/api/v1/finances/\(line.transfer.id!.uuidString.lowercased())/vouchers/\($0.uuidString.lowercased())" })
            }
        }
        return MonthDTO(compoundId: compound.id!, month: month.description,
                        funds: result.funds.map { FundDTO(fund: $0.fund, openingFen: $0.month.opening, incomingFen: $0.month.incoming, outgoingFen: $0.month.outgoing, closingFen: $0.month.closing) },
                        lines: lines)
    }

    static func compound(_ request: Request) async throws -> CompoundRecord {
        guard let raw = request.query[String.self, at: "compoundId"], !raw.isEmpty else { throw AppError.invalid("compoundId", "required") }
        guard let id = UUID(uuidString: raw) else { throw AppError.invalid("compoundId") }
        guard let compound = try await CompoundRecord.find(id, on: request.db) else { throw AppError.notFound }
        return compound
    }

    @Sendable func show(_ request: Request) async throws -> MonthDTO {
        let actor = try request.requireActor()
        let compound = try await Self.compound(request)
        let access = try await CompoundFinances.access(actor, to: compound, on: request.db)
        return try await Self.month(compound, month: try DisclosurePagesController.month(request), detail: access.detail, on: request.db)
    }

    struct RecordBody: Content {
        var compoundId: UUID?
        var movement: CompoundFinances.Movement?
        var income: FundStatement.Income?
        /// Yuan, as written ("1200", "35.50").
        var amount: String?
        var note: String?
        var voteId: UUID?
        var transferId: UUID?
        var photos: [File]?
    }

    @Sendable func record(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        // Who keeps no compound's books is refused before anything sent is looked at.
        let committee = try await CompoundFinances.committeeCompound(of: actor, on: request.db)
        guard AccessPolicy.allowsAnywhere(.manageDeliberation, actor: actor) || committee != nil else { throw AppError.forbidden }
        let body = try request.content.decode(RecordBody.self)
        guard let compoundID = body.compoundId, let compound = try await CompoundRecord.find(compoundID, on: request.db) else { throw AppError.invalid("compoundId", "not_found") }
        guard try await CompoundFinances.access(actor, to: compound, on: request.db).manage else { throw AppError.forbidden }
        guard let movement = body.movement else { throw AppError.invalid("movement", "required") }
        let transfer = try await CompoundFinances.record(compoundID: compoundID, .init(
            movement: movement, income: body.income, amountFen: body.amount.flatMap { Yuan.fen(parsing: $0) }.map(Int64.init), note: body.note, voteID: body.voteId,
            transferID: body.transferId), photos: try DeliberationPhotos.checked(body.photos), in: request.context)
        let month = DisclosureRecord.Month(transfer.createdAt)
        return try await Self.month(compound, month: month, detail: true, on: request.db).encodeResponse(status: .created, for: request)
    }

    /// A voucher, to those who see the movement's compound in detail (the compound is the fund's, from the ledger).
    @Sendable func voucher(_ request: Request) async throws -> Response {
        let actor = try request.requireActor()
        let transferID = try request.uuidParameter()
        guard let transfer = try await LedgerTransferRecord.find(transferID, on: request.db), transfer.book == .money else { throw AppError.notFound }
        let accounts = try await LedgerAccountRecord.query(on: request.db).filter(\.$id ~~ [transfer.debitAccountID, transfer.creditAccountID]).all()
        guard let fund = accounts.first(where: { $0.key.hasPrefix("money/fund/") }), let compoundID = fund.key.split(separator: "/").dropFirst(2).first.flatMap({ UUID(uuidString: String($0)) }),
              let compound = try await CompoundRecord.find(compoundID, on: request.db),
              try await CompoundFinances.access(actor, to: compound, on: request.db).detail else { throw AppError.notFound }
        return try await DeliberationPhotos.serve(try request.uuidParameter("photoId"), subject: .voucher, of: [transferID], in: request.context)
    }
}
