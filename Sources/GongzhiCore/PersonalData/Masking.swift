/// Display masks for personal information (GB/T 35273 practice; the formats the issues fix).
public enum Masking {
    /// 138****1234. Text of seven characters or fewer (a landline without its area code, as a contact may type it)
    /// is hidden whole: the 3 + 4 characters kept of a longer one would be all of it.
    public static func phone(_ value: String) -> String {
        let chars = Array(value)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(4))
    }

    /// 110101********1234: region kept, birth date and sequence hidden; ten characters or fewer hidden whole.
    public static func idNumber(_ value: String) -> String {
        let chars = Array(value)
        guard chars.count > 10 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(6)) + String(repeating: "*", count: chars.count - 10) + String(chars.suffix(4))
    }

    /// 张* / 欧阳** : the first character, a star for every other one.
    public static func name(_ value: String) -> String {
        let chars = Array(value)
        guard let first = chars.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, chars.count - 1))
    }
}
