import Foundation
import Synchronization

/// The statutory public holidays (全体公民放假的节日) of 《全国年节及纪念日放假办法》, computed for any year: what a
/// working calendar counts for a year whose State Council arrangement (放假调休) is not loaded yet. The arrangement
/// adds bridging days and 调休 working weekends; these days alone are the holidays every arrangement keeps.
///
/// - 2025 on (the 2024 amendment, in force 2025-01-01): 元旦 1 Jan; 春节 农历除夕 and 正月初一–初三; 清明节 the
///   day of the 清明 solar term; 劳动节 1–2 May; 端午节 农历五月初五; 中秋节 农历八月十五; 国庆节 1–3 Oct (13 days).
/// - 2008–2024 (the 2007 amendment): the same without 除夕 and with one day of 劳动节 (11 days).
/// - Before 2008: 元旦, 春节 初一–初三, 劳动节 1–3 May, 国庆节 1–3 Oct.
///
/// Lunar dates come from Foundation's Chinese calendar (ICU), read in Beijing time; the 清明 day from the Sun's
/// apparent longitude reaching 15° (`SolarTerms`).
public enum StatutoryHolidays {
    /// The statutory holidays of `year`.
    public static func days(in year: Int) -> Set<CivilDate> {
        if let known = cache.withLock({ $0[year] }) { return known }
        let computed = compute(year)
        cache.withLock { $0[year] = computed }
        return computed
    }

    /// Each holiday of `year` with its name, in date order (for pages and notices).
    public static func named(in year: Int) -> [(date: CivilDate, name: String)] {
        var result: [(CivilDate, String)] = []
        func add(_ name: String, _ dates: [CivilDate]) { result += dates.map { ($0, name) } }
        add("元旦", [day(year, 1, 1)])
        let newYear = lunarNewYear(year)
        let eve = DayNumber(DayNumber(newYear).value - 1).civil
        let spring = (0..<3).map { DayNumber(DayNumber(newYear).value + $0).civil }
        if year >= 2025 { add("春节", [eve] + spring) } else { add("春节", spring) }
        if year >= 2008 {
            add("清明节", [SolarTerms.qingming(year)])
            add("劳动节", year >= 2025 ? [day(year, 5, 1), day(year, 5, 2)] : [day(year, 5, 1)])
            add("端午节", [lunarDate(year, month: 5, day: 5, from: day(year, 5, 20), days: 45)])
            add("中秋节", [lunarDate(year, month: 8, day: 15, from: day(year, 9, 1), days: 45)])
        } else {
            add("劳动节", [day(year, 5, 1), day(year, 5, 2), day(year, 5, 3)])
        }
        add("国庆节", [day(year, 10, 1), day(year, 10, 2), day(year, 10, 3)])
        return result.sorted { $0.0 < $1.0 }
    }

    private static let cache = Mutex<[Int: Set<CivilDate>]>([:])

    // 除夕 always lies in the year of its Spring Festival: 正月初一 is 21 January at the earliest.
    private static func compute(_ year: Int) -> Set<CivilDate> { Set(named(in: year).map(\.date)) }

    private static func day(_ year: Int, _ month: Int, _ day: Int) -> CivilDate { CivilDate(year: year, month: month, day: day)! }

    /// 正月初一 of the lunar year that begins in `year` (between 21 January and 20 February).
    static func lunarNewYear(_ year: Int) -> CivilDate { lunarDate(year, month: 1, day: 1, from: day(year, 1, 20), days: 33) }

    /// The first day from `start` within `days` days that is `month`/`day` of the Chinese calendar (not a leap month).
    static func lunarDate(_ year: Int, month: Int, day: Int, from start: CivilDate, days: Int) -> CivilDate {
        let first = DayNumber(start)
        for offset in 0..<days {
            let candidate = DayNumber(first.value + offset)
            // Noon, Beijing time: the lunar day is the civil day in China.
            let parts = chinese.dateComponents([.month, .day, .isLeapMonth], from: candidate.instant(minutes: 12 * 60))
            if parts.month == month, parts.day == day, parts.isLeapMonth != true { return candidate.civil }
        }
        preconditionFailure("no \(month)/\(day) of the Chinese calendar near \(start)")
    }

    private static let chinese: Calendar = {
        var calendar = Calendar(identifier: .chinese)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        return calendar
    }()
}

/// The solar terms (节气) the calendar needs, from the Sun's apparent longitude (Meeus, *Astronomical Algorithms*,
/// ch. 25, the low-accuracy series: about 0.01°, a quarter of an hour).
public enum SolarTerms {
    /// The day (Beijing time) on which the Sun's apparent longitude reaches 15°: 清明.
    public static func qingming(_ year: Int) -> CivilDate { day(year, reaching: 15, from: CivilDate(year: year, month: 4, day: 1)!) }

    /// The first day from `start` at whose end (Beijing midnight) the longitude has reached `degrees`.
    static func day(_ year: Int, reaching degrees: Double, from start: CivilDate) -> CivilDate {
        var dayNumber = DayNumber(start)
        for _ in 0..<40 {
            let end = DayNumber(dayNumber.value + 1).instant(minutes: 0)
            if angle(longitude(at: end), reached: degrees) { return dayNumber.civil }
            dayNumber = DayNumber(dayNumber.value + 1)
        }
        preconditionFailure("the Sun does not reach \(degrees)° within 40 days of \(start)")
    }

    /// Whether `longitude` lies in the half-turn after `target` (so that 359° has not "reached" 15°).
    static func angle(_ longitude: Double, reached target: Double) -> Bool {
        let past = (longitude - target).truncatingRemainder(dividingBy: 360)
        let normalised = past < 0 ? past + 360 : past
        return normalised < 180
    }

    /// The Sun's apparent geocentric longitude in degrees at `instant`.
    public static func longitude(at instant: Date) -> Double {
        // Julian ephemeris day: Unix epoch is JD 2440587.5; ΔT (TT − UT) about 69 s in this era.
        let jde = 2_440_587.5 + (instant.timeIntervalSince1970 + 69) / 86_400
        let t = (jde - 2_451_545.0) / 36_525
        let l0 = 280.46646 + 36_000.76983 * t + 0.000_303_2 * t * t
        let m = (357.52911 + 35_999.05029 * t - 0.000_153_7 * t * t) * .pi / 180
        let c = (1.914_602 - 0.004_817 * t - 0.000_014 * t * t) * sin(m) + (0.019_993 - 0.000_101 * t) * sin(2 * m) + 0.000_289 * sin(3 * m)
        let omega = (125.04 - 1_934.136 * t) * .pi / 180
        let apparent = l0 + c - 0.005_69 - 0.004_78 * sin(omega)
        let reduced = apparent.truncatingRemainder(dividingBy: 360)
        return reduced < 0 ? reduced + 360 : reduced
    }
}
