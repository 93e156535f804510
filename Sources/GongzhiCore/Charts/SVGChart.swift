import Foundation

/// Charts drawn on the server as SVG (no JavaScript, no chart library): accessible (a title and a description,
/// `role="img"`), readable without colour (values written beside bars, series told apart by pattern and
/// marker as well as colour), and escaped.
public enum SVGChart {
    public struct Bar: Sendable, Equatable {
        public let label: String
        public let value: Double
        /// What is written beside the bar ("42", "87%").
        public let text: String

        public init(label: String, value: Double, text: String) {
            self.label = label
            self.value = value
            self.text = text
        }
    }

    public struct Series: Sendable, Equatable {
        public let name: String
        public let values: [Double?]
        public let format: Format

        public enum Format: Sendable, Equatable { case count, percent }

        public init(name: String, values: [Double?], format: Format) {
            self.name = name
            self.values = values
            self.format = format
        }
    }

    static let colours = ["#0b4f9c", "#a4161a", "#1d6b35", "#8a5300"]
    static let dashes = ["", "6 4", "2 3", "10 3 2 3"]

    /// Horizontal bars, one per row, largest scale = the largest value (or `maximum`).
    public static func horizontalBars(title: String, description: String, bars: [Bar], maximum: Double? = nil, width: Int = 640) -> String {
        let rowHeight = 34, labelWidth = 200, top = 8
        let height = top * 2 + max(1, bars.count) * rowHeight
        let scaleMax = max(maximum ?? bars.map(\.value).max() ?? 1, 0.000_001)
        let plot = Double(width - labelWidth - 70)
        var body = ""
        for (index, bar) in bars.enumerated() {
            let y = top + index * rowHeight
            let length = max(0, bar.value / scaleMax * plot)
            body += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 22)\" text-anchor=\"end\" class=\"label\">\(escape(truncate(bar.label, 14)))</text>"
            body += "<rect x=\"\(labelWidth)\" y=\"\(y + 6)\" width=\"\(format(length))\" height=\"22\" fill=\"\(colours[0])\"/>"
            body += "<text x=\"\(format(Double(labelWidth) + length + 6))\" y=\"\(y + 22)\" class=\"value\">\(escape(bar.text))</text>"
        }
        return frame(title: title, description: description, width: width, height: height, body: body)
    }

    /// Groups of horizontal bars (one bar per series in each group), each series with its own colour and
    /// pattern, values written beside the bars, and a legend.
    public static func groupedBars(title: String, description: String, groups: [String], series: [Series], width: Int = 640) -> String {
        let barHeight = 16, gap = 14, labelWidth = 200, legendHeight = 28
        let groupHeight = series.count * barHeight + gap
        let height = legendHeight + max(1, groups.count) * groupHeight + 8
        let scaleMax = max(series.flatMap { $0.values.compactMap { $0 } }.max() ?? 1, 0.000_001)
        let plot = Double(width - labelWidth - 70)
        var body = legend(series, y: 18)
        for (g, name) in groups.enumerated() {
            let y0 = legendHeight + g * groupHeight
            body += "<text x=\"\(labelWidth - 8)\" y=\"\(y0 + series.count * barHeight / 2 + 5)\" text-anchor=\"end\" class=\"label\">\(escape(truncate(name, 14)))</text>"
            for (s, line) in series.enumerated() {
                let y = y0 + s * barHeight
                guard g < line.values.count else { continue }
                let value = line.values[g]
                let length = max(0, (value ?? 0) / scaleMax * plot)
                body += "<rect x=\"\(labelWidth)\" y=\"\(y + 1)\" width=\"\(format(length))\" height=\"\(barHeight - 3)\" fill=\"\(colours[s % colours.count])\""
                body += s == 0 ? "/>" : " fill-opacity=\"\(s == 1 ? "0.75" : "0.6")\" stroke=\"#000\" stroke-width=\"0.5\" stroke-dasharray=\"\(dashes[s % dashes.count])\"/>"
                body += "<text x=\"\(format(Double(labelWidth) + length + 6))\" y=\"\(y + barHeight - 4)\" class=\"value small\">\(escape(text(value, line.format)))</text>"
            }
        }
        return frame(title: title, description: description, width: width, height: height, body: body)
    }

    /// A trend: one line per series over `labels`, each series scaled to its own maximum (counts and percentages
    /// share the chart), with a marker shape per series and the last value written at the end.
    public static func lines(title: String, description: String, labels: [String], series: [Series], width: Int = 640, height: Int = 260) -> String {
        let left = 40, right = 80, top = 34, bottom = 40
        let plotWidth = Double(width - left - right), plotHeight = Double(height - top - bottom)
        var body = legend(series, y: 18)
        body += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"#555\"/>"
        let step = labels.count > 1 ? plotWidth / Double(labels.count - 1) : 0
        let every = max(1, labels.count / 6)
        for (index, label) in labels.enumerated() where index % every == 0 || index == labels.count - 1 {
            let x = Double(left) + Double(index) * step
            body += "<text x=\"\(format(x))\" y=\"\(height - bottom + 18)\" text-anchor=\"middle\" class=\"small\">\(escape(label))</text>"
        }
        for (s, line) in series.enumerated() {
            let maximum = line.format == .percent ? 1 : max(line.values.compactMap { $0 }.max() ?? 1, 1)
            var points: [(Double, Double)] = []
            for (index, value) in line.values.enumerated() {
                guard let value else { continue }
                points.append((Double(left) + Double(index) * step, Double(top) + plotHeight * (1 - value / maximum)))
            }
            guard !points.isEmpty else { continue }
            let colour = colours[s % colours.count]
            let path = points.map { "\(format($0.0)),\(format($0.1))" }.joined(separator: " ")
            body += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\" stroke-dasharray=\"\(dashes[s % dashes.count])\"/>"
            for point in points { body += marker(s, x: point.0, y: point.1, colour: colour) }
            if let last = line.values.last(where: { $0 != nil }) ?? nil, let end = points.last {
                body += "<text x=\"\(format(end.0 + 8))\" y=\"\(format(end.1 + 5))\" class=\"value small\">\(escape(text(last, line.format)))</text>"
            }
        }
        return frame(title: title, description: description, width: width, height: height, body: body)
    }

    public static func text(_ value: Double?, _ format: Series.Format) -> String {
        guard let value else { return "—" }
        switch format {
        case .count: return value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
        case .percent: return String(format: "%.0f%%", value * 100)
        }
    }

    static func legend(_ series: [Series], y: Int) -> String {
        var out = "", x = 8.0
        for (s, line) in series.enumerated() {
            let colour = colours[s % colours.count]
            out += "<line x1=\"\(format(x))\" y1=\"\(y - 5)\" x2=\"\(format(x + 26))\" y2=\"\(y - 5)\" stroke=\"\(colour)\" stroke-width=\"3\" stroke-dasharray=\"\(dashes[s % dashes.count])\"/>"
            out += marker(s, x: x + 13, y: Double(y - 5), colour: colour)
            out += "<text x=\"\(format(x + 32))\" y=\"\(y)\" class=\"small\">\(escape(line.name))</text>"
            x += 44 + Double(line.name.count) * 14
        }
        return out
    }

    static func marker(_ index: Int, x: Double, y: Double, colour: String) -> String {
        switch index % 3 {
        case 0: "<circle cx=\"\(format(x))\" cy=\"\(format(y))\" r=\"4\" fill=\"\(colour)\"/>"
        case 1: "<rect x=\"\(format(x - 4))\" y=\"\(format(y - 4))\" width=\"8\" height=\"8\" fill=\"\(colour)\"/>"
        default: "<path d=\"M\(format(x)) \(format(y - 5)) L\(format(x + 5)) \(format(y + 4)) L\(format(x - 5)) \(format(y + 4)) Z\" fill=\"\(colour)\"/>"
        }
    }

    static func frame(title: String, description: String, width: Int, height: Int, body: String) -> String {
        let id = "c" + String(UInt32(truncatingIfNeeded: (title + description).hashValue), radix: 36)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" role=\"img\" "
            + "aria-labelledby=\"\(id)-t \(id)-d\" class=\"chart\"><title id=\"\(id)-t\">\(escape(title))</title>"
            + "<desc id=\"\(id)-d\">\(escape(description))</desc>\(body)</svg>"
    }

    static func truncate(_ text: String, _ limit: Int) -> String { text.count > limit ? String(text.prefix(limit - 1)) + "…" : text }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Escapes text for SVG content and attributes (the same rules as every XML Gongzhi writes).
    public static func escape(_ text: String) -> String { Open311Renderer.escapeXML(text) }
}
