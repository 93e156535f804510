import Fluent
import GongzhiCore
import Vapor

extension Request {
    /// The use-case context of this request: the signed-in account (or a visitor), this request's database, and
    /// its address and id for the audit log.
    var context: UseCaseContext {
        UseCaseContext(principal: currentActor.map(Principal.account) ?? .visitor, actorName: current?.displayName ?? "",
                       services: application.gongzhi, clock: application.clock, ids: .random, db: db, writeGate: application.writeGate,
                       submissions: application.submissionLimiter, address: clientAddress,
                       requestID: headers.first(name: "X-Request-Id") ?? logger[metadataKey: "request-id"]?.description ?? "",
                       logger: logger, lang: lang)
    }
}

extension Application {
    /// The context of a background round or a command: the system acts (or `principal`, for a command that acts
    /// as an account), on the app's database.
    func context(_ principal: Principal = .system("")) -> UseCaseContext {
        UseCaseContext(principal: principal, actorName: "", services: gongzhi, clock: clock, ids: .random, db: db, writeGate: writeGate,
                       submissions: submissionLimiter, address: "", requestID: "", logger: logger, lang: .zh)
    }
}
