import Foundation
import Testing
@testable import GongzhiCore

@Suite("Server-drawn SVG charts")
struct SVGChartTests {
    @Test("bars are scaled to the largest value, values are written beside them, labels escaped")
    func bars() {
        let svg = SVGChart.horizontalBars(title: "类别 <按量>", description: "d", bars: [
            .init(label: "物业<script>", value: 10, text: "10"), .init(label: "环境", value: 5, text: "5"),
        ])
        #expect(svg.hasPrefix("<svg") && svg.contains("role=\"img\"") && svg.contains("<title"))
        #expect(!svg.contains("<script>") && svg.contains("物业&lt;script&gt;") && svg.contains("类别 &lt;按量&gt;"))
        let widths = svg.components(separatedBy: "width=\"").dropFirst(2).compactMap { Double($0.prefix { $0 != "\"" }) }
        #expect(widths.count == 2 && abs(widths[0] - 2 * widths[1]) < 0.2)
        #expect(svg.contains(">10</text>") && svg.contains(">5</text>"))
    }

    @Test("grouped bars carry a legend and a pattern per series; missing values are a dash")
    func grouped() {
        let svg = SVGChart.groupedBars(title: "t", description: "d", groups: ["甲社区", "乙社区"], series: [
            .init(name: "响应率", values: [0.9, nil], format: .percent), .init(name: "解决率", values: [0.5, 0.7], format: .percent),
        ])
        #expect(svg.contains("响应率") && svg.contains("解决率") && svg.contains("90%") && svg.contains("—"))
        #expect(svg.contains("stroke-dasharray=\"6 4\""))
    }

    @Test("a trend puts one point per known value and writes the last value")
    func lines() {
        let svg = SVGChart.lines(title: "t", description: "d", labels: ["11-01", "11-02", "11-03"], series: [
            .init(name: "受理量", values: [3, 5, 4], format: .count), .init(name: "按时办结率", values: [0.5, nil, 1], format: .percent),
        ])
        #expect(svg.components(separatedBy: "<polyline").count == 3)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 3 + 1)
        #expect(svg.contains(">4</text>") && svg.contains(">100%</text>"))
        #expect(SVGChart.text(nil, .percent) == "—" && SVGChart.text(0.873, .percent) == "87%" && SVGChart.text(2.5, .count) == "2.5")
    }
}
