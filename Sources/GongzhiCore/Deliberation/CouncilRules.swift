/// The "3+X" council (议事会) of a community or compound (SPEC §6): three core seats — the community (residents'
/// committee), the owners' committee and the property company — plus X: tenants' and migrants' representatives,
/// co-building units, the police, the people concerned.
public enum CouncilRules {
    public enum Seat: String, Codable, Sendable, CaseIterable {
        /// 社区（居委会）
        case community
        /// 业主委员会
        case ownersCommittee = "owners_committee"
        /// 物业服务企业
        case propertyCompany = "property_company"
        /// 租户代表
        case tenantsRepresentative = "tenants_representative"
        /// 流动人口代表
        case migrantsRepresentative = "migrants_representative"
        /// 共建单位
        case coBuildingUnit = "co_building_unit"
        /// 社区民警
        case police
        /// 利益相关方
        case concerned

        public var isCore: Bool { [.community, .ownersCommittee, .propertyCompany].contains(self) }
    }

    /// The core seats a council needs: an old compound without a property company (SPEC §3) has no such seat.
    public static func coreSeats(hasPropertyCompany: Bool) -> [Seat] {
        hasPropertyCompany ? [.community, .ownersCommittee, .propertyCompany] : [.community, .ownersCommittee]
    }

    /// The core seats nobody holds (for the roster) or nobody attended (for a meeting), in order.
    public static func missingCore(_ seats: [Seat], hasPropertyCompany: Bool) -> [Seat] {
        let held = Set(seats)
        return coreSeats(hasPropertyCompany: hasPropertyCompany).filter { !held.contains($0) }
    }

    /// A meeting can decide when every core seat is present and more than half of the members attend.
    public static func canDecide(present: [Seat], members: Int, hasPropertyCompany: Bool) -> Bool {
        members > 0 && missingCore(present, hasPropertyCompany: hasPropertyCompany).isEmpty && present.count * 2 > members
    }
}
