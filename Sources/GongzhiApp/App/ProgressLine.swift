import Foundation

/// A progress bar for long command-line work: bar, percentage, counts and the estimated time left. Redrawn in
/// place on a terminal; on a pipe (CI logs) one line per 10 %.
final class ProgressLine: @unchecked Sendable {
    private let title: String
    private let total: Int
    private let started = Date()
    private let interactive = isatty(STDERR_FILENO) == 1
    private var lastPrintedTenth = -1
    private var lastDraw = Date.distantPast

    init(title: String, total: Int) {
        self.title = title
        self.total = max(total, 1)
    }

    func update(_ done: Int) {
        let fraction = min(1, Double(done) / Double(total))
        let tenth = Int(fraction * 10)
        if interactive {
            guard Date().timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
            lastDraw = Date()
        } else {
            guard tenth > lastPrintedTenth else { return }
            lastPrintedTenth = tenth
        }
        let width = 30
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(started)
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        let line = String(format: "%@ [%@%@] %3d%% %d/%d  %.0fs elapsed, about %.0fs left",
                          title, String(repeating: "#", count: filled), String(repeating: ".", count: width - filled),
                          Int(fraction * 100), done, total, elapsed, eta)
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + line + (interactive ? "" : "\n")).utf8))
    }

    func finish() {
        update(total)
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
