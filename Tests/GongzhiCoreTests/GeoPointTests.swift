import Foundation
import Testing
@testable import GongzhiCore

@Suite("Coordinates: distance, boxes, nearest building")
struct GeoPointTests {
    let tiananmen = GeoPoint(latitude: 39.9087, longitude: 116.3975)!

    @Test("out-of-range or non-finite coordinates are refused", arguments: [(91.0, 0.0), (-90.5, 0.0), (0.0, 180.1), (0.0, -181.0), (.nan, 0.0), (0.0, .infinity)])
    func invalid(latitude: Double, longitude: Double) {
        #expect(GeoPoint(latitude: latitude, longitude: longitude) == nil)
    }

    @Test("one degree of latitude is 111.2 km; a point is 0 m from itself; distance is symmetric")
    func distances() {
        let a = GeoPoint(latitude: 30, longitude: 120)!, b = GeoPoint(latitude: 31, longitude: 120)!
        #expect(abs(a.distance(to: b) - 111_195) < 5)
        #expect(a.distance(to: a) == 0)
        #expect(a.distance(to: b) == b.distance(to: a))
        // Tiananmen to the Beijing railway station: about 2.9 km as the crow flies.
        let station = GeoPoint(latitude: 39.9029, longitude: 116.4270)!
        #expect((2_500...2_700).contains(tiananmen.distance(to: station)))
    }

    @Test("offsets move by the metres asked, in Beijing and near the equator", arguments: [(0.0, 50.0), (50.0, 0.0), (30.0, 40.0), (-49.0, -1.0)])
    func offsets(north: Double, east: Double) {
        for origin in [tiananmen, GeoPoint(latitude: 1, longitude: 103.8)!] {
            let moved = origin.offset(north: north, east: east)
            #expect(abs(origin.distance(to: moved) - (north * north + east * east).squareRoot()) < 0.05)
        }
    }

    @Test("the box around a point holds every point within the radius, and not far ones")
    func box() {
        let box = tiananmen.box(metres: 50)
        for bearing in stride(from: 0.0, to: 360, by: 15) {
            let p = tiananmen.offset(north: 49.9 * cos(bearing * .pi / 180), east: 49.9 * sin(bearing * .pi / 180))
            #expect(box.latitude.contains(p.latitude) && box.longitude.contains(p.longitude), "\(bearing)")
        }
        let far = tiananmen.offset(north: 80, east: 0)
        #expect(!box.latitude.contains(far.latitude))
    }

    @Test("coordinates go to the nearest building within reach; none when every building is too far")
    func nearest() {
        let buildings = [("A", tiananmen.offset(north: 120, east: 0)), ("B", tiananmen.offset(north: 0, east: 40)), ("C", tiananmen.offset(north: -41, east: 0))]
            .map { (id: $0.0, point: $0.1) }
        let found = PlaceLocator.nearest(to: tiananmen, among: buildings)
        #expect(found?.id == "B")
        #expect(abs((found?.metres ?? 0) - 40) < 0.05)
        #expect(PlaceLocator.nearest(to: tiananmen, among: buildings, reach: 30) == nil)
        #expect(PlaceLocator.nearest(to: tiananmen.offset(north: 2_000, east: 0), among: buildings) == nil)
        #expect(PlaceLocator.nearest(to: tiananmen, among: [(id: "X", point: tiananmen)] + buildings)?.id == "X")
    }
}
