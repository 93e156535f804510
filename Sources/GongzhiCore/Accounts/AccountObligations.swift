import Foundation

/// What a signed-in account must do before it may do anything else (checklist row 31, the 等保 profile; and a
/// second factor once enrolled, in any profile). Until it is done, pages lead to the one page that does it and the
/// API answers 403 with the obligation's code.
public enum AccountObligation: String, Sendable, Equatable, CaseIterable {
    /// Signed in with the password; the authenticator code is still to come.
    case verifySecondFactor = "second_factor_required"
    /// An administrator under the 等保 profile without a second factor: enrol one first.
    case enrolSecondFactor = "second_factor_enrolment_required"
    /// Staff under the 等保 profile whose password is 90 days old or more.
    case changePassword = "password_expired"

    /// Days a staff password lasts under the 等保 profile.
    public static let passwordLifetimeDays = 90
    /// A session opened with the password alone lasts this long for the code to be entered (then: sign in again).
    public static let secondFactorWindow: TimeInterval = 5 * 60

    public struct Account: Sendable {
        public var isStaff: Bool
        public var isAdministrator: Bool
        public var passwordChangedAt: Date
        public var secondFactorEnrolled: Bool
        /// The session was opened with the password only and awaits the code.
        public var awaitingSecondFactor: Bool

        public init(isStaff: Bool, isAdministrator: Bool, passwordChangedAt: Date, secondFactorEnrolled: Bool, awaitingSecondFactor: Bool) {
            self.isStaff = isStaff
            self.isAdministrator = isAdministrator
            self.passwordChangedAt = passwordChangedAt
            self.secondFactorEnrolled = secondFactorEnrolled
            self.awaitingSecondFactor = awaitingSecondFactor
        }
    }

    /// The first thing `account` must do now, if anything: the code before all, then enrolment, then the password.
    public static func pending(for account: Account, profile: PasswordPolicy.Profile, now: Date) -> AccountObligation? {
        if account.awaitingSecondFactor && account.secondFactorEnrolled { return .verifySecondFactor }
        guard profile == .dengbao else { return nil }
        if account.isAdministrator && !account.secondFactorEnrolled { return .enrolSecondFactor }
        if account.isStaff && passwordExpired(changedAt: account.passwordChangedAt, now: now) { return .changePassword }
        return nil
    }

    public static func passwordExpired(changedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(changedAt) >= TimeInterval(passwordLifetimeDays) * 86_400
    }
}
