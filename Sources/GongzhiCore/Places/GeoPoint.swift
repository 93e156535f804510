import Foundation

/// A point on the earth in WGS 84 degrees (what phones and Open311 clients send).
public struct GeoPoint: Sendable, Equatable, Codable {
    public let latitude: Double
    public let longitude: Double

    /// Nil unless both are finite and in range.
    public init?(latitude: Double, longitude: Double) {
        guard latitude.isFinite, longitude.isFinite, (-90...90).contains(latitude), (-180...180).contains(longitude) else { return nil }
        self.latitude = latitude
        self.longitude = longitude
    }

    /// The mean earth radius of the IUGG, in metres.
    public static let earthRadius = 6_371_008.8

    /// Great-circle distance in metres (haversine: exact enough at the tens of metres that duplicates need).
    public func distance(to other: GeoPoint) -> Double {
        let φ1 = latitude * .pi / 180, φ2 = other.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (other.longitude - longitude) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * Self.earthRadius * asin(min(1, a.squareRoot()))
    }

    /// A latitude/longitude box that holds every point within `metres` (for an indexed pre-filter in SQL).
    public func box(metres: Double) -> (latitude: ClosedRange<Double>, longitude: ClosedRange<Double>) {
        let dLat = metres / Self.earthRadius * 180 / .pi
        let cosLat = max(cos(latitude * .pi / 180), 1e-6)
        let dLon = min(180, dLat / cosLat)
        return ((latitude - dLat)...(latitude + dLat), (longitude - dLon)...(longitude + dLon))
    }

    /// The point `north` and `east` metres away (used to lay out the demo district and in tests).
    public func offset(north: Double, east: Double) -> GeoPoint {
        let dLat = north / Self.earthRadius * 180 / .pi
        let dLon = east / (Self.earthRadius * max(cos(latitude * .pi / 180), 1e-6)) * 180 / .pi
        return GeoPoint(latitude: latitude + dLat, longitude: longitude + dLon)!
    }
}

/// Placing coordinates in the tree (SPEC §4 "give coordinates → grid"): the grid of the nearest building.
/// Buildings carry points; a grid is the set of its buildings, so the nearest building decides the grid.
public enum PlaceLocator {
    /// How far from any building a point may be and still be placed (a resident standing in the street).
    public static let defaultReach = 300.0

    /// The nearest candidate within `reach` metres, nil if none; ties go to the earlier candidate.
    public static func nearest<ID>(to point: GeoPoint, among candidates: [(id: ID, point: GeoPoint)], reach: Double = defaultReach) -> (id: ID, metres: Double)? {
        var best: (id: ID, metres: Double)?
        for candidate in candidates {
            let metres = point.distance(to: candidate.point)
            if metres <= reach, metres < (best?.metres ?? .infinity) { best = (candidate.id, metres) }
        }
        return best
    }

    /// Two reports of the same thing: within this many metres (issue 4 item 7).
    public static let duplicateRadius = 50.0
}
